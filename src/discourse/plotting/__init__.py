"""Figures: the project style (CJK font, colours, saving) and the plot functions.

Examples
--------
>>> from discourse.plotting import use_style, bilingual, save_figure, plot_keyness
>>> use_style()
"""

from __future__ import annotations

from discourse.plotting.plots import (
    cluster_order,
    plot_cleaning_audit,
    plot_document_lengths,
    plot_feature_rates,
    plot_keyness,
    plot_robustness,
    plot_similarity_heatmap,
    plot_timeline,
    plot_topic_shares,
    plot_topic_terms,
)
from discourse.plotting.specification import plot_specification_curve
from discourse.plotting.style import (
    bilingual,
    canonical_city,
    cjk_font_path,
    color_for,
    group_colors,
    period_color,
    period_label,
    register_cjk_font,
    save_figure,
    style_context,
    use_style,
)

__all__ = [
    "plot_specification_curve",
    "bilingual",
    "canonical_city",
    "cjk_font_path",
    "color_for",
    "group_colors",
    "period_color",
    "period_label",
    "register_cjk_font",
    "save_figure",
    "style_context",
    "use_style",
    "cluster_order",
    "plot_cleaning_audit",
    "plot_document_lengths",
    "plot_feature_rates",
    "plot_keyness",
    "plot_robustness",
    "plot_similarity_heatmap",
    "plot_timeline",
    "plot_topic_shares",
    "plot_topic_terms",
]
