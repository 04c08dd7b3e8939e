"""Column kinds of production tables: datetimes, durations and their handling end to end."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from scimlkit._errors import InputError
from scimlkit.drift import STATUSES, DriftMonitor, write_report


def _table(n, seed, *, start="2024-01-01", shift=0.0, nat=0.0):
    gen = np.random.default_rng(seed)
    t = pd.Series(pd.Timestamp(start) + pd.to_timedelta(gen.integers(0, 30 * 86400, n), unit="s"))
    t[gen.random(n) < nat] = pd.NaT
    return pd.DataFrame({
        "ts": t,
        "ts_utc": t.dt.tz_localize("UTC"),
        "ts_arrow": t.astype("timestamp[us][pyarrow]"),
        "day": t.dt.normalize().astype("date32[pyarrow]"),
        "wait": pd.to_timedelta(gen.exponential(100.0, n) + 100.0 * shift, unit="s"),
        "x": gen.normal(size=n),
    })


TIMES = ["ts", "ts_utc", "ts_arrow", "day"]


def test_datetime_columns_are_not_tested_and_durations_are_numeric():
    ref = _table(5000, 0)
    monitor = DriftMonitor(rng=0).fit(ref)
    assert monitor.kinds_ == {**dict.fromkeys(TIMES, "datetime"), "wait": "numeric", "x": "numeric"}
    # a later month: every timestamp is new, which is no drift of the model's inputs (as
    # categories every batch value was an unseen category, Jensen-Shannon distance 1)
    report = monitor.check(_table(2000, 1, start="2024-03-01"))
    table = report.table.set_index("column")
    assert (table.loc[TIMES, "status"] == "datetime").all() and (table.loc[TIMES, "test"] == "none").all()
    assert table.loc[TIMES, ["statistic", "pvalue", "js_distance", "psi"]].isna().all().all()
    assert not report.alert and report.health == 1.0
    assert "datetime" in STATUSES
    # durations are compared in seconds: the statistic is the exact two-sample KS statistic
    # (exact profile: 5,000 values <= max_exact), as scipy.stats.ks_2samp(ref_s, cur_s)
    cur = _table(2000, 2, shift=0.5)
    row = monitor.check(cur).table.set_index("column").loc["wait"]
    expected = stats.ks_2samp(ref["wait"].dt.total_seconds(), cur["wait"].dt.total_seconds())
    assert row["kind"] == "numeric" and row["statistic"] == pytest.approx(expected.statistic, abs=1e-12)
    assert row["pvalue"] == pytest.approx(expected.pvalue, rel=1e-6, abs=1e-300) and row["alert"]


def test_a_datetime_column_keeps_its_missing_rate_test_and_the_report_draws_no_values(tmp_path):
    ref = _table(4000, 3, nat=0.01)
    monitor = DriftMonitor(rng=0).fit(ref)
    assert monitor.profile_.columns["ts"].n_missing == int(ref["ts"].isna().sum())
    cur = _table(2000, 4, nat=0.3)  # NaT from 1 % to 30 %: a broken upstream feed
    report = monitor.check(cur)
    table = report.table.set_index("column")
    assert table.loc[TIMES, "alert"].all() and table.loc["ts", "missing_cur"] == cur["ts"].isna().mean()
    assert table.loc["ts", "n_current"] == int(cur["ts"].notna().sum())
    path = write_report(report, tmp_path / "r.html", reference=monitor.profile_, current=cur)
    assert "datetime" in path.read_text()


def test_datetime_columns_survive_save_load_and_stay_out_of_the_multivariate_test(tmp_path):
    ref = _table(3000, 5)
    monitor = DriftMonitor(sample_size=500, rng=0).fit(ref)
    assert list(monitor.profile_.sample.columns) == ["wait", "x"]
    loaded = DriftMonitor.load(monitor.save(tmp_path / "p.npz"))
    assert loaded.kinds_ == monitor.kinds_
    cur = _table(1000, 6, start="2025-06-01")
    expected = monitor.check(cur, multivariate=True)
    got = loaded.check(cur, multivariate=True)
    pd.testing.assert_frame_equal(got.table, expected.table)
    # the timestamps of a later period do not make the batch look different
    assert got.multivariate.pvalue_adj > 0.01
    only_times = DriftMonitor(sample_size=100, rng=0).fit(ref[TIMES])
    with pytest.raises(InputError, match="every reference column is a datetime column"):
        only_times.check(cur[TIMES], multivariate=True)
    assert not only_times.check(cur[TIMES]).alert


def test_a_datetime_column_declared_categorical_or_numeric_keeps_that_kind():
    ref = _table(2000, 7)
    kinds = DriftMonitor(column_types={"ts": "numeric", "day": "categorical"}).fit(ref).kinds_
    assert kinds["ts"] == "numeric" and kinds["day"] == "categorical" and kinds["ts_utc"] == "datetime"


def test_dask_profiles_give_datetime_columns_the_same_kind():
    dd = pytest.importorskip("dask.dataframe")
    ref = _table(3000, 8, nat=0.05)[["ts", "wait", "x"]]
    whole = DriftMonitor(sample_size=0).fit(ref).profile_
    parts = DriftMonitor(sample_size=0).fit(dd.from_pandas(ref, npartitions=3)).profile_
    assert parts.kinds == whole.kinds == {"ts": "datetime", "wait": "numeric", "x": "numeric"}
    assert parts.columns["ts"] == whole.columns["ts"]


def test_cli_reads_parquet_datetimes_and_durations(tmp_path, capsys):
    from scimlkit.cli import main

    _table(3000, 9).to_parquet(tmp_path / "ref.parquet")
    _table(1000, 10, start="2024-02-01", shift=0.5).to_parquet(tmp_path / "cur.parquet")
    assert main(["drift", "fit", str(tmp_path / "ref.parquet"), "--out", str(tmp_path / "p.npz"),
                 "--format", "json"]) == 0
    fitted = json.loads(capsys.readouterr().out)
    assert fitted["numeric"] == 2 and fitted["datetime"] == 4
    rc = main(["drift", "check", str(tmp_path / "p.npz"), str(tmp_path / "cur.parquet"), "--format", "json",
               "--fail-on-drift"])
    out = json.loads(capsys.readouterr().out)
    rows = {row["column"]: row for row in out["table"]}
    assert rc == 1 and [c for c, row in rows.items() if row["alert"]] == ["wait"]
    assert all(rows[c]["status"] == "datetime" and rows[c]["unseen"] == "" for c in TIMES)


def test_timestamps_held_as_text_or_python_objects_are_datetime_columns(tmp_path, capsys):
    from scimlkit.cli import main

    frame = _table(3000, 11, nat=0.02)[["ts", "x"]]
    frame["day"] = frame["ts"].dt.strftime("%Y-%m-%d")  # NaT becomes a missing value
    frame["stamp"] = frame["ts"].dt.strftime("%Y-%m-%dT%H:%M:%S.%f+02:00")
    frame["objects"] = pd.Series([None if t is pd.NaT else t.to_pydatetime() for t in frame["ts"]], dtype=object)
    frame["year"] = np.where(frame["x"] > 0, "2019", "2020")  # years as text: categories
    frame["note"] = np.where(frame["x"] > 0, "2024-01-01", "see 2024-01-02")  # not every value a date
    kinds = DriftMonitor().fit(frame).kinds_
    assert kinds == {"ts": "datetime", "x": "numeric", "day": "datetime", "stamp": "datetime",
                     "objects": "datetime", "year": "categorical", "note": "categorical"}
    dd = pytest.importorskip("dask.dataframe")
    parts = DriftMonitor(sample_size=0).fit(dd.from_pandas(frame.astype({"objects": object}), npartitions=3))
    assert parts.kinds_ == kinds
    # a CSV file holds timestamps as text: the CLI profiles them as datetimes, a later batch is no drift
    frame.to_csv(tmp_path / "ref.csv", index=False)
    later = _table(1000, 12, start="2024-06-01")[["ts", "x"]]
    later = later.assign(day=later["ts"].dt.strftime("%Y-%m-%d"), stamp=later["ts"].dt.strftime("%Y-%m-%dT%H:%M:%S"),
                         objects=later["ts"], year="2019", note="see 2024-01-02")
    later.to_csv(tmp_path / "cur.csv", index=False)
    assert main(["drift", "fit", str(tmp_path / "ref.csv"), "--out", str(tmp_path / "p.npz"), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["datetime"] == 4
    main(["drift", "check", str(tmp_path / "p.npz"), str(tmp_path / "cur.csv"), "--format", "json"])
    rows = {row["column"]: row for row in json.loads(capsys.readouterr().out)["table"]}
    assert [c for c, row in rows.items() if row["status"] == "datetime" and not row["alert"]] == [
        "ts", "day", "stamp", "objects"]


def test_the_sampling_bias_of_the_categorical_distance_matches_its_closed_form():
    from scimlkit.drift._tests import js_distance, js_excess

    # two samples of one distribution over K cells: mean JS divergence (K - 1)(1/n + 1/m) / (8 ln 2) bits
    gen = np.random.default_rng(13)
    k, n, m = 50, 20_000, 5_000
    p = gen.dirichlet(np.full(k, 5.0))
    div = [js_distance(gen.multinomial(n, p).astype(float), gen.multinomial(m, p).astype(float)) ** 2
           for _ in range(400)]
    bias = (k - 1) * (1 / n + 1 / m) / (8 * np.log(2))
    # the mean of 400 divergences (sd about bias * sqrt(2 / (K - 1)) each) lies within 5 % of it
    assert np.mean(div) == pytest.approx(bias, rel=0.05)
    same = np.array([1000.0, 2000.0, 3000.0])
    assert js_excess(same, same / 10) == 0.0
    a, b = np.array([9000.0, 1000.0]), np.array([500.0, 500.0])
    assert js_excess(a, b) == pytest.approx(np.sqrt(js_distance(a, b) ** 2 - (1e-4 + 1e-3) / (8 * np.log(2))))


def test_a_column_of_many_categories_does_not_pass_the_effect_gate_on_sampling_noise():
    # 300 equally likely categories, 100,000 reference and 50,000 batch rows: the raw distance of
    # a stable day is about 0.04, above the default gate of 0.025
    gen = np.random.default_rng(14)
    cats = np.array([f"c{i:03d}" for i in range(300)])
    monitor = DriftMonitor().fit(pd.DataFrame({"c": gen.choice(cats, 100_000)}))

    def alerts(lift, days):
        p = np.r_[np.full(150, 1 + lift), np.ones(150)]
        rows = [monitor.check(pd.DataFrame({"c": gen.choice(cats, 50_000, p=p / p.sum())})).table.iloc[0]
                for _ in range(days)]
        return sum(bool(r["alert"]) for r in rows), min(r["js_distance"] for r in rows)

    # half the categories 10 % more likely: a true distance of 0.020, below the gate, yet
    # significant on most days (before the bias was removed it alerted on about 80 % of them)
    quiet, raw = alerts(0.1, 8)
    assert quiet <= 1 and raw > 0.025
    # 30 % more likely: a true distance of 0.056, above the gate: every day alerts
    assert alerts(0.3, 4)[0] == 4


def test_a_datetime_column_whose_batch_holds_no_datetimes_is_a_type_mismatch():
    ref = _table(2000, 15)[["ts", "x"]]
    monitor = DriftMonitor(sample_size=0).fit(ref)
    gen = np.random.default_rng(16)
    broken = {"text": "garbage", "floats": gen.normal(size=2000), "epoch ms": ref["ts"].astype("int64") // 10**3,
              "impossible dates": "2024-13-45"}
    for label, values in broken.items():
        row = monitor.check(ref.assign(ts=values)).table.iloc[0]
        assert (row["status"], row["alert"], row["severity"]) == ("type_mismatch", True, 1.0), label
        assert row["test"] == "none" and np.isnan(row["effect"])
    assert "datetime" in STATUSES["type_mismatch"]
    # the same instants in another storage, or a batch without any value, are no mismatch
    later = _table(2000, 17, start="2024-05-01")
    fine = {"datetime64": later["ts"], "ISO text": later["ts"].dt.strftime("%Y-%m-%dT%H:%M:%S"),
            "Python dates": pd.Series([t.date() for t in later["ts"]], dtype=object), "UTC": later["ts_utc"]}
    for label, values in fine.items():
        row = monitor.check(ref.assign(ts=values)).table.iloc[0]
        assert row["status"] == "datetime" and not row["alert"], label
    row = monitor.check(ref.assign(ts=np.nan)).table.iloc[0]  # alerts on its missing rate only
    assert row["status"] == "datetime" and row["missing_cur"] == 1.0 and row["alert"]


def test_datetimes_held_as_text_or_dates_declared_numeric_are_compared_in_seconds(tmp_path, capsys):
    from scimlkit.cli import main

    gen = np.random.default_rng(18)
    t = pd.Series(pd.Timestamp("2024-01-01") + pd.to_timedelta(gen.integers(0, 30 * 86400, 3000), unit="s"))
    seconds = (t - pd.Timestamp("1970-01-01")).dt.total_seconds().to_numpy()
    forms = {"datetime64": t, "ISO text": t.dt.strftime("%Y-%m-%d %H:%M:%S"),
             "ISO text with offset": (t + pd.Timedelta(hours=2)).dt.strftime("%Y-%m-%dT%H:%M:%S+02:00"),
             "Python datetimes": pd.Series(list(t.dt.to_pydatetime()), dtype=object)}
    summaries = {label: DriftMonitor(column_types={"ts": "numeric"}, sample_size=0).fit(
        pd.DataFrame({"ts": s})).profile_.columns["ts"] for label, s in forms.items()}
    for label, summary in summaries.items():  # the same seconds since 1970-01-01 UTC, whatever the storage
        np.testing.assert_array_equal(summary.values, np.unique(seconds), err_msg=label)
    days = pd.Series([x.date() for x in t], dtype=object)  # a Parquet date32 column read by pandas
    day_summary = DriftMonitor(column_types={"ts": "numeric"}).fit(pd.DataFrame({"ts": days})).profile_.columns["ts"]
    np.testing.assert_array_equal(day_summary.values, np.unique(seconds - seconds % 86400))
    # a batch of ISO text against a datetime64 reference: the KS statistic on the seconds, as
    # scipy.stats.ks_2samp(reference seconds, batch seconds)
    later = t + pd.Timedelta(days=3)
    monitor = DriftMonitor(column_types={"ts": "numeric"}, sample_size=0).fit(pd.DataFrame({"ts": t}))
    row = monitor.check(pd.DataFrame({"ts": later.iloc[:800].dt.strftime("%Y-%m-%dT%H:%M:%S")})).table.iloc[0]
    expected = stats.ks_2samp(seconds, seconds[:800] + 3 * 86400)
    assert row["status"] == "ok" and row["statistic"] == pytest.approx(expected.statistic, abs=1e-12)
    # the CLI reads a CSV file's timestamps as text: --numeric makes them seconds
    pd.DataFrame({"ts": t, "x": gen.normal(size=3000)}).to_csv(tmp_path / "ref.csv", index=False)
    pd.DataFrame({"ts": later, "x": gen.normal(size=3000)}).to_csv(tmp_path / "cur.csv", index=False)
    assert main(["drift", "fit", str(tmp_path / "ref.csv"), "--out", str(tmp_path / "p.npz"), "--numeric", "ts",
                 "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["numeric"] == 2
    assert main(["drift", "check", str(tmp_path / "p.npz"), str(tmp_path / "cur.csv"), "--format", "json"]) == 0
    rows = {row["column"]: row for row in json.loads(capsys.readouterr().out)["table"]}
    assert rows["ts"]["kind"] == "numeric" and rows["ts"]["alert"] and not rows["x"]["alert"]


def test_text_that_only_looks_like_dates_stays_categorical():
    gen = np.random.default_rng(19)
    n = 3000
    codes = pd.Series([f"{a}-{b}-{c}" for a, b, c in zip(gen.integers(1000, 9999, n), gen.integers(10, 99, n),
                                                          gen.integers(10, 99, n))])  # like 8654-29-89
    valid = pd.Series(pd.date_range("2020-01-01", periods=n, freq="D").strftime("%Y-%m-%d"))
    late_bad = valid.copy()
    late_bad.iloc[-1] = "2023-02-30"  # one impossible date past the first 100 values
    sentinel = valid.copy()
    sentinel.iloc[::50] = "9999-12-31"  # a far-future placeholder is a real date
    frame = pd.DataFrame({"code": codes, "late_bad": late_bad, "sentinel": sentinel, "valid": valid})
    monitor = DriftMonitor(sample_size=0).fit(frame)
    assert monitor.kinds_ == {"code": "categorical", "late_bad": "categorical", "sentinel": "datetime",
                              "valid": "datetime"}
    # the codes are tested again: a batch of one unseen code is a total change
    row = monitor.check(frame.iloc[:1000].assign(code="9999-99-99")).table.iloc[0]
    assert row["kind"] == "categorical" and row["alert"] and row["unseen"] == "9999-99-99"


def test_dates_held_as_pandas_categories_or_periods_are_datetime_columns():
    def days(start, n, seed):
        gen = np.random.default_rng(seed)
        return pd.Series(pd.Timestamp(start) + pd.to_timedelta(gen.integers(0, 30, n), unit="D"))

    ref, cur = days("2024-01-01", 5000, 20), days("2024-03-01", 1000, 21)
    forms = {"category": lambda s: s.astype("category"), "period": lambda s: s.dt.to_period("D"),
             "category of periods": lambda s: s.dt.to_period("D").astype("category"),
             "category of dates": lambda s: pd.Series([x.date() for x in s]).astype("category")}
    for label, form in forms.items():
        monitor = DriftMonitor(sample_size=0).fit(pd.DataFrame({"day": form(ref)}))
        assert monitor.kinds_ == {"day": "datetime"}, label
        row = monitor.check(pd.DataFrame({"day": form(cur)})).table.iloc[0]
        assert row["status"] == "datetime" and not row["alert"], label
        # declared numeric: seconds, as the datetime64 column gives
        numeric = DriftMonitor(column_types={"day": "numeric"}, sample_size=0)
        expected = numeric.fit(pd.DataFrame({"day": ref})).check(pd.DataFrame({"day": cur})).table.iloc[0]
        got = numeric.fit(pd.DataFrame({"day": form(ref)})).check(pd.DataFrame({"day": form(cur)})).table.iloc[0]
        assert got["statistic"] == expected["statistic"] and got["status"] == "ok", label
    assert DriftMonitor().fit(pd.DataFrame({"c": pd.Series(["a", "b"] * 50, dtype="category")})).kinds_ == {
        "c": "categorical"}


def _as_format(path, version, declared=None):
    """Rewrite a saved profile's format version (profiles of earlier versions differ in nothing else
    here) and the ``column_types`` its monitor settings record."""
    with np.load(path, allow_pickle=False) as archive:
        arrays = {k: archive[k] for k in archive.files}
    meta = json.loads(str(arrays["__meta__"]))
    meta["version"] = version
    meta["extra"]["monitor"]["column_types"] = declared
    arrays["__meta__"] = np.array(json.dumps(meta))
    np.savez_compressed(path, **arrays)


def test_a_profile_of_an_earlier_format_warns_once_naming_its_time_columns_read_as_categories(tmp_path, capsys):
    import warnings

    from scimlkit._errors import ScimlkitWarning
    from scimlkit.cli import main

    ref = _table(2000, 22)
    ref["text"] = ref["ts"].dt.strftime("%Y-%m-%d")
    ref["plan"] = np.where(ref["x"] > 0, "a", "b")
    # format 2 read datetimes and durations as categories: what it stored for them
    old = {c: "categorical" for c in ["ts", "ts_utc", "text", "wait"]}
    path = DriftMonitor(column_types=old | {"ts_arrow": "categorical"}, sample_size=0).fit(ref).save(tmp_path / "v2.npz")
    _as_format(path, 2, declared={"ts_arrow": "categorical"})  # only this one was declared by the user
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        monitor = DriftMonitor.load(path)
    found = [w for w in caught if issubclass(w.category, ScimlkitWarning)]
    assert len(found) == 1
    message = str(found[0].message)
    assert "ts, ts_utc, text hold(s) datetimes" in message and "wait hold(s) durations" in message
    assert "refit" in message and "plan" not in message and "format 2" in message
    assert "ts_arrow" not in message  # declared categorical when it was fitted: left alone
    assert monitor.kinds_["ts"] == "categorical"  # as saved: the warning says so, the check runs
    ref.iloc[:500].to_parquet(tmp_path / "batch.parquet")
    assert main(["drift", "check", str(path), str(tmp_path / "batch.parquet"), "--format", "json"]) == 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("scimlkit: warning:") and "refit" in err[0]
    # a current profile whose columns were declared categorical on purpose: no warning
    current = DriftMonitor(column_types=old, sample_size=0).fit(ref).save(tmp_path / "v3.npz")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        DriftMonitor.load(current)


def test_an_all_datetime_reference_keeps_the_same_empty_sample_with_pandas_dask_and_a_file(tmp_path):
    from scimlkit.drift import _profile

    ref = _table(300, 23)[TIMES]
    whole = DriftMonitor(sample_size=100, rng=0).fit(ref).profile_
    assert whole.sample.shape == (0, 0)
    dd = pytest.importorskip("dask.dataframe")
    parts = DriftMonitor(sample_size=100, rng=0).fit(dd.from_pandas(ref, npartitions=2))
    assert parts.profile_.sample.shape == (0, 0)
    assert DriftMonitor.load(parts.save(tmp_path / "p.npz")).profile_.sample.shape == (0, 0)
    # helpers nothing calls are gone
    assert not hasattr(_profile, "number_object_columns") and not hasattr(_profile, "datetime_object_columns")
