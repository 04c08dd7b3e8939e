"""Report chapter of the calibrate module: reliability diagrams and threshold curves.

Compute first, render second: these functions take result objects and draw them.
"""

from __future__ import annotations

import numpy as np

from .._report import Chapter, new_figure
from ._metrics import ReliabilityResult
from ._threshold import ThresholdResult

__all__ = ["reliability_figure", "threshold_figure", "calibration_chapter"]


def _draw_reliability(ax, rel: ReliabilityResult, title: str) -> None:
    ax.plot([0, 1], [0, 1], color="0.6", lw=1, ls="--", label="perfect calibration")
    used = rel.count > 0
    x = rel.mean_predicted[used]
    band = used & np.isfinite(rel.band_low)
    if band.any():
        ax.fill_between(rel.mean_predicted[band], rel.band_low[band], rel.band_high[band],
                        color="tab:blue", alpha=0.2, lw=0,
                        label=f"{rel.level:.0%} bootstrap band ({rel.n_boot} resamples)")
    ax.plot(x, rel.observed[used], "o-", color="tab:blue", ms=4, label="observed frequency")
    ax.set_xlim(0, 1)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("mean predicted probability (bin)")
    ax.set_ylabel("fraction of positives")
    ax.set_title(f"{title} (ECE {rel.ece:.3f})", fontsize=10)
    ax.legend(loc="upper left", fontsize=7, frameon=False)


def reliability_figure(before: ReliabilityResult, after: ReliabilityResult, *,
                       titles: tuple[str, str] = ("before calibration", "after calibration")):
    """Two reliability diagrams side by side, each with its bootstrap band."""
    fig, axes = new_figure(9.0, 4.0, ncols=2)
    _draw_reliability(axes[0], before, titles[0])
    _draw_reliability(axes[1], after, titles[1])
    return fig


def threshold_figure(result: ThresholdResult, *, marks: dict[str, float] | None = None,
                     max_points: int = 4000):
    """The objective against the threshold, with the optimum (and optional other thresholds)
    marked."""
    fig, ax = new_figure(7.0, 3.6)
    frame = result.to_frame(max_points=max_points)
    frame = frame[np.isfinite(frame["threshold"])]
    ax.step(frame["threshold"], frame["value"], where="post", color="tab:blue", lw=1.2,
            label=result.objective)
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


def calibration_chapter(*, before: ReliabilityResult, after: ReliabilityResult,
                        metrics: dict, method: str, method_scores=None,
                        threshold: ThresholdResult | None = None,
                        threshold_marks: dict[str, tuple[float, float]] | None = None,
                        intro: str | None = None, chapter: Chapter | None = None) -> Chapter:
    """Assemble the calibrate chapter from computed results."""
    ch = chapter if chapter is not None else Chapter("calibrate", "Calibration and decision thresholds")
    if intro:
        ch.paragraph(intro)
    ch.heading("Calibration")
    ch.metrics(metrics)
    ch.figure(reliability_figure(before, after, titles=("before calibration", f"after '{method}'")),
              caption="Reliability diagrams on held-out data: observed frequency of positives against "
                      "the mean predicted probability per bin, with a bootstrap band.")
    if method_scores is not None:
        ch.table(method_scores, caption="Candidate methods, cross-validated on the out-of-fold scores "
                                        "(the smallest log-loss wins; among candidates within one "
                                        "standard error of it ('tied'), the smallest ECE).")
    if threshold is not None:
        ch.heading("Decision threshold")
        ch.figure(threshold_figure(threshold, marks=threshold_marks),
                  caption=f"{threshold.objective} at every distinct score; the exact optimum is marked.")
    return ch
