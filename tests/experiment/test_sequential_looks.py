"""Group-sequential boundaries: published values, multivariate-normal checks, simulation."""

import numpy as np
import pytest
from scipy import stats

from scimlkit._errors import InputError
from scimlkit.experiment import sequential_boundaries, sequential_decision, spending_function


def _no_crossing_probability(t, bounds, sides):
    """P(no boundary crossed at any of the looks), by direct multivariate normal integration.

    Under the null the z statistics at information fractions t_i, t_j have correlation
    sqrt(t_i / t_j) (i <= j); the probability is a box probability of that normal vector.
    """
    t = np.asarray(t)
    corr = np.sqrt(np.minimum.outer(t, t) / np.maximum.outer(t, t))
    mvn = stats.multivariate_normal(mean=np.zeros(len(t)), cov=corr, maxpts=300_000, abseps=1e-7,
                                    releps=1e-5, seed=1)
    lower = -np.asarray(bounds) if sides == 2 else np.full(len(t), -np.inf)
    return mvn.cdf(np.asarray(bounds), lower_limit=lower)


def test_obrien_fleming_published_values():
    # Lan-DeMets O'Brien-Fleming-type boundaries, 5 equally spaced looks, one-sided alpha 0.025
    # (Jennison & Turnbull; the same numbers as gsDesign's sfLDOF): 4.877, 3.357, 2.680, 2.290, 2.031
    plan = sequential_boundaries(5, alpha=0.025, sides=1, spending="obrien-fleming")
    np.testing.assert_allclose(plan.boundaries, [4.877, 3.357, 2.680, 2.290, 2.031], atol=6e-4)
    np.testing.assert_allclose(plan.information, [0.2, 0.4, 0.6, 0.8, 1.0])
    assert plan.cumulative_alpha[-1] == pytest.approx(0.025)


@pytest.mark.parametrize("spending", ["obrien-fleming", "pocock"])
@pytest.mark.parametrize("sides,alpha", [(1, 0.025), (2, 0.05)])
@pytest.mark.parametrize("looks", [4, [0.15, 0.5, 0.62, 1.0]])
def test_boundaries_spend_alpha_exactly(spending, sides, alpha, looks):
    # Independent check: the probability of crossing by look j, computed by multivariate normal
    # integration over the boundaries found, equals the cumulative alpha spent by then.
    plan = sequential_boundaries(looks, alpha=alpha, sides=sides, spending=spending)
    for j in range(2, len(plan.information) + 1):
        cross = 1.0 - _no_crossing_probability(plan.information[:j], plan.boundaries[:j], sides)
        assert cross == pytest.approx(plan.cumulative_alpha[j - 1], rel=1e-3, abs=3e-7)
    np.testing.assert_allclose(plan.exit_probabilities().cumsum(), plan.cumulative_alpha, rtol=1e-8, atol=1e-12)


@pytest.mark.parametrize("spending", ["obrien-fleming", "pocock"])
def test_first_look_and_single_look_closed_form(spending):
    for sides, alpha in ((1, 0.025), (2, 0.05)):
        plan = sequential_boundaries([0.3, 1.0], alpha=alpha, sides=sides, spending=spending)
        first = spending_function([0.3], alpha=alpha, sides=sides, kind=spending)[0]
        # one look at t1: P(Z >= c) (or P(|Z| >= c)) = alpha spent at t1
        assert plan.boundaries[0] == pytest.approx(stats.norm.isf(first / sides), rel=1e-9)
        single = sequential_boundaries(1, alpha=alpha, sides=sides, spending=spending)
        assert single.boundaries[0] == pytest.approx(stats.norm.isf(alpha / sides), rel=1e-9)


def test_spending_functions_closed_form():
    t = np.array([0.25, 0.5, 1.0])
    z = stats.norm.isf(0.025 / 2)
    np.testing.assert_allclose(spending_function(t, alpha=0.025), 2 * stats.norm.sf(z / np.sqrt(t)))
    np.testing.assert_allclose(spending_function(t, alpha=0.05, kind="pocock"),
                               0.05 * np.log(1 + (np.e - 1) * t))
    # two-sided: alpha/2 per side by the one-sided function
    np.testing.assert_allclose(spending_function(t, alpha=0.05, sides=2),
                               2 * spending_function(t, alpha=0.025, sides=1))
    assert spending_function([1.7], alpha=0.05)[0] == pytest.approx(0.05)


def test_pocock_boundaries_nearly_constant_and_below_obrien_fleming_early():
    poc = sequential_boundaries(5, alpha=0.025, sides=1, spending="pocock")
    obf = sequential_boundaries(5, alpha=0.025, sides=1, spending="obrien-fleming")
    assert np.ptp(poc.boundaries) < 0.06
    assert poc.boundaries[0] < obf.boundaries[0] and poc.boundaries[-1] > obf.boundaries[-1]


@pytest.mark.parametrize("spending,sides,alpha", [("obrien-fleming", 2, 0.05), ("pocock", 1, 0.05)])
def test_overall_type_one_error_by_simulation(spending, sides, alpha):
    # 40,000 seeded null paths; the rejection rate across all 5 looks must be alpha within
    # 4 binomial standard errors (sqrt(0.05 * 0.95 / 40000) = 0.00109, so +- 0.0044).
    # Without correction (1.96 / 1.645 at every look) it would be about 0.14 / 0.13.
    rng = np.random.default_rng(20240611)
    n_sim = 40_000
    plan = sequential_boundaries(5, alpha=alpha, sides=sides, spending=spending)
    t = plan.information
    steps = rng.normal(0.0, np.sqrt(np.diff(np.concatenate([[0.0], t]))), size=(n_sim, 5))
    z = steps.cumsum(axis=1) / np.sqrt(t)
    stat = np.abs(z) if sides == 2 else z
    rate = np.mean((stat >= plan.boundaries).any(axis=1))
    assert abs(rate - alpha) < 4 * np.sqrt(alpha * (1 - alpha) / n_sim)
    naive = np.mean((stat >= stats.norm.isf(alpha / sides)).any(axis=1))
    assert naive > 2 * alpha


def test_power_and_inflation_by_simulation():
    plan = sequential_boundaries(4, alpha=0.05, sides=2, spending="pocock")
    drift = 3.0
    power = plan.power(drift)
    rng = np.random.default_rng(7)
    n_sim = 40_000
    t = plan.information
    steps = rng.normal(0.0, np.sqrt(np.diff(np.concatenate([[0.0], t]))), size=(n_sim, 4))
    z = (steps.cumsum(axis=1) + drift * t) / np.sqrt(t)
    rate = np.mean((np.abs(z) >= plan.boundaries).any(axis=1))
    assert abs(rate - power) < 4 * np.sqrt(power * (1 - power) / n_sim)
    # a single look needs no inflation; more looks need more (Pocock more than O'Brien-Fleming)
    assert sequential_boundaries(1, alpha=0.05).inflation_factor(0.8) == pytest.approx(1.0, rel=1e-6)
    obf = sequential_boundaries(4, alpha=0.05).inflation_factor(0.8)
    assert 1.0 < obf < plan.inflation_factor(0.8)


def test_decision_with_unplanned_fractions():
    t = [0.18, 0.45, 0.71]
    res = sequential_decision([1.0, 2.1, 2.9], information=t, alpha=0.05, sides=2)
    assert res.decisions == ("continue", "continue", "stop: efficacy")
    assert res.stopped_at == 3
    # the boundaries are those of a plan with the fractions reached, then the final look: the
    # boundary at a look does not depend on later looks (Lan-DeMets)
    longer = sequential_boundaries([0.18, 0.45, 0.71, 1.0], alpha=0.05, sides=2).boundaries
    np.testing.assert_allclose(res.boundaries, longer[:3], rtol=1e-9)


def test_decision_sequences():
    res = sequential_decision([0.5, 4.0, 1.0], looks=3, alpha=0.05, sides=1)
    assert res.decisions == ("continue", "stop: efficacy", "after stop")
    assert res.stopped_at == 2
    res = sequential_decision([0.5, 1.0, 1.2], looks=3, alpha=0.05, sides=1)
    assert res.decisions == ("continue", "continue", "stop: final look, not significant")
    assert res.stopped_at is None
    # two-sided: a large negative z also stops; one-sided it does not
    assert sequential_decision([-5.0], looks=2, sides=2).stopped_at == 1
    # ... and says the treatment is worse, not "efficacy"
    assert sequential_decision([0.5, -5.0], looks=3, sides=2).decisions == ("continue", "stop: treatment worse")
    assert sequential_decision([0.5, 5.0], looks=3, sides=2).decisions == ("continue", "stop: efficacy")
    assert sequential_decision([-5.0], looks=2, sides=1).stopped_at is None
    frame = res.to_frame()
    assert list(frame.columns) == ["look", "information", "z", "boundary", "decision"]
    import json

    assert json.loads(json.dumps(res.to_dict()))["decisions"][-1].startswith("stop")


def test_number_of_looks_as_a_whole_float():
    # a count read from a config or a JSON file arrives as 4.0
    np.testing.assert_array_equal(sequential_boundaries(4.0).boundaries, sequential_boundaries(4).boundaries)
    np.testing.assert_array_equal(sequential_boundaries(np.float64(3)).information, [1 / 3, 2 / 3, 1.0])


def test_overrun_final_look_spends_the_rest():
    res = sequential_decision([1.0, 2.0], information=[0.5, 1.2], alpha=0.025, sides=1)
    plan = sequential_boundaries([0.5, 1.0], alpha=0.025, sides=1)
    overrun = sequential_boundaries([0.5, 1.2], alpha=0.025, sides=1)  # a last look past the plan is allowed
    np.testing.assert_allclose(overrun.boundaries, res.boundaries)
    assert res.boundaries[0] == pytest.approx(plan.boundaries[0])
    assert res.decisions[-1] == "stop: efficacy"


@pytest.mark.parametrize("call,match", [
    (lambda: sequential_boundaries(5, alpha=1.2), "`alpha`"),
    (lambda: sequential_boundaries(5, alpha=0.0), "`alpha`"),
    (lambda: sequential_boundaries(0), "`looks`"),
    (lambda: sequential_boundaries([0.5, 0.4, 1.0]), "increasing"),
    (lambda: sequential_boundaries([0.0, 1.0]), "positive"),
    (lambda: sequential_boundaries([0.5, np.nan]), "NaN"),
    (lambda: sequential_boundaries(3, sides=3), "`sides`"),
    (lambda: sequential_boundaries(3, spending="haybittle"), "`spending`"),
    (lambda: sequential_decision([1.0, 2.0], information=[0.5]), "same length"),
    (lambda: sequential_decision([1.0, np.nan], looks=3), "`z`"),
    (lambda: sequential_decision([1.0, 2.0, 3.0], looks=2), "`looks`"),
    (lambda: sequential_decision([1.0]), "`information`"),
    (lambda: sequential_decision([1.0, 2.0], information=[1.0, 1.1]), "last look"),
    (lambda: sequential_boundaries([1000, 2000, 3000]), "only the last look may be at 1 or more.*planned final size"),
    (lambda: sequential_boundaries([0.5, 1.0, 1.5]), "only the last look"),
    (lambda: sequential_boundaries([0.3, 0.6]), r"`looks` must end with the final analysis at information 1"),
    (lambda: sequential_boundaries([0.5, 0.999]), "never spends all of alpha"),
    (lambda: sequential_boundaries(2.5), "`looks` must be an integer"),
    (lambda: sequential_boundaries("3"), "`looks` must be an integer"),
    (lambda: spending_function([0.5], kind="linear"), "`kind`"),
    (lambda: spending_function(-0.1), "`t` must be information fractions >= 0"),
    (lambda: spending_function([0.5, -1e-9], kind="pocock"), "`t` must be information fractions >= 0"),
])
def test_bad_input(call, match):
    with pytest.raises(InputError, match=match):
        call()


def test_a_plan_ends_at_information_one_while_looks_so_far_need_not():
    # the final analysis of a plan is at 1 (or beyond); a decision is taken on the looks so far
    assert sequential_boundaries([0.3, 0.6, 1.0]).cumulative_alpha[-1] == pytest.approx(0.05, rel=1e-12)
    assert sequential_boundaries([0.5, 1.0 - 1e-12]).cumulative_alpha[-1] == pytest.approx(0.05, rel=1e-9)
    assert sequential_boundaries([0.5, 1.25]).cumulative_alpha[-1] == pytest.approx(0.05, rel=1e-12)
    res = sequential_decision([1.1, 1.9], information=[0.3, 0.6])
    assert res.decisions == ("continue", "continue")


@pytest.mark.parametrize("sides", [True, False, 1.5])
def test_sequential_sides_must_be_the_number_one_or_two(sides):
    # True == 1 in Python: it must not silently give a one-sided plan reported as `"sides": true`
    with pytest.raises(InputError, match="`sides`"):
        sequential_boundaries(3, sides=sides)
    with pytest.raises(InputError, match="`sides`"):
        sequential_decision([1.0, 2.0], looks=3, sides=sides)
    with pytest.raises(InputError, match="`sides`"):
        spending_function([0.5, 1.0], sides=sides)
    plan = sequential_boundaries(3, sides=2.0)
    assert plan.sides == 2 and type(plan.to_dict()["sides"]) is int
