"""The orientation of scores whose range allows one reading only (negated losses, R² around 0,
losses above 100), on a plateau or against the trend."""

import json

import numpy as np
import pytest

from scimlkit import DegenerateDataWarning, InputError
from scimlkit.cli import main
from scimlkit.curves import fit_curve

N = np.array([20, 40, 80, 160, 320, 640, 1280])


def test_negated_loss_on_a_plateau_that_dips_is_higher_is_better():
    # neg_log_loss that has levelled off and wobbles down: no loss is negative, so it cannot
    # be read as lower-is-better with perfect score 0
    scores = -np.array([0.30, 0.301, 0.299, 0.302, 0.303, 0.301, 0.304])
    with pytest.warns(DegenerateDataWarning, match="negated loss"):
        fit = fit_curve(N, scores, n_bootstrap=0)
    assert fit.higher_is_better and fit.best_possible == 0.0
    assert fit.asymptote <= 0.0


def test_negated_mse_that_clearly_worsens_is_still_higher_is_better():
    scores = -np.array([3000, 3001, 2999, 3003, 3002, 3004, 3005.0])
    with pytest.warns(DegenerateDataWarning, match="gets worse with more data"):
        fit = fit_curve(N, scores, n_bootstrap=0)
    assert fit.higher_is_better and fit.best_possible == 0.0
    # said explicitly, the same fit
    same = fit_curve(N, scores, higher_is_better=True, best_possible=0.0, n_bootstrap=0)
    assert fit.family == same.family and fit.asymptote == pytest.approx(same.asymptote)


def test_r2_around_zero_is_higher_is_better_with_perfect_score_one():
    r2 = np.array([0.02, -0.01, 0.01, -0.02, 0.0, -0.01, -0.015])
    with pytest.warns(DegenerateDataWarning, match="which a loss cannot be"):
        fit = fit_curve(N, r2, n_bootstrap=0)
    assert fit.higher_is_better and fit.best_possible == 1.0


def test_large_loss_that_creeps_up_is_lower_is_better():
    mse = np.array([3000, 3001, 2999, 3003, 3002, 3004, 3005.0])
    with pytest.warns(DegenerateDataWarning, match="taken as a loss"):
        fit = fit_curve(N, mse, n_bootstrap=0)
    assert not fit.higher_is_better and fit.best_possible == 0.0


def test_folds_of_a_negated_loss_plateau():
    rng = np.random.default_rng(3)
    folds = -3000.0 - rng.normal(0, 40, (len(N), 5))
    folds[-1] -= 30  # the last anchor a little worse
    with pytest.warns(DegenerateDataWarning):
        fit = fit_curve(N, folds, n_bootstrap=20, rng=0)
    assert fit.higher_is_better and fit.best_possible == 0.0


@pytest.mark.parametrize("scores", [
    [150, 210, 260, 300, 330, 350, 362.0],  # a count that clearly rises past 100
    list(np.linspace(-0.146, -0.875, 7)),  # a log-scale loss that clearly falls below 0
    [0.6, 0.4, 0.2, 0.0, -0.2, -0.4, -0.5],  # an R² that clearly falls
])
def test_a_large_clear_trend_against_the_range_is_refused_not_reversed(scores):
    # the range decides against a clear trend only when the trend is small next to the level;
    # here the trend is followed and the default perfect score refuses the scores, asking for both
    with pytest.raises(InputError, match="pass the right `best_possible` or `higher_is_better`"):
        fit_curve(N, np.array(scores), n_bootstrap=0)


def test_mixed_range_still_refused():
    # an accuracy with a value above 1 is not silently read as a loss
    with pytest.raises(InputError, match="best_possible"):
        fit_curve([10, 20, 40], [0.5, 0.6, 1.2], n_bootstrap=0)


def test_cli_fits_a_plateaued_mse(tmp_path, capsys):
    mse = [3000, 3001, 2999, 3003, 3002, 3004, 3005]
    path = tmp_path / "mse.csv"
    path.write_text("n,mse\n" + "".join(f"{n},{m}\n" for n, m in zip(N, mse)))
    rc = main(["curves", "fit", str(path), "--size", "n", "--score", "mse", "--n-bootstrap", "0",
               "--format", "json"])
    out = capsys.readouterr()
    assert rc == 0
    payload = json.loads(out.out)
    assert payload["higher_is_better"] is False and payload["best_possible"] == 0.0


def test_the_range_overrules_a_clear_trend_up_to_five_percent_of_the_level():
    # a loss above 100 that clearly rises 4.9% is a loss getting worse; 6% is followed and refused
    rising = np.array([1000, 1008, 1016, 1025, 1033, 1041, 1049.0])
    with pytest.warns(DegenerateDataWarning, match="gets worse with more data"):
        assert not fit_curve(N, rising, n_bootstrap=0).higher_is_better
    with pytest.raises(InputError, match="go above `best_possible`=1"):
        fit_curve(N, np.linspace(1000, 1060, 7), n_bootstrap=0)
    # an R² around 0 that clearly, slightly falls: its level is measured from its perfect score 1
    r2 = np.array([0.01, 0.005, 0.0, -0.005, -0.01, -0.015, -0.02])
    with pytest.warns(DegenerateDataWarning, match="gets worse with more data"):
        fit = fit_curve(N, r2, n_bootstrap=0)
    assert fit.higher_is_better and fit.best_possible == 1.0
