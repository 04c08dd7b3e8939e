"""Ratio metrics (revenue per session, clicks per page view) with delta-method intervals."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from scipy import special

from .._errors import DegenerateDataWarning, InputError
from .._results import Result
from .._validation import check_alpha, check_same_length
from ._analysis_base import (
    ConfidenceInterval,
    check_alternative,
    check_finite_sample,
    check_level,
    check_paired_order,
    derived_sd,
    interval_level,
    normal_pvalue,
    one_sided,
)
from ._continuous import ratio_lift

__all__ = ["compare_ratios", "RatioTestResult"]


@dataclass(frozen=True, slots=True)
class RatioTestResult(Result):
    """Comparison of a ratio metric ``sum(numerator) / sum(denominator)`` between two arms.

    Attributes
    ----------
    n_control, n_treatment : int
        Randomisation units (users) per arm.
    ratio_control, ratio_treatment : float
        The ratio of each arm (e.g. revenue per session).
    se_control, se_treatment : float
        Delta-method standard errors of the two ratios.
    difference, low, high : float
        ``ratio_treatment - ratio_control`` and its normal interval at level ``1 - alpha``.
    relative_lift, lift_low, lift_high : float
        ``ratio_treatment / ratio_control - 1`` (NaN unless the control ratio is positive) and its
        delta-method interval (log-ratio scale; NaN unless both ratios are positive).
    statistic, pvalue : float
        z statistic and p-value (NaN when both standard errors are 0).
    alpha : float
    alternative : str
    """

    n_control: int
    n_treatment: int
    ratio_control: float
    ratio_treatment: float
    se_control: float
    se_treatment: float
    difference: float
    low: float
    high: float
    relative_lift: float
    lift_low: float
    lift_high: float
    statistic: float
    pvalue: float
    alpha: float
    alternative: str

    def confidence_interval(self, level: float | None = None) -> ConfidenceInterval:
        """Normal interval for the difference of ratios (default level ``1 - alpha``)."""
        level = 1.0 - self.alpha if level is None else check_level(level)
        z = -special.ndtri((1.0 - interval_level(level, self.alternative)) / 2.0)
        se = float(np.hypot(self.se_control, self.se_treatment))
        low, high = one_sided(self.difference - z * se, self.difference + z * se, self.alternative,
                              -np.inf, np.inf)
        return ConfidenceInterval(float(low), float(high))

    def lift_interval(self, level: float | None = None) -> ConfidenceInterval:
        """Delta-method interval (log-ratio scale) for the relative lift (default level
        ``1 - alpha``; NaN unless both ratios are positive)."""
        level = 1.0 - self.alpha if level is None else check_level(level)
        _, low, high = ratio_lift(np.float64(self.ratio_control), self.se_control**2,
                                  np.float64(self.ratio_treatment), self.se_treatment**2, level, self.alternative)
        return ConfidenceInterval(float(low), float(high))


def _ratio_and_se(num: np.ndarray, den: np.ndarray, arm: str) -> tuple[float, float]:
    """``sum(num) / sum(den)`` and its delta-method standard error (linearisation
    ``(num_i - R den_i) / mean(den)``, sample variance with ``ddof=1``)."""
    negative = den < 0
    if negative.any():
        # a denominator is a count or an exposure (sessions, page views, time): a negative one is a
        # data error, and the delta method's linearisation would silently mix it into the ratio
        raise InputError(f"`denominator_{arm}` must be >= 0 for every unit (a count or exposure), got "
                         f"{int(negative.sum())} negative value(s), e.g. {float(den[negative][0]):g}")
    mean_den = float(den.mean())
    if not mean_den > 0:
        raise InputError(f"`denominator_{arm}` must have a positive mean (a ratio per unit of it), "
                         f"got {mean_den:g}")
    ratio = float(num.mean()) / mean_den
    resid = num - ratio * den
    sd = derived_sd(resid, max(float(np.max(np.abs(num))), abs(ratio) * float(np.max(np.abs(den)))))
    return ratio, sd / (mean_den * np.sqrt(num.size))


def compare_ratios(numerator_control, denominator_control, numerator_treatment, denominator_treatment, *,
                   alpha: float = 0.05, alternative: str = "two-sided") -> RatioTestResult:
    """Compare a ratio metric between treatment and control (delta method).

    For metrics whose unit of analysis is not the unit of randomisation (revenue per session,
    clicks per page view, with users randomised), the sessions of one user are correlated, so a
    test that treats each session as independent is too optimistic. Given one numerator and one
    denominator per user, the ratio ``R = sum(numerator) / sum(denominator)`` of each arm has
    the delta-method variance ``var(numerator - R denominator) / (n mean(denominator)^2)``, and
    the two arms are compared with a z-test and a normal interval.

    Parameters
    ----------
    numerator_control, denominator_control : array-like of float
        Per-user numerator (e.g. revenue) and denominator (e.g. sessions) in the control arm;
        same length, at least 2 users, no NaN, every denominator >= 0 and their mean positive.
    numerator_treatment, denominator_treatment : array-like of float
        The same for the treatment arm.
    alpha : float, default 0.05
        Significance level; the intervals have level ``1 - alpha``.
    alternative : {"two-sided", "larger", "smaller"}
        About ``ratio_treatment - ratio_control``.

    Returns
    -------
    RatioTestResult

    Notes
    -----
    The z-test and interval take the delta-method ratio as normal, which is a large-sample
    approximation: in 10,000 seeded simulations of identical arms (per-user sessions 1 + Poisson(3),
    clicks binomial with a per-user rate drawn from Beta(2, 8)), the test at ``alpha = 0.05``
    rejected 5.8 % of the time with 20 users per arm and 5.1 % with 50 and with 200.

    Examples
    --------
    >>> import numpy as np
    >>> from scimlkit.experiment import compare_ratios
    >>> rng = np.random.default_rng(0)
    >>> sessions_c, sessions_t = rng.poisson(3, 2000) + 1, rng.poisson(3, 2000) + 1
    >>> clicks_c, clicks_t = rng.binomial(sessions_c, 0.20), rng.binomial(sessions_t, 0.23)
    >>> res = compare_ratios(clicks_c, sessions_c, clicks_t, sessions_t)
    >>> res.pvalue < 0.05, res.low < 0.03 < res.high
    (True, True)
    """
    check_paired_order(numerator_control=numerator_control, denominator_control=denominator_control)
    check_paired_order(numerator_treatment=numerator_treatment, denominator_treatment=denominator_treatment)
    yc = check_finite_sample(numerator_control, "numerator_control")
    xc = check_finite_sample(denominator_control, "denominator_control")
    yt = check_finite_sample(numerator_treatment, "numerator_treatment")
    xt = check_finite_sample(denominator_treatment, "denominator_treatment")
    check_same_length(numerator_control=yc, denominator_control=xc)
    check_same_length(numerator_treatment=yt, denominator_treatment=xt)
    alpha = check_alpha(alpha)
    alternative = check_alternative(alternative)
    rc, sec = _ratio_and_se(yc, xc, "control")
    rt, set_ = _ratio_and_se(yt, xt, "treatment")
    diff = rt - rc
    se = float(np.hypot(sec, set_))
    if se > 0:
        statistic = diff / se
        pvalue = float(normal_pvalue(statistic, alternative))
    else:
        warnings.warn("the ratio has zero variance in both arms; the z-test is undefined (NaN)",
                      DegenerateDataWarning, stacklevel=2)
        statistic = pvalue = float("nan")
    lift, lift_low, lift_high = (float(v) for v in ratio_lift(np.float64(rc), sec**2, np.float64(rt), set_**2,
                                                               1.0 - alpha, alternative))
    if np.isnan(lift_low):
        warnings.warn("a ratio is <= 0 in an arm; the relative-lift interval (log-ratio scale) is undefined "
                      "(NaN), and so is the lift itself when the control ratio is <= 0 (the difference is "
                      "still valid)", DegenerateDataWarning, stacklevel=2)
    fields = dict(n_control=int(yc.size), n_treatment=int(yt.size), ratio_control=rc, ratio_treatment=rt,
                  se_control=float(sec), se_treatment=float(set_), difference=float(diff), low=0.0, high=0.0,
                  relative_lift=lift, lift_low=lift_low, lift_high=lift_high, statistic=float(statistic),
                  pvalue=pvalue, alpha=alpha, alternative=alternative)
    interim = RatioTestResult(**fields)
    low, high = interim.confidence_interval()
    return RatioTestResult(**{**fields, "low": low, "high": high})
