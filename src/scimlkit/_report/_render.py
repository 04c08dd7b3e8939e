from __future__ import annotations

import datetime as _dt
import io
import os
import re
from pathlib import Path

__all__ = ["figure_to_svg", "render_report"]


def figure_to_svg(fig) -> str:
    """Render a matplotlib figure to an inline ``<svg>`` element (text kept as text)."""
    import matplotlib

    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "scimlkit"}):
        fig.savefig(buf, format="svg", metadata={"Date": None})
    text = buf.getvalue()
    start = text.find("<svg")
    text = text[start:] if start >= 0 else text
    return re.sub(r"\s*<metadata>.*?</metadata>", "", text, count=1, flags=re.S)


def render_report(chapters, path: str | os.PathLike, *, title: str = "scimlkit report") -> Path:
    """Write ``chapters`` into one self-contained HTML file.

    ``path`` may be a directory (``index.html`` is written inside it) or a file name ending in
    ``.html``. Returns the path written.
    """
    import jinja2

    from .. import __version__

    path = Path(path)
    if path.suffix.lower() != ".html":
        path.mkdir(parents=True, exist_ok=True)
        path = path / "index.html"
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("scimlkit._report", "templates"),
        autoescape=jinja2.select_autoescape(["html"]),
    )
    html = env.get_template("report.html").render(
        title=title,
        chapters=list(chapters),
        version=__version__,
        generated=_dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
    )
    tmp = path.with_suffix(".html.tmp")
    tmp.write_text(html, encoding="utf-8")
    tmp.replace(path)
    return path
