"""Benchmark of warm starts in ``scimlkit.tune``: a few more trials after a grid search.

The job: an engineer has run a 24-point grid search (``Space.grid`` sized to 24 points) on a
real tuning task and gives a few more evaluations to beat it. Every tool is handed the grid's
24 results and proposes 12 more points: scimlkit ``auto`` with ``minimize(known=...)``, Optuna's
TPE and GPSampler with ``study.add_trials`` (the grid's trials created with
``optuna.trial.create_trial``). For reference, ``auto`` from scratch with 36 trials (the same
number of fits as the grid and the 12 more together).

The four real tasks of ``benchmarks/tune.py`` (cross-validated losses on scikit-learn's bundled
datasets, deterministic). Reported per task over the seeds: the median loss after 6 and 12 more
trials as regret against the best loss any run found, how many runs beat the grid's best
(strictly) within the 12, the median number of more trials it took (``>12`` when most did not),
and the sampler's CPU time per trial.

``python benchmarks/tune_warm.py [--seeds 10] [--quick]``; the table goes to
``results/tune_warm.md``.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine, markdown_table, save_results, versions  # noqa: E402
from scimlkit.tune import minimize  # noqa: E402
from tune import REAL, _run_optuna  # noqa: E402

GRID, MORE = 24, 12
CHECKS = (6, 12)


class _Timed:
    """The objective with the CPU time spent inside it counted."""

    def __init__(self, fn):
        self.fn, self.cpu, self.values = fn, 0.0, []

    def __call__(self, params):
        t0 = time.process_time()
        value = float(self.fn(params))
        self.cpu += time.process_time() - t0
        self.values.append(value)
        return value


def _scimlkit_warm(space, fn, known, seed):
    obj = _Timed(fn)
    minimize(obj, space, method="auto", n_trials=MORE, known=known, rng=seed)
    return obj


def _scimlkit_cold(space, fn, known, seed):
    obj = _Timed(fn)
    minimize(obj, space, method="auto", n_trials=GRID + MORE, rng=seed)
    return obj


def _optuna_warm(kind):
    def run(space, fn, known, seed):
        obj = _Timed(fn)
        _run_optuna(f"optuna-{kind}", space, obj, MORE, seed, known=known)
        return obj

    return run


def tools(with_gp: bool) -> dict:
    out = {"auto from the grid": _scimlkit_warm, "optuna-tpe from the grid": _optuna_warm("tpe")}
    if with_gp:
        out["optuna-gp from the grid"] = _optuna_warm("gp")
    out[f"auto from scratch ({GRID + MORE})"] = _scimlkit_cold
    return out


def run(problems, seeds, with_gp: bool):
    rows, cpu_rows = [], []
    for problem in problems:
        space, fn, _ = REAL[problem]
        points = space.grid(None, GRID)
        known = [(p, float(fn(p))) for p in points]
        grid_best = min(v for _, v in known)
        runs: dict[str, list] = {}
        for name, tool in tools(with_gp).items():
            for seed in seeds:
                t0 = time.process_time()
                obj = tool(space, fn, known, seed)
                total = time.process_time() - t0
                runs.setdefault(name, []).append((np.asarray(obj.values), (total - obj.cpu) / len(obj.values)))
        best_seen = min(grid_best, *(float(v.min()) for rs in runs.values() for v, _ in rs))
        for name, rs in runs.items():
            scratch = name.startswith("auto from scratch")
            row = {"task": problem, "tool": name, "seeds": len(rs)}
            for k in CHECKS:
                take = GRID + k if scratch else k
                finals = [min(float(v[:take].min()), np.inf if scratch else grid_best) for v, _ in rs]
                row[f"regret after +{k}"] = float(np.median(finals)) - best_seen
            if scratch:
                beat = [np.flatnonzero(np.minimum.accumulate(v) < grid_best) for v, _ in rs]
                row[f"runs beating the grid (in {GRID + MORE})"] = f"{sum(b.size > 0 for b in beat)}/{len(rs)}"
                row["trials to beat it (median)"] = _median_reach(beat, GRID + MORE)
            else:
                beat = [np.flatnonzero(np.minimum.accumulate(v) < grid_best) for v, _ in rs]
                row[f"runs beating the grid (in {GRID + MORE})"] = f"{sum(b.size > 0 for b in beat)}/{len(rs)}"
                row["trials to beat it (median)"] = _median_reach(beat, MORE, offset=GRID)
            rows.append(row)
            cpu_rows.append({"task": problem, "tool": name,
                             "sampler CPU ms per trial": 1000 * float(np.median([c for _, c in rs]))})
        print(f"{problem}: grid best {grid_best:.6g}, best seen {best_seen:.6g}", flush=True)
    return rows, cpu_rows


def summary(rows) -> list[str]:
    """Plain-language lines: ``auto`` against each Optuna sampler from the grid, and against
    spending the grid's fits on ``auto`` from the start."""
    key = f"regret after +{MORE}"
    by = {(r["task"], r["tool"]): r for r in rows}
    tasks = list(dict.fromkeys(r["task"] for r in rows))
    ours = "auto from the grid"
    lines = []
    for other in sorted({r["tool"] for r in rows if r["tool"].startswith("optuna")}):
        lower = [t for t in tasks if by[(t, ours)][key] < by[(t, other)][key]]
        equal = [t for t in tasks if by[(t, ours)][key] == by[(t, other)][key]]
        lines.append(f"- `{ours}` ends lower than `{other}` on {len(lower)} of {len(tasks)} tasks"
                     + (f" (equal on {len(equal)})" if equal else "") + f" (median regret after +{MORE}).")
    beats = [by[(t, ours)][f"runs beating the grid (in {GRID + MORE})"] for t in tasks]
    won = sum(int(b.split("/")[0]) for b in beats)
    total = sum(int(b.split("/")[1]) for b in beats)
    lines.append(f"- `{ours}` goes below the grid's best in {won} of {total} runs.")
    scratch = next(r["tool"] for r in rows if r["tool"].startswith("auto from scratch"))
    better = [t for t in tasks if by[(t, scratch)][key] < by[(t, ours)][key]]
    line = (f"- `{scratch}` ends lower than the grid followed by {MORE} more trials of `auto` on "
            f"{len(better)} of {len(tasks)} tasks")
    if len(better) == len(tasks):
        line += (f": the {GRID} fits of a grid are worth less than {GRID} trials of `auto`, so a search not "
                 f"yet run is better started without a grid; a grid already run is a good start for a few "
                 f"more trials")
    lines.append(line + ".")
    return lines


def _median_reach(beat, budget, offset=0):
    """Median number of trials (counting the grid's for a warm start) to go below the grid's best."""
    counts = [offset + int(b[0]) + 1 if b.size else np.inf for b in beat]
    med = float(np.median(counts))
    return f">{offset + budget}" if not np.isfinite(med) else f"{med:g}"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args(argv)
    try:
        import torch  # noqa: F401

        with_gp = not args.quick
    except ImportError:
        with_gp = False
    problems = list(REAL)[:1] if args.quick else list(REAL)
    seeds = list(range(2 if args.quick else args.seeds))
    t0 = time.time()
    rows, cpu_rows = run(problems, seeds, with_gp)
    text = "\n".join([
        "# tune: continuing a grid search (warm start) against Optuna\n",
        f"Every tool gets the results of the same {GRID}-point grid and proposes {MORE} more points "
        f"(scimlkit `auto` with `known=`, Optuna with `study.add_trials`); `auto from scratch` runs "
        f"{GRID + MORE} trials without the grid, the same number of fits. Regret against the best loss "
        f"any run found; a warm start's best counts the grid's points. `runs beating the grid`: runs "
        f"whose best went strictly below the grid's best; `trials to beat it` counts the grid's "
        f"{GRID} for a warm start. {len(seeds)} seeds. Machine: {machine()}. Versions: "
        f"{versions('scimlkit', 'numpy', 'scipy', 'scikit-learn', 'optuna', 'torch')}.\n",
        markdown_table(rows),
        "",
        *summary(rows),
        "\n## Sampler CPU per trial (ms; process CPU minus objective CPU, median over seeds)\n",
        markdown_table(cpu_rows),
        f"\n(wall time of this invocation: {time.time() - t0:.0f} s)",
    ])
    print(text)
    if not args.quick:
        save_results("tune_warm", text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
