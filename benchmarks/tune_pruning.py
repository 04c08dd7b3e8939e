"""Benchmark of pruning in ``scimlkit.tune`` against Optuna's pruners.

Three iterative learners report a validation loss after every step (epoch or boosting stage):
SGD logistic regression and an MLP on digits (``partial_fit`` epochs, validation log loss), and
gradient boosting on diabetes (``warm_start``, 20 trees per step, validation MSE / 1000). Each is
tuned with 30 trials, without pruning, with a median pruner (5 start-up trials, no warm-up) and
with successive halving (default options), by scimlkit (``auto``, and random search with the
median pruner) and by Optuna (TPE, and random search with the median pruner), over several
seeds. Reported per task and tool: the training steps run (the work), the wall time, and the best
final validation loss of the complete trials, as medians over the seeds.

``python benchmarks/tune_pruning.py [--quick]``; the table goes to ``results/tune_pruning.md``.
"""

from __future__ import annotations

import math
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine, markdown_table, save_results, versions  # noqa: E402
from scimlkit.tune import Float, Int, MedianPruner, SuccessiveHalvingPruner, minimize, report_step  # noqa: E402

N_TRIALS = 30


# -- tasks: each builds (space, run(params, report) -> final loss) -----------------------------
def _digits():
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    X, y = load_digits(return_X_y=True)
    return train_test_split(X / 16.0, y, test_size=0.3, random_state=0, stratify=y)


def _epochs(make_model, n_epochs: int):
    """``run(params, report)``: ``partial_fit`` epochs on digits, validation log loss after each."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.metrics import log_loss

    Xtr, Xva, ytr, yva = _digits()
    classes = np.unique(ytr)

    def run(p, report):
        model = make_model(p)
        loss = math.inf
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            for step in range(n_epochs):
                model.partial_fit(Xtr, ytr, classes=classes)
                loss = log_loss(yva, np.clip(model.predict_proba(Xva), 1e-12, 1.0), labels=classes)
                report(loss, step)
        return loss

    return run


def sgd_task():
    from sklearn.linear_model import SGDClassifier

    space = {"alpha": Float(1e-6, 1e-1, log=True), "eta0": Float(1e-4, 1.0, log=True)}
    run = _epochs(lambda p: SGDClassifier(loss="log_loss", alpha=p["alpha"], eta0=p["eta0"],
                                          learning_rate="constant", random_state=0), 30)
    return space, run, 30


def mlp_task():
    from sklearn.neural_network import MLPClassifier

    space = {"hidden": Int(8, 128, log=True), "alpha": Float(1e-6, 1e-1, log=True),
             "learning_rate_init": Float(1e-4, 1e-1, log=True)}
    run = _epochs(lambda p: MLPClassifier(hidden_layer_sizes=(p["hidden"],), alpha=p["alpha"],
                                          learning_rate_init=p["learning_rate_init"], random_state=0), 20)
    return space, run, 20


def gb_task():
    from sklearn.datasets import load_diabetes
    from sklearn.ensemble import GradientBoostingRegressor
    from sklearn.metrics import mean_squared_error
    from sklearn.model_selection import train_test_split

    X, y = load_diabetes(return_X_y=True)
    Xtr, Xva, ytr, yva = train_test_split(X, y, test_size=0.3, random_state=0)
    space = {"learning_rate": Float(1e-3, 1.0, log=True), "max_depth": Int(1, 6),
             "subsample": Float(0.3, 1.0)}

    def run(p, report):
        model = GradientBoostingRegressor(learning_rate=p["learning_rate"], max_depth=p["max_depth"],
                                          subsample=p["subsample"], warm_start=True, random_state=0)
        loss = math.inf
        for step in range(10):
            model.set_params(n_estimators=20 * (step + 1)).fit(Xtr, ytr)
            loss = mean_squared_error(yva, model.predict(Xva)) / 1000.0
            report(loss, step)
        return loss

    return space, run, 10


TASKS = {
    "SGD logistic, digits (30 epochs, log loss)": sgd_task,
    "MLP, digits (20 epochs, log loss)": mlp_task,
    "Gradient boosting, diabetes (10 x 20 trees, MSE/1000)": gb_task,
}


# -- tools ------------------------------------------------------------------------------------
def run_scimlkit(space, run, seed, method, prune):
    steps = [0]

    def objective(p):
        def report(loss, step):
            steps[0] += 1
            report_step(loss, step)

        return run(p, report)

    pruner = {"none": None, "median": MedianPruner(n_startup_trials=5), "halving": SuccessiveHalvingPruner()}[prune]
    res = minimize(objective, space, method=method, n_trials=N_TRIALS, rng=seed, pruner=pruner)
    return steps[0], res.best_value, res.n_pruned


def _optuna_space(space, trial):
    out = {}
    for name, p in space.items():
        if isinstance(p, Int):
            out[name] = trial.suggest_int(name, p.low, p.high, log=p.log)
        else:
            out[name] = trial.suggest_float(name, p.low, p.high, log=p.log)
    return out


def run_optuna(space, run, seed, sampler, prune):
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    steps = [0]

    def objective(trial):
        p = _optuna_space(space, trial)

        def report(loss, step):
            steps[0] += 1
            trial.report(loss, step)
            if trial.should_prune():
                raise optuna.TrialPruned()

        return run(p, report)

    samplers = {"tpe": optuna.samplers.TPESampler, "random": optuna.samplers.RandomSampler}
    pruner = {"none": optuna.pruners.NopPruner(), "median": optuna.pruners.MedianPruner(n_startup_trials=5),
              "halving": optuna.pruners.SuccessiveHalvingPruner()}[prune]
    study = optuna.create_study(sampler=samplers[sampler](seed=seed), pruner=pruner)
    study.optimize(objective, n_trials=N_TRIALS)
    complete = [t.value for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    n_pruned = sum(t.state == optuna.trial.TrialState.PRUNED for t in study.trials)
    return steps[0], min(complete) if complete else math.nan, n_pruned


TOOLS = {
    "scimlkit auto": lambda s, r, seed, prune: run_scimlkit(s, r, seed, "auto", prune),
    "scimlkit random": lambda s, r, seed, prune: run_scimlkit(s, r, seed, "random", prune),
    "optuna TPE": lambda s, r, seed, prune: run_optuna(s, r, seed, "tpe", prune),
    "optuna random": lambda s, r, seed, prune: run_optuna(s, r, seed, "random", prune),
}


def main(argv: list[str]) -> int:
    quick = "--quick" in argv
    seeds = range(2) if quick else range(5)
    tasks = dict(list(TASKS.items())[:1]) if quick else TASKS
    try:
        import optuna  # noqa: F401
    except ImportError:
        print("optuna is not installed: pip install -e '.[bench]'")
        return 1
    rows, summary = [], []
    for task_name, build in tasks.items():
        space, run, n_steps = build()
        full = N_TRIALS * n_steps
        print(f"-- {task_name}", flush=True)
        best_known = math.inf
        cells = {}
        for tool, fn in TOOLS.items():
            for prune in ("none", "median", "halving"):
                if tool.endswith("random") and prune != "median":
                    continue  # random search: one pruner is enough to compare the two rule implementations
                out = []
                for seed in seeds:
                    t0 = time.perf_counter()
                    steps, best, n_pruned = fn(space, run, seed, prune)
                    out.append((steps, best, n_pruned, time.perf_counter() - t0))
                cells[(tool, prune)] = out
                best_known = min(best_known, min(o[1] for o in out))
                med = np.median(np.array(out), axis=0)
                print(f"   {tool:16s} pruner={prune:7s} steps {med[0]:.0f}/{full} best {med[1]:.4g} "
                      f"pruned {med[2]:.0f} {med[3]:.1f} s", flush=True)
        for (tool, prune), out in cells.items():
            arr = np.array(out)
            rows.append({"task": task_name, "tool": tool, "pruner": prune,
                         "steps run (median)": f"{np.median(arr[:, 0]):.0f} / {full}",
                         "share of steps": f"{np.median(arr[:, 0]) / full:.2f}",
                         "trials pruned": f"{np.median(arr[:, 2]):.0f}",
                         "best loss (median)": f"{np.median(arr[:, 1]):.4g}",
                         "regret to best seen": f"{np.median(arr[:, 1]) - best_known:.3g}",
                         "seconds (median)": f"{np.median(arr[:, 3]):.1f}"})
        for prune in ("median", "halving"):
            ours = np.array(cells[("scimlkit auto", prune)])
            tpe = np.array(cells[("optuna TPE", prune)])
            summary.append(f"- {task_name}, {prune}: scimlkit `auto` ran "
                           f"{np.median(ours[:, 0]) / np.median(tpe[:, 0]):.2f}x the steps of Optuna TPE with the "
                           f"same pruner, best loss {np.median(ours[:, 1]):.4g} against {np.median(tpe[:, 1]):.4g} "
                           f"(median of {len(seeds)} seeds).")
    text = "\n".join([
        "# tune: pruning against Optuna's pruners",
        "",
        f"{N_TRIALS} trials per run, {len(seeds)} seeds; each trial reports its validation loss after every "
        "step and a pruner may stop it: `median` (5 start-up trials, no warm-up) or `halving` (successive "
        "halving, default options); the rules are the same in both libraries. "
        "`steps run` counts the training steps of all trials (the work); `best loss` is the best final loss of "
        "the complete trials; `regret to best seen` is measured from the best final loss of any run in this table.",
        "",
        markdown_table(rows),
        "",
        *summary,
        "",
        f"Machine: {machine()}. Versions: {versions('scimlkit', 'scikit-learn', 'scipy', 'numpy', 'optuna')}.",
    ])
    print(text)
    if not quick:
        save_results("tune_pruning", text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
