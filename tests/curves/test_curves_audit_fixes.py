"""Regression tests: the last-value member within the anchors, samples_needed against predict,
unbounded members, averaging distinct models, group CV, negated-loss scores, the CLI's JSON
bounds and unequal fold counts, and geometric sizes."""

from __future__ import annotations

import dataclasses
import json
import warnings

import numpy as np
import pandas as pd
import pytest

from scimlkit import InputError
from scimlkit._errors import DegenerateDataWarning
from scimlkit.cli import main
from scimlkit.curves import fit_curve, geometric_sizes, learning_curve
from scimlkit.curves._fit import _SAME_MODEL

N8 = np.geomspace(50, 6400, 8).round()
TRUE = 0.93 - 1.2 * N8 ** -0.5  # asymptote 0.93


def _folds(noise, k, seed):
    return TRUE[:, None] + np.random.default_rng(seed).normal(0, noise, (N8.size, k))


@pytest.fixture(scope="module")
def noisy_fit():
    """Three noisy folds: log2 and pow2 (both heading for a perfect score) carry weight."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fit_curve(N8, _folds(0.02, 3, 0), rng=0, n_bootstrap=60)


# -- 1: the last-value member does not act within the anchors -------------------------------


def test_last_member_follows_the_anchors_within_them():
    # noiseless pow3 anchors, averaged with the last-value baseline
    fit = fit_curve(N8, TRUE, families=["pow3", "last"], select="average", n_average=2, n_bootstrap=0)
    assert set(fit.members) == {"pow3", "last"}
    # within the anchors both members follow the measurements (the old forecast was half-way to
    # the last value: 0.80 at n=50 where 0.76 was measured)
    np.testing.assert_allclose(fit.predict(N8).score, TRUE, atol=1e-6)
    # beyond the last anchor the baseline is the last value, unchanged
    far = np.array([2e4, 1e6])
    expected = 0.5 * fit.family_curve("pow3", far) + 0.5 * TRUE[-1]
    np.testing.assert_allclose(fit.predict(far).score, expected, rtol=0, atol=1e-12)


def test_last_member_does_not_stretch_the_interval_within_the_anchors():
    y = _folds(0.01, 5, 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = fit_curve(N8, y, rng=0, n_bootstrap=60)
    assert "last" in fit.members
    pred = fit.predict(N8)
    se = y.std(axis=1, ddof=1) / np.sqrt(5)
    # the old band reached 0.974 at n=50 where 0.762 was measured (standard error 0.004), and
    # the point forecast was 0.7785
    assert np.all(pred.high - y.mean(axis=1) < 12 * se)
    assert abs(pred.score[0] - y[0].mean()) < 3 * se[0]


# -- 2: samples_needed's interval agrees with predict's band -------------------------------


def test_samples_needed_interval_is_read_off_the_predict_band(noisy_fit):
    fit = noisy_fit
    target = 0.96
    res = fit.samples_needed(target)
    assert res.low is not None
    # no anchor measured more than 0.922 and predict's upper bound is below 0.96 at n=1000:
    # the old lower bound was 238
    assert fit.predict(1000).high[0] < target
    assert res.low > 1000
    assert fit.predict(res.low * 0.97).high[0] < target <= fit.predict(res.low * 1.03).high[0]
    if np.isfinite(res.high):
        assert fit.predict(res.high * 1.03).low[0] >= target
    else:
        assert fit.predict(1e12 * 0.999).low[0] < target
    # a target clearly above every measured score: the old lower bound was n=1
    far = fit.samples_needed(0.99)
    assert far.low is None or far.low > 1000


def test_samples_needed_low_never_below_an_anchor_clearly_short():
    y = _folds(0.004, 10, 3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = fit_curve(N8, y, rng=0, n_bootstrap=40)
    target = 0.95
    res = fit.samples_needed(target)
    se = y.std(axis=1, ddof=1) / np.sqrt(10)
    short = (target - y.mean(axis=1)) > 3 * se
    assert short[-1]  # even the last anchor is clearly short
    assert res.low >= N8[-1]


# -- 3 and 7: unbounded members and the mixture's asymptote ---------------------------------


def test_unbounded_member_does_not_make_the_asymptote_perfect():
    fit = fit_curve(N8, TRUE, families=["pow3", "log2"], select="average", n_average=2, n_bootstrap=0)
    assert set(fit.members) == {"pow3", "log2"}
    assert fit.ranking.set_index("family").loc["log2", "asymptote"] == 1.0  # log2 alone: unbounded
    pow3_limit = fit.ranking.set_index("family").loc["pow3", "asymptote"]
    # each member clipped at the perfect score, then averaged: a finite limit (it was 1.0)
    assert fit.asymptote == pytest.approx(1 - 0.5 * (1 - pow3_limit), abs=1e-9)
    assert fit.predict(1e15).score[0] == pytest.approx(fit.asymptote, abs=1e-3)
    assert not fit.samples_needed(0.99).reachable


def test_noisy_mixture_does_not_promise_a_target_beyond_its_bounded_members(noisy_fit):
    fit = noisy_fit
    assert {"log2", "pow2"} & set(fit.members)
    res = fit.samples_needed(0.99)  # true asymptote 0.93; the old answer: reached at 4.9e6
    assert not res.reachable and res.n is None
    assert fit.asymptote < 0.99


def test_target_reached_only_by_a_minority_of_the_weight_is_unreachable():
    fit = fit_curve(N8, TRUE, families=["pow3", "pow2"], select="average", n_average=2, n_bootstrap=0)
    assert set(fit.members) == {"pow3", "pow2"}
    lop = dataclasses.replace(fit, weights={"pow2": 0.4, "pow3": 0.6})
    # the weighted average levels off at 1 - 0.6 * 0.07 = 0.958 and so passes 0.95, but pow3
    # (60% of the weight) levels off at 0.93
    res = lop.samples_needed(0.95)
    assert not res.reachable and res.n is None
    assert "60%" in res.message
    even = dataclasses.replace(fit, weights={"pow2": 0.6, "pow3": 0.4})
    assert even.samples_needed(0.95).reachable


# -- 4: select="average" counts one model once ----------------------------------------------


def test_average_counts_one_model_once():
    err = 0.05 + 0.5 * np.exp(-0.2 * N8 ** 0.5)
    y = err[:, None] + np.random.default_rng(0).normal(0, 0.003, (8, 5))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = fit_curve(N8, y, select="average", n_bootstrap=0)
    for group in _SAME_MODEL:
        assert len(group & set(fit.members)) <= 1, fit.members
    assert len(fit.members) == 3


# -- 5: group cross-validation --------------------------------------------------------------


def test_learning_curve_passes_groups_to_the_splitter():
    from sklearn.datasets import load_iris
    from sklearn.model_selection import LeaveOneGroupOut
    from sklearn.naive_bayes import GaussianNB

    X, y = load_iris(return_X_y=True)
    groups = np.arange(150) % 4
    lc = learning_curve(GaussianNB(), X, y, sizes=3, cv=LeaveOneGroupOut(), groups=groups, rng=0)
    assert lc.scores.shape == (3, 4)  # one fold per group
    assert lc.n_train == 112  # 150 minus the largest group (38)
    with pytest.raises(InputError, match="`groups`"):
        learning_curve(GaussianNB(), X, y, cv=LeaveOneGroupOut(), groups=groups[:10])


# -- 6: negated losses ------------------------------------------------------------------------


def test_negated_loss_scores_have_perfect_score_zero():
    neg = -(0.05 + 0.8 * N8 ** -0.4)  # like neg_log_loss: higher is better, never above 0
    with pytest.warns(DegenerateDataWarning, match="taken as 0"):
        fit = fit_curve(N8, neg, families=["pow3"], n_bootstrap=0)
    assert fit.higher_is_better and fit.best_possible == 0.0  # was 1.0
    assert fit.asymptote == pytest.approx(-0.05, abs=1e-6)
    assert "beyond the best possible score 0" in fit.samples_needed(0.5).message
    # accuracy-like scores keep 1
    assert fit_curve(N8, TRUE, families=["pow3"], n_bootstrap=0).best_possible == 1.0


# -- 8 and 9: the command line --------------------------------------------------------------


def _curve_csv(tmp_path, *, drop_last_row=False):
    rng = np.random.default_rng(0)
    rows = [{"n": n, "acc": a + rng.normal(0, 0.01)} for n, a in zip(N8, TRUE) for _ in range(5)]
    frame = pd.DataFrame(rows)
    if drop_last_row:
        frame = frame.iloc[:-1]
    path = tmp_path / "curve.csv"
    frame.to_csv(path, index=False)
    return path


def test_cli_json_tells_unbounded_from_no_interval(tmp_path, capsys):
    path = _curve_csv(tmp_path)
    base = ["curves", "fit", str(path), "--size", "n", "--score", "acc", "--target", "0.926", "--format", "json"]
    assert main([*base, "--n-bootstrap", "30"]) == 0
    needed = json.loads(capsys.readouterr().out)["samples_needed"]
    assert needed["high"] is None and needed["has_interval"] and needed["high_unbounded"]
    assert not needed["low_unbounded"] and needed["low"] is not None
    assert main([*base, "--n-bootstrap", "0"]) == 0
    needed = json.loads(capsys.readouterr().out)["samples_needed"]
    assert needed["high"] is None and not needed["has_interval"] and not needed["high_unbounded"]


def test_cli_warns_when_a_size_has_a_different_number_of_rows(tmp_path, capsys):
    path = _curve_csv(tmp_path, drop_last_row=True)
    assert main(["curves", "fit", str(path), "--size", "n", "--score", "acc", "--n-bootstrap", "0"]) == 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "warning" in err[0] and "6400 (4 rows)" in err[0]
    # equal counts: no warning, only the note that the folds are paired by row order
    assert main(["curves", "fit", str(_curve_csv(tmp_path)), "--size", "n", "--score", "acc",
                 "--n-bootstrap", "0"]) == 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("scimlkit: note: the folds are paired across sizes by row order")


# -- 10: geometric sizes ----------------------------------------------------------------------


@pytest.mark.parametrize("low, high, count", [(1, 100, 8), (1, 6, 6), (10, 1000, 5), (3, 40, 20), (7, 7, 1)])
def test_geometric_sizes_gives_count_distinct_sizes(low, high, count):
    sizes = geometric_sizes(low, high, count)
    assert sizes.size == count and np.all(np.diff(sizes) > 0)
    assert sizes[0] == low and (count == 1 or sizes[-1] == high)


def test_too_few_sizes_possible_is_an_error():
    from sklearn.datasets import load_iris
    from sklearn.naive_bayes import GaussianNB

    with pytest.raises(InputError, match="at most 3"):
        geometric_sizes(1, 3, 10)
    X, y = load_iris(return_X_y=True)
    with pytest.raises(InputError, match="min_size"):
        learning_curve(GaussianNB(), X, y, sizes=3, min_size=500, cv=3)
    with pytest.raises(InputError, match="at most 91"):
        learning_curve(GaussianNB(), X, y, sizes=200, cv=3)
