"""Demo chapter: a month of daily batches of a diagnostic model's inputs, with drift injected."""

from __future__ import annotations

import os
import shutil
import tempfile

import numpy as np

from .._report import Chapter
from ._history import DriftHistory
from ._monitor import DriftMonitor
from ._report import _effect_caption, _numeric_figure, effect_figure, effect_trend, health_figure

__all__ = ["run"]


def _resample(data, size, rng, jitter):
    """Bootstrap rows of the bundled data with a little Gaussian noise (no exact ties)."""
    idx = rng.integers(0, len(data), size)
    return data.iloc[idx].reset_index(drop=True) + rng.normal(0, 1, (size, data.shape[1])) * jitter


def run(*, rng, quick: bool = False) -> Chapter:
    """Simulate daily batches from scikit-learn's breast-cancer data and monitor them."""
    import pandas as pd
    from sklearn.datasets import load_breast_cancer

    data = load_breast_cancer(as_frame=True).frame.drop(columns="target")
    data.columns = [c.replace(" ", "_") for c in data.columns]
    sd = data.std(ddof=0)
    jitter = (0.05 * sd).to_numpy()
    n_ref, n_day, n_days = (12_000, 1_000, 10) if quick else (20_000, 3_000, 30)
    # the drift plan: day -> (what, description)
    shift_days = (4, 5) if quick else (10, 11, 12)
    scale_day = 6 if quick else 18
    missing_days = (8,) if quick else (22, 23)
    decorrelate_day = 10 if quick else 27
    shifted = ["mean_radius", "mean_texture", "mean_smoothness"]

    reference = _resample(data, n_ref, rng, jitter)
    monitor = DriftMonitor(sample_size=1000 if quick else 2000, rng=rng).fit(reference)
    folder = tempfile.mkdtemp(prefix="scimlkit-drift-demo-")
    store = DriftHistory(os.path.join(folder, "history.db"))
    rows, worst, worst_batch = [], None, None
    for day in range(1, n_days + 1):
        batch = _resample(data, n_day, rng, jitter)
        event = ""
        if day in shift_days:
            for col in shifted:
                batch[col] += 0.5 * sd[col]
            event = "+0.5 SD on 3 features"
        elif day == scale_day:
            centre = batch["worst_area"].mean()
            batch["worst_area"] = centre + 1.6 * (batch["worst_area"] - centre)
            event = "worst_area spread x1.6"
        elif day in missing_days:
            batch.loc[rng.random(n_day) < 0.2, "mean_concavity"] = np.nan
            event = "20% missing mean_concavity"
        elif day == decorrelate_day:
            batch["mean_perimeter"] = rng.permutation(batch["mean_perimeter"].to_numpy())
            batch["mean_area"] = rng.permutation(batch["mean_area"].to_numpy())
            event = "perimeter and area decoupled from radius"
        multivariate = day == decorrelate_day or (day == 1 and not quick)
        report = monitor.check(batch, batch=f"day {day:02d}", multivariate=multivariate, store=store)
        mv = report.multivariate
        # a day's alert (``report.alert``) is a column's or the domain classifier's; the
        # classifier's p-value shown is the adjusted one its alert is decided on
        rows.append({"day": day, "event": event, "health": report.health, "alert": report.alert,
                     "column alerts": report.n_alerts,
                     "drifted": ", ".join(report.drifted()[:4]) + (" ..." if report.n_alerts > 4 else ""),
                     "classifier AUROC": mv.auroc if mv is not None else np.nan,
                     "classifier p (adjusted)": mv.pvalue_adj if mv is not None else np.nan})
        if worst is None or report.health < worst.health:
            worst, worst_batch = report, batch
    history = store.history()
    trend = effect_trend(store.columns(), min_effect=monitor.min_effect, recent=n_days)
    store.close()
    shutil.rmtree(folder, ignore_errors=True)  # the demo's history lives only for the chapter
    daily = pd.DataFrame(rows)

    chapter = Chapter("drift", "Data drift: a month of daily batches")
    chapter.paragraph(
        "The inputs of a diagnostic model: the 30 features of scikit-learn's breast-cancer data. The reference "
        f"is {n_ref:,} rows resampled from the bundled data (with 5% SD jitter); each day brings {n_day:,} new "
        "rows drawn the same way. On some days drift is injected: a +0.5 SD shift of three features, a wider "
        "spread of one, a burst of missing values, and a day where two features are decoupled from a third "
        "(every marginal unchanged, only the joint distribution moves; the domain classifier runs that day and "
        "on day 1 for comparison, except in the quick run).")
    chapter.metrics({"days": n_days, "days with an alert": int(daily["alert"].sum()),
                     "stable days with an alert": int((daily["alert"] & (daily["event"] == "")).sum()),
                     "lowest health": round(float(daily["health"].min()), 3),
                     "profile size (KiB)": round(monitor.profile_.nbytes() / 1024, 1)})
    chapter.figure(health_figure(history, title="Health score per day (from the SQLite history)"),
                   caption="Health = 1 - RMS of the column severities (on a day the domain classifier alerts, "
                           "its severity is one more term of the mean when that lowers the health); red points "
                           "raised an alert.")
    if trend["effects"]:
        chapter.figure(effect_figure(trend), caption=_effect_caption(trend, 8))
    chapter.table(daily, caption="Daily checks")
    if worst is not None and worst.n_alerts:
        name = worst.table.sort_values("severity", ascending=False)["column"].iloc[0]
        summary = monitor.profile_.columns[name]
        chapter.figure(_numeric_figure(summary, worst_batch[name].to_numpy(dtype=float), name),
                       caption=f"The most drifted column of the worst day ({worst.batch})")
    alert_days = daily.loc[daily["alert"], "day"].tolist()
    event_days = daily.loc[daily["event"] != "", "day"].tolist()
    false_days = [d for d in alert_days if d not in event_days]
    chapter.note(f"{n_days} days checked; drift injected on days {event_days}; alerts on days {alert_days} "
                 f"({len(false_days)} false alarm(s) on stable days; Holm keeps that rate at or below "
                 f"{monitor.alpha:g} per day)")
    quiet = daily.loc[daily["event"] == ""]
    chapter.note(f"stable days: health {quiet['health'].min():.3f}-{quiet['health'].max():.3f}; "
                 f"drifted days: down to {daily['health'].min():.3f}")
    dec = daily.loc[daily["day"] == decorrelate_day].iloc[0]
    chapter.note(f"decoupled-features day: {int(dec['column alerts'])} per-column alert(s), domain classifier "
                 f"AUROC {dec['classifier AUROC']:.3f} (adjusted p={dec['classifier p (adjusted)']:.2g})")
    return chapter
