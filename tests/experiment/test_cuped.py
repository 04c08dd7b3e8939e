"""CUPED: closed forms, agreement with SciPy on the adjusted metric, simulations, bad input."""

import numpy as np
import pytest
from scipy import stats

from scimlkit._errors import InputError
from scimlkit.experiment import compare_means, cuped


@pytest.fixture(scope="module")
def experiment():
    rng = np.random.default_rng(21)
    pre_c, pre_t = rng.gamma(4.0, 2.5, 800), rng.gamma(4.0, 2.5, 900)
    y_c = 2.0 + 0.8 * pre_c + rng.normal(0, 3.0, 800)
    y_t = 2.5 + 0.8 * pre_t + rng.normal(0, 3.0, 900)
    return y_c, y_t, pre_c, pre_t


def test_theta_and_adjusted_test_match_references(experiment):
    y_c, y_t, pre_c, pre_t = experiment
    res = cuped(y_c, y_t, pre_c, pre_t)
    y, x = np.concatenate([y_c, y_t]), np.concatenate([pre_c, pre_t])
    # theta = cov(x, y) / var(x) on pooled data: the OLS slope, numpy.polyfit(x, y, 1)[0]
    assert res.theta == pytest.approx(np.polyfit(x, y, 1)[0], rel=1e-9)
    assert res.correlation == pytest.approx(np.corrcoef(x, y)[0, 1], rel=1e-9)
    adj_c = y_c - res.theta * (pre_c - x.mean())
    adj_t = y_t - res.theta * (pre_t - x.mean())
    # scipy.stats.ttest_ind(adj_t, adj_c, equal_var=False) on the adjusted metric
    ref = stats.ttest_ind(adj_t, adj_c, equal_var=False)
    assert res.statistic == pytest.approx(ref.statistic, rel=1e-6)
    assert res.pvalue == pytest.approx(ref.pvalue, rel=1e-6)
    assert (res.low, res.high) == pytest.approx(tuple(ref.confidence_interval()), rel=1e-6)
    assert res.adjusted_mean_treatment - res.adjusted_mean_control == pytest.approx(res.difference)
    # the unadjusted fields are the plain Welch comparison
    plain = compare_means(y_c, y_t)
    assert res.unadjusted_pvalue == pytest.approx(plain.pvalue, rel=1e-12)
    assert (res.unadjusted_low, res.unadjusted_high) == pytest.approx((plain.low, plain.high), rel=1e-12)
    # variance reduction of the difference estimator, close to rho^2 with balanced covariates
    se2_adj = adj_c.var(ddof=1) / adj_c.size + adj_t.var(ddof=1) / adj_t.size
    se2_raw = y_c.var(ddof=1) / y_c.size + y_t.var(ddof=1) / y_t.size
    assert res.variance_reduction == pytest.approx(1 - se2_adj / se2_raw, rel=1e-9)
    assert res.variance_reduction == pytest.approx(res.correlation**2, abs=0.03)
    assert res.high - res.low < plain.high - plain.low
    assert tuple(res.confidence_interval()) == pytest.approx((res.low, res.high))
    assert tuple(res.lift_interval()) == pytest.approx((res.lift_low, res.lift_high))


def test_type_one_error_and_coverage_simulation():
    # 4,000 seeded experiments with a true difference of 0.3 and correlation ~0.8 with the
    # covariate: coverage of the CUPED interval, and the A/A rejection rate, within 3.5
    # binomial SDs of 0.95 and 0.05 (3.5 * sqrt(0.05 * 0.95 / 4000) = 0.012)
    rng = np.random.default_rng(4)
    k, n = 4000, 200
    covered = rejected = 0
    for _ in range(k):
        x_c, x_t = rng.normal(5, 2, n), rng.normal(5, 2, n)
        e_c, e_t = rng.normal(0, 1.5, n), rng.normal(0, 1.5, n)
        res = cuped(x_c + e_c, x_t + 0.3 + e_t, x_c, x_t)
        covered += res.low <= 0.3 <= res.high
        rejected += cuped(x_c + e_c, x_t + e_t, x_c, x_t).pvalue <= 0.05
    tol = 3.5 * np.sqrt(0.05 * 0.95 / k)
    assert abs(covered / k - 0.95) < tol
    assert abs(rejected / k - 0.05) < tol


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (([1.0, 2.0, 3.0], [2.0, 3.0], [1.0, 1.0, 1.0], [1.0, 1.0]), "constant"),
        (([1.0, 2.0, 3.0], [2.0, 3.0], [1.0, 2.0], [1.0, 2.0]), "same length"),
        (([1.0, np.nan, 3.0], [2.0, 3.0], [1.0, 2.0, 3.0], [1.0, 2.0]), "NaN"),
        (([1.0], [2.0, 3.0], [1.0], [1.0, 2.0]), "at least 2"),
        (([], [2.0, 3.0], [], [1.0, 2.0]), "empty"),
    ],
)
def test_bad_input(args, match):
    with pytest.raises(InputError, match=match):
        cuped(*args)
    with pytest.raises(InputError, match="alpha"):
        cuped([1.0, 2.0], [1.0, 3.0], [1.0, 2.0], [2.0, 1.0], alpha=2)


def test_constant_metric_is_degenerate_despite_round_off():
    # a metric constant at 0.1 in both arms leaves round-off spread after the adjustment;
    # it is no evidence of a difference (the t-test is undefined, NaN with a warning)
    from scimlkit._errors import DegenerateDataWarning

    rng = np.random.default_rng(4)
    with pytest.warns(DegenerateDataWarning, match="zero variance"):
        res = cuped(np.full(50, 0.1), np.full(60, 0.1), rng.normal(size=50), rng.normal(size=60))
    assert np.isnan(res.pvalue) and np.isnan(res.unadjusted_pvalue)


def test_metric_determined_by_covariate_is_degenerate():
    # y = 2 x + 1 exactly: the adjusted metric is constant up to round-off of the terms y and theta x,
    # which can be far larger than the adjusted values themselves; every draw must give the
    # undefined test (NaN with a warning), never a p-value out of round-off noise
    import warnings

    from scimlkit._errors import DegenerateDataWarning

    rng = np.random.default_rng(3)
    for _ in range(40):
        xc, xt = rng.normal(0, 50, 500), rng.normal(0, 50, 500)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            res = cuped(2 * xc + 1, 2 * xt + 1, xc, xt)
        # (an adjusted mean below 0 also warns that the relative lift is undefined)
        assert any(w.category is DegenerateDataWarning and "zero variance" in str(w.message) for w in caught)
        assert np.isnan(res.pvalue) and res.adjusted_sd_control == res.adjusted_sd_treatment == 0.0
        assert res.difference == pytest.approx(0.0, abs=1e-12)


def test_raw_moments_of_large_values_and_round_off_only_arms():
    # the unadjusted comparison of values near 1.7e15 takes its moments about a pivot; reference
    # on the shifted values (exact): scipy.stats.ttest_ind(t - 1.7e15, c - 1.7e15, equal_var=False)
    import warnings

    from scimlkit._errors import DegenerateDataWarning

    rng = np.random.default_rng(0)
    base = 1.7e15
    c = base + rng.integers(0, 3, 5000)
    t = base + rng.integers(0, 3, 5000) + 0.5 * (rng.random(5000) < 0.5)
    ref = stats.ttest_ind(t - base, c - base, equal_var=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateDataWarning)
        res = cuped(c, t, rng.normal(size=5000), rng.normal(size=5000))
    assert res.unadjusted_difference == pytest.approx((t - base).mean() - (c - base).mean(), rel=1e-12)
    assert res.unadjusted_pvalue == pytest.approx(ref.pvalue, rel=1e-6)
    # 0.3 for every user, some treatment values computed as 0.1 + 0.2: no difference at all
    control, treatment = np.full(20, 0.3), np.array([0.3] * 15 + [0.1 + 0.2] * 5)
    with pytest.warns(DegenerateDataWarning, match="zero variance"):
        res = cuped(control, treatment, rng.normal(size=20), rng.normal(size=20))
    assert res.difference == 0.0 and res.unadjusted_difference == 0.0
    assert np.isnan(res.pvalue) and np.isnan(res.unadjusted_pvalue)
