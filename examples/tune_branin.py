"""Minimise the Branin function with Gaussian-process Bayesian optimisation (ask/tell loop),
then let a study stop itself once the search stalls.

Run: python examples/tune_branin.py
"""

import math

from scimlkit.tune import Float, Space, StopWhenStalled, make_optimizer, minimize


def branin(x1: float, x2: float) -> float:
    b, c, t = 5.1 / (4 * math.pi**2), 5 / math.pi, 1 / (8 * math.pi)
    return (x2 - b * x1**2 + c * x1 - 6) ** 2 + 10 * (1 - t) * math.cos(x1) + 10


space = Space({"x1": Float(-5.0, 10.0), "x2": Float(0.0, 15.0)})
n_trials = 40
for method in ("random", "de", "gp"):
    opt = make_optimizer(method, space, rng=0, n_trials=n_trials)
    for _ in range(n_trials // 4):
        batch = opt.propose(4)  # e.g. four parallel workers
        for params in batch:
            opt.observe(params, branin(**params))
    params, value = opt.best
    print(f"{method:>6}: best {value:.5f} (minimum 0.39789) at x1={params['x1']:.3f}, x2={params['x2']:.3f}")

# a study that stops when 15 trials in a row bring no better value (or at 200 trials)
result = minimize(lambda p: branin(**p), space, n_trials=200, rng=0, callbacks=[StopWhenStalled(15, min_delta=1e-4)])
print(f"study: {len(result.trials)} trials, best {result.best_value:.5f}; {result.message}")
