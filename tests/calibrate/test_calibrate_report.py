"""The report chapter renders, and the demo chapter runs quickly on bundled data."""


import numpy as np

from scimlkit._report import render_report
from scimlkit.calibrate import best_threshold, reliability_diagram
from scimlkit.calibrate._report import calibration_chapter


def test_chapter_renders(tmp_path):
    rng = np.random.default_rng(0)
    p = rng.random(500)
    y = (rng.random(500) < p).astype(int)
    before = reliability_diagram(y, p ** 2, n_boot=20, rng=0)
    after = reliability_diagram(y, p, n_boot=20, rng=0)
    ch = calibration_chapter(before=before, after=after, metrics={"ECE after": after.ece},
                             method="isotonic", threshold=best_threshold(y, p, "f1"),
                             threshold_marks={"t = 0.5": (0.5, 0.6)})
    kinds = [b["kind"] for b in ch.blocks]
    assert kinds.count("figure") == 2 and "metrics" in kinds
    path = render_report([ch], tmp_path / "report.html")
    text = path.read_text()
    assert "<svg" in text and "Calibration" in text


def test_demo_quick_is_sensible():
    from scimlkit.calibrate._demo import run

    ch = run(rng=np.random.default_rng(0), quick=True)
    assert ch.key == "calibrate" and len(ch.summary) == 2
    assert any(b["kind"] == "figure" for b in ch.blocks)


def _drawn_value(line, t):
    """The value(s) of the horizontal pieces of a drawn step line that cover ``t``."""
    xy = line.get_path().vertices
    return {float(a[1]) for a, b in zip(xy[:-1], xy[1:]) if a[1] == b[1] and min(a[0], b[0]) <= t <= max(a[0], b[0])}


def test_threshold_curve_passes_through_the_marked_optimum():
    from scimlkit.calibrate._report import threshold_figure

    # f1 of "score >= t": 1.0 for t in (1.2, 2]; the optimum is marked at the midpoint 1.6
    res = best_threshold([0, 1, 1, 0, 1, 0], [1, 2, 3, 1.2, 2.5, 0.5], "f1")
    assert res.threshold == 1.6 and res.value == 1.0
    for placement in ("midpoint", "score"):
        for objective in ("f1", "accuracy", "youden"):
            res = best_threshold([0, 1, 1, 0, 1, 0, 1, 0], [1, 2, 3, 1.2, 2.5, 0.5, 0.7, 2.2], objective,
                                 placement=placement)
            ax = threshold_figure(res).axes[0]
            (curve,) = [line for line in ax.lines if line.get_label() == res.objective]
            # (with placement="score" the optimum sits at a jump of the curve, on both pieces)
            assert res.value in _drawn_value(curve, res.threshold)
            dot = [line for line in ax.lines if line.get_label().startswith("exact optimum")][0]
            assert dot.get_xydata().tolist() == [[res.threshold, res.value]]
            # every cut's value is drawn at every threshold that makes its predictions,
            # including t below the lowest score
            cuts = res.thresholds
            for j in range(cuts.size - 1):
                t = cuts[0] - 0.01 if j == 0 else (cuts[j - 1] + cuts[j]) / 2
                assert _drawn_value(curve, t) == {res.values[j]}
