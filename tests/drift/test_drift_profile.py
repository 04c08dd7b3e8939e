"""Reference profiles: size, save/load, corrupt files, Dask profiling."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from scimlkit._errors import InputError
from scimlkit.drift import DriftMonitor, ReferenceProfile
from scimlkit.drift._tests import numeric_column


def _frame(n, seed=0, p=30):
    gen = np.random.default_rng(seed)
    frame = pd.DataFrame(gen.normal(size=(n, p)), columns=[f"f{i}" for i in range(p)])
    frame["cat"] = gen.choice(["a", "b", "c"], n)
    return frame


def test_profile_of_100k_by_30_is_a_few_megabytes(tmp_path):
    monitor = DriftMonitor(rng=0).fit(_frame(100_000))
    path = monitor.save(tmp_path / "profile.npz")
    assert path.stat().st_size < 3 * 2**20
    assert monitor.profile_.nbytes() < 4 * 2**20
    knots = [s.values.size for s in monitor.profile_.columns.values() if s.kind == "numeric"]
    assert max(knots) <= 2001  # about 1 / eps knots per column whatever the reference size


def test_save_load_round_trip_gives_identical_reports(tmp_path):
    ref, cur = _frame(30_000, 1), _frame(4_000, 2)
    ref.loc[::50, "f3"] = np.nan
    cur.loc[::7, "cat"] = None
    monitor = DriftMonitor(alpha=0.01, min_effect=0.05, correction="bh", sample_size=400, rng=0).fit(ref)
    path = monitor.save(tmp_path / "p.profile")
    loaded = DriftMonitor.load(path)
    assert loaded.alpha == 0.01 and loaded.correction == "bh" and loaded.min_effect == 0.05
    a, b = monitor.check(cur, multivariate=True), loaded.check(cur, multivariate=True)
    pd.testing.assert_frame_equal(a.table, b.table)
    assert a.multivariate == b.multivariate
    pd.testing.assert_frame_equal(monitor.profile_.sample, loaded.profile_.sample)
    assert DriftMonitor.load(path, alpha=0.2).alpha == 0.2


def test_bucket_means_survive_save_and_older_profiles_without_them_load(tmp_path):
    gen = np.random.default_rng(12)
    ref = pd.DataFrame({"x": gen.lognormal(0, 1.5, 40_000), "k": gen.integers(0, 9, 40_000).astype(float)})
    cur = pd.DataFrame({"x": gen.lognormal(0.05, 1.5, 10_000), "k": gen.integers(0, 9, 10_000).astype(float)})
    monitor = DriftMonitor(sample_size=0).fit(ref)
    summary = monitor.profile_.columns["x"]
    assert summary.slack is not None and monitor.profile_.columns["k"].slack is None  # k: every value a knot
    path = monitor.save(tmp_path / "p.profile")
    loaded = DriftMonitor.load(path)
    np.testing.assert_array_equal(loaded.profile_.columns["x"].slack, summary.slack)
    pd.testing.assert_frame_equal(monitor.check(cur).table, loaded.check(cur).table)
    # a profile written before the bucket means were kept: read, every bucket's mass on its knot
    with np.load(path, allow_pickle=False) as archive:
        arrays = {k: archive[k] for k in archive.files if not k.endswith("_slack")}
    old = tmp_path / "old.profile"
    with open(old, "wb") as fh:
        np.savez_compressed(fh, **arrays)
    table = DriftMonitor.load(old).check(cur).table.set_index("column")
    assert DriftMonitor.load(old).profile_.columns["x"].slack is None
    bare = DriftMonitor.load(path)  # the same profile with the bucket means dropped in memory
    bare.profile_.columns["x"] = dataclasses.replace(summary, slack=None)
    expected = bare.check(cur).table.set_index("column").loc["x", "wasserstein"]
    assert table.loc["x", "wasserstein"] == expected
    assert expected != monitor.check(cur).table.set_index("column").loc["x", "wasserstein"]
    # a damaged bucket-means array is refused like any other damage
    arrays["c0_slack"] = np.ones(3)
    with open(old, "wb") as fh:
        np.savez_compressed(fh, **arrays)
    with pytest.raises(InputError, match="not a readable scimlkit drift profile"):
        DriftMonitor.load(old)


def test_pvalues_use_the_true_reference_size():
    gen = np.random.default_rng(3)
    ref, cur = gen.normal(size=200_000), gen.normal(0.01, 1, size=20_000)
    report = DriftMonitor(sample_size=0).fit(pd.DataFrame({"x": ref})).check(pd.DataFrame({"x": cur}))
    row = report.table.iloc[0]
    exact = stats.ks_2samp(ref, cur)
    assert abs(row["statistic"] - exact.statistic) <= 0.0005
    # the p-value is kstwo at the true sizes, evaluated at the profile's statistic
    assert row["pvalue"] == pytest.approx(stats.kstwo.sf(row["statistic"], round(200_000 * 20_000 / 220_000)),
                                          rel=1e-8)


@pytest.mark.parametrize("content", [b"", b"hello, not a profile", b"PK\x03\x04broken zip"])
def test_corrupt_profile_files_raise_clear_errors(tmp_path, content):
    path = tmp_path / "bad.npz"
    path.write_bytes(content)
    with pytest.raises(InputError, match="not a readable scimlkit drift profile"):
        DriftMonitor.load(path)


def test_foreign_and_truncated_profiles(tmp_path):
    foreign = tmp_path / "foreign.npz"
    np.savez(foreign, a=np.arange(3))
    with pytest.raises(InputError, match="not a readable scimlkit drift profile"):
        ReferenceProfile.load(foreign)
    good = DriftMonitor().fit(_frame(500)).save(tmp_path / "good.npz")
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(InputError, match="not a readable scimlkit drift profile"):
        ReferenceProfile.load(truncated)
    with pytest.raises(InputError, match="does not exist"):
        ReferenceProfile.load(tmp_path / "missing.npz")
    with pytest.raises(InputError, match="does not exist"):
        DriftMonitor().fit(_frame(50)).save(tmp_path / "no" / "such" / "dir.npz")


def test_dask_profile_matches_pandas_and_runs_on_a_local_cluster():
    dd = pytest.importorskip("dask.dataframe")
    distributed = pytest.importorskip("dask.distributed")
    frame = _frame(24_000, 4, p=4)
    frame.loc[::97, "f1"] = np.nan
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster, \
            distributed.Client(cluster):
        ddf = dd.from_pandas(frame, npartitions=4)
        monitor = DriftMonitor(sample_size=500, rng=0).fit(ddf)
    exact = DriftMonitor(sample_size=0).fit(frame)
    for name in ["f0", "f1", "f2", "f3"]:
        got, ref = monitor.profile_.columns[name], exact.profile_.columns[name]
        assert (got.n, got.n_missing, got.n_rows) == (ref.n, ref.n_missing, ref.n_rows)
        assert got.mean == pytest.approx(ref.mean, rel=1e-12) and got.std == pytest.approx(ref.std, rel=1e-10)
    cat = monitor.profile_.columns["cat"]
    assert cat.counts.sum() == 24_000 and list(cat.categories) == ["a", "b", "c"]
    assert len(monitor.profile_.sample) == 500
    # the merged sketch keeps the KS error bound
    cur = _frame(8_000, 5, p=4)
    cur["f2"] += 0.1
    table = monitor.check(cur).table.set_index("column")
    for name in ["f0", "f2", "f3"]:
        assert abs(table.loc[name, "statistic"] - stats.ks_2samp(frame[name], cur[name]).statistic) <= 0.0005


def test_dask_merge_keeps_the_error_bound_without_a_cluster():
    dd = pytest.importorskip("dask.dataframe")
    import dask

    gen = np.random.default_rng(6)
    frame = pd.DataFrame({"x": gen.lognormal(0, 1.5, 120_000)})
    with dask.config.set(scheduler="synchronous"):
        monitor = DriftMonitor(sample_size=0).fit(dd.from_pandas(frame, npartitions=6))
    summary = monitor.profile_.columns["x"]
    # partitions and the merge each get half the error budget, so about 2 / eps knots
    assert not summary.exact and summary.values.size <= 4100
    cur = gen.lognormal(0.02, 1.5, 30_000)
    got = monitor.check(pd.DataFrame({"x": cur})).table.iloc[0]["statistic"]
    assert abs(got - stats.ks_2samp(frame["x"], cur).statistic) <= 0.0005


def test_dask_merge_keeps_the_bucket_means():
    dd = pytest.importorskip("dask.dataframe")
    import dask

    gen = np.random.default_rng(13)
    frame = pd.DataFrame({"x": gen.lognormal(0, 1.5, 120_000)})
    with dask.config.set(scheduler="synchronous"):
        merged = DriftMonitor(sample_size=0).fit(dd.from_pandas(frame, npartitions=6)).profile_.columns["x"]
    assert merged.slack is not None
    # the merged buckets keep the reference's first moment, and the distance stays close to the exact one
    means = merged.values * merged.weights - merged.slack * merged.scale
    assert means.sum() / merged.n == pytest.approx(frame["x"].mean(), rel=1e-9)
    cur = gen.lognormal(0.05, 1.5, 30_000)
    got = numeric_column(merged, cur, "ks")["wasserstein"]
    assert got == pytest.approx(stats.wasserstein_distance(frame["x"], cur), rel=0.05)


def test_dask_missing_gives_install_hint(monkeypatch):
    import sys

    from scimlkit._errors import OptionalDependencyError

    monkeypatch.setitem(sys.modules, "dask", None)  # makes `import dask` fail

    class FakeDask:  # looks like a Dask DataFrame to DriftMonitor.fit
        __module__ = "dask.dataframe.core"
        npartitions = 1
        columns = ["x"]

    with pytest.raises(OptionalDependencyError, match=r"pip install 'scimlkit\[dask\]'"):
        DriftMonitor().fit(FakeDask())


def test_bad_profile_paths_raise_input_errors(tmp_path):
    monitor = DriftMonitor(sample_size=0).fit(_frame(200, p=2))
    for path, match in [(5, "must be a str or path-like, got 5"), (tmp_path, "is a folder"), ("", "must not be empty"),
                        (tmp_path / "p.npz" / "x.npz", "does not exist")]:
        with pytest.raises(InputError, match=match):
            monitor.save(path)
    (tmp_path / "file").write_text("x")
    with pytest.raises(InputError, match="is not a folder"):
        monitor.save(tmp_path / "file" / "p.npz")
    with pytest.raises(InputError, match="must be a str or path-like, got None"):
        DriftMonitor.load(None)
    with pytest.raises(InputError, match="must be a str or path-like"):
        ReferenceProfile.load(3.5)


def test_failed_profile_write_is_an_input_error_and_leaves_nothing(tmp_path, monkeypatch):
    monitor = DriftMonitor(sample_size=0).fit(_frame(200, p=2))

    def no_space(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(np, "savez_compressed", no_space)
    with pytest.raises(InputError, match="'.*p.npz' could not be written: No space left on device"):
        monitor.save(tmp_path / "p.npz")
    assert list(tmp_path.iterdir()) == []


def _rewrite_meta(src, dst, edit):
    import json

    with np.load(src, allow_pickle=False) as archive:
        arrays = {k: archive[k] for k in archive.files}
    meta = json.loads(str(arrays["__meta__"]))
    arrays["__meta__"] = np.array(json.dumps(edit(meta)))
    np.savez_compressed(dst, **arrays)
    return dst


@pytest.mark.parametrize("edit", [
    lambda meta: [1],
    lambda meta: "text",
    lambda meta: {**meta, "columns": {"a": 1}},
    lambda meta: {**meta, "columns": [1]},
    lambda meta: {**meta, "extra": [1]},
    lambda meta: {**meta, "columns": [{**meta["columns"][0], "scale": -1.0}]},
])
def test_malformed_profile_metadata_raises_a_clear_error(tmp_path, edit):
    good = DriftMonitor(sample_size=0).fit(_frame(300, p=1)[["f0"]]).save(tmp_path / "good.npz")
    bad = _rewrite_meta(good, tmp_path / "bad.npz", edit)
    with pytest.raises(InputError, match="profile '.*bad.npz' is not a readable scimlkit drift profile"):
        ReferenceProfile.load(bad)


def test_malformed_monitor_settings_raise_a_clear_error(tmp_path):
    good = DriftMonitor(sample_size=0).fit(_frame(300, p=1)[["f0"]]).save(tmp_path / "good.npz")
    bad = _rewrite_meta(good, tmp_path / "bad.npz", lambda meta: {**meta, "extra": {"monitor": [1]}})
    with pytest.raises(InputError, match="profile '.*bad.npz' holds malformed monitor settings"):
        DriftMonitor.load(bad)


@pytest.mark.parametrize("kwargs,match", [
    ({"frame": None}, "`frame` must be a pandas DataFrame"),
    ({"n_bins": 0}, "`n_bins` must be in"),
    ({"n_bins": -1}, "`n_bins` must be in"),
    ({"eps": -1}, "`eps` must be in"),
    ({"eps": 2}, "`eps` must be in"),
    ({"sample_size": -5}, "`sample_size` must be in"),
    ({"max_exact": 0}, "`max_exact` must be in"),
    ({"column_types": ["f0"]}, "`column_types` must be a dict"),
])
def test_from_frame_checks_its_arguments(kwargs, match):
    kwargs = {"frame": _frame(100, p=2), **kwargs}
    with pytest.raises(InputError, match=match):
        ReferenceProfile.from_frame(**kwargs)


def test_infinite_reference_values_are_refused():
    frame = pd.DataFrame({"x": [1.0, 2.0, np.nan, 3.0], "y": [1.0, np.inf, -np.inf, 0.0]})
    with pytest.raises(InputError, match="column 'y' of the reference holds 2 infinite value"):
        DriftMonitor().fit(frame)
    with pytest.raises(InputError, match="column 'y'"):
        ReferenceProfile.from_frame(frame)


@pytest.mark.parametrize("unit", [5e-324, 2.0**-1060, 1.0, 1e300])
def test_moments_of_tiny_and_huge_columns(tmp_path, unit):
    import warnings

    base = np.random.default_rng(0).permutation(np.r_[np.arange(200.0), 1000.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # 201 distinct whole numbers, a fifth of their range: no identifiers
        profile = ReferenceProfile.from_frame(pd.DataFrame({"x": base * unit}), sample_size=0)
        summary = ReferenceProfile.load(profile.save(tmp_path / "p.npz")).columns["x"]
    # subnormal values have few significant bits; everything else is exact to rounding
    rel = 1e-2 if unit < 2.0**-1022 else 1e-12
    assert summary.std == pytest.approx(base.std() * unit, rel=rel, abs=0)
    assert summary.mean == pytest.approx(base.mean() * unit, rel=rel, abs=0)


def test_moments_at_the_float_limit_and_their_merge():
    from scimlkit.drift._profile import NumericSummary

    x = np.r_[np.full(50, 1.7e308), np.full(50, -1.7e308), 0.0]
    whole = NumericSummary.from_values("x", x, eps=0.0005, max_exact=10_000)
    unit = 2.0**1000
    assert abs(whole.mean) < 1e-14 * 1.7e308  # 0 up to rounding
    assert whole.std == pytest.approx(np.std(x / unit) * unit, rel=1e-12)
    parts = [NumericSummary.from_values("x", part, eps=0.0005, max_exact=10_000)
             for part in (x[:30], x[30:70], x[70:], np.arange(5.0))]
    merged = NumericSummary.merge(parts, eps=0.0005, max_exact=10_000)
    expected = np.r_[x, np.arange(5.0)]
    assert merged.std == pytest.approx(np.std(expected / unit) * unit, rel=1e-12)
    assert abs(merged.mean) < 1e-14 * 1.7e308  # 10 / 106 up to rounding
    # ordinary columns are summarised exactly as before (no unit needed)
    ordinary = NumericSummary.from_values("x", np.arange(10.0), eps=0.0005, max_exact=10_000)
    assert ordinary.scale == 1.0 and ordinary.m2 == ((np.arange(10.0) - 4.5) ** 2).sum()


def _times(n, seed, unit="ns", nat=0.0, tz=None):
    gen = np.random.default_rng(seed)
    t = pd.Series(pd.Timestamp("2024-01-01") + pd.to_timedelta(gen.integers(0, 30 * 86400, n), unit="s"))
    t = t.astype(f"datetime64[{unit}]")
    t[gen.random(n) < nat] = pd.NaT
    return t.dt.tz_localize("UTC").dt.tz_convert(tz) if tz else t


def test_a_datetime_column_declared_numeric_is_read_in_seconds_with_nat_missing():
    t = _times(3000, 0, nat=0.05)
    monitor = DriftMonitor(column_types={"t": "numeric"}).fit(pd.DataFrame({"t": t}))
    summary = monitor.profile_.columns["t"]
    assert summary.n_missing == int(t.isna().sum()) > 0  # NaT was read as -9.2e18, not missing
    assert summary.values[0] == t.min().timestamp() and summary.values[-1] == t.max().timestamp()
    # the same instants at another resolution, or in another time zone, are not drift
    # (datetime64[ns] against datetime64[us] was compared as raw integers 1000 times apart)
    for batch in (t.astype("datetime64[us]"), t.astype("datetime64[s]"), t.astype("timestamp[ms][pyarrow]")):
        row = monitor.check(pd.DataFrame({"t": batch})).table.iloc[0]
        assert row["statistic"] == 0.0 and not row["alert"]
    aware = monitor.check(pd.DataFrame({"t": t.dt.tz_localize("UTC").dt.tz_convert("Asia/Tokyo")})).table.iloc[0]
    assert aware["statistic"] == 0.0 and aware["missing_cur"] == aware["missing_ref"]
    # durations: seconds, NaT missing
    d = pd.Series(pd.to_timedelta([1.5, None, 90.0, 3600.25], unit="s"))
    durations = DriftMonitor(column_types={"d": "numeric"}).fit(pd.DataFrame({"d": d})).profile_.columns["d"]
    assert durations.values.tolist() == [1.5, 90.0, 3600.25] and durations.n_missing == 1


def test_timezone_aware_datetimes_are_compared_as_instants():
    ref = pd.DataFrame({"t": _times(2000, 1, nat=0.02, tz="Europe/Paris")})
    cur = pd.DataFrame({"t": _times(2000, 1, unit="us", nat=0.02, tz="America/New_York")})  # same instants
    monitor = DriftMonitor(column_types={"t": "numeric"}).fit(ref)
    assert monitor.profile_.columns["t"].n_missing == int(ref["t"].isna().sum())
    row = monitor.check(cur).table.iloc[0]
    assert row["statistic"] == 0.0 and row["wasserstein"] == 0.0 and not row["alert"]


def test_the_multivariate_test_reads_datetimes_as_the_profile_does():
    from scimlkit.drift._multivariate import _encode

    gen = np.random.default_rng(2)
    frame = pd.DataFrame({"t": _times(300, 2, unit="us", nat=0.05), "x": gen.normal(size=300)})
    monitor = DriftMonitor(column_types={"t": "numeric"}, sample_size=300, rng=0).fit(frame)
    # the batch: the reference rows themselves, stored at another resolution (they were read as
    # raw integers in the column's own unit, NaT as -9.2e18)
    batch = frame.assign(t=frame["t"].astype("datetime64[ns]"))
    xr, xc, categorical = _encode(monitor.profile_.sample, batch)
    np.testing.assert_array_equal(xr, xc)
    assert np.isnan(xc[:, 0]).sum() == frame["t"].isna().sum() and np.nanmin(xc[:, 0]) == frame["t"].min().timestamp()
    assert not categorical.any()


def test_load_refuses_unknown_names_and_changes_of_what_the_profile_was_built_with(tmp_path):
    gen = np.random.default_rng(4)
    ref = pd.DataFrame({"x": gen.normal(size=3000), "store": gen.integers(0, 5, 3000)})
    path = DriftMonitor(column_types={"store": "categorical"}, sample_size=50).fit(ref).save(tmp_path / "p.npz")
    with pytest.raises(InputError, match="invalid parameter 'min_efect'"):
        DriftMonitor.load(path, min_efect=0.2)
    for name, value in [("n_bins", 50), ("eps", 0.001), ("max_exact", 10), ("sample_size", 10),
                        ("column_types", None)]:
        with pytest.raises(InputError, match=f"`{name}` cannot be overridden when loading"):
            DriftMonitor.load(path, **{name: value})
    same = DriftMonitor.load(path, n_bins=20, eps=0.0005, max_exact=10_000, sample_size=50,
                             column_types={"store": "categorical"}, alpha=0.01, method="cvm")
    assert same.alpha == 0.01 and same.method == "cvm" and same.n_bins == 20
    # column_types is kept: a refit of the loaded monitor keeps the categorical column
    loaded = DriftMonitor.load(path)
    assert loaded.column_types == {"store": "categorical"}
    assert loaded.fit(ref).kinds_ == {"x": "numeric", "store": "categorical"}
    # a file saved before column_types was kept still loads; an override must agree with its kinds
    import json

    with np.load(path, allow_pickle=False) as archive:
        arrays = {k: archive[k] for k in archive.files}
    meta = json.loads(str(arrays["__meta__"]))
    del meta["extra"]["monitor"]["column_types"]
    arrays["__meta__"] = np.array(json.dumps(meta))
    old = tmp_path / "old.npz"
    with open(old, "wb") as fh:
        np.savez_compressed(fh, **arrays)
    assert DriftMonitor.load(old).column_types is None
    assert DriftMonitor.load(old, column_types={"store": "categorical"}).column_types == {"store": "categorical"}
    with pytest.raises(InputError, match="`column_types` cannot be overridden"):
        DriftMonitor.load(old, column_types={"store": "numeric"})


def test_version_1_profiles_with_time_columns_must_be_refitted(tmp_path):
    import json

    # a profile saved by format version 1 read a datetime column declared numeric as raw integers
    # in its own unit (here nanoseconds): emulated by fitting on those integers
    t = _times(2000, 7)
    gen = np.random.default_rng(7)
    ref = pd.DataFrame({"t": t, "x": gen.normal(size=2000)})
    raw = ref.assign(t=t.astype("int64"))
    new = DriftMonitor(column_types={"t": "numeric"}).fit(raw).save(tmp_path / "new.npz")
    old = _rewrite_meta(new, tmp_path / "old.npz", lambda meta: {**meta, "version": 1})
    with np.load(new, allow_pickle=False) as archive:
        assert json.loads(str(archive["__meta__"]))["version"] >= 2
    loaded = DriftMonitor.load(old)
    with pytest.raises(InputError, match="column 't' is a datetime/duration column .* earlier scimlkit version"
                                         ".* refit"):
        loaded.check(ref)  # read in seconds against nanoseconds, every time column drifted
    # saving the loaded monitor again keeps its version: the refusal stays
    resaved = loaded.save(tmp_path / "resaved.npz")
    with pytest.raises(InputError, match="earlier scimlkit version"):
        DriftMonitor.load(resaved).check(ref)
    # a batch without a time column still checks as before; a refit profile checks the times
    assert loaded.check(raw).table["alert"].tolist() == [False, False]
    refit = DriftMonitor(column_types={"t": "numeric"}).fit(ref)
    assert refit.check(ref).table["alert"].tolist() == [False, False]


def test_version_1_profiles_without_time_columns_work_as_before(tmp_path):
    frame = _frame(3000, p=3)
    monitor = DriftMonitor(sample_size=200, rng=0).fit(frame)
    new = monitor.save(tmp_path / "new.npz")
    old = _rewrite_meta(new, tmp_path / "old.npz", lambda meta: {**meta, "version": 1})
    batch = _frame(1000, seed=1, p=3)
    expected = monitor.check(batch, multivariate=True).table
    got = DriftMonitor.load(old).check(batch, multivariate=True).table
    pd.testing.assert_frame_equal(got, expected)


@pytest.mark.parametrize("arrow_type", ["date32", "date64"])
def test_arrow_dates_declared_numeric_are_seconds_at_midnight_utc(arrow_type):
    import pyarrow as pa

    days = _times(500, 8).dt.normalize()
    days[::50] = pd.NaT
    dates = days.astype(pd.ArrowDtype(getattr(pa, arrow_type)()))  # as read_parquet(dtype_backend="pyarrow")
    monitor = DriftMonitor(column_types={"d": "numeric"}).fit(pd.DataFrame({"d": dates}))
    summary = monitor.profile_.columns["d"]
    assert summary.n_missing == 10
    assert summary.values[0] == days.min().timestamp() and summary.values[-1] == days.max().timestamp()
    # the same days as datetimes are no drift, in either direction
    row = monitor.check(pd.DataFrame({"d": days})).table.iloc[0]
    assert row["statistic"] == 0.0 and not row["alert"]
    back = DriftMonitor(column_types={"d": "numeric"}).fit(pd.DataFrame({"d": days}))
    row = back.check(pd.DataFrame({"d": dates})).table.iloc[0]
    assert row["statistic"] == 0.0 and row["missing_cur"] == row["missing_ref"] and not row["alert"]


def test_home_folder_in_a_profile_path_is_expanded(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    monitor = DriftMonitor().fit(_frame(500))
    monitor.profile_.save("~/profile.npz")
    assert (tmp_path / "profile.npz").is_file() and not (tmp_path / "~").exists()
    assert ReferenceProfile.load("~/profile.npz").n_rows == 500
