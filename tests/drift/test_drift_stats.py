"""Statistics of the drift module checked against SciPy / statsmodels."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.spatial.distance import jensenshannon

from scimlkit.drift import DriftMonitor
from scimlkit.drift._corrections import adjust_pvalues
from scimlkit.drift._profile import NumericSummary
from scimlkit.drift._tests import (
    categorical_column,
    knot_index,
    ks_pvalues,
    missing_rate_tests,
    numeric_column,
)


def _exact(x):
    return NumericSummary.from_values("x", np.asarray(x, float), eps=0.0005, max_exact=10**7).finalise(20)


@pytest.mark.parametrize("rounding", [None, 1])
def test_ks_large_sample_equals_scipy(rounding):
    gen = np.random.default_rng(1)
    ref, cur = gen.normal(size=30_000), gen.normal(0.02, 1.0, size=20_000)
    if rounding is not None:  # heavy ties
        ref, cur = np.round(ref, rounding), np.round(cur, rounding)
    out = numeric_column(_exact(ref), cur, "ks")
    p = ks_pvalues(np.array([out["statistic"]]), np.array([ref.size]), np.array([cur.size]))[0]
    expected = stats.ks_2samp(ref, cur)  # method="auto" -> asymptotic at these sizes
    assert out["statistic"] == pytest.approx(expected.statistic, abs=1e-12)
    assert p == pytest.approx(expected.pvalue, rel=1e-8)


def test_ks_small_sample_equals_scipy_exact_method():
    gen = np.random.default_rng(2)
    ref, cur = gen.normal(size=400), gen.normal(0.3, 1.0, size=250)
    report = DriftMonitor(max_exact=10_000).fit(pd.DataFrame({"x": ref})).check(pd.DataFrame({"x": cur}))
    expected = stats.ks_2samp(ref, cur)  # exact method for n <= 10,000
    row = report.table.iloc[0]
    assert row["statistic"] == pytest.approx(expected.statistic, abs=1e-12)
    assert row["pvalue"] == pytest.approx(expected.pvalue, rel=1e-10)


def test_ks_pvalues_match_kstwo_over_a_grid():
    gen = np.random.default_rng(3)
    d = np.r_[gen.uniform(0, 0.06, 40), 0.5, 0.9]
    n = np.r_[gen.integers(150, 60_000, 40), 5000, 300]
    m = np.r_[gen.integers(100, 30_000, 40), 4000, 300]
    big, small = np.maximum(n, m).astype(float), np.minimum(n, m).astype(float)
    expected = stats.kstwo.sf(d, np.round(big * small / (big + small)))  # what ks_2samp(method="asymp") does
    got = ks_pvalues(d, n, m)
    assert np.all((got == 0) == (expected == 0))
    np.testing.assert_allclose(got, expected, rtol=1e-8, atol=0)


def _cvm_ecdf(x, y):
    """The two-sample Cramer-von Mises statistic straight from its definition (Anderson 1962):
    N M / (N + M)^2 times the sum, over every pooled observation, of the squared ECDF gap."""
    pooled = np.concatenate([x, y])
    f = np.searchsorted(np.sort(x), pooled, side="right") / x.size
    g = np.searchsorted(np.sort(y), pooled, side="right") / y.size
    return x.size * y.size / pooled.size**2 * np.sum((f - g) ** 2)


def test_cvm_equals_scipy_without_ties():
    gen = np.random.default_rng(4)
    ref, cur = gen.normal(size=3000), gen.normal(0.05, 1.1, size=2000)
    out = numeric_column(_exact(ref), cur, "cvm")
    expected = stats.cramervonmises_2samp(ref, cur)  # asymptotic method at these sizes
    assert out["statistic"] == pytest.approx(expected.statistic, rel=1e-9)
    assert out["statistic"] == pytest.approx(_cvm_ecdf(ref, cur), rel=1e-9)
    assert out["pvalue"] == pytest.approx(expected.pvalue, rel=1e-7, abs=1e-12)


def test_cvm_with_ties_is_the_ecdf_statistic():
    # SciPy's rank formula departs from the ECDF statistic on tied samples; ours is the
    # definition itself
    gen = np.random.default_rng(4)
    ref, cur = np.round(gen.normal(size=3000), 1), np.round(gen.normal(0.05, 1.1, size=2000), 1)
    out = numeric_column(_exact(ref), cur, "cvm")
    assert out["statistic"] == pytest.approx(_cvm_ecdf(ref, cur), rel=1e-9)
    assert abs(out["statistic"] - stats.cramervonmises_2samp(ref, cur).statistic) > 1e-3


def test_cvm_small_sample_uses_scipy_exact():
    gen = np.random.default_rng(5)
    ref, cur = gen.normal(size=15), gen.normal(1.0, 1.0, size=12)
    out = numeric_column(_exact(ref), cur, "cvm")
    expected = stats.cramervonmises_2samp(ref, cur)  # exact method for sizes <= 20
    assert out["pvalue"] == pytest.approx(expected.pvalue, rel=1e-12)


@pytest.mark.parametrize("rounding", [None, 1])
def test_anderson_equals_scipy(rounding):
    gen = np.random.default_rng(6)
    ref, cur = gen.normal(size=2000), gen.normal(0.08, 1.0, size=1500)
    if rounding is not None:
        ref, cur = np.round(ref, rounding), np.round(cur, rounding)
    out = numeric_column(_exact(ref), cur, "anderson")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = stats.anderson_ksamp([ref, cur], variant="midrank")
    assert out["statistic"] == pytest.approx(expected.statistic, rel=1e-9)
    assert 0.001 < expected.pvalue < 0.25  # inside the tabulated range SciPy interpolates
    assert out["pvalue"] == pytest.approx(expected.pvalue, rel=1e-9)


def test_anderson_pvalue_extends_beyond_scipy_floor():
    gen = np.random.default_rng(7)
    ref, cur = gen.normal(size=2000), gen.normal(0.5, 1.0, size=1500)
    out = numeric_column(_exact(ref), cur, "anderson")
    assert out["pvalue"] < 1e-6  # SciPy would floor it at 0.001


def test_chi2_equals_chi2_contingency_without_pooling():
    gen = np.random.default_rng(8)
    ref = _cat_summary(gen.choice(list("abcd"), 5000, p=[0.4, 0.3, 0.2, 0.1]))
    cur = gen.choice(list("abcd"), 3000, p=[0.35, 0.3, 0.2, 0.15])
    out = categorical_column(ref, cur)
    table = np.array([[np.sum(ref.counts[ref.categories == c]) for c in "abcd"],
                      [np.sum(cur == c) for c in "abcd"]])
    expected = stats.chi2_contingency(table, correction=False)
    assert out["statistic"] == pytest.approx(expected.statistic, rel=1e-12)
    assert out["pvalue"] == pytest.approx(expected.pvalue, rel=1e-10)
    assert out["unseen"] == []


def test_chi2_pools_rare_and_reports_unseen():
    ref = _cat_summary(np.array(["a"] * 500 + ["b"] * 400 + ["r1"] * 2 + ["r2"] * 2))
    cur = np.array(["a"] * 300 + ["b"] * 280 + ["new"] * 3 + ["r1"] * 1)
    out = categorical_column(ref, cur)
    assert out["unseen"] == ["new"]
    # r1, r2 and the unseen 'new' are rare (expected count < 5) and pooled; the pooled cell is
    # still too small (expected 4.9 in the reference row), so it joins the smallest category, b,
    # for the chi-squared test, and Fisher's exact test of that cell against the rest runs beside
    # it: p = min(chi2_contingency(pooled).pvalue / 0.8, fisher_exact(cell vs rest).pvalue / 0.2)
    pooled = np.array([[500, 404], [300, 284]])
    expected = stats.chi2_contingency(pooled, correction=False)
    fisher = stats.fisher_exact([[4, 900], [4, 580]])
    assert out["fisher"]
    assert out["pvalue"] == pytest.approx(min(1.0, expected.pvalue / 0.8, fisher.pvalue / 0.2), rel=1e-10)


def test_a_new_category_in_a_small_batch_is_not_diluted_in_a_large_one():
    # 52 rows of a category the reference never saw in a 1,000-row batch against 100,002
    # reference rows: its expected batch count (0.5) is too small for the chi-squared test, so its
    # cell joins the smallest category; alone, that test read p = 0.02, and an effect of 0.05
    # where the cells with the new one apart read 0.16 (the population's distance is 0.16)
    ref = _cat_summary(np.repeat(list("abcdef"), 16_667))
    batch = np.r_[np.repeat(list("abcdef"), 158), ["NEW"] * 52]
    out = categorical_column(ref, batch)
    assert out["unseen"] == ["NEW"]
    # scipy.stats.fisher_exact([[0, 100_002], [52, 948]]).pvalue over its share 0.2 of the level
    fisher = stats.fisher_exact([[0, 100_002], [52, 948]]).pvalue
    assert out["pvalue"] == pytest.approx(fisher / 0.2, rel=1e-6) and out["pvalue"] < 1e-60
    assert out["js_gate"] > 0.12
    report = DriftMonitor().fit(pd.DataFrame({"c": np.repeat(list("abcdef"), 16_667)})).check(
        pd.DataFrame({"c": batch}))
    assert report.drifted() == ["c"] and report.table.loc[0, "test"] == "chi-squared + fisher"
    # a constant reference: a new category in a tenth of the batch was pooled away (p = 1)
    out = categorical_column(_cat_summary(["a"] * 10_000), np.array(["a"] * 90 + ["NEW"] * 10))
    assert out["pvalue"] == pytest.approx(stats.fisher_exact([[0, 10_000], [10, 90]]).pvalue, rel=1e-6)
    assert out["pvalue"] < 1e-15


def test_chi2_with_a_fisher_cell_keeps_its_level(monkeypatch):
    # six common categories and three rare ones, a large reference and small batches: the rare
    # categories' cell is too small for the chi-squared test, so Fisher's test runs beside it.
    # 1,500 same-distribution batches at alpha 0.05: 75 rejections expected (sd 8.4); 100 is
    # three sd above
    import scimlkit.drift._tests as drift_tests

    calls = []
    fisher = drift_tests._fisher_two_sided
    monkeypatch.setattr(drift_tests, "_fisher_two_sided", lambda *a: calls.append(1) or fisher(*a))
    gen = np.random.default_rng(11)
    share = np.r_[np.full(6, 0.165), 0.004, 0.003, 0.003]
    cats = np.array([f"k{i}" for i in range(9)])
    pvalues = []
    for _ in range(15):
        ref = _cat_summary(gen.choice(cats, 50_000, p=share))
        for _ in range(100):
            pvalues.append(categorical_column(ref, gen.choice(cats, 150, p=share))["pvalue"])
    assert len(calls) > 1400  # the Fisher cell was in (nearly) every test
    pvalues = np.array(pvalues)
    assert np.mean(pvalues < 0.05) < 100 / 1500
    assert np.mean(pvalues < 0.01) < 28 / 1500  # 15 expected, sd 3.9


def _cat_summary(values):
    from scimlkit.drift._profile import CategoricalSummary

    return CategoricalSummary.from_values("c", pd.Series(values))


def test_missing_rate_test_equals_chi2_contingency():
    z, p = missing_rate_tests([30, 0, 0], [1000, 1000, 1000], [50, 0, 12], [800, 800, 800])
    expected = stats.chi2_contingency([[30, 970], [50, 750]], correction=False).pvalue
    assert p[0] == pytest.approx(expected, rel=1e-10)
    assert np.isnan(p[1])  # nothing missing anywhere: not tested
    assert p[2] == pytest.approx(stats.chi2_contingency([[0, 1000], [12, 788]], correction=False).pvalue, rel=1e-10)


def test_missing_rate_test_is_fisher_exact_where_an_expected_count_is_below_5():
    # one missing value in a 500-row batch, none in 20,000 reference rows: the chi-squared
    # approximation gave 2.5e-10; scipy.stats.fisher_exact([[0, 20000], [1, 499]]).pvalue = 0.0244
    tables = [(0, 20_000, 1, 500), (3, 1000, 0, 10), (5, 20, 1, 7), (995, 1000, 0, 3), (2, 3, 1, 3),
              (0, 10**6, 4, 50_000), (9, 100, 0, 100), (12, 1000, 0, 700)]  # expected counts below 5
    k_ref, n_ref, k_cur, n_cur = map(np.array, zip(*tables))
    _, p = missing_rate_tests(k_ref, n_ref, k_cur, n_cur)
    for (a, n, b, m), got in zip(tables, p):
        # scipy.stats.fisher_exact(table) (two-sided)
        assert got == pytest.approx(stats.fisher_exact([[a, n - a], [b, m - b]]).pvalue, rel=1e-8)
    assert p[0] == pytest.approx(1 / 41, rel=1e-8)
    # the rule's edge: smallest expected count 1000 * 9 / 2000 = 4.5 (exact test) and
    # 1000 * 10 / 2000 = 5 (chi-squared)
    _, (p_below, p_at) = missing_rate_tests([9, 10], [1000, 1000], [0, 0], [1000, 1000])
    assert p_below == pytest.approx(stats.fisher_exact([[9, 991], [0, 1000]]).pvalue, rel=1e-8)
    assert p_at == pytest.approx(stats.chi2_contingency([[10, 990], [0, 1000]], correction=False).pvalue, rel=1e-10)


def test_missing_rate_tests_keep_the_family_wise_level_with_rare_missing_values():
    # 4,000 stable batches of 30 columns with 0.05 % missing values (20,000 reference rows, 2,000
    # per batch): with the chi-squared approximation any Bonferroni-adjusted missing-rate test was
    # below 0.05 on 19 % of the batches; the exact test keeps it at or below 5 %
    gen = np.random.default_rng(3)
    batches, cols, n, m, rate = 4000, 30, 20_000, 2_000, 0.0005
    k_ref, k_cur = gen.binomial(n, rate, (batches, cols)), gen.binomial(m, rate, (batches, cols))
    _, p = missing_rate_tests(k_ref.ravel(), np.full(k_ref.size, n), k_cur.ravel(), np.full(k_cur.size, m))
    p = np.nan_to_num(p.reshape(batches, cols), nan=1.0)
    alarms = int((p.min(axis=1) < 0.05 / cols).sum())
    # at most the upper 99.9 % point of Binomial(4000, 0.05) (about 6.1 %)
    assert alarms <= stats.binom.ppf(0.999, batches, 0.05)
    tested = p < 1.0
    assert int((p[tested] < 0.05).sum()) <= stats.binom.ppf(0.999, int(tested.sum()), 0.05)


def test_jensen_shannon_and_wasserstein_against_scipy():
    gen = np.random.default_rng(9)
    ref, cur = gen.normal(size=20_000), gen.normal(0.3, 1.2, size=8_000)
    summary = _exact(ref)
    out = numeric_column(summary, cur, "ks")
    # reference quantile bins (upper edges: the last knot of each bin) plus below-min / above-max bins
    v = summary.values
    upper = v[np.r_[np.flatnonzero(np.diff(summary.bins[:-1])), v.size - 1]]
    cur_bins = np.histogram(cur, bins=np.r_[-np.inf, v[0], np.nextafter(upper, np.inf)[:-1], v[-1], np.inf])[0]
    cur_bins = np.r_[cur_bins[1:-1], cur_bins[0], cur_bins[-1]]
    ref_bins = np.r_[summary.bin_counts(), 0, 0]
    assert out["js_distance"] == pytest.approx(jensenshannon(ref_bins, cur_bins, base=2), rel=1e-9)
    # Wasserstein on an exact profile: exact, the buckets where the two ECDFs cross included
    assert out["wasserstein"] == pytest.approx(stats.wasserstein_distance(ref, cur), rel=1e-9)


@pytest.mark.parametrize(("n_ref", "n_cur", "seed"), [(20, 30, 1), (100, 1000, 2), (1000, 100, 3), (300, 200, 4)])
def test_wasserstein_is_exact_where_the_ecdfs_cross(n_ref, n_cur, seed):
    # small samples from one distribution: the ECDFs cross between most knots (integrating
    # |integral of F - G| there instead of the integral of |F - G| was 5 % low at 20 vs 30)
    gen = np.random.default_rng(seed)
    ref, cur = gen.normal(size=n_ref), gen.normal(size=n_cur)
    got = numeric_column(_exact(ref), cur, "ks")["wasserstein"]
    assert got == pytest.approx(stats.wasserstein_distance(ref, cur), rel=1e-9)
    ties_ref, ties_cur = gen.integers(0, 6, n_ref).astype(float), gen.integers(0, 7, n_cur).astype(float)
    got = numeric_column(_exact(ties_ref), ties_cur, "ks")["wasserstein"]
    assert got == pytest.approx(stats.wasserstein_distance(ties_ref, ties_cur), rel=1e-9)


def test_compressed_wasserstein_across_a_gap_far_from_zero_is_finite_and_small():
    # two modes a million apart: a bucket's ramp of no width used to round away (b - 1e-9 * width
    # == b far from zero), the integral became NaN and was reported as 0
    gen = np.random.default_rng(3)
    ref = np.r_[gen.normal(0, 1, 50_000), 1e6 + gen.normal(0, 1e-3, 50_000)]
    summary = NumericSummary.from_values("x", ref, eps=0.0005, max_exact=10_000).finalise(20)
    for m, shift in [(200, 0.0), (400, 0.0), (2000, 1.0)]:
        cur = np.r_[gen.normal(shift, 1, m // 2), 1e6 + gen.normal(0, 1e-3, m // 2)]
        with warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)
            got = numeric_column(summary, cur, "ks")["wasserstein"]
        want = stats.wasserstein_distance(ref, cur)
        assert np.isfinite(got) and got > 0
        # across the gap the reference's values are not known: within a small part of its spread
        assert abs(got - want) < 0.005 * ref.std()


@pytest.mark.parametrize("sigma", [0.5, 1.0, 1.5, 2.0])
def test_compressed_wasserstein_integrates_each_bucket_from_its_mean(sigma):
    # a compressed profile of a skewed column: with each bucket's values taken to sit on its
    # upper knot the distance came out 1.6x too large at sigma = 1 and 12x at 2 (tail buckets
    # are wide); with the buckets' means kept it is within a few per cent up to sigma = 1 and
    # within a quarter for the heaviest tails (0.93x and 0.78x of the exact distance here)
    gen = np.random.default_rng(11)
    ref, cur = gen.lognormal(0, sigma, 100_000), gen.lognormal(0.03, sigma, 50_000)
    summary = NumericSummary.from_values("x", ref, eps=0.0005, max_exact=10_000).finalise(20)
    assert not summary.exact and summary.slack is not None and np.all(summary.slack >= 0)
    # the buckets' means: inside their buckets, and together the reference mean
    means = summary.values - summary.slack * summary.scale / summary.weights
    assert np.all(means <= summary.values) and np.all(means[1:] > summary.values[:-1] - 1e-9)
    assert np.average(means, weights=summary.weights) == pytest.approx(ref.mean(), rel=1e-9)
    got = numeric_column(summary, cur, "ks")["wasserstein"]
    assert got == pytest.approx(stats.wasserstein_distance(ref, cur), rel={0.5: 0.03, 1.0: 0.03, 1.5: 0.1, 2.0: 0.25}[sigma])
    # a shifted normal column: the same to a fraction of a per cent
    ref, cur = gen.normal(size=100_000), gen.normal(0.05, 1, 50_000)
    summary = NumericSummary.from_values("x", ref, eps=0.0005, max_exact=10_000).finalise(20)
    got = numeric_column(summary, cur, "ks")["wasserstein"]
    assert got == pytest.approx(stats.wasserstein_distance(ref, cur), rel=0.005)


@pytest.mark.parametrize("dist", ["normal", "lognormal", "integers", "mixture"])
def test_profile_ks_error_is_within_eps(dist):
    gen = np.random.default_rng(10)
    draw = {
        "normal": lambda n: gen.normal(size=n),
        "lognormal": lambda n: gen.lognormal(0, 2, size=n),
        "integers": lambda n: gen.integers(0, 50, size=n).astype(float),
        "mixture": lambda n: np.where(gen.random(n) < 0.3, 0.0, gen.normal(size=n)),
    }[dist]
    ref = draw(100_000)
    summary = NumericSummary.from_values("x", ref, eps=0.0005, max_exact=10_000).finalise(20)
    assert not summary.exact and summary.values.size <= 2100
    for shift in (0.0, 0.05, 0.3):
        cur = draw(50_000) + shift
        got = numeric_column(summary, cur, "ks")["statistic"]
        assert abs(got - stats.ks_2samp(ref, cur).statistic) <= 0.0005 + 1e-12


def test_profile_ks_error_is_centred_and_within_eps():
    # the statistic from a compressed profile against scipy.stats.ks_2samp on the raw data, over
    # 180 seeded columns (three shapes, no drift); taking the top of each bucket's range, as
    # before, overstated it by 0.32 eps on average here. Over these columns the mean error has a
    # standard error of about 0.01 eps; the allowance of 0.1 eps covers it and the few hundredths
    # of eps left by the asymptotic grid correction
    gen = np.random.default_rng(21)
    eps = 0.0005
    draws = [lambda s: gen.normal(size=s), lambda s: gen.lognormal(0, 2, size=s),
             lambda s: np.where(gen.random(s) < 0.3, 0.0, gen.normal(size=s))]
    errors = []
    for draw in draws:
        for _ in range(20):
            ref = draw(50_000)
            summary = NumericSummary.from_values("x", ref, eps=eps, max_exact=10_000).finalise(20)
            for _ in range(3):
                cur = draw(20_000)
                got = numeric_column(summary, cur, "ks", eps=eps)["statistic"]
                errors.append(got - stats.ks_2samp(ref, cur).statistic)
    errors = np.array(errors)
    assert np.abs(errors).max() <= eps + 1e-12
    assert abs(errors.mean()) <= 0.1 * eps
    assert (errors < 0).any() and (errors > 0).any()


def test_knot_index_equals_searchsorted():
    gen = np.random.default_rng(11)
    for data in (gen.normal(size=5000), gen.lognormal(0, 4, size=5000), gen.integers(0, 7, 5000).astype(float)):
        v = np.unique(np.sort(data)[::7])
        y = np.r_[gen.choice(data, 40_000), gen.normal(size=50) * 1e3, v]
        np.testing.assert_array_equal(knot_index(v, y), np.searchsorted(v, y, side="left"))


@pytest.mark.parametrize("method,sm", [("holm", "holm"), ("bonferroni", "bonferroni"), ("bh", "fdr_bh")])
def test_corrections_equal_statsmodels(method, sm):
    from statsmodels.stats.multitest import multipletests

    p = np.random.default_rng(12).uniform(0, 0.2, 25) ** 2
    expected = multipletests(p, method=sm)[1]  # statsmodels.stats.multitest.multipletests
    np.testing.assert_allclose(adjust_pvalues(p, method), expected, rtol=1e-12)
    with_nan = np.r_[p, np.nan]
    assert np.isnan(adjust_pvalues(with_nan, method)[-1])
    np.testing.assert_allclose(adjust_pvalues(with_nan, method)[:-1], expected, rtol=1e-12)


def test_cvm_on_heavily_tied_data():
    gen = np.random.default_rng(12)
    # 10,000 reference values on 500 integers against a batch with some values moved
    ref = gen.integers(0, 500, 10_000).astype(float)
    cur = gen.integers(0, 500, 1_000).astype(float)
    cur[:80] += 150
    row = DriftMonitor(method="cvm", sample_size=0).fit(pd.DataFrame({"a": ref})).check(pd.DataFrame({"a": cur}))
    row = row.table.iloc[0]
    assert row["statistic"] == pytest.approx(_cvm_ecdf(ref, cur), rel=1e-9)
    assert row["pvalue"] < 0.05
    # 50,000 reference values on 3 integers (a compressed profile) against a batch with a new
    # value: an overwhelming drift that KS sees too
    ref = gen.integers(0, 3, 50_000).astype(float)
    moved = gen.integers(0, 4, 500).astype(float)
    monitor = DriftMonitor(method="cvm", sample_size=0).fit(pd.DataFrame({"a": ref}))
    assert not monitor.profile_.columns["a"].exact
    row = monitor.check(pd.DataFrame({"a": moved})).table.iloc[0]
    assert row["statistic"] == pytest.approx(_cvm_ecdf(ref, moved), rel=1e-9)
    assert row["pvalue"] < 1e-12 and stats.ks_2samp(ref, moved).pvalue < 1e-12


def test_cvm_does_not_flag_discrete_data_without_drift():
    # two samples of the same 3-valued distribution, of unequal sizes: SciPy's tie handling
    # gives p-values near 1e-6 here; the ECDF statistic keeps the type I error at or below the
    # level (the continuous limit is conservative with ties). 200 batches: at most 10 of 200
    # below 0.05 would be a rate of 5% (binomial upper 99.9% point for 5% is about 21)
    gen = np.random.default_rng(3)
    ref = gen.integers(0, 3, 20_000).astype(float)
    monitor = DriftMonitor(method="cvm", sample_size=0).fit(pd.DataFrame({"a": ref}))
    p = [monitor.check(pd.DataFrame({"a": gen.integers(0, 3, 1_000).astype(float)})).table["pvalue"].iloc[0]
         for _ in range(200)]
    assert np.mean(np.asarray(p) < 0.05) <= 21 / 200
    assert stats.cramervonmises_2samp(ref, gen.integers(0, 3, 1_000)).pvalue < 1e-3  # the rank formula


def test_cvm_limit_tail_is_continuous_and_accurate():
    from scimlkit.drift._tests import CVM_SERIES_MAX, _cdf_cvm_limit, _sf_cvm_limit

    # where the CDF series is accurate, the tail integral agrees with it
    for x in (0.5, 1.0, 1.5, CVM_SERIES_MAX):
        assert _sf_cvm_limit(x) == pytest.approx(1 - _cdf_cvm_limit(x), rel=1e-8)
    # beyond, against the leading term of the tail, sqrt(2) * erfc(pi * sqrt(x / 2)) (Smirnov),
    # whose relative error is below 1e-4 for x >= 5
    from scipy.special import erfc

    for x in (5.0, 20.0, 100.0):
        assert _sf_cvm_limit(x) == pytest.approx(np.sqrt(2) * erfc(np.pi * np.sqrt(x / 2)), rel=1e-4)
    assert _sf_cvm_limit(1e6) == 0.0


@pytest.mark.parametrize("unit", [5e-324, 1e300, 2.0**1000])
def test_knot_index_with_tiny_and_huge_values(unit):
    gen = np.random.default_rng(13)
    v = np.unique(gen.integers(-500, 500, 300)).astype(float) * unit
    y = gen.integers(-600, 600, 5_000).astype(float) * unit
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(knot_index(v, y), np.searchsorted(v, y, side="left"))


@pytest.mark.parametrize("unit", [2.0**-1070, 1e-310, 1e300, 2.0**1017])
def test_numeric_column_is_unit_free_for_tiny_and_huge_values(unit):
    gen = np.random.default_rng(14)
    ref, cur = gen.integers(0, 40, 3_000).astype(float), gen.integers(5, 45, 1_000).astype(float)
    base = numeric_column(_exact(ref), cur, "ks")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        scaled = numeric_column(_exact(ref * unit), cur * unit, "ks")
    for key in ("statistic", "js_distance", "psi"):
        assert scaled[key] == base[key]
    # subnormal values keep only a few bits, hence the looser tolerance for them
    rel = 1e-3 if unit < 2.0**-1022 else 1e-12
    assert scaled["wasserstein"] == pytest.approx(base["wasserstein"] * unit, rel=rel, abs=0)


def test_chi2_when_every_category_is_rare():
    # a 300-category column checked on a 1,000-row batch: every expected batch count is below 5.
    # Pooling all of them into one cell left no test (p = 1) however different the batch was.
    gen = np.random.default_rng(0)
    cats = np.array([f"A{i:03d}" for i in range(300)])
    ref = _cat_summary(gen.choice(cats, 20_000))
    for batch in (gen.choice([f"B{i:03d}" for i in range(300)], 1000), gen.choice(cats[:150], 1000)):
        out = categorical_column(ref, batch)
        assert out["n_cells"] > 50 and out["pvalue"] < 1e-50
    # same distribution: the groups are formed in name order, not by the counts, so the test
    # keeps its level (grouping by count, ties by the batch's count, rejected 93 % at 0.05).
    # 300 batches: 15 rejections expected, sd 3.8; 30 is four sd above
    pvalues = [categorical_column(_cat_summary(gen.choice(cats, 5000)), gen.choice(cats, 600))["pvalue"]
               for _ in range(300)]
    assert np.mean(np.array(pvalues) < 0.05) < 0.10
    # a batch too small to fill two cells is not tested
    assert categorical_column(ref, cats[:3])["n_cells"] == 1


def _sample_atoms(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct values of a plain sample and their cumulative counts (a profile's knots)."""
    from scimlkit.drift._profile import _atoms

    return _atoms(np.sort(x))


def _split_test(statistic, x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Brute force: ``statistic(x, y)`` and the share of every split of the pooled values into
    samples of the sizes of ``x`` and ``y`` whose statistic is at least the observed one."""
    from itertools import combinations

    observed = statistic(x, y)
    pooled = np.concatenate([x, y])
    hits = total = 0
    for idx in combinations(range(pooled.size), y.size):
        mask = np.zeros(pooled.size, dtype=bool)
        mask[list(idx)] = True
        total += 1
        hits += statistic(pooled[~mask], pooled[mask]) >= observed - 1e-12 * abs(observed)
    return float(observed), float(hits / total)


def test_permutation_pvalue_of_tiny_samples_equals_scipy_exact():
    # the exact split enumeration used where SciPy refuses a sample of one value agrees with
    # scipy.stats.cramervonmises_2samp(method="exact") where both work
    from scimlkit.drift._tests import _cvm_statistic

    gen = np.random.default_rng(30)
    for n, m in [(2, 3), (3, 4), (4, 2)]:
        x, y = gen.normal(size=n), gen.normal(0.5, 1, size=m)
        t, p = _split_test(lambda a, b: _cvm_statistic(*_sample_atoms(a), b), x, y)
        expected = stats.cramervonmises_2samp(x, y, method="exact")
        assert t == pytest.approx(expected.statistic, rel=1e-12) and p == pytest.approx(expected.pvalue, rel=1e-12)


def test_cvm_and_anderson_on_one_or_two_values_give_exact_pvalues_not_nan():
    # a single batch value above five reference values: 2 of the 6 equally likely positions
    # (the two ends) give the largest statistic, so p = 2 / 6 (SciPy: NaN and a SmallSampleWarning)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = numeric_column(_exact([1.0, 2.0, 3.0, 4.0, 5.0]), np.array([50.0]), "cvm")
        assert np.isfinite(out["statistic"]) and out["pvalue"] == pytest.approx(2 / 6)
        out = numeric_column(_exact([50.0]), np.array([1.0, 2.0, 3.0, 4.0, 5.0]), "cvm")
        assert out["pvalue"] == pytest.approx(2 / 6)
        # Anderson-Darling with 2 or 3 values in all (its standardisation needs 4; it crashed):
        # one against one, both splits alike (p = 1); one beside two, the ends alike (p = 2 / 3)
        assert numeric_column(_exact([1.0]), np.array([7.0]), "anderson")["pvalue"] == 1.0
        assert numeric_column(_exact([0.0, 1.0]), np.array([5.0]), "anderson")["pvalue"] == pytest.approx(2 / 3)
        assert numeric_column(_exact([0.0, 1.0]), np.array([0.5]), "anderson")["pvalue"] == 1.0
        # one equal value on each side: nothing to tell apart (it divided by zero)
        for method in ("cvm", "anderson"):
            out = numeric_column(_exact([1.0]), np.array([1.0]), method)
            assert (out["statistic"], out["pvalue"]) == (0.0, 1.0)
        # through the monitor: the sparse column stays in the family with a real p-value
        gen = np.random.default_rng(31)
        ref = pd.DataFrame({"x": gen.normal(size=500), "coupon": np.nan})
        ref.loc[[10, 20, 30, 40, 50], "coupon"] = [5.0, 10.0, 5.0, 20.0, 10.0]
        cur = pd.DataFrame({"x": gen.normal(size=100), "coupon": np.nan})
        cur.loc[7, "coupon"] = 50.0
        for method in ("cvm", "anderson"):
            row = DriftMonitor(method=method).fit(ref).check(cur).table.set_index("column").loc["coupon"]
            assert row["status"] == "ok" and np.isfinite(row["pvalue"]) and np.isfinite(row["pvalue_adj"])
        ref.loc[[20, 30, 40, 50], "coupon"] = np.nan  # one value a side
        row = DriftMonitor(method="anderson").fit(ref).check(cur).table.set_index("column").loc["coupon"]
        assert row["pvalue"] == 1.0


@pytest.mark.parametrize("n", [10, 40])
def test_anderson_with_two_batch_values_gives_the_exact_permutation_pvalue(n):
    # reference: scipy.stats.anderson_ksamp([x, y], method=PermutationMethod(n_resamples=10**5)),
    # which enumerates all C(n + 2, 2) splits exactly; the interpolated table gave 0.0086 at n=10
    gen = np.random.default_rng(n)
    x, y = gen.normal(size=n), np.array([5.0, 6.0])
    out = numeric_column(_exact(x), y, "anderson")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = stats.anderson_ksamp([x, y], method=stats.PermutationMethod(n_resamples=10**5))
    assert out["statistic"] == pytest.approx(ref.statistic, rel=1e-9)
    assert out["pvalue"] == pytest.approx(ref.pvalue, rel=1e-9)
    assert out["pvalue"] == pytest.approx(2 / math.comb(n + 2, 2), rel=1e-12)  # the two extremes


def test_one_value_on_a_side_gives_exact_pvalues_for_any_reference_size():
    # a single batch value beyond every reference value: only the two ends of the N + 1
    # positions are as extreme, p = 2 / (N + 1) (the table gave 0.030 for N = 11, where
    # 2 / 11 = 0.18, and the CvM asymptotic p-value 0.04 for N = 20,001)
    gen = np.random.default_rng(5)
    for n in (10, 20_000):
        summary = _exact(gen.normal(size=n))
        for method in ("anderson", "cvm"):
            assert numeric_column(summary, np.array([10.0]), method)["pvalue"] == pytest.approx(2 / (n + 1))


def test_small_side_split_enumeration_equals_brute_force_with_ties():
    from scimlkit.drift._tests import _anderson_a2, _cvm_statistic, _small_side_splits

    gen = np.random.default_rng(11)
    for n, m, levels in [(12, 1, 4), (1, 9, 4), (15, 2, 4), (2, 14, 4), (60, 2, 1000)]:
        x, y = gen.integers(0, levels, n).astype(float), gen.integers(0, levels + 1, m).astype(float)
        for name, fn in (("anderson", lambda a, b: _anderson_a2(*_sample_atoms(a), b) or 0.0),
                         ("cvm", lambda a, b: _cvm_statistic(*_sample_atoms(a), b))):
            t, p = _small_side_splits(_exact(x), y, name)
            t_ref, p_ref = _split_test(fn, x, y)
            assert t == pytest.approx(t_ref, rel=1e-9) and p == pytest.approx(p_ref, rel=1e-12)


def test_a_negligible_rare_cell_costs_the_chi2_test_little_power(monkeypatch):
    # big categories shifted in 200-row batches against 100,000 reference rows with rare ones:
    # the rare cell, too small for the chi-squared test, has Fisher's test beside it; an even
    # split of the level kept 80% of the chi-squared test's rejections on the same batches,
    # most of the level to the chi-squared test (0.8) keeps 91% (at least 88% asked)
    import scimlkit.drift._tests as drift_tests

    gen = np.random.default_rng(21)
    cats = np.array(list("abcdef"))
    ref = _cat_summary(gen.choice(cats, 100_000, p=[0.5, 0.3, 0.1965, 0.002, 0.001, 0.0005]))
    batches = [gen.choice(cats, 200, p=[0.42, 0.36, 0.2165, 0.002, 0.001, 0.0005]) for _ in range(400)]
    combined = sum(categorical_column(ref, b)["pvalue"] < 0.05 for b in batches)
    monkeypatch.setattr(drift_tests, "_CHI2_SHARE", 1.0 - 1e-12)  # the chi-squared test alone
    alone = sum(categorical_column(ref, b)["pvalue"] < 0.05 for b in batches)
    assert alone > 150 and combined >= 0.88 * alone
