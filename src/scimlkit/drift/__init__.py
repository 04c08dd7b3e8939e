"""Data-drift monitoring of a production model's input features.

Fit a :class:`DriftMonitor` on the training-time data (it keeps a compact
:class:`ReferenceProfile`, not the data), then ``check`` each batch: per-column tests with
family-wise error control, distances that do not grow with the sample size, an effect-size gate
on alerts, a health score, an optional multivariate (domain classifier) test, and a
:class:`DriftHistory` of every check in SQLite; :func:`write_report` writes a check as an HTML
report (the drifted columns drawn against the reference, the health score over time).

Examples
--------
>>> import numpy as np, pandas as pd
>>> from scimlkit.drift import DriftMonitor
>>> gen = np.random.default_rng(0)
>>> ref = pd.DataFrame({"x": gen.normal(size=20_000), "y": gen.normal(size=20_000)})
>>> monitor = DriftMonitor(rng=0).fit(ref)
>>> report = monitor.check(pd.DataFrame({"x": gen.normal(0.5, 1, 2_000), "y": gen.normal(size=2_000)}))
>>> report.drifted(), report.health < 0.5
(['x'], True)
"""

from ._history import DriftHistory
from ._monitor import STATUSES, TABLE_COLUMNS, DriftMonitor, DriftReport, health_score
from ._multivariate import MultivariateDriftResult, domain_classifier_test
from ._profile import ReferenceProfile
from ._report import write_report

__all__ = [
    "DriftMonitor",
    "DriftReport",
    "ReferenceProfile",
    "DriftHistory",
    "MultivariateDriftResult",
    "domain_classifier_test",
    "health_score",
    "write_report",
    "STATUSES",
    "TABLE_COLUMNS",
]
