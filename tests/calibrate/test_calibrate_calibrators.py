"""The one-dimensional calibrators against scikit-learn and direct minimisation."""

import pickle
import warnings

import numpy as np
import pytest
from scipy.optimize import minimize, minimize_scalar
from scipy.special import expit, log_softmax
from sklearn.base import clone
from sklearn.calibration import CalibratedClassifierCV, _sigmoid_calibration
from sklearn.datasets import load_breast_cancer, load_wine
from sklearn.frozen import FrozenEstimator
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from scimlkit._errors import InputError
from scimlkit._errors import NotFittedError as ScimlkitNotFitted
from scimlkit.calibrate import (
    BetaCalibrator,
    HistogramBinning,
    IsotonicCalibrator,
    PlattCalibrator,
    ScoreCalibrator,
    TemperatureScaling,
    log_loss,
)


def _scores(seed=0, n=800, scale=3.0, shift=0.5):
    rng = np.random.default_rng(seed)
    s = rng.normal(size=n) * scale
    y = (rng.random(n) < expit(0.6 * s + shift)).astype(int)
    return s, y


# -- Platt ---------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", [0, 1, 2])
def test_platt_equals_sklearn_sigmoid_calibration(seed):
    s, y = _scores(seed)
    cal = PlattCalibrator().fit(s, y)
    # reference: sklearn.calibration._sigmoid_calibration(s, y) -> (a, b), p = expit(-(a s + b)),
    # with the same smoothed targets (N+ + 1)/(N+ + 2) and 1/(N- + 2)
    a, b = _sigmoid_calibration(s, y)
    assert cal.slope_ == pytest.approx(-a, abs=1e-4)
    assert cal.intercept_ == pytest.approx(-b, abs=1e-4)
    assert cal.converged_


def test_platt_equals_sklearn_public_route_with_frozen_estimator():
    X, y = load_breast_cancer(return_X_y=True)
    X_fit, X_cal, y_fit, y_cal = train_test_split(X, y, test_size=0.5, random_state=0, stratify=y)
    model = make_pipeline(StandardScaler(), LogisticRegression(C=0.05)).fit(X_fit, y_fit)
    # reference: CalibratedClassifierCV(FrozenEstimator(model), method="sigmoid").fit(X_cal, y_cal)
    ref = CalibratedClassifierCV(FrozenEstimator(model), method="sigmoid").fit(X_cal, y_cal)
    sk = ref.calibrated_classifiers_[0].calibrators[0]
    cal = PlattCalibrator().fit(model.decision_function(X_cal), y_cal)
    assert cal.slope_ == pytest.approx(-sk.a_, abs=1e-4)
    assert cal.intercept_ == pytest.approx(-sk.b_, abs=1e-4)
    X_new = X_fit[:50]
    np.testing.assert_allclose(cal.transform(model.decision_function(X_new)),
                               ref.predict_proba(X_new)[:, 1], atol=1e-5)


def test_platt_huge_scores_do_not_overflow():
    s, y = _scores(3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow RuntimeWarning, no ConvergenceWarning
        big = PlattCalibrator().fit(s * 1e6, y)
        small = PlattCalibrator().fit(s, y)
    assert big.slope_ * 1e6 == pytest.approx(small.slope_, rel=1e-6)
    assert big.intercept_ == pytest.approx(small.intercept_, rel=1e-6)
    p = big.transform(np.array([-1e12, 1e12]))
    assert np.all(np.isfinite(p)) and p[0] < 1e-10 and p[1] > 1 - 1e-10


def test_platt_separable_data_gives_finite_parameters():
    s = np.array([-3.0, -2, -1, 1, 2, 3])
    y = np.array([0, 0, 0, 1, 1, 1])
    cal = PlattCalibrator().fit(s, y)
    assert np.isfinite(cal.slope_) and cal.slope_ > 0
    # smoothed targets: the fitted probabilities stay away from 0 and 1 at the data
    p = cal.transform(s)
    assert p.max() < 1.0 and p.min() > 0.0


def test_platt_sample_weight_equals_repetition():
    s, y = _scores(4, n=200)
    w = np.random.default_rng(0).integers(1, 4, s.size)
    weighted = PlattCalibrator().fit(s, y, sample_weight=w)
    repeated = PlattCalibrator().fit(np.repeat(s, w), np.repeat(y, w))
    assert weighted.slope_ == pytest.approx(repeated.slope_, rel=1e-8)
    assert weighted.intercept_ == pytest.approx(repeated.intercept_, rel=1e-8)


# -- isotonic -------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", [0, 5])
def test_isotonic_equals_sklearn_clip(seed):
    rng = np.random.default_rng(seed)
    s = np.round(rng.normal(size=400), 1)  # many ties
    y = (rng.random(400) < expit(s)).astype(int)
    w = rng.uniform(0.5, 2.0, 400)
    new = np.concatenate([rng.normal(size=200) * 2, [-10.0, 10.0]])
    for weight in (None, w):
        # reference: IsotonicRegression(out_of_bounds="clip").fit(s, y, sample_weight=weight)
        ref = IsotonicRegression(out_of_bounds="clip").fit(s, y, sample_weight=weight)
        cal = IsotonicCalibrator(smooth_targets=False).fit(s, y, sample_weight=weight)
        np.testing.assert_allclose(cal.transform(new), ref.predict(new), atol=1e-12)
        np.testing.assert_allclose(cal.transform(s), ref.predict(s), atol=1e-12)
        # Platt's targets are an increasing affine map of the labels, so the default fit is
        # the reference fit on those targets: low + (high - low) * reference
        ww = np.ones(400) if weight is None else weight
        n_pos, n_neg = ww[y == 1].sum(), ww[y == 0].sum()
        low, high = 1 / (n_neg + 2), (n_pos + 1) / (n_pos + 2)
        targets = np.where(y == 1, high, low)
        ref_t = IsotonicRegression(out_of_bounds="clip").fit(s, targets, sample_weight=weight)
        smooth = IsotonicCalibrator().fit(s, y, sample_weight=weight)
        np.testing.assert_allclose(smooth.transform(new), ref_t.predict(new), atol=1e-12)
        np.testing.assert_allclose(smooth.transform(new), low + (high - low) * ref.predict(new), atol=1e-12)


def test_isotonic_smoothed_targets_keep_log_loss_finite():
    # Saturated scores (as from GaussianNB): the top block is all positives and the bottom
    # block all negatives, so the plain fit predicts exactly 1 and 0 there; one new sample on
    # the wrong side costs -log(1e-15) ~ 34.5 nats. The smoothed fit stays within
    # [1 / (N- + 2), (N+ + 1) / (N+ + 2)].
    rng = np.random.default_rng(21)
    s = np.concatenate([np.zeros(50), rng.uniform(0.2, 0.8, 100), np.ones(50)])
    y = np.concatenate([np.zeros(50), (rng.random(100) < 0.5), np.ones(50)]).astype(int)
    n_pos, n_neg = y.sum(), (1 - y).sum()
    plain = IsotonicCalibrator(smooth_targets=False).fit(s, y)
    smooth = IsotonicCalibrator().fit(s, y)
    assert plain.transform([0.0, 1.0]).tolist() == [0.0, 1.0]
    np.testing.assert_allclose(smooth.transform([0.0, 1.0]), [1 / (n_neg + 2), (n_pos + 1) / (n_pos + 2)])
    wrong = np.array([1, 0])  # a positive at score 0, a negative at score 1
    assert log_loss(wrong, plain.transform([0.0, 1.0])) > 30
    assert log_loss(wrong, smooth.transform([0.0, 1.0])) < np.log(n_pos + 2) + 1e-9


def test_isotonic_is_monotone_and_within_unit_interval():
    s, y = _scores(6)
    cal = IsotonicCalibrator().fit(s, y)
    grid = np.linspace(-20, 20, 500)
    p = cal.transform(grid)
    assert np.all(np.diff(p) >= 0) and p.min() >= 0 and p.max() <= 1


# -- temperature ----------------------------------------------------------------------------

def test_temperature_multiclass_equals_sklearn():
    X, y = load_wine(return_X_y=True)
    X_fit, X_cal, y_fit, y_cal = train_test_split(X, y, test_size=0.5, random_state=0, stratify=y)
    model = make_pipeline(StandardScaler(), LogisticRegression(C=100.0, max_iter=2000)).fit(X_fit, y_fit)
    # reference: CalibratedClassifierCV(FrozenEstimator(model), method="temperature"); it fits
    # softmax(beta * logits) with beta = 1 / T on the decision_function matrix
    ref = CalibratedClassifierCV(FrozenEstimator(model), method="temperature").fit(X_cal, y_cal)
    beta = float(ref.calibrated_classifiers_[0].calibrators[0].beta_)
    ts = TemperatureScaling().fit(model.decision_function(X_cal), y_cal)
    assert ts.temperature_ == pytest.approx(1.0 / beta, rel=1e-5)
    np.testing.assert_allclose(ts.predict_proba(model.decision_function(X_fit)),
                               ref.predict_proba(X_fit), atol=1e-6)


def test_temperature_binary_equals_sklearn():
    X, y = load_breast_cancer(return_X_y=True)
    X_fit, X_cal, y_fit, y_cal = train_test_split(X, y, test_size=0.5, random_state=1, stratify=y)
    model = make_pipeline(StandardScaler(), LogisticRegression(C=10.0, max_iter=2000)).fit(X_fit, y_fit)
    ref = CalibratedClassifierCV(FrozenEstimator(model), method="temperature").fit(X_cal, y_cal)
    beta = float(ref.calibrated_classifiers_[0].calibrators[0].beta_)
    # scikit-learn turns a binary decision value x into the logits (-x, x): p = expit(2 beta x)
    ts = TemperatureScaling().fit(model.decision_function(X_cal), y_cal)
    assert ts.temperature_ == pytest.approx(1.0 / (2.0 * beta), rel=1e-5)


def test_temperature_matches_direct_minimisation():
    rng = np.random.default_rng(2)
    z = rng.normal(size=(600, 4)) * 3
    y = np.array([rng.choice(4, p=np.exp(r / 2.5) / np.exp(r / 2.5).sum()) for r in z])

    def nll(log_t):
        return -np.mean(log_softmax(z / np.exp(log_t), axis=1)[np.arange(600), y])

    ref = minimize_scalar(nll, bounds=(-5, 5), method="bounded", options={"xatol": 1e-12})
    ts = TemperatureScaling().fit(z, y)
    assert ts.temperature_ == pytest.approx(np.exp(ref.x), rel=1e-6)
    assert ts.temperature_ == pytest.approx(2.5, rel=0.25)  # the generating temperature
    assert np.array_equal(ts.predict(z), np.argmax(z, axis=1))


@pytest.mark.parametrize("scale", [1e-12, 1e-6, 1e5, 1e8, 1e300])
def test_temperature_of_huge_logits(scale):
    # the fit is free of the logits' size: tiny logits once met the gradient tolerance at
    # T = 1 (binary 1e-12: every prediction 0.5; multiclass 1e-6: T off by a factor 2.2) and
    # logits of 1e300 overflowed the curvature and left T = 1
    rng = np.random.default_rng(2)
    z = rng.normal(size=(600, 4)) * 3
    y = np.array([rng.choice(4, p=np.exp(r / 2.5) / np.exp(r / 2.5).sum()) for r in z])
    ref = TemperatureScaling().fit(z, y).temperature_
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert TemperatureScaling().fit(z * scale, y).temperature_ == pytest.approx(ref * scale, rel=1e-12)
        y2 = (rng.random(600) < 1 / (1 + np.exp(-z[:, 0] / 2))).astype(int)
        binary = TemperatureScaling().fit(z[:, 0], y2).temperature_
        assert TemperatureScaling().fit(z[:, 0] * scale, y2).temperature_ == pytest.approx(binary * scale, rel=1e-12)


def _temperature_by_root(z, y, w):
    """1 / the root in beta of the exact gradient of the weighted log-loss of softmax(beta z),
    found by SciPy's brentq (an independent reference for TemperatureScaling)."""
    from scipy.optimize import brentq
    from scipy.special import log_softmax

    z = z - z.mean(axis=1, keepdims=True)
    zt = z[np.arange(len(y)), y]

    def grad(b):
        return np.dot(w, (np.exp(log_softmax(b * z, axis=1)) * z).sum(axis=1) - zt)

    return 1.0 / brentq(grad, 1e-6, 1e3, xtol=1e-300, rtol=8.9e-16, maxiter=1000)


@pytest.mark.parametrize("big", [1e6, 1e12, 1e100, 1e300])
def test_temperature_is_exact_and_blind_to_a_row_of_weight_zero(big):
    # one huge row of weight 0 set the unit size, loosening the stopping rule by its square:
    # T moved from 2.50 to 3.28 (1e12) and 7.5e99 (1e100) without a warning
    rng = np.random.default_rng(2)
    z = rng.normal(size=(600, 4)) * 3
    y = np.where(rng.random(600) < 0.5, z.argmax(axis=1), rng.integers(0, 4, 600))
    w = np.ones(600)
    ref = _temperature_by_root(z, y, w)
    assert TemperatureScaling().fit(z, y, sample_weight=w).temperature_ == pytest.approx(ref, rel=1e-12)
    zz, yy, ww = np.vstack([z, [big, 0, 0, 0]]), np.r_[y, 1], np.r_[w, 0.0]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert TemperatureScaling().fit(zz, yy, sample_weight=ww).temperature_ == pytest.approx(ref, rel=1e-12)


@pytest.mark.parametrize("heavy", [1e6, 1e12])
def test_temperature_with_weights_over_many_orders_of_magnitude(heavy):
    # the slope stalls at its round-off long before a 1e-13 Newton step: the fit ran to
    # max_iter and warned that it did not converge
    from scipy.optimize import brentq
    from scipy.special import expit

    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 500)
    z = 2.5 * (rng.normal(size=500) + (2 * y - 1))
    w = np.ones(500)
    w[:5] = heavy
    wn = w / heavy

    def grad(log_beta):
        return np.dot(wn, (expit(np.exp(log_beta) * z) - y) * z)

    ref = 1.0 / np.exp(brentq(grad, -20, 20, xtol=1e-15, rtol=1e-15))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert TemperatureScaling().fit(z, y, sample_weight=w).temperature_ == pytest.approx(ref, rel=1e-7)


def test_calibrators_pickled_without_classes_get_them_on_loading():
    # calibrators saved before they were classifiers had no classes_, which scikit-learn's
    # scorers read: get_scorer("accuracy")(old, X, y) raised AttributeError
    import pickle

    from sklearn.metrics import get_scorer

    rng = np.random.default_rng(4)
    s = rng.normal(size=400)
    y = (rng.random(400) < 1 / (1 + np.exp(-2 * s))).astype(int)
    for cal in (PlattCalibrator().fit(s, y), ScoreCalibrator(method="platt").fit(s, y),
                TemperatureScaling().fit(s, y)):
        expected = get_scorer("neg_log_loss")(cal, s[:, None], y)
        del cal.__dict__["classes_"]  # as an earlier version pickled it
        old = pickle.loads(pickle.dumps(cal))
        np.testing.assert_array_equal(old.classes_, [0, 1])
        assert get_scorer("neg_log_loss")(old, s[:, None], y) == expected
    z = rng.normal(size=(300, 3))
    k = TemperatureScaling().fit(z, np.where(rng.random(300) < 0.6, z.argmax(axis=1), rng.integers(0, 3, 300)))
    del k.__dict__["classes_"]
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(k)).classes_, [0, 1, 2])
    unfitted = pickle.loads(pickle.dumps(PlattCalibrator()))
    assert not hasattr(unfitted, "classes_")


def test_temperature_ignores_a_shift_of_every_logit_in_a_row():
    # softmax(z / T) does not change when a row's logits move by one constant, so neither may T
    rng = np.random.default_rng(3)
    z = rng.normal(size=(600, 4)) * 3
    y = np.array([rng.choice(4, p=np.exp(r / 2.5) / np.exp(r / 2.5).sum()) for r in z])
    ref = TemperatureScaling().fit(z, y).temperature_
    shifted = z + rng.normal(size=(600, 1)) * 1e6
    assert TemperatureScaling().fit(shifted, y).temperature_ == pytest.approx(ref, rel=1e-6)


def test_histogram_quantile_bins_weighted_equal_repeated():
    rng = np.random.default_rng(5)
    p = rng.random(300)
    y = (rng.random(300) < p).astype(int)
    w = rng.integers(1, 5, 300)
    weighted = HistogramBinning(n_bins=8).fit(p, y, sample_weight=w)
    repeated = HistogramBinning(n_bins=8).fit(np.repeat(p, w), np.repeat(y, w))
    np.testing.assert_array_equal(weighted.bin_edges_, repeated.bin_edges_)
    np.testing.assert_allclose(weighted.transform(p), repeated.transform(p), atol=1e-12)


def test_temperature_bad_labels():
    z = np.zeros((4, 3))
    with pytest.raises(InputError, match="class indices 0..2"):
        TemperatureScaling().fit(z, [0, 1, 2, 3])
    with pytest.raises(InputError, match="only 0 and 1"):
        TemperatureScaling().fit([0.1, 0.2, 0.3], [0, 1, 2])


# -- beta -----------------------------------------------------------------------------------

def _beta_reference(p, y):
    """Direct bounded minimisation of the smoothed-target log-loss (a, b >= 0)."""
    n_pos, n_neg = y.sum(), (1 - y).sum()
    t = np.where(y > 0, (n_pos + 1) / (n_pos + 2), 1 / (n_neg + 2))
    f1, f2 = np.log(p), -np.log1p(-p)

    def loss(theta):
        z = theta[0] * f1 + theta[1] * f2 + theta[2]
        return np.sum(np.logaddexp(0, z) - t * z)

    res = minimize(loss, x0=[1.0, 1.0, 0.0], method="L-BFGS-B",
                   bounds=[(0, None), (0, None), (None, None)], options={"ftol": 1e-15, "gtol": 1e-10})
    return res.x


@pytest.mark.parametrize("kind", ["free", "constrained"])
def test_beta_matches_bounded_minimisation(kind):
    rng = np.random.default_rng(7)
    p = rng.uniform(0.02, 0.98, 1500)
    if kind == "free":
        q = expit(1.7 * np.log(p) - 0.6 * np.log1p(-p) + 0.3)
    else:  # a decreasing map in ln p: the unconstrained fit has a < 0
        q = expit(-0.8 * np.log(p) - 1.5 * np.log1p(-p) - 1.0)
    y = (rng.random(1500) < q).astype(int)
    cal = BetaCalibrator().fit(p, y)
    a, b, c = _beta_reference(p, y)
    assert cal.a_ == pytest.approx(a, abs=2e-4)
    assert cal.b_ == pytest.approx(b, abs=2e-4)
    assert cal.c_ == pytest.approx(c, abs=2e-4)
    assert cal.a_ >= 0 and cal.b_ >= 0
    if kind == "constrained":
        assert cal.a_ == 0.0


def test_beta_requires_probabilities():
    with pytest.raises(InputError, match=r"probabilities in \[0, 1\]"):
        BetaCalibrator().fit([0.2, 1.3, 0.5], [0, 1, 1])


# -- histogram binning ----------------------------------------------------------------------

def test_histogram_binning_values_by_direct_count():
    rng = np.random.default_rng(8)
    p = rng.random(1000)
    y = (rng.random(1000) < p).astype(int)
    hb = HistogramBinning(n_bins=5, strategy="uniform", pseudo_count=2.0).fit(p, y)
    edges = np.linspace(p.min(), p.max(), 6)
    rate = y.mean()
    for j in range(5):
        inside = (p > edges[j]) & (p <= edges[j + 1]) if j else (p <= edges[1])
        expected = (y[inside].sum() + 2.0 * rate) / (inside.sum() + 2.0)
        mid = np.array([0.5 * (edges[j] + edges[j + 1])])
        assert hb.transform(mid)[0] == pytest.approx(expected)


# -- conventions shared by the calibrators --------------------------------------------------

CALIBRATORS = [PlattCalibrator(), IsotonicCalibrator(), BetaCalibrator(), HistogramBinning(),
               TemperatureScaling(), ScoreCalibrator(random_state=0)]


@pytest.mark.parametrize("cal", CALIBRATORS, ids=lambda c: type(c).__name__)
def test_calibrator_conventions(cal):
    rng = np.random.default_rng(9)
    p = rng.uniform(0.01, 0.99, 300)
    y = (rng.random(300) < p).astype(int)
    fresh = clone(cal)
    assert fresh.get_params() == cal.get_params()
    with pytest.raises(ScimlkitNotFitted):
        fresh.transform(p)
    from sklearn.exceptions import NotFittedError as SklearnNotFitted

    with pytest.raises(SklearnNotFitted):
        fresh.predict_proba(p)
    assert fresh.fit(p, y) is fresh
    out = fresh.predict_proba(p)
    assert out.shape == (300, 2) and np.allclose(out.sum(axis=1), 1)
    assert np.all((out >= 0) & (out <= 1))
    again = pickle.loads(pickle.dumps(fresh))
    np.testing.assert_array_equal(again.predict_proba(p), out)
    assert set(np.unique(fresh.predict(p))) <= {0, 1}
    # column input is accepted
    np.testing.assert_allclose(fresh.predict_proba(p[:, None]), out)
    with pytest.raises(InputError):
        clone(cal).fit(p, np.zeros(300))  # one class only
    with pytest.raises(InputError):
        clone(cal).fit(np.where(np.arange(300) == 5, np.nan, p), y)  # NaN score
    with pytest.raises(InputError):
        clone(cal).fit(p, np.where(np.arange(300) == 5, 2, y))  # label not 0/1


def test_score_calibrator_auto_table_and_choice():
    s, y = _scores(10, n=1500)
    cal = ScoreCalibrator(random_state=0).fit(s, y)
    table = cal.method_scores_
    assert list(table["method"]) == ["platt", "isotonic", "beta", "temperature", "histogram"]
    assert table.loc[table["selected"], "method"].item() == cal.method_
    # the winner is within one standard error of the smallest log-loss, and has the
    # smallest ECE among the candidates that are
    gap = table["log_loss"] - table["log_loss"].min()
    np.testing.assert_array_equal(table["tied"], gap <= table["diff_se"])
    tied = table[table["tied"]]
    assert cal.method_ == tied.loc[tied["ece"].idxmin(), "method"]
    assert table.loc[table["log_loss"].idxmin(), "diff_se"] == 0.0
    # without the tie rule: the strict minimum; the data are generated by a logistic model
    # with an intercept, so Platt or beta fits it best
    strict = ScoreCalibrator(random_state=0, tie_break=None).fit(s, y)
    assert strict.method_ == table.loc[table["log_loss"].idxmin(), "method"]
    assert strict.method_ in ("platt", "beta")
    assert cal.score_kind_ == "logit"
    fixed = ScoreCalibrator("isotonic").fit(s, y)
    assert fixed.method_ == "isotonic" and fixed.method_scores_ is None


def test_score_calibrator_tie_rule_standard_error():
    # the standard error of the paired per-sample log-loss differences, recomputed from the
    # pooled out-of-fold probabilities of two candidates on the same folds
    from sklearn.model_selection import StratifiedKFold

    s, y = _scores(13, n=600)
    cal = ScoreCalibrator(methods=["platt", "histogram"], random_state=4).fit(s, y)
    oof = {}
    for name, cls in (("platt", PlattCalibrator), ("histogram", HistogramBinning)):
        x = s if name == "platt" else expit(s)
        oof[name] = np.empty(y.size)
        for train, test in StratifiedKFold(5, shuffle=True, random_state=4).split(s[:, None], y):
            oof[name][test] = cls().fit(x[train], y[train]).transform(x[test])
    per = {m: -(y * np.log(p) + (1 - y) * np.log1p(-p)) for m, p in oof.items()}
    table = cal.method_scores_.set_index("method")
    for m in per:
        assert table.loc[m, "log_loss"] == pytest.approx(per[m].mean(), rel=1e-12)
    best = table["log_loss"].idxmin()
    other = "histogram" if best == "platt" else "platt"
    diff = per[other] - per[best]
    assert table.loc[other, "diff_se"] == pytest.approx(diff.std(ddof=1) / np.sqrt(y.size), rel=1e-9)
    with pytest.raises(InputError, match="`tie_break`"):
        ScoreCalibrator(tie_break="auc").fit(s, y)


def test_score_calibrator_kind_checks():
    with pytest.raises(InputError, match="probabilities"):
        ScoreCalibrator("platt", score_kind="probability").fit([0.1, 2.0, 0.3, 0.9], [0, 1, 0, 1])
    with pytest.raises(InputError, match="`method`"):
        ScoreCalibrator("magic").fit([0.1, 0.2], [0, 1])


def test_score_calibrator_selection_criteria():
    s, y = _scores(11, n=800)
    for criterion in ("brier", "ece"):
        cal = ScoreCalibrator(selection=criterion, tie_break=None, random_state=0).fit(s, y)
        table = cal.method_scores_
        assert cal.method_ == table.loc[table[criterion].idxmin(), "method"]
    # ECE has no per-sample values: the strict minimum, whatever the tie rule
    cal = ScoreCalibrator(selection="ece", random_state=0).fit(s, y)
    assert cal.method_ == cal.method_scores_.loc[cal.method_scores_["ece"].idxmin(), "method"]
    with pytest.raises(InputError, match="`selection`"):
        ScoreCalibrator(selection="auc").fit(s, y)


def test_sigmoid_method_is_platt_on_raw_probabilities():
    rng = np.random.default_rng(12)
    p = rng.beta(0.5, 0.5, 600)
    y = (rng.random(600) < 0.2 + 0.6 * p).astype(int)
    cal = ScoreCalibrator("sigmoid").fit(p, y)
    # reference: scikit-learn's sigmoid calibration of predict_proba outputs fits on p itself
    a, b = _sigmoid_calibration(p, y)
    assert cal.calibrator_.slope_ == pytest.approx(-a, abs=1e-4)
    assert cal.calibrator_.intercept_ == pytest.approx(-b, abs=1e-4)
    auto = ScoreCalibrator(random_state=0).fit(p, y)
    assert "sigmoid" in set(auto.method_scores_["method"])  # a candidate for probabilities


def test_platt_is_unchanged_by_the_scale_of_the_scores():
    # the standardisation divides by the largest magnitude first: no overflow at 1e160, no
    # underflow at 1e-170 (a naive variance of such scores is inf or 0)
    rng = np.random.default_rng(0)
    s = rng.normal(size=400)
    y = (s + rng.normal(size=400) > 0).astype(int)
    base = PlattCalibrator().fit(s, y).transform(s)
    for k in (1e160, 1e-170):
        np.testing.assert_allclose(PlattCalibrator().fit(s * k, y).transform(s * k), base, rtol=1e-9)


def test_extreme_sample_weights_are_rescaled():
    # weights beyond [1e-100, 1e100] are divided by their largest value, so sums stay finite
    # (weights of 1e308 used to give NaN probabilities, weights of 1e-300 flat ones)
    rng = np.random.default_rng(1)
    p = rng.uniform(0.01, 0.99, 300)
    y = (rng.uniform(size=300) < p).astype(int)
    w = rng.uniform(0.5, 2.0, 300)
    for cal in (PlattCalibrator(), IsotonicCalibrator(), BetaCalibrator(), HistogramBinning()):
        ref = clone(cal).fit(p, y, sample_weight=w / w.max()).transform(p)
        for k in (1e308 / w.max(), 1e-300):
            out = clone(cal).fit(p, y, sample_weight=w * k).transform(p)
            np.testing.assert_allclose(out, ref, rtol=1e-9)
    chosen = ScoreCalibrator(random_state=0).fit(p, y, sample_weight=np.full(300, 1e308)).method_
    assert chosen == ScoreCalibrator(random_state=0).fit(p, y).method_


@pytest.mark.parametrize("make, match", [
    (lambda: PlattCalibrator(max_iter=0), "`max_iter`"),
    (lambda: PlattCalibrator(max_iter="x"), "`max_iter`"),
    (lambda: PlattCalibrator(tol=-1.0), "`tol`"),
    (lambda: BetaCalibrator(max_iter=None), "`max_iter`"),
    (lambda: TemperatureScaling(max_iter=None), "`max_iter`"),
    (lambda: IsotonicCalibrator(smooth_targets="no"), "`smooth_targets`"),
    (lambda: ScoreCalibrator(random_state=-1), "`random_state`"),
    (lambda: ScoreCalibrator(random_state="x"), "`random_state`"),
])
def test_bad_calibrator_options(make, match):
    p = np.linspace(0.05, 0.95, 40)
    y = np.tile([0, 1], 20)
    with pytest.raises(InputError, match=match):
        make().fit(p, y)


def test_methods_may_be_one_name():
    p = np.linspace(0.05, 0.95, 40)
    y = np.tile([0, 1], 20)
    assert ScoreCalibrator(methods="platt", random_state=0).fit(p, y).method_ == "platt"


# -- weights that leave a class out, zero-weight rows, infinite temperature ----------------

@pytest.mark.parametrize("make", [PlattCalibrator, IsotonicCalibrator, BetaCalibrator, HistogramBinning,
                                  TemperatureScaling, lambda: ScoreCalibrator("platt"), ScoreCalibrator])
def test_weights_that_remove_a_class_are_rejected(make):
    # a weight of 0 leaves the row out: with every positive weighted out one class remains,
    # which unweighted data with one class already rejects
    s, y = _scores(n=200)
    p = expit(s)
    with pytest.raises(InputError, match="only class 0 with positive weight"):
        make().fit(p, y, sample_weight=np.where(y == 1, 0.0, 1.0))


def test_multiclass_temperature_weights_must_keep_two_classes():
    rng = np.random.default_rng(0)
    z = rng.normal(size=(90, 3))
    y = np.repeat([0, 1, 2], 30)
    with pytest.raises(InputError, match="only class 2 with positive weight"):
        TemperatureScaling().fit(z, y, sample_weight=(y == 2).astype(float))
    # two classes with weight are enough (the third is simply absent)
    TemperatureScaling().fit(z, y, sample_weight=(y > 0).astype(float))


def test_auto_folds_spread_the_positive_weight_rows():
    # only 3 positives keep weight: the folds shrink to 3 and every training fold keeps some
    s, y = _scores(n=300)
    w = np.ones(300)
    w[np.flatnonzero(y == 1)[3:]] = 0.0
    cal = ScoreCalibrator(cv=5, random_state=0).fit(s, y, sample_weight=w)
    assert cal.cv_folds_ == 3
    assert ScoreCalibrator(cv=5, random_state=0).fit(s, y).cv_folds_ == 5
    assert ScoreCalibrator("platt").fit(s, y).cv_folds_ is None


def test_histogram_uniform_edges_ignore_zero_weight_rows():
    p = np.array([0.0, 0.1, 0.2, 0.3, 0.6, 0.7, 0.8, 0.9, 1.0])
    y = np.array([0, 0, 0, 1, 0, 1, 1, 1, 1])
    w = np.array([1, 1, 1, 1, 1, 1, 1, 1, 0.0])
    weighted = HistogramBinning(n_bins=2, strategy="uniform", pseudo_count=0).fit(p, y, sample_weight=w)
    dropped = HistogramBinning(n_bins=2, strategy="uniform", pseudo_count=0).fit(p[:-1], y[:-1])
    np.testing.assert_array_equal(weighted.bin_edges_, [0.45])  # the middle of [0, 0.9]
    np.testing.assert_array_equal(weighted.bin_edges_, dropped.bin_edges_)
    np.testing.assert_array_equal(weighted.transform(p), dropped.transform(p))


def test_temperature_of_logits_pointing_the_wrong_way_is_infinite():
    from scimlkit._errors import DegenerateDataWarning

    rng = np.random.default_rng(0)
    z = rng.normal(size=(300, 3)) * 3
    y = np.argmin(z, axis=1)  # the loss falls all the way to T = inf (uniform probabilities)
    with pytest.warns(DegenerateDataWarning, match="best temperature is infinite"):
        ts = TemperatureScaling().fit(z, y)
    assert ts.temperature_ == np.inf
    np.testing.assert_array_equal(ts.predict_proba(z[:5]), np.full((5, 3), 1 / 3))
    # binary: positives with the lower logits
    s, y2 = _scores(n=300)
    with pytest.warns(DegenerateDataWarning, match="best temperature is infinite"):
        binary = TemperatureScaling().fit(-s, y2)
    assert binary.temperature_ == np.inf
    np.testing.assert_array_equal(binary.transform(s[:4]), np.full(4, 0.5))
    # constant rows: no information either, temperature left at 1
    with pytest.warns(DegenerateDataWarning, match="constant rows"):
        assert TemperatureScaling().fit(np.ones((30, 3)), np.arange(30) % 3).temperature_ == 1.0
    # logits with some signal (labels drawn from softmax(z), not separated) still give a
    # finite temperature without a warning
    drawn = np.array([rng.choice(3, p=np.exp(r) / np.exp(r).sum()) for r in z])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isfinite(TemperatureScaling().fit(z, drawn).temperature_)


def _separated_breast_cancer(seed):
    # 300 rows train a logistic regression, 40 held-out rows calibrate it, the rest test it
    X, y = load_breast_cancer(return_X_y=True)
    idx = np.random.default_rng(seed).permutation(len(y))
    tr, cal, te = idx[:300], idx[300:340], idx[340:]
    s = make_pipeline(StandardScaler(), LogisticRegression()).fit(X[tr], y[tr]).decision_function(X)
    return s[cal], y[cal], s[te], y[te]


def _smoothed_nll(z, y):
    # the log-loss in 1 / T against Platt's smoothed targets, written directly
    if z.ndim == 1:
        n_pos, n_neg = np.sum(y == 1), np.sum(y == 0)
        t = np.where(y == 1, (n_pos + 1) / (n_pos + 2), 1 / (n_neg + 2))
        return lambda b: np.sum(np.logaddexp(0, b * z) - t * b * z)
    k = z.shape[1]
    counts = np.bincount(y, minlength=k)
    T = np.repeat(((1 - (counts[y] + 1) / (counts[y] + 2)) / (k - 1))[:, None], k, axis=1)
    T[np.arange(len(y)), y] = (counts[y] + 1) / (counts[y] + 2)
    return lambda b: -np.sum(T * log_softmax(b * z, axis=1))


@pytest.mark.parametrize("seed", [1, 3, 8])
def test_temperature_of_separated_logits_is_finite_and_auto_sets_it_aside(seed):
    from scimlkit._errors import DegenerateDataWarning

    s_cal, y_cal, s_te, y_te = _separated_breast_cancer(seed)
    assert np.all(np.where(y_cal == 1, s_cal, -s_cal) > 0)  # separated at 0: no finite ML temperature
    # the plain fit ran the temperature towards 0 silently (T ~ 0.03, test log-loss up to 8 times the raw one)
    with pytest.warns(DegenerateDataWarning, match="separate the classes perfectly"):
        ts = TemperatureScaling().fit(s_cal, y_cal)
    assert ts.separated_
    # the minimiser of the smoothed-target log-loss, found directly
    ref = minimize_scalar(_smoothed_nll(s_cal, y_cal), bounds=(1e-6, 10), method="bounded",
                          options={"xatol": 1e-12})
    assert ts.temperature_ == pytest.approx(1 / ref.x, rel=1e-5)
    raw = log_loss(y_te, expit(s_te))
    assert log_loss(y_te, ts.transform(s_te)) < 2.5 * raw
    # 'auto': every fold is separated, so temperature's fits are degenerate and it is set aside,
    # and so are the step maps; the fold fits' warning is re-issued once
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        auto = ScoreCalibrator(random_state=0).fit(s_cal, y_cal)
    assert [w.category for w in caught] == [DegenerateDataWarning]
    table = auto.method_scores_.set_index("method")
    assert table.loc["temperature", "degenerate"] and not table.loc["temperature", "tied"]
    assert not table.drop("temperature")["degenerate"].any()
    assert table["set_aside"].to_dict() == {"platt": False, "isotonic": True, "beta": False,
                                            "temperature": True, "histogram": True}
    assert auto.method_ in ("platt", "beta")
    p = auto.transform(s_te)
    assert np.all((p > 0) & (p < 1))
    assert log_loss(y_te, p) < 3.5 * raw
    # an "error" filter sees it, as for a direct fit
    with warnings.catch_warnings():
        warnings.filterwarnings("error", category=DegenerateDataWarning)
        with pytest.raises(DegenerateDataWarning, match="separate the classes perfectly"):
            ScoreCalibrator(random_state=0).fit(s_cal, y_cal)


def test_auto_prefers_smooth_maps_on_separated_scores():
    # calibration rows separated at 0 (those on the wrong side dropped), test rows overlapping:
    # every fold is separated, so isotonic's step has the smallest cross-validated log-loss, yet
    # on new data it costs about twice what the smooth maps cost (isotonic: 0.27-0.31 on 12 seeds;
    # temperature, Platt, beta: 0.155-0.163)
    def draw(n, gen):
        s = gen.normal(0, 2, n)
        return s, (gen.random(n) < expit(4 * s)).astype(int)

    s_te, y_te = draw(5000, np.random.default_rng(99))
    for seed in (0, 1):
        s, y = draw(200, np.random.default_rng(seed))
        keep = (s >= 0) == (y == 1)
        s, y = s[keep], y[keep]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            auto = ScoreCalibrator(score_kind="logit", random_state=0).fit(s, y)
            temperature = ScoreCalibrator("temperature", score_kind="logit").fit(s, y)
        table = auto.method_scores_.set_index("method")
        assert table["log_loss"].idxmin() in ("isotonic", "histogram", "temperature")
        assert table.loc[["isotonic", "histogram"], "set_aside"].all()
        assert auto.method_ in ("platt", "beta")
        assert log_loss(y_te, auto.transform(s_te)) < 1.1 * log_loss(y_te, temperature.transform(s_te))


def test_auto_sets_aside_a_candidate_degenerate_on_a_fold():
    # ranked apart but not separated at 0: the full fit has a finite (extreme) temperature, some
    # training folds do not; the candidate with the smallest cross-validated log-loss loses
    from scimlkit._errors import DegenerateDataWarning

    s_cal, y_cal, _, _ = _separated_breast_cancer(6)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert not TemperatureScaling().fit(s_cal, y_cal).separated_
    with pytest.warns(DegenerateDataWarning, match="separate the classes perfectly"):
        auto = ScoreCalibrator(random_state=0).fit(s_cal, y_cal)
    table = auto.method_scores_.set_index("method")
    assert table["log_loss"].idxmin() == "temperature" and table.loc["temperature", "degenerate"]
    assert auto.method_ != "temperature" and not table.loc["temperature", "selected"]
    # when every candidate is degenerate they compete as before
    with pytest.warns(DegenerateDataWarning, match="separate the classes perfectly"):
        only = ScoreCalibrator(methods=["temperature"], random_state=0).fit(s_cal, y_cal)
    assert only.method_ == "temperature"


def test_auto_reissues_fold_warnings_once_with_their_module(monkeypatch):
    from scimlkit._errors import ConvergenceWarning
    from scimlkit.calibrate import _base
    from scimlkit.calibrate._beta import BetaCalibrator

    monkeypatch.setitem(BetaCalibrator.__init__.__kwdefaults__, "max_iter", 1)  # every beta fit warns
    rng = np.random.default_rng(0)
    s = rng.random(300)
    y = (rng.random(300) < s ** 3).astype(int)

    def fit():
        return ScoreCalibrator(score_kind="probability", methods=["beta"], random_state=0).fit(s, y)

    def keys(items):
        return {(w.category, str(w.message), w.filename, w.lineno) for w in items}

    with warnings.catch_warnings(record=True) as direct:
        warnings.simplefilter("always")
        BetaCalibrator().fit(s, y)
    assert len(keys(direct)) == 1 and direct[0].category is ConvergenceWarning
    # the five fold fits' warnings once (not once per fold and fit), then the final fit's
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit()
    assert len(caught) == 1 + len(direct) and keys(caught) == keys(direct)
    assert caught[0].filename == _base.__file__
    # filters on the module see the package's module, as for a direct fit
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.filterwarnings("ignore", category=ConvergenceWarning, module=r"scimlkit\.")
        fit()
    assert caught == []
    with warnings.catch_warnings():
        warnings.filterwarnings("error", category=ConvergenceWarning, module=r"scimlkit\.calibrate\._base$")
        with pytest.raises(ConvergenceWarning):
            fit()


def test_multiclass_temperature_of_separated_logits():
    from scimlkit._errors import DegenerateDataWarning

    rng = np.random.default_rng(0)
    z = rng.normal(size=(300, 3)) * 3
    y = np.argmax(z, axis=1)  # the true class always ranks first: no finite ML temperature
    with pytest.warns(DegenerateDataWarning, match="separate the classes perfectly"):
        ts = TemperatureScaling().fit(z, y)
    ref = minimize_scalar(_smoothed_nll(z, y), bounds=(1e-6, 50), method="bounded", options={"xatol": 1e-12})
    assert ts.temperature_ == pytest.approx(1 / ref.x, rel=1e-5)
    # integer weights are repeated rows (the smoothed targets count weights)
    w = rng.integers(1, 4, 300)
    with pytest.warns(DegenerateDataWarning):
        weighted = TemperatureScaling().fit(z, y, sample_weight=w)
        repeated = TemperatureScaling().fit(np.repeat(z, w, axis=0), np.repeat(y, w))
    assert weighted.temperature_ == pytest.approx(repeated.temperature_, rel=1e-9)


@pytest.mark.parametrize("make", [PlattCalibrator, lambda: ScoreCalibrator("sigmoid"), TemperatureScaling])
def test_calibrators_are_binary_classifiers_for_sklearn_scorers(make):
    # scikit-learn's "roc_auc" scorer needs a classifier with classes_ (it raised "y should be
    # a 1d array" on the two-column predict_proba); an increasing map keeps the scores' AUC,
    # reference: roc_auc_score(y[test], s[test]) on the same folds
    from sklearn.base import is_classifier
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold, cross_val_score

    X, y = load_breast_cancer(return_X_y=True)
    s = 14.0 - X[:, 0]  # larger scores for the positive class (benign: a small radius)
    folds = StratifiedKFold(3, shuffle=True, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got = cross_val_score(make(), s[:, None], y, scoring="roc_auc", cv=folds, error_score="raise")
    ref = [roc_auc_score(y[test], s[test]) for _, test in folds.split(s, y)]
    np.testing.assert_allclose(got, ref, rtol=1e-12)
    cal = make().fit(s, y)
    assert is_classifier(cal)
    np.testing.assert_array_equal(cal.classes_, [0, 1])
    assert cal.score(s, y) == pytest.approx(np.mean(cal.predict(s) == y))


def test_temperature_slope_of_saturated_rows_of_large_weight():
    # p * z - zt summed over rows left the slope in round-off when a saturated row carried most
    # of the weight: T came back 2.4e-7 off without a warning; the root below is that of the
    # slope with p - y taken inside each row (checked against 50-digit arithmetic)
    from scipy.optimize import brentq
    from scipy.special import expit

    z = np.array([-200.87247459580963, 4.784606502286395, -63.97808716936093, 0.18769287304620496,
                  47.49579963306437])
    y = np.array([0, 0, 0, 0, 1])
    w = np.array([1.1239093011036565e-11, 1.901322738683312e-10, 4775.019098950297, 2.3177421032005757e-10,
                  2.2503558433734366])

    def grad(log_beta):
        u = np.exp(log_beta) * z
        return np.dot(w, np.where(y > 0, -expit(-u), expit(u)) * z)

    ref = 1.0 / np.exp(brentq(grad, -20, 20, xtol=1e-16, rtol=1e-15))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert TemperatureScaling().fit(z, y, sample_weight=w).temperature_ == pytest.approx(ref, rel=1e-12)
