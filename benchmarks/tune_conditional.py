"""Benchmark of conditional search spaces in ``scimlkit.tune`` against Optuna.

Choosing the model and its settings together (each model has its own parameters) is the common
conditional search: a parameter exists only for some values of another. Two such tasks on
scikit-learn's bundled data, each loss a 5-fold cross-validated score on fixed folds:

* breast cancer, 1 - AUC: logistic regression (C), RBF SVM (C, gamma) or k-nearest neighbours
  (k, weights), all on standardised features;
* diabetes, MSE / 1000: ridge (alpha), RBF SVR (C, gamma, epsilon) or k-nearest neighbours
  (k, weights).

scimlkit declares the space with ``when={"model": ...}``; Optuna suggests the same parameters
define-by-run inside ``if`` branches. Tools: scimlkit ``auto`` and random search, Optuna TPE
(default, and ``multivariate=True, group=True``, its recommended setting for conditional
spaces) and Optuna's GPSampler when torch is installed. Reported per task: the median best loss
over the seeds, its regret against the best loss any run found, and how often one ``auto`` run
ends lower than one run of each other tool (ties count half).

``python benchmarks/tune_conditional.py [--quick]``; the table goes to ``results/tune_conditional.md``.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine, markdown_table, save_results, versions  # noqa: E402
from scimlkit.tune import Categorical, Float, Int, Space, minimize  # noqa: E402

BUDGET = 50


def _cv_loss(make_model, X, y, scoring, sign):
    from sklearn.model_selection import KFold, StratifiedKFold, cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    classification = scoring == "roc_auc"
    folds = (StratifiedKFold if classification else KFold)(5, shuffle=True, random_state=0)
    cache: dict[tuple, float] = {}

    def loss(p):
        key = tuple(sorted(p.items()))
        if key not in cache:
            model = make_pipeline(StandardScaler(), make_model(p))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                scores = cross_val_score(model, X, y, cv=folds, scoring=scoring)
            cache[key] = sign(float(np.mean(scores)))
        return cache[key]

    return loss


def cancer_task():
    from sklearn.datasets import load_breast_cancer
    from sklearn.linear_model import LogisticRegression
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.svm import SVC

    space = Space({
        "model": Categorical(["logreg", "svm", "knn"]),
        "C": Float(1e-4, 1e3, log=True, when={"model": ["logreg", "svm"]}),
        "gamma": Float(1e-5, 1.0, log=True, when={"model": "svm"}),
        "k": Int(1, 60, log=True, when={"model": "knn"}),
        "weights": Categorical(["uniform", "distance"], when={"model": "knn"}),
    })

    def make(p):
        if p["model"] == "logreg":
            return LogisticRegression(C=p["C"], max_iter=2000)
        if p["model"] == "svm":
            return SVC(C=p["C"], gamma=p["gamma"])
        return KNeighborsClassifier(n_neighbors=p["k"], weights=p["weights"])

    X, y = load_breast_cancer(return_X_y=True)
    return space, _cv_loss(make, X, y, "roc_auc", lambda s: 1.0 - s)


def diabetes_task():
    from sklearn.datasets import load_diabetes
    from sklearn.linear_model import Ridge
    from sklearn.neighbors import KNeighborsRegressor
    from sklearn.svm import SVR

    space = Space({
        "model": Categorical(["ridge", "svr", "knn"]),
        "alpha": Float(1e-4, 1e3, log=True, when={"model": "ridge"}),
        "C": Float(1e-1, 1e4, log=True, when={"model": "svr"}),
        "gamma": Float(1e-4, 1.0, log=True, when={"model": "svr"}),
        "epsilon": Float(1e-2, 1e2, log=True, when={"model": "svr"}),
        "k": Int(1, 60, log=True, when={"model": "knn"}),
        "weights": Categorical(["uniform", "distance"], when={"model": "knn"}),
    })

    def make(p):
        if p["model"] == "ridge":
            return Ridge(alpha=p["alpha"])
        if p["model"] == "svr":
            return SVR(C=p["C"], gamma=p["gamma"], epsilon=p["epsilon"])
        return KNeighborsRegressor(n_neighbors=p["k"], weights=p["weights"])

    X, y = load_diabetes(return_X_y=True)
    return space, _cv_loss(make, X, y, "neg_mean_squared_error", lambda s: -s / 1000.0)


TASKS = {"breast cancer: logreg / SVM / kNN (1 - AUC)": cancer_task,
         "diabetes: ridge / SVR / kNN (MSE/1000)": diabetes_task}


# -- tools ------------------------------------------------------------------------------------
def run_scimlkit(space, loss, seed, method):
    return minimize(loss, space, method=method, n_trials=BUDGET, rng=seed).best_value


def _suggest(space: Space, trial) -> dict:
    """The space asked define-by-run: a parameter is suggested only where it applies."""
    out: dict = {}
    for name, p in space.params.items():
        if not space.is_active(name, out):
            continue
        if isinstance(p, Categorical):
            out[name] = trial.suggest_categorical(name, list(p.choices))
        elif isinstance(p, Int):
            out[name] = trial.suggest_int(name, p.low, p.high, log=p.log)
        else:
            out[name] = trial.suggest_float(name, p.low, p.high, log=p.log)
    return out


def run_optuna(space, loss, seed, sampler):
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    samplers = {
        "tpe": lambda: optuna.samplers.TPESampler(seed=seed),
        "tpe-group": lambda: optuna.samplers.TPESampler(seed=seed, multivariate=True, group=True),
        "gp": lambda: optuna.samplers.GPSampler(seed=seed, warn_independent_sampling=False),
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # experimental-feature warnings of multivariate / group
        study = optuna.create_study(sampler=samplers[sampler]())
        study.optimize(lambda t: loss(_suggest(space, t)), n_trials=BUDGET)
    return study.best_value


def _tools() -> dict:
    tools = {
        "scimlkit auto": lambda s, f, seed: run_scimlkit(s, f, seed, "auto"),
        "scimlkit random": lambda s, f, seed: run_scimlkit(s, f, seed, "random"),
        "optuna TPE": lambda s, f, seed: run_optuna(s, f, seed, "tpe"),
        "optuna TPE (multivariate, group)": lambda s, f, seed: run_optuna(s, f, seed, "tpe-group"),
    }
    try:
        import torch  # noqa: F401

        tools["optuna GPSampler"] = lambda s, f, seed: run_optuna(s, f, seed, "gp")
    except ImportError:
        print("torch is not installed: Optuna's GPSampler is left out")
    return tools


def _p_better(ours: np.ndarray, theirs: np.ndarray) -> float:
    diff = ours[:, None] - theirs[None, :]
    return float(np.mean((diff < 0) + 0.5 * (diff == 0)))


def main(argv: list[str]) -> int:
    quick = "--quick" in argv
    seeds = range(2) if quick else range(10)
    try:
        import optuna  # noqa: F401
    except ImportError:
        print("optuna is not installed: pip install -e '.[bench]'")
        return 1
    tools = _tools()
    rows = []
    for task_name, build in TASKS.items():
        space, loss = build()
        print(f"-- {task_name}", flush=True)
        results = {}
        for tool, fn in tools.items():
            results[tool] = np.array([fn(space, loss, seed) for seed in seeds])
            print(f"   {tool:34s} median best {np.median(results[tool]):.5g}", flush=True)
        best_known = min(float(r.min()) for r in results.values())
        ours = results["scimlkit auto"]
        for tool, values in results.items():
            rows.append({"task": task_name, "tool": tool,
                         "best loss (median)": f"{np.median(values):.5g}",
                         "regret (median)": f"{np.median(values) - best_known:.3g}",
                         "P(auto better)": "" if tool == "scimlkit auto" else f"{_p_better(ours, values):.2f}"})
    text = "\n".join([
        "# tune: conditional search spaces (model choice) against Optuna",
        "",
        f"{BUDGET} trials per run, {len(seeds)} seeds. The space picks a model and that model's own parameters "
        "(`when={\"model\": ...}` in scimlkit; `if` branches around `suggest_*` in Optuna). `regret` is measured from "
        "the best loss any run found; `P(auto better)` is the chance that one `auto` run ends lower than one run "
        "of that tool (ties count half). Sampler CPU is measured in the main tune table above.",
        "",
        markdown_table(rows),
        "",
        f"Machine: {machine()}. Versions: {versions('scimlkit', 'scikit-learn', 'scipy', 'numpy', 'optuna', 'torch')}.",
    ])
    print(text)
    if not quick:
        save_results("tune_conditional", text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
