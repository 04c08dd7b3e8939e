"""Is the new model really better? Paired comparisons of two models on the same data.

* :func:`delong_test`: two correlated areas under the ROC curve (DeLong, DeLong and
  Clarke-Pearson 1988), computed with the O(n log n) midrank algorithm of Sun and Xu (2014).
* :func:`mcnemar_test`: paired accuracy (exact binomial or chi-squared with continuity
  correction on the discordant pairs).
* :func:`corrected_ttest`: cross-validation fold scores, with the Nadeau-Bengio (2003)
  correction for the overlap between training sets.
* :func:`paired_bootstrap_test`: any metric, resampling the evaluation set once for both models.

Every difference is model B minus model A (B is the candidate replacing A).

The inputs of each test are paired by position (row ``i`` of the labels goes with row ``i`` of
each model's output), as NumPy arrays are. pandas Series are paired the same way; inputs whose
indexes hold the same row labels in a different order (one of them sorted, say) are refused,
since position would then pair the wrong rows. A default ``RangeIndex`` carries no row labels
and is always taken by position: a Series sorted from a frame with a default index
(``df.sort_values("score").score``) is not caught, so align such inputs first. Missing labels (None, NaN, ``pd.NA`` of the
nullable ``string``/``boolean`` dtypes) are refused by name.
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import special, stats

from .._errors import DegenerateDataWarning, InputError
from .._results import Result
from .._validation import (
    check_array,
    check_binary,
    check_int,
    check_option,
    check_rng,
    check_same_length,
    check_scalar,
    describe,
)
from ._analysis_base import at_round_off, check_paired_order

__all__ = [
    "DeLongResult",
    "McNemarResult",
    "CorrectedTTestResult",
    "PairedBootstrapResult",
    "delong_test",
    "mcnemar_test",
    "corrected_ttest",
    "paired_bootstrap_test",
]


def _level(level) -> float:
    return check_scalar(level, "level", low=0.0, high=1.0, closed="neither")


def _normal_interval(estimate: float, se: float, level: float) -> tuple[float, float]:
    z = float(special.ndtri(0.5 + _level(level) / 2.0))
    return (estimate - z * se, estimate + z * se)


# -- DeLong ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DeLongResult(Result):
    """DeLong's test of two correlated AUROCs (same labels, two score vectors).

    Attributes
    ----------
    auc_a, auc_b : float
        Area under the ROC curve of each model.
    difference : float
        ``auc_b - auc_a``.
    se : float
        Standard error of the difference.
    se_a, se_b : float
        Standard error of each AUROC.
    correlation : float
        Correlation between the two AUROC estimates (NaN when one of them has zero variance,
        e.g. a model that separates the classes perfectly).
    statistic : float
        z statistic ``difference / se``.
    pvalue : float
        Two-sided p-value.
    n_positive, n_negative : int
        Number of positive and negative examples.
    roc_a, roc_b : tuple of (fpr, tpr) pairs
        Each model's empirical ROC curve from (0, 0) to (1, 1): one vertex per distinct score,
        thinned to at most 258 vertices on large data (every kept vertex is exact; a dropped one
        lies within 1/128 of the kept vertex before it), for plots and reports.

    Examples
    --------
    >>> from scimlkit.experiment import delong_test
    >>> res = delong_test([0, 0, 1, 1, 0, 1], [0.1, 0.4, 0.35, 0.8, 0.2, 0.7],
    ...                   [0.2, 0.3, 0.6, 0.9, 0.1, 0.8])
    >>> (round(res.auc_a, 3), round(res.auc_b, 3))
    (0.889, 1.0)
    """

    auc_a: float
    auc_b: float
    difference: float
    se: float
    se_a: float
    se_b: float
    correlation: float
    statistic: float
    pvalue: float
    n_positive: int
    n_negative: int
    roc_a: tuple[tuple[float, float], ...] = ()
    roc_b: tuple[tuple[float, float], ...] = ()

    def confidence_interval(self, level: float = 0.95) -> tuple[float, float]:
        """Normal interval for ``auc_b - auc_a``."""
        return _normal_interval(self.difference, self.se, level)

    def auc_intervals(self, level: float = 0.95) -> dict[str, tuple[float, float]]:
        """Normal (DeLong variance) interval of each AUROC, clipped to [0, 1]."""
        out = {}
        for name, auc, se in (("a", self.auc_a, self.se_a), ("b", self.auc_b, self.se_b)):
            lo, hi = _normal_interval(auc, se, level)
            out[name] = (max(lo, 0.0), min(hi, 1.0))
        return out


def _midrank(x: np.ndarray) -> np.ndarray:
    """Midranks (1-based, ties share their average rank) along the last axis."""
    return stats.rankdata(x, method="average", axis=-1)


def _delong_components(y: np.ndarray, scores: np.ndarray):
    """AUROCs and the DeLong placement values, vectorised over models (rows of ``scores``)."""
    pos = y == 1
    m, n = int(pos.sum()), int((~pos).sum())
    x, w = scores[:, pos], scores[:, ~pos]
    tx, ty, tz = _midrank(x), _midrank(w), _midrank(np.concatenate([x, w], axis=1))
    auc = (tz[:, :m].sum(axis=1) / m - (m + 1) / 2.0) / n
    v10 = (tz[:, :m] - tx) / n          # placement of each positive among the negatives
    v01 = 1.0 - (tz[:, m:] - ty) / m    # placement of each negative among the positives
    return auc, v10, v01, m, n


def _roc_vertices(y: np.ndarray, score: np.ndarray, max_steps: int = 256) -> tuple[tuple[float, float], ...]:
    """The empirical ROC curve's vertices (one per distinct score), at most ``max_steps + 2``.

    A longer curve is thinned: a vertex is kept when it starts a new step of ``(fpr + tpr) / 2``
    (which rises from 0 to 1 along the curve), so every dropped vertex is within
    ``2 / max_steps`` (L1) of the kept one before it; the first and last vertices are kept.
    """
    order = np.argsort(-score, kind="stable")
    s, pos = score[order], y[order] == 1
    ends = np.r_[np.flatnonzero(np.diff(s) != 0), len(s) - 1]   # last index of each distinct score
    tp = np.cumsum(pos)[ends]
    fp = (ends + 1) - tp
    tpr = np.r_[0.0, tp / max(int(pos.sum()), 1)]
    fpr = np.r_[0.0, fp / max(int((~pos).sum()), 1)]
    if len(fpr) > max_steps + 1:
        step = np.floor((fpr + tpr) / 2.0 * max_steps)
        keep = np.r_[True, step[1:] != step[:-1]]
        keep[-1] = True
        fpr, tpr = fpr[keep], tpr[keep]
    return tuple(zip(fpr.tolist(), tpr.tolist(), strict=True))


def delong_test(y_true, score_a, score_b) -> DeLongResult:
    """DeLong's test and interval for the difference of two correlated AUROCs.

    The variance comes from the structural components (placement values) of the Mann-Whitney
    statistic, computed from midranks in O(n log n) time (Sun and Xu's formulation), so it
    handles tied scores and hundreds of thousands of examples.

    Parameters
    ----------
    y_true : array-like of shape (n,)
        Binary labels (0/1 or booleans), both classes present, at least 2 of each.
    score_a, score_b : array-like of shape (n,)
        Scores of the incumbent model A and the candidate model B (higher = more positive).

    Returns
    -------
    DeLongResult

    Examples
    --------
    >>> import numpy as np
    >>> from scimlkit.experiment import delong_test
    >>> rng = np.random.default_rng(0)
    >>> y = rng.integers(0, 2, 500)
    >>> a = y + rng.normal(0, 1.0, 500)
    >>> b = y + rng.normal(0, 0.7, 500)
    >>> res = delong_test(y, a, b)
    >>> bool(res.auc_b > res.auc_a and res.pvalue < 0.05)
    True
    """
    check_paired_order(y_true=y_true, score_a=score_a, score_b=score_b)
    y = check_binary(y_true, "y_true")
    a = check_array(score_a, "score_a")
    b = check_array(score_b, "score_b")
    check_same_length(y_true=y, score_a=a, score_b=b)
    m = int(y.sum())
    if min(m, len(y) - m) < 2:
        raise InputError(f"`y_true` needs at least 2 positives and 2 negatives, got {m} and {len(y) - m}")
    auc, v10, v01, m, n = _delong_components(y, np.vstack([a, b]))
    s10 = np.atleast_2d(np.cov(v10))
    s01 = np.atleast_2d(np.cov(v01))
    cov = s10 / m + s01 / n
    var_diff = cov[0, 0] + cov[1, 1] - 2.0 * cov[0, 1]
    diff = float(auc[1] - auc[0])
    se_a, se_b = math.sqrt(max(cov[0, 0], 0.0)), math.sqrt(max(cov[1, 1], 0.0))
    corr = float(cov[0, 1] / (se_a * se_b)) if se_a > 0 and se_b > 0 else float("nan")
    if var_diff <= 1e-15 * max(cov[0, 0] + cov[1, 1], 1e-300):
        var_diff = 0.0
    se = math.sqrt(var_diff)
    if se == 0.0:
        warnings.warn("the two models rank the examples identically (or perfectly); the "
                      "difference of AUROCs has zero variance", DegenerateDataWarning, stacklevel=2)
        statistic = 0.0 if diff == 0 else math.copysign(math.inf, diff)
        pvalue = 1.0 if diff == 0 else 0.0
    else:
        statistic = diff / se
        pvalue = float(2.0 * special.ndtr(-abs(statistic)))
    return DeLongResult(auc_a=float(auc[0]), auc_b=float(auc[1]), difference=diff, se=se,
                        se_a=se_a, se_b=se_b, correlation=corr, statistic=float(statistic),
                        pvalue=pvalue, n_positive=m, n_negative=n,
                        roc_a=_roc_vertices(y, a), roc_b=_roc_vertices(y, b))


# -- McNemar --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class McNemarResult(Result):
    """McNemar's test of paired accuracy.

    Attributes
    ----------
    accuracy_a, accuracy_b : float
        Accuracy of each model.
    difference : float
        ``accuracy_b - accuracy_a``.
    n : int
        Number of paired examples.
    only_a_correct, only_b_correct : int
        The discordant pairs: examples only model A (resp. B) gets right.
    statistic : float
        For ``method="exact"`` the smaller discordant count; for ``"chi2"`` the chi-squared
        statistic (continuity-corrected when ``correction`` is true).
    pvalue : float
        Two-sided p-value.
    method : str
        ``"exact"`` or ``"chi2"``.
    correction : bool
        Whether the chi-squared statistic has the continuity correction.

    Examples
    --------
    >>> from scimlkit.experiment import mcnemar_test
    >>> res = mcnemar_test([1, 1, 0, 0], [1, 0, 0, 1], [1, 1, 0, 0])
    >>> (res.accuracy_a, res.accuracy_b, res.method)
    (0.5, 1.0, 'exact')
    """

    accuracy_a: float
    accuracy_b: float
    difference: float
    n: int
    only_a_correct: int
    only_b_correct: int
    statistic: float
    pvalue: float
    method: str
    correction: bool

    def confidence_interval(self, level: float = 0.95) -> tuple[float, float]:
        """Wald interval for the paired difference of accuracies."""
        b, c, n = self.only_a_correct, self.only_b_correct, self.n
        var = ((b + c) - (c - b) ** 2 / n) / n**2
        return _normal_interval(self.difference, math.sqrt(max(var, 0.0)), level)


def mcnemar_test(y_true, pred_a, pred_b, *, method: str = "auto", correction: bool = True) -> McNemarResult:
    """McNemar's test: do two models differ in accuracy on the same examples?

    Only the discordant examples (one model right, the other wrong) carry information. Under
    the null hypothesis each is equally likely to favour either model.

    Parameters
    ----------
    y_true : array-like of shape (n,)
        True labels (any labels; several classes are fine), without missing values.
    pred_a, pred_b : array-like of shape (n,)
        Predicted labels of model A and model B, of the same kind as ``y_true``: 0 or 1 when
        the labels are 0/1, whole numbers when they are whole numbers (not scores or
        probabilities).
    method : {"auto", "exact", "chi2"}
        ``"exact"``: two-sided binomial test on the discordant counts; ``"chi2"``: chi-squared
        with one degree of freedom; ``"auto"``: exact when fewer than 25 discordant pairs.
    correction : bool
        Continuity correction of the chi-squared statistic, ``(|b - c| - 1)^2 / (b + c)``
        (never past 0: equal discordant counts give 0).

    Returns
    -------
    McNemarResult

    Examples
    --------
    >>> from scimlkit.experiment import mcnemar_test
    >>> y = [1, 0, 1, 1, 0, 1, 0, 0, 1, 1]
    >>> a = [1, 0, 0, 1, 1, 1, 0, 1, 0, 1]
    >>> b = [1, 0, 1, 1, 0, 1, 0, 0, 1, 1]
    >>> res = mcnemar_test(y, a, b)
    >>> (res.only_a_correct, res.only_b_correct, round(res.pvalue, 4))
    (0, 4, 0.125)
    """
    method = check_option(method, "method", ("auto", "exact", "chi2"))
    if not isinstance(correction, bool | np.bool_):
        raise InputError(f"`correction` must be True or False, got {correction!r}")
    check_paired_order(y_true=y_true, pred_a=pred_a, pred_b=pred_b)
    y = _labels(y_true, "y_true")
    pa = _labels(pred_a, "pred_a")
    pb = _labels(pred_b, "pred_b")
    n = check_same_length(y_true=y, pred_a=pa, pred_b=pb)
    _check_predicted_labels(pa, y, "pred_a")
    _check_predicted_labels(pb, y, "pred_b")
    right_a, right_b = pa == y, pb == y
    b = int(np.sum(right_a & ~right_b))
    c = int(np.sum(~right_a & right_b))
    if method == "auto":
        method = "exact" if b + c < 25 else "chi2"
    if b + c == 0:
        warnings.warn("the two models agree on every example's correctness; McNemar's test has "
                      "no discordant pairs (p-value 1)", DegenerateDataWarning, stacklevel=2)
        statistic, pvalue = 0.0, 1.0
    elif method == "exact":
        statistic = float(min(b, c))
        pvalue = float(min(1.0, 2.0 * stats.binom.cdf(min(b, c), b + c, 0.5)))
    else:
        num = max(abs(b - c) - (1.0 if correction else 0.0), 0.0)
        statistic = num**2 / (b + c)
        pvalue = float(stats.chi2.sf(statistic, 1))
    acc_a, acc_b = float(right_a.mean()), float(right_b.mean())
    return McNemarResult(accuracy_a=acc_a, accuracy_b=acc_b, difference=acc_b - acc_a, n=n,
                         only_a_correct=b, only_b_correct=c, statistic=float(statistic),
                         pvalue=pvalue, method=method, correction=bool(correction))


def _as_numbers(arr: np.ndarray) -> np.ndarray | None:
    """The labels as floats when they are all real numbers (or booleans), else None."""
    if arr.dtype.kind in "biuf":
        return arr.astype(float)
    if arr.dtype.kind == "O" and all(isinstance(v, numbers.Real) for v in arr.tolist()):
        return arr.astype(float)
    return None


def _check_predicted_labels(pred: np.ndarray, y: np.ndarray, name: str) -> None:
    """Predictions must be labels like ``y``: 0/1 for 0/1 labels, whole numbers for classes."""
    y_num, p_num = _as_numbers(y), _as_numbers(pred)
    if (y_num is None) != (p_num is None):
        kind = "text" if y_num is None else "numbers"
        raise InputError(f"`{name}` must hold predicted labels of the same kind as `y_true` ({kind}), "
                         f"got values such as {describe(pred[:3].tolist())}")
    if y_num is None:
        return
    if np.isin(y_num, (0.0, 1.0)).all():
        unknown, want = ~np.isin(p_num, (0.0, 1.0)), "0 and 1 like `y_true`"
    elif (y_num == np.floor(y_num)).all():
        unknown, want = p_num != np.floor(p_num), "whole-number classes like `y_true`"
    else:
        return
    if unknown.any():
        extra = list(dict.fromkeys(pred[unknown].tolist()))[:3]
        raise InputError(f"`{name}` must hold predicted labels, {want}; got also {describe(extra)} in "
                         f"{int(unknown.sum())} row(s) (threshold scores or probabilities first)")


def _labels(values, name: str, *, ndim=1) -> np.ndarray:
    """Labels (or predictions) without missing values; an object array that holds only
    booleans, only integers or only real numbers becomes a bool, int64 or float64 array (what
    scikit-learn's metrics expect: they take an object array of ints for an 'unknown' target)."""
    arr = check_array(values, name, ndim=ndim, dtype=None)
    if arr.dtype.kind == "f" and np.isnan(arr).any():
        raise InputError(f"`{name}` contains {int(np.isnan(arr).sum())} NaN value(s)")
    if arr.dtype.kind == "O":
        import pandas as pd

        missing = int(np.count_nonzero(pd.isna(arr)))  # None, NaN, pd.NA, NaT
        if missing:
            raise InputError(f"`{name}` contains {missing} missing value(s); drop or fill them first")
        return _typed(arr)
    return arr


_LABEL_TYPES = {"boolean": bool, "integer": np.int64, "floating": float, "mixed-integer-float": float,
                "decimal": float}


def _typed(arr: np.ndarray) -> np.ndarray:
    """An object array of one kind of value (booleans, integers, real numbers) as the matching
    NumPy dtype, when that keeps every label as it is (integers beyond 2**53 stay objects
    rather than become floats that merge neighbours); else as it is."""
    import pandas as pd

    target = _LABEL_TYPES.get(pd.api.types.infer_dtype(arr, skipna=False))
    if target is None:
        return arr
    try:
        out = arr.astype(target)
    except (OverflowError, TypeError, ValueError):
        return arr
    return out if target is bool or bool((out.astype(object) == arr).all()) else arr


def _kinds(arr: np.ndarray) -> list[str]:
    """The types of the values of an object array, when there are several."""
    if arr.dtype != object:
        return []
    kinds = sorted({type(v).__name__ for v in arr.ravel().tolist()})
    return kinds if len(kinds) > 1 else []


# -- Nadeau-Bengio corrected resampled t-test ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CorrectedTTestResult(Result):
    """The corrected resampled t-test on paired cross-validation scores.

    Attributes
    ----------
    mean_difference : float
        Mean over folds of ``score_b - score_a``.
    se : float
        Corrected standard error, ``sqrt((1/J + n_test/n_train) * var)``.
    statistic : float
        t statistic.
    df : int
        Degrees of freedom, ``J - 1`` for ``J`` folds.
    pvalue : float
        Two-sided p-value.
    n_folds : int
        Number of folds ``J`` (all repetitions together).
    n_train, n_test : int
        Training and test sizes of one fold.

    Examples
    --------
    >>> from scimlkit.experiment import corrected_ttest
    >>> res = corrected_ttest([0.70, 0.72, 0.71], [0.74, 0.73, 0.75], n_train=200, n_test=100)
    >>> [round(v, 3) for v in res.confidence_interval(0.95)]
    [-0.038, 0.098]
    """

    mean_difference: float
    se: float
    statistic: float
    df: int
    pvalue: float
    n_folds: int
    n_train: int
    n_test: int

    def confidence_interval(self, level: float = 0.95) -> tuple[float, float]:
        """Corrected t interval for the mean difference."""
        q = float(stats.t.ppf(0.5 + _level(level) / 2.0, self.df))
        return (self.mean_difference - q * self.se, self.mean_difference + q * self.se)


def corrected_ttest(scores_a, scores_b, *, n_train: int, n_test: int) -> CorrectedTTestResult:
    """Nadeau and Bengio's corrected resampled t-test for cross-validation scores.

    Fold scores of (repeated) cross-validation are correlated because training sets overlap;
    the plain paired t-test then rejects far too often. The correction inflates the variance of
    the mean difference from ``var / J`` to ``(1/J + n_test/n_train) * var``.

    Parameters
    ----------
    scores_a, scores_b : array-like of shape (J,)
        The score of model A and model B on each of the same ``J`` folds (at least 2).
    n_train, n_test : int
        Number of training and test examples in one fold.

    Returns
    -------
    CorrectedTTestResult
        When every fold gives the same difference (up to floating-point round-off, as for
        ``b = a + 0.2``), the variance is taken as 0 and a ``DegenerateDataWarning`` is issued:
        the statistic is then 0 with p-value 1 for a zero difference (a difference at round-off
        level, as for ``b = (a + 0.2) - 0.2``, is zero: ``mean_difference`` is 0), else infinite
        with p-value 0.

    Examples
    --------
    >>> from scimlkit.experiment import corrected_ttest
    >>> a = [0.81, 0.79, 0.84, 0.80, 0.82]
    >>> b = [0.83, 0.82, 0.85, 0.83, 0.84]
    >>> res = corrected_ttest(a, b, n_train=800, n_test=200)
    >>> (res.df, round(res.mean_difference, 3), round(res.pvalue, 4))
    (4, 0.022, 0.0173)
    """
    check_paired_order(scores_a=scores_a, scores_b=scores_b)
    a = check_array(scores_a, "scores_a", min_size=2)
    b = check_array(scores_b, "scores_b", min_size=2)
    j = check_same_length(scores_a=a, scores_b=b)
    n_train = check_int(n_train, "n_train", low=1)
    n_test = check_int(n_test, "n_test", low=1)
    d = b - a
    mean = float(d.mean())
    var = float(d.var(ddof=1))
    peak = max(np.max(np.abs(a)), np.max(np.abs(b)))  # the magnitude the differences come from
    if at_round_off(math.sqrt(var), peak):
        var = 0.0  # differences equal up to round-off (b = a + 0.2 in floating point)
        if at_round_off(abs(mean), peak):
            mean = 0.0  # the same scores computed by two routes: no difference at all
    se = math.sqrt((1.0 / j + n_test / n_train) * var)
    if se == 0.0:
        warnings.warn("every fold gives the same score difference (up to round-off); the corrected "
                      "t statistic is degenerate", DegenerateDataWarning, stacklevel=2)
        statistic = 0.0 if mean == 0 else math.copysign(math.inf, mean)
        pvalue = 1.0 if mean == 0 else 0.0
    else:
        statistic = mean / se
        pvalue = float(2.0 * stats.t.sf(abs(statistic), j - 1))
    return CorrectedTTestResult(mean_difference=mean, se=se, statistic=float(statistic), df=j - 1,
                                pvalue=pvalue, n_folds=j, n_train=n_train, n_test=n_test)


# -- paired bootstrap -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PairedBootstrapResult(Result):
    """Paired bootstrap comparison of two models under any metric.

    Attributes
    ----------
    metric_a, metric_b : float
        The metric of each model on the full evaluation set.
    difference : float
        ``metric_b - metric_a``.
    pvalue : float
        Two-sided bootstrap p-value for no difference: twice the smaller share of resampled
        differences on either side of 0 (with the usual +1 in numerator and denominator).
    n_resamples : int
        Number of bootstrap resamples.
    distribution : numpy.ndarray
        The resampled differences (``metric_b - metric_a`` on each resample).

    Examples
    --------
    >>> import numpy as np
    >>> from scimlkit.experiment import paired_bootstrap_test
    >>> y = np.tile([0, 1], 50)
    >>> res = paired_bootstrap_test(y, 1 - y, y, lambda t, p: np.mean(t == p), n_resamples=200, rng=0)
    >>> (res.difference, res.pvalue < 0.01)
    (1.0, True)
    """

    metric_a: float
    metric_b: float
    difference: float
    pvalue: float
    n_resamples: int
    distribution: np.ndarray

    def confidence_interval(self, level: float = 0.95) -> tuple[float, float]:
        """Percentile interval of the difference."""
        level = _level(level)
        lo, hi = np.quantile(self.distribution, [(1 - level) / 2, (1 + level) / 2])
        return (float(lo), float(hi))

    def to_dict(self):
        """JSON-ready fields; the resampled differences are summarised, not listed."""
        out = {k: v for k, v in Result.to_dict(self).items() if k != "distribution"}
        lo, hi = self.confidence_interval(0.95)
        out["ci95_low"], out["ci95_high"] = lo, hi
        return out


def paired_bootstrap_test(y_true, pred_a, pred_b, metric: Callable, *, n_resamples: int = 2000,
                          stratify: bool = False, rng=None) -> PairedBootstrapResult:
    """Compare two models under any metric by resampling the evaluation set.

    Each resample draws examples with replacement and evaluates both models on the same draw,
    so the correlation between the models is kept.

    Parameters
    ----------
    y_true : array-like of shape (n,)
        True labels or targets, without missing values. Labels of object dtype that are all
        integers (or all booleans, or all real numbers) reach ``metric`` as an int64 (bool,
        float64) array: scikit-learn's metrics do not take an object array of ints.
    pred_a, pred_b : array-like of shape (n,) or (n, k)
        Predictions or scores of model A and model B, as ``metric`` expects them (converted
        like ``y_true``).
    metric : callable
        ``metric(y_true, y_pred_or_score) -> float``, e.g. ``sklearn.metrics.roc_auc_score``.
    n_resamples : int
        Number of resamples (at least 100).
    stratify : bool
        Resample within each class of ``y_true`` (keeps the class counts; useful for metrics
        such as AUROC that need both classes in every resample). Every class needs at least two
        rows (a continuous target cannot be stratified).
    rng : int, numpy.random.Generator or None
        Seed or generator.

    Returns
    -------
    PairedBootstrapResult

    Examples
    --------
    >>> import numpy as np
    >>> from scimlkit.experiment import paired_bootstrap_test
    >>> def accuracy(y, p):
    ...     return float(np.mean(y == p))
    >>> rng = np.random.default_rng(1)
    >>> y = rng.integers(0, 2, 400)
    >>> a = np.where(rng.random(400) < 0.75, y, 1 - y)
    >>> b = np.where(rng.random(400) < 0.90, y, 1 - y)
    >>> res = paired_bootstrap_test(y, a, b, accuracy, n_resamples=500, rng=0)
    >>> bool(res.difference > 0 and res.confidence_interval()[0] > 0)
    True
    """
    if not callable(metric):
        raise InputError(f"`metric` must be a callable metric(y_true, y_pred), got {type(metric).__name__}")
    check_paired_order(y_true=y_true, pred_a=pred_a, pred_b=pred_b)
    y = _labels(y_true, "y_true")
    pa = _labels(pred_a, "pred_a", ndim=(1, 2))
    pb = _labels(pred_b, "pred_b", ndim=(1, 2))
    n = check_same_length(y_true=y, pred_a=pa, pred_b=pb)
    n_resamples = check_int(n_resamples, "n_resamples", low=100)
    gen = check_rng(rng)
    mixed = "".join(f"; `{name}` holds values of several types ({', '.join(_kinds(arr))}), give it one type"
                    for name, arr in (("y_true", y), ("pred_a", pa), ("pred_b", pb)) if _kinds(arr))

    def evaluate(idx, where, hint):
        try:
            pair = float(metric(y[idx], pa[idx])), float(metric(y[idx], pb[idx]))
        except (ValueError, TypeError) as exc:
            raise InputError(f"`metric` failed on {where} ({type(exc).__name__}: {exc}){mixed or hint}") from exc
        if not (math.isfinite(pair[0]) and math.isfinite(pair[1])):
            raise InputError(f"`metric` returned a non-finite value {pair} on {where}{mixed or hint}")
        return pair

    full = np.arange(n)
    ma, mb = evaluate(full, "the full evaluation set", "")
    if stratify:
        if y.dtype == object:  # text labels, or labels of several types that do not sort
            import pandas as pd

            codes, uniques = pd.factorize(y)
            values, counts = np.asarray(uniques, dtype=object), np.bincount(codes)
        else:
            values, counts = np.unique(y, return_counts=True)
        if (counts < 2).any():
            raise InputError(f"`stratify=True` resamples within each class of `y_true`, but {int((counts < 2).sum())} "
                             f"of its {len(values)} distinct values occur only once (e.g. {values[counts < 2][0]!r}), "
                             "so their rows never vary; stratify class labels only, not a continuous target")
        groups = ([np.flatnonzero(codes == k) for k in range(len(values))] if y.dtype == object else
                  [np.flatnonzero(y == v) for v in values])
    else:
        groups = [full]
    diffs = np.empty(n_resamples)
    for r in range(n_resamples):
        idx = np.concatenate([g[gen.integers(0, len(g), len(g))] for g in groups])
        ra, rb = evaluate(idx, "a resample", "; metrics that need every class present may need stratify=True")
        diffs[r] = rb - ra
    below = (1 + np.sum(diffs <= 0)) / (n_resamples + 1)
    above = (1 + np.sum(diffs >= 0)) / (n_resamples + 1)
    pvalue = float(min(1.0, 2.0 * min(below, above)))
    return PairedBootstrapResult(metric_a=ma, metric_b=mb, difference=mb - ma, pvalue=pvalue,
                                 n_resamples=n_resamples, distribution=diffs)
