"""Power and sample size against statsmodels, round trips, and bad input."""

import math

import numpy as np
import pytest
from scipy import optimize
from statsmodels.stats.power import NormalIndPower, TTestIndPower
from statsmodels.stats.proportion import (
    power_proportions_2indep,
    proportion_effectsize,
    samplesize_proportions_2indep_onetail,
)

from scimlkit._errors import InputError
from scimlkit.experiment import power_curve, power_means, power_proportions

RTOL = 1e-6

# Our arms: n = control size, treatment = ratio * n. statsmodels' proportion functions call the
# treatment "1" (prop1 = prop2 + diff, nobs1) and the control "2" (prop2, nobs2 = ratio_sm * nobs1),
# so nobs1 = ratio * n and ratio_sm = 1 / ratio.


def sm_pooled_power(baseline, diff, n, ratio, alpha, alternative):
    return power_proportions_2indep(diff, baseline, ratio * n, ratio=1 / ratio, alpha=alpha,
                                    alternative=alternative).power


def test_headline_sample_size_one_sided_matches_closed_form():
    # samplesize_proportions_2indep_onetail(diff=0.005, prop2=0.05, power=0.8, ratio=1,
    #                                       alpha=0.05, alternative="larger")
    ref = samplesize_proportions_2indep_onetail(0.005, 0.05, 0.8, ratio=1, alpha=0.05, alternative="larger")
    res = power_proportions(0.05, mde=0.10, relative=True, power=0.8, sides=1)
    assert res.n_control == pytest.approx(ref, rel=RTOL)
    assert res.solved_for == "n"
    assert res.mde == pytest.approx(0.005)
    assert res.mde_relative == pytest.approx(0.10)


@pytest.mark.parametrize("ratio", [1.0, 2.0, 0.5])
def test_pooled_sample_size_two_sided(ratio):
    # The two-sided power counts both rejection regions (as power_proportions_2indep does), so the
    # exact n is the root of power_proportions_2indep(...).power - 0.8:
    # brentq(lambda n1: power_proportions_2indep(0.005, 0.05, n1, ratio=1/ratio, alpha=0.05).power
    #        - 0.8, ...)
    res = power_proportions(0.05, mde=0.10, relative=True, power=0.8, ratio=ratio)
    root = optimize.brentq(lambda n: sm_pooled_power(0.05, 0.005, n, ratio, 0.05, "two-sided") - 0.8,
                           1e3, 1e6, xtol=1e-10, rtol=1e-14)
    assert res.n_control == pytest.approx(root, rel=RTOL)
    assert res.n_treatment == pytest.approx(ratio * root, rel=RTOL)
    # statsmodels' closed form ignores the far rejection region (probability ~1e-6 here), so it
    # agrees to about 1e-5 relative:
    # samplesize_proportions_2indep_onetail(0.005, 0.05, 0.8, ratio=1/ratio, alpha=0.05)
    closed = samplesize_proportions_2indep_onetail(0.005, 0.05, 0.8, ratio=1 / ratio, alpha=0.05)
    assert res.n_treatment == pytest.approx(closed, rel=1e-5)
    assert res.n_control_required == math.ceil(res.n_control)
    assert res.n_total_required == res.n_control_required + res.n_treatment_required


def test_headline_numbers():
    res = power_proportions(0.05, mde=0.10, relative=True, power=0.8)
    assert res.n_control_required == 31234
    assert res.n_total_required == 62468


@pytest.mark.parametrize("sides,alternative", [(2, "two-sided"), (1, "larger")])
@pytest.mark.parametrize("ratio", [1.0, 1.7])
def test_pooled_power_matches_statsmodels(sides, alternative, ratio):
    # power_proportions_2indep(0.006, 0.05, 1.7 * 20000, ratio=1/1.7, alpha=0.05, alternative=...)
    ref = sm_pooled_power(0.05, 0.006, 20000, ratio, 0.05, alternative)
    res = power_proportions(0.05, mde=0.006, n=20000, ratio=ratio, sides=sides)
    assert res.solved_for == "power"
    assert res.power == pytest.approx(ref, rel=1e-9)


def test_pooled_power_decrease_matches_statsmodels():
    # a drop of 0.01 from 0.2: power_proportions_2indep(-0.01, 0.2, 5000, ratio=1, alpha=0.05)
    ref = sm_pooled_power(0.2, -0.01, 5000, 1.0, 0.05, "two-sided")
    assert power_proportions(0.2, mde=-0.01, n=5000).power == pytest.approx(ref, rel=1e-9)


def test_pooled_mde_solved():
    res = power_proportions(0.05, n=30000, power=0.8, alpha=0.05)
    assert res.solved_for == "mde"
    # the solved effect reaches the power in statsmodels' power function:
    # power_proportions_2indep(res.mde, 0.05, 30000, ratio=1, alpha=0.05).power == 0.8
    assert sm_pooled_power(0.05, res.mde, 30000, 1.0, 0.05, "two-sided") == pytest.approx(0.8, rel=1e-9)
    assert res.mde_relative == pytest.approx(res.mde / 0.05)


@pytest.mark.parametrize("ratio", [1.0, 3.0])
def test_arcsine_n_matches_statsmodels(ratio):
    # NormalIndPower().solve_power(effect_size=proportion_effectsize(0.055, 0.05), alpha=0.05,
    #                              power=0.8, ratio=ratio)
    h = proportion_effectsize(0.055, 0.05)
    ref = NormalIndPower().solve_power(effect_size=h, alpha=0.05, power=0.8, ratio=ratio)
    res = power_proportions(0.05, mde=0.10, relative=True, power=0.8, ratio=ratio, method="arcsine")
    assert res.n_control == pytest.approx(ref, rel=RTOL)
    assert res.effect_size == pytest.approx(h, rel=1e-12)


def test_arcsine_power_and_effect_match_statsmodels():
    h = proportion_effectsize(0.12, 0.1)
    # NormalIndPower().power(effect_size=h, nobs1=2000, alpha=0.01, ratio=1.5, alternative="larger")
    ref = NormalIndPower().power(effect_size=h, nobs1=2000, alpha=0.01, ratio=1.5, alternative="larger")
    res = power_proportions(0.1, mde=0.02, n=2000, alpha=0.01, ratio=1.5, sides=1, method="arcsine")
    assert res.power == pytest.approx(ref, rel=1e-9)
    # NormalIndPower().power(effect_size=h, nobs1=800, alpha=0.05, ratio=1)  (two-sided)
    ref = NormalIndPower().power(effect_size=h, nobs1=800, alpha=0.05, ratio=1)
    assert power_proportions(0.1, mde=0.02, n=800, method="arcsine").power == pytest.approx(ref, rel=1e-9)
    # effect solved: NormalIndPower().power(effect_size=res.effect_size, nobs1=2000, alpha=0.05,
    # ratio=1) == 0.9 (statsmodels' own solve_power for the effect stops at an absolute
    # tolerance too coarse for 1e-6 relative agreement, so its power function is the reference)
    res = power_proportions(0.1, n=2000, power=0.9, method="arcsine")
    assert NormalIndPower().power(effect_size=res.effect_size, nobs1=2000, alpha=0.05) == pytest.approx(0.9, rel=1e-9)
    baseline_h = 2 * np.arcsin(np.sqrt(0.1))
    assert res.mde == pytest.approx(np.sin((baseline_h + res.effect_size) / 2) ** 2 - 0.1, rel=1e-9)


@pytest.mark.parametrize("d,ratio,sides,alternative", [(0.3, 1.0, 2, "two-sided"), (0.5, 2.0, 2, "two-sided"),
                                                       (0.2, 1.0, 1, "larger")])
def test_t_sample_size_matches_statsmodels(d, ratio, sides, alternative):
    # TTestIndPower().solve_power(effect_size=d, alpha=0.05, power=0.9, ratio=ratio,
    #                             alternative=alternative)
    ref = TTestIndPower().solve_power(effect_size=d, alpha=0.05, power=0.9, ratio=ratio,
                                      alternative=alternative)
    res = power_means(mde=d, power=0.9, ratio=ratio, sides=sides)
    assert res.n_control == pytest.approx(ref, rel=RTOL)


def test_t_power_and_effect_match_statsmodels():
    # TTestIndPower().power(effect_size=0.3, nobs1=50, alpha=0.05, ratio=2)
    ref = TTestIndPower().power(effect_size=0.3, nobs1=50, alpha=0.05, ratio=2)
    assert power_means(mde=0.3, n=50, ratio=2).power == pytest.approx(ref, rel=1e-9)
    # TTestIndPower().solve_power(effect_size=None, nobs1=50, alpha=0.05, power=0.9, ratio=2)
    ref = TTestIndPower().solve_power(effect_size=None, nobs1=50, alpha=0.05, power=0.9, ratio=2)
    res = power_means(n=50, power=0.9, ratio=2)
    assert res.effect_size == pytest.approx(ref, rel=RTOL)


def test_means_in_metric_units():
    # an effect of 3 units with sd 10 is d = 0.3
    res = power_means(mde=3.0, sd=10.0, power=0.8)
    ref = TTestIndPower().solve_power(effect_size=0.3, alpha=0.05, power=0.8)
    assert res.n_control == pytest.approx(ref, rel=RTOL)
    assert res.effect_size == pytest.approx(0.3)
    solved = power_means(n=res.n_control, sd=10.0, power=0.8)
    assert solved.mde == pytest.approx(3.0, rel=1e-8)


@pytest.mark.parametrize("method", ["pooled", "arcsine"])
@pytest.mark.parametrize("sides", [1, 2])
def test_proportions_round_trip_each_way(method, sides):
    kw = dict(method=method, sides=sides, alpha=0.1, ratio=1.3)
    n = power_proportions(0.3, mde=0.05, power=0.85, **kw).n_control
    assert power_proportions(0.3, mde=0.05, n=n, **kw).power == pytest.approx(0.85, rel=1e-9)
    assert power_proportions(0.3, n=n, power=0.85, **kw).mde == pytest.approx(0.05, rel=1e-8)


@pytest.mark.parametrize("sides", [1, 2])
def test_means_round_trip_each_way(sides):
    n = power_means(mde=0.4, power=0.75, sides=sides, ratio=0.6).n_control
    assert power_means(mde=0.4, n=n, sides=sides, ratio=0.6).power == pytest.approx(0.75, rel=1e-9)
    assert power_means(n=n, power=0.75, sides=sides, ratio=0.6).mde == pytest.approx(0.4, rel=1e-8)


def test_power_curve_over_n_and_effect():
    design = power_proportions(0.05, mde=0.10, relative=True, power=0.8)
    curve = power_curve(design, over="n", num=40)
    assert curve.values.shape == curve.power.shape == (40,)
    assert np.all(np.diff(curve.power) > 0)
    # each point is the power function itself (statsmodels reference at one point)
    i = 17
    ref = sm_pooled_power(0.05, design.mde, curve.values[i], 1.0, 0.05, "two-sided")
    assert curve.power[i] == pytest.approx(ref, rel=1e-9)
    at_design = power_curve(design, values=[design.n_control]).power[0]
    assert at_design == pytest.approx(0.8, rel=1e-9)
    eff = power_curve(design, over="mde", values=[0.002, 0.005, 0.01])
    assert eff.power[1] == pytest.approx(0.8, rel=1e-6)
    assert list(eff.to_frame().columns) == ["value", "power"]
    t_design = power_means(mde=0.5, power=0.8)
    t_curve = power_curve(t_design, over="mde", num=10)
    ref = TTestIndPower().power(effect_size=t_curve.values[3], nobs1=t_design.n_control, alpha=0.05)
    assert t_curve.power[3] == pytest.approx(ref, rel=1e-9)


def test_result_is_frozen_and_serialises():
    import json

    res = power_proportions(0.05, mde=0.005, power=0.8)
    with pytest.raises(AttributeError):
        res.power = 0.9
    data = json.loads(json.dumps(res.to_dict()))
    assert data["sd"] is None and data["n_control_required"] == res.n_control_required
    assert res.to_frame().shape[0] == 1


@pytest.mark.parametrize("kwargs,param", [
    (dict(alpha=0.0), "alpha"), (dict(alpha=1.5), "alpha"), (dict(alpha=float("nan")), "alpha"),
    (dict(power=1.0), "power"), (dict(power=-0.2), "power"),
    (dict(ratio=0.0), "ratio"), (dict(sides=3), "sides"), (dict(method="wald"), "method"),
])
def test_bad_design_parameters(kwargs, param):
    base = dict(mde=0.005, power=0.8)
    base.update(kwargs)
    with pytest.raises(InputError, match=f"`{param}`"):
        power_proportions(0.05, **base)


@pytest.mark.parametrize("baseline", [0.0, 1.0, -0.1, 1.2, float("nan")])
def test_bad_baseline(baseline):
    with pytest.raises(InputError, match="`baseline`"):
        power_proportions(baseline, mde=0.01, power=0.8)


@pytest.mark.parametrize("n", [0, -10, float("inf")])
def test_non_positive_n(n):
    with pytest.raises(InputError, match="`n`"):
        power_proportions(0.05, mde=0.01, n=n)
    with pytest.raises(InputError, match="`n`"):
        power_means(mde=0.1, n=n)


@pytest.mark.parametrize(("sides", "alternative"), [(2, "two-sided"), (1, "larger")])
def test_alpha_solved_matches_statsmodels(sides, alternative):
    # TTestIndPower().solve_power(effect_size=0.3, nobs1=80, power=0.7, alpha=None, ratio=2, ...):
    # statsmodels' root finder stops at about 1e-5 relative, so the solved alpha is also put back
    # into statsmodels' power, which must return the target power
    res = power_means(mde=0.6, sd=2.0, n=80, power=0.7, alpha=None, ratio=2, sides=sides)
    ref = TTestIndPower().solve_power(effect_size=0.3, nobs1=80, power=0.7, alpha=None, ratio=2,
                                      alternative=alternative)
    assert res.solved_for == "alpha" and res.alpha == pytest.approx(ref, rel=1e-4)
    assert TTestIndPower().power(0.3, 80, res.alpha, ratio=2, alternative=alternative) == pytest.approx(0.7, rel=1e-9)
    # NormalIndPower().solve_power(effect_size=h, nobs1=3000, power=0.8, alpha=None, ratio=1.5, ...)
    h = proportion_effectsize(0.12, 0.10)
    res = power_proportions(0.1, mde=0.02, n=3000, power=0.8, alpha=None, ratio=1.5, sides=sides,
                            method="arcsine")
    ref = NormalIndPower().solve_power(effect_size=h, nobs1=3000, power=0.8, alpha=None, ratio=1.5,
                                       alternative=alternative)
    assert res.alpha == pytest.approx(ref, rel=1e-4)
    assert NormalIndPower().power(h, 3000, res.alpha, ratio=1.5, alternative=alternative) == pytest.approx(0.8, rel=1e-9)
    # pooled: power_proportions_2indep(0.02, 0.1, 1.5 * 3000, ratio=1/1.5, alpha=res.alpha).power == 0.8
    res = power_proportions(0.1, mde=0.02, n=3000, power=0.8, alpha=None, ratio=1.5, sides=sides)
    assert sm_pooled_power(0.1, 0.02, 3000, 1.5, res.alpha, alternative) == pytest.approx(0.8, rel=1e-9)
    # the other unknowns come back from the solved alpha
    assert power_proportions(0.1, mde=0.02, power=0.8, alpha=res.alpha, ratio=1.5,
                             sides=sides).n_control == pytest.approx(3000, rel=1e-9)


def test_alpha_solve_bad_input():
    with pytest.raises(InputError, match="needs all of `mde`, `n` and `power`; missing: n"):
        power_means(mde=0.5, power=0.8, alpha=None)
    with pytest.raises(InputError, match="any significance level"):
        power_means(mde=5.0, n=1000, power=0.8, alpha=None)


def test_other_bad_input():
    with pytest.raises(InputError, match="exactly two"):
        power_proportions(0.05, mde=0.01)
    with pytest.raises(InputError, match="exactly two"):
        power_means(mde=0.1, n=100, power=0.8)
    with pytest.raises(InputError, match="`mde`"):
        power_proportions(0.5, mde=0.6, power=0.8)  # treatment proportion above 1
    with pytest.raises(InputError, match="`mde`"):
        power_means(mde=0.0, power=0.8)
    with pytest.raises(InputError, match="`sd`"):
        power_means(mde=1.0, sd=0.0, power=0.8)
    with pytest.raises(InputError, match="`power`"):
        power_proportions(0.05, mde=0.01, power=0.01)  # below alpha / 2: nothing to solve
    with pytest.raises(InputError, match="increase `n`"):
        power_proportions(0.05, n=3, power=0.99)
    with pytest.raises(InputError, match="degree of freedom"):
        power_means(mde=0.5, n=1)
    with pytest.raises(InputError, match="`design`"):
        power_curve({"n": 3})
    with pytest.raises(InputError, match="`values`"):
        power_curve(power_means(mde=0.5, power=0.8), values=[10, -1])
    with pytest.raises(InputError, match="non-zero"):
        power_curve(power_means(mde=0.5, power=0.8), over="mde", values=[0.1, 0.0])
    with pytest.raises(InputError, match=r"in \(0, 1\)"):
        power_curve(power_proportions(0.05, mde=-0.01, power=0.8), over="mde", values=[-0.06])


@pytest.mark.parametrize("sides", [1, 2])
def test_power_curve_of_a_design_for_a_decrease(sides):
    # a churn drop from 5 % to 4 %: the curve runs over decreases and gives the design's power
    # at the design's effect (the pooled z-test is not symmetric in the sign of the effect)
    design = power_proportions(0.05, mde=-0.01, power=0.8, sides=sides)
    curve = power_curve(design, over="mde", num=30)
    assert (curve.values < 0).all() and (0.05 + curve.values > 0).all()
    assert power_curve(design, over="mde", values=[-0.01]).power[0] == pytest.approx(0.8, rel=1e-9)
    alternative = "two-sided" if sides == 2 else "smaller"
    for effect in (-0.005, -0.02):
        assert power_curve(design, over="mde", values=[effect]).power[0] == pytest.approx(
            sm_pooled_power(0.05, effect, design.n_control, 1.0, 0.05, alternative), rel=1e-6)
    # a one-sided test for a decrease detects an increase only by chance (statsmodels:
    # TTestIndPower().power(d, nobs1=n, alpha=0.05, alternative="smaller") at d > 0)
    t_design = power_means(mde=-0.5, sd=1.0, power=0.8, sides=sides)
    got = power_curve(t_design, over="mde", values=[0.5, 0.1]).power
    ref = [TTestIndPower().power(d, nobs1=t_design.n_control, alpha=0.05, alternative=alternative)
           for d in (0.5, 0.1)]
    if sides == 2:
        ref = [TTestIndPower().power(-d, nobs1=t_design.n_control, alpha=0.05) for d in (0.5, 0.1)]
    np.testing.assert_allclose(got, ref, rtol=1e-6)


@pytest.mark.parametrize(("mde", "sd"), [(1e10, 1.0), (1e200, 1.0), (1e300, 1.0), (1.0, 1e-10), (1.0, 1e-300)])
def test_means_huge_effect_needs_the_smallest_sample(mde, sd):
    # SciPy's noncentral t is NaN for a noncentrality above about 1e9; the power there is 1
    res = power_means(mde=mde, sd=sd, power=0.8)
    assert res.n_control == pytest.approx(1.5) and res.power == 1.0
    assert power_means(mde=mde, sd=sd, n=res.n_control).power == 1.0
    assert np.all(power_curve(res, over="n", num=5).power == 1.0)


@pytest.mark.parametrize(("mde", "ratio", "sides"), [(20.0, 1.0, 2), (40.0, 3.0, 2), (20.0, 1.0, 1)])
def test_smallest_t_design_reports_its_own_power(mde, ratio, sides):
    # the smallest design (one degree of freedom) already beats the target: its power is its own
    res = power_means(mde=mde, power=0.8, ratio=ratio, sides=sides)
    assert res.n_control == pytest.approx(3.0 / (1.0 + ratio))
    alternative = "two-sided" if sides == 2 else "larger"
    ref = TTestIndPower().power(mde, nobs1=res.n_control, alpha=0.05, ratio=ratio, alternative=alternative)
    assert res.power == pytest.approx(ref, rel=1e-6) and res.power > 0.8
    assert res.power == pytest.approx(power_means(mde=mde, n=res.n_control, ratio=ratio, sides=sides).power)


def test_means_huge_n_has_power_one_not_nan():
    assert power_means(mde=0.1, n=1e300).power == 1.0
    assert power_means(mde=0.1, n=1e12, sides=1).power == 1.0
    # the large-noncentrality limit keeps the dependence on the critical value: with a tiny
    # alpha and one degree of freedom the power is P(chi2_1 < (nc / crit)^2)
    from scipy import stats
    crit = stats.t.isf(1e-300 / 2, 1)
    nc = 1e10 * math.sqrt(1.5 * 0.5)
    res = power_means(mde=1e10, n=1.5, alpha=1e-300)
    assert res.power == pytest.approx(stats.chi2.cdf((nc / crit) ** 2, 1), rel=1e-9)
    # a moderate effect at a huge n still uses SciPy's noncentral t, here the normal power with
    # nc = 1e-150 * sqrt(1e300 / 2)
    nc, z = math.sqrt(0.5), stats.norm.isf(0.025)
    assert power_means(mde=1e-150, n=1e300).power == pytest.approx(
        stats.norm.cdf(nc - z) + stats.norm.cdf(-nc - z), rel=1e-9)


def test_overflowing_effect_or_total_size_is_rejected():
    with pytest.raises(InputError, match="`mde` / `sd`"):
        power_means(mde=1e300, sd=1e-300, power=0.8)
    with pytest.raises(InputError, match="`ratio`"):
        power_means(mde=0.1, n=1e300, ratio=1e10)
    with pytest.raises(InputError, match="`ratio`"):
        power_proportions(0.1, mde=0.01, n=1e300, ratio=1e10)


def test_effect_solved_for_an_astronomically_large_sample():
    # the bracket moves down until it holds the root (the old one stopped at its floor, 1e-9)
    from scipy.stats import norm

    res = power_means(n=1e300, power=0.8)
    normal = (norm.isf(0.025) + norm.isf(0.2)) * np.sqrt(2 / 1e300)
    assert res.mde == pytest.approx(normal, rel=1e-3)
    assert power_means(n=1e300, mde=res.mde).power == pytest.approx(0.8, abs=1e-9)
    assert power_proportions(baseline=0.1, n=1e200, power=0.8).mde < 1e-90


def sm_t_power(d, n, alpha, ratio, alternative="two-sided"):
    # TTestIndPower().power adds SciPy's nct.cdf lower tail, which is NaN deep in the far tail;
    # there the two-sided power is its upper tail, the one-sided power at alpha / 2
    power = TTestIndPower().power(d, n, alpha, ratio=ratio, alternative=alternative)
    if math.isnan(power) and alternative == "two-sided":
        power = TTestIndPower().power(d, n, alpha / 2, ratio=ratio, alternative="larger")
    return power


def test_alpha_solved_for_strong_designs_matches_statsmodels():
    # TTestIndPower().solve_power(effect_size=0.2, nobs1=1000, alpha=None, power=0.8) = 2.93e-4
    # and (effect_size=0.5, nobs1=100, ratio=3) = 5.47e-4; statsmodels' root finder stops early,
    # so the solved alpha is also put back into statsmodels' power, which must give the target
    for d, n, ratio, ref in [(0.2, 1000, 1, 2.93e-4), (0.5, 100, 3, 5.47e-4)]:
        res = power_means(mde=d, n=n, ratio=ratio, power=0.8, alpha=None)
        assert res.alpha == pytest.approx(ref, rel=1e-2)
        assert sm_t_power(d, n, res.alpha, ratio) == pytest.approx(0.8, rel=1e-9)
    # the power at a small alpha is a number, not NaN (statsmodels' own power is NaN here)
    assert power_means(mde=0.5, n=100, ratio=3, alpha=1e-4).power == pytest.approx(
        sm_t_power(0.5, 100, 1e-4, 3), rel=1e-9)


@pytest.mark.parametrize("sides", [1, 2])
def test_alpha_solved_over_a_grid_of_designs(sides):
    # every design whose power crosses the target between alpha 1e-12 and 0.5 is solved, and the
    # solved alpha put into statsmodels' TTestIndPower().power gives the target power back
    alternative = "two-sided" if sides == 2 else "larger"
    solved = 0
    for d in (0.05, 0.2, 0.5, 1.0, 2.0):
        for n in (3, 10, 100, 1000, 10000):
            for ratio in (0.5, 1, 3):
                for power in (0.5, 0.8, 0.95):
                    at_small = sm_t_power(d, n, 1e-12, ratio, alternative)
                    at_large = sm_t_power(d, n, 0.5, ratio, alternative)
                    if not at_small < power < at_large:
                        continue
                    res = power_means(mde=d, n=n, ratio=ratio, power=power, alpha=None, sides=sides)
                    assert sm_t_power(d, n, res.alpha, ratio, alternative) == pytest.approx(
                        power, rel=1e-7), (d, n, ratio, power)
                    solved += 1
    assert solved > 60


def test_t_power_is_never_nan_in_the_far_lower_tail():
    # SciPy's noncentral t CDF is NaN at, e.g., nct.cdf(-5, 398, 4); the two-sided power there
    # is its upper tail plus a negligible lower one (statsmodels' TTestIndPower().power agrees)
    from scipy import stats

    for d, n, alpha in [(0.4, 200, 1e-6), (0.3, 1000, 1e-8), (0.1, 5000, 1e-10), (3.0, 6, 1e-5)]:
        got = power_means(mde=d, n=n, alpha=alpha).power
        df, nc = 2 * n - 2, d * math.sqrt(n / 2)
        upper = stats.nct.sf(stats.t.isf(alpha / 2, df), df, nc)
        assert math.isfinite(got) and got == pytest.approx(upper, rel=1e-9)
        curve = power_curve(power_means(mde=d, n=n, alpha=alpha), over="n", num=20)
        assert np.isfinite(curve.power).all()


@pytest.mark.parametrize("solve", [
    lambda: power_means(n=100, power=0.03),
    lambda: power_means(mde=0.5, power=0.03),
    lambda: power_proportions(0.1, n=100, power=0.04),
    lambda: power_proportions(0.1, mde=0.01, power=0.03, method="arcsine"),
])
def test_two_sided_power_below_alpha_is_rejected(solve):
    # A two-sided test rejects an effect of zero with probability alpha and any other effect more
    # often (TTestIndPower().power(1e-9, 100, 0.05) == 0.05), so a target power of 0.03 at
    # alpha = 0.05 belongs to no design: it must not come back as a vanishing effect or a
    # fraction of a unit per arm.
    with pytest.raises(InputError, match="`power` must exceed the false-positive rate `alpha` = 0.05"):
        solve()
    assert TTestIndPower().power(1e-9, 100, 0.05) == pytest.approx(0.05)


def test_a_power_indistinguishable_from_alpha_asks_for_no_effect():
    # at n = 100 the power of an effect of 1e-285 rounds to the next float above alpha: no
    # meaningful effect is solved for (it came back as 1e-285)
    with pytest.raises(InputError, match="the power of an effect of zero"):
        power_means(n=100, power=np.nextafter(0.05, 1))


@pytest.mark.parametrize("sides", [True, False, "2", 1.5])
def test_sides_must_be_the_number_one_or_two(sides):
    # True == 1 in Python: a flag meaning "two-sided" must not silently give a one-sided design
    with pytest.raises(InputError, match="`sides`"):
        power_means(mde=0.5, power=0.8, sides=sides)
    with pytest.raises(InputError, match="`sides`"):
        power_proportions(0.1, mde=0.02, power=0.8, sides=sides)
    assert power_means(mde=0.5, power=0.8, sides=2.0).sides == 2
