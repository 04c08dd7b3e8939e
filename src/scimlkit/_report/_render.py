from __future__ import annotations

import datetime as _dt
import io
import os
import re
from pathlib import Path

__all__ = ["check_report_path", "figure_to_svg", "render_report", "save_report"]


def figure_to_svg(fig) -> str:
    """Render a matplotlib figure to an inline ``<svg>`` element (text kept as text).

    A label, title, legend or tick label that matplotlib cannot read as math (a column or a
    category named ``$a_$``) is drawn as written instead of failing the whole report.
    """
    import matplotlib

    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "scimlkit"}):
        for _ in range(20):  # each pass may reach texts (tick labels) the failed one had not set yet
            buf = io.StringIO()
            try:
                fig.savefig(buf, format="svg", metadata={"Date": None})
                break
            except ValueError:
                if not _plain_where_math_fails(fig):
                    raise
        else:  # pragma: no cover - more failing texts than passes
            fig.savefig(buf, format="svg", metadata={"Date": None})
    text = buf.getvalue()
    start = text.find("<svg")
    text = text[start:] if start >= 0 else text
    return re.sub(r"\s*<metadata>.*?</metadata>", "", text, count=1, flags=re.S)


def _plain_where_math_fails(fig) -> bool:
    """Draw as written each text of ``fig`` that holds ``$`` but is not valid math; whether any was."""
    from matplotlib.mathtext import MathTextParser
    from matplotlib.text import Text

    parser, changed = MathTextParser("path"), False
    for artist in fig.findobj(Text):
        if "$" in artist.get_text() and artist.get_parse_math():
            try:
                parser.parse(artist.get_text())
            except ValueError:
                artist.set_parse_math(False)
                changed = True
    return changed


_ID = re.compile(r'\bid="([^"]+)"')


def _own_ids(svg: str, prefix: str) -> str:
    """``svg`` with every id it defines (and every reference to one) prefixed by ``prefix``.

    Matplotlib numbers the elements of each figure from 1 (``figure_1``, ``axes_1``, ...): with
    several figures on one page the ids would repeat, which HTML does not allow.
    """
    ids = set(_ID.findall(svg))
    if not ids:
        return svg
    names = "|".join(re.escape(i) for i in sorted(ids, key=len, reverse=True))
    return re.sub(r'(\bid="|#)(' + names + r')(?=["\)])', lambda m: m.group(1) + prefix + m.group(2), svg)


def _unique_ids(chapters) -> list:
    """Copies of ``chapters`` whose figures have ids of their own across the whole report."""
    import dataclasses

    out, k = [], 0
    for chapter in chapters:
        blocks = []
        for block in chapter.blocks:
            if block.get("kind") == "figure":
                k += 1
                block = {**block, "svg": _own_ids(block["svg"], f"f{k}-")}
            blocks.append(block)
        out.append(dataclasses.replace(chapter, blocks=blocks))
    return out


def check_report_path(out: str | os.PathLike) -> Path:
    """Check a report output (a folder, or a file ending in .html) before any work is done.

    Raises ``InputError`` for an empty name, an existing file where a folder is meant, a folder
    named ``*.html``, or a location whose nearest existing folder is a file or not writable.
    """
    from .._errors import InputError

    if not isinstance(out, str | os.PathLike):
        from .._validation import describe

        raise InputError(f"the report output must be a folder or a .html file name (a string or a path), "
                         f"got {describe(out)}")
    if isinstance(out, str) and not out.strip():
        raise InputError("the report output must name a folder or a .html file, got an empty string")
    path = Path(out).expanduser()
    if path.suffix.lower() == ".html":
        if path.is_dir():
            raise InputError(f"report output '{path}' is a folder; give a file name ending in .html or another folder")
        folder = path.parent
    else:
        if path.exists() and not path.is_dir():
            raise InputError(f"report output '{path}' is an existing file, not a folder; give a folder or a file "
                             "name ending in .html")
        folder = path
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise InputError(f"cannot create the report folder for '{path}': '{existing}' is not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise InputError(f"report output '{path}': folder '{existing}' is not writable")
    return path


def _generated() -> str:
    """When the report is written, in UTC; ``SOURCE_DATE_EPOCH`` (seconds since 1970), when set,
    stands for the present, so that reruns can give the same file byte for byte."""
    stamp = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    try:
        when = _dt.datetime.fromtimestamp(int(stamp), _dt.UTC)
    except (ValueError, OverflowError, OSError):  # unset (or not a whole number of seconds)
        when = _dt.datetime.now(_dt.UTC)
    return when.strftime("%Y-%m-%d %H:%M UTC")


def render_report(chapters, path: str | os.PathLike, *, title: str = "scimlkit report") -> Path:
    """Write ``chapters`` into one self-contained HTML file.

    ``path`` may be a directory (``index.html`` is written inside it) or a file name ending in
    ``.html``. Returns the path written. The time it gives is UTC, or ``SOURCE_DATE_EPOCH``
    when that is set (figures carry no date), so the same chapters give the same file.
    """
    import jinja2

    from .. import __version__

    path = Path(path).expanduser()
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
        chapters=_unique_ids(chapters),
        version=__version__,
        generated=_generated(),
    )
    tmp = path.with_suffix(".html.tmp")
    tmp.write_text(html, encoding="utf-8")
    tmp.replace(path)
    return path


def save_report(chapters, out: str | os.PathLike, *, title: str = "scimlkit report") -> Path:
    """Check ``out``, then write ``chapters`` there (what every module's ``write_report`` does last).

    ``out`` is a folder (``index.html`` is written inside) or a file name ending in ``.html``.
    A location that cannot be written raises ``InputError`` naming it. Returns the path written.
    """
    from .._errors import InputError

    target = check_report_path(out)
    try:
        return render_report(chapters, target, title=title)
    except OSError as exc:
        raise InputError(f"report output '{target}' could not be written: {exc.strerror or exc}") from None
