"""Reports: execute notebooks (papermill), render HTML (nbconvert), write the index."""

from discourse.report.runner import (
    INDEX_TITLE,
    KERNEL_ENV,
    KERNEL_NAME,
    ReportError,
    ReportResult,
    check_inert_html,
    execute_notebook,
    find_notebooks,
    notebook_summary,
    render_html,
    run_report,
    strip_execution_metadata,
    write_index,
)

__all__ = [
    "KERNEL_NAME",
    "KERNEL_ENV",
    "INDEX_TITLE",
    "ReportError",
    "ReportResult",
    "find_notebooks",
    "strip_execution_metadata",
    "execute_notebook",
    "notebook_summary",
    "check_inert_html",
    "render_html",
    "write_index",
    "run_report",
]
