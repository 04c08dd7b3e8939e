"""`scimlkit curves fit`: JSON and table output, exit status 2 on bad input."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from scimlkit.cli import main

SIZES = np.array([50, 100, 200, 400, 800, 1600, 3200])


def _write(tmp_path, *, folds=3, bad=None):
    rng = np.random.default_rng(0)
    rows = []
    for n in SIZES:
        for f in range(folds):
            rows.append({"n": n, "acc": 0.92 - 0.9 * n ** -0.5 + rng.normal(0, 0.002), "fold": f})
    frame = pd.DataFrame(rows)
    if bad == "nan":
        frame.loc[3, "acc"] = np.nan
    if bad == "zero":
        frame.loc[0, "n"] = 0
    path = tmp_path / "curve.csv"
    frame.to_csv(path, index=False)
    return path


def test_fit_json(tmp_path, capsys):
    path = _write(tmp_path)
    rc = main(["curves", "fit", str(path), "--size", "n", "--score", "acc", "--target", "0.95",
               "--at", "100000", "--family", "pow3,pow2", "--family", "last", "--n-bootstrap", "30",
               "--format", "json"])
    out = capsys.readouterr().out
    assert rc == 0
    data = json.loads(out)
    assert data["family"] in {"pow3", "pow2", "last"} or data["family"].startswith("weighted(")
    assert list(data["weights"]) == data["members"]
    assert sum(data["weights"].values()) == pytest.approx(1.0, abs=1e-12)
    assert {r["family"] for r in data["ranking"]} == {"pow3", "pow2", "last"}
    assert data["prediction"]["size"] == 100000
    assert data["prediction"]["low"] <= data["prediction"]["score"] <= data["prediction"]["high"]
    assert data["samples_needed"]["target"] == 0.95
    if data["family"] == "pow3":
        assert data["samples_needed"]["reachable"] is False


def test_fit_table(tmp_path, capsys):
    path = _write(tmp_path, folds=1)
    rc = main(["curves", "fit", str(path), "--size", "n", "--score", "acc", "--target", "0.91",
               "--n-bootstrap", "20"])
    out = capsys.readouterr().out
    assert rc == 0
    assert "samples needed" in out and "families" in out


@pytest.mark.parametrize(
    "extra, bad, match",
    [
        (["--score", "nope"], None, "column 'nope' not found"),
        (["--score", "acc"], "zero", "positive"),
        (["--score", "acc", "--family", "pow9"], None, "unknown family"),
        (["--score", "acc", "--n-bootstrap", "-3"], None, "n_bootstrap"),
        (["--score", "acc", "--at", "-5"], None, "positive"),
        (["--score", "acc", "--select", "best"], None, "invalid choice"),
    ],
)
def test_bad_input_exits_2(tmp_path, capsys, extra, bad, match):
    path = _write(tmp_path, bad=bad)
    rc = main(["curves", "fit", str(path), "--size", "n", *extra])
    err = capsys.readouterr().err
    assert rc == 2
    assert match in err and len(err.strip().splitlines()) == 1


def test_missing_file_exits_2(tmp_path, capsys):
    rc = main(["curves", "fit", str(tmp_path / "missing.csv"), "--size", "n", "--score", "acc"])
    assert rc == 2 and "does not exist" in capsys.readouterr().err


@pytest.mark.parametrize("family", [["--family", "all"], ["--family", "ALL"], ["--family", "pow3,all"]])
def test_family_all_is_accepted(tmp_path, capsys, family):
    path = _write(tmp_path)
    rc = main(["curves", "fit", str(path), "--size", "n", "--score", "acc", *family, "--n-bootstrap", "0",
               "--format", "json"])
    captured = capsys.readouterr()
    assert rc == 0, captured.err
    data = json.loads(captured.out)
    assert "mmf4" in {r["family"] for r in data["ranking"]}  # every family was tried


def test_fit_refuses_a_report_that_is_its_table(tmp_path, capsys):
    path = tmp_path / "curve.html"
    path.write_bytes(_write(tmp_path).read_bytes())
    before = path.read_bytes()
    rc = main(["curves", "fit", str(path), "--size", "n", "--score", "acc", "--report", str(path)])
    err = capsys.readouterr().err
    assert rc == 2 and err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("scimlkit: error: --report '") and str(path) in err and "same file" in err
    assert path.read_bytes() == before
