"""Benchmark of the experiment module: many binary metrics in one call against a statsmodels loop.

scimlkit: ``compare_many_proportions`` (pooled z-test, Newcombe/Wilson interval of the difference,
Holm adjustment) on every metric in one vectorised call. Anchor: a Python loop over
statsmodels' ``proportions_ztest`` and ``confint_proportions_2indep(method='newcomb')`` for each
metric, then ``multipletests(method='holm')``. A second row does the same for continuous
metrics from summary statistics against a loop over ``scipy.stats.ttest_ind_from_stats``.

Usage: ``python benchmarks/experiment.py [--quick]`` (``--quick``: 1,000 metrics).
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import best_time, machine, markdown_table, save_results, versions  # noqa: E402


def make_binary(m: int, rng):
    base = rng.uniform(0.01, 0.3, m)
    lift = rng.choice([0.0, 0.0, 0.0, 0.05, 0.1], m)
    nc = rng.integers(1_000, 100_000, m)
    nt = rng.integers(1_000, 100_000, m)
    return rng.binomial(nc, base), nc, rng.binomial(nt, np.minimum(base * (1 + lift), 1.0)), nt


def scimlkit_binary(xc, nc, xt, nt):
    from scimlkit.experiment import compare_many_proportions

    tab = compare_many_proportions(xc, nc, xt, nt, adjust="holm", ci_method="newcombe").table
    return tab[["statistic", "pvalue", "low", "high", "pvalue_adjusted"]].to_numpy()


def statsmodels_binary(xc, nc, xt, nt):
    from statsmodels.stats.multitest import multipletests
    from statsmodels.stats.proportion import confint_proportions_2indep, proportions_ztest

    out = np.empty((xc.size, 5))
    for i in range(xc.size):
        z, p = proportions_ztest([xt[i], xc[i]], [nt[i], nc[i]])
        low, high = confint_proportions_2indep(xt[i], nt[i], xc[i], nc[i], method="newcomb")
        out[i, :4] = z, p, low, high
    out[:, 4] = multipletests(out[:, 1], method="holm")[1]
    return out


def make_continuous(m: int, rng):
    mc = rng.uniform(5, 50, m)
    return (mc, mc * rng.uniform(0.5, 2, m), rng.integers(100, 10_000, m),
            mc * rng.normal(1.0, 0.02, m), mc * rng.uniform(0.5, 2, m), rng.integers(100, 10_000, m))


def scimlkit_continuous(*stats_):
    from scimlkit.experiment import compare_many_means

    tab = compare_many_means(*stats_, adjust="holm").table
    return tab[["statistic", "pvalue", "pvalue_adjusted"]].to_numpy()


def scipy_continuous(mc, sc, nc, mt, st, nt):
    from scipy.stats import ttest_ind_from_stats
    from statsmodels.stats.multitest import multipletests

    out = np.empty((mc.size, 3))
    for i in range(mc.size):
        res = ttest_ind_from_stats(mt[i], st[i], nt[i], mc[i], sc[i], nc[i], equal_var=False)
        out[i, :2] = res.statistic, res.pvalue
    out[:, 2] = multipletests(out[:, 1], method="holm")[1]
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 metrics instead of 10,000")
    args = parser.parse_args(argv)
    m = 1_000 if args.quick else 10_000
    rng = np.random.default_rng(0)
    rows = []
    warnings.simplefilter("ignore")  # statsmodels' own deprecation chatter

    data = make_binary(m, rng)
    ours = scimlkit_binary(*data)
    ref = statsmodels_binary(*data)
    t_ours = best_time(lambda: scimlkit_binary(*data), repeat=5)
    t_ref = best_time(lambda: statsmodels_binary(*data), repeat=1)
    rows.append({"task": f"{m:,} binary metrics: z-test + Newcombe interval + Holm",
                 "scimlkit (s)": t_ours, "anchor": "statsmodels loop", "anchor (s)": t_ref,
                 "speed-up": t_ref / t_ours, "max abs diff": float(np.max(np.abs(ours - ref)))})

    data = make_continuous(m, rng)
    ours = scimlkit_continuous(*data)
    ref = scipy_continuous(*data)
    t_ours = best_time(lambda: scimlkit_continuous(*data), repeat=5)
    t_ref = best_time(lambda: scipy_continuous(*data), repeat=1)
    rows.append({"task": f"{m:,} continuous metrics: Welch t-test + Holm",
                 "scimlkit (s)": t_ours, "anchor": "scipy ttest_ind_from_stats loop", "anchor (s)": t_ref,
                 "speed-up": t_ref / t_ours, "max abs diff": float(np.max(np.abs(ours - ref)))})

    for row in rows:
        row["speed-up"] = f"{row['speed-up']:.0f}x"
        row["max abs diff"] = f"{row['max abs diff']:.1e}"
    text = "\n".join([
        f"### experiment ({'quick' if args.quick else 'full'} run)",
        "",
        markdown_table(rows),
        "",
        "Target: at least 100x faster than the statsmodels loop on 10,000 binary metrics, same numbers.",
        "",
        f"Machine: {machine()}",
        f"Versions: {versions('scimlkit', 'numpy', 'scipy', 'pandas', 'statsmodels')}",
    ])
    print(text)
    if not args.quick:  # the recorded table is the full run
        print(f"saved to {save_results('experiment', text)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
