"""Regression tests: column-vector class targets, percentages on a plateau, failures confined
to what they touch (training-part scoring, NumPy scalar fit arguments, NaN standard errors of
dropped anchors), sizes as scikit-learn computes them, and report and command-line texts about
failed fits."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.datasets import load_diabetes, load_digits, make_classification
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.model_selection import learning_curve as sk_learning_curve
from sklearn.naive_bayes import GaussianNB

from scimlkit import DegenerateDataWarning, InputError, SmallSampleWarning
from scimlkit.cli import main
from scimlkit.curves import LearningCurveResult, fit_curve, learning_curve, write_report
from scimlkit.curves._report import _from_curve

XR, YR = load_diabetes(return_X_y=True)


# -- a class target written as a column vector ------------------------------------------------


def test_column_vector_target_is_one_target():
    # binary with 3% positives: only the class-first order gives every subset of 4 both classes
    X, y = make_classification(n_samples=1000, weights=[0.97], random_state=0)
    flat = learning_curve(LogisticRegression(), X, y, sizes=[4, 10, 40, 800], cv=5, rng=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scikit-learn's note on column-vector targets
        column = learning_curve(LogisticRegression(), X, y.reshape(-1, 1), sizes=[4, 10, 40, 800], cv=5, rng=0)
    np.testing.assert_array_equal(column.scores, flat.scores)


def test_column_vector_target_keeps_the_class_rules():
    X, y = load_digits(return_X_y=True)  # ten classes: default min_size 20
    X, y = X[:400], y[:400]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        column = learning_curve(GaussianNB(), X, y.reshape(-1, 1), sizes=3, cv=StratifiedKFold(4), rng=0)
        assert column.sizes[0] == 20
        with pytest.raises(InputError, match=r"at least the number of classes \(10\)"):
            learning_curve(GaussianNB(), X, y.reshape(-1, 1), sizes=[5, 100], cv=StratifiedKFold(4), rng=0)


# -- percentages on a plateau -----------------------------------------------------------------

N6 = np.array([100, 200, 400, 800, 1600, 3200])
PLATEAU = np.array([0.905, 0.912, 0.908, 0.910, 0.907, 0.906])


def test_percentages_on_a_plateau_read_as_higher_is_better():
    fam = ["exp3", "pow3", "last"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateDataWarning)
        unit = fit_curve(N6, PLATEAU, families=fam, n_bootstrap=30, rng=0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pct = fit_curve(N6, 100 * PLATEAU, families=fam, n_bootstrap=30, rng=0)
    said = " ".join(str(w.message) for w in caught)
    assert "lie in (1, 100], so they are taken as a percentage" in said and "taken as 100" in said
    assert pct.higher_is_better and unit.higher_is_better and pct.best_possible == 100.0
    got, ref = pct.predict([1e4, 1e5]), unit.predict([1e4, 1e5])
    np.testing.assert_allclose(got.score, 100 * ref.score, rtol=1e-6)
    np.testing.assert_allclose(got.high, 100 * ref.high, rtol=1e-5)
    # every family: the same reading (the forecast agrees to the optimiser's tolerance)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateDataWarning)
        unit, pct = fit_curve(N6, PLATEAU, n_bootstrap=0), fit_curve(N6, 100 * PLATEAU, n_bootstrap=0)
    assert pct.higher_is_better and pct.best_possible == 100.0
    assert pct.predict(1e5).score[0] == pytest.approx(100 * unit.predict(1e5).score[0], rel=2e-3)


def test_an_explicit_best_possible_decides_a_plateau():
    loss = np.array([15.2, 14.9, 15.3, 15.0, 15.1, 15.0])  # a flat loss that looks like a percentage
    with pytest.warns(DegenerateDataWarning, match=r"at or above `best_possible`=0, so they are taken as lower"):
        fit = fit_curve(N6, loss, families=["pow3", "last"], best_possible=0.0, n_bootstrap=0)
    assert not fit.higher_is_better


# -- a scorer that fails on the training part only ---------------------------------------------


def _fails_on_training(estimator, X, y):
    if len(y) > 150:  # the training subsets (200, 294); the validation folds hold 147
        raise ValueError("cannot score the training part")
    return estimator.score(X, y)


def _scores_anything(estimator, X, y):
    return estimator.score(X, y)


def test_training_scoring_failure_keeps_the_validation_scores():
    ref = learning_curve(Ridge(), XR, YR, sizes=[200, 294], cv=KFold(3), scoring=_scores_anything, rng=0)
    with pytest.warns(DegenerateDataWarning, match=r"`scoring` failed on the training samples of 6 of 6 fits .*"
                                                   r"validation scores are kept.*cannot score the training"):
        lc = learning_curve(Ridge(), XR, YR, sizes=[200, 294], cv=KFold(3), scoring=_fails_on_training,
                            error_score=np.nan, rng=0)
    np.testing.assert_array_equal(lc.scores, ref.scores)
    assert np.isnan(lc.train_scores).all() and np.isfinite(lc.fit_seconds).all()
    # as scikit-learn: sklearn.model_selection.learning_curve(..., error_score=np.nan) keeps the
    # validation scores and puts NaN in the training scores only
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # scikit-learn's "Scoring failed"
        _, sk_train, sk_test = sk_learning_curve(Ridge(), XR, YR, train_sizes=[200, 294], cv=KFold(3),
                                                 scoring=_fails_on_training, error_score=np.nan)
    assert np.isnan(sk_train).all() and np.isfinite(sk_test).all()
    # with the default the failure is raised, naming the part
    with pytest.raises(InputError, match="failed on the training samples"):
        learning_curve(Ridge(), XR, YR, sizes=[200, 294], cv=KFold(3), scoring=_fails_on_training, rng=0)


def test_validation_scoring_failure_says_what_failed():
    def broken(estimator, X, y):
        raise ValueError("no score today")

    with pytest.raises(InputError, match=r"the validation samples of all 6 fits could not be scored; the first: "
                                         r"`scoring`='broken' failed on the validation samples"):
        learning_curve(Ridge(), XR, YR, sizes=[50, 100], cv=KFold(3), scoring=broken, error_score=np.nan, rng=0)


# -- fit arguments that are NumPy scalars -----------------------------------------------------


class _Records(RegressorMixin, BaseEstimator):
    """A mean predictor that checks the fit arguments it is given."""

    def fit(self, X, y, scale=None, flag=None, weights=None):
        assert isinstance(scale, np.ndarray | np.floating) and np.ndim(scale) == 0 and float(scale) == 2.0
        assert flag is np.True_
        assert len(weights) == len(y)
        np.testing.assert_allclose(weights, X[:, 0])  # each row's own value
        self.mean_ = float(np.mean(y))
        return self

    def predict(self, X):
        return np.full(len(X), self.mean_)


@pytest.mark.parametrize("scale", [np.float64(2.0), np.array(2.0)])
def test_numpy_scalars_in_params_pass_as_they_are(scale):
    params = {"scale": scale, "flag": np.True_, "weights": list(XR[:, 0])}
    lc = learning_curve(_Records(), XR, YR, sizes=[50, 353], cv=KFold(5), params=params, rng=0)
    assert np.isfinite(lc.scores).all()


def test_numpy_scalar_sample_weight():
    lc = learning_curve(Ridge(), XR, YR, sizes=[100], cv=KFold(5), params={"sample_weight": np.float64(2.0)},
                        rng=0)
    ref = learning_curve(Ridge(), XR, YR, sizes=[100], cv=KFold(5), params={"sample_weight": 2.0}, rng=0)
    np.testing.assert_array_equal(lc.scores, ref.scores)


# -- NaN standard errors where the score is NaN -----------------------------------------------


class _FailsWhenSmall(Ridge):
    def fit(self, X, y, sample_weight=None):
        if len(y) < 30:
            raise RuntimeError("too small")
        return super().fit(X, y, sample_weight=sample_weight)


def test_nan_sigma_of_a_dropped_anchor_is_allowed():
    with pytest.warns(DegenerateDataWarning):
        lc = learning_curve(_FailsWhenSmall(), XR, YR, sizes=[20, 40, 80, 160, 353], cv=KFold(5),
                            error_score=np.nan, rng=0)
    sigma = lc.std / np.sqrt(5)
    assert np.isnan(lc.mean[0]) and np.isnan(sigma[0])
    with pytest.warns(DegenerateDataWarning, match="n=20"):
        fit = fit_curve(lc.sizes, lc.mean, sigma=sigma, families=["pow3", "last"], n_bootstrap=0)
    ref = fit_curve(lc.sizes[1:], lc.mean[1:], sigma=sigma[1:], families=["pow3", "last"], n_bootstrap=0)
    assert fit.sizes.tolist() == [40, 80, 160, 353]
    assert fit.asymptote == pytest.approx(ref.asymptote, rel=1e-12)
    # NaN where the score is not NaN is still refused
    holed = sigma.copy()
    holed[2] = np.nan
    with pytest.raises(InputError, match=r"`sigma` contains 1 NaN value\(s\) at anchors whose scores are not NaN "
                                         r"\(n=80\)"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DegenerateDataWarning)
            fit_curve(lc.sizes, lc.mean, sigma=holed, n_bootstrap=0)


# -- sizes as scikit-learn computes them ------------------------------------------------------


@pytest.mark.parametrize("fractions", [[0.29, 1.0], [0.57, 1.0], [0.58, 1.0],
                                       np.array([0.1, 0.3, 0.7, 1.0], dtype=np.float32)])
def test_fractions_give_scikit_learns_sizes(fractions):
    X, y = XR[:125], YR[:125]  # KFold(5): training folds of 100
    lc = learning_curve(Ridge(), X, y, sizes=fractions, cv=KFold(5), rng=0)
    # sklearn.model_selection.learning_curve(Ridge(), X, y, train_sizes=fractions, cv=KFold(5))
    sk_sizes = sk_learning_curve(Ridge(), X, y, train_sizes=fractions, cv=KFold(5))[0]
    assert lc.sizes.tolist() == sk_sizes.tolist()
    assert lc.n_train == 100


# -- anchors left after dropping NaN anchors --------------------------------------------------


def test_errors_count_the_anchors_left_after_dropping_nan():
    n = np.array([50, 100, 200, 400, 800])
    y = 0.9 - n ** -0.5
    y[[0, 1]] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateDataWarning)
        with pytest.raises(InputError, match="3 anchors are left after dropping the NaN anchors"):
            fit_curve(n, y, holdout=2, n_bootstrap=0)
        with pytest.raises(InputError, match="only 3 anchors are left after dropping the NaN anchors"):
            fit_curve(n, y, families=["exp4"], n_bootstrap=0)
    with pytest.raises(InputError, match="only 3 anchors were given"):
        fit_curve(n[2:], y[2:], families=["exp4"], n_bootstrap=0)


# -- the report of a curve with failed fits ---------------------------------------------------

SIZES = np.array([20, 40, 80, 160, 320, 640])


def _failed_curve():
    scores = 0.9 - 2.0 * SIZES[:, None] ** -0.5 + np.random.default_rng(0).normal(0, 0.003, (SIZES.size, 4))
    scores[0] = np.nan  # every fold failed at n=20
    scores[2, 1] = np.nan  # one fold failed at n=80
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        mean, std = np.nanmean(scores, axis=1), np.nanstd(scores, axis=1, ddof=1)
    return LearningCurveResult(sizes=SIZES, scores=scores, train_scores=scores + 0.02, mean=mean, std=std,
                               fit_seconds=np.zeros(SIZES.size), scoring="accuracy", n_train=640)


def test_report_sets_failed_sizes_apart_from_kept_back_ones(tmp_path):
    curve = _failed_curve()
    with pytest.warns(DegenerateDataWarning):
        fit = fit_curve(curve.sizes, curve.scores, families=["pow3", "last"], n_bootstrap=5, rng=0)
    assert fit.sizes.tolist() == [40, 160, 320, 640]
    _, later, left_out, _ = _from_curve(fit, curve)
    assert later[0].size == 0  # nothing was kept back to check the forecast
    assert left_out[0].tolist() == [80]  # n=20 (every fold failed) is not drawn at all
    np.testing.assert_allclose(left_out[1], curve.mean[2])
    html = write_report(fit, tmp_path / "r.html", curve=curve).read_text()
    assert "kept back" not in html and "left out (fits failed in some folds)" in html
    assert "1 size(s) where fits failed in some folds (n=80) are left out of the fit" in html
    # a fit on the first anchors only: the later sizes are kept back, the failed one apart
    # three anchors are left: only the baseline can be tested on held-out ones (the families
    # are named, so the warning does not advise naming them)
    with pytest.warns(DegenerateDataWarning), pytest.warns(SmallSampleWarning, match=r"measure more sizes$"):
        early = fit_curve(curve.sizes[:5], curve.scores[:5], families=["pow3", "last"], n_bootstrap=0)
    _, later, left_out, _ = _from_curve(early, curve)
    assert later[0].tolist() == [640] and left_out[0].tolist() == [80]


# -- the command line on NaN scores and percentages -------------------------------------------


def test_command_line_help_and_errors_speak_of_nan_and_percentages(tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(["curves", "fit", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    best = text[text.index("--best-possible BEST_POSSIBLE"):]
    assert "100 for higher-is-better scores that all lie in (1, 100]" in best
    assert "a size with a NaN or empty score is left out, with a warning" in text
    path = tmp_path / "c.csv"
    pd.DataFrame({"n": [50, 100, 200, 400], "acc": [0.7, np.nan, 0.8, 0.82]}).to_csv(path, index=False)
    assert main(["curves", "fit", str(path), "--size", "n", "--score", "acc", "--n-bootstrap", "0"]) == 0
    err = capsys.readouterr().err
    assert "warning" in err and "n=100" in err
