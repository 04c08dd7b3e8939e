"""`scimlkit experiment analyze`: table and JSON output, exit status 2 on bad input."""

import json

import numpy as np
import pandas as pd
import pytest

from scimlkit._errors import DegenerateDataWarning
from scimlkit.cli import main
from scimlkit.experiment import analyze


@pytest.fixture(scope="module")
def data_file(tmp_path_factory):
    rng = np.random.default_rng(3)
    n = 3000
    arm = rng.choice(["control", "B"], size=n)
    pre = rng.normal(10, 3, n)
    frame = pd.DataFrame({"arm": arm, "converted": (rng.random(n) < np.where(arm == "B", 0.13, 0.10)).astype(int),
                          "revenue": pre + rng.normal(0, 2, n) + np.where(arm == "B", 0.3, 0.0), "pre": pre})
    path = tmp_path_factory.mktemp("cli") / "experiment.csv"
    frame.to_csv(path, index=False)
    return path, frame


def test_json_output_matches_api(data_file, capsys):
    path, frame = data_file
    rc = main(["experiment", "analyze", str(path), "--group", "arm", "--metric", "converted,revenue",
               "--covariate", "pre", "--alpha", "0.1", "--format", "json"])
    assert rc == 0
    out = json.loads(capsys.readouterr().out)
    ref = analyze(frame, group="arm", metric=["converted", "revenue"], covariate="pre", alpha=0.1)
    rows = out["comparisons"]
    assert [r["metric"] for r in rows] == ["converted", "revenue"]
    for row, want in zip(rows, ref.comparisons.itertuples()):
        assert row["pvalue"] == pytest.approx(want.pvalue, rel=1e-9)
        assert row["lift_low"] == pytest.approx(want.lift_low, rel=1e-9)
    assert out["srm"]["df"] == 1 and out["alpha"] == 0.1 and out["covariate"] == "pre"


def test_table_output(data_file, capsys):
    path, _ = data_file
    rc = main(["experiment", "analyze", str(path), "--group", "arm", "--metric", "revenue",
               "--control", "control", "--adjust", "bh"])
    out = capsys.readouterr().out
    assert rc == 0
    assert "revenue" in out and "sample ratio: ok" in out
    # one-sided: the open end of the lift interval reads +inf
    assert main(["experiment", "analyze", str(path), "--group", "arm", "--metric", "revenue",
                 "--alternative", "larger"]) == 0
    out = capsys.readouterr().out
    assert "+inf]" in out and "inf%" not in out


def test_table_shows_the_difference_where_the_lift_is_undefined(tmp_path, capsys):
    # a metric around zero (a profit, a change) has no relative lift; the difference is the effect
    rng = np.random.default_rng(6)
    arm = rng.choice(["control", "B"], 800)
    frame = pd.DataFrame({"arm": arm, "profit": rng.normal(np.where(arm == "B", 0.25, -0.1), 1.0)})
    path = tmp_path / "profit.csv"
    frame.to_csv(path, index=False)
    with pytest.warns(DegenerateDataWarning, match="mean <= 0"):
        ref = analyze(frame, group="arm", metric="profit").comparisons.iloc[0]
    assert main(["experiment", "analyze", str(path), "--group", "arm", "--metric", "profit"]) == 0
    out = capsys.readouterr().out
    assert "n/a [n/a, n/a]" in out
    assert f"{ref.difference:+.4g} [{ref.low:+.4g}, {ref.high:+.4g}]" in out


@pytest.mark.parametrize(
    ("extra", "match"),
    [
        (["--metric", "nope"], "column 'nope' not found"),
        (["--metric", "revenue", "--covariate", "missing"], "column 'missing' not found"),
        (["--metric", "revenue", "--alpha", "1.5"], "alpha"),
        (["--metric", "revenue", "--alpha", "abc"], "invalid"),
        (["--metric", "revenue", "--control", "Z"], "control"),
        (["--metric", "revenue", "--kind", "binary"], "0 and 1"),
    ],
)
def test_bad_input_exits_2(data_file, capsys, extra, match):
    path, _ = data_file
    rc = main(["experiment", "analyze", str(path), "--group", "arm", *extra])
    err = capsys.readouterr().err
    assert rc == 2
    assert match in err and len(err.strip().splitlines()) == 1


def test_missing_file_and_group(tmp_path, capsys):
    assert main(["experiment", "analyze", str(tmp_path / "none.csv"), "--group", "g", "--metric", "y"]) == 2
    assert "does not exist" in capsys.readouterr().err
    path = tmp_path / "one.csv"
    pd.DataFrame({"g": ["a"] * 5, "y": np.arange(5.0)}).to_csv(path, index=False)
    assert main(["experiment", "analyze", str(path), "--group", "g", "--metric", "y"]) == 2
    assert "single group" in capsys.readouterr().err
    assert main(["experiment", "analyze", str(path), "--metric", "y"]) == 2  # --group is required


def test_planned_unequal_allocation(tmp_path, capsys):
    # a designed 90/10 split is not a sample-ratio mismatch once the split is given
    rng = np.random.default_rng(8)
    arm = np.where(rng.random(5000) < 0.9, "control", "treatment")
    path = tmp_path / "split.csv"
    pd.DataFrame({"arm": arm, "y": rng.random(5000) < 0.1}).astype({"y": int}).to_csv(path, index=False)
    base = ["experiment", "analyze", str(path), "--group", "arm", "--metric", "y"]
    assert main(base) == 0
    assert "MISMATCH" in capsys.readouterr().out
    for allocation in ("control=0.9,treatment=0.1", "9,1"):
        assert main([*base, "--allocation", allocation, "--format", "json"]) == 0
        srm = json.loads(capsys.readouterr().out)["srm"]
        assert srm["expected_fraction"] == pytest.approx([0.9, 0.1]) and not srm["mismatch"]
    for bad, match in (("control=0.9", "a weight per arm"), ("control=0.9,B=0.1", "same arms"),
                       ("9,x", "not a number"), ("control=1,9", "every arm"), ("9,-1", "positive"),
                       ("control=1,control=2", "twice"), ("1,1,1", "one weight per arm")):
        assert main([*base, "--allocation", bad]) == 2
        err = capsys.readouterr().err
        assert match in err and len(err.strip().splitlines()) == 1


def test_every_adjustment_reaches_the_cli(data_file, capsys):
    from statsmodels.stats.multitest import multipletests

    path, frame = data_file
    metrics = ["converted", "revenue", "pre"]
    raw = analyze(frame, group="arm", metric=metrics, adjust="none").comparisons["pvalue"].to_numpy()
    for adjust, sm_method in [("hommel", "hommel"), ("hochberg", "simes-hochberg"), ("holm-sidak", "holm-sidak")]:
        rc = main(["experiment", "analyze", str(path), "--group", "arm", "--metric", ",".join(metrics),
                   "--adjust", adjust, "--format", "json"])
        assert rc == 0
        out = json.loads(capsys.readouterr().out)
        assert out["adjust"] == adjust
        # statsmodels.stats.multitest.multipletests(raw, method=sm_method)[1]
        np.testing.assert_allclose([r["pvalue_adjusted"] for r in out["comparisons"]],
                                   multipletests(raw, method=sm_method)[1], rtol=1e-9)


def test_control_and_allocation_on_a_float_group_column(tmp_path, capsys):
    # a group column read as floats (0.0 / 1.0): `--control 0` names the arm 0.0, as
    # `--allocation 0=1,1=3` does
    path = tmp_path / "float_arms.csv"
    pd.DataFrame({"g": [0.0] * 50 + [1.0] * 150, "m": np.tile([0.0, 1.0], 100)}).to_csv(path, index=False)
    rc = main(["experiment", "analyze", str(path), "--group", "g", "--metric", "m", "--control", "1",
               "--allocation", "0=1,1=3", "--format", "json"])
    out = json.loads(capsys.readouterr().out)
    assert rc == 0 and out["control"] == "1.0" and out["srm"]["expected_fraction"] == pytest.approx([0.75, 0.25])


def test_text_arms_written_like_one_number_are_two_arms(tmp_path, capsys):
    path = tmp_path / "text_arms.parquet"
    pd.DataFrame({"g": ["2"] * 60 + ["2.0"] * 140, "m": np.tile([0.0, 1.0], 100)}).to_parquet(path)
    rc = main(["experiment", "analyze", str(path), "--group", "g", "--metric", "m", "--format", "json"])
    out = json.loads(capsys.readouterr().out)
    assert rc == 0 and out["arms"] == ["2", "2.0"] and out["srm"]["observed"] == [60, 140]


def test_boolean_arms_named_as_the_file_writes_them(tmp_path, capsys):
    # a CSV column of true/false is read as booleans; its arms are named true/false (as written),
    # True/False or 1/0 in both --control and --allocation
    rng = np.random.default_rng(5)
    frame = pd.DataFrame({"arm": np.where(rng.random(600) < 0.45, "true", "false"), "y": rng.normal(10, 2, 600)})
    path = tmp_path / "bool.csv"
    frame.to_csv(path, index=False)
    for control, allocation in (("false", "true=0.4,false=0.6"), ("0", "1=0.4,0=0.6"), ("False", "True=0.4,False=0.6")):
        rc = main(["experiment", "analyze", str(path), "--group", "arm", "--metric", "y", "--control", control,
                   "--allocation", allocation, "--format", "json"])
        out = json.loads(capsys.readouterr().out)
        assert rc == 0 and out["control"] == "False"
        assert dict(zip(out["srm"]["arms"], out["srm"]["expected_fraction"])) == pytest.approx(
            {"True": 0.4, "False": 0.6})


def test_analyze_refuses_a_report_that_is_its_table(data_file, tmp_path, capsys):
    path = tmp_path / "experiment.html"
    path.write_bytes(data_file[0].read_bytes())
    before = path.read_bytes()
    rc = main(["experiment", "analyze", str(path), "--group", "arm", "--metric", "converted", "--report", str(path)])
    err = capsys.readouterr().err
    assert rc == 2 and err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("scimlkit: error: --report '") and str(path) in err and "same file" in err
    assert path.read_bytes() == before
