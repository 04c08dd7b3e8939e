"""Binary (conversion) metrics: two independent proportions, treatment against control."""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
from scipy import special, stats

from .._errors import DegenerateDataWarning, InputError, SmallSampleWarning
from .._results import Result
from .._validation import check_alpha, check_binary, check_option
from ._analysis_base import (
    ConfidenceInterval,
    as_float,
    check_alternative,
    check_level,
    interval_level,
    normal_pvalue,
    one_sided,
)
from ._proportion import check_proportion_counts, wilson_bounds

__all__ = [
    "compare_proportions",
    "compare_binary",
    "BinaryTestResult",
    "ChiSquareResult",
    "FisherExactResult",
    "DIFFERENCE_METHODS",
]

DIFFERENCE_METHODS = ("newcombe", "wald")


def check_difference_method(method) -> str:
    if isinstance(method, str) and method.lower() in ("newcomb", "wilson", "score"):
        method = "newcombe"
    return check_option(method, "ci_method", DIFFERENCE_METHODS)


# -- vectorised kernels ----------------------------------------------------------------------


def pooled_ztest(xc, nc, xt, nt, alternative):
    """Pooled-variance z-test of ``p_t - p_c = 0`` (arrays). Degenerate rows get z = 0, p = 1."""
    pc, pt = xc / nc, xt / nt
    pool = (xc + xt) / (nc + nt)
    var = pool * (1.0 - pool) * (1.0 / nc + 1.0 / nt)
    degenerate = var <= 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(degenerate, 0.0, (pt - pc) / np.sqrt(np.where(degenerate, 1.0, var)))
    p = np.where(degenerate, 1.0, normal_pvalue(z, alternative))
    return z, p, degenerate


def difference_bounds(xc, nc, xt, nt, level, method, alternative="two-sided"):
    """Interval for ``p_t - p_c`` (arrays): Newcombe's hybrid score or Wald."""
    two_level = interval_level(level, alternative)
    z = -special.ndtri((1.0 - two_level) / 2.0)
    pc, pt = xc / nc, xt / nt
    diff = pt - pc
    if method == "newcombe":
        lc, uc = wilson_bounds(xc, nc, z)
        lt, ut = wilson_bounds(xt, nt, z)
        low = diff - np.sqrt((pt - lt) ** 2 + (uc - pc) ** 2)
        high = diff + np.sqrt((pc - lc) ** 2 + (ut - pt) ** 2)
    else:
        half = z * np.sqrt(pt * (1.0 - pt) / nt + pc * (1.0 - pc) / nc)
        low, high = diff - half, diff + half
    return one_sided(low, high, alternative, -1.0, 1.0)


def lift_bounds(xc, nc, xt, nt, level, alternative="two-sided"):
    """Delta-method interval for the relative lift ``p_t / p_c - 1`` on the log-ratio scale.

    ``Var(log(p_t / p_c)) ~ (1 - p_t) / x_t + (1 - p_c) / x_c``; rows with zero successes in
    either arm have no finite interval and get NaN (the caller warns).
    """
    two_level = interval_level(level, alternative)
    z = -special.ndtri((1.0 - two_level) / 2.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_ratio = np.log(xt / nt) - np.log(xc / nc)
        se = np.sqrt(1.0 / xt - 1.0 / nt + 1.0 / xc - 1.0 / nc)
        bad = (xt <= 0) | (xc <= 0)
        low = np.where(bad, np.nan, np.expm1(log_ratio - z * se))
        high = np.where(bad, np.nan, np.expm1(log_ratio + z * se))
    low, high = one_sided(low, high, alternative, -1.0, np.inf)
    return np.where(bad, np.nan, low), np.where(bad, np.nan, high)


def relative_lift(xc, nc, xt, nt):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(xc > 0, (xt / nt) / np.where(xc > 0, xc / nc, 1.0) - 1.0, np.nan)


def cohens_h(pc, pt):
    """Cohen's h: difference of arcsine-square-root transformed proportions."""
    return 2.0 * np.arcsin(np.sqrt(pt)) - 2.0 * np.arcsin(np.sqrt(pc))


def chi2_2x2(xc, nc, xt, nt, correction):
    """Pearson chi-squared test of independence for 2x2 tables (arrays), df = 1."""
    obs = np.stack([np.stack([xc, nc - xc], -1), np.stack([xt, nt - xt], -1)], -2)
    rows = obs.sum(-1, keepdims=True)
    cols = obs.sum(-2, keepdims=True)
    expected = rows * cols / obs.sum((-1, -2), keepdims=True)
    degenerate = (expected <= 0).any((-1, -2))
    dev = np.abs(obs - expected)
    if correction:
        dev = np.maximum(dev - 0.5, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        stat = np.where(degenerate, 0.0, (dev**2 / np.where(expected > 0, expected, 1.0)).sum((-1, -2)))
    return stat, np.where(degenerate, 1.0, stats.chi2.sf(stat, 1)), degenerate


_FISHER_DENSE = 1 << 16  # supports up to this size are summed outright
FISHER_MAX_TOTAL = 10**10  # SciPy's hypergeometric functions slow down in proportion to the total


def _first_true(pred, lo: int, hi: int, guess: int) -> int:
    """Smallest ``k`` in ``[lo, hi]`` with ``pred(k)`` (false, then true), or ``hi + 1``.

    Gallops out from ``guess`` to a bracket, then bisects: O(log |answer - guess|) calls.
    """
    if lo > hi:
        return lo
    k = min(max(guess, lo), hi)
    step = 1
    if pred(k):
        top, bottom = k, lo - 1
        while top - step >= lo:
            if not pred(top - step):
                bottom = top - step
                break
            top, step = top - step, 2 * step
    else:
        bottom, top = k, hi + 1
        while bottom + step <= hi:
            if pred(bottom + step):
                top = bottom + step
                break
            bottom, step = bottom + step, 2 * step
    while top - bottom > 1:
        mid = (top + bottom) // 2
        if pred(mid):
            top = mid
        else:
            bottom = mid
    return top


def _fisher_pvalue(a, row1, col1, total, alternative):
    """Fisher's exact test for one 2x2 table via the hypergeometric distribution."""
    dist = stats.hypergeom(total, col1, row1)
    if alternative == "larger":
        return float(dist.sf(a - 1))
    if alternative == "smaller":
        return float(dist.cdf(a))
    lo, hi = max(0, row1 + col1 - total), min(row1, col1)
    if hi - lo < _FISHER_DENSE:
        support = np.arange(lo, hi + 1)
        pmf = dist.pmf(support)
        observed = dist.pmf(a)
        # tables at most as likely as the observed one (relative tolerance for rounding)
        return float(min(1.0, pmf[pmf <= observed * (1.0 + 1e-7)].sum()))
    # The same sum without the support: the probabilities rise up to the mode and fall after it,
    # so the tables at most as likely as the observed one are two tails, [lo, left] and
    # [right, hi]. Their ends are found by bisection, started where the log-probabilities (cheap,
    # but only nearly exact) put them.
    threshold = float(dist.pmf(a)) * (1.0 + 1e-7)
    log_threshold = float(dist.logpmf(a)) + math.log1p(1e-7)
    mode = (row1 + 1) * (col1 + 1) // (total + 2)

    def pmf(k):
        return float(dist.pmf(k))

    def log_pmf(k):
        return float(dist.logpmf(k))

    start = _first_true(lambda k: log_pmf(k) > log_threshold, lo, mode, lo)
    left = _first_true(lambda k: pmf(k) > threshold, lo, mode, start) - 1
    start = _first_true(lambda k: log_pmf(k) <= log_threshold, mode + 1, hi, mode + 1)
    right = _first_true(lambda k: pmf(k) <= threshold, mode + 1, hi, start)
    tails = (float(dist.cdf(left)) if left >= lo else 0.0) + (float(dist.sf(right - 1)) if right <= hi else 0.0)
    return min(1.0, tails)


# -- result objects --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChiSquareResult(Result):
    """Pearson chi-squared test of a contingency table.

    Attributes
    ----------
    statistic, pvalue : float
        The chi-squared statistic and its p-value.
    df : int
        Degrees of freedom.
    correction : bool
        Whether Yates' continuity correction was applied.
    """

    statistic: float
    df: int
    pvalue: float
    correction: bool


@dataclass(frozen=True, slots=True)
class FisherExactResult(Result):
    """Fisher's exact test of a 2x2 table (treatment row first).

    Attributes
    ----------
    odds_ratio : float
        Sample odds ratio ``(x_t (n_c - x_c)) / (x_c (n_t - x_t))`` (may be 0 or inf).
    pvalue : float
        Exact p-value (two-sided: sum of the probabilities of tables no more likely than the
        observed one).
    alternative : str
        ``two-sided``, ``larger`` (treatment rate larger) or ``smaller``.
    """

    odds_ratio: float
    pvalue: float
    alternative: str


@dataclass(frozen=True, slots=True)
class BinaryTestResult(Result):
    """Comparison of a binary metric between a treatment arm and a control arm.

    Attributes
    ----------
    successes_control, trials_control, successes_treatment, trials_treatment : int
        The counts.
    rate_control, rate_treatment : float
        Observed proportions.
    difference : float
        ``rate_treatment - rate_control`` (absolute lift).
    low, high : float
        Interval for the difference at level ``1 - alpha`` (method ``ci_method``).
    relative_lift : float
        ``rate_treatment / rate_control - 1`` (NaN when the control rate is 0).
    lift_low, lift_high : float
        Delta-method interval for the relative lift, built on the log of the ratio of rates.
    statistic, pvalue : float
        Pooled-variance two-proportion z-test.
    cohens_h : float
        Cohen's h effect size.
    alpha : float
        Significance level; the stored intervals have level ``1 - alpha``.
    alternative : str
        ``two-sided``, ``larger`` or ``smaller`` (treatment compared with control). For a
        one-sided alternative the stored intervals are one-sided bounds.
    ci_method : str
        ``newcombe`` (hybrid Wilson score, the default) or ``wald``.
    """

    successes_control: int
    trials_control: int
    successes_treatment: int
    trials_treatment: int
    rate_control: float
    rate_treatment: float
    difference: float
    low: float
    high: float
    relative_lift: float
    lift_low: float
    lift_high: float
    statistic: float
    pvalue: float
    cohens_h: float
    alpha: float
    alternative: str
    ci_method: str

    def _counts(self):
        return (float(self.successes_control), float(self.trials_control),
                float(self.successes_treatment), float(self.trials_treatment))

    def confidence_interval(self, level: float | None = None, method: str | None = None) -> ConfidenceInterval:
        """Interval for the difference of rates.

        Parameters
        ----------
        level : float, optional
            Confidence level (default ``1 - alpha``).
        method : {"newcombe", "wald"}, optional
            Default: the result's ``ci_method``.
        """
        level = 1.0 - self.alpha if level is None else check_level(level)
        method = self.ci_method if method is None else check_difference_method(method)
        low, high = difference_bounds(*self._counts(), level, method, self.alternative)
        return ConfidenceInterval(float(low), float(high))

    def lift_interval(self, level: float | None = None) -> ConfidenceInterval:
        """Delta-method interval (log-ratio scale) for the relative lift."""
        level = 1.0 - self.alpha if level is None else check_level(level)
        low, high = lift_bounds(*self._counts(), level, self.alternative)
        return ConfidenceInterval(float(low), float(high))

    def chi2_test(self, correction: bool = False) -> ChiSquareResult:
        """Pearson chi-squared test of the 2x2 table, with or without Yates' correction."""
        stat, p, degenerate = chi2_2x2(*(np.asarray(v) for v in self._counts()), bool(correction))
        if degenerate:
            warnings.warn("a column of the 2x2 table is all zero; the chi-squared test is "
                          "undefined and reported as statistic 0, p-value 1", DegenerateDataWarning,
                          stacklevel=2)
        return ChiSquareResult(statistic=float(stat), df=1, pvalue=float(p), correction=bool(correction))

    def fisher_exact(self) -> FisherExactResult:
        """Fisher's exact test (for small counts), with the result's alternative.

        Tables of up to ``1e10`` units in all are accepted; memory use does not grow with them.
        """
        xc, nc, xt, nt = (int(v) for v in self._counts())
        if nc + nt > FISHER_MAX_TOTAL:
            raise InputError(f"Fisher's exact test takes tables of at most {FISHER_MAX_TOTAL:.0e} units, "
                             f"got {nc + nt}; use the z-test (`pvalue`) or `chi2_test()` for counts this large")
        a, b, c, d = xt, nt - xt, xc, nc - xc
        with np.errstate(divide="ignore", invalid="ignore"):
            odds = (a * d) / (b * c) if b * c > 0 else (np.inf if a * d > 0 else np.nan)
        if np.isnan(odds):
            odds = np.nan
        p = _fisher_pvalue(a, nt, xt + xc, nt + nc, self.alternative)
        return FisherExactResult(odds_ratio=float(odds), pvalue=p, alternative=self.alternative)


SMALL_EXPECTED = 5.0  # expected count of a cell below which the z-test's p-value is not to be trusted


def binary_core(xc, nc, xt, nt, *, alpha, alternative, ci_method):
    """Every column of the comparison for arrays of counts (no validation, no warnings)."""
    level = 1.0 - alpha
    z, p, degenerate = pooled_ztest(xc, nc, xt, nt, alternative)
    low, high = difference_bounds(xc, nc, xt, nt, level, ci_method, alternative)
    lift_low, lift_high = lift_bounds(xc, nc, xt, nt, level, alternative)
    pc, pt = xc / nc, xt / nt
    pooled = (xc + xt) / (nc + nt)
    # Cochran's rule: the normal approximation needs every expected cell of the 2x2 table >= 5
    fewest = np.minimum(nc, nt) * np.minimum(pooled, 1.0 - pooled)
    return {
        "rate_control": pc, "rate_treatment": pt, "difference": pt - pc, "low": low, "high": high,
        "relative_lift": relative_lift(xc, nc, xt, nt), "lift_low": lift_low, "lift_high": lift_high,
        "statistic": z, "pvalue": p, "cohens_h": cohens_h(pc, pt), "degenerate": degenerate,
        "small": (fewest < SMALL_EXPECTED) & ~np.asarray(degenerate, dtype=bool),
    }


#: the warnings about rows of :func:`binary_core` output: which rows, what is wrong there, the category
_BINARY_FLAGS = (
    (lambda c: np.asarray(c["degenerate"], dtype=bool),
     "have 0% or 100% in both arms; the z-test is undefined there and reported as statistic 0, p-value 1",
     DegenerateDataWarning),
    (lambda c: np.asarray(c["small"], dtype=bool),
     f"expect fewer than {SMALL_EXPECTED:g} successes or failures in an arm; the z-test's normal approximation "
     "is unreliable there (its p-value can be far too small): use Fisher's exact test "
     "(compare_proportions(...).fisher_exact())", SmallSampleWarning),
    (lambda c: np.isnan(np.asarray(c["lift_low"], dtype=float)),
     "have zero successes in an arm; the relative-lift interval is undefined (NaN) there", DegenerateDataWarning),
)


def warn_binary(columns=None, *, metrics: dict | None = None) -> None:
    """Typed warnings for degenerate or too small rows of :func:`binary_core` output
    (``columns``), or of several metrics' outputs at once (``metrics``: {name: output}), each
    warning given once and naming the metrics it concerns."""
    outputs = {"": columns} if metrics is None else metrics
    for flagged, message, category in _BINARY_FLAGS:
        counts = {name: int(flagged(cols).sum()) for name, cols in outputs.items()}
        hit = [name for name, count in counts.items() if count]
        if not hit:
            continue
        where = ""
        if metrics is not None:
            where = " of the binary metric(s) " + ", ".join(f"'{m}'" for m in hit[:5]) + (
                f" and {len(hit) - 5} more" if len(hit) > 5 else "")
        warnings.warn(f"{sum(counts.values())} comparison(s){where} {message}", category, stacklevel=3)


def compare_proportions(successes_control, trials_control, successes_treatment, trials_treatment, *,
                        alpha: float = 0.05, alternative: str = "two-sided",
                        ci_method: str = "newcombe") -> BinaryTestResult:
    """Compare a binary metric (conversion rate) between treatment and control, from counts.

    Reports the absolute difference with a Newcombe (hybrid Wilson score) or Wald interval,
    the relative lift with a delta-method interval (log-ratio scale), the pooled-variance
    two-proportion z-test and Cohen's h. The chi-squared test (with or without Yates'
    correction) and Fisher's exact test are methods of the result. When a cell of the 2x2 table
    expects fewer than 5 counts under the pooled rate (a rare event, a tiny arm), the z-test's
    p-value is unreliable and a :class:`~scimlkit.SmallSampleWarning` points to Fisher's test.

    Parameters
    ----------
    successes_control, trials_control : int
        Conversions and users in the control arm.
    successes_treatment, trials_treatment : int
        Conversions and users in the treatment arm.
    alpha : float, default 0.05
        Significance level; the intervals have level ``1 - alpha``.
    alternative : {"two-sided", "larger", "smaller"}
        Alternative hypothesis about ``rate_treatment - rate_control`` (``greater`` and
        ``less`` are accepted too).
    ci_method : {"newcombe", "wald"}
        Interval for the difference.

    Returns
    -------
    BinaryTestResult

    Raises
    ------
    InputError
        Negative or non-integer counts, zero trials, successes above trials, bad options.

    Examples
    --------
    >>> from scimlkit.experiment import compare_proportions
    >>> res = compare_proportions(120, 2400, 156, 2400)
    >>> round(res.difference, 4), round(res.pvalue, 4)
    (0.015, 0.0256)
    >>> [round(v, 4) for v in res.confidence_interval()]
    [0.0018, 0.0283]
    >>> round(res.chi2_test(correction=True).pvalue, 4)
    0.03
    """
    counts = [check_proportion_counts(x, n, successes_name=f"successes_{arm}", trials_name=f"trials_{arm}")
              for x, n, arm in ((successes_control, trials_control, "control"),
                                (successes_treatment, trials_treatment, "treatment"))]
    (xc, nc), (xt, nt) = counts
    if xc.ndim or xt.ndim:
        raise InputError("`compare_proportions` takes one count per argument; use "
                         "`compare_many_proportions` for arrays of metrics")
    alpha = check_alpha(alpha)
    alternative = check_alternative(alternative)
    ci_method = check_difference_method(ci_method)
    cols = binary_core(xc, nc, xt, nt, alpha=alpha, alternative=alternative, ci_method=ci_method)
    warn_binary(cols)
    return BinaryTestResult(
        successes_control=int(xc), trials_control=int(nc), successes_treatment=int(xt),
        trials_treatment=int(nt), **{k: as_float(v) for k, v in cols.items() if k not in ("degenerate", "small")},
        alpha=alpha, alternative=alternative, ci_method=ci_method,
    )


def compare_binary(control, treatment, *, alpha: float = 0.05, alternative: str = "two-sided",
                   ci_method: str = "newcombe") -> BinaryTestResult:
    """Compare a binary metric given as 0/1 (or boolean) observations per user.

    Same as :func:`compare_proportions` on the counts of ones and the lengths.

    Examples
    --------
    >>> import numpy as np
    >>> from scimlkit.experiment import compare_binary
    >>> rng = np.random.default_rng(0)
    >>> res = compare_binary(rng.random(5000) < 0.10, rng.random(5000) < 0.12)
    >>> res.trials_control, res.successes_treatment > res.successes_control
    (5000, True)
    """
    c = check_binary(control, "control", require_both=False)
    t = check_binary(treatment, "treatment", require_both=False)
    return compare_proportions(int(c.sum()), c.size, int(t.sum()), t.size, alpha=alpha,
                               alternative=alternative, ci_method=ci_method)
