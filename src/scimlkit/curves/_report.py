"""Report pieces of the curves module: figures drawn from plain data (no fitting here)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from .._report import new_figure

__all__ = ["forecast_figure", "ranking_table"]


def forecast_figure(
    sizes,
    scores,
    grid,
    curves: Mapping[str, np.ndarray],
    *,
    band: tuple[np.ndarray, np.ndarray] | None = None,
    band_label: str = "forecast interval",
    errors=None,
    later: tuple[np.ndarray, np.ndarray] | None = None,
    target: float | None = None,
    ylabel: str = "score",
    title: str | None = None,
):
    """Observed anchors, fitted curves and the forecast band on a log-size axis.

    Parameters
    ----------
    sizes, scores : array-like
        The anchors used for the fit (mean score at each size).
    grid : array-like
        Sizes at which the curves and the band are given.
    curves : mapping of label -> array over ``grid``
        Fitted curves; the first one is drawn as the forecast (thick), the others thin.
    band : (low, high), optional
        Interval of the forecast over ``grid``.
    errors : array-like, optional
        Standard deviation of the scores across folds (error bars).
    later : (sizes, scores), optional
        Measurements not used by the fit (drawn hollow), e.g. to check a forecast.
    target : float, optional
        A target score (horizontal line).
    """
    fig, ax = new_figure(6.4, 3.8)
    grid = np.asarray(grid, dtype=float)
    if band is not None:
        ax.fill_between(grid, band[0], band[1], color="tab:blue", alpha=0.18, linewidth=0, label=band_label)
    for i, (label, values) in enumerate(curves.items()):
        if i == 0:
            ax.plot(grid, values, color="tab:blue", linewidth=2.2, label=label)
        else:
            ax.plot(grid, values, linewidth=0.9, alpha=0.8, linestyle="--", label=label)
    ax.errorbar(np.asarray(sizes, dtype=float), np.asarray(scores, dtype=float), yerr=errors, fmt="o",
                color="black", markersize=4, capsize=2, label="anchors used for the fit", zorder=5)
    if later is not None:
        ax.plot(np.asarray(later[0], dtype=float), np.asarray(later[1], dtype=float), "o", markerfacecolor="white",
                markeredgecolor="tab:red", markersize=5, label="measured later (not used)", zorder=6)
    if target is not None:
        ax.axhline(target, color="tab:green", linewidth=1, linestyle=":", label=f"target {target:g}")
    ax.set_xscale("log")
    ax.set_xlabel("training-set size (log scale)")
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.grid(True, which="both", alpha=0.25)
    ax.legend(fontsize=7, loc="lower right")
    return fig


def ranking_table(ranking):
    """The family ranking as a display frame (rounded errors, no internal columns)."""
    import pandas as pd

    frame = pd.DataFrame(ranking).copy()
    keep = [c for c in ("family", "n_params", "status", "weight", "extrapolation_error", "rmse", "asymptote",
                        "reason")
            if c in frame.columns]
    return frame[keep]
