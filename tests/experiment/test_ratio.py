"""Ratio metrics: the delta method against its closed forms, coverage, degenerate and bad input."""

import numpy as np
import pytest
from scipy import stats

from scimlkit._errors import DegenerateDataWarning, InputError
from scimlkit.experiment import compare_ratios


def _sessions(rng, n, rate):
    sessions = rng.poisson(3, n) + 1
    return rng.binomial(sessions, rate).astype(float), sessions.astype(float)


def test_delta_method_matches_the_expanded_formula():
    rng = np.random.default_rng(0)
    yc, xc = _sessions(rng, 800, 0.2)
    yt, xt = _sessions(rng, 900, 0.22)
    res = compare_ratios(yc, xc, yt, xt)

    def delta_var(y, x):
        # Var(R) ~ (s_y^2 / mx^2 - 2 R s_xy / mx^2 + R^2 s_x^2 / mx^2) / n, R = my / mx (np.cov, ddof=1)
        (syy, sxy), (_, sxx) = np.cov(y, x)
        r = y.mean() / x.mean()
        return (syy - 2 * r * sxy + r**2 * sxx) / (x.mean() ** 2 * y.size)

    se = np.sqrt(delta_var(yc, xc) + delta_var(yt, xt))
    diff = yt.sum() / xt.sum() - yc.sum() / xc.sum()
    assert res.difference == pytest.approx(diff, rel=1e-12)
    assert res.statistic == pytest.approx(diff / se, rel=1e-9)
    # two-sided normal p-value: 2 * scipy.stats.norm.sf(|z|)
    assert res.pvalue == pytest.approx(2 * stats.norm.sf(abs(diff / se)), rel=1e-9)
    z = stats.norm.ppf(0.975)
    assert (res.low, res.high) == pytest.approx((diff - z * se, diff + z * se), rel=1e-9)
    one = compare_ratios(yc, xc, yt, xt, alternative="larger")
    assert one.pvalue == pytest.approx(stats.norm.sf(diff / se), rel=1e-9) and one.high == np.inf


def test_unit_denominators_give_the_unpooled_z_test_on_means():
    # with every denominator 1 the ratio is the mean and the delta variance is s^2 / n exactly
    rng = np.random.default_rng(1)
    c, t = rng.gamma(2, 5, 300), rng.gamma(2, 5.5, 250)
    res = compare_ratios(c, np.ones(300), t, np.ones(250))
    se = np.sqrt(c.var(ddof=1) / 300 + t.var(ddof=1) / 250)
    assert res.statistic == pytest.approx((t.mean() - c.mean()) / se, rel=1e-9)


def test_coverage_by_simulation():
    # 300 A/A experiments: the misses of a 95% interval are Binomial(300, 0.05), mean 15. The
    # two-sided band scipy.stats.binom.interval(0.999, 300, 0.05) = (4, 29) holds them with
    # probability >= 0.999 when the standard error is right; a standard error 1.5 times too large
    # misses 0 about once (2 * norm.sf(1.5 * 1.96) * 300 = 1.0), one 0.8 times too small about
    # 35 times, and both fall outside the band
    rng = np.random.default_rng(2)
    misses = 0
    for _ in range(300):
        yc, xc = _sessions(rng, 400, 0.2)
        yt, xt = _sessions(rng, 400, 0.2)
        res = compare_ratios(yc, xc, yt, xt)
        misses += not res.low <= 0 <= res.high
    low, high = stats.binom.interval(0.999, 300, 0.05)
    assert (low, high) == (4, 29)
    assert low <= misses <= high


def test_degenerate_and_bad_input():
    with pytest.warns(DegenerateDataWarning, match="zero variance"):
        res = compare_ratios([0.1] * 7, [1.0] * 7, [0.2] * 7, [2.0] * 7)
    assert np.isnan(res.pvalue) and res.difference == pytest.approx(0.0, abs=1e-15)
    with pytest.raises(InputError, match="denominator_control"):
        compare_ratios([1, 2], [0, 0], [1, 2], [1, 1])
    with pytest.raises(InputError, match="same length"):
        compare_ratios([1, 2, 3], [1, 1], [1, 2], [1, 1])
    with pytest.raises(InputError, match="numerator_treatment"):
        compare_ratios([1, 2], [1, 1], [1, np.nan], [1, 1])


def test_negative_denominators_are_refused():
    # a denominator is a count or exposure per user; one negative value is a data error even
    # when the mean stays positive
    with pytest.raises(InputError, match="`denominator_control` must be >= 0 for every unit.*1 negative"):
        compare_ratios([1, 2, 3], [2, -1, 2], [1, 2, 3], [1, 1, 1])
    with pytest.raises(InputError, match="`denominator_treatment` must be >= 0"):
        compare_ratios([1, 2], [1, 1], [1, 2], [-1, 0])
    # zero denominators for some users are fine (a user without sessions)
    res = compare_ratios([0, 2, 3], [0, 1, 2], [1, 2, 3], [1, 1, 1])
    assert res.ratio_control == pytest.approx(5 / 3)


def test_lift_undefined_for_a_ratio_at_or_below_zero_warns():
    # a negative control ratio (net revenue after refunds): the lift is NaN, and says so
    with pytest.warns(DegenerateDataWarning, match="ratio is <= 0"):
        res = compare_ratios([-1.0, -2.0, -3.0], [1.0, 1.0, 1.0], [1.0, 2.0, 4.0], [1.0, 1.0, 1.0])
    assert np.isnan(res.relative_lift) and np.isnan(res.lift_low)
    assert res.difference == pytest.approx(7 / 3 + 2)
    assert all(np.isnan(res.lift_interval(0.9)))


def test_lift_interval_is_the_delta_method_on_the_log_ratio():
    # Var(log(Rt / Rc)) ~ se_t^2 / Rt^2 + se_c^2 / Rc^2; interval exp(log ratio +- z se) - 1
    rng = np.random.default_rng(5)
    yc, xc = _sessions(rng, 600, 0.2)
    yt, xt = _sessions(rng, 700, 0.24)
    res = compare_ratios(yc, xc, yt, xt)
    log_se = np.hypot(res.se_treatment / res.ratio_treatment, res.se_control / res.ratio_control)
    log_ratio = np.log(res.ratio_treatment / res.ratio_control)
    for level in (0.95, 0.8):
        z = stats.norm.ppf(0.5 + level / 2)
        want = np.expm1([log_ratio - z * log_se, log_ratio + z * log_se])
        assert res.lift_interval(level) == pytest.approx(tuple(want), rel=1e-9)
    assert res.lift_interval() == pytest.approx((res.lift_low, res.lift_high), rel=1e-12)
    assert res.relative_lift == pytest.approx(res.ratio_treatment / res.ratio_control - 1, rel=1e-12)
    one = compare_ratios(yc, xc, yt, xt, alternative="larger")
    low, high = one.lift_interval(0.95)
    assert low == pytest.approx(np.expm1(log_ratio - stats.norm.ppf(0.95) * log_se), rel=1e-9) and high == np.inf
    with pytest.raises(InputError, match="`level`"):
        res.lift_interval(1.5)
