"""``drift.write_report``: the HTML report of one check, from Python."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scimlkit import InputError
from scimlkit.drift import DriftHistory, DriftMonitor, write_report


@pytest.fixture(scope="module")
def checked():
    gen = np.random.default_rng(0)
    ref = pd.DataFrame({"x": gen.normal(size=4000), "y": gen.normal(size=4000),
                        "plan": gen.choice(["a", "b"], 4000)})
    monitor = DriftMonitor(rng=0).fit(ref)
    batch = pd.DataFrame({"x": gen.normal(0.6, 1, 800), "y": gen.normal(size=800),
                          "plan": gen.choice(["a", "b"], 800, p=[0.2, 0.8])})
    return monitor, batch


def test_report_draws_the_drifted_columns_and_the_history(checked, tmp_path):
    monitor, batch = checked
    history = DriftHistory(tmp_path / "h.db")
    for day in ("d1", "d2"):
        report = monitor.check(batch, batch=day, store=history)
    assert sorted(report.drifted()) == ["plan", "x"]
    path = write_report(report, tmp_path / "r.html", reference=monitor, current=batch, history=history,
                        title="inputs")
    text = path.read_text()
    assert "<title>inputs</title>" in text
    assert text.count("Drifted column") == 2 and "Health score of the recorded checks" in text
    assert "Effect of each column that alerted" in text
    assert text.count("<svg") == 4
    # the profile alone, the history as a frame (no per-column rows: no effect figure); without a
    # batch only the tables
    path = write_report(report, tmp_path / "r2", reference=monitor.profile_, current=batch,
                        history=history.history())
    assert path.read_text().count("<svg") == 3
    assert write_report(report, tmp_path / "r3.html").read_text().count("<svg") == 0


def test_bad_input_is_named(checked, tmp_path):
    monitor, batch = checked
    report = monitor.check(batch)
    with pytest.raises(InputError, match="`report` must be a DriftReport"):
        write_report(monitor, tmp_path / "r.html")
    with pytest.raises(InputError, match="`current` needs `reference`"):
        write_report(report, tmp_path / "r.html", current=batch)
    with pytest.raises(InputError, match="not fitted"):
        write_report(report, tmp_path / "r.html", reference=DriftMonitor(), current=batch)
    with pytest.raises(InputError, match="lacks the checked column"):
        write_report(report, tmp_path / "r.html", reference=monitor, current=batch.drop(columns="y"))
    with pytest.raises(InputError, match="`history` must be"):
        write_report(report, tmp_path / "r.html", history=[1, 2])
    (tmp_path / "f").write_text("x")
    with pytest.raises(InputError, match="existing file"):
        write_report(report, tmp_path / "f")
    assert not (tmp_path / "r.html").exists()


def test_histogram_of_a_discrete_column_uses_the_reference_bins():
    # bins are right-closed (a value equal to a knot is in the bin it closes): a batch equal to
    # the reference draws the same histogram (left-closed bins drew it one value to the right)
    from scimlkit.drift._report import _numeric_figure

    values = np.random.default_rng(0).poisson(6, 3000).astype(float)
    monitor = DriftMonitor().fit(pd.DataFrame({"n": values}))
    fig = _numeric_figure(monitor.profile_.columns["n"], values, "n")
    ref, cur = (patch.get_data().values for patch in fig.axes[0].patches)
    np.testing.assert_allclose(cur, ref, rtol=1e-12)


def _drawn(fig):
    """Edges and (reference, batch) shares of each bin of the histogram panel."""
    patches = fig.axes[0].patches
    edges = patches[0].get_data().edges
    return edges, [patch.get_data().values * np.diff(edges) for patch in patches]


def test_histogram_is_drawn_when_the_reference_minimum_fills_a_bin():
    # count and rating columns: the first bin held only the minimum, had no width and the
    # whole panel was left blank
    from scimlkit.drift._report import _numeric_figure

    gen = np.random.default_rng(3)
    ref = pd.DataFrame({"visits": gen.poisson(3, 20_000).astype(float),
                        "rating": gen.choice([1.0, 2, 3, 4, 5], 20_000)})
    shares = [0.1, 0.1, 0.2, 0.3, 0.3]
    cur = pd.DataFrame({"visits": gen.poisson(4, 2_000).astype(float),
                        "rating": gen.choice([1.0, 2, 3, 4, 5], 2_000, p=shares)})
    monitor = DriftMonitor().fit(ref)
    for name in ("visits", "rating"):
        fig = _numeric_figure(monitor.profile_.columns[name], cur[name].to_numpy(), name)
        edges, (ref_share, cur_share) = _drawn(fig)
        assert np.all(np.diff(edges) > 0) and ref_share.sum() == pytest.approx(1.0)
        assert cur_share.sum() == pytest.approx(1.0)
    # one bin per rating (0, 1], (1, 2], ...: the batch's shares as drawn
    np.testing.assert_array_equal(edges, [0, 1, 2, 3, 4, 5])
    np.testing.assert_allclose(cur_share, [np.mean(cur["rating"] == r) for r in range(1, 6)], rtol=1e-12)


def test_histogram_shows_batch_values_outside_the_reference_range():
    from scimlkit.drift._report import _numeric_figure

    # a constant reference and a batch with a quarter of new values: drawn apart (it was drawn
    # as one bin holding everything, identical to the reference)
    monitor = DriftMonitor().fit(pd.DataFrame({"c": np.zeros(4000), "k": np.arange(4000.0) % 5 + 2}))
    batch = np.r_[np.zeros(600), np.ones(200)]
    edges, (ref_share, cur_share) = _drawn(_numeric_figure(monitor.profile_.columns["c"], batch, "c"))
    np.testing.assert_allclose(ref_share, [1.0, 0.0])
    np.testing.assert_allclose(cur_share, [0.75, 0.25])
    assert edges[1] == 0.0 and edges[-1] == 1.0
    # batch values below a count column's minimum get a bin of their own, left of the reference's
    batch = np.r_[np.zeros(100), np.full(300, 2.0), np.full(600, 6.0)]
    edges, (ref_share, cur_share) = _drawn(_numeric_figure(monitor.profile_.columns["k"], batch, "k"))
    np.testing.assert_allclose(ref_share, [0.0, 0.2, 0.2, 0.2, 0.2, 0.2])
    np.testing.assert_allclose(cur_share, [0.1, 0.3, 0, 0, 0, 0.6])
    assert edges[0] == 0.0 and edges[1] < 2.0


def test_a_history_frame_of_another_kind_is_refused(checked, tmp_path):
    monitor, batch = checked
    history = DriftHistory(tmp_path / "h.db")
    report = monitor.check(batch, store=history)
    with pytest.raises(InputError, match=r"`history` must be DriftHistory.history\(\).*lacks health"):
        write_report(report, tmp_path / "r.html", history=history.columns())
    assert not (tmp_path / "r.html").exists()


def _record_figures(monkeypatch) -> list:
    """A list that receives ``(figure, caption)`` for every figure a chapter adds from now on."""
    from scimlkit._report import Chapter

    figures = []
    keep = Chapter.figure

    def figure(self, fig, caption=None):
        figures.append((fig, caption))
        keep(self, fig, caption)

    monkeypatch.setattr(Chapter, "figure", figure)
    return figures


def _drawn_histograms(monkeypatch, report, monitor, batch, tmp_path):
    """{column: (reference counts, batch counts)} of the histograms ``write_report`` draws."""
    figures = _record_figures(monkeypatch)
    write_report(report, tmp_path / "r.html", reference=monitor, current=batch)
    drawn = {}
    for fig, caption in figures:
        edges, shares = _drawn(fig)
        drawn[caption.split("'")[1]] = shares
    return drawn


@pytest.mark.parametrize("case", ["float64", "float32 batch", "float16 batch", "float32 reference"])
def test_the_histogram_drawn_has_the_checks_jensen_shannon_distance(case, monkeypatch, tmp_path):
    # the histogram counted the batch again, without the check's rounding to the coarser of the
    # two precisions: a float32 batch of ratings (0.1 read as 0.10000000149) moved values across
    # bin edges, and the histogram drawn showed a distance of 0.17 where the check measured 0.09
    from scipy.spatial.distance import jensenshannon

    gen = np.random.default_rng(5)
    levels = np.arange(1, 51) / 10
    weights = np.linspace(1.0, 2.0, levels.size)
    ref = pd.DataFrame({"r": gen.choice(levels, 20_000), "x": gen.normal(size=20_000)})
    batch = pd.DataFrame({"r": gen.choice(levels, 5_000, p=weights / weights.sum()),
                          "x": gen.normal(0.3, 1, 5_000)})
    if case == "float32 reference":
        ref = ref.astype("float32")
    elif case != "float64":
        batch = batch.astype(case.split()[0])
    monitor = DriftMonitor(sample_size=0).fit(ref)
    report = monitor.check(batch)
    assert sorted(report.drifted()) == ["r", "x"]
    table = report.table.set_index("column")
    for name, (ref_share, cur_share) in _drawn_histograms(monkeypatch, report, monitor, batch, tmp_path).items():
        assert jensenshannon(ref_share, cur_share, base=2) == pytest.approx(table.loc[name, "js_distance"], rel=1e-9)


@pytest.fixture()
def two_monitors(tmp_path):
    """A history shared by monitors 'a' (five checks) and 'b'; the effects of 'a''s first check
    erased as in a file recorded before effects were kept."""
    import sqlite3

    gen = np.random.default_rng(1)
    ref = pd.DataFrame({name: gen.normal(size=4000) for name in ("x", "y", "z", "w")})
    a = DriftMonitor(name="a", rng=0).fit(ref)
    b = DriftMonitor(name="b", rng=0).fit(ref)
    history = DriftHistory(tmp_path / "h.db")
    shifts = [{"x": 0.5}, {"z": 1.0}, {"x": 0.2, "y": 0.4}, {"x": 0.4, "y": 0.5}, {"x": 0.6}]
    for day, shift in enumerate(shifts):
        batch = pd.DataFrame({name: gen.normal(shift.get(name, 0.0), 1, 800) for name in ref})
        report = a.check(batch, batch=f"d{day}", store=history)
        b.check(batch.assign(w=batch["w"] + 2.0), batch=f"d{day}", store=history)
    with sqlite3.connect(tmp_path / "h.db") as db:
        db.execute("UPDATE check_columns SET effect = NULL WHERE check_id = 1")
    db.close()
    return a, report, history


def test_effect_trend_holds_the_stores_effects_of_the_recently_alerted_columns(two_monitors):
    from scimlkit.drift._report import effect_trend

    monitor, report, history = two_monitors
    rows = history.columns(monitor="a")
    alerts = rows.pivot(index="check_id", columns="column", values="alert")
    # z alerted only in the second check, w never (it moved only in monitor b's batches)
    assert alerts["z"].tolist() == [False, True, False, False, False] and not alerts["w"].any()
    assert alerts["x"].iloc[-3:].all() and alerts["y"].iloc[-3:].any()
    trend = effect_trend(rows, min_effect=report.min_effect, recent=3)
    assert trend["checks"] == history.history(monitor="a")["id"].tolist()
    assert trend["labels"] == ["d0", "d1", "d2", "d3", "d4"] and trend["recent"] == 3
    assert sorted(trend["effects"]) == sorted(trend["alerted"]) == ["x", "y"] and trend["without_effect"] == []
    for name, values in trend["effects"].items():
        stored = history.columns(name, monitor="a")["effect"].to_numpy()
        assert np.isnan(stored[0]) and np.isnan(values[0])  # the older row: no effect recorded
        np.testing.assert_array_equal(values, stored)
    # the largest effect over the recent checks first; the cap keeps the largest
    peak = {n: np.nanmax(v[-3:]) for n, v in trend["effects"].items()}
    assert trend["alerted"] == sorted(peak, key=peak.get, reverse=True)
    capped = effect_trend(rows, min_effect=report.min_effect, recent=3, top=1)
    assert list(capped["effects"]) == trend["alerted"][:1] and capped["alerted"] == trend["alerted"]
    # all five checks: z (alerted in the second) is drawn too
    assert "z" in effect_trend(rows, min_effect=0.025, recent=5)["effects"]
    # the first check alone: its alert has no effect recorded, so nothing is drawn, and it is said
    first = effect_trend(rows.loc[rows["check_id"] == trend["checks"][0]], min_effect=0.025)
    assert first["effects"] == {} and first["without_effect"] == ["x"] and first["checks"] == trend["checks"][:1]
    # an empty history
    empty = effect_trend(history.columns(monitor="nobody"), min_effect=0.025)
    assert empty["checks"] == [] and empty["effects"] == {} and empty["alerted"] == []


def test_the_report_draws_the_effect_over_time_of_its_own_monitor(two_monitors, monkeypatch, tmp_path):
    from scimlkit.drift._report import drift_chapter, effect_trend

    monitor, report, history = two_monitors
    figures = _record_figures(monkeypatch)
    text = write_report(report, tmp_path / "r.html", history=history).read_text()
    assert text.count("<svg") == 2 and "the min_effect gate (0.025)" in text
    fig, caption = figures[-1]
    assert "in any of the last 5 check(s)" in caption  # all of them: fewer than ten recorded
    trend = effect_trend(history.columns(monitor="a"), min_effect=report.min_effect)
    lines = {line.get_label(): line.get_ydata() for line in fig.axes[0].get_lines()}
    assert set(lines) == {"x", "y", "z", "min_effect = 0.025"}  # monitor b's w is not read
    for name in ("x", "y", "z"):
        np.testing.assert_array_equal(lines[name], trend["effects"][name])
    assert set(lines["min_effect = 0.025"]) == {0.025}
    # the cap is said in the caption; one check draws; a frame without effects draws nothing
    rows = history.columns(monitor="a")
    drift_chapter(report, None, history_columns=rows, max_trends=2)
    assert "the 2 of 3 such columns with the largest effect are drawn (at most 2)" in figures[-1][1]
    n = len(figures)
    last = rows.loc[rows["check_id"] == rows["check_id"].max()]
    drift_chapter(report, None, history_columns=last)
    drawn = {line.get_label(): list(line.get_ydata()) for line in figures[-1][0].axes[0].get_lines()}
    assert len(figures) == n + 1 and report.drifted() == ["x"]
    assert drawn == {"x": last.loc[last["column"] == "x", "effect"].tolist(), "min_effect = 0.025": [0.025, 0.025]}
    drift_chapter(report, None, history_columns=rows.assign(effect=np.nan))
    drift_chapter(report, None, history_columns=rows.iloc[:0])
    assert len(figures) == n + 1
    with pytest.raises(InputError, match="`history_columns` must be DriftHistory.columns"):
        drift_chapter(report, None, history_columns=history.history())


def test_the_report_table_titles_the_data_state_data(checked, tmp_path):
    # as in the terminal table: "status" (ok, empty, constant...) read "ok" next to a drifted column
    monitor, batch = checked
    text = write_report(monitor.check(batch), tmp_path / "r.html").read_text()
    assert "<th>alert</th>" in text and "<th>status</th>" not in text and "<th>data</th>" not in text
    text = write_report(monitor.check(batch.assign(y=np.nan)), tmp_path / "r2.html").read_text()
    assert "<th>data</th>" in text and "<th>status</th>" not in text and "current_empty" in text


def _marked(fig):
    """The (x, y) points of the filled alert markers of an effect figure."""
    points = [tuple(p) for c in fig.axes[0].collections for p in c.get_offsets()]
    return sorted(points)


def test_the_effect_figure_marks_alerts_on_the_missing_rate(tmp_path):
    # a column whose missing rate moved alerts with a small effect: its alert checks are
    # marked on its line, under the min_effect gate, and said so in the caption
    from scimlkit.drift._report import _effect_caption, effect_figure, effect_trend

    gen = np.random.default_rng(3)
    ref = pd.DataFrame({"x": gen.normal(size=4000), "m": gen.normal(size=4000)})
    monitor = DriftMonitor(rng=0).fit(ref)
    history = DriftHistory(tmp_path / "h.db")
    for day in range(6):
        batch = pd.DataFrame({"x": gen.normal(0.6 if day == 1 else 0.0, 1, 1000), "m": gen.normal(size=1000)})
        if day in (3, 4):
            batch.loc[gen.random(1000) < 0.2, "m"] = np.nan
        monitor.check(batch, batch=f"d{day}", store=history)
    rows = history.columns()
    trend = effect_trend(rows, min_effect=monitor.min_effect, recent=6)
    m = rows.loc[rows["column"] == "m"]
    assert m["alert"].tolist() == [False, False, False, True, True, False]
    assert m["effect"].iloc[3] < monitor.min_effect  # alerted by its missing rate only
    assert trend["alerts"]["m"] == m["alert"].tolist()
    assert trend["alerts"]["x"] == rows.loc[rows["column"] == "x", "alert"].tolist()
    fig = effect_figure(trend)
    expected = sorted((float(i), float(trend["effects"][name][i])) for name, flags in trend["alerts"].items()
                      for i, flag in enumerate(flags) if flag)
    assert (3.0, m["effect"].iloc[3]) in expected and _marked(fig) == expected
    assert "filled markers: the checks where the column alerted (by its values or by its missing rate" in (
        _effect_caption(trend, 8))


def test_a_report_of_an_older_check_shows_the_checks_up_to_it(two_monitors, monkeypatch, tmp_path):
    import dataclasses

    import scimlkit.drift._report as report_module

    monitor, last, history = two_monitors
    checks = history.history(monitor="a")
    # the report of the third check of monitor a, as it was recorded
    older = dataclasses.replace(last, batch="d2", timestamp=checks["created"].iloc[2].isoformat())
    drawn, health = {}, report_module.health_figure

    def spy(frame, **kwargs):
        drawn["batches"] = frame["batch"].tolist()
        return health(frame, **kwargs)

    figures = _record_figures(monkeypatch)
    monkeypatch.setattr(report_module, "health_figure", spy)
    text = write_report(older, tmp_path / "r.html", history=history).read_text()
    assert drawn["batches"] == ["d0", "d1", "d2"] and "2 later check(s) left out" in text
    fig, caption = figures[-1]
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["d0", "d1", "d2"]
    assert "in any of the last 3 check(s)" in caption
    # the history given as a frame is cut the same way; the latest report shows every check
    write_report(older, tmp_path / "r2.html", history=history.history())
    assert drawn["batches"] == ["d0", "d1", "d2"]
    write_report(last, tmp_path / "r3.html", history=history)
    assert drawn["batches"] == ["d0", "d1", "d2", "d3", "d4"]
    with pytest.raises(InputError, match="'created' must hold ISO 8601 timestamps"):
        write_report(older, tmp_path / "r4.html", history=history.history().assign(created="yesterday"))
    # a report older than every check says so; rows without a time are kept; a bad time of
    # the report itself is a clear error
    early = dataclasses.replace(last, timestamp="2000-01-01T00:00:00+00:00")
    assert "no recorded check at or before" in write_report(early, tmp_path / "r5.html", history=history).read_text()
    write_report(older, tmp_path / "r6.html", history=history.history(monitor="a").assign(created=pd.NaT))
    assert drawn["batches"] == ["d0", "d1", "d2", "d3", "d4"]
    with pytest.raises(InputError, match="the report's `timestamp` must be an ISO 8601 time"):
        write_report(dataclasses.replace(last, timestamp="yesterday"), tmp_path / "r7.html", history=history)


def test_the_effect_figure_draws_the_last_sixty_checks():
    from scimlkit.drift._report import _effect_caption, effect_figure, effect_trend

    n = 300
    ids = np.repeat(np.arange(1, n + 1), 2)
    effect = np.tile([0.01, 0.002], n)
    alert = np.zeros(2 * n, dtype=bool)
    alert[[2 * 289, 2 * 295, 2 * 299]] = True  # column a alerts on checks 290, 296 and 300
    rows = pd.DataFrame({"check_id": ids, "batch": [f"b{i}" for i in ids], "column": ["a", "b"] * n,
                         "effect": effect, "alert": alert})
    trend = effect_trend(rows, min_effect=0.025)
    assert trend["checks"] == list(range(n - 59, n + 1)) and trend["n_checks"] == n
    assert trend["labels"][0] == f"b{n - 59}" and len(trend["effects"]["a"]) == 60
    assert [i for i, flag in enumerate(trend["alerts"]["a"]) if flag] == [49, 55, 59]
    fig = effect_figure(trend)
    ax = fig.axes[0]
    line = next(line for line in ax.get_lines() if line.get_label() == "a")
    assert line.get_marker() in ("None", "", None)  # beyond 50 checks only the alerts are marked
    assert _marked(fig) == [(49.0, 0.01), (55.0, 0.01), (59.0, 0.01)]
    fig.draw_without_rendering()  # lays the figure out as saving it does
    legend = ax.get_legend().get_window_extent()
    assert ax.get_window_extent().x1 <= legend.x0 and legend.x1 <= fig.bbox.width  # beside the axes, inside the figure
    assert "over the last 60 of the 300 recorded checks" in _effect_caption(trend, 8)
    few = effect_trend(rows.loc[rows["check_id"] > n - 10], min_effect=0.025)
    assert "over the recorded checks;" in _effect_caption(few, 8)
    short = effect_figure(few)
    assert next(line for line in short.axes[0].get_lines() if line.get_label() == "a").get_marker() == "o"


def test_the_health_figure_of_a_long_history_draws_its_last_checks_and_says_so(checked, tmp_path, monkeypatch):
    figures = _record_figures(monkeypatch)
    monitor, batch = checked
    report = monitor.check(batch)
    n = 1500
    history = pd.DataFrame({"batch": [f"day {i}" for i in range(n)], "health": np.linspace(1, 0, n),
                            "alert": np.arange(n) % 100 == 0})
    write_report(report, tmp_path / "r.html", history=history)
    (fig, caption), = [(f, c) for f, c in figures if c.startswith("Health score")]
    line = fig.axes[0].lines[0]
    assert len(line.get_xdata()) == 200 and line.get_xdata()[0] == n - 200 and line.get_xdata()[-1] == n - 1
    np.testing.assert_allclose(line.get_ydata(), history["health"].to_numpy()[-200:])
    assert fig.axes[0].get_xticklabels()[0].get_text() == "day 1300"
    assert "the last 200 of the 1,500 recorded checks" in caption and "15 alert(s) over all 1,500 checks" in caption
    # alerts drawn: those among the last 200 checks (1300 and 1400)
    assert fig.axes[0].collections[0].get_offsets()[:, 0].tolist() == [1300, 1400]
    # a short history is drawn whole, with its usual caption
    figures.clear()
    write_report(report, tmp_path / "r2.html", history=history.iloc[:30])
    (fig, caption), = [(f, c) for f, c in figures if c.startswith("Health score")]
    assert len(fig.axes[0].lines[0].get_xdata()) == 30 and caption == "Health score of the recorded checks (red: alert)"
