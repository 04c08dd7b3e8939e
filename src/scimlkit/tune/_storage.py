"""SQLite persistence of tuning studies: every trial is written as soon as it starts and finishes.

One file holds any number of studies. A trial moves through the states

``QUEUED`` (waiting to be run: enqueued by hand, or re-queued after its worker died)
-> ``RUNNING`` (claimed by a runner, which refreshes its heartbeat)
-> ``COMPLETE`` (a finite loss), ``FAILED`` (an error, NaN or infinity) or ``PRUNED`` (stopped
early by a pruner; its loss is the last one it reported).

A trial may also keep the losses it reported along the way (``intermediate``: steps and losses),
which pruners compare across trials.

Evaluations made elsewhere (a grid search's results, an earlier study) can be *added*: they are
stored finished from the start, with no attempt (``attempts = 0``, which no trial run by a study
has), with the losses they reported along the way when they come from another study. The
optimiser learns from them like from any finished trial, but they do not count as trials run
toward a study's trial budget. A pruner compares a trial with the added trials' intermediate
losses too, and counts the added complete trials among its start-up trials (as Optuna counts
trials added with ``add_trial``; one without intermediate losses joins no step's comparison).

A ``RUNNING`` trial whose runner is gone (its process on this host no longer exists, or its
heartbeat is older than the grace period) is *stale*: it goes back to ``QUEUED`` with its
parameters and trial number, and the next runner runs it first. Finished trials are never
modified again, so nothing finished is ever lost.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from .._errors import InputError, StorageError
from .._store import SQLiteStore
from .._validation import check_scalar

__all__ = ["StudyStorage", "TrialRecord", "QUEUED", "RUNNING", "COMPLETE", "FAILED", "PRUNED", "STATES",
           "FINISHED"]

QUEUED, RUNNING, COMPLETE, FAILED, PRUNED = "QUEUED", "RUNNING", "COMPLETE", "FAILED", "PRUNED"
STATES = (QUEUED, RUNNING, COMPLETE, FAILED, PRUNED)
FINISHED = (COMPLETE, FAILED, PRUNED)
MEMORY = ":memory:"
# SQL condition of the trials a study ran (or runs): every trial but the added ones
_RUN = "NOT (attempts = 0 AND state IN ('COMPLETE', 'FAILED', 'PRUNED'))"

# Runner tokens alive in this process: a RUNNING trial owned by this process but by none of
# these tokens was left behind by an earlier, interrupted run and is stale.
_ACTIVE_OWNERS: set[str] = set()
_ACTIVE_LOCK = threading.Lock()


@dataclass(frozen=True, slots=True)
class TrialRecord:
    """One stored trial (parameters as decoded JSON)."""

    number: int
    state: str
    params: dict
    value: float | None
    error: str | None
    attempts: int
    created: float
    started: float | None
    finished: float | None
    duration: float | None
    host: str | None
    pid: int | None
    finish_seq: int | None
    intermediate: list | None = None  # [[step, loss], ...] reported along the way


_TRIALS_TABLE = """
    CREATE TABLE {name} (
        trial_id INTEGER PRIMARY KEY,
        study_id INTEGER NOT NULL REFERENCES studies(study_id),
        number INTEGER NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('QUEUED', 'RUNNING', 'COMPLETE', 'FAILED', 'PRUNED')),
        params TEXT NOT NULL,
        value REAL,
        error TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        created REAL NOT NULL,
        started REAL,
        finished REAL,
        duration REAL,
        heartbeat REAL,
        host TEXT,
        pid INTEGER,
        owner TEXT,
        finish_seq INTEGER,
        intermediate TEXT,
        UNIQUE (study_id, number)
    );
"""


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    except OSError:  # pragma: no cover - platform specific
        return True
    return True


def new_owner() -> str:
    """A fresh runner token ``host:pid:random`` registered as alive in this process."""
    token = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:12]}"
    with _ACTIVE_LOCK:
        _ACTIVE_OWNERS.add(token)
    return token


def retire_owner(token: str) -> None:
    with _ACTIVE_LOCK:
        _ACTIVE_OWNERS.discard(token)


class StudyStorage(SQLiteStore):
    """A SQLite file (WAL mode, safe with several processes) holding tuning studies.

    Pass a path (or this object) as ``storage=`` to :func:`minimize`, :class:`Study` or
    :class:`SearchCV`. A file that is not SQLite, a SQLite database that is not a scimlkit store,
    or a scimlkit store of another kind is refused with a :class:`~scimlkit.StorageError`.

    Parameters
    ----------
    path : str or path-like
        The database file (created if missing). ``":memory:"`` keeps a private, unshared
        in-memory database (used when no storage is given).
    heartbeat_interval : float, default 10
        Seconds between the heartbeats a runner writes for its running trials.
    grace_period : float, default 60
        A running trial whose heartbeat is older than this many seconds is stale and re-queued
        (a trial whose process on this host has died is re-queued at once).

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "study.db")
    >>> storage = StudyStorage(path)
    >>> storage.study_names()
    []
    """

    KIND = "tune-study"
    SCHEMA_VERSION = 2
    SCHEMA = """
    CREATE TABLE studies (
        study_id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        space TEXT NOT NULL,
        method TEXT NOT NULL,
        created REAL NOT NULL,
        runs INTEGER NOT NULL DEFAULT 0
    );
""" + _TRIALS_TABLE.format(name="trials") + """
    CREATE INDEX trials_state ON trials (study_id, state);
    CREATE INDEX trials_finish ON trials (study_id, finish_seq)
    """

    # version 1 -> 2: the PRUNED state and the intermediate losses (SQLite cannot change a CHECK
    # constraint in place, so the trials table is rebuilt)
    MIGRATIONS = {1: _TRIALS_TABLE.format(name="trials_v2") + """
    INSERT INTO trials_v2 (trial_id, study_id, number, state, params, value, error, attempts, created, started,
                           finished, duration, heartbeat, host, pid, owner, finish_seq)
        SELECT trial_id, study_id, number, state, params, value, error, attempts, created, started,
               finished, duration, heartbeat, host, pid, owner, finish_seq FROM trials;
    DROP TABLE trials;
    ALTER TABLE trials_v2 RENAME TO trials;
    CREATE INDEX trials_state ON trials (study_id, state);
    CREATE INDEX trials_finish ON trials (study_id, finish_seq)
    """}

    def __init__(self, path, *, heartbeat_interval: float = 10.0, grace_period: float = 60.0):
        self.heartbeat_interval = check_scalar(heartbeat_interval, "heartbeat_interval", low=0.0, closed="neither")
        self.grace_period = check_scalar(grace_period, "grace_period", low=0.0, closed="neither")
        super().__init__(path)

    # -- plumbing ---------------------------------------------------------------------------
    @property
    def in_memory(self) -> bool:
        return str(self.path) == MEMORY

    def _check_file(self) -> None:
        if self.in_memory:
            return
        super()._check_file()

    def __getstate__(self):
        if self.in_memory:
            raise TypeError("an in-memory study storage cannot be sent to another process")
        return {"path": str(self.path), "heartbeat_interval": self.heartbeat_interval,
                "grace_period": self.grace_period}

    def __setstate__(self, state) -> None:
        super().__setstate__(state)
        self.heartbeat_interval = state.get("heartbeat_interval", 10.0)
        self.grace_period = state.get("grace_period", 60.0)

    def __repr__(self) -> str:
        return f"StudyStorage({str(self.path)!r})"

    def _write(self):
        return _Tx(self)

    # -- studies ----------------------------------------------------------------------------
    def study_names(self) -> list[str]:
        """Names of the studies in this file, oldest first."""
        return [r[0] for r in self.query("SELECT name FROM studies ORDER BY study_id")]

    def get_study(self, name: str) -> dict | None:
        """The stored study ``name`` (``study_id``, ``name``, ``space``, ``method``, ``created``)."""
        rows = self.query("SELECT study_id, name, space, method, created, runs FROM studies WHERE name = ?", (name,))
        if not rows:
            return None
        sid, name, space, method, created, runs = rows[0]
        try:
            space = json.loads(space)
        except ValueError:
            raise StorageError(f"storage '{self.path}': study '{name}' has an unreadable space") from None
        return {"study_id": sid, "name": name, "space": space, "method": method, "created": created, "runs": runs}

    def create_study(self, name: str, space: dict, method: str, *, objective: str | None = None,
                     also_accepted: tuple[str, ...] = (), accepts=None) -> tuple[int, int, bool]:
        """Create study ``name`` or attach to it; returns ``(study_id, run_index, created)``.

        Attaching checks that the stored space and method equal the given ones, and the stored
        objective label too when both have one. The label lives in the store's key-value table
        (``objective:<study_id>``), so files written before labels existed read as they are. A
        stored label among ``also_accepted`` (the same objective as an earlier version wrote it)
        matches too and is replaced by ``objective``. ``accepts``, when given, is a test of a stored
        label that matches too and is kept (``objective`` is then a label to settle later, see
        :meth:`settle_objective`).
        """
        try:
            space_text = json.dumps(space, allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise InputError(
                f"the search space cannot be stored in '{self.path}' ({exc}); categorical choices must be "
                "JSON values (str, int, float, bool or None) to use storage"
            ) from None
        with self._write() as tx:
            row = tx.execute("SELECT study_id, space, method, runs FROM studies WHERE name = ?", (name,)).fetchone()
            if row is None:
                cur = tx.execute("INSERT INTO studies (name, space, method, created, runs) VALUES (?, ?, ?, ?, 1)",
                                 (name, space_text, method, time.time()))
                if objective is not None:
                    tx.execute("INSERT OR REPLACE INTO scimlkit_meta VALUES (?, ?)",
                               (f"objective:{cur.lastrowid}", objective))
                return int(cur.lastrowid), 0, True
            sid, stored_space, stored_method, runs = row
            if json.loads(stored_space) != json.loads(space_text):
                raise InputError(
                    f"study '{name}' in '{self.path}' was created with a different search space "
                    f"(stored {_short(stored_space)}, given {_short(space_text)}); use another study name"
                )
            if stored_method != method:
                raise InputError(
                    f"study '{name}' in '{self.path}' was created with method '{stored_method}', "
                    f"got method '{method}'; use the same method or another study name"
                )
            if objective is not None:
                key = f"objective:{sid}"
                stored = tx.execute("SELECT value FROM scimlkit_meta WHERE key = ?", (key,)).fetchone()
                if stored is None or (stored[0] != objective and stored[0] in also_accepted):
                    tx.execute("INSERT OR REPLACE INTO scimlkit_meta VALUES (?, ?)", (key, objective))
                elif stored[0] != objective and not (accepts is not None and accepts(stored[0])):
                    raise self._other_objective(name, stored[0], objective)
            tx.execute("UPDATE studies SET runs = runs + 1 WHERE study_id = ?", (sid,))
            return int(sid), int(runs), False

    def _other_objective(self, name: str, stored: str, objective: str) -> InputError:
        return InputError(
            f"study '{name}' in '{self.path}' holds losses of another objective ({stored}), "
            f"not of this one ({objective}); they would not compare: use another study name or storage file"
        )

    def settle_objective(self, study_id: int, name: str, objective: str, pending: tuple[str, ...]) -> None:
        """Store the label ``objective`` of a study whose label was only known in part when it was
        created or attached (stored as one of the labels ``pending``, or left as an earlier run
        wrote it): a pending label is replaced, another label than ``objective`` refused."""
        with self._write() as tx:
            key = f"objective:{study_id}"
            stored = tx.execute("SELECT value FROM scimlkit_meta WHERE key = ?", (key,)).fetchone()
            if stored is None or stored[0] in pending:
                tx.execute("INSERT OR REPLACE INTO scimlkit_meta VALUES (?, ?)", (key, objective))
            elif stored[0] != objective:
                raise self._other_objective(name, stored[0], objective)

    def set_stop_reason(self, study_id: int, reason: str) -> None:
        """Record why the last run of a study stopped before its budget, with the state of its
        trials then (count, queued, last finish; key ``stopped:<study_id>`` of the key-value table)."""
        with self._write() as tx:
            state = [int(v) for v in tx.execute(_STOP_STATE, (study_id,)).fetchone()]
            tx.execute("INSERT OR REPLACE INTO scimlkit_meta VALUES (?, ?)",
                       (f"stopped:{study_id}", json.dumps({"reason": reason, "state": state})))

    def stop_reason(self, study_id: int) -> str | None:
        """Why the study's last run stopped early, if no trial was added, run or finished since."""
        row = self.query("SELECT value FROM scimlkit_meta WHERE key = ?", (f"stopped:{study_id}",))
        if not row:
            return None
        try:
            stored = json.loads(row[0][0])
            reason, state = str(stored["reason"]), [int(v) for v in stored["state"]]
        except (ValueError, TypeError, KeyError):
            return None  # a value edited by hand: nothing to report
        return reason if state == [int(v) for v in self.query(_STOP_STATE, (study_id,))[0]] else None

    # -- trials -----------------------------------------------------------------------------
    _COLUMNS = ("number, state, params, value, error, attempts, created, started, finished, duration, "
                "host, pid, finish_seq, intermediate")

    def _record(self, row) -> TrialRecord:
        number, state, params, value, error, attempts, created, started, finished, duration, host, pid, seq, steps = row
        try:
            params = json.loads(params)
            steps = None if steps is None else json.loads(steps)
        except ValueError:
            raise StorageError(f"storage '{self.path}': trial {number} has unreadable parameters or "
                               "intermediate losses") from None
        return TrialRecord(int(number), state, params, value, error, int(attempts), created, started, finished,
                           duration, host, pid, seq, steps)

    def trials(self, study_id: int, states: tuple[str, ...] | None = None) -> list[TrialRecord]:
        """Every trial of a study in trial-number order (optionally only some states)."""
        sql = f"SELECT {self._COLUMNS} FROM trials WHERE study_id = ?"
        args: list = [study_id]
        if states:
            sql += f" AND state IN ({','.join('?' * len(states))})"
            args += list(states)
        return [self._record(r) for r in self.query(sql + " ORDER BY number", tuple(args))]

    def trial(self, study_id: int, number: int) -> TrialRecord | None:
        """Trial ``number`` of a study (None when it has none)."""
        rows = self.query(f"SELECT {self._COLUMNS} FROM trials WHERE study_id = ? AND number = ?", (study_id, number))
        return self._record(rows[0]) if rows else None

    def finished_since(self, study_id: int, seq: int) -> list[TrialRecord]:
        """Finished trials whose finish sequence number is above ``seq``, in finishing order."""
        rows = self.query(f"SELECT {self._COLUMNS} FROM trials WHERE study_id = ? AND finish_seq > ? "
                          "ORDER BY finish_seq", (study_id, seq))
        return [self._record(r) for r in rows]

    def counts(self, study_id: int) -> dict[str, int]:
        """Trials per state, of the trials the study ran or runs (added evaluations left out)."""
        rows = self.query(f"SELECT state, COUNT(*) FROM trials WHERE study_id = ? AND {_RUN} GROUP BY state",
                          (study_id,))
        out = dict.fromkeys(STATES, 0)
        out.update({state: int(n) for state, n in rows})
        return out

    def added_count(self, study_id: int) -> int:
        """Number of evaluations added to the study with :meth:`add_finished`."""
        return int(self.query(f"SELECT COUNT(*) FROM trials WHERE study_id = ? AND NOT {_RUN}", (study_id,))[0][0])

    def add_finished(self, study_id: int, rows: list[tuple]) -> list[int]:
        """Store evaluations made elsewhere as finished trials; returns the numbers given.

        ``rows`` holds ``(params_json, state, value, error, intermediate)``, ``intermediate``
        being the ``[step, loss]`` pairs the evaluation reported along the way (or None). A row equal (parameters, state and value) to a finished
        trial of this study (added or run), or to an earlier row, is skipped, so adding the same
        evaluations again (a resumed job, or the study's own trials) adds nothing.
        """
        for row in rows:
            if row[1] not in FINISHED:
                raise ValueError(f"an added trial must be finished ({FINISHED}), got {row[1]}")
        numbers: list[int] = []
        now = time.time()
        with self._write() as tx:
            seen = {tuple(r) for r in tx.execute("SELECT params, state, value FROM trials WHERE study_id = ? "
                                                 "AND state IN ('COMPLETE', 'FAILED', 'PRUNED')", (study_id,))}
            seq = tx.execute("SELECT COALESCE(MAX(finish_seq), 0) FROM trials WHERE study_id = ?",
                             (study_id,)).fetchone()[0]
            number = _next_number(tx, study_id)
            for params, state, value, error, intermediate in rows:
                key = (params, state, value)
                if key in seen:
                    continue
                seen.add(key)
                seq += 1
                tx.execute("INSERT INTO trials (study_id, number, state, params, value, error, attempts, created, "
                           "finished, finish_seq, intermediate) VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?)",
                           (study_id, number, state, params, value, error, now, now, seq,
                            _steps_json(intermediate)))
                numbers.append(number)
                number += 1
        return numbers

    def enqueue(self, study_id: int, params_json: str) -> int:
        """Add a ``QUEUED`` trial with the given parameters; returns its number."""
        with self._write() as tx:
            number = _next_number(tx, study_id)
            tx.execute("INSERT INTO trials (study_id, number, state, params, created) VALUES (?, ?, 'QUEUED', ?, ?)",
                       (study_id, number, params_json, time.time()))
        return number

    def set_params(self, study_id: int, number: int, params_json: str) -> None:
        """Replace the parameters of a trial not yet finished (a queued point completed when it starts)."""
        with self._write() as tx:
            tx.execute("UPDATE trials SET params = ? WHERE study_id = ? AND number = ? AND state IN ('QUEUED', 'RUNNING')",
                       (params_json, study_id, number))

    def requeue_stale(self, study_id: int) -> list[int]:
        """Send stale ``RUNNING`` trials back to ``QUEUED``; returns their numbers."""
        now = time.time()
        host, pid = socket.gethostname(), os.getpid()
        with _ACTIVE_LOCK:
            active = set(_ACTIVE_OWNERS)
        stale = []
        rows = self.query("SELECT number, heartbeat, host, pid, owner FROM trials WHERE study_id = ? AND state = 'RUNNING'",
                          (study_id,))
        for number, heartbeat, t_host, t_pid, owner in rows:
            if owner in active:
                continue
            dead = t_host == host and t_pid is not None and (t_pid == pid or not _pid_alive(int(t_pid)))
            silent = heartbeat is None or now - heartbeat > self.grace_period
            if dead or silent:
                stale.append((number, owner))
        if not stale:
            return []
        requeued = []
        with self._write() as tx:
            for number, owner in stale:  # re-check: only if still RUNNING by the same owner
                cur = tx.execute("UPDATE trials SET state = 'QUEUED', owner = NULL, heartbeat = NULL "
                                 "WHERE study_id = ? AND number = ? AND state = 'RUNNING' AND owner IS ?",
                                 (study_id, number, owner))
                if cur.rowcount:
                    requeued.append(int(number))
        return requeued

    def claim(self, study_id: int, owner: str, proposals: list[str], limit: int | None, k: int
              ) -> list[tuple[int, str, bool]]:
        """Start up to ``k`` trials for ``owner`` in one transaction.

        Queued trials are claimed first (oldest first); then new trials are created from
        ``proposals`` (JSON parameter texts) while the study holds fewer than ``limit`` trials
        (added evaluations not counted).
        Returns ``(number, params_json, was_queued)`` for each trial started.
        """
        now = time.time()
        host, pid = socket.gethostname(), os.getpid()
        started: list[tuple[int, str, bool]] = []
        with self._write() as tx:
            queued = tx.execute("SELECT number, params FROM trials WHERE study_id = ? AND state = 'QUEUED' "
                                "ORDER BY number LIMIT ?", (study_id, k)).fetchall()
            for number, params in queued:
                tx.execute("UPDATE trials SET state = 'RUNNING', started = ?, heartbeat = ?, host = ?, pid = ?, "
                           "owner = ?, attempts = attempts + 1 WHERE study_id = ? AND number = ?",
                           (now, now, host, pid, owner, study_id, number))
                started.append((int(number), params, True))
            total = tx.execute(f"SELECT COUNT(*) FROM trials WHERE study_id = ? AND {_RUN}", (study_id,)).fetchone()[0]
            for params in proposals[: k - len(started)]:
                if limit is not None and total >= limit:
                    break
                number = _next_number(tx, study_id)
                tx.execute("INSERT INTO trials (study_id, number, state, params, attempts, created, started, heartbeat, "
                           "host, pid, owner) VALUES (?, ?, 'RUNNING', ?, 1, ?, ?, ?, ?, ?, ?)",
                           (study_id, number, params, now, now, now, host, pid, owner))
                started.append((number, params, False))
                total += 1
        return started

    def queued_count(self, study_id: int) -> int:
        return int(self.query("SELECT COUNT(*) FROM trials WHERE study_id = ? AND state = 'QUEUED'", (study_id,))[0][0])

    def total_count(self, study_id: int) -> int:
        """Number of trials the study ran or runs (queued ones included, added evaluations not)."""
        return int(self.query(f"SELECT COUNT(*) FROM trials WHERE study_id = ? AND {_RUN}", (study_id,))[0][0])

    def finish(self, study_id: int, number: int, state: str, value: float | None, error: str | None,
               duration: float | None, intermediate: list | None = None) -> bool:
        """Record a finished trial; a trial already finished is left as it is (returns False).

        ``intermediate`` holds the ``[step, loss]`` pairs the trial reported along the way.
        """
        if state not in FINISHED:
            raise ValueError(f"finish state must be one of {FINISHED}, got {state}")
        steps = _steps_json(intermediate)
        with self._write() as tx:
            row = tx.execute("SELECT state FROM trials WHERE study_id = ? AND number = ?", (study_id, number)).fetchone()
            if row is None:
                raise InputError(f"trial {number} does not exist in this study")
            if row[0] in FINISHED:
                return False
            seq = tx.execute("SELECT COALESCE(MAX(finish_seq), 0) + 1 FROM trials WHERE study_id = ?",
                             (study_id,)).fetchone()[0]
            tx.execute("UPDATE trials SET state = ?, value = ?, error = ?, finished = ?, duration = ?, owner = NULL, "
                       "finish_seq = ?, intermediate = ? WHERE study_id = ? AND number = ?",
                       (state, value, error, time.time(), duration, seq, steps, study_id, number))
        return True

    def curves(self, study_id: int) -> tuple[int, list[tuple[str, list]]]:
        """The number of complete trials a pruner counts (those the study ran and those added,
        as Optuna counts trials added with ``add_trial``), and the state and intermediate losses (``[[step, loss], ...]``)
        of every complete or pruned trial that reported some (run or added)."""
        n_complete = self.counts(study_id)[COMPLETE] + int(self.query(
            f"SELECT COUNT(*) FROM trials WHERE study_id = ? AND state = 'COMPLETE' AND NOT {_RUN}",
            (study_id,))[0][0])
        rows = self.query("SELECT state, intermediate FROM trials WHERE study_id = ? AND state IN ('COMPLETE', "
                          "'PRUNED') AND intermediate IS NOT NULL ORDER BY number", (study_id,))
        out = []
        for state, text in rows:
            try:
                out.append((state, json.loads(text)))
            except ValueError:
                raise StorageError(f"storage '{self.path}': unreadable intermediate losses") from None
        return n_complete, out

    def heartbeat(self, owner: str) -> None:
        with self._write() as tx:
            tx.execute("UPDATE trials SET heartbeat = ? WHERE owner = ? AND state = 'RUNNING'", (time.time(), owner))

    def release(self, owner: str, numbers=None) -> list[int]:
        """Send every trial ``owner`` still runs (or those of them numbered in ``numbers``) back
        to ``QUEUED`` (after an interruption)."""
        where, args = "owner = ? AND state = 'RUNNING'", [owner]
        if numbers is not None:
            numbers = [int(n) for n in numbers]
            where += f" AND number IN ({', '.join('?' * len(numbers))})"
            args += numbers
        with self._write() as tx:
            rows = tx.execute(f"SELECT number FROM trials WHERE {where}", args).fetchall()
            tx.execute(f"UPDATE trials SET state = 'QUEUED', owner = NULL, heartbeat = NULL WHERE {where}", args)
        return [int(r[0]) for r in rows]


# what a stored stop reason is tied to: the study's trial count, queued trials and last finish
_STOP_STATE = ("SELECT COUNT(*), COALESCE(SUM(state = 'QUEUED'), 0), COALESCE(MAX(finish_seq), 0) "
               "FROM trials WHERE study_id = ?")


def _steps_json(intermediate) -> str | None:
    """``[step, loss]`` pairs as stored (None when there are none)."""
    return None if not intermediate else json.dumps([[int(s), float(v)] for s, v in intermediate])


def _next_number(tx, study_id: int) -> int:
    return int(tx.execute("SELECT COALESCE(MAX(number), -1) + 1 FROM trials WHERE study_id = ?",
                          (study_id,)).fetchone()[0])


def _short(text: str, n: int = 80) -> str:
    return text if len(text) <= n else text[: n - 3] + "..."


class _Tx:
    """``with storage._write() as tx``: a write transaction with SQLite errors made clear."""

    def __init__(self, storage: StudyStorage):
        self.storage = storage
        self._cm = None

    def __enter__(self):
        self._cm = self.storage.transaction()
        return self._cm.__enter__()

    def __exit__(self, exc_type, exc, tb):
        try:
            return self._cm.__exit__(exc_type, exc, tb)
        except sqlite3.DatabaseError as err:
            raise StorageError(f"storage '{self.storage.path}': {err}") from None


def as_storage(storage) -> StudyStorage:
    """``None`` -> a private in-memory store; a path -> :class:`StudyStorage`; a store as is."""
    if storage is None:
        return StudyStorage(MEMORY)
    if isinstance(storage, StudyStorage):
        return storage
    if isinstance(storage, str | os.PathLike):
        if str(storage) == "":
            raise InputError("`storage` must be a file path, got an empty string")
        return StudyStorage(Path(storage))
    raise InputError(f"`storage` must be None, a file path or a StudyStorage, got {type(storage).__name__}")
