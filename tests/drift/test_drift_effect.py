"""The effect-size gate: one debiased Jensen-Shannon distance for numeric and categorical columns,
shown in the table, the CLI output and the history."""

from __future__ import annotations

import json
import sqlite3

import numpy as np
import pandas as pd
import pytest
from scipy.spatial.distance import jensenshannon

from scimlkit.cli import main
from scimlkit.drift import TABLE_COLUMNS, DriftHistory, DriftMonitor


def _debiased(p, q):
    """The closed form: JS divergence (bits) less (K - 1)(1/n + 1/m) / (8 ln 2), floored at 0, square-rooted."""
    bias = (np.count_nonzero(p + q) - 1) * (1 / p.sum() + 1 / q.sum()) / (8 * np.log(2))
    return np.sqrt(max(0.0, jensenshannon(p, q, base=2) ** 2 - bias))


def _codes(n, seed, tilt=0.0):
    gen = np.random.default_rng(seed)
    p = 1.0 + tilt * np.linspace(-1, 1, 20)
    return gen.choice(20, size=n, p=p / p.sum())


def test_numeric_and_categorical_columns_of_the_same_cells_have_the_same_effect():
    # 20 equally likely values: the numeric column's 20 quantile bins hold one value each, the
    # categorical column's chi-squared cells are the same 20 values, so both read one distance
    ref, cur = _codes(8000, 0), _codes(2000, 1, tilt=0.3)
    frame = lambda v: pd.DataFrame({"num": v, "cat": v.astype(str)})  # noqa: E731
    monitor = DriftMonitor(sample_size=0).fit(frame(ref))
    table = monitor.check(frame(cur)).table.set_index("column")
    p, q = np.bincount(ref, minlength=20).astype(float), np.bincount(cur, minlength=20).astype(float)
    assert "effect" in TABLE_COLUMNS and list(table.columns) == list(TABLE_COLUMNS)[1:]
    for name in ("num", "cat"):
        assert table.loc[name, "js_distance"] == pytest.approx(jensenshannon(p, q, base=2), rel=1e-9)
        assert table.loc[name, "effect"] == pytest.approx(_debiased(p, q), rel=1e-9)
    effect, raw = table.loc["num", "effect"], table.loc["num", "js_distance"]
    assert table["significant"].all() and 0 < effect < raw
    # the gate reads the effect, not js_distance: a gate between them stops both kinds alike
    between = monitor.set_params(min_effect=(effect + raw) / 2).check(frame(cur)).table
    assert between["significant"].all() and not between["alert"].any()
    below = monitor.set_params(min_effect=effect * 0.9).check(frame(cur)).table
    assert below["alert"].all()
    assert below["severity"].tolist() == pytest.approx([min(1.0, effect / (5 * effect * 0.9))] * 2)


def test_a_stable_numeric_feature_does_not_reach_the_gate_on_sampling_noise():
    # 10,000 reference and 1,000 batch rows of one normal distribution, 40 seeded batches: the raw
    # distance over 20 quantile bins averages sqrt((20 - 1)(1/n + 1/m) / (8 ln 2)) = 0.061, above
    # the default gate 0.025; the effect has that bias removed
    gen = np.random.default_rng(7)
    monitor = DriftMonitor(sample_size=0).fit(pd.DataFrame({"x": gen.normal(size=10_000)}))
    rows = [monitor.check(pd.DataFrame({"x": gen.normal(size=1000)})).table.iloc[0] for _ in range(40)]
    raw = np.array([r["js_distance"] for r in rows])
    effect = np.array([r["effect"] for r in rows])
    bias = 19 * (1e-4 + 1e-3) / (8 * np.log(2))
    # the mean squared distance is the bias (each divergence has sd bias * sqrt(2 / 19): the
    # mean of 40 lies within 15 %, 3 standard errors); the effect's mean about 0.012 (sd 0.016
    # each; 0.02 is over 3 standard errors away)
    assert np.mean(raw**2) == pytest.approx(bias, rel=0.15) and raw.min() > 0.025
    assert effect.mean() < 0.02 and np.median(effect) < 0.01
    assert (effect <= raw).all()


def test_the_cli_shows_the_effect_and_its_json_carries_it(tmp_path, capsys):
    gen = np.random.default_rng(3)
    pd.DataFrame({"x": gen.normal(size=3000), "c": gen.choice(list("abc"), 3000)}).to_csv(tmp_path / "r.csv",
                                                                                            index=False)
    pd.DataFrame({"x": gen.normal(0.5, 1, 800), "c": gen.choice(list("abc"), 800)}).to_csv(tmp_path / "b.csv",
                                                                                            index=False)
    assert main(["drift", "fit", str(tmp_path / "r.csv"), "--out", str(tmp_path / "p.npz")]) == 0
    capsys.readouterr()
    main(["drift", "check", str(tmp_path / "p.npz"), str(tmp_path / "b.csv"), "--format", "json"])
    rows = {row["column"]: row for row in json.loads(capsys.readouterr().out)["table"]}
    monitor = DriftMonitor.load(tmp_path / "p.npz")
    expected = monitor.check(pd.read_csv(tmp_path / "b.csv")).table.set_index("column")["effect"]
    assert rows["x"]["effect"] == pytest.approx(expected["x"]) and rows["x"]["effect"] > 0.025
    assert rows["c"]["effect"] == pytest.approx(expected["c"], abs=1e-12)
    main(["drift", "check", str(tmp_path / "p.npz"), str(tmp_path / "b.csv")])
    assert "effect" in capsys.readouterr().out


def test_the_history_keeps_the_effect_and_reads_files_written_before_it(tmp_path):
    gen = np.random.default_rng(4)
    ref = pd.DataFrame({"x": gen.normal(size=3000), "c": gen.choice(list("abc"), 3000)})
    monitor = DriftMonitor(sample_size=0).fit(ref)
    batch = pd.DataFrame({"x": gen.normal(0.3, 1, 600), "c": gen.choice(list("abc"), 600)})
    path = tmp_path / "h.db"
    first = monitor.check(batch, store=path, batch="d1")
    # the file as the previous schema (2) wrote it: no effect column
    with sqlite3.connect(path) as conn:
        conn.execute("ALTER TABLE check_columns DROP COLUMN effect")
        conn.execute("DROP INDEX checks_monitor")
        conn.execute("ALTER TABLE checks DROP COLUMN monitor")
        conn.execute("UPDATE scimlkit_meta SET value = '2' WHERE key = 'schema_version'")
    conn.close()
    with sqlite3.connect(path) as conn:
        before = pd.read_sql("SELECT * FROM check_columns ORDER BY rowid", conn)
    conn.close()
    store = DriftHistory(path)  # upgraded in place
    second = monitor.check(batch.assign(x=batch["x"] + 0.5), store=store, batch="d2")
    rows = store.columns()
    old, new = rows[rows["batch"] == "d1"], rows[rows["batch"] == "d2"]
    assert old["effect"].isna().all() and old["effect"].dtype == float  # recorded before: NaN, not None
    assert new["effect"].tolist() == pytest.approx(second.table["effect"].tolist())
    assert first.table["effect"].notna().all()
    # nothing recorded before was lost or changed
    kept = rows.loc[rows["batch"] == "d1", ["column", "statistic", "pvalue_adj", "js_distance", "severity"]]
    expected = before.rename(columns={"column_name": "column"})[list(kept.columns)]
    pd.testing.assert_frame_equal(kept.reset_index(drop=True), expected.reset_index(drop=True),
                                  check_dtype=False)
    assert store.connection.execute("SELECT value FROM scimlkit_meta WHERE key = 'schema_version'").fetchone()[0] == "4"
