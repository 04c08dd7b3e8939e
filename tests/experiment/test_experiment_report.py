"""`write_report` and `--report`: chapters of analyses, designs and model comparisons."""

import json

import numpy as np
import pandas as pd
import pytest

from scimlkit._errors import InputError
from scimlkit.cli import main
from scimlkit.experiment import (
    analyze,
    delong_test,
    mcnemar_test,
    power_curve,
    power_means,
    power_proportions,
    sequential_boundaries,
    sequential_decision,
    write_report,
)
from scimlkit.experiment._report import (
    _design_curves,
    analysis_chapter,
    forest_plot,
    model_comparison_figure,
    models_chapter,
    power_chapter,
    report_chapters,
    roc_figure,
)


@pytest.fixture(scope="module")
def frame():
    rng = np.random.default_rng(11)
    n = 1500
    arm = rng.choice(["control", "B", "C"], size=n)
    pre = rng.normal(10, 3, n)
    return pd.DataFrame({
        "arm": arm,
        "converted": (rng.random(n) < np.where(arm == "B", 0.16, 0.10)).astype(int),
        "revenue": pre + rng.normal(0, 2, n) + np.where(arm == "B", 0.5, 0.0),
        "pre": pre,
    })


@pytest.fixture(scope="module")
def models():
    rng = np.random.default_rng(4)
    n = 300
    y = rng.integers(0, 2, n)
    a = 1 / (1 + np.exp(-(y * 1.2 + rng.normal(0, 1, n) - 0.6)))
    b = 1 / (1 + np.exp(-(y * 2.0 + rng.normal(0, 1, n) - 1.0)))
    return y, a, b, delong_test(y, a, b), mcnemar_test(y, (a >= 0.5).astype(int), (b >= 0.5).astype(int))


def _kinds(chapter):
    return [b["kind"] for b in chapter.blocks]


def _headings(chapter):
    return [b["text"] for b in chapter.blocks if b["kind"] == "heading"]


# -- chapters: the data they hold ---------------------------------------------------------------


def test_analysis_chapter_holds_effects_srm_and_cuped(frame):
    res = analyze(frame, group="arm", metric=["converted", "revenue"], covariate="pre")
    chapter = analysis_chapter(res)
    assert _headings(chapter) == ["Effects against control", "Comparisons and adjusted p-values",
                                  "Sample ratio check", "Covariate adjustment (CUPED on 'pre')"]
    assert _kinds(chapter).count("figure") == 1 and _kinds(chapter).count("table") == 3
    tables = [b["html"] for b in chapter.blocks if b["kind"] == "table"]
    assert "pvalue_adjusted" in tables[0] and "variance_reduction" in tables[0]
    assert "observed_fraction" in tables[1]
    assert chapter.title == "A/B/n test: converted, revenue"
    verdict = "MISMATCH" if res.srm.mismatch else "ok"
    assert f"sample ratio {verdict}" in chapter.summary[0]
    n_sig = int(res.comparisons["significant"].sum())
    assert chapter.summary[1].startswith(f"{n_sig} of 4 comparison(s) significant")
    assert any("CUPED on 'pre'" in line for line in chapter.summary)


def test_analysis_chapter_without_covariate_has_no_cuped_part(frame):
    res = analyze(frame[frame["arm"] != "C"], group="arm", metric="converted")
    chapter = analysis_chapter(res)
    assert chapter.title == "A/B test: converted"
    assert not any("CUPED" in h for h in _headings(chapter))


def test_forest_plot_draws_open_intervals_to_the_edge():
    fig = forest_plot(["a", "b"], [0.1, 0.2], [0.0, 0.05], [np.inf, 0.3])
    ax = fig.axes[0]
    left, right = ax.get_xlim()
    assert np.isfinite(left) and np.isfinite(right) and right > 0.3
    # one closed bar, two points, the reference line, then the open bar and its arrow head
    assert len(ax.lines) == 1 + 2 + 1 + 2


def test_power_chapter_marks_design_power_and_size():
    design = power_proportions(0.05, mde=0.10, relative=True, power=0.8)
    curves = [power_curve(design, over="n", num=20), power_curve(design, over="mde", num=20)]
    chapter = power_chapter(design, curves)
    assert _headings(chapter) == ["Power against the sample size", "Power against the effect"]
    assert "31,234 units in control" in chapter.summary[0]
    figures = [b["svg"] for b in chapter.blocks if b["kind"] == "figure"]
    assert "target 80%" in figures[0] and "design 31,234" in figures[0]
    assert "design 0.005" in figures[1]


def test_forest_plot_marks_a_row_without_estimate_and_headline_falls_back_to_difference():
    fig = forest_plot(["a", "b"], [0.1, np.nan], [0.0, np.nan], [0.2, np.nan])
    assert [t.get_text().strip() for t in fig.axes[0].texts] == ["undefined"]
    # control arm with no conversions: no relative lift, but a significant difference
    rng = np.random.default_rng(2)
    frame = pd.DataFrame({"arm": ["control"] * 400 + ["B"] * 400,
                          "y": np.r_[np.zeros(400, int), (rng.random(400) < 0.05).astype(int)]})
    with pytest.warns(Warning):
        chapter = analysis_chapter(analyze(frame, group="arm", metric="y"))
    line = next(n for n in chapter.summary if n.startswith("y, B vs control"))
    assert "difference +0.0" in line and "n/a" not in line


def test_power_chapter_of_a_design_for_a_decrease():
    design = power_proportions(0.05, mde=-0.01, power=0.8)
    chapter = power_chapter(design, _design_curves(design))
    assert _headings(chapter) == ["Power against the sample size", "Power against the effect"]
    figures = [b["svg"] for b in chapter.blocks if b["kind"] == "figure"]
    assert "design -0.01" in figures[1]


def test_power_chapter_says_what_was_solved():
    solved_power = power_proportions(0.1, mde=0.01, n=5000)
    assert f"power {solved_power.power:.1%}" in power_chapter(solved_power).summary[0]
    solved_mde = power_means(n=100, power=0.9, sd=3)
    text = power_chapter(solved_mde).summary[0]
    assert "smallest effect" in text and f"{solved_mde.mde:+.4g}" in text
    solved_alpha = power_means(mde=0.5, n=50, power=0.8, alpha=None)
    chapter = power_chapter(solved_alpha, _design_curves(solved_alpha))
    assert chapter.title.startswith("Significance level") and f"alpha {solved_alpha.alpha:.4g}" in chapter.summary[0]


def test_models_chapter_both_tests(models):
    *_, delong, mcnemar = models
    chapter = models_chapter(delong, mcnemar, threshold=0.5)
    assert _kinds(chapter).count("figure") == 2 and _kinds(chapter).count("table") == 1  # + the ROC curves
    assert "DeLong p" in str(chapter.blocks) and "McNemar p" in str(chapter.blocks)
    assert _kinds(models_chapter(mcnemar=mcnemar)).count("figure") == 1  # no scores, no ROC curves
    assert any("at threshold 0.5" in line for line in chapter.summary)
    lo, hi = delong.confidence_interval(0.95)
    assert f"[{lo:+.4f}, {hi:+.4f}]" in chapter.summary[0]


def test_model_comparison_figure_panels(models):
    *_, delong, mcnemar = models
    both = model_comparison_figure(delong, mcnemar)
    assert len(both.axes) == 2
    assert [t.get_text() for t in both.axes[1].get_yticklabels()] == ["AUROC", "accuracy"]
    roc = roc_figure(delong)
    lines = roc.axes[0].get_lines()
    assert [len(line.get_xdata()) for line in lines] == [2, len(delong.roc_a), len(delong.roc_b)]
    assert "AUROC" in roc.axes[0].get_legend().get_texts()[1].get_text()
    alone = model_comparison_figure(None, mcnemar)
    assert len(alone.axes) == 1
    with pytest.raises(InputError):
        models_chapter()


def test_report_chapters_pairs_delong_with_mcnemar_and_keys_are_unique(frame, models):
    *_, delong, mcnemar = models
    res = analyze(frame, group="arm", metric="converted")
    chapters = report_chapters([res, res, delong, mcnemar, mcnemar, delong, delong])
    assert [c.key for c in chapters] == ["experiment-analysis", "experiment-analysis-2", "experiment-models",
                                         "experiment-models-2", "experiment-models-3"]
    assert len(chapters[-1].blocks[1]["items"]) == 4  # DeLong alone: its four key figures


# -- the public function -------------------------------------------------------------------------


def test_write_report_each_result_type(tmp_path, frame, models):
    *_, delong, mcnemar = models
    res = analyze(frame, group="arm", metric=["converted", "revenue"], covariate="pre")
    cases = [
        (res, ["Effects against control", "Sample ratio check", "Comparisons and adjusted p-values"]),
        (power_proportions(0.05, mde=0.10, relative=True, power=0.8),
         ["Power against the sample size", "Power against the effect"]),
        (power_curve(power_means(mde=0.5, power=0.8), over="mde", num=10), ["Power against the effect"]),
        ([delong, mcnemar], ["Model comparison", "DeLong (AUROC)", "McNemar"]),
        (sequential_boundaries(4, spending="pocock"), ["Sequential boundaries", "pocock alpha spending"]),
        (sequential_decision([1.2, 2.9, 3.1], looks=4), ["Sequential decision", "Stopped at look 3"]),
    ]
    for i, (result, needles) in enumerate(cases):
        path = write_report(result, tmp_path / f"r{i}")
        assert path == tmp_path / f"r{i}" / "index.html"
        html = path.read_text(encoding="utf-8")
        assert "<svg" in html and "scimlkit experiment report" in html
        for needle in needles:
            assert needle in html, (i, needle)


def test_write_report_several_results_one_file(tmp_path, frame, models):
    *_, delong, mcnemar = models
    res = analyze(frame, group="arm", metric="converted")
    path = write_report((res, power_means(mde=0.5, power=0.8), delong), tmp_path / "all.html",
                        title="Quarter review")
    html = path.read_text(encoding="utf-8")
    assert path.name == "all.html"
    assert "<title>Quarter review</title>" in html
    for key in ("experiment-analysis", "experiment-size", "experiment-models"):
        assert f'id="{key}"' in html
    assert html.count("<svg") >= 4


@pytest.mark.parametrize("bad", [object(), [], ["not a result"], {"a": 1}, None])
def test_write_report_refuses_other_objects(tmp_path, bad):
    with pytest.raises(InputError, match="result"):
        write_report(bad, tmp_path / "r")
    assert not (tmp_path / "r").exists()


def test_write_report_bad_path(tmp_path, models):
    delong = models[3]
    blocker = tmp_path / "file.txt"
    blocker.write_text("x")
    with pytest.raises(InputError, match="existing file"):
        write_report(delong, blocker)
    with pytest.raises(InputError, match="not a folder"):
        write_report(delong, blocker / "sub" / "r.html")
    with pytest.raises(InputError, match="title"):
        write_report(delong, tmp_path / "r", title=3)


# -- the command line ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def inputs(tmp_path_factory, frame, models):
    folder = tmp_path_factory.mktemp("report_cli")
    data = folder / "experiment.csv"
    frame.to_csv(data, index=False)
    y, a, b, *_ = models
    scores = folder / "scores.csv"
    pd.DataFrame({"label": y, "old": a, "new": b}).to_csv(scores, index=False)
    return {"analyze": ["experiment", "analyze", str(data), "--group", "arm", "--metric", "converted,revenue",
                        "--covariate", "pre"],
            "size": ["experiment", "size", "--baseline", "0.05", "--mde", "0.10", "--relative"],
            "compare-models": ["experiment", "compare-models", str(scores), "--label", "label",
                               "--score-a", "old", "--score-b", "new"]}


HEADINGS = {"analyze": "Sample ratio check", "size": "Power against the sample size",
            "compare-models": "McNemar"}


@pytest.mark.parametrize("command", ["analyze", "size", "compare-models"])
def test_cli_report_json(tmp_path, capsys, inputs, command):
    rc = main([*inputs[command], "--report", str(tmp_path / "out"), "--format", "json"])
    out = capsys.readouterr()
    assert rc == 0, out.err
    data = json.loads(out.out)
    written = tmp_path / "out" / "index.html"
    assert data["report"] == str(written)
    html = written.read_text(encoding="utf-8")
    assert "<svg" in html and HEADINGS[command] in html


@pytest.mark.parametrize("command", ["analyze", "size", "compare-models"])
def test_cli_report_table(tmp_path, capsys, inputs, command):
    target = tmp_path / "exp.html"
    rc = main([*inputs[command], "--report", str(target)])
    out = capsys.readouterr().out
    assert rc == 0
    assert target.is_file() and "report" in out and str(target) in out.replace("\n", "")


@pytest.mark.parametrize("command", ["analyze", "size", "compare-models"])
@pytest.mark.parametrize("where", ["file as folder", "inside a file"])
def test_cli_bad_report_exits_2(tmp_path, capsys, inputs, command, where):
    blocker = tmp_path / "taken.txt"
    blocker.write_text("x")
    out = str(blocker) if where == "file as folder" else str(blocker / "sub" / "r.html")
    rc = main([*inputs[command], "--report", out])
    captured = capsys.readouterr()
    assert rc == 2
    assert captured.out == ""  # checked before any work or output
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("scimlkit: error: ") and "Traceback" not in captured.err
    assert str(blocker) in lines[0]
    assert blocker.read_text() == "x"


def test_cli_report_checked_before_reading_input(tmp_path, capsys):
    blocker = tmp_path / "taken.txt"
    blocker.write_text("x")
    rc = main(["experiment", "analyze", str(tmp_path / "absent.csv"), "--group", "arm", "--metric", "y",
               "--report", str(blocker)])
    err = capsys.readouterr().err
    assert rc == 2 and "report output" in err and "absent.csv" not in err


def test_the_open_end_of_a_one_sided_lift_interval_reads_inf():
    rng = np.random.default_rng(4)
    frame = pd.DataFrame({"arm": ["control"] * 500 + ["B"] * 500,
                          "y": np.r_[rng.normal(10, 2, 500), rng.normal(11, 2, 500)]})
    chapter = analysis_chapter(analyze(frame, group="arm", metric="y", alternative="larger"))
    line = next(n for n in chapter.summary if n.startswith("y, B vs control"))
    assert "+inf]" in line and "n/a" not in line


def test_sequential_chapter_draws_boundaries_and_observed_path():
    from scimlkit.experiment._report import sequential_chapter

    # a look too early to spend any alpha has an infinite boundary: left out of the figure, kept
    # in the table (as inf)
    plan = sequential_boundaries([0.001, 0.5, 1.0], sides=2)
    assert np.isinf(plan.boundaries[0])
    chapter = sequential_chapter(plan)
    assert "3 look(s), obrien-fleming alpha spending" in chapter.summary[0]
    figures = [b for b in chapter.blocks if b["kind"] == "figure"]
    assert len(figures) == 1 and "lower boundary" in figures[0]["svg"]
    decision = sequential_decision([-4.5, 1.0], looks=4)
    text = sequential_chapter(decision).summary[0]
    assert text.startswith("Stopped at look 1: stop: treatment worse")
    one_sided = sequential_chapter(sequential_decision([1.0, 1.5], looks=3, sides=1))
    assert "No boundary crossed after 2 look(s): continue" in one_sided.summary[0]
    assert "lower boundary" not in [b for b in one_sided.blocks if b["kind"] == "figure"][0]["svg"]


def test_sequential_chapter_says_alpha_is_kept_only_for_a_plan_reaching_information_one():
    import dataclasses

    from scimlkit.experiment._report import sequential_chapter

    full = " ".join(b.get("text", "") for b in sequential_chapter(sequential_boundaries(3)).blocks)
    assert "stays at alpha." in full
    # looks so far: alpha is kept once the final look is taken
    so_far = sequential_chapter(sequential_decision([1.1, 1.9], information=[0.3, 0.6]))
    text = " ".join(b.get("text", "") for b in so_far.blocks)
    assert "reach information 0.6" in text and "once the final look is taken at information 1" in text
    # a plan built by hand that stops short of 1 says how much alpha it spends
    plan = sequential_boundaries([0.3, 0.6, 1.0])
    short = dataclasses.replace(plan, information=plan.information[:2], boundaries=plan.boundaries[:2],
                                nominal_alpha=plan.nominal_alpha[:2], cumulative_alpha=plan.cumulative_alpha[:2])
    text = " ".join(b.get("text", "") for b in sequential_chapter(short).blocks)
    assert "stays at alpha" not in text
    assert f"spends only {plan.cumulative_alpha[1]:.3g} of alpha 0.05" in text
