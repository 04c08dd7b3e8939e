"""Report pieces of the tune module: plain data in, matplotlib figures (or a chapter) out.

* :func:`convergence_figure` -- best loss so far against the number of trials, for one or more
  searches, with an optional reference line (e.g. the grid's best);
* :func:`parameter_relevance` / :func:`relevance_figure` -- how much each parameter matters,
  from the inverse ARD length scales of a Gaussian process fitted to the complete trials;
* :func:`slices_figure` -- the loss against each parameter;
* :func:`study_chapter` -- the three together for a :class:`StudyResult`, with the best trials;
* :func:`write_report` -- that chapter written as an HTML file.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .._errors import InputError
from .._validation import check_int, check_rng, describe
from ._space import Categorical, Space, as_space

__all__ = ["convergence_figure", "parameter_relevance", "relevance_figure", "slices_figure", "intermediate_figure",
           "study_chapter", "write_report"]

_COLORS = ["#2c3e50", "#c0392b", "#2980b9", "#27ae60", "#8e44ad", "#d35400"]


def convergence_figure(curves, *, reference: float | None = None, reference_label: str = "grid best",
                       ylabel: str = "best loss so far", title: str | None = None, log_y: bool = False,
                       added=None):
    """Best loss so far against the number of finished trials.

    Parameters
    ----------
    curves : array-like or dict of str to array-like
        One best-so-far curve (``StudyResult.convergence``), or several by label.
    reference : float, optional
        A horizontal reference line (e.g. the best loss of a grid search).
    reference_label, ylabel, title : str
    log_y : bool, default False
        Log-scaled loss axis (for positive losses spanning decades).
    added : array-like of bool, optional
        Which points of the curve are evaluations added from elsewhere (shaded).

    Returns
    -------
    matplotlib.figure.Figure
    """
    from .._report import new_figure

    if not isinstance(curves, Mapping):
        curves = {"best so far": curves}
    fig, ax = new_figure(6.4, 3.6)
    for i, (label, curve) in enumerate(curves.items()):
        y = np.asarray(curve, dtype=float)
        ax.step(np.arange(1, y.size + 1), y, where="post", color=_COLORS[i % len(_COLORS)], linewidth=2,
                label=str(label))
    if reference is not None and math.isfinite(reference):
        ax.axhline(reference, color="#7f8c8d", linestyle="--", linewidth=1.2, label=reference_label)
    if added is not None:
        flags = np.asarray(added, dtype=bool)
        label = "added (evaluated elsewhere)"
        start = None
        for i, flag in enumerate([*flags.tolist(), False]):  # shade each run of added points
            if flag and start is None:
                start = i
            elif not flag and start is not None:
                ax.axvspan(start + 0.5, i + 0.5, color="#bdc3c7", alpha=0.35, linewidth=0, label=label)
                label, start = None, None
    if log_y:
        ax.set_yscale("log")
    ax.set_xlabel("trials")
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    ax.legend(frameon=False)
    if title:
        ax.set_title(title)
    return fig


def _complete(space: Space, params: Sequence[Mapping[str, Any]], values) -> tuple[list[dict], np.ndarray]:
    try:
        values = np.asarray(values, dtype=float).ravel()
    except (TypeError, ValueError):
        raise InputError(f"`values` must be numbers (losses, NaN for failed trials), got {describe(values)}") from None
    if len(params) != values.size:
        raise InputError(f"`params` and `values` must have the same length, got {len(params)} and {values.size}")
    keep = np.isfinite(values)
    return [space.validate(p) for p, k in zip(params, keep) if k], values[keep]


#: Most complete trials :func:`parameter_relevance` fits its Gaussian process to by default.
RELEVANCE_MAX_POINTS = 150


def parameter_relevance(space, params: Sequence[Mapping[str, Any]], values, *, rng=None,
                        max_points: int | None = RELEVANCE_MAX_POINTS) -> dict[str, float]:
    """The learned relevance of each parameter, from a Gaussian process fitted to the trials.

    A Matérn 5/2 ARD Gaussian process is fitted to the complete trials in the unit-cube encoding
    of the space; a parameter's relevance is its inverse length scale, normalised to sum to one
    over the parameters. A short length scale means the loss changes quickly along that parameter.
    A categorical has one one-hot column (and length scale) per choice, so its relevance is the
    inverse length scale along the line between its two most distant choices: the kernel distance
    between them, divided by their distance in the encoding (:math:`\\sqrt 2`), which is
    :math:`\\sqrt{(w_a^2 + w_b^2) / 2}` for the two largest inverse length scales :math:`w_a, w_b`
    of its columns (choices the trials never took left out: their length scales are the prior's).
    It does not grow with the number of choices: a categorical that does not matter scores like a
    float that does not. A parameter the trials never vary scores 0.

    The scores rank the parameters; they are not shares of the loss's variance. The fit keeps the
    length scale of a parameter that does not matter at a few units (its prior), not at infinity,
    so such a parameter still scores a little, and with many of them their scores add up: with 30
    parameters of which one matters, that one scores far above each of the others but well below
    one in total.

    The cost of the fit grows as the cube of the number of trials: past ``max_points`` complete
    trials it uses ``max_points`` of them drawn at random (with ``rng``).

    Parameters
    ----------
    space : Space or dict
    params : sequence of dict
        Trial parameters.
    values : array-like
        Their losses (NaN for failed trials, which are ignored).
    rng : None, int or numpy.random.Generator
    max_points : int or None, default 150
        Most complete trials the Gaussian process is fitted to (None: all of them).

    Returns
    -------
    dict of str to float
        Relevance per parameter, in the space's order, summing to one.

    Examples
    --------
    >>> import numpy as np
    >>> from scimlkit.tune import Float
    >>> from scimlkit.tune import parameter_relevance
    >>> space = {"a": Float(0, 1), "b": Float(0, 1)}
    >>> pts = [{"a": float(a), "b": float(b)} for a, b in np.random.default_rng(0).random((25, 2))]
    >>> rel = parameter_relevance(space, pts, [np.sin(6 * p["a"]) + 0.01 * p["b"] for p in pts], rng=0)
    >>> rel["a"] > 0.8
    True
    """
    from ._gp import GaussianProcess
    from ._opt_gp import _blas_single_thread

    space = as_space(space)
    max_points = check_int(max_points, "max_points", low=3, allow_none=True)
    pts, y = _complete(space, params, values)
    if y.size < 3:
        raise InputError(f"parameter relevance needs at least 3 complete trials, got {y.size}")
    rng = check_rng(rng)
    if max_points is not None and y.size > max_points:
        rows = np.sort(rng.choice(y.size, max_points, replace=False))
        pts, y = [pts[i] for i in rows], y[rows]
    X = space.encode(pts)
    if np.ptp(y) == 0:
        return dict.fromkeys(space.names, 1.0 / len(space))
    with _blas_single_thread():  # small matrices: BLAS threads only add overhead (20x on a busy machine)
        gp = GaussianProcess(rng=rng).fit(X, y)
    inverse = 1.0 / np.asarray(gp.length_scales_, dtype=float)
    # a column the trials never vary where the parameter applies (a choice never drawn) keeps its
    # prior length scale: it says nothing (a conditional parameter's columns also move with its
    # activation, which is its parent's effect)
    columns = np.asarray(space.encoded_names, dtype=object)
    raw = {}
    for name, param in space.params.items():
        active = np.array([name in p for p in pts])
        own = columns == name
        if isinstance(param, Categorical):
            taken = own.copy()
            taken[own] = np.any(X[np.ix_(active, own)] > 0, axis=0) if active.any() else False
            w = np.sort(inverse[taken])[-2:]  # the two largest of the choices drawn
            raw[name] = float(np.sqrt(np.mean(w**2))) if w.size == 2 else 0.0
        else:
            varied = active.sum() > 1 and np.ptp(X[np.ix_(active, own)]) > 0
            raw[name] = float(inverse[own][0]) if varied else 0.0
    total = sum(raw.values())
    if total == 0:
        return dict.fromkeys(space.names, 1.0 / len(space))
    return {k: v / total for k, v in raw.items()}


def relevance_figure(relevance: Mapping[str, float], *, title: str | None = None):
    """Horizontal bars of :func:`parameter_relevance` (most relevant on top)."""
    from .._report import new_figure

    items = sorted(relevance.items(), key=lambda kv: kv[1])
    fig, ax = new_figure(6.4, 0.9 + 0.45 * max(len(items), 1))
    ax.barh([k for k, _ in items], [v for _, v in items], color="#2c3e50")
    ax.set_xlim(0, 1)
    ax.set_xlabel("relevance (normalised inverse length scale)")
    ax.grid(axis="x", alpha=0.3)
    if title:
        ax.set_title(title)
    return fig


def slices_figure(space, params: Sequence[Mapping[str, Any]], values, *, best: Mapping[str, Any] | None = None,
                  ylabel: str = "loss"):
    """The loss of each complete trial against each parameter, one panel per parameter.

    Log-scaled parameters get a log axis; categorical ones are placed at their choice's
    position; a conditional parameter's panel shows the trials where it applied. The best trial
    is highlighted when given.
    """
    from .._report import new_figure

    space = as_space(space)
    pts, y = _complete(space, params, values)
    names = space.names
    ncols = min(3, len(names))
    nrows = math.ceil(len(names) / ncols)
    fig, axes = new_figure(3.0 * ncols + 0.6, 2.6 * nrows, ncols=ncols, nrows=nrows)
    axes = np.atleast_1d(axes).ravel()
    # thousands of trials: smaller, fainter markers, so that where they pile up still shows, drawn
    # as an image inside the SVG (one element per point would make the report large and slow)
    size, alpha = (18.0, 0.75) if y.size <= 200 else (max(3.0, 18.0 * math.sqrt(200 / y.size)), 0.35)
    rasterized = y.size > 500
    for ax, name in zip(axes, names):
        p = space.params[name]
        active = np.array([name in q for q in pts], dtype=bool)  # a conditional parameter may not apply
        values = [q[name] for q in pts if name in q]
        bx = best[name] if best is not None and name in best else None
        if isinstance(p, Categorical):
            x = np.array([p.index(v) for v in values], dtype=float)
            ax.set_xticks(range(len(p.choices)), [str(c) for c in p.choices])
            bx = None if bx is None else p.index(bx)
        else:
            x = np.array(values, dtype=float)
            if p.log:
                from matplotlib.ticker import NullFormatter

                ax.set_xscale("log")
                ax.xaxis.set_minor_formatter(NullFormatter())  # minor labels overlap on short ranges
        ax.scatter(x, y[active], s=size, color="#2980b9", alpha=alpha, linewidths=0, rasterized=rasterized)
        if bx is not None and y.size:
            ax.scatter([bx], [min(y)], s=60, color="#c0392b", marker="*", zorder=3)
        ax.set_xlabel(name)
        ax.grid(alpha=0.3)
    for ax in axes[: len(names): ncols]:
        ax.set_ylabel(ylabel)
    for ax in axes[len(names):]:
        ax.set_visible(False)
    return fig


def intermediate_figure(result, *, ylabel: str = "loss"):
    """The losses the trials reported step by step: complete trials in blue, pruned ones in grey
    ending with a cross where they were stopped.

    Parameters
    ----------
    result : StudyResult
        A study whose objective called :func:`~scimlkit.tune.report_step`.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from .._report import new_figure

    fig, ax = new_figure(6.4, 3.6)
    states = dict(zip(result.trials["number"], result.trials["state"], strict=True))
    labelled = set()
    for number, group in result.intermediate.groupby("number", sort=True):
        state = states.get(number)
        pruned = state == "PRUNED"
        label = "pruned" if pruned else "complete" if state == "COMPLETE" else "failed"
        color = "#95a5a6" if pruned else "#2980b9" if state == "COMPLETE" else "#e67e22"
        ax.plot(group["step"], group["loss"], color=color, linewidth=1.0, alpha=0.8,
                label=None if label in labelled else label)
        labelled.add(label)
        if pruned:
            ax.scatter(group["step"].iloc[-1:], group["loss"].iloc[-1:], marker="x", color="#7f8c8d", s=22, zorder=3)
    ax.set_xlabel("step")
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    if labelled:
        ax.legend(frameon=False)
    return fig


def study_chapter(result, space=None, *, reference: float | None = None, reference_label: str = "grid best",
                  key: str = "tune", title: str = "Hyperparameter search", rng=None):
    """A report chapter for a :class:`StudyResult`: key figures, convergence, relevance, slices,
    the step-by-step losses (when trials reported them) and the best trials.

    Parameters
    ----------
    result : StudyResult
    space : Space or dict, optional
        The study's search space (default: ``result.space``).
    reference : float, optional
        A reference loss for the convergence plot (e.g. the grid's best).
    """
    from .._report import Chapter

    space = as_space(result.space if space is None else space)
    chapter = Chapter(key, title)
    frame = result.trials
    params = [{n: row[f"param_{n}"] for n in space.names} for _, row in frame.iterrows()]
    # a pruned trial's value is a loss from part-way through: not comparable with the others
    values = np.where(frame["state"] == "PRUNED", np.nan, frame["value"].to_numpy(dtype=float))
    where = f"stored in '{result.storage}'" if result.storage else "kept in memory"
    chapter.paragraph(f"Study '{result.study}' ({where}): {len(frame)} trials of method '{result.method}'"
                      + (f" (which chose '{result.method_used}')" if result.method_used != result.method else "")
                      + f" over {len(space)} parameters. {result.message}")
    chapter.metrics({"best loss": result.best_value, "trials": len(frame), "complete": result.n_complete,
                     "failed": result.n_failed, **({"pruned": result.n_pruned} if result.n_pruned else {}),
                     **({"queued or running": result.n_pending} if result.n_pending else {}),
                     **({"added": result.n_added} if result.n_added else {}),
                     "method": result.method_used})
    chapter.summary.append(result.message)
    if result.best_params is not None:
        chapter.metrics({f"best {k}": (float(v) if isinstance(v, float | np.floating) else v)
                         for k, v in result.best_params.items()})
    finished = frame.loc[frame["state"].isin(["COMPLETE", "FAILED", "PRUNED"])]
    added = (finished["attempts"] == 0).to_numpy() if result.n_added else None
    chapter.figure(convergence_figure(result.convergence, reference=reference, reference_label=reference_label,
                                      added=added),
                   "Best loss so far against the number of trials"
                   + (f" (the {result.n_added} evaluations added from elsewhere shaded)." if result.n_added else "."))
    if len(result.intermediate):
        chapter.figure(intermediate_figure(result), "Losses reported step by step (pruned trials in grey).")
    if result.n_complete >= 3:
        rel = parameter_relevance(space, params, values, rng=rng, max_points=RELEVANCE_MAX_POINTS)
        n_fit = min(result.n_complete, RELEVANCE_MAX_POINTS)
        fitted = (f"all {n_fit} complete trials" if n_fit == result.n_complete
                  else f"{n_fit} of the {result.n_complete} complete trials, drawn at random")
        chapter.figure(relevance_figure(rel), "Relevance of each parameter: the inverse of its length scale in a "
                       f"Gaussian process (Matérn 5/2, one length scale per parameter) fitted to {fitted} "
                       "(a categorical's along the line between its two most distant choices, whatever its "
                       "number of choices), normalised to sum to one. It ranks the parameters; a parameter "
                       "that does not matter still scores a little, so with many parameters the one that "
                       "matters most can score well below one.")
        chapter.figure(slices_figure(space, params, values, best=result.best_params), "Loss against each parameter.")
    done = frame.loc[frame["state"] == "COMPLETE"]
    if len(done):
        shown = [c for c in ("number", "value", *[f"param_{n}" for n in space.names], "duration") if c in done]
        best = done.sort_values("value", kind="stable")[shown].head(10)
        best = best.rename(columns={f"param_{n}": n for n in space.names})
        chapter.table(best, caption=f"The best {len(best)} complete trials (loss: lower is better).")
    return chapter


def write_report(result, path, *, reference: float | None = None, reference_label: str = "reference",
                 title: str | None = None, rng=None):
    """Write the HTML report of a study: convergence, parameter relevance, slices, best trials.

    Parameters
    ----------
    result : StudyResult
        What :func:`~scimlkit.tune.minimize`, :meth:`Study.result` or
        :func:`~scimlkit.tune.read_study` returned.
    path : str or path-like
        A folder (``index.html`` is written inside) or a file name ending in ``.html``.
    reference : float, optional
        A loss to draw on the convergence plot (say, the best of an earlier grid search).
    reference_label : str, default "reference"
        Its legend label.
    title : str, optional
        The report's title (default: "scimlkit tune report: " and the study's name).
    rng : int or numpy.random.Generator, optional
        Seed of the parameter-relevance model (its restarts, and which trials it is fitted to
        past 150).

    Returns
    -------
    pathlib.Path
        The file written.

    Examples
    --------
    >>> import os, tempfile
    >>> from scimlkit.tune import Float, minimize, write_report
    >>> res = minimize(lambda p: (p["x"] - 0.3) ** 2, {"x": Float(0, 1)}, n_trials=12, rng=0)
    >>> path = write_report(res, os.path.join(tempfile.mkdtemp(), "study.html"))
    >>> path.name, "Best loss so far" in path.read_text()
    ('study.html', True)
    """
    from .._report import check_report_path, save_report
    from ._study import StudyResult

    path = check_report_path(path)  # before the relevance model is fitted
    if not isinstance(result, StudyResult):
        raise InputError(f"`result` must be a StudyResult (from minimize, Study.result or read_study), "
                         f"got {describe(result)}")
    if reference is not None:
        if isinstance(reference, bool) or not isinstance(reference, int | float | np.integer | np.floating) \
                or not math.isfinite(float(reference)):
            raise InputError(f"`reference` must be a finite number, got {describe(reference)}")
        reference = float(reference)
    if not isinstance(reference_label, str):
        raise InputError(f"`reference_label` must be a string, got {describe(reference_label)}")
    if title is not None and not isinstance(title, str):
        raise InputError(f"`title` must be a string, got {describe(title)}")
    chapter = study_chapter(result, reference=reference, reference_label=reference_label,
                            title=f"Study '{result.study}'", rng=rng)
    return save_report([chapter], path, title=title or f"scimlkit tune report: {result.study}")
