"""Monitor a model's input features for drift, day by day.

Reference: scikit-learn's diabetes data resampled to 20,000 rows (with a little noise). Each day a
batch of 2,000 rows arrives; on day 4 the body-mass index drifts upward. Every check is recorded in
a SQLite history, and the last day gets an HTML report.

Run: python examples/drift_monitoring.py
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
from sklearn.datasets import load_diabetes

from scimlkit.drift import DriftHistory, DriftMonitor, write_report


def resample(data, size, rng):
    rows = data.iloc[rng.integers(0, len(data), size)].reset_index(drop=True)
    return rows + rng.normal(0, 0.05, rows.shape) * data.std().to_numpy()


def main() -> None:
    rng = np.random.default_rng(0)
    data = load_diabetes(as_frame=True).frame.drop(columns="target")
    monitor = DriftMonitor(rng=0).fit(resample(data, 20_000, rng))
    folder = Path(tempfile.mkdtemp(prefix="drift-example-"))
    store = DriftHistory(folder / "history.db")

    for day in range(1, 6):
        batch = resample(data, 2_000, rng)
        if day >= 4:
            batch["bmi"] += 0.4 * data["bmi"].std()
        report = monitor.check(batch, batch=f"day {day}", store=store)
        print(f"day {day}: {report.summary()}")

    print(store.history()[["batch", "health", "alert", "n_alerts"]].to_string(index=False))
    print("report:", write_report(report, folder / "report", reference=monitor, current=batch, history=store))
    print("profile file:", monitor.save(folder / "reference.profile"))


if __name__ == "__main__":
    main()
