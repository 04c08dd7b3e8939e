"""New categories and identifier-like columns: PSI, the ``unseen`` list, the warning at fit."""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pandas as pd
import pytest

from scimlkit._errors import ScimlkitWarning
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


def test_psi_counts_the_new_categories_as_one_bin_against_the_floor():
    gen = np.random.default_rng(3)
    ref = pd.DataFrame({"c": gen.choice(["a", "b", "c"], 9_000, p=[0.5, 0.3, 0.2])})
    monitor = _quiet_fit(ref)
    p = ref["c"].value_counts(normalize=True).reindex(["a", "b", "c"]).tolist()
    # a batch of 2,000 distinct new categories (each below the floor) and nothing else
    row = monitor.check(pd.DataFrame({"c": [f"new{i}" for i in range(2_000)]})).table.iloc[0]
    assert row["psi"] == pytest.approx(_psi(p + [0.0], [0.0, 0.0, 0.0, 1.0]), rel=1e-12)  # before: 9.47
    assert row["alert"] and row["js_distance"] == pytest.approx(1.0)
    # half of the batch new: a, b, c keep their bins, the new categories share one
    batch = pd.concat([ref["c"].iloc[:1_000], pd.Series([f"new{i}" for i in range(1_000)])], ignore_index=True)
    q = (batch.value_counts(normalize=True).reindex(["a", "b", "c"]).tolist() + [0.5])
    row = monitor.check(pd.DataFrame({"c": batch})).table.iloc[0]
    assert row["psi"] == pytest.approx(_psi(p + [0.0], q), rel=1e-12)


def test_unseen_text_names_the_most_frequent_and_counts_the_rest(tmp_path, capsys):
    gen = np.random.default_rng(5)
    monitor = _quiet_fit(pd.DataFrame({"c": gen.choice(["a", "b"], 5_000)}))
    ids = [f"id-{i:05d}" for i in range(5_000)] + ["hot"] * 7 + ["warm"] * 3 + ["x" * 500] * 2
    report = monitor.check(pd.DataFrame({"c": ids}))
    text = report.table.loc[0, "unseen"]
    names = text.split(",")
    assert names[:3] == ["hot", "warm", "x" * 57 + "..."]  # most frequent first, long names cut
    assert names[3:20] == [f"id-{i:05d}" for i in range(17)] and names[-1] == "... (+4983 more)"
    assert len(text) < 400  # before: 55 KB (550 KB for 50,000 new ids)
    json.dumps(report.to_dict())  # the JSON form holds the same short text
    # the CLI: JSON output as the report, the table's few names with the right count
    ref_path, new_path, prof = tmp_path / "ref.csv", tmp_path / "new.csv", tmp_path / "p.npz"
    pd.DataFrame({"c": gen.choice(["a", "b"], 5_000)}).to_csv(ref_path, index=False)
    pd.DataFrame({"c": ids}).to_csv(new_path, index=False)
    assert main(["drift", "fit", str(ref_path), "--out", str(prof)]) == 0
    capsys.readouterr()
    assert main(["drift", "check", str(prof), str(new_path), "--format", "json"]) == 0
    out = capsys.readouterr().out
    assert len(out) < 10_000 and json.loads(out)["table"][0]["unseen"] == text
    # the table shows five of them and counts the rest, the listed and the uncounted alike
    assert _few(text) == ",".join(names[:5]) + ",... (+4998 more)"
    assert _few("a,b") == "a,b"


def test_identifier_columns_are_named_at_fit_and_still_tested(tmp_path):
    gen = np.random.default_rng(7)
    n = 2_000
    ref = pd.DataFrame({"row_id": np.arange(n), "customer": pd.array(gen.permutation(10 * n)[:n], dtype="Int64"),
                        "order": [f"o-{i}" for i in range(n)], "age": gen.integers(18, 90, n),
                        "x": gen.normal(size=n), "plan": gen.choice(["a", "b"], n),
                        "when": pd.date_range("2024-01-01", periods=n, freq="min")})
    with pytest.warns(ScimlkitWarning, match="identifiers") as caught:
        monitor = DriftMonitor(rng=0, column_types={"when": "numeric"}).fit(ref)
    message = str(next(w.message for w in caught if "identifiers" in str(w.message)))
    assert "'row_id', 'customer', 'order' look like identifiers" in message and "drop them" in message
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
