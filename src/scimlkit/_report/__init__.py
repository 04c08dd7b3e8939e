"""Compute first, render second: report chapters and the one HTML renderer.

A module's ``_report.py`` turns plain data (a result object, a frame) into a :class:`Chapter`
made of blocks (headings, paragraphs, key figures, tables, matplotlib figures). The renderer
writes every chapter into one self-contained HTML file: CSS inline, plots as inline SVG, no
script and no network access needed to read it.
"""

from ._chapter import Chapter, new_figure
from ._render import check_report_path, figure_to_svg, render_report, save_report

__all__ = ["Chapter", "new_figure", "check_report_path", "figure_to_svg", "render_report", "save_report"]
