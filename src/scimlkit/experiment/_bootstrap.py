"""Bootstrap intervals (percentile and BCa) for a difference or ratio of means or medians."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from scipy import special

from .._errors import DegenerateDataWarning, InputError
from .._results import Result
from .._validation import check_int, check_option, check_rng
from ._analysis_base import ConfidenceInterval, check_finite_sample, check_level

__all__ = ["bootstrap_difference", "BootstrapResult"]

_STATISTICS = ("mean", "median")
_METHODS = ("bca", "percentile")
_CHUNK_ELEMENTS = 4_000_000  # resample indices drawn per block (bounded memory)


def _stat(values, statistic: str, axis: int = -1):
    return np.mean(values, axis=axis) if statistic == "mean" else np.median(values, axis=axis)


def _combine(stat_c, stat_t, relative: bool):
    with np.errstate(divide="ignore", invalid="ignore"):
        return stat_t / stat_c - 1.0 if relative else stat_t - stat_c


def _leave_one_out(x: np.ndarray, statistic: str) -> np.ndarray:
    """The statistic of ``x`` with each observation left out in turn (vectorised)."""
    n = x.size
    if statistic == "mean":
        return (x.sum() - x) / (n - 1.0)
    order = np.argsort(x, kind="stable")
    s = x[order]
    m = n - 1
    k = np.array([(m - 1) // 2, m // 2])
    removed = np.arange(n)[:, None]                       # rank of the removed value
    idx = k[None, :] + (k[None, :] >= removed)            # positions in the full sorted array
    med_by_rank = s[idx].mean(axis=1)
    out = np.empty(n)
    out[order] = med_by_rank
    return out


def _bca_alphas(distribution, estimate, acceleration, tail):
    """Adjusted percentile levels of the BCa interval (Efron & Tibshirani, ch. 14)."""
    b = distribution.size
    below = np.count_nonzero(distribution < estimate) + np.count_nonzero(distribution <= estimate)
    z0 = special.ndtri(below / (2.0 * b))
    z_lo, z_hi = special.ndtri(tail), -special.ndtri(tail)
    a1 = special.ndtr(z0 + (z0 + z_lo) / (1.0 - acceleration * (z0 + z_lo)))
    a2 = special.ndtr(z0 + (z0 + z_hi) / (1.0 - acceleration * (z0 + z_hi)))
    return a1, a2


@dataclass(frozen=True, slots=True)
class BootstrapResult(Result):
    """Bootstrap confidence interval of ``stat(treatment) - stat(control)`` (or of the ratio - 1).

    Attributes
    ----------
    statistic : str
        ``mean`` or ``median``.
    relative : bool
        ``True`` when the estimate is the relative lift ``stat_t / stat_c - 1``.
    estimate : float
        The statistic on the observed data.
    low, high : float
        Interval bounds at ``level`` with ``method``.
    level : float
    method : str
        ``bca`` (bias-corrected and accelerated) or ``percentile``.
    n_resamples : int
    standard_error : float
        Standard deviation of the bootstrap distribution.
    acceleration : float
        BCa acceleration from the two-sample jackknife.
    bootstrap_distribution : ndarray
        The resampled statistics.
    """

    statistic: str
    relative: bool
    estimate: float
    low: float
    high: float
    level: float
    method: str
    n_resamples: int
    standard_error: float
    acceleration: float
    bootstrap_distribution: np.ndarray

    def confidence_interval(self, level: float | None = None, method: str | None = None) -> ConfidenceInterval:
        """Interval at another level or with the other method, from the stored resamples."""
        level = self.level if level is None else check_level(level)
        method = self.method if method is None else check_option(method, "method", _METHODS)
        return ConfidenceInterval(*_interval(self.bootstrap_distribution, self.estimate,
                                             self.acceleration, level, method))

    def to_dict(self):
        out = Result.to_dict(self)
        out.pop("bootstrap_distribution")
        return out


def _interval(distribution, estimate, acceleration, level, method):
    tail = (1.0 - level) / 2.0
    if method == "bca":
        a1, a2 = _bca_alphas(distribution, estimate, acceleration, tail)
    else:
        a1, a2 = tail, 1.0 - tail
    if not (np.isfinite(a1) and np.isfinite(a2)):
        warnings.warn("the BCa interval cannot be computed (degenerate bootstrap distribution); "
                      "bounds are NaN", DegenerateDataWarning, stacklevel=3)
        return float("nan"), float("nan")
    low, high = np.quantile(distribution, [a1, a2])
    return float(low), float(high)


def bootstrap_difference(control, treatment, *, statistic: str = "mean", relative: bool = False,
                         method: str = "bca", level: float = 0.95, n_resamples: int = 9999,
                         rng=None) -> BootstrapResult:
    """Bootstrap interval for the difference (or relative lift) in means or medians.

    Each arm is resampled independently with replacement; the interval is the percentile or
    the BCa (bias-corrected and accelerated) interval of the resampled statistic, with the
    acceleration estimated by the jackknife over both samples.

    Parameters
    ----------
    control, treatment : array-like of float
        One value per user (at least two each, no NaN).
    statistic : {"mean", "median"}
    relative : bool, default False
        ``False``: ``stat(treatment) - stat(control)``; ``True``: ``stat_t / stat_c - 1``, which
        needs a control statistic above 0 in the sample and in every resample (a ratio to a
        statistic that can be 0 or negative has no interval; an ``InputError`` says so).
    method : {"bca", "percentile"}
    level : float, default 0.95
    n_resamples : int, default 9999
    rng : int, Generator or None
        Seed for reproducible resampling.

    Returns
    -------
    BootstrapResult

    Notes
    -----
    Bootstrap intervals are not exact, and on skewed metrics they under-cover, the BCa interval
    more than the percentile one for a difference of means (it follows the skewness of each
    sample, which is itself poorly estimated). In seeded simulations of two identical arms of
    lognormal values (log-scale sd 1), the 95 % interval of the difference of means covered 0
    in 86 % (BCa) and 90 % (percentile) of 1,000 runs with 20 values per arm, 89 % and 93 % with
    50, 91 % and 93 % with 200, and 92 % and 94 % with 500, where Welch's t interval
    (:func:`compare_means`) covered 95 % at every size; SciPy's ``stats.bootstrap`` gives the
    same coverage. For medians the coverage was 95 % to 97 %. Prefer :func:`compare_means` for
    means of heavy-tailed metrics, and the bootstrap for medians and other statistics.

    Examples
    --------
    >>> import numpy as np
    >>> from scimlkit.experiment import bootstrap_difference
    >>> gen = np.random.default_rng(3)
    >>> c, t = gen.exponential(10.0, 300), gen.exponential(12.0, 300)
    >>> res = bootstrap_difference(c, t, statistic="median", n_resamples=2000, rng=0)
    >>> bool(res.low < res.estimate < res.high)
    True
    """
    c = check_finite_sample(control, "control")
    t = check_finite_sample(treatment, "treatment")
    statistic = check_option(statistic, "statistic", _STATISTICS)
    method = check_option(method.lower() if isinstance(method, str) else method, "method", _METHODS)
    level = check_level(level)
    n_resamples = check_int(n_resamples, "n_resamples", low=100)
    gen = check_rng(rng)
    relative = bool(relative)
    stat_c, stat_t = _stat(c, statistic), _stat(t, statistic)
    if relative and stat_c <= 0:
        raise InputError(f"the control {statistic} is {stat_c:g}; the relative lift needs a positive one "
                         "(use relative=False)")
    estimate = float(_combine(stat_c, stat_t, relative))

    rows = max(1, _CHUNK_ELEMENTS // (c.size + t.size))
    parts = []
    for start in range(0, n_resamples, rows):
        b = min(rows, n_resamples - start)
        ic = gen.integers(0, c.size, (b, c.size))
        it = gen.integers(0, t.size, (b, t.size))
        resampled_c = _stat(c[ic], statistic)
        if relative and np.any(resampled_c <= 0):
            # the ratio passes through infinity: no interval of the relative lift exists
            raise InputError(f"the resampled control {statistic} was 0 or below in some resamples; the "
                             "relative lift is undefined there (use relative=False)")
        parts.append(_combine(resampled_c, _stat(t[it], statistic), relative))
    distribution = np.concatenate(parts)

    # jackknife acceleration over both samples (leave one observation out of one arm at a time)
    jack = [_combine(_leave_one_out(c, statistic), stat_t, relative),
            _combine(stat_c, _leave_one_out(t, statistic), relative)]
    num = den = 0.0
    for values in jack:
        n = values.size
        u = (n - 1.0) * (values.mean() - values)
        num += (u**3).sum() / n**3
        den += (u**2).sum() / n**2
    acceleration = float(num / (6.0 * den**1.5)) if den > 0 else 0.0
    low, high = _interval(distribution, estimate, acceleration, level, method)
    return BootstrapResult(statistic=statistic, relative=relative, estimate=estimate, low=low, high=high,
                           level=level, method=method, n_resamples=n_resamples,
                           standard_error=float(distribution.std(ddof=1)), acceleration=acceleration,
                           bootstrap_distribution=distribution)
