"""The report figure and the demo chapter render."""

from __future__ import annotations

import numpy as np

from scimlkit._report import Chapter, render_report
from scimlkit.curves import fit_curve
from scimlkit.curves._demo import run
from scimlkit.curves._report import forecast_figure, ranking_table


def test_forecast_figure_draws_everything():
    n = np.array([50, 100, 200, 400, 800])
    y = 0.92 - 0.9 * n ** -0.5
    fit = fit_curve(n, y, families=["pow3", "pow2", "last"], n_bootstrap=20, rng=0)
    grid = np.geomspace(50, 10_000, 50)
    pred = fit.predict(grid)
    fig = forecast_figure(n, y, grid, {"pow3": pred.score, "pow2": fit.family_curve("pow2", grid)},
                          band=(pred.low, pred.high), later=([1600], [0.9]), target=0.91)
    ax = fig.axes[0]
    assert ax.get_xscale() == "log"
    assert len(ax.lines) >= 3 and len(ax.collections) >= 1
    frame = ranking_table(fit.ranking)
    assert list(frame["family"])[0] == fit.ranking["family"][0]


def test_demo_quick_renders(tmp_path):
    chapter = run(rng=np.random.default_rng(0), quick=True)
    assert isinstance(chapter, Chapter) and chapter.key == "curves"
    kinds = [b["kind"] for b in chapter.blocks]
    assert "figure" in kinds and "table" in kinds
    assert len(chapter.summary) == 2 and "digits" in chapter.summary[0]
    path = render_report([chapter], tmp_path / "report")
    assert path.exists() and "<svg" in path.read_text()
