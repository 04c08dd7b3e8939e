"""`scimlkit experiment srm` and `scimlkit experiment sequential`: table, JSON, exit status."""

import json

import numpy as np
import pytest
from scipy import stats

from scimlkit.cli import main
from scimlkit.experiment import sequential_boundaries, sequential_decision


def run_json(capsys, argv, code=0):
    rc = main([*argv, "--format", "json"])
    out = capsys.readouterr()
    assert rc == code, out.err
    return json.loads(out.out)


def test_srm_by_name_and_by_order(capsys):
    data = run_json(capsys, ["experiment", "srm", "control=50000,treatment=50600"])
    # scipy.stats.chisquare([50000, 50600])
    ref = stats.chisquare([50000, 50600])
    assert data["arms"] == ["control", "treatment"] and not data["mismatch"]
    assert data["pvalue"] == pytest.approx(ref.pvalue, rel=1e-12)
    data = run_json(capsys, ["experiment", "srm", "9000,1150", "--allocation", "90,10", "--alpha", "0.01"])
    ref = stats.chisquare([9000, 1150], f_exp=[9135.0, 1015.0])
    assert data["pvalue"] == pytest.approx(ref.pvalue, rel=1e-12) and data["mismatch"] and data["alpha"] == 0.01
    assert main(["experiment", "srm", "control=5000,treatment=5100"]) == 0
    out = capsys.readouterr().out
    assert "sample ratio: ok" in out and "5100" in out


def test_srm_fail_on_mismatch_exits_1(capsys):
    assert main(["experiment", "srm", "a=5000,b=6000", "--fail-on-mismatch"]) == 1
    assert "MISMATCH" in capsys.readouterr().out
    assert main(["experiment", "srm", "a=5000,b=6000", "--allocation", "a=5,b=6", "--fail-on-mismatch"]) == 0
    capsys.readouterr()


@pytest.mark.parametrize(("argv", "needle"), [
    (["a=5,b=6=7"], "'b=6=7' has more than one '='"),
    (["=5,=6"], "'=5' has an empty arm name"),
    (["a=5,b=6", "--allocation", "a=1,=1"], "`--allocation` entry '=1' has an empty arm name"),
    (["5"], "a count per arm"),
    (["5,x"], "'x' is not a number"),
    (["a=5,b=-1"], "`counts`"),
    (["a=5,b=6.5"], "whole-number"),
    (["a=5,b=6", "--allocation", "a=1,c=1"], "same arms"),
    (["a=5,b=6", "--allocation", "1,0"], "positive"),
    (["a=5,b=6", "--alpha", "2"], "`alpha`"),
])
def test_srm_bad_input_exits_2(capsys, argv, needle):
    assert main(["experiment", "srm", *argv]) == 2
    err = capsys.readouterr().err
    assert needle in err and len(err.strip().splitlines()) == 1


def test_sequential_boundaries_match_the_api(capsys):
    data = run_json(capsys, ["experiment", "sequential", "--looks", "3", "--spending", "pocock"])
    plan = sequential_boundaries(3, spending="pocock")
    np.testing.assert_allclose(data["boundaries"], plan.boundaries, rtol=1e-12)
    assert data["inflation_factor"] == pytest.approx(plan.inflation_factor(0.8), rel=1e-9)
    # the default plan: five equally spaced looks, the published O'Brien-Fleming-type values
    data = run_json(capsys, ["experiment", "sequential"])
    assert np.round(data["boundaries"], 3).tolist() == [4.877, 3.357, 2.68, 2.29, 2.031]
    data = run_json(capsys, ["experiment", "sequential", "--information", "0.3,0.6", "1", "--sides", "1",
                             "--alpha", "0.025"])
    ref = sequential_boundaries([0.3, 0.6, 1.0], alpha=0.025, sides=1)
    np.testing.assert_allclose(data["boundaries"], ref.boundaries, rtol=1e-12)
    assert main(["experiment", "sequential", "--looks", "4"]) == 0
    out = capsys.readouterr().out
    assert "maximum sample size" in out and "cumulative_alpha" in out


def test_sequential_decision_and_negative_z(capsys):
    data = run_json(capsys, ["experiment", "sequential", "--z", "1.2", "2.9", "3.1", "--looks", "4"])
    ref = sequential_decision([1.2, 2.9, 3.1], looks=4)
    assert data["decisions"] == list(ref.decisions) and data["stopped_at"] == 3
    data = run_json(capsys, ["experiment", "sequential", "--z=-4.5,1", "--looks", "4"])
    assert data["decisions"] == ["stop: treatment worse", "after stop"]
    assert main(["experiment", "sequential", "--z", "1.0", "2.5", "--information", "0.3", "0.7"]) == 0
    assert "decision: stop: efficacy at look 2" in capsys.readouterr().out


@pytest.mark.parametrize(("argv", "needle"), [
    (["--z", "1", "2"], "`--looks`"),
    (["--looks", "3", "--information", "0.5", "1"], "not both"),
    (["--looks", "0"], "`--looks`"),
    (["--z", "1", "abc", "--looks", "3"], "'abc' is not a number"),
    (["--information", "0.5", "0.4"], "strictly increasing"),
    (["--looks", "3", "--alpha", "0"], "`alpha`"),
    (["--z", "1", "2", "3", "--looks", "2"], "plans only 2"),
    (["--spending", "linear"], "invalid choice"),
    (["--information", "0.3", "0.6"], "`--information` must end with the final analysis at information 1"),
    (["--information", "0.5", "0.4", "1"], "`--information` must be strictly increasing"),
    (["--information", "0", "1"], "`--information` must be positive"),
    (["--information", "0.5", "1", "1.2"], "`--information` are information fractions"),
    (["--z", "1", "2", "--information", "0.5", "1", "1.2"], "`--information` are information fractions"),
    (["--z", "1", "--information", "0.3", "0.6"], "`--z` and `--information` must give one value per look"),
    (["--z", "1", "2", "--looks", "3", "--power", "0.9"], "`--power` applies to a plan"),
    # a plan past its planned size has no inflation factor: the power must not be dropped silently
    (["--information", "0.5", "1.2", "--power", "0.9"], "`--power` compares the maximum sample size"),
    # the end is shown as given, not rounded to 1
    (["--information", "0.5", "1.000001", "--power", "0.9"], "`--information` ends at 1.000001"),
])
def test_sequential_bad_input_exits_2(capsys, argv, needle):
    assert main(["experiment", "sequential", *argv]) == 2
    err = capsys.readouterr().err
    assert needle in err and len(err.strip().splitlines()) == 1


def test_sequential_report(tmp_path, capsys):
    data = run_json(capsys, ["experiment", "sequential", "--z", "1.2", "2.9", "3.1", "--looks", "4",
                             "--report", str(tmp_path / "seq.html")])
    assert data["stopped_at"] == 3 and data["report"] == str(tmp_path / "seq.html")
    html = (tmp_path / "seq.html").read_text(encoding="utf-8")
    assert "Sequential decision" in html and "<svg" in html
    assert main(["experiment", "sequential", "--looks", "3", "--report", str(tmp_path / "plan")]) == 0
    assert "report:" in capsys.readouterr().out and (tmp_path / "plan" / "index.html").exists()


def test_sequential_options_given_twice_are_all_used(capsys):
    # `--z 1.2 --z 3.5` is two looks, as `--z 1.2 3.5` is (not the last option alone)
    data = run_json(capsys, ["experiment", "sequential", "--z", "1.2", "--z", "3.5", "--looks", "3"])
    ref = sequential_decision([1.2, 3.5], looks=3)
    assert data["z"] == [1.2, 3.5] and data["decisions"] == list(ref.decisions)
    data = run_json(capsys, ["experiment", "sequential", "--information", "0.3", "--information", "0.6,1"])
    np.testing.assert_allclose(data["boundaries"], sequential_boundaries([0.3, 0.6, 1.0]).boundaries, rtol=1e-12)
    data = run_json(capsys, ["experiment", "sequential", "--z", "1", "2.9", "--information", "0.4",
                             "--information", "0.7"])
    assert data["information"] == [0.4, 0.7] and data["stopped_at"] == 2


def test_sequential_power_sets_the_inflation_of_a_plan(capsys):
    data = run_json(capsys, ["experiment", "sequential", "--looks", "3", "--power", "0.9"])
    assert data["inflation_power"] == 0.9
    assert data["inflation_factor"] == pytest.approx(sequential_boundaries(3).inflation_factor(0.9), rel=1e-9)
    # a plan running past its planned size has no factor, and so no power beside it
    data = run_json(capsys, ["experiment", "sequential", "--information", "0.5", "1.2"])
    assert data["inflation_factor"] is None and data["inflation_power"] is None
