"""An A/B/n test from one row per user: conversions and revenue, CUPED, SRM and many metrics.

Run: python examples/experiment_ab_test.py
"""

import numpy as np
import pandas as pd

from scimlkit.experiment import (
    analyze,
    bootstrap_difference,
    compare_many_proportions,
    compare_proportions,
    proportion_interval,
)

rng = np.random.default_rng(42)
n = 30_000
arm = rng.choice(["control", "new-checkout", "new-banner"], size=n)
spend_before = rng.gamma(2.0, 20.0, n)                          # pre-period spend (covariate)
lift = np.where(arm == "new-checkout", 1.04, 1.0)               # +4% spend in one arm
spend = spend_before * 0.7 * lift + rng.gamma(2.0, 6.0, n)
converted = (rng.random(n) < np.where(arm == "new-banner", 0.105, 0.10)).astype(int)
users = pd.DataFrame({"arm": arm, "converted": converted, "spend": spend, "spend_before": spend_before})

# 1. the whole experiment in one call: every arm against control, both metrics, Holm-adjusted
result = analyze(users, group="arm", metric=["converted", "spend"], covariate="spend_before")
print(result.to_frame()[["metric", "treatment", "relative_lift", "lift_low", "lift_high", "pvalue_adjusted",
                         "variance_reduction"]].round(4).to_string(index=False))
print("\n".join(result.summary()[-1:]))

# 2. one binary comparison from counts, with the classical tests next to it
res = compare_proportions(1_000, 10_000, 1_080, 10_000)
print(f"\nlift {res.relative_lift:+.1%} [{res.lift_low:+.1%}, {res.lift_high:+.1%}], z-test p = {res.pvalue:.3f}, "
      f"chi2 (Yates) p = {res.chi2_test(correction=True).pvalue:.3f}, Fisher p = {res.fisher_exact().pvalue:.3f}")
print("Wilson interval of the control rate:", proportion_interval(1_000, 10_000).confidence_interval())

# 3. a skewed metric: bootstrap BCa interval of the difference in medians
c = users.loc[users.arm == "control", "spend"]
t = users.loc[users.arm == "new-checkout", "spend"]
boot = bootstrap_difference(c, t, statistic="median", n_resamples=2000, rng=0)
print(f"median spend difference {boot.estimate:.2f} [{boot.low:.2f}, {boot.high:.2f}] (BCa)")

# 4. 5,000 guardrail metrics in one vectorised call, Benjamini-Hochberg
m = 5_000
base = rng.uniform(0.01, 0.2, m)
many = compare_many_proportions(rng.binomial(20_000, base), 20_000, rng.binomial(20_000, base), 20_000,
                                adjust="bh")
print(f"{m} A/A guardrails: {int((many.table.pvalue <= 0.05).sum())} raw p <= 0.05, "
      f"{many.n_significant} after Benjamini-Hochberg")
