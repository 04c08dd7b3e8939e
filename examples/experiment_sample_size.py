"""Size an A/B test, then plan interim looks that keep the false-positive rate at 5%.

Run: python examples/experiment_sample_size.py
"""

from scimlkit.experiment import (
    power_curve,
    power_means,
    power_proportions,
    sequential_boundaries,
    sequential_decision,
)

# 1. Users needed to detect a +10% relative lift on a 5% conversion rate (alpha 0.05, power 80%).
design = power_proportions(0.05, mde=0.10, relative=True, alpha=0.05, power=0.8)
print(f"per arm: {design.n_control_required:,}  in all: {design.n_total_required:,}")

# The same question on the arcsine scale (Cohen's h), and with twice as many users in treatment.
print("arcsine:", power_proportions(0.05, mde=0.10, relative=True, power=0.8, method="arcsine").n_control_required)
print("2:1 split, control arm:", power_proportions(0.05, mde=0.10, relative=True, power=0.8, ratio=2).n_control_required)

# 2. Only 20,000 users per arm available: what lift can we detect, and with what power?
small = power_proportions(0.05, n=20_000, power=0.8)
print(f"detectable with 20,000 per arm: +{small.mde_relative:.1%} relative")
print(f"power for +10% with 20,000 per arm: {power_proportions(0.05, mde=0.10, relative=True, n=20_000).power:.2f}")

# 3. A revenue metric: difference of 0.5 with standard deviation 12 (two-sample t-test).
print("revenue test, per arm:", power_means(mde=0.5, sd=12.0, power=0.9).n_control_required)

# 4. Power against sample size (the data behind the report's power curve).
curve = power_curve(design, over="n", num=6)
print(curve.to_frame().round(3).to_string(index=False))

# 5. Five interim looks with O'Brien-Fleming-type alpha spending.
plan = sequential_boundaries(5, alpha=0.05, sides=2, spending="obrien-fleming")
print(plan.to_frame().round(4).to_string(index=False))
print(f"maximum sample size inflation: {plan.inflation_factor(0.8):.3f}")

# Looks did not happen exactly as planned: boundaries are recomputed for the actual fractions.
decision = sequential_decision([0.8, 2.1, 2.75], information=[0.22, 0.41, 0.63], alpha=0.05, sides=2)
print(decision.to_frame().round(3).to_string(index=False))
