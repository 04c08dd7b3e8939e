"""New categories and identifier-like columns: PSI, the ``unseen`` list, the warning at fit."""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pandas as pd
import pytest

from scimlkit._errors import InputError, ScimlkitWarning
from scimlkit.cli import main
from scimlkit.drift import DriftMonitor, ReferenceProfile
from scimlkit.drift._cli import _few


def _psi(p, q, floor=1e-4):
    """PSI over bins from shares, each floored at ``floor`` (the textbook sum)."""
    return sum((max(b, floor) - max(a, floor)) * math.log(max(b, floor) / max(a, floor)) for a, b in zip(p, q))


def _quiet_fit(frame, **params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ScimlkitWarning)
        return DriftMonitor(rng=0, **params).fit(frame)


def test_psi_of_a_batch_made_only_of_new_categories_says_it_changed():
    # 20,000 reference categories, each below the 1e-4 floor, and a batch of 50,000 others: the
    # new categories form one bin against the floor
    ref = pd.DataFrame({"c": [f"u{i:06d}" for i in range(20_000)]})
    monitor = _quiet_fit(ref)
    row = monitor.check(pd.DataFrame({"c": [f"n{i:06d}" for i in range(50_000)]})).table.iloc[0]
    want = _psi([1 / 20_000] * 20_000 + [0.0], [0.0] * 20_000 + [1.0])  # 9.21
    assert row["psi"] == pytest.approx(want, rel=1e-9) and row["psi"] > 9  # before: 0
    assert row["js_distance"] == 1.0 and row["effect"] > 0.9 and row["alert"] and row["severity"] == 1.0
    # a batch piled onto ten of the rare reference categories still reads as a change
    piled = monitor.check(pd.DataFrame({"c": [f"u{i:06d}" for i in range(10)] * 500})).table.iloc[0]
    assert piled["psi"] == pytest.approx(_psi([1 / 20_000] * 10, [0.1] * 10) + _psi([1 / 20_000] * 19_990,
                                                                                     [0.0] * 19_990), rel=1e-9)


def test_psi_pools_the_new_categories_into_one_bin():
    gen = np.random.default_rng(3)
    ref = pd.DataFrame({"c": gen.choice(["a", "b", "c"], 9_000, p=[0.5, 0.3, 0.2])})
    monitor = _quiet_fit(ref)
    p = ref["c"].value_counts(normalize=True).reindex(["a", "b", "c"]).tolist()
    # seen categories only: the per-category sum (as Evidently's categorical PSI)
    seen = pd.Series(gen.choice(["a", "b", "c"], 3_000, p=[0.2, 0.2, 0.6]))
    row = monitor.check(pd.DataFrame({"c": seen})).table.iloc[0]
    assert row["psi"] == pytest.approx(_psi(p, seen.value_counts(normalize=True).reindex(["a", "b", "c"])),
                                       rel=1e-12)
    # 2,000 new categories: one bin holding the whole batch against the floor
    row = monitor.check(pd.DataFrame({"c": [f"new{i}" for i in range(2_000)]})).table.iloc[0]
    # closed form: sum over a, b, c of (1e-4 - p) ln(1e-4 / p), plus (1 - 1e-4) ln(1 / 1e-4)
    want = sum((1e-4 - a) * math.log(1e-4 / a) for a in p) + (1 - 1e-4) * math.log(1e4)
    assert row["psi"] == pytest.approx(want, rel=1e-12)
    assert row["alert"] and row["js_distance"] == pytest.approx(1.0)
    # half of the batch new: one bin holding half
    batch = pd.concat([ref["c"].iloc[:1_000], pd.Series([f"new{i}" for i in range(1_000)])], ignore_index=True)
    q = batch.value_counts(normalize=True).reindex(["a", "b", "c"]).tolist()
    row = monitor.check(pd.DataFrame({"c": batch})).table.iloc[0]
    assert row["psi"] == pytest.approx(_psi(p + [0.0], q + [0.5]), rel=1e-12)


def test_psi_of_new_identifiers_grows_with_their_share_whatever_the_batch_size():
    # per category, n new ids of 1/n each read about (1/n - 1e-4) ln(1e4 / n) in all: near 0
    # for n close to 10,000 (0.011 at 9,000); pooled, an all-new batch reads the same at any size
    monitor = _quiet_fit(pd.DataFrame({"c": [f"order{i:05d}" for i in range(20_000)]}))
    values = []
    for n in (500, 5_000, 9_000, 9_999, 10_001):
        row = monitor.check(pd.DataFrame({"c": [f"new{i:05d}" for i in range(n)]})).table.iloc[0]
        values.append(row["psi"])
    assert values == pytest.approx([values[0]] * len(values), rel=1e-12) and values[0] > 9
    # and a growing share of new ids reads a growing index
    shares = []
    for k in (1_000, 3_000, 6_000):
        batch = [f"order{i:05d}" for i in range(10_000 - k)] + [f"new{i:05d}" for i in range(k)]
        shares.append(monitor.check(pd.DataFrame({"c": batch})).table.iloc[0]["psi"])
    assert shares[0] < shares[1] < shares[2]


def test_unseen_text_names_the_most_frequent_and_counts_the_rest(tmp_path, capsys):
    gen = np.random.default_rng(5)
    monitor = _quiet_fit(pd.DataFrame({"c": gen.choice(["a", "b"], 5_000)}))
    ids = [f"id-{i:05d}" for i in range(5_000)] + ["hot"] * 7 + ["warm"] * 3 + ["x" * 500] * 2
    report = monitor.check(pd.DataFrame({"c": ids}))
    text = report.table.loc[0, "unseen"]
    names = text.split(",")
    assert names[:3] == ["hot", "warm", "x" * 38 + "..." + "x" * 19]  # most frequent first, long names cut
    assert names[3:20] == [f"id-{i:05d}" for i in range(17)] and names[-1] == "... (+4983 more)"
    assert len(text) < 400  # before: 55 KB (550 KB for 50,000 new ids)
    assert report.table.loc[0, "n_unseen"] == 5_003
    # the JSON form holds the same short text, the count as a number and the names in full
    data = json.loads(json.dumps(report.to_dict()))
    assert data["table"][0]["unseen"] == text and data["table"][0]["n_unseen"] == 5_003
    assert data["unseen_names"]["c"][:3] == ["hot", "warm", "x" * 500] and len(data["unseen_names"]["c"]) == 20
    # the CLI: JSON output as the report, the table's few names with the right count
    ref_path, new_path, prof = tmp_path / "ref.csv", tmp_path / "new.csv", tmp_path / "p.npz"
    pd.DataFrame({"c": gen.choice(["a", "b"], 5_000)}).to_csv(ref_path, index=False)
    pd.DataFrame({"c": ids}).to_csv(new_path, index=False)
    assert main(["drift", "fit", str(ref_path), "--out", str(prof)]) == 0
    capsys.readouterr()
    assert main(["drift", "check", str(prof), str(new_path), "--format", "json"]) == 0
    out = capsys.readouterr().out
    assert len(out) < 10_000 and json.loads(out)["table"][0]["unseen"] == text
    assert json.loads(out)["table"][0]["n_unseen"] == 5_003
    # the table shows five of them and counts the rest, the listed and the uncounted alike
    assert _few(report) == [",".join(names[:5]) + ",... (+4998 more)"]


def test_unseen_names_holding_commas_and_long_names_sharing_a_prefix(tmp_path, capsys):
    ref = pd.DataFrame({"city": ["Paris", "Lyon"] * 100})
    monitor = _quiet_fit(ref)
    # three new names, each with a comma: the table cell names all three and counts no more
    batch = pd.DataFrame({"city": ["Paris"] * 50 + ["Portland, OR"] * 3 + ["Salem, OR"] * 2 + ["Springfield, IL"]})
    report = monitor.check(batch)
    assert report.table.loc[0, "n_unseen"] == 3
    assert report.table.loc[0, "unseen"] == '"Portland, OR","Salem, OR","Springfield, IL"'
    assert _few(report) == ['"Portland, OR","Salem, OR","Springfield, IL"']  # before: ... (+1 more) of 3
    # 33 new names, three with commas: five shown, 28 more
    many = pd.DataFrame({"city": [f"Town{i:02d}" for i in range(30)] + ["A, B", "C, D", "E, F"]})
    report = monitor.check(many)
    assert report.table.loc[0, "n_unseen"] == 33 and _few(report)[0].endswith(",... (+28 more)")
    # two long names that differ only at the end stay apart
    long_a, long_b = "customer segment " * 10 + "north", "customer segment " * 10 + "south"
    report = monitor.check(pd.DataFrame({"city": [long_a, long_b] * 3}))
    first, second = report.table.loc[0, "unseen"].split(",")
    assert first != second and first.endswith("north") and second.endswith("south") and len(first) == 60
    # the CLI table cell, from the report's data
    ref.to_csv(tmp_path / "ref.csv", index=False)
    batch.to_csv(tmp_path / "cur.csv", index=False)
    assert main(["drift", "fit", str(tmp_path / "ref.csv"), "--out", str(tmp_path / "p.npz")]) == 0
    capsys.readouterr()
    assert main(["drift", "check", str(tmp_path / "p.npz"), str(tmp_path / "cur.csv")]) == 0
    out = capsys.readouterr().out
    assert "Portland, OR" in out and "more" not in out


def test_identifier_columns_are_named_at_fit_and_still_tested(tmp_path):
    gen = np.random.default_rng(7)
    n = 2_000
    customer = pd.array(list(gen.permutation(n)[: n - 1] + 10_000) + [None], dtype="Int64")  # dense, one NA
    ref = pd.DataFrame({"row_id": np.arange(n), "customer": customer,
                        "order": [f"o-{i}" for i in range(n)], "age": gen.integers(18, 90, n),
                        "x": gen.normal(size=n), "plan": gen.choice(["a", "b"], n),
                        "when": pd.date_range("2024-01-01", periods=n, freq="min")})
    with pytest.warns(ScimlkitWarning, match="identifiers") as caught:
        monitor = DriftMonitor(rng=0, column_types={"when": "numeric"}).fit(ref)
    message = str(next(w.message for w in caught if "identifiers" in str(w.message)))
    assert "'row_id', 'customer', 'order' look like identifiers" in message and "--exclude" in message
    # the warning points at the caller's line, not inside the package
    assert next(w.filename for w in caught if "identifiers" in str(w.message)) == __file__
    assert "'age'" not in message and "'x'" not in message and "'when'" not in message
    assert monitor.profile_.identifier_columns() == ["row_id", "customer", "order"]
    path = monitor.save(tmp_path / "m.npz")  # kept in the file (older files: no numeric column listed)
    assert ReferenceProfile.load(path).identifier_columns() == ["row_id", "customer", "order"]
    # not dropped: the next ids are tested (and alert), the other columns are quiet
    later = ref.assign(row_id=np.arange(n, 2 * n))
    assert monitor.check(later).drifted() == ["row_id"]
    with warnings.catch_warnings():
        warnings.simplefilter("error", ScimlkitWarning)  # no warning for ordinary columns
        DriftMonitor(rng=0).fit(ref[["age", "x", "plan"]])
        ReferenceProfile.from_frame(ref[["row_id"]].iloc[:50])  # too few values to tell


def test_identifier_warning_from_dask_partitions_and_the_cli(tmp_path, capsys):
    dd = pytest.importorskip("dask.dataframe")
    n = 30_000  # compressed partitions: their distinct values are gone after the merge
    ref = pd.DataFrame({"row_id": np.arange(n), "x": np.random.default_rng(1).normal(size=n)})
    with pytest.warns(ScimlkitWarning, match="'row_id' look like identifiers"):
        DriftMonitor(rng=0, sample_size=0).fit(dd.from_pandas(ref, npartitions=2))
    # exact partitions (merged distinct values); a datetime column declared numeric is no id column
    small = ref.iloc[:3_000].assign(when=pd.date_range("2024-01-01", periods=3_000, freq="min"))
    with pytest.warns(ScimlkitWarning, match="column\\(s\\) 'row_id' look like identifiers"):
        monitor = DriftMonitor(rng=0, sample_size=0, column_types={"when": "numeric"})
        monitor.fit(dd.from_pandas(small, npartitions=3))
    assert monitor.profile_.identifier_columns() == ["row_id"]
    ref.to_csv(tmp_path / "ref.csv", index=False)
    assert main(["drift", "fit", str(tmp_path / "ref.csv"), "--out", str(tmp_path / "p.npz")]) == 0
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "warning" in err and "'row_id'" in err


def test_measurements_drawn_from_a_range_are_not_identifiers():
    gen = np.random.default_rng(8)
    for n in (200, 1_000):  # whole numbers nearly all distinct at these sizes, spread thinly over their range
        ref = pd.DataFrame({"price_usd": np.round(gen.lognormal(9.8, 0.6, n)).astype(int),
                            "amount_cents": np.round(gen.lognormal(8, 1.5, n)).astype(int),
                            "age_days": gen.integers(18 * 365, 90 * 365, n),
                            "weight_g": np.round(gen.normal(3400, 500, n)).astype(int)})
        assert ref["price_usd"].nunique() >= 0.95 * n or ref["age_days"].nunique() >= 0.95 * n
        with warnings.catch_warnings():
            warnings.simplefilter("error", ScimlkitWarning)
            assert DriftMonitor(rng=0, sample_size=0).fit(ref).profile_.identifier_columns() == []
    # float32 measurements around 5e7 are whole numbers only because of their precision
    big = pd.DataFrame({"x": gen.normal(5e7, 1e7, 20_000).astype(np.float32)})
    assert ReferenceProfile.from_frame(big, sample_size=0).identifier_columns() == []
    # row numbers with gaps (missing values), order numbers rising with the rows, Int64 ids with NA
    n = 5_000
    ids = pd.DataFrame({"row": np.where(gen.random(n) < 0.3, np.nan, np.arange(n)),
                        "order_no": 10**6 + np.cumsum(gen.integers(1, 50, n)),
                        "member": pd.array(list(gen.permutation(n - 1)) + [None], dtype="Int64"),
                        "uuid": [f"{v:032x}" for v in gen.integers(0, 2**62, n)]})
    with pytest.warns(ScimlkitWarning, match="identifiers"):
        profile = ReferenceProfile.from_frame(ids, sample_size=0)
    assert profile.identifier_columns() == ["row", "order_no", "member", "uuid"]


def test_fit_exclude_leaves_columns_out_and_the_cli_names_identifiers(tmp_path, capsys):
    n = 1_000
    gen = np.random.default_rng(4)
    ref = pd.DataFrame({"row_id": np.arange(n), "x": gen.normal(size=n), "plan": gen.choice(["a", "b"], n)})
    with warnings.catch_warnings():
        warnings.simplefilter("error", ScimlkitWarning)  # nothing left to warn about
        monitor = DriftMonitor(rng=0).fit(ref, exclude=["row_id"])
    assert list(monitor.feature_names_in_) == ["x", "plan"]
    report = monitor.check(ref.assign(row_id=np.arange(n, 2 * n)))  # the batch still holds it: ignored
    assert report.table["column"].tolist() == ["x", "plan"] and report.extra_columns == ("row_id",)
    assert not report.alert and "row_id" not in report.summary()
    assert DriftMonitor(rng=0).fit(ref[["x", "plan"]], exclude="plan").profile_.names == ["x"]
    with pytest.raises(InputError, match="`exclude` names column\\(s\\) 'rowid'"):
        DriftMonitor(rng=0).fit(ref, exclude=["rowid"])
    with pytest.raises(InputError, match="every column"):
        DriftMonitor(rng=0).fit(ref, exclude=["row_id", "x", "plan"])
    ref.to_csv(tmp_path / "ref.csv", index=False)
    prof = str(tmp_path / "p.npz")
    # identifier columns in the output, table and JSON
    assert main(["drift", "fit", str(tmp_path / "ref.csv"), "--out", prof, "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["identifier_columns"] == ["row_id"]
    assert main(["drift", "fit", str(tmp_path / "ref.csv"), "--out", prof, "--exclude", "row_id"]) == 0
    captured = capsys.readouterr()
    assert "identifier_columns" in captured.out and "none" in captured.out and captured.err == ""
    assert main(["drift", "fit", str(tmp_path / "ref.csv"), "--out", prof, "--exclude", "row_id,nope"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "'nope'" in err


def test_dask_identifier_verdict_does_not_depend_on_partitioning():
    dd = pytest.importorskip("dask.dataframe")
    gen = np.random.default_rng(3)
    # five monthly partitions, each customer number once a month: 20 % distinct, no identifiers
    frame = pd.concat([pd.DataFrame({"customer_no": gen.permutation(2_000), "spend": gen.normal(50, 10, 2_000)})
                       for _ in range(5)], ignore_index=True)
    params = dict(rng=0, sample_size=0, max_exact=1_000)  # compressed partitions
    assert DriftMonitor(**params).fit(frame).profile_.identifier_columns() == []
    with warnings.catch_warnings():
        warnings.simplefilter("error", ScimlkitWarning)
        for parts in (5, 2):
            fitted = DriftMonitor(**params).fit(dd.from_pandas(frame, npartitions=parts, sort=False))
            assert fitted.profile_.identifier_columns() == []  # before: ['customer_no'] with 5
    # partitions whose ranges do not overlap: their distinct counts add up, as pandas sees them
    rows = pd.DataFrame({"row_id": np.arange(10_000), "spend": gen.normal(50, 10, 10_000)})
    with pytest.warns(ScimlkitWarning, match="'row_id' look like identifiers"):
        fitted = DriftMonitor(**params).fit(dd.from_pandas(rows, npartitions=4, sort=False))
    assert fitted.profile_.identifier_columns() == ["row_id"]


def test_a_batch_mostly_of_new_categories_is_named_in_the_summary():
    # customer ids about three rows each (29 % distinct): not flagged at fit, but next month's
    # batch is mostly customers the reference never saw, and the summary says so
    gen = np.random.default_rng(2)
    ref = pd.DataFrame({"customer": [f"C{v:06d}" for v in gen.integers(0, 3_000, 10_000)],
                        "plan": gen.choice(["a", "b"], 10_000)})
    monitor = _quiet_fit(ref)
    assert monitor.profile_.identifier_columns() == []
    batch = pd.DataFrame({"customer": [f"C{v:06d}" for v in gen.integers(2_500, 5_500, 5_000)],
                          "plan": gen.choice(["a", "b"], 5_000)})
    report = monitor.check(batch)
    share = report.table.set_index("column")["unseen_share"]
    want = float(np.mean([int(c[1:]) >= 3_000 for c in batch["customer"]]))
    assert share["customer"] == pytest.approx(want, abs=0.01) and share["plan"] == 0.0
    assert "mostly categories the reference never saw: customer (" in report.summary()
    assert "never saw" not in monitor.check(ref.iloc[:5_000]).summary()


def test_a_column_both_excluded_and_typed_is_named_as_such(tmp_path, capsys):
    from scimlkit.drift import DriftMonitor

    ref = pd.DataFrame({"id": np.arange(200), "x": np.random.default_rng(0).normal(size=200)})
    with pytest.raises(InputError, match="'id' named both in `exclude` and in `column_types`"):
        DriftMonitor(column_types={"id": "numeric"}).fit(ref, exclude=["id"])
    ref.to_csv(tmp_path / "ref.csv", index=False)
    rc = main(["drift", "fit", str(tmp_path / "ref.csv"), "--out", str(tmp_path / "p.npz"), "--exclude", "id",
               "--categorical", "id"])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2 and len(err) == 1 and "named both in `exclude`" in err[0]
