"""The report runner's error type."""

from __future__ import annotations


class ReportError(RuntimeError):
    """A notebook failed to execute or render; the message names it and the cell."""


__all__ = ["ReportError"]
