"""Confidence intervals for a single binomial proportion, vectorised over arrays of counts."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

from .._errors import InputError
from .._results import Result
from .._validation import check_counts, check_option
from ._analysis_base import ConfidenceInterval, check_level

__all__ = ["proportion_interval", "ProportionIntervalResult", "PROPORTION_METHODS"]

PROPORTION_METHODS = ("wilson", "agresti_coull", "clopper_pearson", "jeffreys", "normal")
_METHOD_ALIASES = {
    "agresti-coull": "agresti_coull",
    "clopper-pearson": "clopper_pearson",
    "exact": "clopper_pearson",
    "beta": "clopper_pearson",
    "wald": "normal",
}


def check_proportion_counts(successes, trials, *, successes_name="successes", trials_name="trials"):
    """Validate successes/trials counts (broadcastable); returns float arrays."""
    x = check_counts(successes, successes_name)
    n = check_counts(trials, trials_name)
    try:
        x, n = np.broadcast_arrays(x, n)
    except ValueError:
        raise InputError(
            f"`{successes_name}` and `{trials_name}` must have matching shapes, got {x.shape} and {n.shape}"
        ) from None
    if x.size == 0:
        raise InputError(f"`{successes_name}` is empty")
    if (n == 0).any():
        raise InputError(f"`{trials_name}` must be >= 1, got 0 trials")
    if (x > n).any():
        i = np.flatnonzero((x > n).ravel())[0]
        raise InputError(
            f"`{successes_name}` must not exceed `{trials_name}`, got {x.ravel()[i]} successes in "
            f"{n.ravel()[i]} trials"
        )
    return x.astype(float), n.astype(float)


def check_proportion_method(method) -> str:
    if isinstance(method, str):
        method = _METHOD_ALIASES.get(method.lower(), method)
    return check_option(method, "method", PROPORTION_METHODS)


def wilson_bounds(x, n, z):
    """Wilson score interval (vectorised; ``z`` is the two-sided critical value)."""
    p = x / n
    z2 = z * z
    denom = 1.0 + z2 / n
    center = (p + z2 / (2.0 * n)) / denom
    half = z * np.sqrt(p * (1.0 - p) / n + z2 / (4.0 * n * n)) / denom
    low = np.where(x <= 0, 0.0, np.clip(center - half, 0.0, 1.0))  # exact ends at x = 0 and x = n
    high = np.where(x >= n, 1.0, np.clip(center + half, 0.0, 1.0))
    return low, high


def proportion_bounds(x, n, level: float, method: str):
    """Two-sided interval of level ``level`` for ``x`` successes in ``n`` trials (arrays)."""
    tail = (1.0 - level) / 2.0
    z = -special.ndtri(tail)
    p = x / n
    if method == "wilson":
        return wilson_bounds(x, n, z)
    if method == "normal":
        half = z * np.sqrt(p * (1.0 - p) / n)
        return np.clip(p - half, 0.0, 1.0), np.clip(p + half, 0.0, 1.0)
    if method == "agresti_coull":
        n_ = n + z * z
        p_ = (x + z * z / 2.0) / n_
        half = z * np.sqrt(p_ * (1.0 - p_) / n_)
        return np.clip(p_ - half, 0.0, 1.0), np.clip(p_ + half, 0.0, 1.0)
    if method == "clopper_pearson":
        with np.errstate(invalid="ignore", divide="ignore"):
            low = np.where(x > 0, special.betaincinv(np.maximum(x, 1e-300), n - x + 1.0, tail), 0.0)
            high = np.where(x < n, special.betaincinv(x + 1.0, np.maximum(n - x, 1e-300), 1.0 - tail), 1.0)
        return low, high
    # Jeffreys: quantiles of Beta(x + 1/2, n - x + 1/2); the end at an observed 0 or n is
    # set to 0 or 1 so that the interval always contains the estimate (Brown, Cai, DasGupta 2001).
    low = np.where(x > 0, special.betaincinv(x + 0.5, n - x + 0.5, tail), 0.0)
    high = np.where(x < n, special.betaincinv(x + 0.5, n - x + 0.5, 1.0 - tail), 1.0)
    return low, high


@dataclass(frozen=True, slots=True)
class ProportionIntervalResult(Result):
    """Confidence intervals for one or many binomial proportions.

    Fields are scalars for scalar input and arrays (of the broadcast shape) otherwise.

    Attributes
    ----------
    successes, trials : float or ndarray
        The counts.
    estimate : float or ndarray
        ``successes / trials``.
    low, high : float or ndarray
        The interval bounds.
    level : float
        The confidence level.
    method : str
        One of ``wilson``, ``agresti_coull``, ``clopper_pearson``, ``jeffreys``, ``normal``.
    """

    successes: object
    trials: object
    estimate: object
    low: object
    high: object
    level: float
    method: str

    def confidence_interval(self) -> ConfidenceInterval:
        """The interval as ``(low, high)``."""
        return ConfidenceInterval(self.low, self.high)

    def to_frame(self):
        import pandas as pd

        return pd.DataFrame({
            "successes": np.atleast_1d(self.successes), "trials": np.atleast_1d(self.trials),
            "estimate": np.atleast_1d(self.estimate), "low": np.atleast_1d(self.low),
            "high": np.atleast_1d(self.high), "level": self.level, "method": self.method,
        })


def proportion_interval(successes, trials, *, level: float = 0.95,
                        method: str = "wilson") -> ProportionIntervalResult:
    """Confidence interval for a binomial proportion, vectorised over arrays of counts.

    Parameters
    ----------
    successes, trials : int or array-like of int
        Number of successes and of trials, each a number or a 1-D array (a number is broadcast
        against the other's length). ``trials`` must be
        at least 1 and ``successes`` at most ``trials``.
    level : float, default 0.95
        Confidence level in (0, 1).
    method : {"wilson", "agresti_coull", "clopper_pearson", "jeffreys", "normal"}
        ``wilson`` is the score interval (the default: good coverage, never outside [0, 1]);
        ``agresti_coull`` adds z^2/2 pseudo-successes and failures; ``clopper_pearson`` is the
        exact (conservative) beta interval; ``jeffreys`` the equal-tailed Beta(1/2, 1/2)
        posterior interval (with 0 or 1 as the end when the count is 0 or n); ``normal`` the
        Wald interval. Wilson, Agresti-Coull and normal bounds are clipped to [0, 1].

    Returns
    -------
    ProportionIntervalResult

    Examples
    --------
    >>> from scimlkit.experiment import proportion_interval
    >>> res = proportion_interval(12, 200, method="wilson")
    >>> round(res.low, 4), round(res.high, 4)
    (0.0347, 0.1019)
    >>> proportion_interval([0, 5], [10, 10], method="clopper_pearson").high.round(3)
    array([0.308, 0.813])
    """
    x, n = check_proportion_counts(successes, trials)
    level = check_level(level)
    method = check_proportion_method(method)
    low, high = proportion_bounds(x, n, level, method)
    scalar = x.ndim == 0

    def out(a):
        return float(a) if scalar else np.asarray(a, dtype=float)

    return ProportionIntervalResult(successes=out(x), trials=out(n), estimate=out(x / n), low=out(low),
                                    high=out(high), level=level, method=method)
