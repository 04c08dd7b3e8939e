"""One call for a whole experiment: arms, metric kinds, CUPED, SRM and adjusted p-values."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from .._errors import InputError
from .._results import Result
from .._validation import check_alpha, check_columns, check_frame, check_option, describe
from ._analysis_base import (
    arm_key,
    boolean_key,
    check_alternative,
    is_number,
    label_key,
    raw_moments,
    round_off_only,
    scaled_by_power_of_two,
)
from ._binary import binary_core, check_difference_method, warn_binary
from ._continuous import ttest_core, warn_means
from ._cuped import cuped_arrays
from ._multi import adjust_pvalues, check_adjust
from ._srm import SRMResult, srm_of_arms

__all__ = ["analyze", "AnalysisResult"]

_KINDS = ("auto", "binary", "continuous")
COLUMNS = ("metric", "kind", "method", "control", "treatment", "n_control", "n_treatment", "mean_control",
           "mean_treatment", "difference", "low", "high", "relative_lift", "lift_low", "lift_high",
           "statistic", "pvalue", "pvalue_adjusted", "significant", "variance_reduction")


@dataclass(frozen=True, slots=True)
class AnalysisResult(Result):
    """The analysis of an experiment: every treatment arm against control, for every metric.

    Attributes
    ----------
    comparisons : pandas.DataFrame
        One row per (metric, treatment arm), columns ``metric, kind, method, control, treatment,
        n_control, n_treatment, mean_control, mean_treatment, difference, low, high,
        relative_lift, lift_low, lift_high, statistic, pvalue, pvalue_adjusted, significant,
        variance_reduction`` (the last is NaN unless CUPED was used). ``mean_*`` is the rate
        for a binary metric; with a covariate it is the CUPED-adjusted mean, so that
        ``difference`` is ``mean_treatment - mean_control`` and ``relative_lift`` their ratio
        minus one, as without one. Intervals have level ``1 - alpha``.
    srm : SRMResult
        Sample-ratio-mismatch check of the arm sizes against the planned allocation.
    control : str
        The control arm.
    arms : list of str
        All arms, control first.
    metrics : list of str
    covariate : str or None
        Pre-period covariate used for CUPED.
    alpha : float
    adjust : str
        Multiple-testing adjustment over all rows.
    alternative : str
    """

    comparisons: object
    srm: SRMResult
    control: str
    arms: list
    metrics: list
    covariate: str | None
    alpha: float
    adjust: str
    alternative: str

    def to_frame(self):
        """One row per comparison (a copy of ``comparisons``)."""
        return self.comparisons.copy()

    def summary(self) -> list[str]:
        """Short human-readable lines, one per comparison, plus the SRM verdict."""
        lines = []
        for row in self.comparisons.itertuples(index=False):
            lift = "n/a" if not np.isfinite(row.relative_lift) else f"{row.relative_lift:+.2%}"
            interval = ("" if not np.isfinite(row.lift_low) else
                        f" [{row.lift_low:+.2%}, {row.lift_high:+.2%}]")
            lines.append(f"{row.metric}: {row.treatment} vs {row.control}: lift {lift}{interval}, "
                         f"p = {row.pvalue:.3g} (adjusted {row.pvalue_adjusted:.3g}, {row.method})")
        verdict = "MISMATCH" if self.srm.mismatch else "ok"
        lines.append(f"sample ratio: {verdict} (chi2 = {self.srm.statistic:.3g}, p = {self.srm.pvalue:.3g})")
        return lines


def _numeric_column(frame, column: str) -> np.ndarray:
    import pandas as pd

    series = frame[column]
    if series.dtype.kind in "mM" or isinstance(series.dtype, pd.PeriodDtype):
        raise InputError(f"column '{column}' must be numeric, got {series.dtype} values; convert them to a "
                         "number first (e.g. days or seconds)")
    if series.dtype == bool:
        values = series.to_numpy(dtype=float)
    else:
        converted = pd.to_numeric(series, errors="coerce")
        bad = converted.isna() & series.notna()
        if bad.any():
            example = series[bad].iloc[0]
            raise InputError(f"column '{column}' must be numeric, got values such as {example!r}")
        if converted.dtype.kind == "c":
            raise InputError(f"column '{column}' must hold real numbers, got complex values")
        values = converted.to_numpy(dtype=float)
    missing = int(np.isnan(values).sum())
    if missing:
        raise InputError(f"column '{column}' has {missing} missing (NaN) value(s); drop or fill them first")
    if np.isinf(values).any():
        raise InputError(f"column '{column}' has infinite value(s)")
    return values


def _unscale(values, scale: float, column) -> np.ndarray:
    """Multiply results of scaled data back, refusing those that overflow float64."""
    values = np.asarray(values, dtype=float)
    if scale == 1.0:
        return values
    with np.errstate(over="ignore"):
        out = values * scale
    if (np.isfinite(values) & ~np.isfinite(out)).any():
        raise InputError(f"column '{column}' has values so large that the difference of means overflows "
                         "float64; rescale it (e.g. to thousands) first")
    return out


def _column_name(frame, value, name: str, *, allow_none: bool = False):
    """A single column name of any hashable type, present once in ``frame``."""
    if value is None and allow_none:
        return None
    try:
        hash(value)
    except TypeError:
        raise InputError(f"`{name}` must be a column name, got {describe(value)}") from None
    if value is None or isinstance(value, bool):
        raise InputError(f"`{name}` must be a column name, got {value!r}")
    check_columns(frame, [value])
    count = len(frame.columns.get_indexer_for([value]))
    if count > 1:
        raise InputError(f"column '{value}' appears {count} times in the table; give the columns unique names")
    return value


def _metric_names(frame, metric) -> list:
    if metric is None:
        return []
    try:
        single = isinstance(metric, str) or metric in frame.columns or not isinstance(metric, Iterable)
    except TypeError:  # unhashable: a list or array of names
        single = False
    return [metric] if single else list(metric)


def _arm_labels(labels, column) -> tuple[np.ndarray, list[str], list]:
    """Each row's arm as text, the arms in the sorted order of their values (2 before 10), and
    those values.

    Arms are named by their text, so two different labels that read the same (``0`` and
    ``"0"``, typically after concatenating two sources) would be merged into one arm; they are
    refused, and so are a boolean and a number that pandas treats as one value (``True`` and
    ``1``). Numbers equal in value (``1`` and ``1.0``) are one arm.
    """
    import pandas as pd

    codes, uniques = pd.factorize(labels)
    values = list(uniques)
    text = pd.Series(uniques).astype(str).to_numpy()  # as the column's type writes them (2024-03-01, 0.6)
    first: dict[str, object] = {}
    for value, name in zip(values, text, strict=True):
        if name in first:
            _same_arm_error(column, first[name], value)
        first[name] = value
    if labels.dtype == object and pd.api.types.infer_dtype(labels, skipna=True).startswith("mixed"):
        is_bool = labels.map(lambda v: isinstance(v, bool | np.bool_)).to_numpy(dtype=bool)
        shared = np.intersect1d(codes[is_bool], codes[~is_bool])
        if shared.size:
            rows = codes == shared[0]
            _same_arm_error(column, labels[rows & is_bool].iloc[0], labels[rows & ~is_bool].iloc[0])
    try:
        order = sorted(range(len(values)), key=values.__getitem__)
    except TypeError:  # mixed kinds of label: sort by their text
        order = sorted(range(len(values)), key=text.__getitem__)
    arms = [text[i] for i in order]
    return text[codes], arms, [values[i] for i in order]


def _same_arm_error(column, one, other):
    raise InputError(f"column '{column}' holds the labels {one!r} ({type(one).__name__}) and {other!r} "
                     f"({type(other).__name__}), which would be merged into one arm; make the column one type "
                     "first (e.g. `.astype(str)` if they are the same arm) or rename one of them")


def _pick_control(arms: list[str], control, values=()) -> str:
    if control is None:
        for arm in arms:
            if arm.lower() == "control":
                return arm
        return arms[0]
    if str(control) in arms:
        return str(control)
    for arm, value in zip(arms, values):  # a label given as a value equal to the column's (0 for 0.0,
        try:                                # a Timestamp for a date), named as its arm is
            if bool(value == control):
                return arm
        except (TypeError, ValueError):
            continue
    # a whole number written as text ("0" or "0.0", as a command line gives it) names a numeric arm,
    # and 1/0 or true/false (in any case) a boolean arm, as they do in an allocation
    text = str(control)
    named = [arm for arm, value in zip(arms, values)
             if (is_number(value) and label_key(value, arm) == arm_key(text))
             or (isinstance(value, bool | np.bool_) and label_key(value) == boolean_key(text))]
    if len(named) == 1:
        return named[0]
    raise InputError(f"`control` '{control}' is not a group; groups are {', '.join(arms)}")


def analyze(frame, *, group: str, metric, covariate: str | None = None, control=None,
            alpha: float = 0.05, kind: str = "auto", alternative: str = "two-sided",
            adjust: str = "holm", ci_method: str = "newcombe", equal_var: bool = False,
            allocation=None, srm_alpha: float = 0.001) -> AnalysisResult:
    """Analyse an A/B (or A/B/n) experiment from one row per user.

    For each metric the kind is detected (a column of only 0 and 1 is binary, anything else
    continuous), and each treatment arm is compared with the control arm:

    * binary metric: pooled z-test, Newcombe (or Wald) interval of the difference;
    * continuous metric: Welch (or Student) t-test and interval;
    * with ``covariate``: CUPED adjustment (pooled theta per comparison) and Welch's test on the
      adjusted metric, for either kind;

    the relative lift always comes with a delta-method interval (log-ratio scale). P-values are
    adjusted over all (metric, arm) comparisons and the arm sizes are checked for a sample-ratio
    mismatch.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per user.
    group : str
        Column naming each user's arm. Arms are named by their labels' text, so a column that
        holds two labels reading the same (``0`` and ``"0"``, e.g. after concatenating two
        sources) is refused rather than merged into one arm; convert it first. A column in
        which most rows form a group of their own (a user id, a metric) is refused as well.
    metric : str or list of str
        Metric column(s), numeric without missing values.
    covariate : str, optional
        Pre-period covariate column for CUPED.
    control : optional
        The control arm; default the arm named ``control`` (any case) if there is one, else the
        first arm in sorted order (numeric labels sort as numbers: 2 before 10). A number names
        a numeric arm whatever its type, also written as text (``0``, ``"0"`` or ``"0.0"`` for
        the arm 0.0 of a float column); a string names only the string arm it spells.
    alpha : float, default 0.05
    kind : {"auto", "binary", "continuous"}
    alternative : {"two-sided", "larger", "smaller"}
    adjust : {"holm", "bonferroni", "bh", "by", "sidak", "holm-sidak", "hochberg", "hommel", "none"}
    ci_method : {"newcombe", "wald"}
        Interval of the difference for binary metrics without covariate.
    equal_var : bool, default False
        Student's instead of Welch's t-test for continuous metrics without covariate.
    allocation : mapping of arm -> weight or pandas Series, optional
        Planned allocation for the SRM check (default: equal split). A Series is read by its
        index (arm names), whatever its order; arm names are matched as text (``{0: 0.5,
        1: 0.5}`` for arms 0 and 1, also when the column holds them as 0.0 and 1.0). A plain sequence is taken in the order of ``arms``
        (control first, then the others sorted). An arm named in a mapping or Series but without
        a row in ``frame`` is counted in the SRM check with 0 users (a mismatch), and has no
        comparison.
    srm_alpha : float, default 0.001

    Returns
    -------
    AnalysisResult

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from scimlkit.experiment import analyze
    >>> gen = np.random.default_rng(7)
    >>> arm = gen.choice(["control", "B"], size=4000)
    >>> converted = (gen.random(4000) < np.where(arm == "B", 0.12, 0.10)).astype(int)
    >>> res = analyze(pd.DataFrame({"arm": arm, "converted": converted}), group="arm",
    ...               metric="converted")
    >>> res.to_frame()[["treatment", "kind", "method"]].values.tolist()
    [['B', 'binary', 'z-test']]
    >>> res.srm.mismatch
    False
    """
    import pandas as pd

    frame = check_frame(frame, "frame")
    metrics = _metric_names(frame, metric)
    if not metrics:
        raise InputError("`metric` must name at least one column")
    group = _column_name(frame, group, "group")
    metrics = [_column_name(frame, m, "metric") for m in metrics]
    covariate = _column_name(frame, covariate, "covariate", allow_none=True)
    for m in metrics:
        if metrics.count(m) > 1:
            raise InputError(f"`metric` names column '{m}' {metrics.count(m)} times")
    for m in [*metrics, covariate]:
        if m is not None and m == group:
            raise InputError(f"column '{m}' is the `group` column; it cannot also be a metric or the covariate")
    if covariate is not None and covariate in metrics:
        raise InputError(f"column '{covariate}' is both a metric and the `covariate`; the covariate must be "
                         "a pre-period measure, not the metric itself")
    if not isinstance(equal_var, bool | np.bool_):
        raise InputError(f"`equal_var` must be True or False, got {describe(equal_var)}")
    alpha = check_alpha(alpha)
    kind = check_option(kind, "kind", _KINDS)
    alternative = check_alternative(alternative)
    adjust = check_adjust(adjust)
    ci_method = check_difference_method(ci_method)
    srm_alpha = check_alpha(srm_alpha, "srm_alpha")

    labels = frame[group]
    if labels.isna().any():
        raise InputError(f"column '{group}' has {int(labels.isna().sum())} missing value(s)")
    labels, arms_found, values = _arm_labels(labels, group)
    if len(arms_found) < 2:
        raise InputError(f"column '{group}' has a single group ({arms_found[0]!r}); at least two arms "
                         "(control and treatment) are needed")
    control = _pick_control(arms_found, control, values)
    arms = [control] + [a for a in arms_found if a != control]
    masks = {arm: labels == arm for arm in arms}
    sizes = {arm: int(mask.sum()) for arm, mask in masks.items()}
    single = sum(size == 1 for size in sizes.values())
    if len(arms) > 2 and 2 * single > len(labels):
        # a user id or a metric given as the group column: most rows are "arms" of their own
        # (a few stray labels beside real arms are analysed, and the SRM check flags them)
        raise InputError(f"column '{group}' has {len(arms)} groups in {len(labels)} rows, {single} of them with a "
                         "single row; `group` must name the column of arms (control, treatment, ...)")
    value_of = dict(zip(arms_found, values, strict=True))
    srm = srm_of_arms(arms, [value_of[a] for a in arms], [sizes[a] for a in arms], allocation,
                      alpha=srm_alpha, source=f"the groups of column '{group}'")

    x = scaled_by_power_of_two(_numeric_column(frame, covariate))[0] if covariate is not None else None
    treatments = arms[1:]
    rows = []
    binary: dict[str, dict] = {}  # each binary metric's comparisons
    for name in metrics:
        y = _numeric_column(frame, name)
        is_binary = bool(np.isin(y, (0.0, 1.0)).all())
        if kind == "binary" and not is_binary:
            raise InputError(f"column '{name}' must hold only 0 and 1 for kind='binary'")
        metric_kind = "binary" if (kind == "binary" or (kind == "auto" and is_binary)) else "continuous"
        if metric_kind == "continuous" or covariate is not None:
            small = [a for a in arms if sizes[a] < 2]
            if small:
                raise InputError(f"group {small[0]!r} in column '{group}' has {sizes[small[0]]} row; at "
                                 f"least 2 per arm are needed to compare '{name}'")
        base = {"metric": name, "kind": metric_kind, "control": control,
                "n_control": sizes[control], "variance_reduction": np.nan}
        if metric_kind == "continuous" or covariate is not None:
            y, scale = scaled_by_power_of_two(y)
        if covariate is not None:
            for arm in treatments:
                out = cuped_arrays(y[masks[control]], x[masks[control]], y[masks[arm]], x[masks[arm]],
                                   alpha=alpha, alternative=alternative)
                out.update({k: float(_unscale(out[k], scale, name)) for k in
                            ("adjusted_mean_control", "adjusted_mean_treatment", "difference", "low",
                             "high")})
                rows.append({**base, "method": "cuped-welch", "treatment": arm, "n_treatment": sizes[arm],
                             "mean_control": out["adjusted_mean_control"],
                             "mean_treatment": out["adjusted_mean_treatment"],
                             **{k: out[k] for k in ("difference", "low", "high", "relative_lift",
                                                    "lift_low", "lift_high", "statistic", "pvalue",
                                                    "variance_reduction")}})
            continue
        yc = y[masks[control]]
        if metric_kind == "binary":
            xt = np.array([y[masks[a]].sum() for a in treatments])
            nt = np.array([sizes[a] for a in treatments], dtype=float)
            cols = binary_core(np.float64(yc.sum()), np.float64(yc.size), xt, nt, alpha=alpha,
                               alternative=alternative, ci_method=ci_method)
            binary[name] = cols  # warned about once for every metric, below
            means = (np.full(len(treatments), yc.mean()), xt / nt)
            method = "z-test"
        else:
            # moments about the control mean (large values keep their spread and difference)
            pivot = float(yc.mean())
            mc, sc, low_c, high_c = raw_moments(yc, pivot)
            t_stats = np.array([[*raw_moments(y[masks[a]], pivot), sizes[a]] for a in treatments])
            # one value computed by several routes in both arms: constant arms, no difference
            same = np.array([round_off_only(min(low_c, lo), max(high_c, hi), yc, y[masks[a]])
                             for a, lo, hi in zip(treatments, t_stats[:, 2], t_stats[:, 3])], dtype=bool)
            t_stats[same, :2] = mc, 0.0
            cols = ttest_core(np.float64(mc), np.where(same, 0.0, sc), np.float64(yc.size),
                              t_stats[:, 0], t_stats[:, 1], t_stats[:, 4], alpha=alpha,
                              alternative=alternative, equal_var=bool(equal_var), pivot=np.float64(pivot))
            warn_means(cols, where=f" of '{name}'")
            cols.update({k: _unscale(cols[k], scale, name) for k in ("difference", "low", "high")})
            means = (_unscale(np.full(len(treatments), pivot + mc), scale, name),
                     _unscale(pivot + t_stats[:, 0], scale, name))
            method = "student-t" if equal_var else "welch-t"
        for i, arm in enumerate(treatments):
            rows.append({**base, "method": method, "treatment": arm, "n_treatment": sizes[arm],
                         "mean_control": float(means[0][i]), "mean_treatment": float(means[1][i]),
                         **{k: float(np.asarray(cols[k])[i]) for k in ("difference", "low", "high",
                                                                       "relative_lift", "lift_low",
                                                                       "lift_high", "statistic", "pvalue")}})
    if binary:
        warn_binary(metrics=binary)
    table = pd.DataFrame(rows)
    pvalues = table["pvalue"].to_numpy(dtype=float)
    finite = np.isfinite(pvalues)
    adjusted = np.full_like(pvalues, np.nan)
    adjusted[finite] = adjust_pvalues(pvalues[finite], adjust)
    table["pvalue_adjusted"] = adjusted
    table["significant"] = np.where(finite, adjusted <= alpha, False)
    table = table[list(COLUMNS)]
    return AnalysisResult(comparisons=table, srm=srm, control=control, arms=arms, metrics=metrics,
                          covariate=covariate, alpha=alpha, adjust=adjust, alternative=alternative)
