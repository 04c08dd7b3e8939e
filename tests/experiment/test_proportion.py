"""Single-proportion intervals: statsmodels references, exact coverage, bad input."""

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from scimlkit._errors import InputError
from scimlkit.experiment import proportion_interval

COUNTS = np.array([0, 1, 3, 12, 50, 97, 199, 200])
TRIALS = np.array([200, 200, 40, 200, 100, 300, 200, 200])

# our method name -> statsmodels' method name
METHODS = {"wilson": "wilson", "agresti_coull": "agresti_coull", "clopper_pearson": "beta",
           "jeffreys": "jeffreys", "normal": "normal"}


@pytest.mark.parametrize("method", list(METHODS))
@pytest.mark.parametrize("level", [0.95, 0.8])
def test_matches_statsmodels(method, level):
    # reference: statsmodels.stats.proportion.proportion_confint(count, nobs, alpha=1 - level, method=...)
    ref_low, ref_high = proportion_confint(COUNTS, TRIALS, alpha=1 - level, method=METHODS[method])
    res = proportion_interval(COUNTS, TRIALS, level=level, method=method)
    inner = (COUNTS > 0) & (COUNTS < TRIALS)
    if method == "jeffreys":
        # statsmodels keeps the beta quantile at x = 0 and x = n; we use 0 and 1 there
        # (Brown, Cai & DasGupta 2001) so the interval contains the estimate
        assert np.all(res.low[~inner & (COUNTS == 0)] == 0.0)
        assert np.all(res.high[~inner & (COUNTS == TRIALS)] == 1.0)
        np.testing.assert_allclose(res.low[inner], ref_low[inner], rtol=1e-6)
        np.testing.assert_allclose(res.high[inner], ref_high[inner], rtol=1e-6)
    else:
        np.testing.assert_allclose(res.low, ref_low, rtol=1e-6, atol=1e-12)
        np.testing.assert_allclose(res.high, ref_high, rtol=1e-6, atol=1e-12)
    np.testing.assert_allclose(res.estimate, COUNTS / TRIALS)


def test_scalar_result_and_frame():
    res = proportion_interval(12, 200)
    assert isinstance(res.low, float) and res.method == "wilson"
    # statsmodels.stats.proportion.proportion_confint(12, 200, method="wilson")
    ref = proportion_confint(12, 200, method="wilson")
    assert res.confidence_interval() == pytest.approx(ref, rel=1e-9)
    frame = proportion_interval([1, 2], [10, 20], method="exact").to_frame()
    assert list(frame["method"]) == ["clopper_pearson"] * 2 and len(frame) == 2


def _exact_coverage(method, n, p, level=0.95):
    x = np.arange(n + 1)
    res = proportion_interval(x, n, level=level, method=method)
    covers = (res.low <= p) & (p <= res.high)
    return stats.binom.pmf(x, n, p) @ covers


def test_clopper_pearson_never_undercovers():
    # exact coverage (sum of binomial probabilities of the x whose interval holds p) >= level
    for p in np.linspace(0.01, 0.99, 45):
        assert _exact_coverage("clopper_pearson", 60, p) >= 0.95 - 1e-12


def test_wilson_average_coverage_near_nominal():
    # averaged over p, Wilson's exact coverage is close to nominal (Brown, Cai & DasGupta);
    # the Wald interval is known to undercover badly at small n.
    grid = np.linspace(0.05, 0.95, 91)
    wilson = np.mean([_exact_coverage("wilson", 50, p) for p in grid])
    wald = np.mean([_exact_coverage("normal", 50, p) for p in grid])
    assert abs(wilson - 0.95) < 0.01
    assert wald < 0.94


def test_seeded_coverage_simulation():
    # 20,000 seeded binomial draws; coverage of Wilson and Agresti-Coull within 3.5 binomial
    # SDs of the nominal 0.95 (SD = sqrt(0.95 * 0.05 / 20000) = 0.0015) plus 0.005 for the
    # method's own deviation at n = 400, p = 0.3
    rng = np.random.default_rng(11)
    x = rng.binomial(400, 0.3, 20_000)
    tol = 3.5 * np.sqrt(0.95 * 0.05 / 20_000) + 0.005
    for method in ("wilson", "agresti_coull", "jeffreys"):
        res = proportion_interval(x, 400, method=method)
        coverage = np.mean((res.low <= 0.3) & (0.3 <= res.high))
        assert abs(coverage - 0.95) < tol, (method, coverage)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"successes": -1, "trials": 10}, "successes"),
        ({"successes": 1.5, "trials": 10}, "whole-number"),
        ({"successes": 11, "trials": 10}, "must not exceed"),
        ({"successes": 0, "trials": 0}, "trials"),
        ({"successes": np.nan, "trials": 10}, "NaN"),
        ({"successes": [1, 2], "trials": [10, 10, 10]}, "matching shapes"),
        ({"successes": [], "trials": []}, "at least 1 value"),
        ({"successes": 1, "trials": 10, "level": 1.5}, "level"),
        ({"successes": 1, "trials": 10, "method": "magic"}, "method"),
    ],
)
def test_bad_input(kwargs, match):
    with pytest.raises(InputError, match=match):
        proportion_interval(**kwargs)
