"""Report chapters of the experiment module: computed results in, figures and tables out.

Compute first, render second: every builder here takes result objects that the public API
returned (:class:`AnalysisResult`, :class:`PowerResult` with its :class:`PowerCurveResult`,
:class:`DeLongResult`, :class:`McNemarResult`, :class:`SequentialDesignResult`,
:class:`SequentialDecisionResult`) and only draws them. :func:`write_report` is the
public entry point: it dispatches on the type of each result, computes what a chapter needs
beyond it (the power curves of a design), and writes one self-contained HTML file.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np

from .._errors import InputError
from .._report import Chapter, new_figure
from ._analyze import AnalysisResult
from ._models import DeLongResult, McNemarResult
from ._power import PowerCurveResult, PowerResult
from ._sequential import SequentialDecisionResult, SequentialDesignResult

__all__ = [
    "forest_plot", "power_curve_figure", "lift_forest", "comparison_table",
    "analysis_chapter", "size_curve_figure", "power_chapter", "model_comparison_table",
    "model_comparison_figure", "roc_figure", "models_chapter", "sequential_figure", "sequential_chapter",
    "report_chapters", "write_report",
]

_ACCENT, _INK, _MUTED = "#c0392b", "#2c3e50", "#7f8c8d"


def _pct(value: float) -> str:
    """A lift in percent; the open end of a one-sided interval is +inf (NaN: not defined)."""
    if np.isnan(value):
        return "n/a"
    return f"{value:+.1%}" if np.isfinite(value) else ("+inf" if value > 0 else "-inf")


def _interval(low: float, high: float) -> str:
    return f"[{_pct(low)}, {_pct(high)}]"


def _p(value: float) -> str:
    return "n/a" if not np.isfinite(value) else f"{value:.3g}"


# -- forest plot of lifts with intervals -----------------------------------------


def forest_plot(labels, estimates, lows, highs, *, significant=None, reference: float = 0.0,
                xlabel: str = "relative lift", title: str | None = None, percent: bool = True):
    """A forest plot: one row per comparison, a point at the estimate and a bar for its interval.

    Parameters
    ----------
    labels : sequence of str
        Row labels, drawn top to bottom.
    estimates, lows, highs : sequence of float
        Point estimates and interval bounds. A NaN estimate writes "undefined" on its row; a NaN
        bound draws the point alone; an infinite
        bound (a one-sided interval) draws the bar up to the edge of the plot, ending in an
        arrow head.
    significant : sequence of bool, optional
        Rows drawn in the accent colour.
    reference : float, default 0
        Vertical "no effect" line.
    xlabel, title : str
    percent : bool, default True
        Format the axis as percentages.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.ticker import PercentFormatter

    labels = [str(v) for v in labels]
    est = np.asarray(estimates, dtype=float)
    low = np.asarray(lows, dtype=float)
    high = np.asarray(highs, dtype=float)
    sig = np.zeros(est.size, bool) if significant is None else np.asarray(significant, dtype=bool)
    n = len(labels)
    fig, ax = new_figure(6.4, 0.9 + 0.42 * max(n, 1))
    ypos = np.arange(n)[::-1]
    _draw_rows(ax, ypos, est, low, high, sig, reference)
    ax.set_yticks(ypos, labels)
    ax.set_ylim(-0.7, n - 0.3)
    ax.set_xlabel(xlabel)
    if percent:
        ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.grid(axis="x", alpha=0.3)
    if title:
        ax.set_title(title)
    return fig


def _draw_rows(ax, ypos, est, low, high, sig, reference) -> None:
    """Points and interval bars on ``ax``; half-open intervals run to the plot's edge."""
    for y, e, lo, hi, s in zip(ypos, est, low, high, sig):
        color = _ACCENT if s else _INK
        if np.isfinite(lo) and np.isfinite(hi):
            ax.plot([lo, hi], [y, y], color=color, linewidth=2.2, solid_capstyle="butt")
        if np.isfinite(e):
            ax.plot([e], [y], marker="o", color=color, markersize=6)
        else:  # no estimate (a relative lift against a control mean <= 0): say so on the row
            ax.text(0.0 if reference is None else reference, y, " undefined", color=color, va="center",
                    fontsize=8)
    if reference is not None:
        ax.axvline(reference, color=_MUTED, linestyle="--", linewidth=1)
    open_rows = [(y, lo, hi, s) for y, lo, hi, s in zip(ypos, low, high, sig)
                 if (np.isinf(lo) or np.isinf(hi)) and not (np.isnan(lo) or np.isnan(hi))
                 and not (np.isinf(lo) and np.isinf(hi))]
    if not open_rows:
        return
    finite = np.concatenate([est, low, high, [] if reference is None else [reference]])
    finite = finite[np.isfinite(finite)]
    left, right = (float(finite.min()), float(finite.max())) if finite.size else (-1.0, 1.0)
    pad = 0.15 * (right - left) if right > left else 0.1 * max(abs(left), 1e-12)
    left, right = left - pad, right + pad
    for y, lo, hi, s in open_rows:
        color = _ACCENT if s else _INK
        start, end = (lo, right) if np.isinf(hi) else (hi, left)
        ax.plot([start, end], [y, y], color=color, linewidth=2.2, solid_capstyle="butt")
        ax.plot([end], [y], marker=">" if end == right else "<", color=color, markersize=7)
    margin = 0.03 * (right - left)  # room for the arrow heads
    ax.set_xlim(left - margin, right + margin)


_TABLE_COLUMNS = ["metric", "treatment", "method", "n_control", "n_treatment", "mean_control",
                  "mean_treatment", "difference", "low", "high", "relative_lift", "lift_low", "lift_high",
                  "pvalue", "pvalue_adjusted", "significant"]
_MAX_FOREST_ROWS = 40


def lift_forest(comparisons, *, alpha: float, title: str = "Relative lift against control",
                labels=None):
    """Forest plot of the relative lifts in an ``AnalysisResult.comparisons`` table.

    Parameters
    ----------
    comparisons : pandas.DataFrame
        Rows of :attr:`AnalysisResult.comparisons` (of one analysis or several concatenated).
    alpha : float
        The analysis' alpha (the intervals have level ``1 - alpha``).
    title : str
    labels : sequence of str, optional
        Row labels; default ``"metric: treatment"``.

    Returns
    -------
    matplotlib.figure.Figure
    """
    if labels is None:
        labels = [f"{r.metric}: {r.treatment}" for r in comparisons.itertuples()]
    return forest_plot(labels, comparisons["relative_lift"], comparisons["lift_low"],
                       comparisons["lift_high"], significant=comparisons["significant"], title=title,
                       xlabel=f"relative lift ({1 - alpha:.0%} delta-method interval)")


def comparison_table(comparisons, *, extra=()):
    """The shown columns of an ``AnalysisResult.comparisons`` table (plus ``extra`` ones)."""
    return comparisons[[*_TABLE_COLUMNS, *extra]]


# -- the analysis of an experiment -----------------------------------------------


def _short_list(names, most: int = 3) -> str:
    names = [str(n) for n in names]
    return ", ".join(names) if len(names) <= most else f"{', '.join(names[:most])} and {len(names) - most} more"


def analysis_chapter(result: AnalysisResult, *, key: str = "experiment-analysis",
                     title: str | None = None) -> Chapter:
    """The chapter of one :func:`~scimlkit.experiment.analyze` result.

    Effects of every (metric, treatment arm) as a forest plot of relative lifts with their
    intervals, the comparisons with raw and adjusted p-values, the sample-ratio-mismatch
    check and, when a covariate was given, the CUPED variance reduction.

    Parameters
    ----------
    result : AnalysisResult
    key : str
        The chapter's anchor in the report.
    title : str, optional
        Default ``"A/B test: <metrics>"`` (``A/B/n`` with more than one treatment arm).

    Returns
    -------
    Chapter
    """
    rows = result.comparisons
    srm = result.srm
    n_users = int(sum(srm.observed))
    n_rows = len(rows)
    n_sig = int(rows["significant"].sum())
    ab = "A/B/n" if len(result.arms) > 2 else "A/B"
    chapter = Chapter(key, title or f"{ab} test: {_short_list(result.metrics)}")
    sided = ("two-sided" if result.alternative == "two-sided"
             else f"one-sided ({result.alternative}; the open end of each interval runs to the edge)")
    methods = ", ".join(sorted(set(rows["method"])))
    verdict = "MISMATCH" if srm.mismatch else "ok"

    chapter.note(f"{n_users:,} users in {len(result.arms)} arms (control '{result.control}'); sample ratio "
                 f"{verdict} (p = {_p(srm.pvalue)})")
    chapter.note(f"{n_sig} of {n_rows} comparison(s) significant at alpha {result.alpha:g} after "
                 f"{result.adjust} adjustment")
    for row in rows[rows["significant"]].head(5).itertuples():
        if np.isfinite(row.relative_lift):
            effect = f"lift {_pct(row.relative_lift)} {_interval(row.lift_low, row.lift_high)}"
        else:  # no relative lift (control mean <= 0): the difference and its interval still hold
            effect = f"difference {row.difference:+.4g} [{row.low:.4g}, {row.high:.4g}]"
        chapter.note(f"{row.metric}, {row.treatment} vs {row.control}: {effect}, "
                     f"adjusted p = {_p(row.pvalue_adjusted)}")
    reductions = rows["variance_reduction"].to_numpy(dtype=float) if result.covariate is not None else None
    if reductions is not None and np.isfinite(reductions).any():
        chapter.note(f"CUPED on '{result.covariate}': variance reduced by "
                     f"{np.nanmean(reductions):.0%} on average")

    chapter.paragraph(
        f"Each treatment arm ({_short_list(result.arms[1:])}) is compared with the control arm "
        f"'{result.control}' on {_short_list(result.metrics)} ({methods}). Intervals have level "
        f"{1 - result.alpha:.0%}, {sided}; the relative lift has a delta-method interval on the "
        f"log-ratio scale. P-values are adjusted ({result.adjust}) over all {n_rows} comparison(s).")
    chapter.metrics({"users": n_users, "arms": len(result.arms), "comparisons": n_rows,
                     "significant": n_sig, "alpha": result.alpha, "adjustment": result.adjust,
                     "SRM p-value": srm.pvalue})

    chapter.heading("Effects against control")
    shown = rows.head(_MAX_FOREST_ROWS)
    cut = f" (first {_MAX_FOREST_ROWS} of {n_rows} rows)" if n_rows > _MAX_FOREST_ROWS else ""
    chapter.figure(lift_forest(shown, alpha=result.alpha),
                   caption=f"Relative lift of each treatment arm over control{cut}; red rows are "
                           f"significant after {result.adjust} adjustment.")
    chapter.heading("Comparisons and adjusted p-values")
    extra = ("variance_reduction",) if result.covariate is not None else ()
    chapter.table(comparison_table(rows, extra=extra),
                  caption=f"Differences are treatment minus control; 'pvalue_adjusted' uses {result.adjust} "
                          f"over all rows, 'significant' is pvalue_adjusted <= {result.alpha:g}")

    chapter.heading("Sample ratio check")
    observed = np.asarray(srm.observed, dtype=float)
    srm_table = srm.to_frame().assign(observed_fraction=observed / observed.sum())
    chapter.paragraph(
        f"Sample ratio {verdict}: a chi-squared test of the arm sizes against the planned allocation gives "
        f"chi2 = {srm.statistic:.4g} on {srm.df} df, p = {_p(srm.pvalue)} (flagged below {srm.alpha:g}). "
        + ("A mismatch means assignment or logging is broken; the effects above are then not to be trusted."
           if srm.mismatch else "The arm sizes agree with the plan."))
    chapter.table(srm_table, caption="Users per arm, observed and planned")

    if result.covariate is not None:
        vr = rows["variance_reduction"].to_numpy(dtype=float)
        narrower = 1.0 - np.sqrt(np.clip(1.0 - vr, 0.0, None))
        chapter.heading(f"Covariate adjustment (CUPED on '{result.covariate}')")
        chapter.paragraph(
            f"Every metric is adjusted with the pre-period covariate '{result.covariate}' (CUPED, one "
            f"pooled coefficient per comparison). The variance of the adjusted difference is lower by the "
            f"share shown; intervals narrow by about 1 - sqrt(1 - reduction) against the unadjusted test.")
        chapter.table(rows[["metric", "treatment", "method", "variance_reduction"]].assign(
            interval_narrower_by=narrower), caption="Variance reduction from the covariate")
    return chapter


# -- sample size and power -------------------------------------------------------


def power_curve_figure(values, power, *, xlabel: str = "control-arm size", target_power=None,
                       design_value=None, title: str | None = None, width: float = 6.0,
                       height: float = 3.4, target_label: str | None = None):
    """Power against sample size (or effect) as a line, with the target and the design marked.

    Parameters
    ----------
    values, power : array-like
        The grid (sizes or effects) and the power at each point, e.g. ``curve.values`` and
        ``curve.power`` of a :class:`~scimlkit.experiment.PowerCurveResult`.
    xlabel : str
        Label of the horizontal axis.
    target_power : float, optional
        Drawn as a horizontal dashed line.
    design_value : float, optional
        The design's size or effect, drawn as a vertical dotted line.
    title : str, optional
        Figure title.
    target_label : str, optional
        Legend entry of the power line (default ``"target <power>"``).

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, ax = new_figure(width, height)
    x = np.asarray(values, dtype=float)
    y = np.asarray(power, dtype=float)
    ax.plot(x, y, color="#1f77b4", linewidth=2, label="power")
    if target_power is not None:
        ax.axhline(target_power, color="#d62728", linestyle="--", linewidth=1,
                   label=target_label or f"target {target_power:.0%}")
    if design_value is not None:
        shown = f"{design_value:,.0f}" if abs(design_value) >= 100 else f"{design_value:.4g}"
        ax.axvline(design_value, color="#555555", linestyle=":", linewidth=1, label=f"design {shown}")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("power")
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)
    if title:
        ax.set_title(title)
    return fig


def _effect_text(design: PowerResult) -> str:
    if design.baseline is not None:
        return (f"{design.mde_relative:+.1%} relative ({design.mde:+.4g} absolute) on a baseline of "
                f"{design.baseline:.4g}")
    return f"{design.mde:+.4g} (sd {design.sd:.4g}, Cohen's d {design.effect_size:.3g})"


def size_curve_figure(curve: PowerCurveResult, *, title: str | None = None):
    """The figure of a :class:`PowerCurveResult`: power against the arm size or the effect.

    The design's power is drawn as a dashed line and the design's size (``over="n"``: the
    whole-unit control-arm size) or effect (``over="mde"``, with its sign) as a dotted one.
    """
    design = curve.design
    label = None if design.solved_for != "power" else f"power at the design {design.power:.0%}"
    if curve.over == "n":
        xlabel = "control-arm size" if design.ratio == 1 else f"control-arm size (treatment = {design.ratio:g} x)"
        mark = design.n_control_required
    else:
        xlabel = ("absolute difference in proportion (treatment - control)" if design.baseline is not None
                  else "absolute difference in means (treatment - control)")
        mark = design.mde
    return power_curve_figure(curve.values, curve.power, xlabel=xlabel, target_power=design.power,
                              design_value=mark, title=title, target_label=label)


def _design_sentence(design: PowerResult) -> str:
    test = f"a {'two' if design.sides == 2 else 'one'}-sided test ({design.test}) at alpha {design.alpha:g}"
    sizes = (f"{design.n_control_required:,} units in control and {design.n_treatment_required:,} in "
             f"treatment ({design.n_total_required:,} in all)")
    if design.solved_for == "n":
        return f"To detect an effect of {_effect_text(design)} with {test} and {design.power:.0%} power needs {sizes}."
    if design.solved_for == "power":
        return (f"With {sizes}, {test} detects an effect of {_effect_text(design)} with power "
                f"{design.power:.1%}.")
    if design.solved_for == "alpha":
        return (f"With {sizes}, detecting an effect of {_effect_text(design)} with {design.power:.0%} power "
                f"takes a {'two' if design.sides == 2 else 'one'}-sided test ({design.test}) at significance "
                f"level alpha {design.alpha:.4g}.")
    return (f"With {sizes}, the smallest effect {test} detects with {design.power:.0%} power is "
            f"{_effect_text(design)}.")


def _design_table(design: PowerResult):
    import pandas as pd

    def shown(value):
        if value is None:
            return ""
        if isinstance(value, bool | np.bool_):
            return str(bool(value))
        if isinstance(value, int | np.integer):
            return f"{int(value):,}"
        if isinstance(value, float | np.floating):
            return f"{value:.6g}"
        return str(value)

    return pd.DataFrame([{"quantity": k, "value": shown(v)} for k, v in design.to_dict().items()
                         if v is not None])


def power_chapter(design: PowerResult, curves=(), *, key: str = "experiment-size",
                  title: str | None = None) -> Chapter:
    """The chapter of a sample-size / power answer: the design, and its power curves.

    Parameters
    ----------
    design : PowerResult
        From :func:`~scimlkit.experiment.power_proportions` or
        :func:`~scimlkit.experiment.power_means`; it holds every design input (test, alpha,
        sides, ratio, baseline or sd) as well as the solved quantity.
    curves : sequence of PowerCurveResult
        Curves of this design from :func:`~scimlkit.experiment.power_curve`, each drawn as a
        figure with the design's power and size (or effect) marked.
    key : str
    title : str, optional
        Default ``"<solved quantity>: <test>"``, the solved quantity being ``Sample size``,
        ``Power``, ``Minimum detectable effect`` or ``Significance level``.

    Returns
    -------
    Chapter
    """
    what = {"n": "Sample size", "power": "Power", "mde": "Minimum detectable effect",
            "alpha": "Significance level"}[design.solved_for]
    chapter = Chapter(key, title or f"{what}: {design.test}")
    sentence = _design_sentence(design)
    chapter.note(sentence)
    solved = {"n": "the sample size", "power": "the power", "mde": "the minimum detectable effect",
              "alpha": "the significance level"}
    split = ("the two arms have the same size" if design.ratio == 1
             else f"the treatment arm has {design.ratio:g} times the control arm's units")
    chapter.paragraph(f"{sentence} The solved quantity is {solved[design.solved_for]}; {split}.")
    figures = {"control arm": design.n_control_required, "treatment arm": design.n_treatment_required,
               "total": design.n_total_required, "power": design.power, "absolute MDE": design.mde}
    if design.solved_for == "alpha":
        figures["alpha"] = design.alpha
    if design.mde_relative is not None:
        figures["relative MDE"] = design.mde_relative
    figures["Cohen's h" if design.baseline is not None else "Cohen's d"] = design.effect_size
    chapter.metrics(figures)
    chapter.table(_design_table(design), caption="The design")
    for curve in curves:
        if curve.over == "n":
            chapter.heading("Power against the sample size")
            caption = "Power against the control-arm size at the design's effect; dashed: the design's power, " \
                      "dotted: the design's size."
        else:
            chapter.heading("Power against the effect")
            caption = "Power against the true effect at the design's sizes; dashed: the design's power, " \
                      "dotted: the design's effect."
        chapter.figure(size_curve_figure(curve), caption=caption)
    return chapter


def _design_curves(design: PowerResult) -> list[PowerCurveResult]:
    """The curves drawn for a design: against the size, and against the effect (of the design's sign)."""
    from ._power import power_curve

    curves = [power_curve(design, over="n", num=60)]
    try:
        curves.append(power_curve(design, over="mde", num=60))
    except InputError:  # a grid the design cannot reach
        pass
    return curves


# -- model comparison ------------------------------------------------------------


def model_comparison_table(delong: DeLongResult | None = None, mcnemar: McNemarResult | None = None,
                           *, level: float = 0.95, threshold: float | None = None):
    """One row per test: each model's value, B - A with its interval, and the p-value."""
    import pandas as pd

    pct = f"{level:.0%}"
    rows = []
    if delong is not None:
        lo, hi = delong.confidence_interval(level)
        rows.append({"test": "DeLong (AUROC)", "A": delong.auc_a, "B": delong.auc_b,
                     "B - A": delong.difference, f"{pct} CI low": lo, f"{pct} CI high": hi,
                     "p-value": delong.pvalue})
    if mcnemar is not None:
        lo, hi = mcnemar.confidence_interval(level)
        at = "" if threshold is None else f" at {threshold:g}"
        rows.append({"test": f"McNemar ({mcnemar.method}, accuracy{at})", "A": mcnemar.accuracy_a,
                     "B": mcnemar.accuracy_b, "B - A": mcnemar.difference, f"{pct} CI low": lo,
                     f"{pct} CI high": hi, "p-value": mcnemar.pvalue})
    return pd.DataFrame(rows)


def model_comparison_figure(delong: DeLongResult | None = None, mcnemar: McNemarResult | None = None,
                            *, level: float = 0.95):
    """Each model's AUROC with its DeLong interval (left), and each difference B - A (right).

    Without ``delong`` only the difference panel is drawn.

    Returns
    -------
    matplotlib.figure.Figure
    """
    alpha = 1.0 - level
    diffs = []
    if delong is not None:
        diffs.append(("AUROC", delong.difference, *delong.confidence_interval(level), delong.pvalue))
    if mcnemar is not None:
        diffs.append(("accuracy", mcnemar.difference, *mcnemar.confidence_interval(level), mcnemar.pvalue))
    height = 0.9 + 0.5 * max(len(diffs), 2)
    if delong is not None:
        fig, (ax_auc, ax_diff) = new_figure(7.2, height, ncols=2)
        ci = delong.auc_intervals(level)
        est = np.array([delong.auc_a, delong.auc_b])
        low = np.array([ci["a"][0], ci["b"][0]])
        high = np.array([ci["a"][1], ci["b"][1]])
        _draw_rows(ax_auc, np.array([1, 0]), est, low, high, np.zeros(2, bool), None)
        ax_auc.set_yticks([1, 0], ["model A", "model B"])
        ax_auc.set_ylim(-0.7, 1.7)
        ax_auc.set_xlabel(f"AUROC ({level:.0%} DeLong interval)")
        ax_auc.set_title("each model", fontsize=10)
        ax_auc.grid(axis="x", alpha=0.3)
    else:
        fig, ax_diff = new_figure(5.0, height)
    ypos = np.arange(len(diffs))[::-1]
    _draw_rows(ax_diff, ypos, np.array([d[1] for d in diffs]), np.array([d[2] for d in diffs]),
               np.array([d[3] for d in diffs]), np.array([d[4] < alpha for d in diffs]), 0.0)
    ax_diff.set_yticks(ypos, [d[0] for d in diffs])
    ax_diff.set_ylim(-0.7, len(diffs) - 0.3)
    ax_diff.set_xlabel(f"B - A ({level:.0%} interval)")
    ax_diff.set_title("difference", fontsize=10)
    ax_diff.grid(axis="x", alpha=0.3)
    return fig


def roc_figure(delong: DeLongResult):
    """Both models' ROC curves (from ``delong.roc_a`` / ``roc_b``) with the chance diagonal.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, ax = new_figure(4.6, 4.2)
    ax.plot([0, 1], [0, 1], ls=":", color="0.6", lw=1, label="chance")
    for name, curve, auc, color in (("A", delong.roc_a, delong.auc_a, "C0"),
                                    ("B", delong.roc_b, delong.auc_b, "C3")):
        xy = np.asarray(curve, dtype=float)
        ax.plot(xy[:, 0], xy[:, 1], color=color, lw=1.6, label=f"model {name} (AUROC {auc:.4f})")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.005)
    ax.set_aspect("equal")
    ax.set_xlabel("false positive rate")
    ax.set_ylabel("true positive rate")
    ax.legend(loc="lower right", fontsize=8, frameon=False)
    ax.grid(alpha=0.3)
    return fig


def _verdict(difference: float, pvalue: float, alpha: float) -> str:
    if not pvalue < alpha:
        return "no significant difference"
    return "B better" if difference > 0 else "A better"


def models_chapter(delong: DeLongResult | None = None, mcnemar: McNemarResult | None = None, *,
                   threshold: float | None = None, level: float = 0.95, key: str = "experiment-models",
                   title: str | None = None) -> Chapter:
    """The chapter of a model comparison: DeLong's test of AUROCs and/or McNemar's of accuracy.

    Parameters
    ----------
    delong : DeLongResult, optional
    mcnemar : McNemarResult, optional
        At least one of the two.
    threshold : float, optional
        The score threshold the McNemar predictions came from (shown when given).
    level : float, default 0.95
        Level of the intervals; a difference is called significant at ``1 - level``.
    key, title : str

    Returns
    -------
    Chapter
    """
    if delong is None and mcnemar is None:
        raise InputError("give a DeLongResult, a McNemarResult or both")
    alpha = 1.0 - level
    chapter = Chapter(key, title or "Model comparison: is model B better than model A?")
    parts = []
    figures = {}
    if delong is not None:
        lo, hi = delong.confidence_interval(level)
        parts.append(f"DeLong's test compares the two AUROCs on the same {delong.n_positive:,} positive and "
                     f"{delong.n_negative:,} negative examples")
        figures.update({"AUROC A": delong.auc_a, "AUROC B": delong.auc_b, "AUROC B - A": delong.difference,
                        "DeLong p": delong.pvalue})
        chapter.note(f"AUROC A {delong.auc_a:.4f} vs B {delong.auc_b:.4f}: B - A {delong.difference:+.4f} "
                     f"[{lo:+.4f}, {hi:+.4f}], DeLong p = {_p(delong.pvalue)} "
                     f"({_verdict(delong.difference, delong.pvalue, alpha)})")
    if mcnemar is not None:
        lo, hi = mcnemar.confidence_interval(level)
        at = "" if threshold is None else f" at threshold {threshold:g}"
        parts.append(f"McNemar's test ({mcnemar.method}) compares the accuracies{at} on {mcnemar.n:,} examples "
                     f"from those only one model gets right ({mcnemar.only_a_correct:,} only A, "
                     f"{mcnemar.only_b_correct:,} only B)")
        figures.update({"accuracy A": mcnemar.accuracy_a, "accuracy B": mcnemar.accuracy_b,
                        "accuracy B - A": mcnemar.difference, "McNemar p": mcnemar.pvalue})
        chapter.note(f"accuracy{at} A {mcnemar.accuracy_a:.4f} vs B {mcnemar.accuracy_b:.4f}: B - A "
                     f"{mcnemar.difference:+.4f} [{lo:+.4f}, {hi:+.4f}], McNemar p = {_p(mcnemar.pvalue)} "
                     f"({_verdict(mcnemar.difference, mcnemar.pvalue, alpha)})")
    chapter.paragraph("; ".join(parts) + ". Every difference is model B (the candidate) minus model A "
                      f"(the incumbent), with a {level:.0%} interval.")
    chapter.metrics(figures)
    chapter.table(model_comparison_table(delong, mcnemar, level=level, threshold=threshold),
                  caption="Paired comparison on the same examples")
    chapter.figure(model_comparison_figure(delong, mcnemar, level=level),
                   caption="Left: each model's AUROC with its DeLong interval. Right: B - A with its "
                           "interval; a red row is significant, the dashed line is no difference."
                   if delong is not None else
                   "B - A with its interval; a red row is significant, the dashed line is no difference.")
    if delong is not None and len(delong.roc_a) > 1 and len(delong.roc_b) > 1:
        chapter.figure(roc_figure(delong), caption="ROC curves of both models on the same examples; the dotted "
                                                   "line is a model that ranks at random.")
    return chapter


# -- group-sequential looks -------------------------------------------------------


def sequential_figure(result: SequentialDesignResult | SequentialDecisionResult):
    """The efficacy boundaries against the information fraction (both sides for a two-sided
    plan), with the observed z statistics of a :class:`SequentialDecisionResult`."""
    fig, ax = new_figure(6.0, 3.4)
    t = np.asarray(result.information, dtype=float)
    bounds = np.asarray(result.boundaries, dtype=float)
    shown = np.isfinite(bounds)  # no boundary where no alpha is spent
    ax.plot(t[shown], bounds[shown], color=_ACCENT, marker="o", linewidth=1.5, label="efficacy boundary")
    if result.sides == 2:
        ax.plot(t[shown], -bounds[shown], color=_ACCENT, marker="o", linewidth=1.5, linestyle="--",
                label="lower boundary (treatment worse)")
    ax.axhline(0.0, color=_MUTED, linewidth=0.8)
    if isinstance(result, SequentialDecisionResult):
        ax.plot(t, result.z, color=_INK, marker="s", linewidth=1.2, label="observed z")
        if result.stopped_at is not None:
            k = result.stopped_at - 1
            ax.scatter([t[k]], [result.z[k]], s=120, facecolors="none", edgecolors=_INK, linewidths=1.5,
                       label=f"stopped at look {result.stopped_at}")
    ax.set_xlabel("information fraction")
    ax.set_ylabel("z statistic")
    ax.set_xlim(0, max(1.0, float(t[-1])) * 1.05)
    ax.grid(alpha=0.3)
    ax.legend(loc="best", fontsize=8)
    return fig


def sequential_chapter(result: SequentialDesignResult | SequentialDecisionResult, *,
                       key: str = "experiment-sequential", title: str | None = None) -> Chapter:
    """The chapter of a group-sequential plan (its boundaries) or of the decisions taken so far."""
    deciding = isinstance(result, SequentialDecisionResult)
    chapter = Chapter(key, title or ("Sequential decision" if deciding else "Sequential boundaries"))
    sided = "two-sided" if result.sides == 2 else "one-sided"
    plan = (f"{len(result.information)} look(s), {result.spending} alpha spending, overall alpha "
            f"{result.alpha:g} ({sided})")
    if deciding:
        if result.stopped_at is not None:
            headline = f"Stopped at look {result.stopped_at}: {result.decisions[result.stopped_at - 1]}"
        else:
            headline = f"No boundary crossed after {len(result.z)} look(s): {result.decisions[-1]}"
        sentence = f"{headline} ({plan})."
    else:
        sentence = (f"A plan of {plan}: the first boundary is z = {result.boundaries[0]:.3g}, the last "
                    f"z = {result.boundaries[-1]:.3g}.")
    chapter.note(sentence)
    last = float(result.information[-1])
    if last >= 1.0 or math.isclose(last, 1.0, rel_tol=1e-9):
        rate = ("Each boundary is recomputed for the information fractions of the looks, so the false-positive "
                "rate over all looks stays at alpha.")
    elif deciding:
        rate = (f"The looks so far reach information {last:.3g}; each boundary is recomputed for the information "
                "fractions of the looks, so the false-positive rate over all looks stays at alpha once the "
                "final look is taken at information 1.")
    else:
        rate = (f"The last look is at information {last:.3g}, before the final analysis at 1: the plan spends only "
                f"{float(result.cumulative_alpha[-1]):.3g} of alpha {result.alpha:g}.")
    chapter.paragraph(f"{sentence} {rate}")
    chapter.figure(sequential_figure(result),
                   caption="Efficacy boundaries against the information fraction" +
                           (" with the observed z statistics" if deciding else ""))
    chapter.table(result.to_frame(), caption="One row per look")
    return chapter


# -- one report of any experiment results ----------------------------------------

_SUPPORTED = (AnalysisResult, PowerResult, PowerCurveResult, DeLongResult, McNemarResult,
              SequentialDesignResult, SequentialDecisionResult)
_SUPPORTED_NAMES = ("AnalysisResult, PowerResult, PowerCurveResult, DeLongResult, McNemarResult, "
                    "SequentialDesignResult or SequentialDecisionResult")


def _as_list(result) -> list:
    if isinstance(result, _SUPPORTED):
        return [result]
    if isinstance(result, list | tuple):
        items = list(result)
        if not items:
            raise InputError("`result` is an empty list; give at least one result to report")
        for i, item in enumerate(items):
            if not isinstance(item, _SUPPORTED):
                raise InputError(f"`result[{i}]` must be an {_SUPPORTED_NAMES}, got {type(item).__name__}")
        return items
    raise InputError(f"`result` must be an {_SUPPORTED_NAMES} (or a list of them), got {type(result).__name__}")


def report_chapters(results) -> list[Chapter]:
    """One chapter per result (see :func:`write_report` for the rules), keys made unique."""
    items = _as_list(results)
    chapters = []
    i = 0
    while i < len(items):
        item = items[i]
        nxt = items[i + 1] if i + 1 < len(items) else None
        if isinstance(item, AnalysisResult):
            chapters.append(analysis_chapter(item))
        elif isinstance(item, PowerResult):
            chapters.append(power_chapter(item, _design_curves(item)))
        elif isinstance(item, PowerCurveResult):
            chapters.append(power_chapter(item.design, [item]))
        elif isinstance(item, DeLongResult) and isinstance(nxt, McNemarResult):
            chapters.append(models_chapter(item, nxt))
            i += 1
        elif isinstance(item, McNemarResult) and isinstance(nxt, DeLongResult):
            chapters.append(models_chapter(nxt, item))
            i += 1
        elif isinstance(item, DeLongResult):
            chapters.append(models_chapter(delong=item))
        elif isinstance(item, SequentialDesignResult | SequentialDecisionResult):
            chapters.append(sequential_chapter(item))
        else:
            chapters.append(models_chapter(mcnemar=item))
        i += 1
    seen: dict[str, int] = {}
    for chapter in chapters:
        count = seen[chapter.key] = seen.get(chapter.key, 0) + 1
        if count > 1:
            chapter.key = f"{chapter.key}-{count}"
    return chapters


def write_report(result, path: str | os.PathLike, *, title: str | None = None) -> Path:
    """Write an HTML report of experiment results: A/B analyses, sample sizes, model comparisons,
    sequential plans and decisions.

    Each result becomes one chapter, chosen by its type:

    * :class:`AnalysisResult` (from :func:`analyze`): a forest plot of the relative lift of every
      (metric, treatment arm) with its interval, the comparisons with raw and adjusted p-values,
      the sample-ratio-mismatch check and, with a covariate, the CUPED variance reduction;
    * :class:`PowerResult` (from :func:`power_proportions` or :func:`power_means`): the design
      and its power against the control-arm size (and against the effect), with the design's
      power and size marked. A ``PowerResult`` holds every design input, so the curves are
      computed from it; pass a :class:`PowerCurveResult` from :func:`power_curve` instead to
      choose the grid yourself;
    * :class:`DeLongResult` and :class:`McNemarResult` (from :func:`delong_test`,
      :func:`mcnemar_test`): the two models' AUROCs and accuracies, each difference B - A with
      its 95% interval and p-value, a figure of both and (from a ``DeLongResult``) both ROC
      curves. A ``DeLongResult`` directly followed
      by a ``McNemarResult`` (or the other way round) in the list share one chapter;
    * :class:`SequentialDesignResult` and :class:`SequentialDecisionResult` (from
      :func:`sequential_boundaries`, :func:`sequential_decision`): the boundaries against the
      information fraction (with the observed z statistics of a decision) and one row per look.

    Parameters
    ----------
    result : result object or list of them
        One of the result types above, or a list (or tuple) of them, reported in order.
    path : str or path-like
        A folder (``index.html`` is written inside, the folder is created if needed) or a file
        name ending in ``.html``.
    title : str, optional
        Title of the report; default ``"scimlkit experiment report"``.

    Returns
    -------
    pathlib.Path
        The HTML file written.

    Raises
    ------
    InputError
        For an object of another type, an empty list, or a ``path`` that cannot be written
        (an existing file given as a folder, a folder inside a file, a read-only folder).

    Examples
    --------
    >>> import tempfile
    >>> import numpy as np, pandas as pd
    >>> from scimlkit.experiment import analyze, power_proportions, write_report
    >>> gen = np.random.default_rng(7)
    >>> arm = gen.choice(["control", "B"], size=4000)
    >>> converted = (gen.random(4000) < np.where(arm == "B", 0.12, 0.10)).astype(int)
    >>> res = analyze(pd.DataFrame({"arm": arm, "converted": converted}), group="arm",
    ...               metric="converted")
    >>> design = power_proportions(0.10, mde=0.02, power=0.8)
    >>> out = write_report([res, design], tempfile.mkdtemp(), title="Checkout test")
    >>> out.name
    'index.html'
    >>> html = out.read_text(encoding="utf-8")
    >>> "Sample ratio check" in html and "Power against the sample size" in html
    True
    """
    from .._report import check_report_path, save_report

    items = _as_list(result)
    if title is not None and not isinstance(title, str):
        raise InputError(f"`title` must be a string, got {type(title).__name__}")
    target = check_report_path(path)  # before any figure is drawn
    return save_report(report_chapters(items), target, title=title or "scimlkit experiment report")
