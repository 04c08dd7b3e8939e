"""Error rates by seeded simulation: type I error, interval coverage and power at the design size.

Every bound is the nominal rate plus or minus three binomial standard errors of the simulated
rate, ``3 * sqrt(p (1 - p) / R)`` for ``R`` runs, so a correct method fails a bound about once in
700 seeds; the seeds are fixed. The limits the docstrings state (the t-test with unequal arms
of skewed revenue, bootstrap intervals on skewed data, t statistics given to the sequential
boundaries) are checked in the direction the docstrings claim.
"""

import json

import numpy as np
import pytest
from scipy import special, stats

from scimlkit._errors import InputError
from scimlkit.experiment import (
    adjust_pvalues,
    bootstrap_difference,
    compare_many_proportions,
    compare_means,
    compare_ratios,
    cuped,
    power_means,
    power_proportions,
    sequential_boundaries,
    sequential_decision,
)

ALPHA = 0.05


def three_se(p, runs):
    return 3.0 * np.sqrt(p * (1.0 - p) / runs)


def welch_t(a, b):
    """Row-wise Welch t statistics and degrees of freedom (rows are simulation runs)."""
    va, vb = a.var(axis=1, ddof=1) / a.shape[1], b.var(axis=1, ddof=1) / b.shape[1]
    t = (b.mean(axis=1) - a.mean(axis=1)) / np.sqrt(va + vb)
    df = (va + vb) ** 2 / (va**2 / (a.shape[1] - 1) + vb**2 / (b.shape[1] - 1))
    return t, df


@pytest.mark.filterwarnings("ignore::scimlkit.DegenerateDataWarning")  # two all-zero arms: NaN
def test_welch_keeps_alpha_on_skewed_revenue_with_balanced_arms():
    gen = np.random.default_rng(101)
    runs = 1000
    for draw in (lambda n: gen.lognormal(0.0, 1.5, n),
                 lambda n: (gen.random(n) < 0.05) * gen.lognormal(3.0, 1.0, n)):
        rejected = sum(compare_means(draw(50), draw(50)).pvalue < ALPHA for _ in range(runs))
        assert rejected / runs <= ALPHA + three_se(ALPHA, runs)


def test_welch_with_unequal_arms_of_skewed_revenue_is_liberal_on_one_side_as_documented():
    # the docstring's limit: 50 against 500 users of lognormal(0, 1.5) revenue reject ~12 %
    gen = np.random.default_rng(102)
    runs = 1000
    above = below = 0
    for _ in range(runs):
        res = compare_means(gen.lognormal(0.0, 1.5, 50), gen.lognormal(0.0, 1.5, 500))
        above += res.low > 0
        below += res.high < 0
    assert (above + below) / runs > 0.12 - three_se(0.12, runs)
    assert below < above / 10


@pytest.mark.filterwarnings("ignore::scimlkit.SmallSampleWarning", "ignore::scimlkit.DegenerateDataWarning")
def test_binary_ztest_and_newcombe_at_small_rates():
    gen = np.random.default_rng(103)
    runs = 4000
    for rate, n in ((0.001, 5000), (0.005, 2000), (0.02, 200)):
        xc, xt = gen.binomial(n, rate, runs), gen.binomial(n, rate, runs)
        trials = np.full(runs, n)
        frame = compare_many_proportions(xc, trials, xt, trials, adjust="none").to_frame()
        assert (frame["pvalue"] < ALPHA).mean() <= ALPHA + three_se(ALPHA, runs)
        covered = ((frame["low"] <= 0) & (frame["high"] >= 0)).mean()
        assert covered >= 1 - ALPHA - three_se(ALPHA, runs)
    # and with a real difference, at a 1 % baseline
    xc, xt = gen.binomial(500, 0.01, runs), gen.binomial(500, 0.02, runs)
    trials = np.full(runs, 500)
    frame = compare_many_proportions(xc, trials, xt, trials, adjust="none").to_frame()
    covered = ((frame["low"] <= 0.01) & (frame["high"] >= 0.01)).mean()
    assert covered >= 1 - ALPHA - three_se(ALPHA, runs)


@pytest.mark.filterwarnings("ignore::scimlkit.DegenerateDataWarning")  # a lift with a mean <= 0
@pytest.mark.parametrize("rho", [0.0, 0.8])
def test_cuped_interval_is_honest_with_or_without_a_correlated_covariate(rho):
    gen = np.random.default_rng(104)
    runs, n = 1000, 20
    covered = 0
    for _ in range(runs):
        x = gen.normal(size=2 * n)
        y = rho * x + np.sqrt(1 - rho**2) * gen.normal(size=2 * n)
        res = cuped(y[:n], y[n:], x[:n], x[n:])
        covered += res.low <= 0 <= res.high
    assert abs(covered / runs - (1 - ALPHA)) <= three_se(ALPHA, runs)


def test_delta_method_ratio_keeps_alpha():
    gen = np.random.default_rng(105)
    runs, n = 1000, 200
    rejected = 0
    for _ in range(runs):
        sc, st = gen.poisson(3, n) + 1, gen.poisson(3, n) + 1
        cc, ct = gen.binomial(sc, gen.beta(2, 8, n)), gen.binomial(st, gen.beta(2, 8, n))
        rejected += compare_ratios(cc, sc, ct, st).pvalue < ALPHA
    assert abs(rejected / runs - ALPHA) <= three_se(ALPHA, runs)


def test_bootstrap_under_covers_a_skewed_mean_difference_as_documented():
    # BCa ~0.86 and percentile ~0.90 at 20 lognormal values per arm, where Welch covers 0.95
    gen = np.random.default_rng(106)
    runs = 300
    bca = percentile = welch = 0
    for seed in range(runs):
        c, t = gen.lognormal(0.0, 1.0, 20), gen.lognormal(0.0, 1.0, 20)
        res = bootstrap_difference(c, t, n_resamples=500, rng=seed)
        bca += res.low <= 0 <= res.high
        low, high = res.confidence_interval(method="percentile")
        percentile += low <= 0 <= high
        welch += compare_means(c, t).low <= 0 <= compare_means(c, t).high
    assert bca / runs < 0.95 - three_se(0.05, runs)
    assert bca <= percentile
    assert welch / runs >= 0.95 - three_se(0.05, runs)


@pytest.mark.parametrize("spending, sides", [("obrien-fleming", 2), ("pocock", 2), ("pocock", 1)])
def test_sequential_plan_spends_alpha_and_delivers_its_power(spending, sides):
    gen = np.random.default_rng(107)
    runs, looks = 40000, 5
    plan = sequential_boundaries(looks, alpha=ALPHA, sides=sides, spending=spending)
    t = plan.information
    brownian = np.cumsum(gen.normal(size=(runs, looks)) * np.sqrt(np.diff(t, prepend=0.0)), axis=1)
    # the drift giving 80 % power to the single-look test, scaled up by the plan's inflation
    drift = (special.ndtri(1 - ALPHA / sides) + special.ndtri(0.8)) * np.sqrt(plan.inflation_factor(0.8))
    for mean, promised in ((0.0, ALPHA), (drift, 0.8)):
        z = (brownian + mean * t) / np.sqrt(t)
        crossed = ((np.abs(z) if sides == 2 else z) >= plan.boundaries).any(axis=1).mean()
        assert abs(crossed - promised) <= three_se(promised, runs)
        assert plan.power(mean) == pytest.approx(promised, abs=1e-5)


def test_sequential_boundaries_need_z_not_small_sample_t_as_documented():
    gen = np.random.default_rng(108)
    runs, looks, n = 20000, 10, 40
    plan = sequential_boundaries(looks, alpha=ALPHA, sides=2, spending="pocock")
    c, t = gen.normal(size=(runs, n)), gen.normal(size=(runs, n))
    raw, dfs, scores = [], [], []
    for k in range(1, looks + 1):
        m = round(n * k / looks)
        stat, df = welch_t(c[:, :m], t[:, :m])
        raw.append(stat)
        dfs.append(df)
        scores.append(special.ndtri(stats.t.cdf(stat, df)))
    raw, dfs, scores = np.array(raw).T, np.array(dfs).T, np.array(scores).T
    stops_raw = (np.abs(raw) >= plan.boundaries).any(axis=1)
    stops_scored = (np.abs(scores) >= plan.boundaries).any(axis=1)
    assert stops_raw.mean() > 0.08
    assert abs(stops_scored.mean() - ALPHA) <= three_se(ALPHA, runs)
    # sequential_decision given the degrees of freedom makes the same conversion: the runs that
    # stopped only because t was read as z continue to the end
    for k in np.flatnonzero(stops_raw & ~stops_scored)[:40]:
        assert sequential_decision(raw[k], looks=looks, spending="pocock").stopped_at is not None
        res = sequential_decision(raw[k], looks=looks, spending="pocock", df=dfs[k])
        assert res.stopped_at is None
        np.testing.assert_allclose(res.z, scores[k], rtol=1e-12)


def test_sequential_decision_converts_t_statistics_with_their_degrees_of_freedom():
    t = np.array([-1.5, 0.0, 2.0, 40.0])
    res = sequential_decision(t, looks=4, df=[5, 8, 12, 5])
    # reference: scipy.stats.t.sf(|t|, df) mapped through the normal quantile, sign kept
    expected = np.sign(t) * -special.ndtri(stats.t.sf(np.abs(t), [5, 8, 12, 5]))
    np.testing.assert_allclose(res.z, expected, rtol=1e-12)
    assert res.z[-1] > 5  # the far tail keeps its size (a cdf near 1 would round it away)
    np.testing.assert_array_equal(sequential_decision(t[:2], looks=4, df=np.inf).z, t[:2])
    # the result says which degrees of freedom it converted with; z statistics say none
    np.testing.assert_array_equal(res.df, [5, 8, 12, 5])
    assert sequential_decision(t, looks=4).df is None and sequential_decision(t, looks=4).to_dict()["df"] is None
    # a tail that underflows keeps a finite score: references by mpmath in logs, e.g. for df = 1
    # log(atan(1/t) / pi) = log(erfc(z / sqrt(2)) / 2) solved for z
    far = sequential_decision([40.0, 1e160, -1e100], looks=4, df=[1e4, 1, 3]).z
    np.testing.assert_allclose(far, [38.52436581, 27.03113216, -37.04446031], rtol=1e-6)
    for bad, message in ((0, "positive"), ([5, 6], "one per look"), (-2.0, "positive")):
        with pytest.raises(InputError, match=message):
            sequential_decision(t, looks=4, df=bad)


def pooled_z_exact_power(baseline, diff, nc, nt):
    """Exact power of the two-sided pooled z-test, summed over the binomial counts of both arms."""
    xc, xt = np.arange(nc + 1)[:, None], np.arange(nt + 1)[None, :]
    pool = (xc + xt) / (nc + nt)
    se = np.sqrt(pool * (1 - pool) * (1 / nc + 1 / nt))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(se > 0, (xt / nt - xc / nc) / se, 0.0)
    weight = stats.binom.pmf(xc, nc, baseline) * stats.binom.pmf(xt, nt, baseline + diff)
    return float((weight * (np.abs(z) >= special.ndtri(1 - ALPHA / 2))).sum())


def test_power_proportions_exact_power_at_the_returned_size_is_near_the_target():
    # the docstring's example of the normal approximation falling short
    res = power_proportions(0.4, mde=0.15, power=0.8)
    assert res.n_control_required == 173
    assert pooled_z_exact_power(0.4, 0.15, 173, 173) == pytest.approx(0.792, abs=5e-4)
    for baseline, diff, target in ((0.5, 0.1, 0.8), (0.3, 0.09, 0.9), (0.05, 0.02, 0.8), (0.2, 0.1, 0.8)):
        res = power_proportions(baseline, mde=diff, power=target)
        exact = pooled_z_exact_power(baseline, diff, res.n_control_required, res.n_treatment_required)
        assert exact >= target - 0.01


@pytest.mark.parametrize("mde, target, ratio", [(0.5, 0.8, 1.0), (0.2, 0.9, 1.0), (0.5, 0.8, 3.0)])
def test_power_means_welch_power_at_the_returned_size_reaches_the_target(mde, target, ratio):
    gen = np.random.default_rng(109)
    runs = 4000
    res = power_means(mde=mde, power=target, ratio=ratio)
    c = gen.normal(0.0, 1.0, (runs, res.n_control_required))
    t = gen.normal(mde, 1.0, (runs, res.n_treatment_required))
    stat, df = welch_t(c, t)
    power = (2 * stats.t.sf(np.abs(stat), df) < ALPHA).mean()
    assert power >= target - three_se(target, runs)


def test_adjustments_control_familywise_error_and_false_discovery_rate():
    gen = np.random.default_rng(110)
    runs, metrics, true_effects = 2000, 20, 5
    shared = gen.normal(size=(runs, 1))
    z = np.sqrt(0.5) * shared + np.sqrt(0.5) * gen.normal(size=(runs, metrics))   # correlated metrics
    z[:, :true_effects] += 3.0
    p = 2 * stats.norm.sf(np.abs(z))
    for method in ("bonferroni", "holm", "hochberg", "hommel", "by"):
        rejected = np.array([adjust_pvalues(row, method) for row in p]) <= ALPHA
        familywise = rejected[:, true_effects:].any(axis=1).mean()
        assert familywise <= ALPHA + three_se(ALPHA, runs)
    rejected = np.array([adjust_pvalues(row, "bh") for row in p]) <= ALPHA
    false_share = rejected[:, true_effects:].sum(axis=1) / np.maximum(rejected.sum(axis=1), 1)
    # BH controls the FDR at (m0 / m) alpha; the mean of the false share has a standard error
    # below that of a proportion
    assert false_share.mean() <= ALPHA * 15 / 20 + three_se(ALPHA, runs)
    assert rejected[:, true_effects:].any(axis=1).mean() > ALPHA  # while not controlling the FWER


def test_cli_sequential_decision_takes_degrees_of_freedom(capsys):
    from scimlkit.cli import main

    argv = ["experiment", "sequential", "--z", "2.5", "2.6", "--looks", "2", "--format", "json"]
    assert main([*argv, "--df", "10"]) == 0
    data = json.loads(capsys.readouterr().out)
    expected = sequential_decision([2.5, 2.6], looks=2, df=10)
    np.testing.assert_allclose(data["z"], expected.z, rtol=1e-12)
    assert data["z"][0] < 2.2  # the t of 2.5 on 10 df is a z of about 2.15
    assert data["df"] == [10.0, 10.0]
    assert main([*argv[:-2], "--df", "10"]) == 0
    assert "z from t statistics on 10 degrees of freedom" in " ".join(capsys.readouterr().out.split())
    for extra, message in ((["--df", "10", "12", "14"], "one number or one per look"),
                           (["--df", "0"], "positive degrees of freedom, got 0"), (["--df", "x"], "not a number")):
        assert main([*argv, *extra]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and message in err[0]
    assert main(["experiment", "sequential", "--looks", "3", "--df", "10"]) == 2
    assert "--df" in capsys.readouterr().err
