"""The analysis part of the demo chapter and the forest plot render from plain data."""

import numpy as np

from scimlkit._report import Chapter, render_report
from scimlkit.experiment._demo import _analysis_part
from scimlkit.experiment._report import forest_plot


def test_forest_plot_draws_each_row():
    fig = forest_plot(["a", "b", "c"], [0.1, -0.02, 0.05], [0.0, -0.1, np.nan], [0.2, 0.05, np.nan],
                      significant=[True, False, False], title="lifts")
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["a", "b", "c"]
    # two interval bars (the NaN row has only its point), three points, one reference line
    assert len(ax.lines) == 2 + 3 + 1


def test_analysis_demo_part_quick(tmp_path):
    chapter = Chapter("experiment", "Experiments")
    _analysis_part(chapter, np.random.default_rng([0, 0]), quick=True)
    kinds = [b["kind"] for b in chapter.blocks]
    assert "figure" in kinds and "table" in kinds and "metrics" in kinds
    assert len(chapter.summary) >= 3 and any("CUPED" in line for line in chapter.summary)
    path = render_report([chapter], tmp_path / "report")
    assert "<svg" in path.read_text(encoding="utf-8")
