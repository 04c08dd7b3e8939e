from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["Chapter", "new_figure"]


def new_figure(width: float = 6.4, height: float = 3.6, ncols: int = 1, nrows: int = 1, **kwargs):
    """A matplotlib ``Figure`` and its axes, made without pyplot (no global state, no GUI)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    axes = fig.subplots(nrows=nrows, ncols=ncols, squeeze=True, **kwargs)
    return fig, axes


def _figure(value: Any) -> str:
    """A key figure as text: 4 significant digits for a float, '-' for a missing value."""
    import numpy as np
    import pandas as pd

    if value is None or value is pd.NA or value is pd.NaT:
        return "-"
    if isinstance(value, float | np.floating):
        return "-" if value != value else f"{value:.4g}"
    if isinstance(value, np.generic):
        return str(value.item())
    return str(value)


@dataclass
class Chapter:
    """One chapter of a report: an ordered list of blocks, plus a console summary.

    Examples
    --------
    >>> ch = Chapter("experiment", "A/B test")
    >>> ch.paragraph("Two arms, one metric.")
    >>> ch.metrics({"lift": 0.05, "p-value": 0.01})
    >>> len(ch.blocks)
    2
    """

    key: str
    title: str
    blocks: list[dict[str, Any]] = field(default_factory=list)
    summary: list[str] = field(default_factory=list)

    def heading(self, text: str) -> None:
        self.blocks.append({"kind": "heading", "text": text})

    def paragraph(self, text: str) -> None:
        self.blocks.append({"kind": "paragraph", "text": text})

    def metrics(self, values: dict[str, Any]) -> None:
        """A row of key figures (label -> value); floats are shown with 4 significant digits and a
        missing value (None, NaN) as a dash."""
        shown = {str(k): _figure(v) for k, v in values.items()}
        self.blocks.append({"kind": "metrics", "items": list(shown.items())})

    def table(self, frame, caption: str | None = None, max_rows: int = 60, float_format: str = "{:.4g}") -> None:
        """A table from a DataFrame (or a list of dicts); long tables are cut at ``max_rows``."""
        import pandas as pd

        frame = pd.DataFrame(frame) if not isinstance(frame, pd.DataFrame) else frame
        note = None
        if len(frame) > max_rows:
            note = f"first {max_rows} of {len(frame)} rows"
            frame = frame.head(max_rows)
        formatters = {c: (lambda v, f=float_format: f.format(v) if pd.notna(v) else "")
                      for c in frame.columns if pd.api.types.is_float_dtype(frame[c])}
        html = frame.to_html(index=False, border=0, classes="data", formatters=formatters, na_rep="")
        self.blocks.append({"kind": "table", "html": html, "caption": caption, "note": note})

    def figure(self, fig, caption: str | None = None) -> None:
        """A matplotlib figure, stored as inline SVG."""
        from ._render import figure_to_svg

        self.blocks.append({"kind": "figure", "svg": figure_to_svg(fig), "caption": caption})

    def note(self, line: str) -> None:
        """A line for the console summary (also shown at the top of the chapter)."""
        self.summary.append(line)
