"""CUPED: variance reduction of a metric with a pre-period covariate."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._errors import InputError
from .._results import Result
from .._validation import check_alpha, check_same_length
from ._analysis_base import (
    ConfidenceInterval,
    as_float,
    check_alternative,
    check_finite_sample,
    check_level,
    check_paired_order,
    derived_sd,
    raw_moments,
    round_off_only,
    scaled_by_power_of_two,
)
from ._continuous import ratio_lift, t_bounds, ttest_core, warn_means

__all__ = ["cuped", "CupedResult"]


@dataclass(frozen=True, slots=True)
class CupedResult(Result):
    """A CUPED-adjusted comparison of means (treatment against control).

    The metric ``y`` is replaced by ``y - theta (x - mean(x))`` with ``theta = cov(x, y) /
    var(x)`` estimated on both arms pooled, which keeps the expected difference and removes the
    part of the variance explained by the pre-period covariate ``x``.

    Attributes
    ----------
    theta : float
        The adjustment coefficient.
    correlation : float
        Pooled correlation between metric and covariate.
    variance_reduction : float
        ``1 - Var(adjusted difference) / Var(unadjusted difference)``: the share of the variance
        of the estimated difference removed (about ``correlation**2``).
    n_control, n_treatment : int
    mean_control, mean_treatment : float
        Unadjusted means.
    adjusted_mean_control, adjusted_mean_treatment : float
        Means of the adjusted metric.
    difference, low, high : float
        Adjusted difference and its Welch t interval at level ``1 - alpha``.
    relative_lift, lift_low, lift_high : float
        ``adjusted_mean_treatment / adjusted_mean_control - 1`` with a delta-method interval.
    statistic, df, pvalue : float
        Welch t-test on the adjusted metric.
    unadjusted_difference, unadjusted_low, unadjusted_high, unadjusted_pvalue : float
        The plain Welch comparison, for reference.
    alpha : float
    alternative : str
    """

    theta: float
    correlation: float
    variance_reduction: float
    n_control: int
    n_treatment: int
    mean_control: float
    mean_treatment: float
    adjusted_mean_control: float
    adjusted_mean_treatment: float
    difference: float
    low: float
    high: float
    relative_lift: float
    lift_low: float
    lift_high: float
    statistic: float
    df: float
    pvalue: float
    unadjusted_difference: float
    unadjusted_low: float
    unadjusted_high: float
    unadjusted_pvalue: float
    alpha: float
    alternative: str
    adjusted_sd_control: float
    adjusted_sd_treatment: float

    def _se2(self):
        return (self.adjusted_sd_control**2 / self.n_control, self.adjusted_sd_treatment**2 / self.n_treatment)

    def confidence_interval(self, level: float | None = None) -> ConfidenceInterval:
        """Welch interval for the adjusted difference (default level ``1 - alpha``)."""
        level = 1.0 - self.alpha if level is None else check_level(level)
        vc, vt = self._se2()
        low, high = t_bounds(self.difference, np.sqrt(vc + vt), self.df, level, self.alternative)
        return ConfidenceInterval(float(low), float(high))

    def lift_interval(self, level: float | None = None) -> ConfidenceInterval:
        """Delta-method interval (log-ratio scale) for the adjusted relative lift."""
        level = 1.0 - self.alpha if level is None else check_level(level)
        vc, vt = self._se2()
        _, low, high = ratio_lift(np.float64(self.adjusted_mean_control), vc,
                                  np.float64(self.adjusted_mean_treatment), vt, level, self.alternative,
                                  diff=np.float64(self.difference))
        return ConfidenceInterval(float(low), float(high))


def cuped_theta(y: np.ndarray, x: np.ndarray) -> tuple[float, float]:
    """``theta = cov(x, y) / var(x)`` and the correlation, on pooled data."""
    xc, yc = x - x.mean(), y - y.mean()
    sxx, syy, sxy = float(xc @ xc), float(yc @ yc), float(xc @ yc)
    if sxx <= 0:
        raise InputError("the covariate is constant; CUPED needs a pre-period covariate that varies")
    corr = sxy / np.sqrt(sxx * syy) if syy > 0 else 0.0
    return sxy / sxx, float(corr)


def cuped_arrays(yc, xc, yt, xt, *, alpha, alternative):
    """The CUPED comparison on validated arrays; returns the fields of :class:`CupedResult`."""
    y = np.concatenate([yc, yt])
    x = np.concatenate([xc, xt])
    theta, corr = cuped_theta(y, x)
    mean_x = x.mean()
    # moments about the control mean (large values keep their spread and difference)
    pivot = float(yc.mean())
    mc, sc, low_c, high_c = raw_moments(yc, pivot)
    mt, st, low_t, high_t = raw_moments(yt, pivot)
    ac, at = (yc - pivot) - theta * (xc - mean_x), (yt - pivot) - theta * (xt - mean_x)
    # the adjusted values are computed from y, theta * x and theta * mean x: their round-off is
    # that of the largest of those terms (a metric fully determined by x leaves only round-off)
    sd_c = derived_sd(ac, max(np.max(np.abs(yc)), abs(theta) * max(np.max(np.abs(xc)), abs(mean_x))))
    sd_t = derived_sd(at, max(np.max(np.abs(yt)), abs(theta) * max(np.max(np.abs(xt)), abs(mean_x))))
    stats_adj = [np.float64(v) for v in (ac.mean(), sd_c, ac.size, at.mean(), sd_t, at.size)]
    if round_off_only(min(low_c, low_t), max(high_c, high_t), yc, yt):
        # one value computed by several routes: constant arms, no difference, nothing to adjust
        mt, sc, st = mc, 0.0, 0.0
        stats_adj = [np.float64(v) for v in (mc, 0.0, ac.size, mc, 0.0, at.size)]
    stats_raw = [np.float64(v) for v in (mc, sc, yc.size, mt, st, yt.size)]
    adj = ttest_core(*stats_adj, alpha=alpha, alternative=alternative, equal_var=False, pivot=np.float64(pivot))
    raw = ttest_core(*stats_raw, alpha=alpha, alternative=alternative, equal_var=False, pivot=np.float64(pivot))
    warn_means(adj)
    var_adj = stats_adj[1] ** 2 / ac.size + stats_adj[4] ** 2 / at.size
    var_raw = stats_raw[1] ** 2 / yc.size + stats_raw[4] ** 2 / yt.size
    reduction = float(1.0 - var_adj / var_raw) if var_raw > 0 else 0.0
    fields = {k: as_float(adj[k]) for k in ("difference", "low", "high", "relative_lift", "lift_low",
                                            "lift_high", "statistic", "df", "pvalue")}
    return dict(
        theta=float(theta), correlation=corr, variance_reduction=reduction, n_control=int(yc.size),
        n_treatment=int(yt.size), mean_control=pivot + mc, mean_treatment=pivot + mt,
        adjusted_mean_control=pivot + float(stats_adj[0]), adjusted_mean_treatment=pivot + float(stats_adj[3]), **fields,
        unadjusted_difference=as_float(raw["difference"]), unadjusted_low=as_float(raw["low"]),
        unadjusted_high=as_float(raw["high"]), unadjusted_pvalue=as_float(raw["pvalue"]),
        alpha=alpha, alternative=alternative, adjusted_sd_control=float(stats_adj[1]),
        adjusted_sd_treatment=float(stats_adj[4]),
    )


def cuped(control, treatment, control_covariate, treatment_covariate, *, alpha: float = 0.05,
          alternative: str = "two-sided") -> CupedResult:
    """Compare means with CUPED variance reduction from a pre-period covariate.

    ``theta`` is estimated on both arms pooled (valid because the covariate is measured before
    assignment); the adjusted metric is then compared with Welch's t-test.

    Parameters
    ----------
    control, treatment : array-like of float
        The metric per user in each arm (at least two users each, no NaN).
    control_covariate, treatment_covariate : array-like of float
        The pre-period covariate for the same users, in the same order (pairs are taken by
        position; pandas Series whose indexes hold the same users in a different order are
        refused: align them first).
    alpha : float, default 0.05
    alternative : {"two-sided", "larger", "smaller"}

    Returns
    -------
    CupedResult

    Examples
    --------
    >>> import numpy as np
    >>> from scimlkit.experiment import cuped
    >>> gen = np.random.default_rng(0)
    >>> pre_c, pre_t = gen.normal(10, 3, 2000), gen.normal(10, 3, 2000)
    >>> y_c = pre_c + gen.normal(0, 1, 2000)
    >>> y_t = pre_t + 0.2 + gen.normal(0, 1, 2000)
    >>> res = cuped(y_c, y_t, pre_c, pre_t)
    >>> res.variance_reduction > 0.8, res.pvalue < res.unadjusted_pvalue
    (True, True)
    """
    check_paired_order(control=control, control_covariate=control_covariate)
    check_paired_order(treatment=treatment, treatment_covariate=treatment_covariate)
    yc = check_finite_sample(control, "control")
    yt = check_finite_sample(treatment, "treatment")
    xc = check_finite_sample(control_covariate, "control_covariate")
    xt = check_finite_sample(treatment_covariate, "treatment_covariate")
    check_same_length(control=yc, control_covariate=xc)
    check_same_length(treatment=yt, treatment_covariate=xt)
    alpha = check_alpha(alpha)
    alternative = check_alternative(alternative)
    # values near the float limits: moments in power-of-two units (exact), results scaled back
    sy = scaled_by_power_of_two(np.concatenate([yc, yt]))[1]
    sx = scaled_by_power_of_two(np.concatenate([xc, xt]))[1]
    fields = cuped_arrays(yc / sy, xc / sx, yt / sy, xt / sx, alpha=alpha, alternative=alternative)
    if sy != 1.0 or sx != 1.0:
        with np.errstate(over="ignore"):
            for key in _METRIC_UNIT_FIELDS:
                fields[key] = fields[key] * sy
            fields["theta"] = fields["theta"] * (sy / sx)
    return CupedResult(**fields)


# the CUPED result fields in the metric's unit (the others are ratios, counts or probabilities)
_METRIC_UNIT_FIELDS = ("mean_control", "mean_treatment", "adjusted_mean_control", "adjusted_mean_treatment",
                       "difference", "low", "high", "unadjusted_difference", "unadjusted_low", "unadjusted_high",
                       "adjusted_sd_control", "adjusted_sd_treatment")
