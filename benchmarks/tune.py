"""Benchmark of ``scimlkit.tune`` optimisers against Optuna, SciPy, random search and the grid.

Problems: six synthetic test functions (Branin, Hartmann6, Ackley 5-D, Rosenbrock 4-D, Levy 6-D,
Styblinski-Tang 4-D) and four cheap real tuning tasks on scikit-learn's bundled datasets
(cross-validated loss, fixed random states so that each objective is deterministic).

Methods: scimlkit ``auto``, ``gp`` and ``de``; Optuna TPE and GPSampler (defaults); SciPy
``differential_evolution`` with its defaults (on the same unit-cube encoding of the space, stopped
at the budget); random search; the full-factorial grid sized to the budget.

Reported per problem and budget: median simple regret over the seeds (for real tasks, regret
against the best value any method found in the run), median number of evaluations to reach the
grid's best value, and the sampler's CPU time per trial (process CPU time of the whole run minus
the CPU time spent inside the objective).

scimlkit's ``gp`` spends the last quarter of its budget near the incumbent, so it runs once per
budget.

Each (problem, method, budget, seed) run is cached as JSON in ``benchmarks/_out/tune/`` so an
interrupted run resumes. Runs whose behaviour does not depend on the budget (Optuna, SciPy DE
defaults, random search, and scimlkit's ``gp`` / ``de`` where their initial design / population
size is the same at both budgets) are run once at the largest budget and read at the smaller one.

Usage::

    python benchmarks/tune.py                 # 10 seeds, budgets 50 and 100 (long)
    python benchmarks/tune.py --seeds 3       # fewer seeds
    python benchmarks/tune.py --quick         # a small version (well under a minute)
    python benchmarks/tune.py --jobs 2        # run cells in 2 worker processes
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # every method single-threaded: CPU times are comparable

import argparse  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine, markdown_table, save_results, versions  # noqa: E402
from scimlkit.tune import Categorical, Float, Int, Space, choose_method, make_optimizer  # noqa: E402

OUT = Path(__file__).resolve().parent / "_out"


# -- synthetic problems -------------------------------------------------------------------
def branin(p):
    x1, x2 = p["x1"], p["x2"]
    b, c, t = 5.1 / (4 * math.pi**2), 5 / math.pi, 1 / (8 * math.pi)
    return (x2 - b * x1**2 + c * x1 - 6) ** 2 + 10 * (1 - t) * math.cos(x1) + 10


_H6_A = np.array([[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14],
                  [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]])
_H6_P = 1e-4 * np.array([[1312, 1696, 5569, 124, 8283, 5886], [2329, 4135, 8307, 3736, 1004, 9991],
                         [2348, 1451, 3522, 2883, 3047, 6650], [4047, 8828, 8732, 5743, 1091, 381]])
_H6_ALPHA = np.array([1.0, 1.2, 3.0, 3.2])


def _vec(p, d):
    return np.array([p[f"x{i}"] for i in range(d)], dtype=float)


def hartmann6(p):
    x = _vec(p, 6)
    return float(-_H6_ALPHA @ np.exp(-(_H6_A * (x - _H6_P) ** 2).sum(axis=1)))


def ackley(p, d=5):
    x = _vec(p, d)
    return float(-20 * np.exp(-0.2 * np.sqrt(np.mean(x**2))) - np.exp(np.mean(np.cos(2 * np.pi * x)))
                 + 20 + math.e)


def rosenbrock(p, d=4):
    x = _vec(p, d)
    return float(np.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2))


def levy(p, d=6):
    x = _vec(p, d)
    w = 1 + (x - 1) / 4
    return float(np.sin(np.pi * w[0]) ** 2
                 + np.sum((w[:-1] - 1) ** 2 * (1 + 10 * np.sin(np.pi * w[:-1] + 1) ** 2))
                 + (w[-1] - 1) ** 2 * (1 + np.sin(2 * np.pi * w[-1]) ** 2))


def styblinski_tang(p, d=4):
    x = _vec(p, d)
    return float(0.5 * np.sum(x**4 - 16 * x**2 + 5 * x))


def _box(d, lo, hi):
    return Space({f"x{i}": Float(lo, hi) for i in range(d)})


SYNTHETIC = {
    "Branin (2-D)": (Space({"x1": Float(-5.0, 10.0), "x2": Float(0.0, 15.0)}), branin, 0.397887357729738),
    "Hartmann6 (6-D)": (_box(6, 0.0, 1.0), hartmann6, -3.32236801141551),
    "Ackley (5-D)": (_box(5, -32.768, 32.768), ackley, 0.0),
    "Rosenbrock (4-D)": (_box(4, -5.0, 10.0), rosenbrock, 0.0),
    "Levy (6-D)": (_box(6, -10.0, 10.0), levy, 0.0),
    "Styblinski-Tang (4-D)": (_box(4, -5.0, 5.0), styblinski_tang, -39.16616570377142 * 4),
}


# -- real tuning tasks (cheap, deterministic) ----------------------------------------------
_DATA: dict = {}


def _dataset(name):
    if name not in _DATA:
        from sklearn import datasets

        if name == "cancer":
            X, y = datasets.load_breast_cancer(return_X_y=True)
        elif name == "wine":
            X, y = datasets.load_wine(return_X_y=True)
        elif name == "digits":
            X, y = datasets.load_digits(return_X_y=True)
            rng = np.random.default_rng(0)
            idx = rng.permutation(len(y))[:450]
            X, y = X[idx] / 16.0, y[idx]
        else:
            X, y = datasets.load_diabetes(return_X_y=True)
        _DATA[name] = (X, y)
    return _DATA[name]


def _cv(model, data, scoring):
    from sklearn.model_selection import KFold, StratifiedKFold, cross_val_score

    X, y = _dataset(data)
    cv = (KFold if data == "diabetes" else StratifiedKFold)(3, shuffle=True, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return -float(np.mean(cross_val_score(model, X, y, cv=cv, scoring=scoring)))


def svm_cancer(p):
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    model = make_pipeline(StandardScaler(), SVC(C=p["C"], gamma=p["gamma"]))
    return 1.0 + _cv(model, "cancer", "roc_auc")  # 1 - AUC: continuous, unlike the error rate


def rf_wine(p):
    from sklearn.ensemble import RandomForestClassifier

    model = RandomForestClassifier(n_estimators=10, max_depth=p["max_depth"], max_features=p["max_features"],
                                   min_samples_leaf=p["min_samples_leaf"], criterion=p["criterion"],
                                   random_state=0, n_jobs=1)
    return _cv(model, "wine", "neg_log_loss")


def mlp_digits(p):
    from sklearn.neural_network import MLPClassifier

    model = MLPClassifier(hidden_layer_sizes=(p["hidden"],), alpha=p["alpha"],
                          learning_rate_init=p["learning_rate_init"], max_iter=15, random_state=0)
    return _cv(model, "digits", "neg_log_loss")


def gb_diabetes(p):
    from sklearn.ensemble import GradientBoostingRegressor

    model = GradientBoostingRegressor(n_estimators=30, learning_rate=p["learning_rate"], max_depth=p["max_depth"],
                                      subsample=p["subsample"], min_samples_leaf=p["min_samples_leaf"],
                                      random_state=0)
    return _cv(model, "diabetes", "neg_mean_squared_error") / 1000.0


REAL = {
    "SVM, breast cancer (1 - AUC)": (
        Space({"C": Float(1e-2, 1e3, log=True), "gamma": Float(1e-5, 1e1, log=True)}), svm_cancer, None),
    "Random forest, wine (log loss)": (
        Space({"max_depth": Int(1, 12), "max_features": Float(0.1, 1.0), "min_samples_leaf": Int(1, 20, log=True),
               "criterion": Categorical(["gini", "entropy"])}), rf_wine, None),
    "MLP, digits (log loss)": (
        Space({"hidden": Int(4, 128, log=True), "alpha": Float(1e-6, 1e0, log=True),
               "learning_rate_init": Float(1e-4, 3e-1, log=True)}), mlp_digits, None),
    "Gradient boosting, diabetes (MSE/1000)": (
        Space({"learning_rate": Float(1e-2, 1.0, log=True), "max_depth": Int(1, 6), "subsample": Float(0.3, 1.0),
               "min_samples_leaf": Int(1, 50, log=True)}), gb_diabetes, None),
}

PROBLEMS = {**SYNTHETIC, **REAL}
METHODS = ["auto", "gp", "de", "optuna-tpe", "optuna-gp", "scipy-de", "random", "grid"]
BUDGET_FREE = {"optuna-tpe", "optuna-gp", "scipy-de", "random"}  # behaviour independent of the budget


# -- running one cell ---------------------------------------------------------------------
class _Budget(Exception):
    pass


class _Counter:
    """Wraps the objective: records values and the CPU time spent inside it."""

    def __init__(self, fn, budget):
        self.fn, self.budget = fn, budget
        self.values: list[float] = []
        self.cpu = 0.0

    def __call__(self, params):
        if len(self.values) >= self.budget:
            raise _Budget
        t0 = time.process_time()
        try:
            value = float(self.fn(params))
        finally:
            self.cpu += time.process_time() - t0
        self.values.append(value)
        return value


def _run_scimlkit(method, space, obj, budget, seed):
    opt = make_optimizer(method, space, rng=seed, n_trials=budget)
    while len(obj.values) < budget and not opt.exhausted:
        for p in opt.propose(1):
            opt.observe(p, obj(p))


def _optuna_dists(space):
    import optuna

    out = {}
    for name, p in space.params.items():
        if isinstance(p, Float):
            out[name] = optuna.distributions.FloatDistribution(p.low, p.high, log=p.log)
        elif isinstance(p, Int):
            out[name] = optuna.distributions.IntDistribution(p.low, p.high, log=p.log)
        else:
            out[name] = optuna.distributions.CategoricalDistribution(list(p.choices))
    return out


def optuna_sampler(kind, seed):
    """Optuna's GPSampler (``kind`` "optuna-gp", torch on one thread) or TPE sampler, quiet."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.ERROR)
    if kind == "optuna-gp":
        import torch

        torch.set_num_threads(1)
        return optuna.samplers.GPSampler(seed=seed)
    return optuna.samplers.TPESampler(seed=seed)


def _run_optuna(kind, space, obj, budget, seed, known=()):
    """``budget`` trials of an Optuna sampler, after the ``(params, loss)`` pairs ``known`` are
    added to its study."""
    import optuna

    study = optuna.create_study(sampler=optuna_sampler(kind, seed))
    dists = _optuna_dists(space)
    if known:
        study.add_trials([optuna.trial.create_trial(params=dict(p), distributions=dists, value=v) for p, v in known])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(budget):
            trial = study.ask(dists)
            study.tell(trial, obj(dict(trial.params)))


def _run_scipy_de(space, obj, budget, seed):
    from scipy.optimize import differential_evolution

    def f(u):
        return obj(space._from_unit(np.asarray(u)[None, :])[0])

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            differential_evolution(f, [(0.0, 1.0)] * len(space), rng=seed)
    except _Budget:
        pass


def run_cell(problem, method, budget, seed, cache_dir):
    path = cache_dir / f"{_slug(problem)}__{method}__{budget}__{seed}.json"
    if path.exists():
        return json.loads(path.read_text())
    space, fn, _ = PROBLEMS[problem]
    obj = _Counter(fn, budget)
    t0 = time.process_time()
    if method == "auto" and choose_method(space, budget) == "gp":
        # the same run as gp, seed for seed (AutoOptimizer hands its generator to GPOptimizer)
        gp = run_cell(problem, "gp", budget, seed, cache_dir)
        obj.values, total = gp["values"], obj.cpu + gp["sampler_cpu_ms_per_trial"] * len(gp["values"]) / 1000.0
    elif method in ("auto", "gp", "de", "random", "grid"):
        _run_scimlkit(method, space, obj, budget, seed)
    elif method.startswith("optuna"):
        _run_optuna(method, space, obj, budget, seed)
    elif method == "scipy-de":
        _run_scipy_de(space, obj, budget, seed)
    if not (method == "auto" and choose_method(space, budget) == "gp"):
        total = time.process_time() - t0
    n = max(len(obj.values), 1)
    out = {"values": obj.values, "sampler_cpu_ms_per_trial": 1000.0 * (total - obj.cpu) / n}
    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(out))
    tmp.replace(path)
    return out


def _slug(text):
    return "".join(c if c.isalnum() else "_" for c in text).strip("_")[:40]


def _budget_free(problem, method, budgets):
    """True when the method behaves the same whatever the budget (then one run is read at each)."""
    if method in BUDGET_FREE:
        return True
    if method in ("gp", "auto", "de"):  # same initial design / population size at every budget
        space = PROBLEMS[problem][0]
        if method == "auto" and choose_method(space, max(budgets)) != choose_method(space, min(budgets)):
            return False
        m = "de" if method == "de" else "gp"
        if m == "gp" and make_optimizer(m, space).options["final_local"] > 0:
            return False  # the last part of the budget is spent differently
        attr = "popsize" if m == "de" else "n_initial"
        return len({getattr(make_optimizer(m, space, n_trials=b), attr) for b in budgets}) == 1
    return False


def _cells(problems, methods, budgets, seeds):
    # seed-major, so that an interrupted run leaves complete seeds
    yield from _group_cells(problems, methods, budgets, seeds)


def _group_cells(problems, methods, budgets, seeds):
    top = max(budgets)
    for seed in seeds:
        for problem in problems:
            for method in methods:
                if method == "grid" and seed != seeds[0]:
                    continue
                for budget in budgets:
                    if _budget_free(problem, method, budgets) and budget != top:
                        continue
                    yield problem, method, budget, 0 if method == "grid" else seed


def _work(args):
    return run_cell(*args)


# -- summarising ----------------------------------------------------------------------------
def _trace(problem, method, budget, seed, cache_dir):
    run_budget = max(BUDGETS_RUN) if _budget_free(problem, method, BUDGETS_RUN) else budget
    s = 0 if method == "grid" else seed
    res = run_cell(problem, method, run_budget, s, cache_dir)
    return res["values"][:budget], res["sampler_cpu_ms_per_trial"]


def _fmt(x):
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    if x == 0:
        return "0"
    return f"{x:.2g}"


def summarise(problems, methods, budgets, seeds_of, cache_dir):
    refs = {}
    for problem in problems:
        seeds = seeds_of[problem]
        fmin = PROBLEMS[problem][2]
        if fmin is None:  # real task: the best value found by any method in the run
            fmin = min(min(_trace(problem, m, b, s, cache_dir)[0]) for m in methods for b in budgets for s in seeds)
        refs[problem] = fmin
    regret_rows, reach_rows, cpu_rows, cells, runs = [], [], [], [], {}
    for problem in problems:
        seeds = seeds_of[problem]
        for budget in budgets:
            grid_vals, _ = _trace(problem, "grid", budget, 0, cache_dir) if "grid" in methods else ([], 0)
            grid_best = min(grid_vals) if grid_vals else None
            reg = {"problem": problem, "seeds": len(seeds), "budget": budget}
            reach = {"problem": problem, "budget": budget, "grid size": len(grid_vals)}
            med = {}
            for m in methods:
                regrets, hits = [], []
                for s in seeds if m != "grid" else [0]:
                    vals, _ = _trace(problem, m, budget, s, cache_dir)
                    regrets.append(max(min(vals) - refs[problem], 0.0))
                    if grid_best is not None:
                        best = np.minimum.accumulate(vals)
                        idx = np.flatnonzero(best <= grid_best + 1e-12)
                        hits.append(int(idx[0]) + 1 if len(idx) else math.inf)
                med[m] = float(np.median(regrets))
                runs[(problem, budget, m)] = regrets
                reg[m] = _fmt(med[m])
                if hits and m != "grid":
                    h = float(np.median(hits))
                    reach[m] = f">{budget}" if math.isinf(h) else f"{h:.0f}"
            cells.append((problem, budget, med))
            regret_rows.append(reg)
            reach_rows.append(reach)
        top = max(budgets)
        cpu = {"problem": problem, "dims": len(PROBLEMS[problem][0])}
        for m in methods:
            if m == "grid":
                continue
            vals = [_trace(problem, m, top, s, cache_dir)[1] for s in seeds]
            cpu[m] = f"{np.median(vals):.1f}"
        cpu_rows.append(cpu)
    return regret_rows, reach_rows, cpu_rows, cells, refs, runs


def head_to_head(runs, problems, budgets, methods, ours="auto", others=("optuna-tpe", "optuna-gp")):
    """Per cell: the probability that one run of ``ours`` ends with a lower regret than one run of
    another method (ties count half; the Mann-Whitney U statistic over the runs' pairs) and the
    two-sided Mann-Whitney p-value. Runs with the same seed number are independent, so the runs
    are compared as two samples, not as pairs."""
    from scipy.stats import mannwhitneyu

    others = [m for m in others if m in methods]
    rows = []
    if ours not in methods or not others:
        return rows, []
    for problem in problems:
        for budget in budgets:
            row = {"problem": problem, "budget": budget}
            a = np.asarray(runs[(problem, budget, ours)])
            for m in others:
                b = np.asarray(runs[(problem, budget, m)])
                wins = np.sum(a[:, None] < b[None, :]) + 0.5 * np.sum(a[:, None] == b[None, :])
                row[f"P(better than {m})"] = f"{wins / (len(a) * len(b)):.2f}"
                if np.ptp(np.concatenate([a, b])) == 0:
                    row[f"p vs {m}"] = "1"
                else:
                    row[f"p vs {m}"] = f"{mannwhitneyu(a, b, alternative='two-sided').pvalue:.2g}"
            rows.append(row)
    cols = ["problem", "budget"] + [c for m in others for c in (f"P(better than {m})", f"p vs {m}")]
    return rows, cols


def targets(cells, reach_rows, cpu_rows, methods):
    lines = []
    if {"auto", "optuna-gp"} <= set(methods):
        ok = sum(c[2]["auto"] <= c[2]["optuna-gp"] * (1 + 1e-9) for c in cells)
        need = math.ceil(2 * len(cells) / 3)
        lines.append(f"- `auto` no worse than Optuna GPSampler (median regret): {ok} of {len(cells)} cells "
                     f"(target >= {need}): {'met' if ok >= need else 'NOT met'}")
    if {"auto", "optuna-tpe"} <= set(methods):
        better = sum(c[2]["auto"] < c[2]["optuna-tpe"] for c in cells)
        ties = sum(c[2]["auto"] == c[2]["optuna-tpe"] for c in cells)
        lines.append(f"- `auto` better than Optuna TPE: strictly better on {better} of {len(cells)} cells, "
                     f"tied on {ties} (target: all): {'met' if better == len(cells) else 'NOT met' + (' (ties count as not better)' if ties else '')}")
    real = [r for r in reach_rows if r["problem"] in REAL and "auto" in r]
    if real:
        good = 0
        for r in real:
            v = r["auto"]
            good += (not v.startswith(">")) and float(v) <= r["grid size"] / 4
        lines.append(f"- grid's best reached by `auto` within a quarter of the grid's evaluations on the real "
                     f"tasks: {good} of {len(real)} cells: {'met' if good == len(real) else 'NOT met'}")
    six = [r for r in cpu_rows if r["dims"] == 6 and "auto" in r and "optuna-gp" in r]
    if six:
        ratios = [float(r["auto"]) / float(r["optuna-gp"]) for r in six]
        lines.append("- sampler CPU at 100 trials in 6-D, `auto` / GPSampler: "
                     + ", ".join(f"{r['problem']} {float(r['auto']):.1f} / {float(r['optuna-gp']):.1f} ms "
                                 f"(ratio {q:.2f})" for r, q in zip(six, ratios, strict=True))
                     + f": {'met' if max(ratios) <= 1 / 3 else 'NOT met'} (target <= 1/3)")
    return lines


def levels_below(cells, runs, methods, ours="auto", other="optuna-tpe"):
    """For each cell where ``ours`` is not strictly better than ``other`` (median regret): how many
    of all the runs of the problem (every method and budget) ended below ``other``'s median, and
    how many of ``ours``'s runs did. Losses such as 1 - AUC on fixed folds take few distinct values
    near the optimum; when few runs ever go below the other method's median, a strictly lower
    median is out of reach whatever the optimiser does."""
    if not {ours, other} <= set(methods):
        return []
    lines = []
    for problem, budget, med in cells:
        if med[ours] < med[other]:
            continue
        budgets = sorted({b for (p, b, _) in runs if p == problem})
        pool = []  # distinct runs: a budget-free method's runs once (at the top budget), `auto`'s gp runs once
        for (p, b, m), regrets in runs.items():
            if p != problem or m == "grid" or (m == "auto" and choose_method(PROBLEMS[p][0], b) == "gp"):
                continue
            if b != budgets[-1] and _budget_free(p, m, budgets):
                continue
            pool += regrets
        line = med[other] * (1 - 1e-9)
        below = sum(r < line for r in pool)
        mine = runs[(problem, budget, ours)]
        need = len(mine) // 2 + 1
        lines.append(f"- {problem} at {budget}: {below} of {len(pool)} runs (every method and budget) ended "
                     f"below {other}'s median regret {_fmt(med[other])}; `{ours}` had "
                     f"{sum(r < line for r in mine)} of {len(mine)} there, and a lower median needs {need}")
    return lines


BUDGETS_RUN: tuple[int, ...] = (50, 100)


def main(argv=None):
    global BUDGETS_RUN
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--no-save", action="store_true")
    ap.add_argument("--report-only", action="store_true", help="summarise the cached cells only")
    args = ap.parse_args(argv)
    methods = list(METHODS)
    try:
        import optuna  # noqa: F401
    except ImportError:
        methods = [m for m in methods if not m.startswith("optuna")]
    if args.quick:
        problems = ["Branin (2-D)", "SVM, breast cancer (1 - AUC)"]
        budgets, seeds, cache_dir = (20,), list(range(2)), OUT / "tune_quick"
        methods = [m for m in methods if m != "optuna-gp"]
    else:
        problems = list(PROBLEMS)
        budgets, seeds, cache_dir = (50, 100), list(range(args.seeds)), OUT / "tune"
    BUDGETS_RUN = budgets
    cells = list(_cells(problems, methods, budgets, seeds))
    t0 = time.time()
    if not args.report_only:
        todo = [c for c in cells if not (cache_dir / f"{_slug(c[0])}__{c[1]}__{c[2]}__{c[3]}.json").exists()]
        # an `auto` cell that chose gp is read from the gp cell: run it after the gp cells
        later = [c for c in todo if c[1] == "auto" and choose_method(PROBLEMS[c[0]][0], c[2]) == "gp"]
        todo = [c for c in todo if c not in later]
        print(f"{len(cells)} cells, {len(todo)} to run", flush=True)
        if args.jobs > 1:
            from concurrent.futures import ProcessPoolExecutor

            with ProcessPoolExecutor(args.jobs) as ex:
                for i, _ in enumerate(ex.map(_work, [(*c, cache_dir) for c in todo]), 1):
                    if i % 20 == 0:
                        print(f"  {i}/{len(todo)} cells, {time.time() - t0:.0f} s", flush=True)
        else:
            for i, c in enumerate(todo, 1):
                run_cell(*c, cache_dir)
                if i % 20 == 0:
                    print(f"  {i}/{len(todo)} cells, {time.time() - t0:.0f} s", flush=True)
        for c in later:
            run_cell(*c, cache_dir)
    # which seeds are complete for every method (a partial run reports those)
    for c in cells:  # materialise the `auto` cells whose gp run is done
        gp_path = cache_dir / f"{_slug(c[0])}__gp__{c[2]}__{c[3]}.json"
        if c[1] == "auto" and choose_method(PROBLEMS[c[0]][0], c[2]) == "gp" and gp_path.exists():
            run_cell(*c, cache_dir)
    seeds_of = {p: [s for s in seeds if all(
        (cache_dir / f"{_slug(q)}__{m}__{b}__{s2}.json").exists()
        for q, m, b, s2 in _cells([p], methods, budgets, [s]))] for p in problems}
    problems = [p for p in problems if seeds_of[p]]
    if not problems:
        print("no complete seed yet")
        return 1
    counts = sorted({len(seeds_of[p]) for p in problems})
    seed_text = (f"{counts[0]} seeds" if len(counts) == 1 else
                 f"{counts[-1]} seeds on the synthetic problems and the number of seeds given per row on the "
                 f"real tasks (the run was cut to finish in time; {len(seeds)} were planned)")
    regret_rows, reach_rows, cpu_rows, cells_med, refs, runs = summarise(problems, methods, budgets, seeds_of,
                                                                         cache_dir)
    h2h_rows, h2h_cols = head_to_head(runs, problems, budgets, methods)
    cols = ["problem", "seeds", "budget", *methods]
    head = (f"# tune: optimisers against Optuna, SciPy, random and grid search\n\n"
            f"Median over {seed_text}"
            + f", budgets {', '.join(map(str, budgets))} evaluations. Machine: {machine()}. "
            f"Versions: {versions('scimlkit', 'numpy', 'scipy', 'scikit-learn', 'optuna', 'torch')}. "
            "Every method single-threaded (BLAS, torch). `auto` chose "
            + ", ".join(sorted({choose_method(PROBLEMS[p][0], b) for p in problems for b in budgets}))
            + " on these problems; where it chose `gp` its runs are those of `gp` with the same seed.\n")
    text = [head, "## Median simple regret (lower is better)\n",
            "Synthetic functions: regret against the known minimum; real tasks: against the best value "
            "any method found in this run. Methods whose behaviour does not depend on the budget (Optuna, "
            "SciPy DE, random search, and `de` where its population size is the same at both budgets) "
            "are read at budget 50 from the first 50 evaluations of their 100-evaluation runs; `gp` "
            "(which spends the last quarter of its budget near the incumbent) runs at each budget; the "
            "grid is deterministic (one run per budget).\n",
            markdown_table(regret_rows, cols),
            "\n## `auto` against the Optuna samplers, run by run\n",
            "How often one run of `auto` ends with a lower regret than one run of the other sampler "
            "(over all pairs of runs; ties count half; 0.5 is a coin toss), with the two-sided "
            "Mann-Whitney p-value of the difference. The medians above can swap on a cell where "
            "the runs are this close to each other.\n",
            markdown_table(h2h_rows, h2h_cols),
            "\n## Evaluations to reach the grid's best value (median; `>B`: not within the budget)\n",
            markdown_table(reach_rows, ["problem", "budget", "grid size", *[m for m in methods if m != "grid"]]),
            f"\n## Sampler CPU per trial at {max(budgets)} trials (ms; process CPU minus objective CPU)\n",
            markdown_table(cpu_rows, ["problem", "dims", *[m for m in methods if m != "grid"]]),
            "\n## Targets\n", *targets(cells_med, reach_rows, cpu_rows, methods),
            *(["\nWhere `auto` is not below TPE's median regret, how far below it any run went:\n", *below]
              if (below := levels_below(cells_med, runs, methods)) else []),
            f"\n(wall time of this invocation: {time.time() - t0:.0f} s)"]
    out = "\n".join(text)
    print(out)
    if not args.quick and not args.no_save:
        print(f"saved to {save_results('tune', out)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
