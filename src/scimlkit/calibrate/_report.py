"""Report chapter of the calibrate module: reliability diagrams, calibration metrics and
threshold curves, and :func:`write_report`, the HTML report of a user's own scores.

Compute first, render second: :func:`report_data` computes everything the report shows into a
:class:`CalibrationReportData`; :func:`report_chapter` draws it, reusing the sections of
:func:`calibration_chapter` (which the demo chapter uses as well); :func:`write_report` checks
its inputs, does both and writes the file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .._errors import InputError
from .._report import Chapter, new_figure
from .._validation import check_int, check_option, check_rng, describe
from ._auto import resolve_score_kind
from ._metrics import ReliabilityResult
from ._threshold import ThresholdResult

__all__ = [
    "reliability_strategy",
    "reliability_figure",
    "threshold_figure",
    "calibration_chapter",
    "CalibrationReportData",
    "metrics_row",
    "metrics_rows",
    "report_data",
    "report_chapter",
    "write_report",
]

#: How ECE and MCE are computed in the metrics tables (the same as `scimlkit calibrate fit`).
_TABLE_BINS = 15

_CRITERIA = {"log_loss": "log-loss", "brier": "Brier score", "ece": "ECE"}


# -- figures --------------------------------------------------------------------------------

def _axis_top(rel: ReliabilityResult) -> float:
    """The upper end of both axes of a reliability diagram: 1, or, when every point and band
    lies below 0.5 (rare positives, probabilities near 0), a little above the largest, so
    that the diagram is not a dot in a corner of the unit square."""
    used = rel.count > 0
    shown = np.concatenate([rel.mean_predicted[used], rel.observed[used], rel.band_high[used]])
    shown = shown[np.isfinite(shown)]
    top = float(shown.max()) if shown.size else 1.0
    return 1.0 if top >= 0.5 else max(1.1 * top, 1e-6)


def _shared_top(*rels: ReliabilityResult | None) -> float:
    """One upper end for the axes of diagrams drawn side by side (the widest one's), so that
    they are drawn on one scale."""
    return max(_axis_top(r) for r in rels if r is not None)


def _draw_reliability(ax, rel: ReliabilityResult, title: str, top: float) -> None:
    ax.plot([0, 1], [0, 1], color="0.6", lw=1, ls="--", label="perfect calibration")
    used = rel.count > 0
    x = rel.mean_predicted[used]
    band = used & np.isfinite(rel.band_low)
    if band.any():
        ax.fill_between(rel.mean_predicted[band], rel.band_low[band], rel.band_high[band],
                        color="tab:blue", alpha=0.2, lw=0,
                        label=f"{rel.level:.0%} band (bootstrap, {rel.n_boot} resamples; at least Jeffreys)")
    ax.plot(x, rel.observed[used], "o-", color="tab:blue", ms=4, label="observed frequency")
    ax.set_xlim(0, top)
    ax.set_ylim(-0.02 * top, 1.02 * top)
    ax.set_xlabel("mean predicted probability (bin)")
    ax.set_ylabel("fraction of positives")
    ax.set_title(f"{title} (ECE {rel.ece:.3f})", fontsize=10)
    ax.legend(loc="upper left", fontsize=7, frameon=False)


def reliability_figure(before: ReliabilityResult, after: ReliabilityResult | None = None, *,
                       titles: tuple[str, str] = ("before calibration", "after calibration")):
    """Two reliability diagrams side by side, each with its bootstrap band (one diagram, titled
    ``titles[0]``, when ``after`` is None). Both share one scale: the unit square, or when
    every point and band lies below 0.5, a square ending a little above the largest."""
    top = _shared_top(before, after)
    if after is None:
        fig, ax = new_figure(4.8, 4.0)
        _draw_reliability(ax, before, titles[0], top)
        return fig
    fig, axes = new_figure(9.0, 4.0, ncols=2)
    _draw_reliability(axes[0], before, titles[0], top)
    _draw_reliability(axes[1], after, titles[1], top)
    return fig


def threshold_figure(result: ThresholdResult, *, marks: dict[str, float] | None = None,
                     max_points: int = 4000):
    """The objective against the threshold, with the optimum (and optional other thresholds)
    marked.

    The curve is a step function of ``t``: the value at the distinct score ``d_j`` holds for
    every ``t`` in ``(d_{j-1}, d_j]`` (those thresholds make the same predictions), the lowest
    value for every ``t <= d_0`` and that of predicting nothing positive (dotted) above the
    largest score, so the marked optimum lies on the curve.
    """
    fig, ax = new_figure(7.0, 3.6)
    frame = result.to_frame(max_points=max_points)
    frame = frame[np.isfinite(frame["threshold"])]
    # the rule is "score >= t": the value at distinct score d_j holds for t in (d_{j-1}, d_j],
    # so each value is drawn to the left of its score ("pre"), and the lowest one also a
    # little below the lowest score (every t <= d_0 predicts everything positive)
    x, v = frame["threshold"].to_numpy(), frame["value"].to_numpy()
    if x.size:
        span = float(x[-1] - x[0]) or max(1.0, abs(float(x[0])))
        x, v = np.r_[x[0] - 0.02 * span, x], np.r_[v[0], v]
    ax.step(x, v, where="pre", color="tab:blue", lw=1.2, label=result.objective)
    best_x = result.thresholds[result.cut_index]
    if np.isfinite(best_x):
        ax.axvline(result.threshold, color="tab:red", lw=1, ls="--")
        ax.plot([result.threshold], [result.value], "o", color="tab:red",
                label=f"exact optimum {result.value:.4f} at t = {result.threshold:.4g}")
    for i, (name, (t, v)) in enumerate((marks or {}).items()):
        ax.plot([t], [v], "s^Dv"[i % 4], ms=6, label=f"{name}: {v:.4f} at t = {t:.4g}")
    if len(frame) and np.isfinite(result.values[-1]):
        # above the largest score nothing is predicted positive
        right = max([float(frame["threshold"].max())] + [t for t, _ in (marks or {}).values()])
        span = right - float(frame["threshold"].min())
        ax.hlines(result.values[-1], float(frame["threshold"].max()), right + 0.02 * span,
                  color="tab:blue", lw=1.2, ls=":")
    ax.set_xlabel("threshold t (score >= t predicts 1)")
    ax.set_ylabel(result.objective)
    ax.legend(fontsize=7, frameon=False, loc="lower center")
    return fig


# -- chapter sections (shared by the demo chapter and the report of a user's scores) --------

_CANDIDATES_CAPTION = ("Candidate methods, cross-validated on the out-of-fold scores (the smallest log-loss "
                       "wins; among candidates within one standard error of it ('tied'), the smallest ECE; "
                       "a candidate whose fit was 'degenerate' on some fold, and the step maps on scores "
                       "that separate the classes, are set aside).")


def _calibration_section(ch: Chapter, *, before: ReliabilityResult, after: ReliabilityResult | None,
                         metrics: dict | None, metrics_table, metrics_caption: str | None,
                         titles: tuple[str, str], reliability_caption: str, method_scores,
                         candidates_caption: str) -> None:
    ch.heading("Calibration")
    if metrics:
        ch.metrics(metrics)
    ch.figure(reliability_figure(before, after, titles=titles), caption=reliability_caption)
    if metrics_table is not None:
        ch.table(metrics_table, caption=metrics_caption)
    if method_scores is not None:
        ch.table(method_scores, caption=candidates_caption)


def _threshold_section(ch: Chapter, threshold: ThresholdResult, *,
                       marks: dict[str, tuple[float, float]] | None, caption: str) -> None:
    ch.heading("Decision threshold")
    ch.figure(threshold_figure(threshold, marks=marks), caption=caption)


def calibration_chapter(*, before: ReliabilityResult, after: ReliabilityResult | None,
                        metrics: dict | None, method: str | None, method_scores=None,
                        threshold: ThresholdResult | None = None,
                        threshold_marks: dict[str, tuple[float, float]] | None = None,
                        intro: str | None = None, chapter: Chapter | None = None,
                        metrics_table=None, metrics_caption: str | None = None,
                        reliability_caption: str | None = None,
                        candidates_caption: str | None = None,
                        threshold_caption: str | None = None) -> Chapter:
    """Assemble the calibrate chapter from computed results.

    The defaults describe held-out probabilities scored by a calibrator chosen by
    cross-validation (the demo); the captions can be replaced to say where the data come from.
    """
    ch = chapter if chapter is not None else Chapter("calibrate", "Calibration and decision thresholds")
    if intro:
        ch.paragraph(intro)
    _calibration_section(
        ch, before=before, after=after, metrics=metrics, metrics_table=metrics_table,
        metrics_caption=metrics_caption,
        titles=("before calibration", f"after '{method}'") if after is not None else ("raw scores", ""),
        reliability_caption=reliability_caption or (
            "Reliability diagrams on held-out data: observed frequency of positives against the mean "
            "predicted probability per bin, with a band for each bin's frequency (bootstrap, widened to the "
            "Jeffreys interval where that is wider, so that bins of few samples keep an honest width)."),
        method_scores=method_scores, candidates_caption=candidates_caption or _CANDIDATES_CAPTION)
    if threshold is not None:
        _threshold_section(ch, threshold, marks=threshold_marks, caption=threshold_caption or (
            f"{threshold.objective} at every distinct score; the exact optimum is marked."))
    return ch


# -- compute: the data of the report of a user's own scores ---------------------------------

@dataclass(frozen=True, slots=True)
class CalibrationReportData:
    """Everything :func:`report_chapter` draws, computed by :func:`report_data`.

    ``calibration`` says where the calibrated probabilities come from: ``"none"`` (raw scores
    only), ``"fitted"`` (a calibrator fitted on these same samples: in-sample) or ``"given"``
    (a calibrator fitted beforehand, applied to these samples). ``before`` is None when the raw
    scores are not shown as probabilities.
    """

    n: int
    n_positive: int
    score_kind: str
    calibration: str
    method: str | None
    before: ReliabilityResult | None
    after: ReliabilityResult | None
    metrics: list[dict[str, Any]]
    method_scores: Any
    selection: str | None
    tie_break: str | None
    threshold: ThresholdResult | None
    threshold_on: str
    weighted: bool = False
    #: equal-mass bins chosen by ``strategy="auto"`` (equal-width ones would be mostly empty)
    switched_binning: bool = False


def metrics_row(name: str, y, p, sample_weight=None) -> dict[str, Any]:
    """Log-loss, Brier score, ECE and MCE (top-label, 15 equal-width bins) of probabilities,
    weighted by ``sample_weight`` when given."""
    from ._metrics import brier_score, calibration_error, log_loss

    w = sample_weight
    ce = calibration_error(y, p, n_bins=_TABLE_BINS, sample_weight=w)
    return {"probabilities": name, "log_loss": log_loss(y, p, sample_weight=w),
            "brier": brier_score(y, p, sample_weight=w), "ece": ce.ece, "mce": ce.mce}


def metrics_rows(y, before, after=None, *, score_kind: str, method: str | None = None,
                 in_sample: bool = False, sample_weight=None) -> list[dict[str, Any]]:
    """The before / after rows of `scimlkit calibrate fit` and of the report's metrics table."""
    raw = "raw" if score_kind == "probability" else "raw, logistic"
    if after is None:
        return [metrics_row(raw, y, before, sample_weight)]
    return [metrics_row(f"before ({raw})", y, before, sample_weight),
            metrics_row(f"after ({method}{', in-sample' if in_sample else ''})", y, after, sample_weight)]


def reliability_strategy(p: np.ndarray, n_bins: int, strategy: str = "auto", sample_weight=None) -> str:
    """The binning of the report's reliability diagrams: ``strategy`` itself, or for
    ``"auto"`` equal-width bins (``"uniform"``) unless the probabilities ``p`` (rows of
    positive weight) leave more than half of the ``n_bins`` equal-width bins empty, as when
    they crowd near 0 on rare positives; then equal-mass bins (``"quantile"``), which
    spread the samples over all the bins."""
    from ._metrics import _bin_index

    strategy = check_option(strategy, "strategy", ("auto", "uniform", "quantile"))
    if strategy != "auto":
        return strategy
    kept = p if sample_weight is None else p[np.asarray(sample_weight) > 0]
    idx, _ = _bin_index(kept, n_bins, "uniform")
    return "uniform" if 2 * np.unique(idx).size >= n_bins else "quantile"


def report_data(y: np.ndarray, s: np.ndarray, *, calibrator=None, in_sample: bool = False,
                score_kind: str = "auto", objective: str | None = "f1", objective_params=None,
                placement: str = "midpoint", raw_reliability: bool = True, n_bins: int = 10,
                n_boot: int = 200, rng=None, sample_weight=None,
                strategy: str = "auto") -> CalibrationReportData:
    """Compute the report of checked labels ``y`` and scores ``s``.

    ``calibrator`` is None or fitted; ``in_sample`` says it was fitted on these samples. The
    threshold is computed on the calibrated probabilities when there is a calibrator, else on
    the scores as given. ``raw_reliability=False`` leaves out the calibration section when no
    calibrator is given. ``sample_weight`` (checked, or None) weights the diagrams, the metrics
    and the threshold's confusion matrices. ``strategy`` bins the reliability diagrams (see
    :func:`reliability_strategy`).
    """
    from ._base import to_probability
    from ._metrics import reliability_diagram
    from ._threshold import best_threshold

    gen = check_rng(rng)
    kind = resolve_score_kind(s, score_kind, getattr(calibrator, "score_kind_", None))
    raw = s if kind == "probability" else to_probability(s)
    method = after_p = None
    if calibrator is not None:
        method = str(getattr(calibrator, "method_", type(calibrator).__name__))
        after_p = _calibrated(calibrator, s)
    before = after = None
    switched = False
    rows: list[dict[str, Any]] = []
    if calibrator is not None or raw_reliability:
        switched = strategy == "auto"
        strategy = reliability_strategy(raw, n_bins, strategy, sample_weight)
        switched = switched and strategy == "quantile"
        before = reliability_diagram(y, raw, n_bins=n_bins, strategy=strategy, n_boot=n_boot, rng=gen,
                                     sample_weight=sample_weight)
        if after_p is not None:
            after = reliability_diagram(y, after_p, n_bins=n_bins, strategy=strategy, n_boot=n_boot, rng=gen,
                                        sample_weight=sample_weight)
        rows = metrics_rows(y, raw, after_p, score_kind=kind, method=method, in_sample=in_sample,
                            sample_weight=sample_weight)
    threshold = None
    if objective is not None:
        threshold = best_threshold(y, s if after_p is None else after_p, objective, placement=placement,
                                   sample_weight=sample_weight, **(objective_params or {}))
    table = getattr(calibrator, "method_scores_", None)
    return CalibrationReportData(
        n=int(y.size), n_positive=int(np.count_nonzero(y)), score_kind=kind,
        calibration="none" if calibrator is None else ("fitted" if in_sample else "given"),
        method=method, before=before, after=after, metrics=rows,
        method_scores=None if table is None else table.copy(),
        selection=getattr(calibrator, "selection", None) if table is not None else None,
        tie_break=getattr(calibrator, "tie_break", None) if table is not None else None,
        threshold=threshold,
        threshold_on="scores" if after_p is None else "calibrated probabilities",
        weighted=sample_weight is not None, switched_binning=switched)


# -- render: the chapter of a user's own scores ---------------------------------------------

def _reliability_caption(d: CalibrationReportData) -> str:
    rel = d.before
    bins = int(np.count_nonzero(rel.count)) if rel is not None else 0
    if rel.strategy == "quantile":
        filled = rel.count[rel.count > 0]
        unit = "weight" if d.weighted else "samples"

        def amount(x):
            return f"{x:,.0f}" if x >= 100 else f"{x:.3g}"

        if not filled.size:
            size = f"no {unit}"
        elif amount(filled.min()) == amount(filled.max()):
            size = f"{amount(filled.min())} {unit} each"
        else:
            size = f"{amount(filled.min())} to {amount(filled.max())} {unit} each"
            if not d.weighted and filled.max() - filled.min() > 1:  # more than an uneven split
                size += ", tied scores sharing a bin"
        binning = (f"equal-mass bins of the probabilities each diagram shows ({rel.bin_lower.size} before "
                   f"calibration, {size}"
                   + ("; equal-width bins over [0, 1] would leave more than half of them empty here)"
                      if d.switched_binning else ")"))
    else:
        binning = f"{rel.bin_lower.size} equal-width bins ({bins} not empty)"
    text = f"Observed frequency of positives against the mean predicted probability, {binning}"
    top = _shared_top(d.before, d.after)
    if top < 1.0:
        text += (f"; every point and band lies below 0.5, so the axes end at {top:.3g}, just above the "
                 f"largest{', the same in both diagrams' if d.after is not None else ''}")
    text += (f", with a {rel.level:.0%} band for each bin's frequency: the bootstrap percentile band "
             f"({rel.n_boot} resamples of the {d.n} samples), widened to the Jeffreys interval of the bin's "
             "k positives of m samples where that is wider (a bin of one or a few samples gets an honest width "
             "instead of a band that the bootstrap shrinks to a point). Each band holds one bin's true frequency "
             f"with probability about {rel.level:.0%}, one bin at a time: with several bins, a band or two that "
             "misses the diagonal is expected even for calibrated forecasts. " if rel.n_boot else ". ")
    if d.score_kind == "probability":
        text += "The raw scores are read as probabilities. "
    else:
        text += ("The raw scores are decision values, shown as probabilities through the logistic "
                 "function 1 / (1 + exp(-score)). ")
    if d.calibration == "fitted":
        text += (f"The '{d.method}' calibrator was fitted on these same {d.n} samples, so the right-hand "
                 "diagram and the 'after' row of the table are in-sample and flatter it (the step-shaped "
                 "methods, isotonic and histogram, most of all)"
                 + ("; the candidate table gives cross-validated figures" if d.method_scores is not None else "")
                 + ". For a held-out check, apply the calibrator to scores it has not seen.")
    elif d.calibration == "given":
        text += (f"The given '{d.method}' calibrator was applied to these scores: a held-out check if it was "
                 "fitted on other data; if it saw these scores, the right-hand diagram and the 'after' row "
                 "are in-sample and optimistic.")
    else:
        text += "No calibrator was applied."
    return text


def _metrics_caption(d: CalibrationReportData) -> str:
    text = (f"Log-loss, Brier score, and expected / maximum calibration error (ECE / MCE: top-label, "
            f"{_TABLE_BINS} equal-width bins) on these {d.n} samples; lower is better. The ECE in the diagram "
            "titles is that of class 1 over the diagram's bins. A binned ECE is biased upward when bins hold "
            "few samples: calibrated forecasts score above 0 by chance (calibration_error's "
            "ece_if_calibrated gives that level for given data).")
    if d.calibration == "fitted":
        text += " 'in-sample': the calibrator was fitted on these samples."
    return text


def _candidates_caption(d: CalibrationReportData) -> str:
    where = ("these scores" if d.calibration == "fitted"
             else "the scores the calibrator was fitted on, not necessarily these")
    selection = _CRITERIA.get(d.selection or "log_loss", str(d.selection))
    text = f"Candidate methods, scored by cross-validation (pooled out-of-fold probabilities) on {where}: "
    aside = (" A candidate whose fit was 'degenerate' on some fold (temperature scaling of logits that "
             "separate the classes at 0 falls back on smoothed targets), and the step maps (isotonic, "
             "histogram) on scores that separate the classes, where the cross-validated log-loss rewards "
             "the steepest map, are set aside unless all are.")
    if d.tie_break is None or d.selection == "ece":
        return text + f"the smallest {selection} wins." + aside
    tie_break = _CRITERIA.get(d.tie_break, str(d.tie_break))
    return text + (f"the smallest {selection} wins, except that among the candidates within one standard "
                   f"error of it ('tied') the smallest {tie_break} is chosen.") + aside


def _threshold_caption(d: CalibrationReportData) -> str:
    res = d.threshold
    params = ", ".join(f"{k} = {v:g}" for k, v in res.params.items())
    what = "calibrated probability" if d.threshold_on == "calibrated probabilities" else "score"
    text = (f"{res.objective}{f' ({params})' if params else ''} of the rule 'score >= t' at every distinct "
            f"{what} ({res.n_candidates - 1} of them, and the cut that predicts nothing positive); "
            "the exact optimum is marked. ")
    if d.threshold_on == "calibrated probabilities":
        text += "The threshold applies to the calibrator's probabilities. "
    return text + ("It is the best cut on these samples, so its value here is optimistic for new data; "
                   "check it on held-out scores.")


def _summary_lines(d: CalibrationReportData) -> list[str]:
    lines = []
    if d.after is not None:
        before, after = d.metrics
        where = {"fitted": "fitted on these samples, in-sample", "given": "given calibrator"}[d.calibration]
        lines.append(f"'{d.method}' ({where}): log-loss {before['log_loss']:.4f} -> {after['log_loss']:.4f}, "
                     f"Brier {before['brier']:.4f} -> {after['brier']:.4f}, "
                     f"ECE {before['ece']:.3f} -> {after['ece']:.3f}")
    elif d.metrics:
        (row,) = d.metrics
        shown = "raw scores" + (" (through the logistic function)" if d.score_kind == "logit" else "")
        lines.append(f"{shown}: log-loss {row['log_loss']:.4f}, "
                     f"Brier {row['brier']:.4f}, ECE {row['ece']:.3f}")
    if d.threshold is not None:
        res = d.threshold
        lines.append(f"best {res.objective}: {res.value:.4f} at t = {res.threshold:.4g} on the {d.threshold_on} "
                     f"(precision {res.precision:.3f}, recall {res.recall:.3f})")
    return lines


def _weighted_parts(d: CalibrationReportData) -> str:
    """What the sample weights weigh in the report: the sections it has."""
    parts = (["diagrams", "metrics"] if d.before is not None else []) + (["threshold"] if d.threshold is not None else [])
    text = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return text[:1].upper() + text[1:]


def report_chapter(data: CalibrationReportData, *, key: str = "calibrate") -> Chapter:
    """Draw the report of a user's scores from :func:`report_data`'s results."""
    d = data
    if d.before is not None:
        title = "Calibration and decision threshold" if d.threshold is not None else "Probability calibration"
    else:
        title = f"Decision threshold ({d.threshold.objective})" if d.threshold is not None else "Calibration"
    ch = Chapter(key, title)
    for line in _summary_lines(d):
        ch.note(line)
    calibrator = {"none": "none", "fitted": f"{d.method}, fitted here (in-sample)",
                  "given": f"{d.method} (given)"}[d.calibration]
    ch.paragraph(f"{d.n} samples, {d.n_positive} positive ({d.n_positive / d.n:.1%}); scores read as "
                 f"{'probabilities' if d.score_kind == 'probability' else 'decision values'}; "
                 f"calibrator: {calibrator}."
                 + (f" {_weighted_parts(d)} weighted by the sample weights." if d.weighted else ""))
    if d.before is not None:
        _calibration_section(
            ch, before=d.before, after=d.after, metrics=None, metrics_table=d.metrics,
            metrics_caption=_metrics_caption(d),
            titles=("raw scores" if d.after is None else "before calibration",
                    f"after '{d.method}'" + (" (in-sample)" if d.calibration == "fitted" else "")),
            reliability_caption=_reliability_caption(d), method_scores=d.method_scores,
            candidates_caption=_candidates_caption(d) if d.method_scores is not None else "")
    if d.threshold is not None:
        _threshold_section(ch, d.threshold, marks=None, caption=_threshold_caption(d))
        summary = d.threshold.summary()
        summary.pop("n_candidates")
        ch.table([summary], caption=f"The optimum on the {d.threshold_on} ({d.threshold.placement} placement: "
                                    "see best_threshold).")
    return ch


# -- the public entry point -----------------------------------------------------------------

def write_report(y_true, y_score, path, *, calibrator="auto", objective: str | None = "f1",
                 score_kind: str = "auto", placement: str = "midpoint", n_bins: int = 10,
                 strategy: str = "auto", n_boot: int = 200, title: str | None = None, rng=None,
                 sample_weight=None, pos_label=None, **objective_params) -> Path:
    """Write the HTML calibration report of your own scores and labels.

    The report holds a reliability diagram of the raw scores (next to that of the calibrated
    probabilities when there is a calibrator), a table of log-loss, Brier score, ECE and MCE
    before and after, the cross-validated candidate methods when the calibrator chose among
    them, and the curve of a threshold ``objective`` against the threshold with its exact
    optimum (:func:`best_threshold`). Captions say whether the "after" figures are in-sample.

    Parameters
    ----------
    y_true : array-like of shape (n,)
        0/1 labels (booleans accepted), both classes present; or any two labels with
        ``pos_label``.
    y_score : array-like of shape (n,)
        Finite scores (probabilities or decision values) of the positive class: the report is
        of binary scores, one per sample.
    path : str or path-like
        A folder (``index.html`` is written inside) or a file name ending in ``.html``. It is
        checked before any work is done.
    calibrator : str, fitted calibrator or None, default="auto"
        ``"auto"`` or a method name (see :data:`METHODS`): a :class:`ScoreCalibrator` of that
        method is fitted on these very samples, so the "after" figures are **in-sample** and
        optimistic (the report says so; ``"auto"`` also shows the cross-validated candidate
        table, which is not). A fitted calibrator (one with ``transform``, such as a fitted
        :class:`ScoreCalibrator` or :class:`PlattCalibrator`) is applied to ``y_score`` as
        given: fit it on other data and this report is a held-out check. ``None``: no
        calibration, the raw scores alone.
    objective : str or None, default="f1"
        The objective of the threshold curve (see :func:`best_threshold`), computed on the
        calibrated probabilities when there is a calibrator, else on ``y_score``. ``None``
        leaves the threshold section out.
    score_kind : {"auto", "logit", "probability"}, default="auto"
        What the scores are. Decision values are shown as probabilities through the logistic
        function (as ``scimlkit calibrate fit`` does). ``"auto"`` takes the reading of a
        fitted :class:`ScoreCalibrator`, else treats scores all within [0, 1] as
        probabilities.
    placement : {"midpoint", "score"}, default="midpoint"
        Where the optimal threshold is placed (see :func:`best_threshold`).
    n_bins : int, default=10
        Bins of the reliability diagrams.
    strategy : {"auto", "uniform", "quantile"}, default="auto"
        Equal-width bins over [0, 1] (``"uniform"``) or equal-mass bins (``"quantile"``) for
        the reliability diagrams. ``"auto"``: equal-width, unless the raw probabilities leave
        more than half of those bins empty (scores crowded together, as near 0 on rare positives), where
        equal-mass bins show the diagram that equal-width bins would reduce to a point or two.
    n_boot : int, default=200
        Bootstrap resamples for the bands of the reliability diagrams (0: no bands).
    title : str, optional
        The report's title (default: "scimlkit calibration report").
    rng : None, int or numpy.random.Generator
        Seeds the bootstrap bands and, for a calibrator fitted here, its fold shuffling: the
        same seed writes the same numbers.
    sample_weight : array-like of shape (n,), optional
        Non-negative weights (a weight of ``k`` counts like the row repeated ``k`` times; both
        classes need positive weight). A calibrator fitted here is fitted with them, and the
        reliability diagrams, the metrics table and the threshold curve are weighted.
    pos_label : label, optional
        The positive class when ``y_true`` holds two labels other than 0/1 (such as
        ``"spam"`` and ``"ham"``); ``y_score`` scores that class (as ``best_threshold``).
    **objective_params
        Parameters of ``objective``: ``beta``, ``min_recall``, ``min_precision``, ``cost_fp``,
        ``cost_fn``, ``cost_tp``, ``cost_tn``, ``gain_tp``, ``gain_tn``.

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    InputError
        For an output location that cannot be written, bad labels or scores, an unknown
        method or objective, an unfitted calibrator, or parameters the objective does not take.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from scimlkit.calibrate import PlattCalibrator, write_report
    >>> rng = np.random.default_rng(0)
    >>> s = rng.normal(size=600)
    >>> y = (rng.random(600) < 1 / (1 + np.exp(-3 * s))).astype(int)

    Fit a calibrator on these scores (in-sample) and see the candidates it weighed:

    >>> path = write_report(y, s, tempfile.mkdtemp(), n_boot=50, rng=0)
    >>> path.name, "Candidate methods" in path.read_text()
    ('index.html', True)

    A held-out check: fit on one half, report on the other, with the F2 threshold:

    >>> cal = PlattCalibrator().fit(s[:300], y[:300])
    >>> out = os.path.join(tempfile.mkdtemp(), "held-out.html")
    >>> path = write_report(y[300:], s[300:], out, calibrator=cal, objective="fbeta", beta=2, rng=0)
    >>> html = path.read_text()
    >>> "held-out check" in html, html.count("<svg")
    (True, 2)
    """
    from .._report import check_report_path, save_report
    from ._auto import METHODS, ScoreCalibrator
    from ._base import check_labels, check_scores, check_weights
    from ._threshold import OBJECTIVES, _binary_of, _check_params

    # -- check everything before any work ----------------------------------------------------
    if not isinstance(path, str | os.PathLike):
        raise InputError(f"`path` must be a folder or a .html file name (str or path-like), got {describe(path)}")
    try:
        target = check_report_path(path)
    except InputError as exc:
        raise InputError(f"`path`: {exc}") from None
    if title is not None and not isinstance(title, str):
        raise InputError(f"`title` must be a string, got {describe(title)}")
    if objective is None:
        given = sorted(k for k, v in objective_params.items() if v is not None)
        if given:
            raise InputError(f"`{given[0]}` is a parameter of the threshold objective, but `objective` is None")
        params = None
    else:
        objective = check_option(objective, "objective", OBJECTIVES)
        params = _check_params(objective, objective_params)
    placement = check_option(placement, "placement", ("midpoint", "score"))
    n_bins = check_int(n_bins, "n_bins", low=1)
    strategy = check_option(strategy, "strategy", ("auto", "uniform", "quantile"))
    n_boot = check_int(n_boot, "n_boot", low=0)
    gen = check_rng(rng)
    if np.ndim(y_score) == 2 and np.shape(y_score)[1] > 1:
        raise InputError(f"`y_score` must hold one score per sample (of the positive class), got shape "
                         f"{np.shape(y_score)}: the report is of binary scores; for more classes, report one "
                         "class's column against 0/1 labels of that class")
    s = check_scores(y_score, "y_score")
    y = check_labels(_binary_of(y_true, pos_label), "y_true")
    if y.shape[0] != s.shape[0]:
        raise InputError(f"`y_true` and `y_score` must have the same length, got {y.shape[0]} and {s.shape[0]}")
    w = check_weights(sample_weight, y.shape[0], y)
    fit_here = isinstance(calibrator, str)
    if fit_here:
        method = check_option(calibrator, "calibrator", ("auto", *METHODS))
        kept = y if w is None else y[w > 0]  # a weight of 0 leaves the row out
        counts = [int(np.count_nonzero(kept == c)) for c in (0, 1)]
        smaller = min(counts)
        if method == "auto" and smaller < 2:
            label = counts.index(smaller)
            zero = int(np.count_nonzero(y == label)) - smaller
            what = "samples" if w is None else "samples with positive weight"
            raise InputError(f"calibrator='auto' needs at least 2 {what} of each class in `y_true`, got {smaller} "
                             f"of class {label}" + (f" ({zero} more of zero weight)" if zero else ""))
        kind = resolve_score_kind(s, score_kind)
    elif calibrator is not None:
        _check_fitted_calibrator(calibrator)
        kind = resolve_score_kind(s, score_kind, getattr(calibrator, "score_kind_", None))
    else:
        kind = resolve_score_kind(s, score_kind)

    # -- compute, render, write --------------------------------------------------------------
    if fit_here:
        seed = int(gen.integers(2**32 - 1))
        calibrator = ScoreCalibrator(method, score_kind=kind, random_state=seed).fit(s, y, sample_weight=w)
    data = report_data(y, s, calibrator=calibrator, in_sample=fit_here, score_kind=kind, objective=objective,
                       objective_params=params, placement=placement, n_bins=n_bins, n_boot=n_boot, rng=gen,
                       sample_weight=w, strategy=strategy)
    chapter = report_chapter(data)
    return save_report([chapter], target, title=title if title is not None else "scimlkit calibration report")


def _check_fitted_calibrator(calibrator) -> None:
    from sklearn.exceptions import NotFittedError as SklearnNotFitted
    from sklearn.utils.validation import check_is_fitted

    if isinstance(calibrator, type):
        raise InputError(f"`calibrator` must be a fitted calibrator, got the class {calibrator.__name__}; "
                         f"fit an instance first, or pass a method name such as 'auto'")
    if not callable(getattr(calibrator, "transform", None)):
        raise InputError("`calibrator` must be 'auto', a method name, None, or a fitted calibrator with a "
                         f"transform method, got {describe(calibrator)}")
    if callable(getattr(calibrator, "fit", None)):
        try:
            check_is_fitted(calibrator)
        except SklearnNotFitted:
            raise InputError(f"`calibrator` ({type(calibrator).__name__}) is not fitted; fit it first, or pass "
                             "a method name such as 'auto' to fit one on these samples") from None


def _calibrated(calibrator, s: np.ndarray) -> np.ndarray:
    """A fitted calibrator's probabilities of ``s``, with its errors and outputs checked and named."""
    try:
        p = calibrator.transform(s)
    except InputError as exc:
        raise InputError(f"`calibrator` could not transform `y_score`: {exc}") from None
    try:
        p = np.asarray(p, dtype=float)
    except (TypeError, ValueError):
        raise InputError(f"`calibrator` must return probabilities, got {describe(p)}") from None
    if p.shape != s.shape:
        raise InputError(f"`calibrator` must return one probability per score, shape {s.shape}, "
                         f"got shape {p.shape}")
    if not np.all(np.isfinite(p)):
        raise InputError("`calibrator` returned NaN or infinite values; it must return probabilities in [0, 1]")
    if p.min() < 0.0 or p.max() > 1.0:
        raise InputError(f"`calibrator` must return probabilities in [0, 1], got values from {p.min():g} "
                         f"to {p.max():g}")
    return p
