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
    # 300 A/A experiments: a 95% interval misses 0 about 15 times (binomial sd ~3.8); allow 4 sd
    rng = np.random.default_rng(2)
    misses = 0
    for _ in range(300):
        yc, xc = _sessions(rng, 400, 0.2)
        yt, xt = _sessions(rng, 400, 0.2)
        res = compare_ratios(yc, xc, yt, xt)
        misses += not res.low <= 0 <= res.high
    assert abs(misses - 15) <= 16


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
