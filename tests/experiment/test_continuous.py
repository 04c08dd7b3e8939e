"""Continuous metrics: SciPy references, effect sizes, simulations, bad input."""

import warnings

import numpy as np
import pytest
from scipy import stats

from scimlkit._errors import DegenerateDataWarning, InputError
from scimlkit.experiment import (
    compare_many_means,
    compare_means,
    compare_means_from_stats,
    mann_whitney,
)


@pytest.fixture(scope="module")
def samples():
    rng = np.random.default_rng(0)
    return rng.normal(10, 2, 40), rng.normal(11, 3, 35)


@pytest.mark.parametrize("equal_var", [False, True])
@pytest.mark.parametrize(("alternative", "scipy_alt"), [("two-sided", "two-sided"), ("larger", "greater"),
                                                        ("smaller", "less")])
def test_ttest_matches_scipy(samples, equal_var, alternative, scipy_alt):
    c, t = samples
    # scipy.stats.ttest_ind(t, c, equal_var=equal_var, alternative=scipy_alt)
    ref = stats.ttest_ind(t, c, equal_var=equal_var, alternative=scipy_alt)
    res = compare_means(c, t, equal_var=equal_var, alternative=alternative)
    assert res.statistic == pytest.approx(ref.statistic, rel=1e-6)
    assert res.pvalue == pytest.approx(ref.pvalue, rel=1e-6)
    assert res.df == pytest.approx(ref.df, rel=1e-6)
    for level in (0.95, 0.9):
        # ref.confidence_interval(confidence_level=level)
        want = ref.confidence_interval(confidence_level=level)
        got = res.confidence_interval(level=level)
        for a, b in zip(got, want):
            assert a == pytest.approx(b, rel=1e-6) if np.isfinite(b) else a == b
    assert (res.low, res.high) == tuple(res.confidence_interval())


def test_from_stats_matches_scipy():
    # scipy.stats.ttest_ind_from_stats(10.6, 4.2, 500, 10.0, 4.0, 500, equal_var=False)
    ref = stats.ttest_ind_from_stats(10.6, 4.2, 500, 10.0, 4.0, 500, equal_var=False)
    res = compare_means_from_stats(10.0, 4.0, 500, 10.6, 4.2, 500)
    assert res.statistic == pytest.approx(ref.statistic, rel=1e-6)
    assert res.pvalue == pytest.approx(ref.pvalue, rel=1e-6)


def test_effect_sizes_closed_form(samples):
    c, t = samples
    res = compare_means(c, t)
    nc, nt = c.size, t.size
    sp = np.sqrt(((nc - 1) * c.var(ddof=1) + (nt - 1) * t.var(ddof=1)) / (nc + nt - 2))
    d = (t.mean() - c.mean()) / sp
    assert res.cohens_d == pytest.approx(d, rel=1e-12)
    # Hedges' g: exact factor J; close to the usual approximation 1 - 3 / (4 df - 1)
    df = nc + nt - 2
    assert res.hedges_g == pytest.approx(d * (1 - 3 / (4 * df - 1)), rel=1e-4)
    assert abs(res.hedges_g) < abs(res.cohens_d)
    assert res.relative_lift == pytest.approx(t.mean() / c.mean() - 1, rel=1e-12)


def test_lift_interval_is_delta_method(samples):
    c, t = samples
    res = compare_means(c, t)
    se = np.sqrt(t.var(ddof=1) / t.size / t.mean() ** 2 + c.var(ddof=1) / c.size / c.mean() ** 2)
    z = stats.norm.ppf(0.975)
    ratio = t.mean() / c.mean()
    assert res.lift_low == pytest.approx(ratio * np.exp(-z * se) - 1, rel=1e-9)
    assert res.lift_high == pytest.approx(ratio * np.exp(z * se) - 1, rel=1e-9)
    assert tuple(res.lift_interval()) == pytest.approx((res.lift_low, res.lift_high))


@pytest.mark.parametrize(("alternative", "scipy_alt"), [("two-sided", "two-sided"), ("larger", "greater"),
                                                        ("smaller", "less")])
@pytest.mark.parametrize("continuity", [True, False])
def test_mann_whitney_matches_scipy(samples, alternative, scipy_alt, continuity):
    c, t = np.round(samples[0]), np.round(samples[1])  # rounding creates ties
    # scipy.stats.mannwhitneyu(t, c, alternative=scipy_alt, use_continuity=continuity, method='asymptotic')
    ref = stats.mannwhitneyu(t, c, alternative=scipy_alt, use_continuity=continuity, method="asymptotic")
    res = mann_whitney(c, t, alternative=alternative, use_continuity=continuity)
    assert res.statistic == pytest.approx(ref.statistic, rel=1e-12)
    assert res.pvalue == pytest.approx(ref.pvalue, rel=1e-6)
    assert res.prob_superiority == pytest.approx(ref.statistic / (c.size * t.size))


@pytest.mark.parametrize(("nc", "nt"), [(5, 7), (8, 8), (1, 6), (20, 25), (30, 30)])
@pytest.mark.parametrize(("alternative", "scipy_alt"), [("two-sided", "two-sided"), ("larger", "greater"),
                                                        ("smaller", "less")])
def test_mann_whitney_exact_matches_scipy(nc, nt, alternative, scipy_alt):
    rng = np.random.default_rng(nc * 100 + nt)
    c, t = rng.normal(0, 1, nc), rng.normal(0.7, 1, nt)
    # scipy.stats.mannwhitneyu(t, c, alternative=scipy_alt, method='exact')
    ref = stats.mannwhitneyu(t, c, alternative=scipy_alt, method="exact")
    res = mann_whitney(c, t, alternative=alternative, method="exact")
    assert res.pvalue == pytest.approx(ref.pvalue, rel=1e-6) and res.method == "exact"
    if nc <= 8 and nt <= 8:
        # the default ('auto') uses the exact distribution for small samples without ties, as SciPy does
        # scipy.stats.mannwhitneyu(t, c, alternative=scipy_alt)
        assert mann_whitney(c, t, alternative=alternative).pvalue == pytest.approx(
            stats.mannwhitneyu(t, c, alternative=scipy_alt).pvalue, rel=1e-6)


def _simulate_stats(rng, k, n_c, n_t, sd_c, sd_t, shift=0.0):
    c = rng.normal(10.0, sd_c, (k, n_c))
    t = rng.normal(10.0 + shift, sd_t, (k, n_t))
    return c.mean(1), c.std(1, ddof=1), n_c, t.mean(1), t.std(1, ddof=1), n_t


def test_welch_type_one_error_and_student_failure():
    # 20,000 seeded A/A experiments with unequal variances and sizes. Welch's rejection rate must
    # be within 3.5 binomial SDs (0.0054) of 0.05; Student's pooled test is known to be far off
    # here (small arm with the large variance), which the same tolerance must detect.
    rng = np.random.default_rng(5)
    k = 20_000
    sim = _simulate_stats(rng, k, 60, 15, 1.0, 3.0)
    tol = 3.5 * np.sqrt(0.05 * 0.95 / k)
    welch = compare_many_means(*sim, adjust="none").table["pvalue"]
    student = compare_many_means(*sim, adjust="none", equal_var=True).table["pvalue"]
    assert abs(np.mean(welch <= 0.05) - 0.05) < tol
    assert np.mean(student <= 0.05) - 0.05 > tol


def test_t_interval_coverage():
    # coverage of the Welch interval of the difference (true shift 0.4) over 20,000 seeded
    # experiments within 3.5 binomial SDs (0.0054) of 0.95
    rng = np.random.default_rng(6)
    k = 20_000
    tab = compare_many_means(*_simulate_stats(rng, k, 30, 45, 1.0, 2.0, shift=0.4), adjust="none").table
    coverage = np.mean((tab["low"] <= 0.4) & (0.4 <= tab["high"]))
    assert abs(coverage - 0.95) < 3.5 * np.sqrt(0.95 * 0.05 / k)


def test_rows_of_many_equal_single(samples):
    c, t = samples
    single = compare_means(c, t)
    many = compare_many_means(c.mean(), c.std(ddof=1), c.size, t.mean(), t.std(ddof=1), t.size).to_frame()
    for col in ("difference", "low", "high", "statistic", "df", "pvalue", "cohens_d", "hedges_g"):
        assert many.loc[0, col] == pytest.approx(getattr(single, col), rel=1e-12)


def test_constant_data_warns():
    with pytest.warns(DegenerateDataWarning, match="zero variance"):
        res = compare_means([1.0, 1.0, 1.0], [1.0, 1.0])
    assert np.isnan(res.pvalue)


@pytest.mark.parametrize(
    ("control", "treatment", "kwargs", "match"),
    [
        ([], [1.0, 2.0], {}, "empty"),
        ([1.0], [1.0, 2.0], {}, "at least 2"),
        ([1.0, np.nan], [1.0, 2.0], {}, "NaN"),
        ([1.0, np.inf, 3.0], [1.0, 2.0], {}, "infinite"),
        ([1.0, 2.0], [1.0, 2.0], {"alpha": 1.5}, "alpha"),
        ([1.0, 2.0], [1.0, 2.0], {"alternative": "up"}, "alternative"),
        (["a", "b"], [1.0, 2.0], {}, "numeric"),
    ],
)
def test_bad_input(control, treatment, kwargs, match):
    with pytest.raises(InputError, match=match):
        compare_means(control, treatment, **kwargs)


def test_bad_stats_and_mann_whitney_input():
    with pytest.raises(InputError, match="sd_control"):
        compare_means_from_stats(1.0, -1.0, 10, 1.0, 1.0, 10)
    with pytest.raises(InputError, match="n_treatment"):
        compare_means_from_stats(1.0, 1.0, 10, 1.0, 1.0, 1)
    with pytest.raises(InputError, match="all tied"):
        mann_whitney([2.0, 2.0], [2.0, 2.0, 2.0])
    with pytest.raises(InputError, match="NaN"):
        mann_whitney([2.0, np.nan], [2.0, 2.0, 2.0])
    with pytest.raises(InputError, match="without ties"):
        mann_whitney([1.0, 2.0], [2.0, 3.0], method="exact")
    with pytest.raises(InputError, match="method"):
        mann_whitney([1.0, 2.0], [2.5, 3.0], method="permutation")


def test_lift_needs_a_positive_control_mean():
    # dividing by a negative control mean would flip the lift's sign: -10 -> -15 is not +50 %
    control = np.array([-10.0, -12.0, -8.0, -11.0, -9.0])
    with pytest.warns(DegenerateDataWarning, match="lift itself"):
        res = compare_means(control, control - 5.0)
    assert res.difference == pytest.approx(-5.0)
    assert np.isnan(res.relative_lift) and np.isnan(res.lift_low) and np.isnan(res.lift_high)
    # a positive control with a treatment mean <= 0: the lift (-150 %) keeps its sign, the
    # log-ratio interval is undefined
    with pytest.warns(DegenerateDataWarning):
        res = compare_means(np.array([1.0, 2.0, 3.0]), np.array([-2.0, -1.0, 0.0]))
    assert res.relative_lift == pytest.approx(-1.5) and np.isnan(res.lift_low)


@pytest.mark.parametrize(("control", "treatment"), [(np.full(7, 0.1), np.full(9, 0.1)),
                                                      (np.full(7, 0.1), np.full(7, 0.3))])
def test_constant_arms_are_degenerate_despite_round_off(control, treatment):
    # seven copies of 0.1 have a textbook standard deviation of 1.5e-17; scipy.stats.ttest_ind(
    # treatment, control, equal_var=False) warns of catastrophic cancellation and returns a t of
    # about 1e16; the arms have zero variance, so the test is undefined (NaN, with a warning)
    assert control.std(ddof=1) > 0
    with pytest.warns(DegenerateDataWarning, match="zero variance in both arms"):
        res = compare_means(control, treatment)
    assert np.isnan(res.pvalue) and np.isnan(res.statistic)
    assert res.sd_control == 0.0 and res.sd_treatment == 0.0
    assert res.difference == pytest.approx(treatment[0] - control[0], abs=1e-15)


def test_small_spread_of_large_whole_numbers_is_kept():
    # whole numbers around 1.7e15 (microsecond timestamps) are exact in float64; a spread of
    # about 1 unit is real, however small next to the values. Reference on the shifted values
    # (exact): scipy.stats.ttest_ind(t - 1.7e15, c - 1.7e15, equal_var=False)
    rng = np.random.default_rng(0)
    c = 1.7e15 + rng.integers(0, 3, 500).astype(float)
    t = 1.7e15 + rng.integers(1, 4, 500).astype(float)
    ref = stats.ttest_ind(t - 1.7e15, c - 1.7e15, equal_var=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DegenerateDataWarning)
        res = compare_means(c, t)
    assert res.sd_control == pytest.approx((c - 1.7e15).std(ddof=1), rel=1e-12)
    assert res.statistic == pytest.approx(ref.statistic, rel=1e-9)
    assert res.pvalue == pytest.approx(ref.pvalue, rel=1e-6)
    # the same through analyze (one row per user)
    import pandas as pd

    from scimlkit.experiment import analyze

    frame = pd.DataFrame({"arm": ["control"] * 500 + ["B"] * 500, "t_us": np.concatenate([c, t])})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        row = analyze(frame, group="arm", metric="t_us").comparisons.iloc[0]
    assert row["pvalue"] == pytest.approx(ref.pvalue, rel=1e-6)


def test_lift_interval_of_a_control_mean_near_zero_is_unbounded_without_numpy_warnings():
    # control mean 5e-4 with a standard error of about 0.7: the log-ratio interval's upper end is
    # exp(thousands), an unbounded relative lift, not a numpy overflow warning
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        res = compare_means([-1.0, 1.001], [1.0, 2.0, 3.0])
    assert res.lift_high == np.inf and -1.0 <= res.lift_low < res.relative_lift


def _large_whole_numbers(rng, n, base=1.7e15):
    # microsecond timestamps: whole numbers (and some halves) around 1.7e15, exact in float64
    c = base + rng.integers(0, 3, n)
    t = base + rng.integers(0, 3, n) + 0.5 * (rng.random(n) < 0.5)  # treatment +0.25 on average
    return c, t


def test_large_values_take_their_moments_about_a_pivot():
    # summing values near 1.7e15 loses whole units: the unshifted moments gave a difference of
    # 0.500 and t = 29.2 here. Reference on the shifted values (exact):
    # scipy.stats.ttest_ind(t - 1.7e15, c - 1.7e15, equal_var=False) gives difference 0.2417, t 14.4
    import pandas as pd

    from scimlkit.experiment import analyze

    base = 1.7e15
    c, t = _large_whole_numbers(np.random.default_rng(0), 5000, base)
    ref = stats.ttest_ind(t - base, c - base, equal_var=False)
    diff = (t - base).mean() - (c - base).mean()
    res = compare_means(c, t)
    assert res.difference == pytest.approx(diff, rel=1e-12)
    assert res.sd_control == pytest.approx((c - base).std(ddof=1), rel=1e-12)
    assert res.sd_treatment == pytest.approx((t - base).std(ddof=1), rel=1e-12)
    assert res.statistic == pytest.approx(ref.statistic, rel=1e-9)
    assert res.pvalue == pytest.approx(ref.pvalue, rel=1e-6)
    assert res.mean_treatment - base == pytest.approx((t - base).mean(), abs=0.25)  # 0.25: one unit in the last place
    frame = pd.DataFrame({"arm": ["control"] * 5000 + ["B"] * 5000, "t_us": np.concatenate([c, t])})
    row = analyze(frame, group="arm", metric="t_us").comparisons.iloc[0]
    assert row["difference"] == pytest.approx(diff, rel=1e-12)
    assert row["statistic"] == pytest.approx(ref.statistic, rel=1e-9)
    low, high = ref.confidence_interval(0.95)
    assert (row["low"], row["high"]) == pytest.approx((low, high), rel=1e-9)
    # whole numbers that differ by 1 (four units in the last place) are data, not round-off
    c, t = 1.7e15 + np.arange(40) % 2, 1.7e15 + (np.arange(40) % 4 > 0)
    ref = stats.ttest_ind(t - 1.7e15, c - 1.7e15, equal_var=False)
    assert compare_means(c, t).statistic == pytest.approx(ref.statistic, rel=1e-9)


def test_arms_differing_by_round_off_only_have_no_difference():
    # a metric that is 0.3 for every user, 5 of the 20 treatment values computed as 0.1 + 0.2:
    # the textbook moments give sd 2.8e-17 and t = 8.7 (p 4.6e-8); the arms are constant and
    # equal, so the test is undefined (NaN, with a warning) as for two constant arms
    import pandas as pd

    from scimlkit.experiment import analyze

    control = np.full(20, 0.3)
    treatment = np.array([0.3] * 15 + [0.1 + 0.2] * 5)
    assert treatment.std(ddof=1) > 0
    with pytest.warns(DegenerateDataWarning, match="zero variance in both arms"):
        res = compare_means(control, treatment)
    assert res.sd_treatment == 0.0 and res.difference == 0.0 and res.relative_lift == 0.0
    assert np.isnan(res.statistic) and np.isnan(res.pvalue)
    frame = pd.DataFrame({"arm": ["control"] * 20 + ["B"] * 20 + ["C"] * 20,
                          "share": np.concatenate([control, treatment, control + 0.1])})
    with pytest.warns(DegenerateDataWarning, match="zero variance in both arms"):
        table = analyze(frame, group="arm", metric="share").comparisons.set_index("treatment")
    assert table.loc["B", "difference"] == 0.0 and np.isnan(table.loc["B", "pvalue"])
    assert not table["significant"].any()
    # a real spread of 1e-9 on values near 1 is data; reference scipy.stats.ttest_ind(t, c, equal_var=False)
    rng = np.random.default_rng(1)
    c, t = 1.0 + 1e-9 * rng.standard_normal(30), 1.0 + 1e-9 * (1.0 + rng.standard_normal(30))
    ref = stats.ttest_ind(t, c, equal_var=False)
    res = compare_means(c, t)
    assert res.statistic == pytest.approx(ref.statistic, rel=1e-5)
    assert res.pvalue == pytest.approx(ref.pvalue, rel=1e-4)


def test_lift_interval_equals_the_lift_fields():
    # the method and the fields both take the lift from the difference (precise about a pivot)
    from scimlkit.experiment import cuped

    gen = np.random.default_rng(11)
    for base in (1000.0, 1.7e15):
        c = base + gen.integers(0, 3, 2_000).astype(float)
        t = base + gen.integers(0, 3, 2_000).astype(float) + 1.0
        res = compare_means(c, t)
        assert tuple(res.lift_interval()) == (res.lift_low, res.lift_high)
        assert res.lift_low <= res.relative_lift <= res.lift_high
    x = gen.normal(size=(2, 500))
    res = cuped(1000 + x[0] + gen.normal(size=500), 1001 + x[1] + gen.normal(size=500), x[0], x[1])
    assert tuple(res.lift_interval()) == (res.lift_low, res.lift_high)
