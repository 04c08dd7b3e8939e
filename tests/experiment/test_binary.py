"""Binary metrics: statsmodels / SciPy references, simulations, degenerate and bad input."""

import warnings

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.proportion import confint_proportions_2indep, proportions_ztest

from scimlkit._errors import DegenerateDataWarning, InputError, SmallSampleWarning
from scimlkit.experiment import compare_binary, compare_many_proportions, compare_proportions

CASES = [(120, 2400, 156, 2400), (30, 500, 22, 480), (3, 40, 11, 38), (900, 10_000, 1010, 9_800)]


@pytest.mark.parametrize(("xc", "nc", "xt", "nt"), CASES)
def test_ztest_and_intervals_match_statsmodels(xc, nc, xt, nt):
    res = compare_proportions(xc, nc, xt, nt)
    # statsmodels.stats.proportion.proportions_ztest([xt, xc], [nt, nc])  (pooled variance)
    z, p = proportions_ztest([xt, xc], [nt, nc])
    assert res.statistic == pytest.approx(z, rel=1e-6)
    assert res.pvalue == pytest.approx(p, rel=1e-6)
    # statsmodels.stats.proportion.confint_proportions_2indep(xt, nt, xc, nc, method='newcomb')
    ref = confint_proportions_2indep(xt, nt, xc, nc, method="newcomb")
    assert (res.low, res.high) == pytest.approx(ref, rel=1e-6)
    # statsmodels.stats.proportion.confint_proportions_2indep(xt, nt, xc, nc, method='wald', alpha=0.1)
    ref = confint_proportions_2indep(xt, nt, xc, nc, method="wald", alpha=0.1)
    assert tuple(res.confidence_interval(level=0.9, method="wald")) == pytest.approx(ref, rel=1e-6)
    # relative lift: statsmodels' log-ratio interval, confint_proportions_2indep(..., compare='ratio',
    # method='log') gives the ratio; the lift is ratio - 1
    lo, hi = confint_proportions_2indep(xt, nt, xc, nc, compare="ratio", method="log")
    assert (res.lift_low, res.lift_high) == pytest.approx((lo - 1, hi - 1), rel=1e-6)
    assert res.relative_lift == pytest.approx((xt / nt) / (xc / nc) - 1, rel=1e-12)
    # Cohen's h closed form
    h = 2 * np.arcsin(np.sqrt(xt / nt)) - 2 * np.arcsin(np.sqrt(xc / nc))
    assert res.cohens_h == pytest.approx(h, rel=1e-12)


@pytest.mark.parametrize(("xc", "nc", "xt", "nt"), CASES)
@pytest.mark.parametrize("correction", [True, False])
def test_chi2_matches_scipy(xc, nc, xt, nt, correction):
    # scipy.stats.chi2_contingency([[xc, nc - xc], [xt, nt - xt]], correction=correction)
    ref = stats.chi2_contingency([[xc, nc - xc], [xt, nt - xt]], correction=correction)
    res = compare_proportions(xc, nc, xt, nt).chi2_test(correction=correction)
    assert res.statistic == pytest.approx(ref.statistic, rel=1e-6)
    assert res.pvalue == pytest.approx(ref.pvalue, rel=1e-6)
    assert res.df == ref.dof == 1


@pytest.mark.parametrize(("xc", "nc", "xt", "nt"), [(3, 12, 9, 11), (0, 8, 5, 9), (2, 20, 2, 20),
                                                     (1, 30, 7, 25), (12, 15, 4, 16)])
@pytest.mark.parametrize(("alternative", "scipy_alt"), [("two-sided", "two-sided"), ("larger", "greater"),
                                                        ("smaller", "less")])
@pytest.mark.filterwarnings("ignore::scimlkit._errors.SmallSampleWarning")
def test_fisher_matches_scipy(xc, nc, xt, nt, alternative, scipy_alt):
    # scipy.stats.fisher_exact([[xt, nt - xt], [xc, nc - xc]], alternative=scipy_alt)
    ref = stats.fisher_exact([[xt, nt - xt], [xc, nc - xc]], alternative=scipy_alt)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateDataWarning)
        res = compare_proportions(xc, nc, xt, nt, alternative=alternative).fisher_exact()
    assert res.pvalue == pytest.approx(ref.pvalue, rel=1e-6)
    assert res.odds_ratio == pytest.approx(ref.statistic, rel=1e-12)


def test_one_sided_pvalues_and_bounds():
    two = compare_proportions(120, 2400, 156, 2400)
    larger = compare_proportions(120, 2400, 156, 2400, alternative="greater")
    smaller = compare_proportions(120, 2400, 156, 2400, alternative="less")
    # statsmodels.stats.proportion.proportions_ztest([156, 120], [2400, 2400], alternative='larger')
    assert larger.pvalue == pytest.approx(proportions_ztest([156, 120], [2400, 2400], alternative="larger")[1],
                                          rel=1e-6)
    assert larger.pvalue + smaller.pvalue == pytest.approx(1.0)
    # a one-sided 95% bound is one end of the two-sided 90% interval
    ninety = two.confidence_interval(level=0.90)
    assert larger.low == pytest.approx(ninety.low) and larger.high == 1.0
    assert smaller.high == pytest.approx(ninety.high) and smaller.low == -1.0


def test_arrays_equal_counts_and_vectorised_rows_equal_single():
    rng = np.random.default_rng(3)
    c, t = rng.random(3000) < 0.1, rng.random(2500) < 0.12
    a = compare_binary(c, t)
    b = compare_proportions(int(c.sum()), c.size, int(t.sum()), t.size)
    assert a == b
    many = compare_many_proportions([120, 30], [2400, 500], [156, 22], [2400, 480]).to_frame()
    for i, case in enumerate(CASES[:2]):
        single = compare_proportions(*case)
        for col in ("difference", "low", "high", "relative_lift", "lift_low", "lift_high", "statistic", "pvalue"):
            assert many.loc[i, col] == pytest.approx(getattr(single, col), rel=1e-12)


def test_ztest_type_one_error_simulation():
    # 20,000 seeded A/A experiments (p = 0.1, 1,000 users per arm); the rejection rate at
    # alpha = 0.05 must be within 3.5 binomial SDs (sqrt(0.05 * 0.95 / 20000) = 0.0015) of 0.05
    rng = np.random.default_rng(2024)
    k = 20_000
    res = compare_many_proportions(rng.binomial(1000, 0.1, k), 1000, rng.binomial(1000, 0.1, k), 1000,
                                   adjust="none")
    rate = np.mean(res.table["pvalue"] <= 0.05)
    assert abs(rate - 0.05) < 3.5 * np.sqrt(0.05 * 0.95 / k)


def test_interval_coverage_simulation():
    # coverage of the Newcombe difference interval and the delta-method lift interval over
    # 20,000 seeded experiments; tolerance 3.5 binomial SDs (0.0054) of the nominal 0.95
    rng = np.random.default_rng(7)
    k, pc, pt = 20_000, 0.20, 0.23
    xc, xt = rng.binomial(800, pc, k), rng.binomial(900, pt, k)
    tab = compare_many_proportions(xc, 800, xt, 900, adjust="none").table
    tol = 3.5 * np.sqrt(0.95 * 0.05 / k)
    diff_cover = np.mean((tab["low"] <= pt - pc) & (pt - pc <= tab["high"]))
    lift_cover = np.mean((tab["lift_low"] <= pt / pc - 1) & (pt / pc - 1 <= tab["lift_high"]))
    assert abs(diff_cover - 0.95) < tol
    assert abs(lift_cover - 0.95) < tol


@pytest.mark.filterwarnings("ignore::scimlkit._errors.DegenerateDataWarning")
@pytest.mark.filterwarnings("ignore::scimlkit._errors.SmallSampleWarning")
def test_degenerate_tables_warn_not_nan():
    with pytest.warns(DegenerateDataWarning, match="0% or 100%"):
        res = compare_proportions(0, 50, 0, 60)
    assert res.statistic == 0.0 and res.pvalue == 1.0
    with pytest.warns(DegenerateDataWarning, match="chi-squared"):
        assert compare_proportions(10, 10, 12, 12).chi2_test().pvalue == 1.0
    with pytest.warns(DegenerateDataWarning, match="relative-lift"):
        res = compare_proportions(0, 50, 4, 60)
    assert np.isnan(res.lift_low) and np.isnan(res.relative_lift)


@pytest.mark.parametrize(
    ("args", "kwargs", "match"),
    [
        ((-1, 100, 5, 100), {}, "successes_control"),
        ((1.5, 100, 5, 100), {}, "whole-number"),
        ((5, 100, 101, 100), {}, "must not exceed"),
        ((5, 0, 5, 100), {}, "trials_control"),
        ((np.nan, 100, 5, 100), {}, "NaN"),
        ((5, 100, 6, 100), {"alpha": 0.0}, "alpha"),
        ((5, 100, 6, 100), {"alpha": 1.5}, "alpha"),
        ((5, 100, 6, 100), {"alternative": "bigger"}, "alternative"),
        ((5, 100, 6, 100), {"ci_method": "magic"}, "ci_method"),
        (([5, 6], 100, 6, 100), {}, "compare_many_proportions"),
    ],
)
def test_bad_input(args, kwargs, match):
    with pytest.raises(InputError, match=match):
        compare_proportions(*args, **kwargs)


def test_bad_binary_arrays():
    with pytest.raises(InputError, match="only 0 and 1"):
        compare_binary([0, 1, 2], [0, 1])
    with pytest.raises(InputError, match="at least 1"):
        compare_binary([], [0, 1])
    with pytest.raises(InputError, match="NaN"):
        compare_binary([0, 1, np.nan], [0, 1])


@pytest.mark.parametrize("args", [(10**18, 10**19, 10**18 + 5, 10**19), (5, 2**53, 6, 100), (1, 10**400, 1, 10),
                                  (np.uint64(2**64 - 1), 2**64, 1, 10)])
def test_counts_too_large_to_be_exact_are_refused(args):
    # above 2**53 a float64 no longer holds every count (and int64 overflows above 2**63)
    with pytest.raises(InputError, match="below 2\\*\\*53"):
        compare_proportions(*args)
    with pytest.raises(InputError, match="below 2\\*\\*53"):
        compare_many_proportions(*args)
    res = compare_proportions(2**52, 2**53 - 1, 2**52 + 10**6, 2**53 - 1)
    assert res.trials_control == 2**53 - 1 and np.isfinite(res.pvalue)


@pytest.mark.parametrize(("xc", "nc", "xt", "nt"), [(3, 12, 9, 11), (0, 8, 5, 9), (2, 20, 2, 20), (1, 30, 7, 25),
                                                     (12, 15, 4, 16), (120, 2400, 156, 2400), (0, 1, 1, 1)])
@pytest.mark.filterwarnings("ignore::scimlkit._errors.SmallSampleWarning")
def test_fisher_tails_without_the_support_match_scipy(monkeypatch, xc, nc, xt, nt):
    # the search used for large tables, forced onto small ones
    from scimlkit.experiment import _binary

    monkeypatch.setattr(_binary, "_FISHER_DENSE", 0)
    ref = stats.fisher_exact([[xt, nt - xt], [xc, nc - xc]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateDataWarning)
        res = compare_proportions(xc, nc, xt, nt).fisher_exact()
    assert res.pvalue == pytest.approx(ref.pvalue, rel=1e-9)


@pytest.mark.parametrize(("xc", "nc", "xt", "nt"), [(5 * 10**6, 10**7, 5 * 10**6 + 5, 10**7),
                                                     (10**6, 10**7, 10**6 + 2000, 10**7),
                                                     (10**5, 2 * 10**5, 10**5 + 300, 2 * 10**5)])
def test_fisher_on_a_large_table_uses_little_memory(xc, nc, xt, nt):
    import tracemalloc

    tracemalloc.start()
    try:
        res = compare_proportions(xc, nc, xt, nt).fisher_exact()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1_000_000
    # scipy.stats.fisher_exact([[xt, nt - xt], [xc, nc - xc]])
    assert res.pvalue == pytest.approx(stats.fisher_exact([[xt, nt - xt], [xc, nc - xc]]).pvalue, rel=1e-9)


def test_fisher_refuses_tables_above_its_limit():
    res = compare_proportions(10**10, 2 * 10**10, 10**10 + 5, 2 * 10**10)
    with pytest.raises(InputError, match="Fisher's exact test takes tables of at most"):
        res.fisher_exact()


def test_small_expected_counts_warn_that_the_ztest_is_unreliable():
    # one user who converted against a 10% control: the z-test says p = 0.003, the exact test 0.10
    with pytest.warns(SmallSampleWarning, match="fewer than 5 successes or failures"):
        res = compare_proportions(100, 1000, 1, 1)
    # scipy.stats.fisher_exact([[1, 0], [100, 900]])
    assert res.pvalue < 0.01 < 0.05 < stats.fisher_exact([[1, 0], [100, 900]]).pvalue
    with pytest.warns(SmallSampleWarning, match="1 comparison"):
        compare_many_proportions([100, 100], [1000, 1000], [3, 110], [20, 1000])
    with warnings.catch_warnings():  # every expected cell >= 5 (6 = 40 * 0.15): no warning
        warnings.simplefilter("error")
        compare_proportions(6, 40, 6, 40)
        compare_proportions(120, 2400, 156, 2400)
