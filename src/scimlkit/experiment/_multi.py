"""Many metrics at once: vectorised comparisons and multiple-testing adjustments."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._errors import InputError
from .._results import Result
from .._validation import check_alpha, check_array, check_option, describe
from ._analysis_base import check_alternative, check_paired_order, is_series
from ._binary import binary_core, check_difference_method, warn_binary
from ._continuous import ttest_core, warn_means
from ._proportion import check_proportion_counts

__all__ = [
    "adjust_pvalues",
    "compare_many_proportions",
    "compare_many_means",
    "analyze_metrics",
    "MetricsResult",
    "ADJUST_METHODS",
    "BINARY_COLUMNS",
    "CONTINUOUS_COLUMNS",
]

ADJUST_METHODS = ("bonferroni", "holm", "bh", "by", "sidak", "holm-sidak", "hochberg", "hommel", "none")
_ADJUST_ALIASES = {
    "fdr_bh": "bh", "benjamini-hochberg": "bh", "fdr": "bh", "fdr_by": "by",
    "benjamini-yekutieli": "by", "simes-hochberg": "hochberg", None: "none",
    # statsmodels' multipletests short names
    "b": "bonferroni", "bonf": "bonferroni", "s": "sidak", "hs": "holm-sidak", "h": "holm",
    "sh": "hochberg", "ho": "hommel", "fdr_i": "bh", "fdr_p": "bh", "fdri": "bh", "fdrp": "bh",
    "fdr_n": "by", "fdr_c": "by", "fdrn": "by", "fdrcorr": "by",
}
BINARY_COLUMNS = ("successes_control", "trials_control", "successes_treatment", "trials_treatment")
CONTINUOUS_COLUMNS = ("mean_control", "sd_control", "n_control", "mean_treatment", "sd_treatment",
                      "n_treatment")


def check_adjust(method, name: str = "adjust") -> str:
    if method is None or isinstance(method, str):
        method = _ADJUST_ALIASES.get(method.lower() if isinstance(method, str) else method, method)
    return check_option(method, name, ADJUST_METHODS)


def adjust_pvalues(pvalues, method: str = "holm") -> np.ndarray:
    """Adjust p-values for multiple testing (vectorised, any shape).

    Parameters
    ----------
    pvalues : array-like of float
        P-values in [0, 1], no NaN; the whole array is one family.
    method : {"bonferroni", "holm", "bh", "by", "sidak", "holm-sidak", "hochberg", "hommel", "none"}
        ``bonferroni`` and ``holm`` (step-down) control the family-wise error rate under any
        dependence; ``sidak`` and ``holm-sidak`` (its step-down form) do so for independent
        tests, a little less conservatively; ``hochberg`` (step-up, alias ``simes-hochberg``)
        and ``hommel`` (the most powerful of these) rest on Simes' inequality (independent or
        positively dependent tests). ``bh`` (Benjamini-Hochberg, alias ``fdr_bh``) and ``by``
        (Benjamini-Yekutieli, valid under any dependence) control the false discovery rate.
        The results are those of statsmodels' ``multipletests``, whose names for these
        methods are accepted too, short ones included (``"hs"``, ``"sh"``, ``"ho"``,
        ``"fdr_bh"``, ``"fdr_by"``, ...); its two-stage and adaptive FDR methods are not
        offered.

    Returns
    -------
    ndarray
        Adjusted p-values, same shape as the input, capped at 1. Reject where
        ``adjusted <= alpha``.

    Examples
    --------
    >>> from scimlkit.experiment import adjust_pvalues
    >>> adjust_pvalues([0.01, 0.04, 0.03, 0.20], "holm").round(3)
    array([0.04, 0.09, 0.09, 0.2 ])
    >>> adjust_pvalues([0.01, 0.04, 0.03, 0.20], "bh").round(3)
    array([0.04 , 0.053, 0.053, 0.2  ])
    """
    method = check_adjust(method, "method")
    p = check_array(pvalues, "pvalues", ndim=(0, 1, 2, 3), min_size=0)
    if p.size == 0:
        return p.astype(float)
    if ((p < 0) | (p > 1)).any():
        bad = p[(p < 0) | (p > 1)].ravel()[0]
        raise InputError(f"`pvalues` must be in [0, 1], got {bad:g}")
    flat = p.ravel()
    m = flat.size
    if method == "none":
        out = flat.copy()
    elif method == "bonferroni":
        out = np.minimum(flat * m, 1.0)
    elif method == "sidak":
        out = _sidak(flat, m)
    elif method in ("holm", "holm-sidak"):
        order = np.argsort(flat, kind="stable")
        left = m - np.arange(m)                                 # hypotheses still in play, m .. 1
        single = flat[order] * left if method == "holm" else _sidak(flat[order], left)
        out = np.empty(m)
        out[order] = np.minimum(np.maximum.accumulate(single), 1.0)
    elif method == "hochberg":
        order = np.argsort(flat, kind="stable")[::-1]           # largest first
        steps = np.minimum.accumulate(flat[order] * (np.arange(m) + 1))
        out = np.empty(m)
        out[order] = np.minimum(steps, 1.0)
    elif method == "hommel":
        order = np.argsort(flat, kind="stable")
        out = np.empty(m)
        out[order] = np.minimum(_hommel(flat[order]), 1.0)
    else:
        order = np.argsort(flat, kind="stable")[::-1]           # largest first
        ranks = m - np.arange(m)                                # rank of each, m .. 1
        factor = np.sum(1.0 / np.arange(1, m + 1)) if method == "by" else 1.0
        steps = np.minimum.accumulate(flat[order] * m * factor / ranks)
        out = np.empty(m)
        out[order] = np.minimum(steps, 1.0)
    return out.reshape(p.shape)


def _sidak(p, k):
    """``1 - (1 - p)^k``, accurate for tiny ``p`` (and 1 at ``p = 1``)."""
    with np.errstate(divide="ignore"):
        return -np.expm1(k * np.log1p(-p))


def _hommel(p: np.ndarray) -> np.ndarray:
    """Hommel's adjusted p-values of sorted p-values (Wright's 1992 formulation).

    For each subset size ``k`` (from ``m`` down to 2), the Simes p-value of the ``k`` largest
    p-values, ``min_j k p_(m-k+j) / j``, bounds from below the adjusted value of every hypothesis
    in that subset, and ``min(that, k p_(i))`` bounds each of the others.
    """
    m = p.size
    adjusted = p.copy()
    for k in range(m, 1, -1):
        tail = p[m - k:]
        simes = float(np.min(k * tail / np.arange(1, k + 1)))
        adjusted[m - k:] = np.maximum(adjusted[m - k:], simes)
        adjusted[:m - k] = np.maximum(adjusted[:m - k], np.minimum(simes, k * p[:m - k]))
    return adjusted


@dataclass(frozen=True, slots=True)
class MetricsResult(Result):
    """Comparisons of many metrics, one row per metric (see :meth:`to_frame`).

    Attributes
    ----------
    table : pandas.DataFrame
        One row per metric: the inputs, estimates, intervals, test statistic, ``pvalue``,
        ``pvalue_adjusted`` and ``significant`` (``pvalue_adjusted <= alpha``).
    kind : str
        ``binary`` or ``continuous``.
    alpha : float
    adjust : str
        Multiple-testing adjustment over the rows.
    alternative : str
    n_significant : int
        Rows significant after adjustment.
    """

    table: object
    kind: str
    alpha: float
    adjust: str
    alternative: str
    n_significant: int

    def to_frame(self):
        """The table, one row per metric (a copy)."""
        return self.table.copy()


def _metric_index(**inputs):
    """The index shared by the per-metric inputs given as pandas Series, to name the metrics
    (None when there is none, or when the Series do not share one index).

    Rows are taken by position, as arrays are; Series whose indexes hold the same labels in a
    different order, or name one metric at different rows, are refused (position would pair
    the wrong metrics), while Series with other row numbers (the control and treatment rows of
    one long table) pair by position.
    """
    import pandas as pd

    check_paired_order(**inputs)
    named = [(name, value.index) for name, value in inputs.items() if is_series(value)]
    # labels that name metrics (not row numbers) must sit at the same position wherever they appear
    labelled = [(name, index) for name, index in named
                if index.is_unique and not pd.api.types.is_integer_dtype(index.dtype)]
    for i, (name_a, ia) in enumerate(labelled):
        for name_b, ib in labelled[i + 1:]:
            moved = [label for label in ia.intersection(ib) if ia.get_loc(label) != ib.get_loc(label)]
            if moved:
                raise InputError(f"`{name_b}` and `{name_a}` name metric {moved[0]!r} at different rows; rows are "
                                 f"paired by position, so align them first (e.g. `{name_b}.reindex({name_a}.index)`)")
    if not named or any(not index.equals(named[0][1]) for _, index in named[1:]):
        return None
    return named[0][1]


def _names(names, m, index=None):
    """Metric names: ``names``, else the labels of the inputs' index (unless its labels are
    integers, row numbers rather than names), else ``metric0, metric1, ...``."""
    import pandas as pd

    if (names is None and index is not None and not pd.api.types.is_integer_dtype(index.dtype)
            and len(index) == m):
        if index.has_duplicates:
            raise InputError(f"the index of the metrics names metric "
                             f"{index[index.duplicated()][0]!r} twice; give each metric once (or `names=`)")
        names = [str(n) for n in index]
    if names is None:
        return [f"metric{i}" for i in range(m)]
    names = [str(n) for n in (names.tolist() if hasattr(names, "tolist") else names)]
    if len(names) != m:
        raise InputError(f"`names` must have one name per metric ({m}), got {len(names)}")
    return names


def _vector(values, name):
    arr = check_array(values, name, ndim=(0, 1))
    return np.atleast_1d(arr)


def _finish(cols, inputs, names, *, kind, alpha, adjust, alternative):
    import pandas as pd

    cols = {k: v for k, v in cols.items() if k not in ("degenerate", "small")}
    pvalues = cols["pvalue"]
    finite = np.isfinite(pvalues)
    adjusted = np.full_like(pvalues, np.nan)
    adjusted[finite] = adjust_pvalues(pvalues[finite], adjust)
    data = {"metric": names, **inputs, **cols, "pvalue_adjusted": adjusted,
            "significant": np.where(finite, adjusted <= alpha, False)}
    table = pd.DataFrame(data)
    return MetricsResult(table=table, kind=kind, alpha=alpha, adjust=adjust, alternative=alternative,
                         n_significant=int(table["significant"].sum()))


def compare_many_proportions(successes_control, trials_control, successes_treatment, trials_treatment, *,
                             names=None, alpha: float = 0.05, alternative: str = "two-sided",
                             ci_method: str = "newcombe", adjust: str = "holm") -> MetricsResult:
    """Compare many binary metrics in one vectorised call, with a multiple-testing adjustment.

    Each row is one metric with its own counts; the columns are those of
    :class:`~scimlkit.experiment.BinaryTestResult` (pooled z-test, Newcombe or Wald interval of
    the difference, delta-method interval of the relative lift, Cohen's h) plus
    ``pvalue_adjusted`` and ``significant``.

    Parameters
    ----------
    successes_control, trials_control, successes_treatment, trials_treatment : array-like of int
        One value per metric (scalars broadcast).
    names : sequence of str, optional
        Metric names. Default: the index of the counts given as pandas Series when they
        share one index whose labels are not integers (the metric names when the Series are
        indexed by metric), else ``metric0, metric1, ...``. Rows are paired by position;
        Series whose indexes hold the same labels in a different order are refused.
    alpha, alternative, ci_method
        As in :func:`compare_proportions`.
    adjust : {"holm", "bonferroni", "bh", "by", "sidak", "holm-sidak", "hochberg", "hommel", "none"}
        Adjustment over the rows (see :func:`adjust_pvalues`).

    Returns
    -------
    MetricsResult

    Examples
    --------
    >>> import numpy as np
    >>> from scimlkit.experiment import compare_many_proportions
    >>> res = compare_many_proportions([100, 40, 300], 2000, [130, 42, 390], 2000,
    ...                                names=["signup", "share", "click"])
    >>> res.to_frame()[["metric", "pvalue_adjusted", "significant"]].round(4)
       metric  pvalue_adjusted  significant
    0  signup           0.0832        False
    1   share           0.8234        False
    2   click           0.0005         True
    """
    index = _metric_index(successes_control=successes_control, trials_control=trials_control,
                          successes_treatment=successes_treatment, trials_treatment=trials_treatment)
    xc, nc = check_proportion_counts(successes_control, trials_control, successes_name="successes_control",
                                     trials_name="trials_control")
    xt, nt = check_proportion_counts(successes_treatment, trials_treatment,
                                     successes_name="successes_treatment", trials_name="trials_treatment")
    try:
        xc, nc, xt, nt = (np.atleast_1d(a) for a in np.broadcast_arrays(xc, nc, xt, nt))
    except ValueError:
        raise InputError(f"control and treatment counts must have matching lengths, got {xc.shape} "
                         f"and {xt.shape}") from None
    if xc.ndim != 1:
        raise InputError(f"counts must be 1-D (one value per metric), got shape {xc.shape}")
    alpha = check_alpha(alpha)
    alternative = check_alternative(alternative)
    ci_method = check_difference_method(ci_method)
    adjust = check_adjust(adjust)
    cols = binary_core(xc, nc, xt, nt, alpha=alpha, alternative=alternative, ci_method=ci_method)
    warn_binary(cols)
    inputs = {"successes_control": xc.astype(np.int64), "trials_control": nc.astype(np.int64),
              "successes_treatment": xt.astype(np.int64), "trials_treatment": nt.astype(np.int64)}
    return _finish(cols, inputs, _names(names, xc.size, index), kind="binary", alpha=alpha, adjust=adjust,
                   alternative=alternative)


def compare_many_means(mean_control, sd_control, n_control, mean_treatment, sd_treatment, n_treatment, *,
                       names=None, alpha: float = 0.05, alternative: str = "two-sided",
                       equal_var: bool = False, adjust: str = "holm") -> MetricsResult:
    """Compare many continuous metrics from summary statistics in one vectorised call.

    Columns as in :class:`~scimlkit.experiment.MeanTestResult` (t-test, interval of the
    difference, relative lift, Cohen's d, Hedges' g), plus ``pvalue_adjusted`` and
    ``significant``. Metric names and the pairing of Series as in
    :func:`compare_many_proportions`.

    Examples
    --------
    >>> from scimlkit.experiment import compare_many_means
    >>> res = compare_many_means([5.0, 30.0], [2.0, 12.0], 1000, [5.4, 30.1], [2.1, 12.5], 1000,
    ...                          names=["minutes", "revenue"])
    >>> res.to_frame()["significant"].tolist()
    [True, False]
    """
    given = dict(zip(CONTINUOUS_COLUMNS, (mean_control, sd_control, n_control, mean_treatment, sd_treatment,
                                          n_treatment), strict=True))
    index = _metric_index(**given)
    vals = {name: _vector(v, name) for name, v in given.items()}
    try:
        arrays = dict(zip(vals, np.broadcast_arrays(*vals.values())))
    except ValueError:
        shapes = {k: v.shape for k, v in vals.items()}
        raise InputError(f"summary statistics must have matching lengths, got {shapes}") from None
    for name in ("sd_control", "sd_treatment"):
        if (arrays[name] < 0).any():
            raise InputError(f"`{name}` must be >= 0, got {arrays[name][arrays[name] < 0][0]:g}")
    for name in ("n_control", "n_treatment"):
        n = arrays[name]
        if (n < 2).any() or not np.all(np.floor(n) == n):
            bad = n[(n < 2) | (np.floor(n) != n)][0]
            raise InputError(f"`{name}` must be whole numbers >= 2, got {describe(float(bad))}")
    alpha = check_alpha(alpha)
    alternative = check_alternative(alternative)
    adjust = check_adjust(adjust)
    cols = ttest_core(*(arrays[k] for k in CONTINUOUS_COLUMNS), alpha=alpha, alternative=alternative,
                      equal_var=bool(equal_var))
    warn_means(cols)
    inputs = {k: (arrays[k].astype(np.int64) if k.startswith("n_") else arrays[k]) for k in CONTINUOUS_COLUMNS}
    return _finish(cols, inputs, _names(names, arrays["n_control"].size, index), kind="continuous", alpha=alpha,
                   adjust=adjust, alternative=alternative)


def analyze_metrics(table, *, name_column: str | None = "metric", alpha: float = 0.05,
                    alternative: str = "two-sided", adjust: str = "holm", ci_method: str = "newcombe",
                    equal_var: bool = False) -> MetricsResult:
    """Analyse a table of metrics, one row per metric, choosing the test from its columns.

    A table with the columns ``successes_control, trials_control, successes_treatment,
    trials_treatment`` is analysed as binary metrics (:func:`compare_many_proportions`); one
    with ``mean_control, sd_control, n_control, mean_treatment, sd_treatment, n_treatment`` as
    continuous metrics (:func:`compare_many_means`).

    Parameters
    ----------
    table : pandas.DataFrame or dict of columns
    name_column : str or None, default "metric"
        Column holding the metric names (used when present; otherwise a table indexed by
        metric name, e.g. after ``set_index("metric")``, takes the names from its index
        unless it is a ``RangeIndex``).
    alpha, alternative, adjust, ci_method, equal_var
        Passed on.

    Examples
    --------
    >>> import pandas as pd
    >>> from scimlkit.experiment import analyze_metrics
    >>> table = pd.DataFrame({"metric": ["a", "b"], "successes_control": [50, 80],
    ...                       "trials_control": 1000, "successes_treatment": [75, 81],
    ...                       "trials_treatment": 1000})
    >>> res = analyze_metrics(table, adjust="bh")
    >>> res.kind, res.n_significant
    ('binary', 1)
    """
    from .._validation import check_frame

    frame = check_frame(table, "table")
    names = frame[name_column].to_numpy() if name_column is not None and name_column in frame else None
    if names is None:
        import pandas as pd

        if not pd.api.types.is_integer_dtype(frame.index.dtype):
            names = _names(None, len(frame), frame.index)
    if all(c in frame.columns for c in BINARY_COLUMNS):
        return compare_many_proportions(*(frame[c].to_numpy() for c in BINARY_COLUMNS), names=names,
                                        alpha=alpha, alternative=alternative, ci_method=ci_method,
                                        adjust=adjust)
    if all(c in frame.columns for c in CONTINUOUS_COLUMNS):
        return compare_many_means(*(frame[c].to_numpy() for c in CONTINUOUS_COLUMNS), names=names,
                                  alpha=alpha, alternative=alternative, equal_var=equal_var, adjust=adjust)
    raise InputError(
        "`table` must have the binary columns " + ", ".join(BINARY_COLUMNS) + " or the continuous "
        "columns " + ", ".join(CONTINUOUS_COLUMNS) + "; got " + ", ".join(map(str, frame.columns[:12]))
    )
