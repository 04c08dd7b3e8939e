"""Report pieces of the curves module: plain data in, figures (or a chapter) out.

* :func:`forecast_figure` -- anchors, fitted curves and the forecast band on a log-size axis;
* :func:`ranking_table` -- the family ranking as a display frame;
* :func:`forecast_data` -- everything the chapter shows, computed from a fitted curve (no drawing);
* :func:`forecast_plot` -- that data drawn with :func:`forecast_figure`;
* :func:`forecast_chapter` -- the data drawn as a report chapter (key figures, figure, samples
  needed, kept-back measurements, ranking);
* :func:`write_report` -- that chapter written as an HTML file.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._errors import InputError
from .._report import new_figure
from .._validation import check_alpha, check_scalar, describe
from ._fit import _SAME_CURVE

__all__ = ["forecast_figure", "ranking_table", "ForecastData", "forecast_data", "forecast_plot",
           "needed_sentence", "forecast_chapter", "write_report"]

# The simple rivals drawn next to the forecast (when they are not part of it).
_RIVALS = {"pow2": "pow2 (rival)", "last": "last value (rival)"}
# How far the size axis reaches past the largest size of interest (and past the last anchor).
_PAST_INTEREST, _PAST_ANCHORS = 2.0, 4.0
_GRID_POINTS = 160


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
    later_label: str = "kept back (not used by the fit)",
    left_out: tuple[np.ndarray, np.ndarray] | None = None,
    left_out_label: str = "left out (fits failed in some folds)",
    target: float | None = None,
    marks: Sequence[tuple[float, float, str]] | None = None,
    ylabel: str = "score",
    title: str | None = None,
    legend_loc: str = "lower right",
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
    left_out : (sizes, scores), optional
        Measurements left out of the fit because some of their fits failed (drawn as grey
        crosses: the mean of the folds that have a score, not a check of the forecast).
    target : float, optional
        A target score (horizontal line).
    marks : sequence of (size, score, label), optional
        Points to single out on the forecast (a forecast size, the size reaching the target).
    """
    fig, ax = new_figure(6.4, 3.8)
    grid = np.asarray(grid, dtype=float)
    if band is not None:
        ax.fill_between(grid, band[0], band[1], color="tab:blue", alpha=0.18, linewidth=0, label=band_label)
    rival_colors = ("tab:orange", "tab:gray", "tab:brown", "tab:olive", "tab:cyan", "tab:pink")
    for i, (label, values) in enumerate(curves.items()):
        if i == 0:
            ax.plot(grid, values, color="tab:blue", linewidth=2.2, label=label)
        else:
            ax.plot(grid, values, color=rival_colors[(i - 1) % len(rival_colors)], linewidth=0.9, alpha=0.8,
                    linestyle="--", label=label)
    ax.errorbar(np.asarray(sizes, dtype=float), np.asarray(scores, dtype=float), yerr=errors, fmt="o",
                color="black", markersize=4, capsize=2, label="anchors used for the fit", zorder=5)
    if later is not None and len(later[0]):
        ax.plot(np.asarray(later[0], dtype=float), np.asarray(later[1], dtype=float), "o", markerfacecolor="white",
                markeredgecolor="tab:red", markersize=5, label=later_label, zorder=6)
    if left_out is not None and len(left_out[0]):
        ax.plot(np.asarray(left_out[0], dtype=float), np.asarray(left_out[1], dtype=float), "x", color="tab:gray",
                markersize=5, label=left_out_label, zorder=6)
    if target is not None:
        ax.axhline(target, color="tab:green", linewidth=1, linestyle=":", label=f"target {target:g}")
    for (x, y, label), marker in zip(marks or (), ("D", "s", "^", "v")):
        ax.plot([x], [y], marker, color="tab:purple", markersize=6, markeredgecolor="white", label=label, zorder=7)
    ax.set_xscale("log")
    ax.set_xlabel("training-set size (log scale)")
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.grid(True, which="both", alpha=0.25)
    ax.legend(fontsize=7, loc=legend_loc)
    return fig


def ranking_table(ranking):
    """The family ranking as a display frame (rounded errors, no internal columns)."""
    import pandas as pd

    frame = pd.DataFrame(ranking).copy()
    keep = [c for c in ("family", "n_params", "status", "weight", "extrapolation_error", "rmse", "asymptote",
                        "reason")
            if c in frame.columns]
    return frame[keep]


# -- compute ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ForecastData:
    """What the forecast chapter shows, as plain numbers (see :func:`forecast_data`).

    ``low`` / ``high`` are None when the fit has no bootstrap refits. ``later_*`` hold the
    measurements not used by the fit (possibly empty); ``checks`` compares those within the
    fitted range (at or above the smallest anchor) with the forecast (None when there are none).
    ``left_out_*`` hold the measurements left out because some of their fits failed (mean of
    the folds with a score; possibly empty): drawn, never compared with the forecast.
    """

    sizes: np.ndarray
    scores: np.ndarray
    errors: np.ndarray | None
    later_sizes: np.ndarray
    later_scores: np.ndarray
    grid: np.ndarray
    forecast: np.ndarray
    low: np.ndarray | None
    high: np.ndarray | None
    level: float
    rivals: dict[str, np.ndarray]
    target: float | None
    at: tuple[float, ...] | None  # the forecast sizes, in the order given
    prediction: Any  # CurvePrediction at `at`, or None
    needed: Any  # SamplesNeededResult for `target`, or None
    checks: Any  # DataFrame, or None
    ranking: Any  # DataFrame
    family: str
    members: tuple[str, ...]
    weights: dict[str, float]
    asymptote: float
    higher_is_better: bool
    best_possible: float
    n_bootstrap_used: int
    left_out_sizes: np.ndarray = field(default_factory=lambda: np.empty(0))
    left_out_scores: np.ndarray = field(default_factory=lambda: np.empty(0))


def forecast_data(fit, *, target: float | None = None, at: float | Sequence[float] | None = None,
                  level: float = 0.95, errors=None, later=None, left_out=None) -> ForecastData:
    """Compute what the forecast chapter shows from a fitted curve (no drawing, no checks of
    the options: :func:`write_report` checks them).

    The size grid starts at the smallest anchor and reaches four times past the last anchor,
    and twice past ``at`` (one size or several), the kept-back measurements and the size needed for ``target`` when
    it is reachable. ``errors`` defaults to the fit's per-anchor spread over folds.
    ``later`` is ``(sizes, scores)`` of measurements not used by the fit, to check the forecast
    against; ``left_out`` is ``(sizes, scores)`` of measurements left out because some of their
    fits failed (drawn only).
    """
    import pandas as pd

    sizes = np.asarray(fit.sizes, dtype=float)
    scores = np.asarray(fit.scores, dtype=float)
    errors = fit.score_std if errors is None else np.asarray(errors, dtype=float)
    if later is None:
        later_sizes = later_scores = np.empty(0)
    else:
        later_sizes = np.asarray(later[0], dtype=float).ravel()
        later_scores = np.asarray(later[1], dtype=float).ravel()
    if left_out is None:
        left_out_sizes = left_out_scores = np.empty(0)
    else:
        left_out_sizes = np.asarray(left_out[0], dtype=float).ravel()
        left_out_scores = np.asarray(left_out[1], dtype=float).ravel()
    if at is not None:
        at = tuple(float(a) for a in np.atleast_1d(np.asarray(at, dtype=float)))
    prediction = None if at is None else fit.predict(list(at), level=level)
    needed = None if target is None else fit.samples_needed(target, level=level)

    reach = [_PAST_ANCHORS * float(sizes.max())]
    if at is not None:
        reach.append(_PAST_INTEREST * max(at))
    if later_sizes.size:
        reach.append(_PAST_INTEREST * float(later_sizes.max()))
    if needed is not None and needed.reachable and needed.n is not None and math.isfinite(needed.n):
        reach.append(_PAST_INTEREST * float(needed.n))
    grid = np.geomspace(float(sizes.min()), max(reach), _GRID_POINTS)
    band = fit.predict(grid, level=level)
    has_band = bool(np.all(np.isfinite(band.low)) and np.all(np.isfinite(band.high)))
    # a rival that is the same curve as a member of the forecast (pow3 ending at the perfect
    # score is pow2) is drawn already
    members = [fit.family_curve(m, grid) for m in fit.members if m in fit.params]
    close = _SAME_CURVE * max(float(np.ptp(band.score)), 1e-12)
    rivals = {}
    for name in _RIVALS:
        if name in fit.params and name not in fit.members:
            curve = fit.family_curve(name, grid)
            if not any(np.max(np.abs(curve - m)) <= close for m in members):
                rivals[name] = curve

    checks = None
    inside = later_sizes >= sizes.min()
    if inside.any():
        pred = fit.predict(later_sizes[inside], level=level)
        checks = pd.DataFrame({"size": later_sizes[inside], "measured": later_scores[inside],
                               "forecast": pred.score, "error": later_scores[inside] - pred.score})
        if has_band:
            checks["low"], checks["high"] = pred.low, pred.high
            checks["within interval"] = (pred.low <= later_scores[inside]) & (later_scores[inside] <= pred.high)
    used = fit.n_bootstrap - fit.n_bootstrap_failed
    return ForecastData(
        sizes=sizes, scores=scores, errors=errors, later_sizes=later_sizes, later_scores=later_scores,
        grid=grid, forecast=band.score, low=band.low if has_band else None, high=band.high if has_band else None,
        level=float(level), rivals=rivals, target=target, at=at, prediction=prediction, needed=needed,
        checks=checks, ranking=ranking_table(fit.ranking), family=fit.family, members=tuple(fit.members),
        weights=dict(fit.weights), asymptote=float(fit.asymptote), higher_is_better=bool(fit.higher_is_better),
        best_possible=float(fit.best_possible), n_bootstrap_used=int(used) if has_band else 0,
        left_out_sizes=left_out_sizes, left_out_scores=left_out_scores)


# -- render ----------------------------------------------------------------------------------


def _pct(level: float) -> str:
    return f"{100 * level:g}%"


def _size(n: float) -> str:
    return "not reached" if not math.isfinite(n) else f"{n:,.0f}"


def _marks(data: ForecastData) -> list[tuple[float, float, str]]:
    marks = []
    if data.prediction is not None:
        marks.extend((at, float(score), f"forecast at n={at:,.0f}") for at, score in zip(data.at, data.prediction.score))
    needed = data.needed
    if needed is not None and needed.reachable and needed.n is not None and not needed.already_reached:
        marks.append((float(needed.n), float(needed.target), f"reaches {needed.target:g} at n\u2248{needed.n:,.0f}"))
    return marks


def forecast_plot(data: ForecastData, *, ylabel: str = "score", title: str | None = None):
    """Draw :class:`ForecastData`: anchors (with their spread), kept-back measurements, the
    forecast with its band, the pow2 and last-value rivals, the target and marked points."""
    curves = {f"forecast ({data.family})": data.forecast}
    curves.update({_RIVALS[name]: values for name, values in data.rivals.items()})
    band = None if data.low is None else (data.low, data.high)
    return forecast_figure(
        data.sizes, data.scores, data.grid, curves, band=band, band_label=f"{_pct(data.level)} bootstrap interval",
        errors=data.errors, later=(data.later_sizes, data.later_scores),
        left_out=(data.left_out_sizes, data.left_out_scores), target=data.target, marks=_marks(data),
        ylabel=ylabel, title=title, legend_loc="lower right" if data.higher_is_better else "upper right")


def needed_sentence(needed) -> str:
    """One or two sentences on a :class:`SamplesNeededResult`: the size with its interval, or the
    plain message (target beyond the asymptote, already reached, not reached)."""
    if not needed.reachable or needed.n is None or needed.already_reached:
        return needed.message[0].upper() + needed.message[1:] + "."
    said = f"The fitted curve reaches {needed.target:g} at about n={needed.n:,.0f}"
    if needed.low is not None and needed.high is not None:
        said += f" ({_pct(needed.level)} interval {_size(needed.low)} to {_size(needed.high)})"
    said += "."
    if needed.prob_reachable is not None and needed.prob_reachable < 1:
        said += f" {1 - needed.prob_reachable:.0%} of the bootstrap refits never reach it."
    return said


def _key_figures(data: ForecastData) -> dict[str, Any]:
    figures: dict[str, Any] = {"forecast by": data.family}
    if len(data.members) > 1:
        figures["weights"] = ", ".join(f"{m} {data.weights[m]:.2f}" for m in data.members)
    figures["fitted asymptote"] = data.asymptote  # finite: the forecast is clipped at the perfect score
    figures["last anchor"] = f"{data.scores[-1]:.4g} at n={data.sizes[-1]:,.0f}"
    pct = _pct(data.level)
    if data.prediction is not None:
        p = data.prediction
        for i, at in enumerate(data.at):
            figures[f"forecast at n={at:,.0f}"] = float(p.score[i])
            if data.low is not None:
                figures[f"{pct} interval at n={at:,.0f}"] = f"{p.low[i]:.4g} to {p.high[i]:.4g}"
    needed = data.needed
    if needed is not None:
        label = f"samples for {needed.target:g}"
        if needed.reachable and needed.n is not None:
            figures[label] = f"~{needed.n:,.0f}" + (" (already reached)" if needed.already_reached else "")
            if needed.low is not None and needed.high is not None:
                figures[f"{pct} interval of the samples"] = f"{_size(needed.low)} to {_size(needed.high)}"
        else:
            figures[label] = "not reachable"
    return figures


def _intro(data: ForecastData, score_name: str) -> str:
    first, last = data.sizes.min(), data.sizes.max()
    text = (f"{len(data.sizes)} anchors from n={first:,.0f} to n={last:,.0f}"
            + (" (the mean over cross-validation folds; error bars show their standard deviation)"
               if data.errors is not None else "")
            + f"; {score_name}, {'higher' if data.higher_is_better else 'lower'} is better "
              f"(best possible {data.best_possible:g}). ")
    if len(data.members) > 1:
        text += (f"The forecast averages {', '.join(data.members)}, weighted by how well each family "
                 "extrapolated from the early anchors to the later ones")
    else:
        text += f"The forecast is the {data.family} family"
    if data.low is not None:
        text += f", with {_pct(data.level)} intervals from {data.n_bootstrap_used} bootstrap refits."
    else:
        text += "; no bootstrap refits were made, so no intervals are shown."
    if data.later_sizes.size:
        text += (f" {data.later_sizes.size} measurement(s) not used by the fit are drawn hollow, to check "
                 "the forecast against.")
    if data.left_out_sizes.size:
        shown = ", ".join(f"{v:,.0f}" for v in data.left_out_sizes)
        text += (f" {data.left_out_sizes.size} size(s) where fits failed in some folds (n={shown}) are left out "
                 "of the fit and drawn as grey crosses (the mean of the folds with a score); they are no check "
                 "of the forecast.")
    return text


def forecast_chapter(fit, *, target: float | None = None, at: float | Sequence[float] | None = None,
                     level: float = 0.95, errors=None, later=None, left_out=None, score_name: str = "score",
                     key: str = "curves", title: str = "Learning-curve forecast"):
    """A report chapter for a :class:`CurveFitResult`: key figures (family and weights,
    asymptote, forecast at ``at``, samples needed for ``target``), the forecast figure, the
    samples needed, the kept-back measurements against the forecast, and the family ranking.

    Parameters
    ----------
    fit : CurveFitResult
    target, at, level, errors, later, left_out
        As in :func:`forecast_data`.
    score_name : str
        What the scores are (the y-axis label).
    key, title : str
        The chapter's anchor and heading.
    """
    from .._report import Chapter

    data = forecast_data(fit, target=target, at=at, level=level, errors=errors, later=later, left_out=left_out)
    chapter = Chapter(key, title)
    chapter.paragraph(_intro(data, score_name))
    chapter.metrics(_key_figures(data))
    rivals = " and ".join({"pow2": "pow2", "last": "last-value"}[name] for name in data.rivals)
    chapter.figure(
        forecast_plot(data, ylabel=score_name),
        "Anchors used for the fit (black)"
        + (", the measurements kept back (red)" if data.later_sizes.size else "")
        + (", the sizes left out for failed fits (grey crosses)" if data.left_out_sizes.size else "")
        + ", the forecast" + (" with its bootstrap band" if data.low is not None else "")
        + (f", and the {rivals} rival{'s' if len(data.rivals) > 1 else ''} for comparison" if rivals else "")
        + ".")
    chapter.note(f"forecast by {data.family}; fitted asymptote {data.asymptote:.4g}")
    if data.prediction is not None:
        p = data.prediction
        for i, at in enumerate(data.at):
            chapter.note(f"forecast at n={at:,.0f}: {p.score[i]:.4g}"
                         + (f" [{p.low[i]:.4g}, {p.high[i]:.4g}]" if data.low is not None else ""))
    if data.needed is not None:
        chapter.heading(f"How many samples for {data.needed.target:g}?")
        chapter.paragraph(needed_sentence(data.needed))
        chapter.note(f"samples for {data.needed.target:g}: "
                     + (f"~{data.needed.n:,.0f}" if data.needed.n is not None else data.needed.message))
    if data.checks is not None:
        chapter.table(data.checks, "The measurements kept back from the fit against the forecast "
                                   "(error: measured minus forecast).")
    chapter.table(data.ranking, "Every family, ranked by its error when fitted on the early anchors and "
                                "tested on the later ones, with its weight in the forecast.")
    return chapter


# -- public entry ----------------------------------------------------------------------------


def _from_curve(fit, curve):
    """What a measured curve adds to the report of a fit: ``(errors, later, left_out, scoring)``.

    ``later`` holds the measurements at sizes that are not anchors of the fit and whose every
    fold has a score (kept back, to check the forecast). ``left_out`` holds those at sizes
    that are not anchors where some folds have no score (failed fits, which :func:`fit_curve`
    leaves out): the mean of the folds with a score; sizes where every fold failed are in
    neither. ``errors`` is the curve's spread over folds at the anchors when the fit has none
    of its own and every anchor was measured in the curve (else None). ``scoring`` is the
    curve's scorer name, None for the estimator's own ``score``.
    """
    measured = np.asarray(curve.sizes, dtype=float)
    match = np.isclose(measured[:, None], np.asarray(fit.sizes, dtype=float)[None, :], rtol=1e-9, atol=0)
    other = ~match.any(axis=1)
    mean = np.asarray(curve.mean, dtype=float)
    holes = np.isnan(np.asarray(curve.scores, dtype=float)).any(axis=1)
    kept = other & ~holes
    failed = other & holes & np.isfinite(mean)
    later = (measured[kept], mean[kept])
    left_out = (measured[failed], mean[failed])
    errors = None
    if fit.score_std is None and curve.scores.shape[1] > 1 and match.any(axis=0).all():
        errors = np.asarray(curve.std, dtype=float)[match.argmax(axis=0)]
    return errors, later, left_out, (None if curve.scoring == "score" else curve.scoring)


def write_report(fit, path, *, target: float | None = None, at: float | Sequence[float] | None = None, curve=None,
                 level: float = 0.95, score_name: str | None = None, title: str | None = None):
    """Write the HTML report of a fitted learning curve: forecast, intervals, samples needed.

    The report shows the anchors (with error bars when the fit was given one score per fold),
    the forecast with its bootstrap band over sizes reaching past the anchors (to ``at`` and to
    the size needed for ``target``), the ``pow2`` and last-value rivals, the key figures, the
    samples needed for ``target`` (or why it is out of reach), and the ranking of the families.

    Parameters
    ----------
    fit : CurveFitResult
        What :func:`fit_curve` returned.
    path : str or path-like
        A folder (``index.html`` is written inside) or a file name ending in ``.html``.
    target : float, optional
        A score to reach: the report gives the samples needed, with an interval, or says
        plainly that the target lies beyond the fitted asymptote.
    at : float or sequence of float, optional
        A training-set size to forecast the score at (positive), or several.
    curve : LearningCurveResult, optional
        The measured curve the fit came from: its measurements at sizes that are not anchors
        of the fit are drawn as kept back and compared with the forecast, except sizes where
        fits failed (NaN scores, left out by :func:`fit_curve`): those where some folds have a
        score are drawn apart as left out for failed fits, those where every fold failed are
        not drawn; its fold spread
        gives the error bars when the fit had one score per anchor; its scorer names the
        scores.
    level : float, default 0.95
        Level of the intervals, in (0, 1).
    score_name : str, optional
        What the scores are (default: the curve's scorer, else ``"score"``).
    title : str, optional
        The report's title.

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    InputError
        On a ``fit`` or ``curve`` of the wrong type, a non-finite ``target``, an ``at`` that is
        not a positive number, a ``level`` outside (0, 1), or an output location that cannot
        be written.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from scimlkit.curves import fit_curve, write_report
    >>> n = np.array([100, 200, 400, 800, 1600, 3200])
    >>> folds = 0.93 - 1.2 * n[:, None] ** -0.5 + np.random.default_rng(0).normal(0, 0.003, (6, 5))
    >>> fit = fit_curve(n, folds, families=["pow3", "pow2", "last"], n_bootstrap=10, rng=0)
    >>> out = os.path.join(tempfile.mkdtemp(), "curve.html")
    >>> path = write_report(fit, out, target=0.92, at=20_000)
    >>> text = path.read_text()
    >>> path.name, "How many samples for 0.92?" in text, "<svg" in text
    ('curve.html', True, True)
    """
    from .._report import check_report_path, save_report
    from ._fit import CurveFitResult
    from ._measure import LearningCurveResult

    if not isinstance(fit, CurveFitResult):
        raise InputError(f"`fit` must be a CurveFitResult (from fit_curve), got {describe(fit)}")
    if not isinstance(path, str | os.PathLike):
        raise InputError(f"`path` must be a folder or a file name ending in .html, got {describe(path)}")
    target = check_scalar(target, "target", allow_none=True)
    if at is not None:
        many = np.ndim(at) > 0
        at = [check_scalar(a, "at") for a in (at if many else [at])]
        if not at or min(at) <= 0:
            raise InputError(f"`at` must be a positive training-set size{' or several' if many else ''}, got "
                             f"{', '.join(f'{a:g}' for a in at) or 'none'}")
    if curve is not None and not isinstance(curve, LearningCurveResult):
        raise InputError(f"`curve` must be a LearningCurveResult (from learning_curve) or None, "
                         f"got {describe(curve)}")
    level = check_alpha(level, "level")
    for name, value in (("score_name", score_name), ("title", title)):
        if value is not None and not isinstance(value, str):
            raise InputError(f"`{name}` must be a string, got {describe(value)}")
    check_report_path(path)  # fail before any work

    errors = later = left_out = None
    if curve is not None:
        errors, later, left_out, scoring = _from_curve(fit, curve)
        score_name = score_name or scoring
    score_name = score_name or "score"
    chapter = forecast_chapter(fit, target=target, at=at, level=level, errors=errors, later=later,
                               left_out=left_out, score_name=score_name)
    return save_report([chapter], path, title=title or "scimlkit learning-curve report")
