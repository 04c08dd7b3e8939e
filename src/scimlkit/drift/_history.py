"""Monitoring history: every check recorded in one SQLite file."""

from __future__ import annotations

import math
import os
import sqlite3

from .._errors import InputError, StorageError
from .._store import SQLiteStore
from .._validation import describe

__all__ = ["DriftHistory"]

_CHECK_FIELDS = ("monitor", "batch", "created", "n_rows", "n_columns", "n_alerts", "alert", "health", "method",
                 "correction", "alpha", "min_effect", "mv_auroc", "mv_pvalue", "mv_pvalue_adj")
_COLUMN_FIELDS = ("column_name", "kind", "status", "test", "statistic", "pvalue", "pvalue_adj", "js_distance",
                  "effect", "wasserstein", "psi", "missing_ref", "missing_cur", "missing_pvalue_adj", "severity",
                  "alert")
_COLUMN_NUMBERS = ("statistic", "pvalue", "pvalue_adj", "js_distance", "effect", "wasserstein", "psi", "missing_ref",
                   "missing_cur", "missing_pvalue_adj", "severity")


def _num(value):
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _monitor_name(value, name: str):
    """A monitor name: None or a non-empty string."""
    if value is not None and not (isinstance(value, str) and value.strip()):
        raise InputError(f"`{name}` must be a non-empty string or None, got {describe(value)}")
    return value


class DriftHistory(SQLiteStore):
    """The history of drift checks, in one SQLite file (WAL mode, safe with several writers).

    Each :meth:`record` writes one check and its per-column rows in a single transaction, so a
    writer that dies mid-write leaves every earlier check intact and no half-written one.
    Several monitors (one per model, say) may share a file: each check is recorded with the
    ``name`` of the monitor that made it, and :meth:`history` and :meth:`columns` take
    ``monitor=`` to read one monitor's checks.

    Parameters
    ----------
    path : str or path-like
        The SQLite file; created when missing. A file that is not a scimlkit drift history
        raises ``StorageError``.

    Examples
    --------
    >>> import tempfile, os, numpy as np, pandas as pd
    >>> from scimlkit.drift import DriftMonitor
    >>> ref = pd.DataFrame({"x": np.random.default_rng(0).normal(size=2000)})
    >>> monitor = DriftMonitor(rng=0).fit(ref)
    >>> store = DriftHistory(os.path.join(tempfile.mkdtemp(), "history.db"))
    >>> _ = monitor.check(ref.iloc[:500], store=store, batch="day-1")
    >>> store.history()[["batch", "alert"]].to_dict("records")
    [{'batch': 'day-1', 'alert': False}]
    """

    KIND = "drift-history"
    SCHEMA_VERSION = 4
    SCHEMA = """
    CREATE TABLE checks (
        id INTEGER PRIMARY KEY AUTOINCREMENT, batch TEXT, created TEXT NOT NULL, n_rows INTEGER,
        n_columns INTEGER, n_alerts INTEGER, alert INTEGER, health REAL, method TEXT, correction TEXT,
        alpha REAL, min_effect REAL, mv_auroc REAL, mv_pvalue REAL, mv_pvalue_adj REAL, monitor TEXT);
    CREATE TABLE check_columns (
        check_id INTEGER NOT NULL REFERENCES checks(id), column_name TEXT NOT NULL, kind TEXT, status TEXT,
        test TEXT, statistic REAL, pvalue REAL, pvalue_adj REAL, js_distance REAL, wasserstein REAL, psi REAL,
        missing_ref REAL, missing_cur REAL, missing_pvalue_adj REAL, severity REAL, alert INTEGER, effect REAL,
        PRIMARY KEY (check_id, column_name));
    CREATE INDEX checks_batch ON checks(batch);
    CREATE INDEX checks_monitor ON checks(monitor)
    """
    # version 2 keeps the multivariate test's p-value after the correction (the one its alert
    # uses); checks recorded before have none. Version 3 keeps each column's effect (the number
    # the effect-size gate reads); rows recorded before have none (NaN when read). Version 4
    # keeps the name of the monitor that made each check (several monitors may share a file);
    # checks recorded before have none
    MIGRATIONS = {1: "ALTER TABLE checks ADD COLUMN mv_pvalue_adj REAL",
                  2: "ALTER TABLE check_columns ADD COLUMN effect REAL",
                  3: "ALTER TABLE checks ADD COLUMN monitor TEXT; CREATE INDEX checks_monitor ON checks(monitor)"}

    def __init__(self, path: str | os.PathLike):
        if not isinstance(path, str | os.PathLike):
            raise InputError(f"the history path must be a str or path-like, got {describe(path)}")
        super().__init__(path)

    def record(self, report, *, batch: str | None = None, monitor: str | None = None) -> int:
        """Store one :class:`DriftReport` (and its per-column rows); returns the check id.

        ``batch`` and ``monitor`` replace the report's batch label and monitor name (see the
        ``name`` of :class:`DriftMonitor`) in the record. A report drawn from this file reads
        the checks of the report's own monitor name, so a report filed under another name
        does not find itself among them.
        """
        from ._monitor import DriftReport

        if not isinstance(report, DriftReport):
            raise InputError(f"`report` must be a DriftReport (from DriftMonitor.check), got {describe(report)}")
        monitor = _monitor_name(monitor if monitor is not None else report.monitor, "monitor")
        mv = report.multivariate
        row = (monitor, batch if batch is not None else report.batch, report.timestamp, int(report.n_current),
               int(len(report.table)), int(report.n_alerts), int(bool(report.alert)), _num(report.health),
               report.method, report.correction, _num(report.alpha), _num(report.min_effect),
               _num(mv.auroc) if mv is not None else None, _num(mv.pvalue) if mv is not None else None,
               _num(mv.pvalue_adj) if mv is not None else None)
        table = report.table
        rows = []
        for r in table.itertuples(index=False):
            rows.append((r.column, r.kind, r.status, r.test, _num(r.statistic), _num(r.pvalue), _num(r.pvalue_adj),
                         _num(r.js_distance), _num(r.effect), _num(r.wasserstein), _num(r.psi), _num(r.missing_ref),
                         _num(r.missing_cur), _num(r.missing_pvalue_adj), _num(r.severity), int(bool(r.alert))))
        try:
            with self.transaction() as tx:
                cur = tx.execute(f"INSERT INTO checks ({', '.join(_CHECK_FIELDS)}) VALUES "
                                 f"({', '.join('?' * len(_CHECK_FIELDS))})", row)
                check_id = int(cur.lastrowid)
                tx.executemany(f"INSERT INTO check_columns (check_id, {', '.join(_COLUMN_FIELDS)}) VALUES "
                               f"(?, {', '.join('?' * len(_COLUMN_FIELDS))})", [(check_id, *r) for r in rows])
        except sqlite3.DatabaseError as exc:
            raise StorageError(f"storage '{self.path}': could not record the check: {exc}") from None
        return check_id

    def history(self, monitor: str | None = None):
        """One row per recorded check, oldest first (``id, monitor, batch, created, health,
        alert, ...``); with ``monitor``, only the checks of the monitor of that name."""
        import pandas as pd

        sql, params = f"SELECT id, {', '.join(_CHECK_FIELDS)} FROM checks", ()
        if monitor is not None:
            sql, params = sql + " WHERE monitor = ?", (_monitor_name(monitor, "monitor"),)
        rows = self.query(sql + " ORDER BY id", params)
        frame = pd.DataFrame([tuple(r) for r in rows], columns=["id", *_CHECK_FIELDS])
        frame["alert"] = frame["alert"].astype(bool)
        for name in ("health", "alpha", "min_effect", "mv_auroc", "mv_pvalue", "mv_pvalue_adj"):
            frame[name] = frame[name].astype(float)  # not run or not recorded: NaN, not None
        frame["created"] = pd.to_datetime(frame["created"], utc=True, format="ISO8601")
        return frame

    def columns(self, column: str | None = None, *, monitor: str | None = None):
        """Per-column rows of every check (optionally of one column, and of the checks of one
        monitor), with the monitor name, batch and time."""
        import pandas as pd

        sql = (f"SELECT c.id AS check_id, c.monitor, c.batch, c.created, "
               f"{', '.join('k.' + f for f in _COLUMN_FIELDS)} FROM check_columns k JOIN checks c ON c.id = k.check_id")
        where, params = [], []
        if column is not None:
            where.append("k.column_name = ?")
            params.append(column)
        if monitor is not None:
            where.append("c.monitor = ?")
            params.append(_monitor_name(monitor, "monitor"))
        if where:
            sql += " WHERE " + " AND ".join(where)
        rows = self.query(sql + " ORDER BY c.id, k.rowid", tuple(params))
        frame = pd.DataFrame([tuple(r) for r in rows],
                             columns=["check_id", "monitor", "batch", "created", *_COLUMN_FIELDS])
        frame = frame.rename(columns={"column_name": "column"})
        frame["alert"] = frame["alert"].astype(bool)
        for name in _COLUMN_NUMBERS:
            frame[name] = frame[name].astype(float)  # not tested or not recorded: NaN, not None
        frame["created"] = pd.to_datetime(frame["created"], utc=True, format="ISO8601")
        return frame
