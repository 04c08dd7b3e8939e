"""`scimlkit experiment size` and `compare-models`, the design part of the demo, and its figure."""

import json

import numpy as np
import pandas as pd
import pytest

from scimlkit.cli import main
from scimlkit.experiment import delong_test, mcnemar_test, power_means, power_proportions


def run_json(capsys, argv):
    rc = main([*argv, "--format", "json"])
    out = capsys.readouterr()
    assert rc == 0, out.err
    return json.loads(out.out)


def test_size_solves_n(capsys):
    data = run_json(capsys, ["experiment", "size", "--baseline", "0.05", "--mde", "0.10", "--relative"])
    ref = power_proportions(0.05, mde=0.10, relative=True, power=0.8)
    assert data["solved_for"] == "n"
    assert data["n_control_required"] == ref.n_control_required == 31234
    assert data["n_control"] == pytest.approx(ref.n_control)


def test_size_solves_power_and_mde(capsys):
    data = run_json(capsys, ["experiment", "size", "--baseline", "0.1", "--mde", "0.01", "--n", "5000",
                             "--ratio", "2", "--sides", "1", "--alpha", "0.1"])
    ref = power_proportions(0.1, mde=0.01, n=5000, ratio=2, sides=1, alpha=0.1)
    assert data["solved_for"] == "power" and data["power"] == pytest.approx(ref.power)
    data = run_json(capsys, ["experiment", "size", "--baseline", "0.1", "--n", "5000", "--power", "0.9",
                             "--method", "arcsine"])
    ref = power_proportions(0.1, n=5000, power=0.9, method="arcsine")
    assert data["solved_for"] == "mde" and data["mde"] == pytest.approx(ref.mde)
    data = run_json(capsys, ["experiment", "size", "--metric", "mean", "--mde", "2", "--sd", "10"])
    assert data["n_control"] == pytest.approx(power_means(mde=2, sd=10, power=0.8).n_control)


def test_size_solves_alpha(capsys):
    # all of --mde, --n and --power without --alpha: the significance level is solved for
    data = run_json(capsys, ["experiment", "size", "--metric", "mean", "--mde", "0.5", "--n", "50",
                             "--power", "0.8", "--sides", "1"])
    ref = power_means(mde=0.5, n=50, power=0.8, alpha=None, sides=1)
    assert data["solved_for"] == "alpha" and data["alpha"] == pytest.approx(ref.alpha, rel=1e-12)
    assert data["power"] == 0.8 and 0.04 < data["alpha"] < 0.06
    assert main(["experiment", "size", "--baseline", "0.1", "--mde", "0.02", "--n", "3000",
                 "--power", "0.8"]) == 0
    assert "alpha" in capsys.readouterr().out


def test_size_solves_a_small_alpha(capsys):
    # statsmodels: TTestIndPower().solve_power(effect_size=0.2, nobs1=1000, alpha=None, power=0.8)
    # = 2.93e-4 (its root finder stops early; its power at the solved alpha is 0.8)
    from statsmodels.stats.power import TTestIndPower

    data = run_json(capsys, ["experiment", "size", "--metric", "mean", "--mde", "0.2", "--n", "1000",
                             "--power", "0.8"])
    assert data["alpha"] == pytest.approx(2.93e-4, rel=1e-2)
    assert TTestIndPower().power(0.2, 1000, data["alpha"]) == pytest.approx(0.8, rel=1e-9)


def test_size_table_output(capsys):
    assert main(["experiment", "size", "--baseline", "0.05", "--mde", "0.005"]) == 0
    out = capsys.readouterr().out
    assert "n_control_required" in out and "31234" in out


@pytest.mark.parametrize("argv,needle", [
    (["--baseline", "0.05", "--mde", "0.1", "--alpha", "1.5"], "`alpha`"),
    (["--baseline", "1.5", "--mde", "0.1"], "`baseline`"),
    (["--baseline", "0.05", "--mde", "0.01", "--power", "1.2"], "`power`"),
    (["--baseline", "0.05", "--n", "-5"], "`n`"),
    (["--baseline", "0.05"], "--mde"),
    (["--mde", "0.01"], "--baseline"),
    (["--baseline", "0.05", "--mde", "0.01", "--n", "100", "--power", "0.8", "--alpha", "0.05"], "at most two"),
    (["--baseline", "0.05", "--mde", "abc"], "invalid float"),
    (["--baseline", "0.05", "--mde", "0.01", "--sides", "3"], "invalid choice"),
    (["--metric", "mean", "--mde", "0.5", "--method", "arcsine"], "apply to proportions"),
])
def test_size_bad_input_exits_2(capsys, argv, needle):
    rc = main(["experiment", "size", *argv])
    err = capsys.readouterr().err
    assert rc == 2
    assert needle in err
    assert len(err.strip().splitlines()) == 1


@pytest.fixture
def scores_file(tmp_path):
    rng = np.random.default_rng(4)
    n = 400
    y = rng.integers(0, 2, n)
    a = 1 / (1 + np.exp(-(y * 1.2 + rng.normal(0, 1, n) - 0.6)))
    b = 1 / (1 + np.exp(-(y * 2.0 + rng.normal(0, 1, n) - 1.0)))
    path = tmp_path / "scores.csv"
    pd.DataFrame({"label": y, "old": a, "new": b}).to_csv(path, index=False)
    return path, y, a, b


def test_compare_models_json(capsys, scores_file):
    path, y, a, b = scores_file
    data = run_json(capsys, ["experiment", "compare-models", str(path), "--label", "label",
                             "--score-a", "old", "--score-b", "new"])
    ref = delong_test(y, a, b)
    assert data["delong"]["auc_b"] == pytest.approx(ref.auc_b)
    assert data["delong"]["pvalue"] == pytest.approx(ref.pvalue)
    assert data["delong"]["ci95_low"] == pytest.approx(ref.confidence_interval()[0])
    mc = mcnemar_test(y, (a >= 0.5).astype(int), (b >= 0.5).astype(int))
    assert data["mcnemar"]["pvalue"] == pytest.approx(mc.pvalue)
    assert data["mcnemar"]["threshold"] == 0.5
    data = run_json(capsys, ["experiment", "compare-models", str(path), "--label", "label",
                             "--score-a", "old", "--score-b", "new", "--threshold", "0.3"])
    mc = mcnemar_test(y, (a >= 0.3).astype(int), (b >= 0.3).astype(int))
    assert data["mcnemar"]["only_b_correct"] == mc.only_b_correct


def test_compare_models_string_labels_with_pos_label(capsys, tmp_path, scores_file):
    path, y, a, b = scores_file
    named = tmp_path / "named.csv"
    pd.read_csv(path).assign(label=np.where(y == 1, "churned", "stayed")).to_csv(named, index=False)
    argv = ["experiment", "compare-models", str(named), "--label", "label", "--score-a", "old",
            "--score-b", "new"]
    data = run_json(capsys, [*argv, "--pos-label", "churned"])
    ref = delong_test(y, a, b)
    assert data["delong"]["auc_a"] == pytest.approx(ref.auc_a)
    assert data["delong"]["pvalue"] == pytest.approx(ref.pvalue)
    mc = mcnemar_test(y, (a >= 0.5).astype(int), (b >= 0.5).astype(int))
    assert data["mcnemar"]["accuracy_b"] == pytest.approx(mc.accuracy_b)
    # the other class as positive: the scores rank the wrong way round
    flipped = run_json(capsys, [*argv, "--pos-label", "stayed"])
    assert flipped["delong"]["auc_a"] == pytest.approx(1.0 - ref.auc_a)
    # 0/1 labels still work, and a label that is not there is named in one line
    assert run_json(capsys, ["experiment", "compare-models", str(path), "--label", "label", "--score-a", "old",
                             "--score-b", "new", "--pos-label", "1"])["delong"]["auc_b"] == pytest.approx(ref.auc_b)
    for extra, needle in (([], "--pos-label"), (["--pos-label", "churn"], "'churn' is not a label")):
        assert main([*argv, *extra]) == 2
        err = capsys.readouterr().err
        assert needle in err and err.count("\n") == 1


def test_compare_models_table(capsys, scores_file):
    path = scores_file[0]
    assert main(["experiment", "compare-models", str(path), "--label", "label",
                 "--score-a", "old", "--score-b", "new"]) == 0
    out = capsys.readouterr().out
    assert "DeLong" in out and "McNemar" in out


def test_compare_models_bad_input_exits_2(capsys, tmp_path, scores_file):
    path = scores_file[0]
    frame = pd.read_csv(path)
    cases = []
    missing = ["experiment", "compare-models", str(path), "--label", "nope", "--score-a", "old",
               "--score-b", "new"]
    cases.append((missing, "nope"))
    with_nan = tmp_path / "nan.csv"
    frame.assign(old=frame["old"].where(frame.index != 3)).to_csv(with_nan, index=False)
    cases.append((["experiment", "compare-models", str(with_nan), "--label", "label", "--score-a", "old",
                   "--score-b", "new"], "NaN"))
    one_class = tmp_path / "one.csv"
    frame.assign(label=1).to_csv(one_class, index=False)
    cases.append((["experiment", "compare-models", str(one_class), "--label", "label", "--score-a", "old",
                   "--score-b", "new"], "single class"))
    cases.append((["experiment", "compare-models", str(tmp_path / "absent.csv"), "--label", "label",
                   "--score-a", "old", "--score-b", "new"], "does not exist"))
    for argv, needle in cases:
        rc = main(argv)
        err = capsys.readouterr().err
        assert rc == 2, argv
        assert needle in err
        assert len(err.strip().splitlines()) == 1


def test_design_demo_part_and_figure(tmp_path):
    from scimlkit._report import Chapter, render_report
    from scimlkit.experiment._demo import _design_part
    from scimlkit.experiment._report import power_curve_figure

    chapter = Chapter("experiment", "design")
    _design_part(chapter, np.random.default_rng(0), quick=True)
    kinds = [b["kind"] for b in chapter.blocks]
    assert kinds.count("figure") >= 1 and kinds.count("table") >= 3
    assert any("31,234" in line for line in chapter.summary)
    assert any("DeLong" in line for line in chapter.summary)
    path = render_report([chapter], tmp_path / "report")
    assert "<svg" in path.read_text()
    fig = power_curve_figure([100, 200, 300], [0.2, 0.5, 0.7], target_power=0.8, design_value=250)
    assert len(fig.axes) == 1 and len(fig.axes[0].lines) == 3


def test_compare_models_refuses_a_report_that_is_its_table(scores_file, tmp_path, capsys):
    path = tmp_path / "scores.html"
    path.write_bytes(scores_file[0].read_bytes())
    before = path.read_bytes()
    rc = main(["experiment", "compare-models", str(path), "--label", "label", "--score-a", "old", "--score-b", "new",
               "--report", str(path)])
    err = capsys.readouterr().err
    assert rc == 2 and err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("scimlkit: error: --report '") and str(path) in err and "same file" in err
    assert path.read_bytes() == before
