"""Column types met in production: all-missing columns, labels that are not strings, long histories."""

import numpy as np
import pandas as pd
import pytest

from scimlkit.drift import DriftMonitor, domain_classifier_test, write_report


@pytest.fixture(scope="module")
def shifted():
    gen = np.random.default_rng(11)
    ref = pd.DataFrame({"x": gen.normal(size=2000), "y": gen.normal(size=2000)})
    cur = pd.DataFrame({"x": gen.normal(1.0, 1.0, 600), "y": gen.normal(size=600)})
    return ref, cur


@pytest.mark.parametrize("empty", [np.full(1, np.nan), pd.array([pd.NA], dtype="Int64"),
                                   pd.array([pd.NA], dtype="Float64")], ids=["float", "Int64", "Float64"])
def test_the_multivariate_test_leaves_out_an_all_missing_numeric_column(shifted, empty):
    ref, cur = shifted
    ref = ref.assign(gone=pd.Series(empty).repeat(len(ref)).to_numpy())
    cur = cur.assign(gone=pd.Series(empty).repeat(len(cur)).to_numpy())
    plain = domain_classifier_test(ref[["x", "y"]], cur[["x", "y"]], rng=0)
    res = domain_classifier_test(ref, cur, rng=0)
    # the column carries nothing: the same folds and trees give the same scores
    assert res.auroc == pytest.approx(plain.auroc) and res.pvalue == pytest.approx(plain.pvalue)
    report = DriftMonitor(rng=0).fit(ref).check(cur, multivariate=True)
    assert report.multivariate.auroc > 0.7 and report.multivariate.pvalue < 1e-6


def test_the_multivariate_test_of_only_empty_columns_finds_nothing():
    ref = pd.DataFrame({"gone": np.full(300, np.nan)})
    cur = pd.DataFrame({"gone": np.full(200, np.nan)})
    res = domain_classifier_test(ref, cur, rng=0)
    assert res.auroc == 0.5 and res.pvalue == 1.0


def test_the_report_draws_a_batch_whose_column_labels_are_numbers(tmp_path):
    gen = np.random.default_rng(3)
    ref = pd.DataFrame(gen.normal(size=(2000, 3)))  # labels 0, 1, 2 (a NumPy array's frame)
    cur = pd.DataFrame(gen.normal(0.8, 1.0, size=(500, 3)))
    monitor = DriftMonitor(rng=0).fit(ref)
    report = monitor.check(cur)
    assert report.drifted() == ["0", "1", "2"]
    path = write_report(report, tmp_path / "r.html", reference=monitor, current=cur)
    assert path.read_text().count("Drifted column &#39;") == 3


def test_durations_written_to_csv_are_read_back_as_durations(tmp_path, capsys):
    from scimlkit.cli import main

    gen = np.random.default_rng(5)
    ref = pd.DataFrame({"wait": pd.to_timedelta(gen.exponential(100.0, 3000), unit="s"),
                        "x": gen.normal(size=3000)})
    cur = pd.DataFrame({"wait": pd.to_timedelta(gen.exponential(100.0, 800), unit="s"),
                        "x": gen.normal(size=800)})
    cur.loc[::10, "wait"] = pd.NaT
    ref.to_parquet(tmp_path / "ref.parquet")
    ref.to_csv(tmp_path / "ref.csv", index=False)
    cur.to_parquet(tmp_path / "cur.parquet")
    cur.to_csv(tmp_path / "cur.csv", index=False)
    assert pd.read_csv(tmp_path / "cur.csv")["wait"].dropna().str.startswith("0 days ").all()  # text
    iso = cur.assign(wait=cur["wait"].map(lambda t: t.isoformat() if t is not pd.NaT else None))
    assert iso["wait"].dropna().str.startswith("P0DT").all()
    # whatever file the profile and the batch come from, the column is the same durations in seconds
    tables = []
    for profile_file, batch_file in [("ref.parquet", "cur.parquet"), ("ref.csv", "cur.csv"),
                                     ("ref.parquet", "cur.csv"), ("ref.csv", "cur.parquet")]:
        out = tmp_path / f"{profile_file}.profile"
        assert main(["drift", "fit", str(tmp_path / profile_file), "--out", str(out), "--format", "json"]) == 0
        assert capsys.readouterr().err == ""  # no identifier warning: durations are no ids
        assert main(["drift", "check", str(out), str(tmp_path / batch_file), "--format", "json"]) == 0
        import json

        captured = capsys.readouterr()
        assert captured.err == ""
        table = pd.DataFrame(json.loads(captured.out)["table"]).set_index("column")
        tables.append(table.loc["wait", ["kind", "status", "statistic", "pvalue", "wasserstein", "missing_cur"]])
    for table in tables[1:]:
        pd.testing.assert_series_equal(table, tables[0])
    assert tables[0]["kind"] == "numeric" and tables[0]["status"] == "ok" and tables[0]["missing_cur"] == 0.1
    # ISO 8601 text gives the same numbers; text that is not all durations stays categorical
    monitor = DriftMonitor(rng=0).fit(ref)
    plain, text = monitor.check(cur).table, monitor.check(iso).table
    pd.testing.assert_frame_equal(plain.drop(columns="n_current"), text.drop(columns="n_current"))
    mixed = ref.assign(wait=ref["wait"].astype(str).where(np.arange(3000) != 7, "soon"))
    assert DriftMonitor(rng=0).fit(mixed[["wait"]].iloc[:50]).profile_.kinds == {"wait": "categorical"}


def test_text_durations_profiled_through_dask_are_no_identifiers():
    import warnings

    dd = pytest.importorskip("dask.dataframe")
    from scimlkit.drift import ReferenceProfile

    n = 2000
    frame = pd.DataFrame({"d": pd.to_timedelta(np.arange(n) * 7 + 3, unit="s").astype(str).astype(object),
                          "x": np.random.default_rng(0).normal(size=n)})
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an identifier warning would fail here, as in memory
        in_memory = ReferenceProfile.from_frame(frame, rng=0)
        parted = ReferenceProfile.from_dask(dd.from_pandas(frame, npartitions=4), rng=0)
    assert in_memory.kinds == parted.kinds == {"d": "numeric", "x": "numeric"}
    # numbers in some partitions and durations in others are no numbers, as in memory
    mixed = frame.assign(d=pd.Series([*np.arange(1000.0), *frame["d"].iloc[1000:]], dtype=object))
    import dask

    with dask.config.set({"dataframe.convert-string": False}):
        parted = ReferenceProfile.from_dask(dd.from_pandas(mixed, npartitions=4, sort=False), rng=0)
    assert parted.kinds["d"] == ReferenceProfile.from_frame(mixed, rng=0).kinds["d"] == "categorical"
    # impossible clock times are no durations pandas writes: such text stays categorical
    odd = pd.DataFrame({"d": ["0 days 99:99:99"] * 5 + ["0 days 00:00:01"] * 5})
    assert ReferenceProfile.from_frame(odd, rng=0).kinds == {"d": "categorical"}
