import numpy as np
import pandas as pd
import pytest

from scimlkit import InputError
from scimlkit._report import Chapter, new_figure, render_report, save_report


def test_render_self_contained(tmp_path):
    chapter = Chapter("x", "Example <chapter>")
    chapter.note("one line")
    chapter.paragraph("text & more")
    chapter.metrics({"lift": 0.0512345, "n": 10})
    chapter.table(pd.DataFrame({"a": np.arange(100.0), "b": ["u"] * 100}), caption="cap", max_rows=5)
    fig, ax = new_figure()
    ax.plot([0, 1], [0, 1], label="diag")
    chapter.figure(fig, caption="a line")
    path = render_report([chapter, Chapter("y", "Second")], tmp_path)
    html = path.read_text()
    assert path.name == "index.html"
    assert "Example &lt;chapter&gt;" in html and "text &amp; more" in html
    assert "<svg" in html and "0.05123" in html and "first 5 of 100 rows" in html
    # self-contained: nothing to load from elsewhere
    assert "<script" not in html and "<link" not in html and 'src="' not in html and "<metadata>" not in html
    assert 'href="#y"' in html


def test_save_report_checks_the_output_and_names_it(tmp_path, monkeypatch):
    import scimlkit._report._render as render

    ch = Chapter("x", "X")
    ch.paragraph("one paragraph")
    path = save_report([ch], tmp_path / "sub" / "r.html", title="t")
    assert path == tmp_path / "sub" / "r.html" and "one paragraph" in path.read_text()
    assert save_report([ch], tmp_path / "folder") == tmp_path / "folder" / "index.html"
    (tmp_path / "file").write_text("x")
    with pytest.raises(InputError, match="existing file"):
        save_report([ch], tmp_path / "file")

    def refuse(chapters, path, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(render, "render_report", refuse)
    with pytest.raises(InputError, match=r"'.*r2\.html' could not be written: Permission denied"):
        save_report([ch], tmp_path / "r2.html")


def test_figure_ids_are_unique_across_a_report(tmp_path):
    import re
    from collections import Counter

    chapters = []
    for key in ("a", "b"):
        ch = Chapter(key, key.upper())
        for _ in range(2):
            fig, ax = new_figure()
            ax.plot([0, 1], [1, 0], marker="o")
            ch.figure(fig)
        chapters.append(ch)
    assert Counter(re.findall(r'id="([^"]+)"', chapters[0].blocks[0]["svg"])) == \
        Counter(re.findall(r'id="([^"]+)"', chapters[1].blocks[1]["svg"]))  # the same ids in every figure
    text = render_report(chapters, tmp_path / "r.html").read_text()
    ids = re.findall(r'\bid="([^"]+)"', text)
    assert len(ids) > 20 and len(ids) == len(set(ids))
    # every reference points at an id of the report, and the chapters handed in are unchanged
    refs = re.findall(r'url\(#([^)]+)\)', text) + re.findall(r'href="#([^"]+)"', text)
    assert refs and set(refs) <= set(ids)
    assert 'id="figure_1"' in chapters[0].blocks[0]["svg"]


def _a_result(module):
    if module == "tune":
        from scimlkit.tune import Float, minimize

        return (minimize(lambda p: p["x"], {"x": Float(0, 1)}, method="random", n_trials=3, rng=0),)
    if module == "drift":
        from scimlkit.drift import DriftMonitor

        frame = pd.DataFrame({"x": np.random.default_rng(0).normal(size=300)})
        return (DriftMonitor(rng=0).fit(frame).check(frame),)
    if module == "experiment":
        from scimlkit.experiment import power_proportions

        return (power_proportions(0.1, mde=0.02, power=0.8),)
    if module == "curves":
        from scimlkit.curves import fit_curve

        n = np.array([50, 100, 200, 400, 800])
        return (fit_curve(n, 0.9 - 0.5 * n ** -0.5, families=["pow3"], n_bootstrap=0),)
    return [0, 1, 0, 1], [0.2, 0.7, 0.4, 0.9]


@pytest.mark.parametrize("module", ["tune", "drift", "experiment", "calibrate", "curves"])
def test_every_write_report_names_a_path_that_is_not_a_path(module, tmp_path):
    import importlib

    write_report = importlib.import_module(f"scimlkit.{module}").write_report
    args = _a_result(module)
    with pytest.raises(InputError, match=r"(report output|`path`) must be a folder or a"):
        write_report(*args, 42)
    assert write_report(*args, tmp_path / "r.html").exists()


def test_home_folder_in_a_report_path_is_expanded(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)  # unexpanded, "~" would be a folder here
    (tmp_path / "home").mkdir()
    chapter = Chapter("a", "A")
    chapter.paragraph("text")
    assert save_report([chapter], "~/out.html") == tmp_path / "home" / "out.html"
    render_report([chapter], "~/again.html")
    assert (tmp_path / "home" / "again.html").is_file() and not (tmp_path / "~").exists()


def test_key_figures_show_missing_values_as_a_dash_and_numpy_floats_rounded():
    import numpy as np

    from scimlkit._report import Chapter

    ch = Chapter("k", "K")
    ch.metrics({"best loss": None, "p": float("nan"), "ece": np.float32(0.0123456789), "n": np.int64(7),
                "lift": 0.123456})
    assert dict(ch.blocks[0]["items"]) == {"best loss": "-", "p": "-", "ece": "0.01235", "n": "7",
                                           "lift": "0.1235"}


def test_a_label_that_is_not_valid_math_is_drawn_as_written():
    # matplotlib reads text between two $ as math: a column or category named "$a_$" made the
    # whole report fail with a ValueError
    fig, axes = new_figure(ncols=2)
    axes[0].bar(["$a_$", "b"], [1, 2])
    axes[0].set_xlabel("price $\\frac{$ per unit")
    axes[1].plot([1, 10, 100], [1, 2, 3], label="$x_$")
    axes[1].set_xscale("log")  # its tick labels are math ($10^{1}$) and stay so
    axes[1].legend()
    chapter = Chapter("x", "t")
    chapter.figure(fig)
    import re

    texts = [re.sub(r"<[^>]+>|\s", "", t) for t in re.findall(r"<text.*?</text>", chapter.blocks[0]["svg"], re.S)]
    assert "$a_$" in texts and "price$\\frac{$perunit" in texts and "$x_$" in texts
    # the log axis' labels are still drawn as math (1, 0 and a raised 0), not written out
    assert "100" in texts and not any("mathdefault" in t for t in texts)


def test_long_names_wrap_instead_of_widening_the_page(tmp_path):
    # a 300-letter column name or category stretched its table, key figure or heading past the page
    long = "x" * 300
    chapter = Chapter("x", long)
    chapter.metrics({long: 1.0})
    chapter.table(pd.DataFrame({long: [long]}), caption=long)
    html = render_report([chapter], tmp_path / "r.html").read_text()
    css = html[html.index("<style>"):html.index("</style>")]
    assert "div.table { overflow-x:auto; }" in css
    wrapping = css[:css.index("{ overflow-wrap:anywhere; }")].splitlines()[-1].strip().split(", ")
    assert {"h2", ".metric", ".caption"} <= set(map(str.strip, wrapping))
    # a table's cells keep their numbers whole (a wide table scrolls inside its own box)
    assert "table.data th, table.data td { overflow-wrap:break-word; }" in css
    assert html.count(long) == 5  # and each one is there, whole: heading, key figure, caption, cells


def test_source_date_epoch_makes_a_report_the_same_file_byte_for_byte(tmp_path, monkeypatch):
    # the page carried the local time of writing, so two runs of the same seed never matched
    def write(name):
        chapter = Chapter("x", "t")
        fig, ax = new_figure()
        ax.plot([0, 1], [1, 0])
        chapter.figure(fig)
        chapter.table(pd.DataFrame({"a": [1.5]}))
        return render_report([chapter], tmp_path / name).read_bytes()

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "86400")
    first = write("a.html")
    assert first == write("b.html") and b"generated 1970-01-02 00:00 UTC" in first
    monkeypatch.delenv("SOURCE_DATE_EPOCH")  # unset: the present, in UTC
    assert b" UTC</div>" in write("c.html")
