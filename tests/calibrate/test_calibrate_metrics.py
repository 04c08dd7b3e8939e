"""Calibration metrics against direct loops, closed forms and scikit-learn."""

import numpy as np
import pytest
from sklearn.metrics import brier_score_loss
from sklearn.metrics import log_loss as sk_log_loss

from scimlkit._errors import InputError
from scimlkit.calibrate import (
    brier_decomposition,
    brier_score,
    calibration_error,
    expected_calibration_error,
    log_loss,
    maximum_calibration_error,
    reliability_diagram,
)


def _loop_ece(conf, correct, edges):
    """ECE and MCE by an explicit loop over bins [e0, e1], (e1, e2], ..."""
    n = len(conf)
    ece, gaps = 0.0, []
    for j in range(len(edges) - 1):
        members = [i for i in range(n)
                   if (conf[i] <= edges[j + 1] and (conf[i] > edges[j] or j == 0))]
        if not members:
            continue
        acc = sum(correct[i] for i in members) / len(members)
        avg = sum(conf[i] for i in members) / len(members)
        ece += len(members) / n * abs(acc - avg)
        gaps.append(abs(acc - avg))
    return ece, max(gaps)


def _binary_data(seed=0, n=300):
    rng = np.random.default_rng(seed)
    p = np.round(rng.random(n), 2)  # ties and values exactly on bin edges
    y = (rng.random(n) < p ** 1.5).astype(int)
    return y, p


@pytest.mark.parametrize("strategy", ["uniform", "quantile"])
def test_top_label_ece_equals_loop_binary(strategy):
    y, p = _binary_data()
    pred = (p >= 0.5).astype(int)
    conf = np.where(pred == 1, p, 1 - p)
    correct = (pred == y).astype(float)
    if strategy == "uniform":
        edges = np.linspace(0, 1, 11)
    else:
        edges = np.unique(np.quantile(conf, np.linspace(0, 1, 11)))
    ece, mce = _loop_ece(conf, correct, edges)
    res = calibration_error(y, p, n_bins=10, strategy=strategy)
    assert res.ece == pytest.approx(ece, abs=1e-12)
    assert res.mce == pytest.approx(mce, abs=1e-12)
    assert res.bin_count.sum() == len(y)
    assert expected_calibration_error(y, p, n_bins=10, strategy=strategy) == res.ece
    assert maximum_calibration_error(y, p, n_bins=10, strategy=strategy) == res.mce


def test_multiclass_top_label_and_class_wise_equal_loop():
    rng = np.random.default_rng(1)
    logits = rng.normal(size=(250, 3)) * 2
    P = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    y = np.array([rng.choice(3, p=row) for row in P ** 1.3 / (P ** 1.3).sum(axis=1, keepdims=True)])
    edges = np.linspace(0, 1, 16)
    pred = P.argmax(axis=1)
    ece, mce = _loop_ece(P.max(axis=1), (pred == y).astype(float), edges)
    res = calibration_error(y, P, n_bins=15)
    assert res.ece == pytest.approx(ece, abs=1e-12) and res.mce == pytest.approx(mce, abs=1e-12)
    per_class = [_loop_ece(P[:, c], (y == c).astype(float), edges) for c in range(3)]
    cw = calibration_error(y, P, n_bins=15, kind="class-wise")
    assert cw.ece == pytest.approx(np.mean([e for e, _ in per_class]), abs=1e-12)
    assert cw.mce == pytest.approx(max(m for _, m in per_class), abs=1e-12)


def test_perfectly_calibrated_forecast_has_small_ece():
    # seeded simulation: n = 200,000 forecasts drawn from their own probabilities; the binomial
    # standard error per bin is below 0.004, so ECE over 10 bins stays well below 0.01
    rng = np.random.default_rng(2)
    p = rng.random(200_000)
    y = (rng.random(200_000) < p).astype(int)
    assert expected_calibration_error(y, p, n_bins=10) < 0.01
    assert expected_calibration_error(y, p ** 3, n_bins=10) > 0.1


def test_brier_and_log_loss_equal_sklearn():
    y, p = _binary_data(3)
    # reference: sklearn.metrics.brier_score_loss(y, p), sklearn.metrics.log_loss(y, p)
    assert brier_score(y, p) == pytest.approx(brier_score_loss(y, p), abs=1e-14)
    q = np.clip(p, 0.01, 0.99)
    assert log_loss(y, q) == pytest.approx(sk_log_loss(y, q), abs=1e-12)
    P = np.column_stack([1 - q, q * 0.5, q * 0.5])
    yy = np.where(y == 1, 1 + (np.arange(len(y)) % 2), 0)
    assert log_loss(yy, P) == pytest.approx(sk_log_loss(yy, P), abs=1e-12)


def test_brier_decomposition_exact_on_distinct_forecasts():
    y, p = _binary_data(4, n=500)
    d = brier_decomposition(y, p, n_bins=None)
    assert d.brier == pytest.approx(brier_score_loss(y, p), abs=1e-14)
    assert d.residual == pytest.approx(0.0, abs=1e-12)
    assert d.uncertainty == pytest.approx(y.mean() * (1 - y.mean()))
    assert d.n_groups == np.unique(p).size
    # closed form for one forecast value per group: reliability = mean over samples of (f - obar_f)^2
    rel = np.mean([(f - y[p == f].mean()) ** 2 for f in p])
    res = np.mean([(y[p == f].mean() - y.mean()) ** 2 for f in p])
    assert d.reliability == pytest.approx(rel, abs=1e-12)
    assert d.resolution == pytest.approx(res, abs=1e-12)
    binned = brier_decomposition(y, p, n_bins=5)
    assert binned.brier == d.brier and binned.n_groups <= 5
    assert binned.reliability - binned.resolution + binned.uncertainty + binned.residual == pytest.approx(d.brier)


def test_reliability_diagram_is_seeded_and_bands_cover_estimate():
    y, p = _binary_data(5, n=2000)
    a = reliability_diagram(y, p, n_bins=8, n_boot=100, rng=3)
    b = reliability_diagram(y, p, n_bins=8, n_boot=100, rng=np.random.default_rng(3))
    np.testing.assert_array_equal(a.band_low, b.band_low)
    used = a.count > 0
    assert np.all(a.band_low[used] <= a.observed[used] + 1e-12)
    assert np.all(a.band_high[used] >= a.observed[used] - 1e-12)
    assert a.to_frame().shape == (8, 7)
    ece, _ = _loop_ece(p, y.astype(float), np.linspace(0, 1, 9))  # positive-class ECE
    assert a.ece == pytest.approx(ece, abs=1e-12)


@pytest.mark.parametrize("func", [calibration_error, brier_score, log_loss, brier_decomposition,
                                  reliability_diagram])
def test_metric_bad_input(func):
    with pytest.raises(InputError, match=r"probabilities in \[0, 1\]"):
        func([0, 1, 1], [0.2, 1.2, 0.5])
    with pytest.raises(InputError, match="NaN"):
        func([0, 1, 1], [0.2, np.nan, 0.5])
    with pytest.raises(InputError, match="only 0 and 1"):
        func([0, 2, 1], [0.2, 0.3, 0.5])
    with pytest.raises(InputError, match="same length"):
        func([0, 1], [0.2, 0.3, 0.5])


def test_metric_bad_options():
    y, p = [0, 1, 1, 0], [0.2, 0.7, 0.6, 0.4]
    with pytest.raises(InputError, match="`eps`"):
        log_loss(y, p, eps=1.0)  # would clip every probability to 1: a loss of 0 for anything
    for level in (0.0, 1.0):
        with pytest.raises(InputError, match="`level`"):
            reliability_diagram(y, p, level=level)


def test_brier_decomposition_auto_bins_continuous_forecasts():
    # continuous forecasts: every value its own group would give a random forecast the largest
    # possible resolution; "auto" bins them (10 equal-width bins) and it gets almost none
    gen = np.random.default_rng(0)
    y = gen.integers(0, 2, 4000)
    noise = gen.random(4000)
    d = brier_decomposition(y, noise)
    assert d.binning == "10 equal-width bins" and d.resolution < 0.005
    assert brier_decomposition(y, noise, n_bins=None).resolution == pytest.approx(y.mean() * (1 - y.mean()))
    # a forecast of few values keeps the exact grouping
    rounded = np.round(noise, 1)
    assert brier_decomposition(y, rounded).binning == "distinct forecasts"
    with pytest.raises(InputError, match="n_bins"):
        brier_decomposition(y, noise, n_bins="sturges")


# -- bands of small bins ---------------------------------------------------------------------

def test_reliability_band_of_small_bins_is_the_jeffreys_interval():
    from scipy.stats import beta

    # one positive alone in (0.1, 0.2], three negatives in [0, 0.1], a large bin at the top
    gen = np.random.default_rng(0)
    top = gen.random(400) * 0.1 + 0.9
    p = np.r_[0.15, 0.02, 0.05, 0.08, top]
    y = np.r_[1, 0, 0, 0, (gen.random(400) < top).astype(int)]
    rd = reliability_diagram(y, p, n_bins=10, n_boot=200, level=0.9, rng=0)
    # the bootstrap alone gives the one-sample bin the band [1, 1]; the Jeffreys interval of
    # 1 success in 1 trial: [scipy.stats.beta.ppf(0.05, 1.5, 0.5), 1]
    assert rd.count[1] == 1 and rd.observed[1] == 1.0
    assert rd.band_low[1] == pytest.approx(beta.ppf(0.05, 1.5, 0.5), rel=1e-12) and rd.band_high[1] == 1.0
    assert rd.band_high[1] - rd.band_low[1] > 0.7
    # 0 of 3: [0, beta.ppf(0.95, 0.5, 3.5)]
    assert rd.band_low[0] == 0.0 and rd.band_high[0] == pytest.approx(beta.ppf(0.95, 0.5, 3.5), rel=1e-12)
    # a large bin: the bootstrap and Jeffreys bands nearly agree, and the band holds both
    k, m = y[4:].sum(), 400
    j_low, j_high = beta.ppf([0.05, 0.95], k + 0.5, m - k + 0.5)
    assert rd.band_low[9] <= j_low and rd.band_high[9] >= j_high
    assert rd.band_high[9] - rd.band_low[9] < 1.3 * (j_high - j_low)
    # no resamples, no bands
    assert np.isnan(reliability_diagram(y, p, n_boot=0).band_low).all()


def test_reliability_caption_names_the_small_bin_band(tmp_path):
    from scimlkit.calibrate import write_report

    gen = np.random.default_rng(1)
    s = gen.normal(size=300)
    y = (gen.random(300) < 1 / (1 + np.exp(-2 * s))).astype(int)
    html = write_report(y, s, tmp_path / "r.html", calibrator=None, objective=None, n_boot=20, rng=0).read_text()
    assert "Jeffreys interval" in html


# -- sample weights ----------------------------------------------------------------------------

def _weighted_case(seed=7, n=300):
    gen = np.random.default_rng(seed)
    y, p = _binary_data(seed, n)
    w = gen.integers(0, 4, n)  # zeros included: those rows are left out
    return y, p, w


@pytest.mark.parametrize("strategy", ["uniform", "quantile"])
@pytest.mark.parametrize("kind", ["top-label", "class-wise"])
def test_calibration_error_integer_weights_equal_repeated_rows(strategy, kind):
    y, p, w = _weighted_case()
    weighted = calibration_error(y, p, n_bins=7, strategy=strategy, kind=kind, sample_weight=w)
    repeated = calibration_error(np.repeat(y, w), np.repeat(p, w), n_bins=7, strategy=strategy, kind=kind)
    assert weighted.ece == pytest.approx(repeated.ece, abs=1e-12)
    assert weighted.mce == pytest.approx(repeated.mce, abs=1e-12)
    np.testing.assert_allclose(weighted.bin_upper, repeated.bin_upper, atol=1e-12)
    np.testing.assert_allclose(weighted.bin_count, repeated.bin_count)
    # multiclass rows too
    gen = np.random.default_rng(2)
    P = gen.dirichlet([1, 1, 1], size=len(y))
    yy = gen.integers(0, 3, len(y))
    a = calibration_error(yy, P, n_bins=6, strategy=strategy, kind=kind, sample_weight=w)
    b = calibration_error(np.repeat(yy, w), np.repeat(P, w, axis=0), n_bins=6, strategy=strategy, kind=kind)
    assert a.ece == pytest.approx(b.ece, abs=1e-12) and a.mce == pytest.approx(b.mce, abs=1e-12)
    assert expected_calibration_error(yy, P, sample_weight=w) == pytest.approx(
        expected_calibration_error(np.repeat(yy, w), np.repeat(P, w, axis=0)), abs=1e-12)
    assert maximum_calibration_error(yy, P, sample_weight=w) == pytest.approx(
        maximum_calibration_error(np.repeat(yy, w), np.repeat(P, w, axis=0)), abs=1e-12)


def test_brier_and_log_loss_weights_equal_sklearn_and_repeated_rows():
    y, p, w = _weighted_case(3)
    q = np.clip(p, 0.01, 0.99)
    # reference: sklearn.metrics.brier_score_loss(y, p, sample_weight=w), log_loss(y, q, sample_weight=w)
    assert brier_score(y, p, sample_weight=w) == pytest.approx(brier_score_loss(y, p, sample_weight=w), abs=1e-14)
    assert log_loss(y, q, sample_weight=w) == pytest.approx(sk_log_loss(y, q, sample_weight=w), abs=1e-12)
    P = np.column_stack([1 - q, q * 0.5, q * 0.5])
    yy = np.where(y == 1, 1 + (np.arange(len(y)) % 2), 0)
    assert log_loss(yy, P, sample_weight=w) == pytest.approx(sk_log_loss(yy, P, sample_weight=w), abs=1e-12)
    assert brier_score(yy, P, sample_weight=w) == pytest.approx(
        brier_score(np.repeat(yy, w), np.repeat(P, w, axis=0)), abs=1e-14)
    # real-valued weights: the weighted means
    r = np.random.default_rng(0).random(len(y))
    assert brier_score(y, p, sample_weight=r) == pytest.approx(brier_score_loss(y, p, sample_weight=r), abs=1e-14)
    assert log_loss(y, q, sample_weight=r) == pytest.approx(sk_log_loss(y, q, sample_weight=r), abs=1e-12)


@pytest.mark.parametrize("n_bins", [None, 10, "auto"])
def test_brier_decomposition_integer_weights_equal_repeated_rows(n_bins):
    y, p, w = _weighted_case(4, n=500)
    for probs in (p, np.round(p, 1)):  # "auto": bins, then distinct forecasts
        a = brier_decomposition(y, probs, n_bins=n_bins, sample_weight=w)
        b = brier_decomposition(np.repeat(y, w), np.repeat(probs, w), n_bins=n_bins)
        assert (a.binning, a.n_groups) == (b.binning, b.n_groups)
        for field in ("brier", "reliability", "resolution", "uncertainty", "residual"):
            assert getattr(a, field) == pytest.approx(getattr(b, field), abs=1e-12)
    assert brier_decomposition(y, p, sample_weight=w).brier == pytest.approx(
        brier_score_loss(y, p, sample_weight=w), abs=1e-14)


@pytest.mark.parametrize("strategy", ["uniform", "quantile"])
def test_reliability_diagram_integer_weights_equal_repeated_rows(strategy):
    y, p, w = _weighted_case(5, n=400)
    a = reliability_diagram(y, p, n_bins=8, strategy=strategy, n_boot=50, rng=0, sample_weight=w)
    b = reliability_diagram(np.repeat(y, w), np.repeat(p, w), n_bins=8, strategy=strategy, n_boot=50, rng=0)
    np.testing.assert_allclose(a.bin_upper, b.bin_upper, atol=1e-12)
    np.testing.assert_allclose(a.count, b.count)
    np.testing.assert_allclose(a.mean_predicted, b.mean_predicted, atol=1e-12)
    np.testing.assert_allclose(a.observed, b.observed, atol=1e-12)
    assert a.ece == pytest.approx(b.ece, abs=1e-12)
    used = a.count > 0
    assert np.all(a.band_low[used] <= a.observed[used] + 1e-12)
    assert np.all(a.band_high[used] >= a.observed[used] - 1e-12)
    # unit weights change nothing, bands included
    c = reliability_diagram(y, p, n_bins=8, strategy=strategy, n_boot=50, rng=0, sample_weight=np.ones(len(y)))
    d = reliability_diagram(y, p, n_bins=8, strategy=strategy, n_boot=50, rng=0)
    np.testing.assert_array_equal(c.band_low, d.band_low)
    np.testing.assert_array_equal(c.band_high, d.band_high)


@pytest.mark.parametrize("scale", [1e-3, 1 / 300, 0.5, 7.0])
def test_weighted_metrics_do_not_change_with_the_scale_of_the_weights(scale):
    # weights normalised to sum to 1 (or any constant multiple) give the unit-weight metrics
    gen = np.random.default_rng(0)
    p = gen.beta(2, 2, 300)
    y = (gen.random(300) < p ** 2).astype(int)
    ones = np.ones(300)
    a = calibration_error(y, p, strategy="quantile", n_bins=10, sample_weight=ones * scale)
    b = calibration_error(y, p, strategy="quantile", n_bins=10)
    assert a.n_bins == b.n_bins == 10
    np.testing.assert_allclose(a.bin_upper, b.bin_upper, atol=1e-12)
    assert a.ece == pytest.approx(b.ece, abs=1e-12)
    r = reliability_diagram(y, p, strategy="quantile", n_boot=0, sample_weight=ones * scale)
    r1 = reliability_diagram(y, p, strategy="quantile", n_boot=0)
    assert r.bin_lower.size == 10 and r.ece == pytest.approx(r1.ece, abs=1e-12)
    # integer weights: the quantile edges do not move when the weights are scaled
    _, _, w = _weighted_case(9)
    c = calibration_error(y, p, strategy="quantile", n_bins=7, sample_weight=w)
    d = calibration_error(y, p, strategy="quantile", n_bins=7, sample_weight=w * scale)
    np.testing.assert_allclose(c.bin_upper, d.bin_upper, atol=1e-12)
    assert c.ece == pytest.approx(d.ece, abs=1e-12)
    # brier_decomposition("auto"): 300 continuous forecasts take 10 bins, 11 rounded ones are grouped
    for probs, binning in ((p, "10 equal-width bins"), (np.round(p, 1), "distinct forecasts")):
        assert brier_decomposition(y, probs, sample_weight=ones * scale).binning == binning
        assert brier_decomposition(y, probs).binning == binning


@pytest.mark.parametrize("func", [calibration_error, brier_score, log_loss, brier_decomposition,
                                  reliability_diagram])
def test_metric_bad_weights(func):
    y, p = [0, 1, 1], [0.2, 0.7, 0.5]
    for weights, message in (([1, -1, 1], ">= 0"), ([1, np.nan, 1], "NaN"), ([1, np.inf, 1], "infinite"),
                             ([1, 1], "must have 3 values"), ([0, 0, 0], "all weights are zero")):
        with pytest.raises(InputError, match=message):
            func(y, p, sample_weight=weights)


@pytest.mark.parametrize("y, p", [
    ([0, 1], [0.0, 1.0]),  # sure and right
    ([0, 1], [1.0, 0.0]),  # sure and wrong
    ([1, 0, 1], [1e-20, 0.5, 1 - 1e-17]),  # beyond the old clip at 1e-15
    ([2, 0, 1], [[0.0, 0.0, 1.0], [1.0, 0.0, 0.0], [0.3, 1e-300, 0.7 - 1e-300]]),
])
def test_log_loss_clips_where_scikit_learn_clips(y, p):
    from sklearn.metrics import log_loss as sk_log_loss

    # reference: sklearn.metrics.log_loss(y, p) clips at the dtype's machine epsilon
    expected = sk_log_loss(y, np.column_stack([1 - np.asarray(p), p]) if np.ndim(p) == 1 else p,
                           labels=list(range(np.shape(p)[1] if np.ndim(p) == 2 else 2)))
    assert log_loss(y, p) == pytest.approx(expected, rel=1e-12, abs=1e-300)
    w = np.arange(1.0, len(y) + 1)
    assert log_loss(y, p, sample_weight=w) == pytest.approx(
        sk_log_loss(y, np.column_stack([1 - np.asarray(p), p]) if np.ndim(p) == 1 else p, sample_weight=w,
                    labels=list(range(np.shape(p)[1] if np.ndim(p) == 2 else 2))), rel=1e-12)


def test_log_loss_float32_and_explicit_eps():
    from sklearn.metrics import log_loss as sk_log_loss

    y, p = np.array([1, 0, 1]), np.array([0.0, 0.25, 1.0], dtype=np.float32)
    # reference: scikit-learn clips float32 probabilities at float32's epsilon
    assert log_loss(y, p) == pytest.approx(sk_log_loss(y, np.column_stack([1 - p, p])), rel=1e-6)
    assert log_loss([1, 0], [0.0, 0.5], eps=1e-15) == pytest.approx((-np.log(1e-15) - np.log(0.5)) / 2)


def test_log_loss_takes_the_float_type_of_a_frame_or_series():
    import pandas as pd
    from sklearn.metrics import log_loss as sk_log_loss

    y = np.array([0, 1, 2, 1])
    P = np.array([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0], [0.2, 0.3, 0.5], [0.1, 0.8, 0.1]], dtype=np.float32)
    frame = pd.DataFrame(P, columns=["a", "b", "c"])
    # reference: sklearn.metrics.log_loss(y, frame) clips a float32 frame at float32's epsilon
    expected = sk_log_loss(y, frame)
    assert expected == pytest.approx(-(2 * np.log(np.finfo(np.float32).eps) + np.log(0.5) + np.log(0.8)) / 4,
                                     rel=1e-6)
    assert log_loss(y, frame) == pytest.approx(expected, rel=1e-6)
    assert log_loss(y, P) == pytest.approx(expected, rel=1e-6)
    # a frame of mixed float32 and float64 columns is float64, as is a list (scikit-learn alike)
    mixed = frame.astype({"a": np.float64})
    assert log_loss(y, mixed) == pytest.approx(sk_log_loss(y, mixed), rel=1e-12)
    assert log_loss(y, list(P)) == pytest.approx(sk_log_loss(y, list(P)), rel=1e-12)
    assert log_loss(y, list(P)) > 18
    # a float32 Series of binary probabilities: float32's epsilon
    yb, pb = np.array([1, 0, 1]), np.array([0.0, 1.0, 0.4], dtype=np.float32)
    assert log_loss(yb, pd.Series(pb)) == pytest.approx(
        sk_log_loss(yb, np.column_stack([1 - pb, pb])), rel=1e-6)
