"""Bootstrap intervals: identical to scipy.stats.bootstrap on the same draws, coverage, input."""

import numpy as np
import pytest
from scipy import stats

from scimlkit._errors import InputError
from scimlkit.experiment import bootstrap_difference


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(3)
    return rng.exponential(10.0, 60), rng.exponential(12.0, 50)


@pytest.mark.parametrize("statistic", ["mean", "median"])
@pytest.mark.parametrize("method", ["bca", "percentile"])
@pytest.mark.parametrize("relative", [False, True])
def test_matches_scipy_bootstrap(data, statistic, method, relative):
    c, t = data
    f = getattr(np, statistic)

    def stat(x, y, axis):
        return f(y, axis=axis) / f(x, axis=axis) - 1 if relative else f(y, axis=axis) - f(x, axis=axis)

    # scipy.stats.bootstrap((c, t), stat, method='BCa'|'percentile', n_resamples=3000,
    #                       confidence_level=0.9, rng=np.random.default_rng(5))
    # draws the control indices then the treatment indices, as we do, so the resamples coincide
    ref = stats.bootstrap((c, t), stat, method="BCa" if method == "bca" else method, n_resamples=3000,
                          confidence_level=0.9, rng=np.random.default_rng(5))
    res = bootstrap_difference(c, t, statistic=statistic, relative=relative, method=method, level=0.9,
                               n_resamples=3000, rng=5)
    assert res.low == pytest.approx(ref.confidence_interval.low, rel=1e-6)
    assert res.high == pytest.approx(ref.confidence_interval.high, rel=1e-6)
    assert res.standard_error == pytest.approx(ref.standard_error, rel=1e-6)
    # another level from the stored resamples
    ref95 = stats.bootstrap((c, t), stat, method="BCa" if method == "bca" else method, n_resamples=3000,
                            confidence_level=0.95, bootstrap_result=None, rng=np.random.default_rng(5))
    assert tuple(res.confidence_interval(level=0.95)) == pytest.approx(tuple(ref95.confidence_interval),
                                                                        rel=1e-6)


def test_reproducible_and_serialisable(data):
    c, t = data
    a = bootstrap_difference(c, t, n_resamples=500, rng=1)
    b = bootstrap_difference(c, t, n_resamples=500, rng=np.random.default_rng(1))
    assert (a.low, a.high) == (b.low, b.high)
    assert "bootstrap_distribution" not in a.to_dict()
    assert a.estimate == pytest.approx(t.mean() - c.mean())


def test_bca_coverage_simulation():
    # 400 seeded experiments on skewed (exponential) data, true difference of means 2.0: BCa
    # coverage within 3.5 binomial SDs (sqrt(0.95 * 0.05 / 400) * 3.5 = 0.038) of 0.95
    rng = np.random.default_rng(12)
    hits = 0
    k = 400
    for _ in range(k):
        res = bootstrap_difference(rng.exponential(10.0, 60), rng.exponential(12.0, 60), n_resamples=999,
                                   rng=rng)
        hits += res.low <= 2.0 <= res.high
    assert abs(hits / k - 0.95) < 3.5 * np.sqrt(0.95 * 0.05 / k)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"control": [], "treatment": [1.0, 2.0]}, "empty"),
        ({"control": [1.0], "treatment": [1.0, 2.0]}, "at least 2"),
        ({"control": [1.0, np.nan], "treatment": [1.0, 2.0]}, "NaN"),
        ({"statistic": "mode"}, "statistic"),
        ({"method": "basic"}, "method"),
        ({"level": 1.0}, "level"),
        ({"n_resamples": 10}, "n_resamples"),
        ({"rng": -3}, "rng"),
        ({"control": [0.0, 0.0, 0.0], "relative": True}, "relative lift"),
        # a decrease from -10 to -12 is not a lift of +20%
        ({"control": [-9.0, -10.0, -11.0], "treatment": [-11.0, -12.0, -13.0], "relative": True},
         "control mean is -10; the relative lift needs a positive one"),
        # a control mean of 0.33 whose resamples reach 0 and below: the ratio has no interval
        ({"control": [-1.0, 0.5, 1.5], "relative": True}, "0 or below in some resamples"),
    ],
)
def test_bad_input(kwargs, match):
    args = {"control": [1.0, 2.0, 3.0], "treatment": [2.0, 3.0, 5.0], **kwargs}
    with pytest.raises(InputError, match=match):
        bootstrap_difference(**args)
