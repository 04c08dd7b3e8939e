"""Regression tests: learning_curve read the way scikit-learn's is called (fractions of the
training fold, per-sample fit parameters, failed fits), and fit_curve on scores as users have
them (percentages, repeated sizes, folds with missing scores)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_diabetes
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.model_selection import learning_curve as sk_learning_curve
from sklearn.naive_bayes import GaussianNB
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from scimlkit import InputError
from scimlkit.curves import fit_curve, learning_curve

XC, YC = load_breast_cancer(return_X_y=True)
XR, YR = load_diabetes(return_X_y=True)


# -- fractions of the training fold -----------------------------------------------------------


def test_fraction_one_is_the_whole_training_fold():
    # a float 1.0 is the whole of the smallest training fold (as in scikit-learn), not a single
    # sample: KFold(5) on 442 rows trains on 353 or 354 rows, and every fold is fitted on 353
    lc = learning_curve(Ridge(), XR, YR, sizes=[1.0], cv=KFold(5), rng=0)
    assert lc.sizes.tolist() == [lc.n_train] == [353]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # R² of the single training sample is undefined
        ones = learning_curve(Ridge(), XR, YR, sizes=[1], cv=KFold(5), rng=0)  # an integer is a count
    assert ones.sizes.tolist() == [1]


def test_fractions_round_down_like_scikit_learn():
    cv = StratifiedKFold(5)
    model = GaussianNB()
    fractions = [0.1, 0.3, 0.5, 1.0]
    lc = learning_curve(model, XC, YC, sizes=fractions, cv=cv, rng=0)
    # sklearn.model_selection.learning_curve(model, X, y, train_sizes=fractions, cv=cv)
    sk_sizes, _, sk_test = sk_learning_curve(model, XC, YC, train_sizes=fractions, cv=cv)
    assert lc.sizes.tolist() == sk_sizes.tolist() == [45, 136, 227, 455]
    # the whole training fold is the same set of samples in both, so the scores agree
    np.testing.assert_allclose(lc.scores[-1], sk_test[-1], rtol=1e-12)
    # a tiny fraction still gives one sample rather than none
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tiny = learning_curve(Ridge(), XR, YR, sizes=[0.001, 1.0], cv=KFold(5), rng=0)
    assert tiny.sizes.tolist() == [1, 353]


# -- per-sample fit parameters ----------------------------------------------------------------


class _RecordsWeights(Ridge):
    """Ridge that checks its sample weights are those of its own rows (weight = 1 + |x0|)."""

    def fit(self, X, y, sample_weight=None):
        assert sample_weight is not None and len(sample_weight) == len(y)
        np.testing.assert_allclose(sample_weight, 1.0 + np.abs(X[:, 0]))
        return super().fit(X, y, sample_weight=sample_weight)


def test_sample_weight_follows_each_training_subset():
    w = 1.0 + np.abs(XR[:, 0])
    lc = learning_curve(_RecordsWeights(), XR, YR, sizes=[20, 100, 353], cv=KFold(5), params={"sample_weight": w},
                        rng=0)
    assert lc.scores.shape == (3, 5)


def test_weighted_scores_match_scikit_learn_through_a_pipeline():
    cv = StratifiedKFold(5)
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=3000))
    w = np.random.default_rng(0).uniform(0.1, 3.0, len(YC))
    params = {"logisticregression__sample_weight": w}
    lc = learning_curve(model, XC, YC, sizes=[1.0], cv=cv, params=params, rng=0)
    # sklearn.model_selection.learning_curve(model, X, y, train_sizes=[1.0], cv=cv, params=params)
    _, _, sk_test = sk_learning_curve(model, XC, YC, train_sizes=[1.0], cv=cv, params=params)
    np.testing.assert_allclose(lc.scores[0], sk_test[0], rtol=1e-12)
    plain = learning_curve(model, XC, YC, sizes=[1.0], cv=cv, rng=0)
    assert not np.allclose(plain.scores, lc.scores)  # the weights were used


def test_bad_params():
    with pytest.raises(InputError, match="`params` must be a dict"):
        learning_curve(Ridge(), XR, YR, cv=3, params=[("sample_weight", np.ones(len(YR)))])
    with pytest.raises(InputError, match="failed to fit .*TypeError"):
        learning_curve(Ridge(), XR, YR, cv=3, sizes=[50, 100], params={"no_such_argument": 1}, rng=0)


def test_no_warnings_from_plain_use():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        learning_curve(Ridge(), XR, YR, sizes=3, cv=3, rng=0)


# -- fits that fail ---------------------------------------------------------------------------


class _FailsWhenSmall(Ridge):
    def fit(self, X, y, sample_weight=None):
        if len(y) < 30:
            raise RuntimeError("too few rows for this model")
        return super().fit(X, y, sample_weight=sample_weight)


def test_error_score_records_failed_fits():
    from scimlkit._errors import DegenerateDataWarning

    with pytest.warns(DegenerateDataWarning, match=r"5 of 15 fits failed \(at n=20\).*RuntimeError: too few rows"):
        lc = learning_curve(_FailsWhenSmall(), XR, YR, sizes=[20, 60, 353], cv=KFold(5), error_score=np.nan, rng=0)
    assert np.isnan(lc.scores[0]).all() and np.isnan(lc.train_scores[0]).all()
    assert np.isfinite(lc.scores[1:]).all()
    assert np.isnan(lc.mean[0]) and np.isfinite(lc.mean[1:]).all()
    # the sizes that worked are those of a run that skips the failing size
    with pytest.warns(DegenerateDataWarning, match="`error_score`=-1.0"):
        rest = learning_curve(_FailsWhenSmall(), XR, YR, sizes=[20, 60, 353], cv=KFold(5), error_score=-1.0,
                              rng=0)
    np.testing.assert_array_equal(rest.scores[1:], lc.scores[1:])
    assert (rest.scores[0] == -1.0).all()
    # the default still raises, naming the size and the fold
    with pytest.raises(InputError, match=r"failed to fit on 20 training samples \(CV fold 0\)"):
        learning_curve(_FailsWhenSmall(), XR, YR, sizes=[20, 60], cv=KFold(5), rng=0)


def test_error_score_with_some_folds_failing_keeps_the_others_in_the_mean():
    from scimlkit._errors import DegenerateDataWarning

    class _FailsOnFold(Ridge):
        def fit(self, X, y, sample_weight=None):
            if np.any(np.all(X == XR[0], axis=1)):  # the first sample trains in folds 1-4, not in 0
                raise RuntimeError("bad fold")
            return super().fit(X, y, sample_weight=sample_weight)

    with pytest.warns(DegenerateDataWarning, match="fits failed"):
        lc = learning_curve(_FailsOnFold(), XR, YR, sizes=[353], cv=KFold(5), error_score=np.nan, rng=0)
    ok = np.isfinite(lc.scores[0])
    assert 0 < ok.sum() < 5
    np.testing.assert_allclose(lc.mean, [lc.scores[0, ok].mean()])


def test_error_score_when_every_fit_fails():
    def broken(estimator, X, y):
        raise ValueError("no score today")

    # a scorer that fails at every fit: an error, not a table of NaN
    with pytest.raises(InputError, match=r"all 6 fits could not be scored; the first: `scoring`='broken' "
                                         r"failed .*no score"):
        learning_curve(Ridge(), XR, YR, sizes=[50, 100], cv=KFold(3), scoring=broken, error_score=np.nan, rng=0)


@pytest.mark.parametrize("value, match", [("nan", "`error_score`"), (np.inf, "`error_score`"),
                                          (None, "`error_score`"), (True, "`error_score`")])
def test_bad_error_score(value, match):
    with pytest.raises(InputError, match=match):
        learning_curve(Ridge(), XR, YR, cv=3, error_score=value)


# -- fit_curve on scores as users have them ---------------------------------------------------

N = np.array([50, 100, 200, 400, 800, 1600, 3200, 6400])
ACC = 0.93 - 1.2 * N ** -0.5
FAM = ["pow3", "mmf4", "last"]


def _fold_scores(seed=0, k=5):
    return ACC[:, None] + np.random.default_rng(seed).normal(0, 0.01, (N.size, k))


def test_fit_curve_leaves_out_anchors_with_failed_folds():
    from scimlkit._errors import DegenerateDataWarning

    y = _fold_scores()
    holed = y.copy()
    holed[0, 2] = np.nan  # one fold failed at the smallest size
    with pytest.warns(DegenerateDataWarning, match=r"1 NaN value\(s\).*n=50"):
        fit = fit_curve(N, holed, families=FAM, rng=0, n_bootstrap=20)
    ref = fit_curve(N[1:], y[1:], families=FAM, rng=0, n_bootstrap=20)
    assert fit.sizes.tolist() == N[1:].tolist()
    assert fit.family == ref.family and fit.asymptote == pytest.approx(ref.asymptote, rel=1e-12)
    np.testing.assert_allclose(fit.predict(20000).high, ref.predict(20000).high, rtol=1e-12)
    # a fold that failed everywhere is left out, the other folds and every anchor kept
    gone = y.copy()
    gone[:, 4] = np.nan
    with pytest.warns(DegenerateDataWarning, match=r"1 fold column\(s\) NaN at every anchor"):
        fit = fit_curve(N, gone, families=FAM, rng=0, n_bootstrap=20)
    ref = fit_curve(N, y[:, :4], families=FAM, rng=0, n_bootstrap=20)
    assert fit.n_folds == 4 and fit.asymptote == pytest.approx(ref.asymptote, rel=1e-12)
    # one score per anchor, and explicit standard errors follow the anchors kept
    flat = ACC.copy()
    flat[3] = np.nan
    sigma = np.linspace(0.02, 0.005, N.size)
    with pytest.warns(DegenerateDataWarning, match="n=400"):
        fit = fit_curve(N, flat, sigma=sigma, n_bootstrap=0)
    ref = fit_curve(np.delete(N, 3), np.delete(ACC, 3), sigma=np.delete(sigma, 3), n_bootstrap=0)
    assert fit.asymptote == pytest.approx(ref.asymptote, rel=1e-12)


def test_fit_curve_refuses_scores_that_are_mostly_nan():
    y = np.full(N.size, np.nan)
    y[0] = 0.5
    with pytest.raises(InputError, match="at least 2 anchors"):
        fit_curve(N, y, n_bootstrap=0)
    with pytest.raises(InputError, match="NaN at every anchor in every fold"):
        fit_curve(N, np.full((N.size, 3), np.nan), n_bootstrap=0)


def test_learning_curve_with_failed_fits_feeds_fit_curve():
    from scimlkit._errors import DegenerateDataWarning

    with pytest.warns(DegenerateDataWarning, match="fits failed"):
        lc = learning_curve(_FailsWhenSmall(), XR, YR, sizes=[20, 40, 80, 160, 353], cv=KFold(5),
                            error_score=np.nan, rng=0)
    with pytest.warns(DegenerateDataWarning, match="n=20"):
        fit = fit_curve(lc.sizes, lc.scores, families=["pow3", "last"], n_bootstrap=0)
    assert fit.sizes.tolist() == [40, 80, 160, 353]


def test_percentages_take_100_as_the_perfect_score():
    from scimlkit._errors import DegenerateDataWarning

    with pytest.warns(DegenerateDataWarning, match="taken as 100"):
        pct = fit_curve(N, 100 * ACC, families=["pow3", "pow2"], n_bootstrap=0)
    unit = fit_curve(N, ACC, families=["pow3", "pow2"], n_bootstrap=0)
    assert pct.best_possible == 100.0 and pct.family == unit.family
    assert pct.asymptote == pytest.approx(100 * unit.asymptote, rel=1e-6)
    assert pct.predict(20000).score[0] == pytest.approx(100 * unit.predict(20000).score[0], rel=1e-6)
    assert pct.samples_needed(92).n == pytest.approx(unit.samples_needed(0.92).n, rel=1e-4)
    # scores partly below 1 are not read as percentages: an accuracy above 1 is still refused
    with pytest.raises(InputError, match="best_possible"):
        fit_curve(N, np.append(ACC[:-1], 1.2), n_bootstrap=0)


def test_repeated_sizes_point_to_fold_columns():
    with pytest.raises(InputError, match=r"got 50 twice .* one column per fold"):
        fit_curve(np.repeat([50, 100, 200], 2), np.repeat([0.5, 0.6, 0.65], 2), n_bootstrap=0)


def test_frame_counts_the_folds_with_a_score():
    from scimlkit._errors import DegenerateDataWarning

    with pytest.warns(DegenerateDataWarning):
        lc = learning_curve(_FailsWhenSmall(), XR, YR, sizes=[20, 294], cv=KFold(3), error_score=np.nan, rng=0)
    frame = lc.to_frame()
    assert frame["n_folds"].tolist() == [0, 3]
    assert np.isnan(frame["train_mean"][0]) and np.isfinite(frame["train_mean"][1])
    assert lc.to_dict()["mean"][0] is None  # JSON-ready: NaN becomes null


def test_fractions_that_collide_name_the_sizes_they_give():
    with pytest.raises(InputError, match=r"the fractions \[0.01, 0.011, 1.0\], which give the sizes \[3, 3, 353\]"):
        learning_curve(Ridge(), XR, YR, sizes=[0.01, 0.011, 1.0], cv=KFold(5), rng=0)


def test_multilabel_targets():
    from sklearn.neighbors import KNeighborsClassifier

    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    Y = np.zeros((60, 20), dtype=int)
    Y[55:, 19] = 1  # a rare label: the first positive lies far down the flattened labels
    lc = learning_curve(KNeighborsClassifier(3), X, Y, sizes=[5, 20, 40], cv=KFold(3), rng=0)
    assert lc.scores.shape == (3, 3) and np.isfinite(lc.scores).all()
    # the whole training fold scores as scikit-learn's cross-validation does
    from sklearn.model_selection import cross_val_score

    np.testing.assert_allclose(lc.scores[-1], cross_val_score(KNeighborsClassifier(3), X, Y, cv=KFold(3)))
