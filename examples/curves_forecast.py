"""Forecast a learning curve: what will more data buy, and how much is needed for a target?

Measures a logistic regression's learning curve on scikit-learn's digits data, fits the
parametric families to the sizes up to a quarter of the data, weights them by how well each
extrapolates, and compares the forecast at the full size with the measured score.

Run: python examples/curves_forecast.py
"""

from __future__ import annotations

import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from scimlkit.curves import fit_curve, learning_curve


def main() -> None:
    X, y = load_digits(return_X_y=True)
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    lc = learning_curve(model, X, y, sizes=12, cv=5, scoring="accuracy", rng=0)
    print(lc.to_frame().round(4).to_string(index=False))

    early = lc.sizes <= lc.n_train / 4
    fit = fit_curve(lc.sizes[early], lc.scores[early], rng=0)
    print()
    print(fit.to_frame()[["family", "status", "weight", "extrapolation_error", "asymptote"]].round(4)
          .to_string(index=False))

    full = int(lc.sizes[-1])
    pred = fit.predict([full, 10_000, 100_000])
    print(f"\nforecast by: {fit.family}; fitted asymptote {fit.asymptote:.4f}")
    for n, s, lo, hi in zip(pred.sizes, pred.score, pred.low, pred.high):
        print(f"  forecast at n={n:>9,.0f}: {s:.4f}  (95% interval {lo:.4f} to {hi:.4f})")
    print(f"  measured at n={full:>9,}: {lc.mean[-1]:.4f}")
    for target in (0.97, 0.99, 0.999):
        need = fit.samples_needed(target)
        print(f"  {target}: {need.message}")
    assert np.isfinite(pred.score).all()


if __name__ == "__main__":
    main()
