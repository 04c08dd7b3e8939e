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
