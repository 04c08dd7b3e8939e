"""The tune report pieces and the demo chapter: data first, then one render."""

from __future__ import annotations

import numpy as np
import pytest

from scimlkit._errors import InputError
from scimlkit._report import Chapter, render_report
from scimlkit.tune import Categorical, Float, Int, minimize
from scimlkit.tune._report import (
    convergence_figure,
    parameter_relevance,
    relevance_figure,
    slices_figure,
    study_chapter,
)


def _points(n, seed=0):
    rng = np.random.default_rng(seed)
    return [{"a": float(a), "b": float(b), "c": ["x", "y", "z"][int(k)]}
            for a, b, k in zip(rng.random(n), rng.random(n), rng.integers(0, 3, n))]


SPACE = {"a": Float(0, 1), "b": Float(0, 1), "c": Categorical(["x", "y", "z"])}


def test_relevance_finds_the_parameter_that_matters():
    pts = _points(30)
    values = [np.sin(5 * p["a"]) + 0.001 * p["b"] for p in pts]
    rel = parameter_relevance(SPACE, pts, values, rng=0)
    assert list(rel) == ["a", "b", "c"]
    assert sum(rel.values()) == pytest.approx(1.0)
    assert rel["a"] > 0.6 and rel["a"] > 5 * rel["b"]


def test_relevance_finds_a_categorical_that_matters():
    pts = _points(30, seed=1)
    values = [{"x": 0.0, "y": 2.0, "z": 4.0}[p["c"]] + 0.001 * p["a"] for p in pts]
    rel = parameter_relevance(SPACE, pts, values, rng=0)
    assert rel["c"] > rel["a"] and rel["c"] > rel["b"]


def test_relevance_of_a_categorical_does_not_grow_with_its_choices():
    # a categorical with no effect, next to the one float that matters and one that does not: it
    # scores near the float that does not, with 2 choices or 12 (two of which no trial drew)
    rng = np.random.default_rng(0)
    for k in (2, 4, 8, 12):
        space = {"x": Float(0, 1), "c": Categorical([f"c{i}" for i in range(k)]), "y": Float(0, 1)}
        pts = [{"x": float(rng.random()), "c": f"c{rng.integers(k)}", "y": float(rng.random())} for _ in range(40)]
        rel = parameter_relevance(space, pts, [np.sin(3 * p["x"]) for p in pts], rng=0)
        assert rel["x"] > 0.7 and rel["c"] < 0.2, (k, rel)
        assert rel["c"] < 3 * rel["y"], (k, rel)


def test_a_conditional_categorical_that_took_one_choice_scores_zero():
    # active on half the trials, always "a" there: its column moves with its parent only
    space = {"x": Float(0, 1), "k": Categorical(["lin", "rbf"]), "s": Categorical(["a", "b", "c"], when={"k": "rbf"})}
    rng = np.random.default_rng(1)
    pts = []
    for i in range(30):
        point = {"x": float(rng.random()), "k": ["lin", "rbf"][i % 2]}
        if point["k"] == "rbf":
            point["s"] = "a"
        pts.append(point)
    rel = parameter_relevance(space, pts, [np.sin(5 * p["x"]) + (p["k"] == "rbf") for p in pts], rng=0)
    assert rel["s"] == 0.0 and rel["x"] > 0.5 and rel["k"] > 0.1


def test_relevance_ignores_failed_trials_and_checks_input():
    pts = _points(6)
    values = [1.0, np.nan, 2.0, 3.0, np.nan, 0.5]
    assert len(parameter_relevance(SPACE, pts, values, rng=0)) == 3
    with pytest.raises(InputError, match="at least 3 complete"):
        parameter_relevance(SPACE, pts[:4], [1.0, np.nan, np.nan, 2.0])
    with pytest.raises(InputError, match="same length"):
        parameter_relevance(SPACE, pts, [1.0])
    flat = parameter_relevance(SPACE, pts, [1.0] * 6)  # a constant loss: nothing stands out
    assert list(flat.values()) == pytest.approx([1 / 3] * 3)


def test_figures_hold_the_data():
    fig = convergence_figure({"auto": [3.0, 2.0, 2.0, 1.0], "grid": [4.0, 4.0, 1.5]}, reference=1.5)
    ax = fig.axes[0]
    lines = ax.get_lines()
    assert len(lines) == 3
    np.testing.assert_allclose(lines[0].get_ydata(), [3.0, 2.0, 2.0, 1.0])
    np.testing.assert_allclose(lines[2].get_ydata(), [1.5, 1.5])  # the reference line
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["auto", "grid", "grid best"]
    fig = relevance_figure({"a": 0.7, "b": 0.3})
    assert [p.get_width() for p in fig.axes[0].patches] == [0.3, 0.7]
    space = {"lr": Float(1e-3, 1, log=True), "n": Int(1, 5), "c": Categorical(["u", "v"])}
    pts = [{"lr": 0.01, "n": 2, "c": "u"}, {"lr": 0.1, "n": 3, "c": "v"}]
    fig = slices_figure(space, pts, [1.0, 2.0], best=pts[0])
    visible = [a for a in fig.axes if a.get_visible()]
    assert len(visible) == 3 and visible[0].get_xscale() == "log"


def test_study_chapter_renders(tmp_path):
    space = {"x": Float(-2, 2), "k": Categorical(["a", "b"])}
    res = minimize(lambda p: p["x"] ** 2 + (p["k"] == "b"), space, method="random", n_trials=8, rng=0)
    chapter = study_chapter(res, space, reference=0.5, rng=0)
    kinds = [b["kind"] for b in chapter.blocks]
    assert kinds == ["paragraph", "metrics", "metrics", "figure", "figure", "figure", "table"]
    assert study_chapter(res, reference=0.5, rng=0).blocks[1:] == chapter.blocks[1:]  # space from the result
    path = render_report([chapter], tmp_path / "report.html")
    assert "<svg" in path.read_text()
    # the best trials, best first
    table = chapter.blocks[-1]["html"]
    best = sorted(res.trials["value"])[:3]
    positions = [table.index(f"{v:.4g}") for v in best]
    assert positions == sorted(positions)


def test_write_report_of_a_pruned_study_and_bad_input(tmp_path):
    from scimlkit.tune import read_study, report_step, write_report

    def objective(p):
        loss = 1.0
        for step in range(4):
            loss = (p["x"] - 0.2) ** 2 + 1.0 / (step + 1)
            report_step(loss, step)
        return loss

    res = minimize(objective, {"x": Float(0, 1)}, n_trials=10, rng=0, pruner="median",
                   storage=str(tmp_path / "s.db"))
    path = write_report(read_study(tmp_path / "s.db"), tmp_path / "out", reference=0.9, title="my study")
    text = path.read_text()
    assert path == tmp_path / "out" / "index.html" and "<title>my study</title>" in text
    assert text.count("<svg") == 4 and "Losses reported step by step" in text
    assert f"{res.best_value:.4g}" in text
    with pytest.raises(InputError, match="`result` must be a StudyResult"):
        write_report({"x": 1}, tmp_path / "r.html")
    with pytest.raises(InputError, match="`reference` must be a finite number"):
        write_report(res, tmp_path / "r.html", reference=float("nan"))
    (tmp_path / "file").write_text("x")
    with pytest.raises(InputError, match="existing file"):
        write_report(res, tmp_path / "file")


def test_demo_chapter_quick(tmp_path):
    from scimlkit.tune._demo import run

    chapter = run(rng=np.random.default_rng(0), quick=True)
    assert isinstance(chapter, Chapter) and chapter.key == "tune"
    assert len(chapter.summary) == 5
    assert chapter.summary[0].startswith("grid search, 6 fits: best CV log-loss")
    assert chapter.summary[1].startswith("auto (gp), 6 trials")
    assert chapter.summary[2].startswith("auto with the median pruner, 6 trials")
    assert "of 12 fold fits" in chapter.summary[2]
    assert chapter.summary[3].startswith("auto started from the grid's 6 results, 3 more trials")
    assert "figure" in [b["kind"] for b in chapter.blocks]
    assert render_report([chapter], tmp_path).exists()


def test_relevance_of_a_long_study_is_fitted_to_a_random_subset():
    # a GP fit costs n^3: past `max_points` trials a seeded random subset is used, and the
    # parameter that matters still comes out on top
    rng = np.random.default_rng(4)
    pts = [{"a": float(a), "b": float(b), "c": "x"} for a, b in rng.random((400, 2))]
    values = [(p["a"] - 0.3) ** 2 for p in pts]
    rel = parameter_relevance(SPACE, pts, values, rng=0, max_points=40)
    assert rel == parameter_relevance(SPACE, pts, values, rng=0, max_points=40)
    assert rel["a"] > 5 * rel["b"]
    # the same as fitting the subset drawn from the seed, with the generator then used for the fit
    g = np.random.default_rng(0)
    sub = np.sort(g.choice(400, 40, replace=False))
    assert rel == parameter_relevance(SPACE, [pts[i] for i in sub], [values[i] for i in sub], rng=g,
                                      max_points=None)
    with pytest.raises(InputError, match="`max_points`"):
        parameter_relevance(SPACE, pts, values, max_points=2)


def test_report_says_how_relevance_was_computed_on_a_long_study(monkeypatch):
    import scimlkit.tune._report as report

    monkeypatch.setattr(report, "RELEVANCE_MAX_POINTS", 30)
    space = {"x": Float(-2, 2), "y": Float(-2, 2)}
    res = minimize(lambda p: p["x"] ** 2, space, method="random", n_trials=40, rng=0)
    chapter = study_chapter(res, rng=0)
    captions = " ".join(b.get("caption", "") for b in chapter.blocks if b["kind"] == "figure")
    assert "fitted to 30 of the 40 complete trials, drawn at random" in captions
    assert "Matérn 5/2" in captions


def test_slices_of_thousands_of_trials_stay_light():
    # one SVG element per point would make the report of a long study large and slow to open:
    # past a few hundred trials the points are smaller, fainter and drawn as an image
    pts = _points(600, seed=2)
    values = [p["a"] ** 2 for p in pts]
    many = slices_figure(SPACE, pts, values).axes[0].collections[0]
    few = slices_figure(SPACE, pts[:50], values[:50]).axes[0].collections[0]
    assert many.get_rasterized() and not few.get_rasterized()
    assert many.get_sizes()[0] < few.get_sizes()[0] and many.get_alpha() < few.get_alpha()
    assert len(many.get_offsets()) == 600


def test_relevance_fits_with_one_blas_thread(monkeypatch):
    # the matrices are small: several BLAS threads on a busy machine made the report's fit many
    # times slower than one
    from threadpoolctl import threadpool_info

    from scimlkit.tune import GaussianProcess

    seen = []
    fit = GaussianProcess.fit

    def spy(self, *args, **kwargs):
        seen.extend(i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas")
        return fit(self, *args, **kwargs)

    monkeypatch.setattr(GaussianProcess, "fit", spy)
    pts = _points(20)
    parameter_relevance(SPACE, pts, [p["a"] for p in pts], rng=0)
    assert seen and set(seen) == {1}
