"""The demo chapter and the report chapter render."""

from __future__ import annotations

import numpy as np
import pandas as pd

from scimlkit._report import render_report
from scimlkit.drift import DriftMonitor
from scimlkit.drift._demo import run
from scimlkit.drift._report import drift_chapter


def test_quick_demo_chapter(tmp_path, monkeypatch):
    reports = []
    check = DriftMonitor.check

    def recorded(self, current, **kwargs):
        reports.append(check(self, current, **kwargs))
        return reports[-1]

    monkeypatch.setattr(DriftMonitor, "check", recorded)
    import scimlkit.drift._demo as demo

    drawn = []
    draw = demo.effect_figure

    def effect_figure(trend, **kwargs):
        drawn.append((trend, draw(trend, **kwargs)))
        return drawn[-1][1]

    monkeypatch.setattr(demo, "effect_figure", effect_figure)
    chapter = run(rng=np.random.default_rng(0), quick=True)
    assert chapter.key == "drift" and len(chapter.summary) == 3
    # exactly the injected days; on day 10 only the domain classifier alerts (no column does),
    # and the day still counts, as the health figure marks it
    assert "alerts on days [4, 5, 6, 8, 10]" in chapter.summary[0]
    day10 = reports[9]
    assert day10.alert and day10.n_alerts == 0
    assert "0 per-column alert(s)" in chapter.summary[2]
    metrics = dict(next(b for b in chapter.blocks if b["kind"] == "metrics")["items"])
    assert metrics["days with an alert"] == str(sum(r.alert for r in reports)) == "5"
    # the classifier's p-value shown is the adjusted one its alert is decided on
    mv = day10.multivariate
    assert mv.pvalue_adj != mv.pvalue
    assert f"adjusted p={mv.pvalue_adj:.2g})" in chapter.summary[2]
    table = next(b for b in chapter.blocks if b["kind"] == "table")["html"]
    assert "classifier p (adjusted)" in table and f"{mv.pvalue_adj:.4g}" in table
    # the drifted columns' effects over the month, drawn from the history
    captions = [b.get("caption") or "" for b in chapter.blocks if b["kind"] == "figure"]
    assert any(c.startswith("Effect of each column that alerted in any of the last") for c in captions)
    # the health counts the domain classifier's severity on the days it alerts, and says so
    assert "domain classifier" in next(c for c in captions if c.startswith("Health ="))
    # the effect figure marks each drawn column's alert days: mean_concavity on its missing-value day 8
    effect = next(b for b in chapter.blocks if b["kind"] == "figure" and (b.get("caption") or "").startswith("Effect"))
    assert "filled markers: the checks where the column alerted" in effect["caption"]
    assert reports[7].table.set_index("column").loc["mean_concavity", "alert"]
    (trend, fig), = drawn
    assert [i for i, flag in enumerate(trend["alerts"]["mean_concavity"]) if flag] == [7]
    marked = sorted(tuple(p) for c in fig.axes[0].collections for p in c.get_offsets())
    expected = sorted((float(i), trend["effects"][name][i]) for name, flags in trend["alerts"].items()
                      for i, flag in enumerate(flags) if flag)
    assert (7.0, trend["effects"]["mean_concavity"][7]) in marked and marked == expected
    path = render_report([chapter], tmp_path / "demo")
    assert "<svg" in path.read_text()


def test_report_chapter_draws_drifted_columns(tmp_path):
    gen = np.random.default_rng(1)
    ref = pd.DataFrame({"x": gen.normal(size=3000), "c": gen.choice(list("abc"), 3000), "k": 1.0})
    cur = pd.DataFrame({"x": gen.normal(1, 1, 800), "c": gen.choice(list("abd"), 800), "k": 2.0})
    monitor = DriftMonitor().fit(ref)
    report = monitor.check(cur)
    assert set(report.drifted()) == {"x", "c", "k"}
    chapter = drift_chapter(report, monitor.profile_, cur)
    assert sum(b["kind"] == "figure" for b in chapter.blocks) == 3
    assert "<svg" in render_report([chapter], tmp_path / "r.html").read_text()
