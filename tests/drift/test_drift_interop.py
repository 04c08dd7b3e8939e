"""DriftMonitor with the column types pandas hands over: Decimal and other object columns of numbers,
booleans met as 0/1 numbers, and tables read from files (semicolons, DECIMAL Parquet, repeated names)."""

from __future__ import annotations

import json
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from scimlkit.cli import main
from scimlkit.drift import DriftMonitor

VALUE_COLUMNS = ["column", "kind", "status", "statistic", "pvalue", "js_distance", "wasserstein", "psi",
                 "missing_cur", "unseen", "alert"]


def decimals(values, places: int = 3) -> pd.Series:
    """Numbers as an object column of ``decimal.Decimal`` (how pandas reads Parquet DECIMAL)."""
    return pd.Series([None if v != v else Decimal(f"{v:.{places}f}") for v in values], dtype=object)


@pytest.fixture(scope="module")
def frames():
    gen = np.random.default_rng(7)
    ref = np.round(gen.normal(size=6000), 3)
    cur = np.round(gen.normal(0.1, 1.0, 3000), 3)  # shifted by 0.1 SD
    return ref, cur


# -- object columns of numbers ------------------------------------------------------------------
def test_object_columns_of_numbers_with_pandas_na_are_numeric(frames):
    # pandas' NA beside numbers in an object column (what .where() or a nullable column cast to
    # object gives): missing values, as None and NaN are; before, fit raised a TypeError
    ref, cur = frames
    as_float = DriftMonitor(rng=0).fit(pd.DataFrame({"x": np.where(np.arange(ref.size) % 10 == 0, np.nan, ref)}))
    with_na = pd.Series([pd.NA if i % 10 == 0 else Decimal(f"{v:.3f}") for i, v in enumerate(ref)], dtype=object)
    for column in (with_na, with_na.map(lambda v: v if v is pd.NA else int(v * 1000))):
        monitor = DriftMonitor(rng=0).fit(pd.DataFrame({"x": column}))
        assert monitor.kinds_ == {"x": "numeric"}
        assert monitor.profile_.columns["x"].n_missing == 600
    got = DriftMonitor(rng=0).fit(pd.DataFrame({"x": with_na})).check(
        pd.DataFrame({"x": pd.Series([pd.NA, *cur[1:]], dtype=object)})).table[VALUE_COLUMNS]
    want = as_float.check(pd.DataFrame({"x": np.r_[np.nan, cur[1:]]})).table[VALUE_COLUMNS]
    pd.testing.assert_frame_equal(got, want)


def test_decimal_columns_are_profiled_and_checked_as_the_same_numbers_in_float64(frames):
    ref, cur = frames
    as_float = DriftMonitor(rng=0).fit(pd.DataFrame({"x": ref}))
    as_decimal = DriftMonitor(rng=0).fit(pd.DataFrame({"x": decimals(ref)}))
    assert as_decimal.kinds_ == {"x": "numeric"}  # before: categorical, every batch value unseen
    want = as_float.check(pd.DataFrame({"x": cur})).table[VALUE_COLUMNS]
    for batch in (decimals(cur), cur):  # a Decimal batch, and a float64 batch against the Decimal profile
        got = as_decimal.check(pd.DataFrame({"x": batch})).table[VALUE_COLUMNS]
        pd.testing.assert_frame_equal(got, want)
    assert bool(want.loc[0, "alert"])


def test_object_numbers_with_none_are_numeric_and_none_is_missing():
    gen = np.random.default_rng(3)
    ints = pd.Series([int(v) for v in gen.integers(0, 50, 4000)], dtype=object)
    ints[::10] = None
    mixed = pd.Series([np.float32(v) if i % 3 else Decimal(int(v)) for i, v in enumerate(gen.integers(0, 9, 4000))],
                      dtype=object)
    monitor = DriftMonitor().fit(pd.DataFrame({"n": ints, "m": mixed}))
    assert monitor.kinds_ == {"n": "numeric", "m": "numeric"}
    summary = monitor.profile_.columns["n"]
    assert summary.n_missing == 400 and summary.n == 3600
    assert summary.mean == pytest.approx(pd.to_numeric(ints).mean())


def test_object_columns_of_text_booleans_or_nothing_stay_categorical():
    n = 300
    frame = pd.DataFrame({
        "codes": pd.Series([1, "x", 2] * (n // 3), dtype=object),  # a number and text: categories
        "flags": pd.Series([True, False, None] * (n // 3), dtype=object),  # booleans are not numbers
        "nothing": pd.Series([None] * n, dtype=object),
        "text_numbers": pd.Series([f"{i}.5" for i in range(n)], dtype=object),  # text, even if it looks numeric
        "huge": pd.Series([10**400, 1, 2] * (n // 3), dtype=object),  # beyond any float: not a number column
    })
    monitor = DriftMonitor().fit(frame)
    assert set(monitor.kinds_.values()) == {"categorical"}
    assert monitor.check(frame).table.set_index("column").loc["huge", "status"] == "ok"


def test_column_types_still_win_over_the_inferred_kind(frames):
    ref, _ = frames
    frame = pd.DataFrame({"d": decimals(ref[:500]), "t": pd.Series([str(v) for v in ref[:500]], dtype=object)})
    monitor = DriftMonitor(column_types={"d": "categorical", "t": "numeric"}).fit(frame)
    assert monitor.kinds_ == {"d": "categorical", "t": "numeric"}
    with pytest.raises(Exception, match="not in the reference"):
        DriftMonitor(column_types={"zz": "numeric"}).fit(frame)


def test_dask_partitions_agree_on_object_numbers():
    dd = pytest.importorskip("dask.dataframe")
    import dask

    gen = np.random.default_rng(5)
    values = gen.normal(size=3000)
    frame = pd.DataFrame({"d": decimals(values), "late_text": pd.Series(list(values[:2999]) + ["n/a"], dtype=object),
                         "first_empty": pd.Series([None] * 1000 + list(values[1000:]), dtype=object)})
    # Dask turns object columns into strings unless told not to
    with dask.config.set({"dataframe.convert-string": False, "scheduler": "synchronous"}):
        ddf = dd.from_pandas(frame, npartitions=3)
        monitor = DriftMonitor(sample_size=100).fit(ddf)
    assert monitor.kinds_ == {"d": "numeric", "late_text": "categorical", "first_empty": "numeric"}
    pandas_profile = DriftMonitor(sample_size=100).fit(frame).profile_
    assert monitor.profile_.columns["d"].mean == pytest.approx(pandas_profile.columns["d"].mean, rel=1e-12)


def test_cli_fit_reads_a_parquet_decimal_column_as_numbers(tmp_path, frames, capsys):
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    ref, cur = frames

    def write(values, path):
        column = pa.array([Decimal(f"{v:.3f}") for v in values], pa.decimal128(9, 3))
        pq.write_table(pa.table({"amount": column, "plan": ["a", "b"] * (len(values) // 2)}), path)

    write(ref, tmp_path / "ref.parquet")
    write(cur + 0.5, tmp_path / "cur.parquet")
    assert pd.read_parquet(tmp_path / "ref.parquet")["amount"].dtype == object  # Decimal objects
    profile = tmp_path / "ref.profile"
    assert main(["drift", "fit", str(tmp_path / "ref.parquet"), "--out", str(profile), "--format", "json"]) == 0
    fitted = json.loads(capsys.readouterr().out)
    assert fitted["numeric"] == 1 and fitted["categorical"] == 1
    rc = main(["drift", "check", str(profile), str(tmp_path / "cur.parquet"), "--fail-on-drift", "--format", "json"])
    table = {row["column"]: row for row in json.loads(capsys.readouterr().out)["table"]}
    assert rc == 1 and table["amount"]["kind"] == "numeric" and table["amount"]["unseen"] == ""
    assert table["amount"]["alert"] and not table["plan"]["alert"]
    assert main(["drift", "fit", str(tmp_path / "ref.parquet"), "--out", str(profile), "--categorical", "amount",
                 "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["categorical"] == 2


# -- files read with another separator, or repeating a column name ------------------------------
def test_cli_semicolon_files_are_checked_column_by_column(tmp_path, capsys):
    gen = np.random.default_rng(11)
    ref = pd.DataFrame({"arm": gen.choice(["a", "b"], 4000), "rev": gen.normal(size=4000)})
    cur = pd.DataFrame({"arm": gen.choice(["a", "b"], 1000), "rev": gen.normal(1.0, 1.0, 1000)})
    ref.to_csv(tmp_path / "ref.csv", sep=";", index=False)
    cur.to_csv(tmp_path / "cur.csv", sep=";", index=False)
    profile = tmp_path / "ref.profile"
    assert main(["drift", "fit", str(tmp_path / "ref.csv"), "--out", str(profile), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["columns"] == 2
    # before: one column 'arm;rev' of text, health 1.000 and no alert on the shifted 'rev'
    rc = main(["drift", "check", str(profile), str(tmp_path / "cur.csv"), "--fail-on-drift", "--format", "json"])
    out = json.loads(capsys.readouterr().out)
    assert rc == 1 and out["health"] < 0.5
    assert [row["column"] for row in out["table"] if row["alert"]] == ["rev"]


def test_cli_fit_refuses_a_repeated_column_name(tmp_path, capsys):
    (tmp_path / "dup.csv").write_text("m,x,m\n1,2,3\n4,5,6\n")
    rc = main(["drift", "fit", str(tmp_path / "dup.csv"), "--out", str(tmp_path / "p.profile")])
    assert rc == 2 and "has the column 'm' more than once" in capsys.readouterr().err
    assert not (tmp_path / "p.profile").exists()


# -- booleans met as 0/1 numbers ----------------------------------------------------------------
@pytest.fixture(scope="module")
def flags():
    gen = np.random.default_rng(22)
    return gen.random(6000) < 0.3, gen.random(2000) < 0.3, gen.normal(size=(8000, 1))


def test_boolean_reference_and_a_0_1_batch_are_the_same_categories(flags):
    ref, cur, _ = flags
    monitor = DriftMonitor(rng=0).fit(pd.DataFrame({"flag": ref}))
    assert monitor.kinds_ == {"flag": "categorical"}
    want = monitor.check(pd.DataFrame({"flag": cur})).table[VALUE_COLUMNS]
    with_nan = cur.astype(float)
    with_nan[:5] = np.nan
    for batch in (cur.astype(int), cur.astype(np.int8), cur.astype(float)):
        got = monitor.check(pd.DataFrame({"flag": batch})).table[VALUE_COLUMNS]
        pd.testing.assert_frame_equal(got, want)  # before: unseen '0,1', p = 0, a full alert
    got = monitor.check(pd.DataFrame({"flag": with_nan})).table.iloc[0]
    assert got["unseen"] == "" and not got["alert"] and got["missing_cur"] == pytest.approx(5 / cur.size)


def test_other_batch_values_stay_unseen_and_alert(flags):
    ref, cur, _ = flags
    monitor = DriftMonitor().fit(pd.DataFrame({"flag": ref}))
    batch = cur.astype(int)
    batch[:300] = 2
    row = monitor.check(pd.DataFrame({"flag": batch})).table.iloc[0]
    assert row["unseen"] == "2" and row["alert"]


def test_categorical_0_1_codes_and_a_boolean_batch_are_the_same_categories(flags):
    ref, cur, _ = flags
    monitor = DriftMonitor(column_types={"code": "categorical"}).fit(pd.DataFrame({"code": ref.astype(int)}))
    want = monitor.check(pd.DataFrame({"code": cur.astype(int)})).table[VALUE_COLUMNS]
    got = monitor.check(pd.DataFrame({"code": cur})).table[VALUE_COLUMNS]
    pd.testing.assert_frame_equal(got, want)
    # a numeric 0/1 reference already compared a boolean batch as numbers
    numeric = DriftMonitor().fit(pd.DataFrame({"code": ref.astype(int)}))
    assert not numeric.check(pd.DataFrame({"code": cur})).table.iloc[0]["alert"]


def test_the_multivariate_test_and_the_report_see_the_same_categories(flags, tmp_path):
    from scimlkit.drift._report import _categorical_figure

    ref, cur, noise = flags
    reference = pd.DataFrame({"flag": ref, "x": noise[:6000, 0]})
    monitor = DriftMonitor(rng=0).fit(reference)
    batch = pd.DataFrame({"flag": cur.astype(int), "x": noise[6000:, 0]})
    report = monitor.check(batch, multivariate=True)
    # before: the codes of '0'/'1' differed from 'False'/'True', and the classifier told them apart
    assert report.multivariate.auroc < 0.56 and not report.alert
    fig = _categorical_figure(monitor.profile_.columns["flag"], batch["flag"].to_numpy(dtype=object), "flag")
    assert sorted(t.get_text() for t in fig.axes[0].get_xticklabels()) == ["False", "True"]


def test_a_dask_batch_is_checked_as_its_pandas_frame():
    dd = pytest.importorskip("dask.dataframe")
    import dask

    gen = np.random.default_rng(8)
    ref = pd.DataFrame({"x": gen.normal(size=3000), "c": pd.Categorical(gen.choice(list("abc"), 3000))})
    batch = pd.DataFrame({"x": gen.normal(0.3, 1, 600), "c": pd.Categorical(gen.choice(list("abcd"), 600))})
    monitor = DriftMonitor(rng=0, sample_size=500).fit(ref)
    with dask.config.set({"scheduler": "synchronous"}):
        report = monitor.check(dd.from_pandas(batch, npartitions=3), multivariate=True)
    expected = monitor.check(batch, multivariate=True)
    cols = ["column", "statistic", "pvalue", "js_distance", "unseen", "alert"]
    pd.testing.assert_frame_equal(report.table[cols], expected.table[cols])
    assert report.multivariate.auroc == expected.multivariate.auroc
