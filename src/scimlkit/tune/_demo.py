"""Demo chapter: a 24-point grid search against 24 trials of ``auto`` on gradient boosting.

The model is scikit-learn's HistGradientBoostingClassifier on the bundled breast-cancer data;
the loss is the 3-fold cross-validated log-loss. The grid is what an engineer would write by
hand (6 learning rates x 4 numbers of boosting iterations); ``auto`` searches the same ranges
continuously, on a log scale. A third run repeats ``auto`` with the median pruner, which stops a
trial after a fold whose running loss is worse than the median of the complete trials there. A
fourth starts ``auto`` from the grid's results (``known=``) and adds half as many trials again.
"""

from __future__ import annotations

import time

import numpy as np

from .._report import Chapter
from ._report import convergence_figure, parameter_relevance, relevance_figure, slices_figure
from ._space import Categorical, Float, Int, Space
from ._spec import CVObjective
from ._study import minimize

__all__ = ["run"]


def _fmt(params: dict) -> str:
    return ", ".join(f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}" for k, v in params.items())


def run(*, rng, quick: bool = False) -> Chapter:
    """Run the grid-versus-``auto`` comparison and return the report chapter."""
    from sklearn.datasets import load_breast_cancer
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.model_selection import StratifiedKFold
    from threadpoolctl import threadpool_limits

    rng = np.random.default_rng(rng)
    X, y = load_breast_cancer(return_X_y=True)
    seed = int(rng.integers(2**31 - 1))
    if quick:
        lrs = np.geomspace(0.03, 0.5, 3)
        iters = [10, 30]
        folds = 2
    else:
        lrs = np.geomspace(0.01, 1.0, 6)
        iters = [15, 30, 60, 120]
        folds = 3
    n_grid = len(lrs) * len(iters)
    cv = StratifiedKFold(folds, shuffle=True, random_state=seed % 10_000)
    model = HistGradientBoostingClassifier(random_state=0)
    objective = CVObjective(model, X, y, cv=cv, scoring="neg_log_loss")  # loss = mean CV log-loss

    grid_space = Space({"learning_rate": Categorical([float(v) for v in lrs]), "max_iter": Categorical(iters)})
    space = Space({"learning_rate": Float(float(lrs[0]), float(lrs[-1]), log=True),
                   "max_iter": Int(iters[0], iters[-1], log=True)})
    with threadpool_limits(1):  # one thread per fit: predictable on a shared machine
        t0 = time.perf_counter()
        grid = minimize(objective, grid_space, method="grid", n_trials=n_grid)
        t_grid = time.perf_counter() - t0
        t0 = time.perf_counter()
        auto = minimize(objective, space, method="auto", n_trials=n_grid, rng=seed)
        t_auto = time.perf_counter() - t0
        t0 = time.perf_counter()
        pruned = minimize(objective, space, method="auto", n_trials=n_grid, rng=seed, pruner="median")
        t_pruned = time.perf_counter() - t0
        t0 = time.perf_counter()
        n_more = max(n_grid // 2, 1)
        warm = minimize(objective, space, method="auto", n_trials=n_more, rng=seed, known=grid.trials)
        t_warm = time.perf_counter() - t0
    fit_seconds = float(np.nansum(auto.trials["duration"]))
    overhead_ms = 1000 * max(t_auto - fit_seconds, 0.0) / max(len(auto.trials), 1)
    needed = auto.trials_to_reach(grid.best_value)

    chapter = Chapter("tune", "Hyperparameter search: grid against auto")
    chapter.paragraph(
        f"A gradient-boosting classifier (HistGradientBoostingClassifier) on the breast-cancer data "
        f"({X.shape[0]} rows, {X.shape[1]} features), scored by {folds}-fold cross-validated log-loss. "
        f"The grid tries {len(lrs)} learning rates x {len(iters)} numbers of iterations = {n_grid} fits; "
        f"'auto' gets the same {n_grid} trials over the same ranges, searched continuously on a log scale "
        f"(it chose '{auto.method_used}')."
    )
    fold_fits = len(pruned.intermediate)
    chapter.metrics({"grid best log-loss": grid.best_value, "auto best log-loss": auto.best_value,
                     "auto trials to match the grid": needed if needed is not None else "not reached",
                     "optimiser ms per trial": round(overhead_ms, 1),
                     "auto + pruning best log-loss": pruned.best_value,
                     "auto + pruning fold fits": f"{fold_fits} of {n_grid * folds}",
                     f"grid + {n_more} auto trials best log-loss": warm.best_value})
    chapter.figure(
        convergence_figure({f"auto ({auto.method_used})": auto.convergence,
                            f"auto started from the grid (+{n_more})": warm.convergence,
                            "grid (row order)": grid.convergence},
                           reference=grid.best_value, reference_label="grid best", ylabel="best CV log-loss so far"),
        f"Best cross-validated log-loss so far; the dashed line is the grid's best. The run started from the "
        f"grid learns from its {n_grid} results (its first {n_grid} points are the grid's) and adds {n_more} trials.",
    )
    params = [{n: row[f"param_{n}"] for n in space.names} for _, row in auto.trials.iterrows()]
    values = auto.trials["value"].to_numpy(dtype=float)
    if auto.n_complete >= 3:
        relevance = parameter_relevance(space, params, values, rng=seed)
        if quick:  # figures are the slow part of a small run: key figures only
            chapter.metrics({f"relevance of {k}": round(v, 3) for k, v in relevance.items()})
        else:
            chapter.figure(relevance_figure(relevance), "Relevance of each parameter learned from the auto trials.")
            chapter.figure(slices_figure(space, params, values, best=auto.best_params, ylabel="CV log-loss"),
                           "CV log-loss of each auto trial against each parameter (star: best).")
    table = auto.trials.nsmallest(5, "value")[["number", "value", "param_learning_rate", "param_max_iter", "duration"]]
    chapter.table(table.rename(columns={"value": "log-loss"}), "The five best auto trials.")

    chapter.note(f"grid search, {n_grid} fits: best CV log-loss {grid.best_value:.4f} ({_fmt(grid.best_params)}) "
                 f"in {t_grid:.1f} s")
    chapter.note(f"auto ({auto.method_used}), {n_grid} trials: best CV log-loss {auto.best_value:.4f} "
                 f"({_fmt(auto.best_params)}) in {t_auto:.1f} s")
    chapter.note(f"auto with the median pruner, {n_grid} trials: best CV log-loss {pruned.best_value:.4f} with "
                 f"{pruned.n_pruned} trials stopped early, {fold_fits} of {n_grid * folds} fold fits, "
                 f"in {t_pruned:.1f} s")
    chapter.note(f"auto started from the grid's {n_grid} results, {n_more} more trials: best CV log-loss "
                 f"{warm.best_value:.4f} ({_fmt(warm.best_params)}) in {t_warm:.1f} s")
    if needed is not None:
        chapter.note(f"auto matched the grid's best after {needed} of {n_grid} trials")
    else:
        chapter.note(f"auto did not reach the grid's best within {n_grid} trials "
                     f"({auto.best_value:.4f} against {grid.best_value:.4f})")
    return chapter
