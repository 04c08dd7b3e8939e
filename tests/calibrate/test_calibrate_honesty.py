"""Statistical honesty of the calibration metrics, checked by seeded simulation: the chance
floor of the binned ECE, and the coverage of the reliability diagram's bands."""

import numpy as np
import pytest
from scipy.special import expit, logit
from scipy.stats import binom

from scimlkit.calibrate import calibration_error, reliability_diagram


@pytest.mark.parametrize("m", [1, 2, 5, 13, 100])
@pytest.mark.parametrize("c", [0.0, 0.03, 0.3, 0.5, 0.77, 0.999, 1.0])
def test_binomial_mad_matches_direct_sum(m, c):
    # E|X/m - c| for X ~ Binomial(m, c) summed over scipy.stats.binom.pmf
    from scimlkit.calibrate._metrics import _binomial_mad

    k = np.arange(m + 1)
    direct = np.sum(binom.pmf(k, m, c) * np.abs(k / m - c))
    assert _binomial_mad(np.array([m]), np.array([c]))[0] == pytest.approx(direct, abs=1e-12)


def test_ece_if_calibrated_by_hand():
    # top-label confidences 0.8, 0.9, 0.6, 0.6 in 5 bins: one bin of two at 0.6, two of one.
    # E|X/2 - 0.6| (X ~ Bin(2, 0.6)) = 0.16 * 0.6 + 0.48 * 0.1 + 0.36 * 0.4 = 0.288;
    # a bin of one at c gives 2 c (1 - c)
    res = calibration_error([0, 1, 1, 0], [0.2, 0.9, 0.6, 0.4], n_bins=5)
    expected = (2 * 0.288 + 2 * 0.8 * 0.2 + 2 * 0.9 * 0.1) / 4
    assert res.ece_if_calibrated == pytest.approx(expected, abs=1e-12)
    assert res.to_dict()["ece_if_calibrated"] == pytest.approx(expected, abs=1e-12)


def test_ece_if_calibrated_equal_weights_and_class_wise():
    rng = np.random.default_rng(3)
    p = rng.random(300)
    y = (rng.random(300) < p).astype(int)
    plain = calibration_error(y, p).ece_if_calibrated
    # equal weights: each bin's effective size is its count, so the floor is unchanged
    assert calibration_error(y, p, sample_weight=np.full(300, 2.5)).ece_if_calibrated == pytest.approx(plain)
    # class-wise: the mean of the two columns' floors, each a direct sum over binomial
    # probabilities (scipy.stats.binom.pmf) in 15 equal-width bins of that column
    from scipy import stats

    def column_floor(q):
        bins = np.minimum((q * 15).astype(int), 14)
        total = 0.0
        for b in np.unique(bins):
            m, c = int((bins == b).sum()), float(q[bins == b].mean())
            k = np.arange(m + 1)
            total += m / len(q) * float((stats.binom.pmf(k, m, c) * np.abs(k / m - c)).sum())
        return total

    cw = calibration_error(y, p, kind="class-wise").ece_if_calibrated
    assert cw == pytest.approx((column_floor(p) + column_floor(1 - p)) / 2, rel=1e-9)
    assert 0 < cw < 1


def test_results_pickled_before_a_field_was_added_load_with_its_default():
    from scimlkit.calibrate._metrics import CalibrationErrorResult
    from scimlkit.experiment import sequential_decision
    from scimlkit.experiment._sequential import SequentialDecisionResult

    for result, cls, added in [(calibration_error([0, 1, 1, 0], [0.2, 0.9, 0.6, 0.4], n_bins=5),
                                CalibrationErrorResult, "ece_if_calibrated"),
                               (sequential_decision([2.5], looks=2), SequentialDecisionResult, "df")]:
        old = cls.__new__(cls)
        old.__setstate__(result.__getstate__()[:-1])  # the state an earlier release pickled
        value = getattr(old, added)
        assert value is None or np.isnan(value)
        assert old.to_dict()[added] is None and repr(old)


@pytest.mark.parametrize("strategy", ["uniform", "quantile"])
def test_ece_if_calibrated_is_the_mean_ece_of_calibrated_forecasts(strategy):
    # 200 seeded runs of calibrated forecasts at n = 200: the mean ECE must match the mean
    # floor within 4 standard errors of the simulated mean (sd of one run's ECE ~0.02, so
    # se ~0.0014; 4 se ~0.006, against a floor of ~0.07-0.10 that is ~7x the simple
    # sqrt(n_bins / n) scale of the bias it corrects for)
    runs, n = 200, 200
    ece, floor = np.empty(runs), np.empty(runs)
    for r in range(runs):
        rng = np.random.default_rng(r)
        p = rng.beta(2, 2, n)
        y = (rng.random(n) < p).astype(int)
        res = calibration_error(y, p, strategy=strategy)
        ece[r], floor[r] = res.ece, res.ece_if_calibrated
    se = ece.std(ddof=1) / np.sqrt(runs)
    assert abs(ece.mean() - floor.mean()) < 4 * se
    assert ece.mean() > 0.05  # the bias the floor describes is real at this size


def test_ece_bias_shrinks_with_n_as_documented():
    # forecasts of true top-label ECE 0.066 (logit q = 0.6 logit p + 0.3, p ~ Beta(2, 2)):
    # the estimate is far too high at n = 200 and close at n = 10,000
    def mean_ece(n, runs):
        out = []
        for r in range(runs):
            rng = np.random.default_rng(r)
            p = rng.beta(2, 2, n)
            y = (rng.random(n) < expit(0.6 * logit(p) + 0.3)).astype(int)
            out.append(calibration_error(y, p).ece)
        return np.mean(out), np.std(out, ddof=1) / np.sqrt(runs)

    small, se_small = mean_ece(200, 100)
    large, se_large = mean_ece(10_000, 30)
    assert small - 0.066 > 4 * se_small + 0.01
    assert abs(large - 0.066) < 4 * se_large + 0.002


def test_reliability_bands_cover_the_bin_truth_at_their_level():
    # 150 runs x 10 bins of a known calibration map: each band should hold its bin's true
    # frequency (the mean of the true probabilities of its samples) about 90 % of the time.
    # The bands are the wider of bootstrap and Jeffreys, so slightly conservative. With ~1,500
    # bin-runs the binomial sd of the coverage at 0.9 is ~0.008: [0.87, 0.96] is > 3.5 sd
    # below and leaves room for the conservative widening above.
    hits = []
    for r in range(150):
        rng = np.random.default_rng(r)
        p = rng.beta(2, 2, 500)
        q = expit(0.6 * logit(p) + 0.3)
        y = (rng.random(500) < q).astype(int)
        rd = reliability_diagram(y, p, n_bins=10, n_boot=100, level=0.9, rng=r)
        idx = np.searchsorted(rd.bin_upper[:-1], p, side="left")
        cnt = np.bincount(idx, minlength=10)
        truth = np.bincount(idx, weights=q, minlength=10) / np.maximum(cnt, 1)
        used = cnt > 0
        hits.append(((rd.band_low <= truth) & (truth <= rd.band_high))[used])
    coverage = np.concatenate(hits).mean()
    assert 0.87 <= coverage <= 0.96
