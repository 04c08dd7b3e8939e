"""The SQLite study store: schema, states, stale-trial detection, foreign and corrupt files."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time

import pytest

from scimlkit._errors import InputError, StorageError
from scimlkit.tune import StudyStorage
from scimlkit.tune._storage import (
    COMPLETE,
    FAILED,
    QUEUED,
    RUNNING,
    as_storage,
    new_owner,
    retire_owner,
)

SPACE = {"params": {"x": {"type": "float", "low": 0.0, "high": 1.0, "log": False}}}


def _p(x):
    return json.dumps({"x": x})


def test_create_and_attach_study(tmp_path):
    store = StudyStorage(tmp_path / "s.db")
    sid, run, created = store.create_study("a", SPACE, "random")
    assert (run, created) == (0, True)
    sid2, run2, created2 = store.create_study("a", SPACE, "random")
    assert (sid2, run2, created2) == (sid, 1, False)
    assert store.study_names() == ["a"]
    assert store.get_study("a")["space"] == SPACE
    assert store.get_study("missing") is None


def test_attach_with_other_space_or_method_is_refused(tmp_path):
    store = StudyStorage(tmp_path / "s.db")
    store.create_study("a", SPACE, "random")
    other = {"params": {"x": {"type": "float", "low": 0.0, "high": 2.0, "log": False}}}
    with pytest.raises(InputError, match="different search space"):
        store.create_study("a", other, "random")
    with pytest.raises(InputError, match="method 'random'"):
        store.create_study("a", SPACE, "gp")


def test_claim_respects_the_limit_and_queued_trials_come_first(tmp_path):
    store = StudyStorage(tmp_path / "s.db")
    sid, _, _ = store.create_study("a", SPACE, "random")
    owner = new_owner()
    try:
        got = store.claim(sid, owner, [_p(0.1), _p(0.2)], limit=3, k=2)
        assert [(n, q) for n, _, q in got] == [(0, False), (1, False)]
        queued = store.enqueue(sid, _p(0.9))
        assert queued == 2
        got = store.claim(sid, owner, [_p(0.3), _p(0.4)], limit=3, k=2)
        # the queued trial is claimed, and the limit (3 trials) stops the new ones
        assert [(n, q) for n, _, q in got] == [(2, True)]
        assert json.loads(got[0][1]) == {"x": 0.9}
        assert store.counts(sid)[RUNNING] == 3
    finally:
        retire_owner(owner)


def test_finish_is_final_and_ordered(tmp_path):
    store = StudyStorage(tmp_path / "s.db")
    sid, _, _ = store.create_study("a", SPACE, "random")
    owner = new_owner()
    store.claim(sid, owner, [_p(0.1), _p(0.2)], limit=None, k=2)
    assert store.finish(sid, 1, COMPLETE, 0.5, None, 0.01)
    assert store.finish(sid, 0, FAILED, None, "boom", 0.01)
    assert not store.finish(sid, 1, COMPLETE, 99.0, None, 0.01)  # already finished: unchanged
    recs = store.trials(sid)
    assert [(r.number, r.state, r.value, r.error) for r in recs] == [(0, FAILED, None, "boom"), (1, COMPLETE, 0.5, None)]
    assert [r.number for r in store.finished_since(sid, 0)] == [1, 0]
    assert [r.number for r in store.finished_since(sid, 1)] == [0]
    with pytest.raises(InputError):
        store.finish(sid, 7, COMPLETE, 1.0, None, 0.0)
    retire_owner(owner)


def test_release_requeues_running_trials(tmp_path):
    store = StudyStorage(tmp_path / "s.db")
    sid, _, _ = store.create_study("a", SPACE, "random")
    owner = new_owner()
    store.claim(sid, owner, [_p(0.1)], limit=None, k=1)
    assert store.release(owner) == [0]
    assert store.trials(sid)[0].state == QUEUED
    retire_owner(owner)


def test_trial_of_a_dead_process_is_stale(tmp_path):
    store = StudyStorage(tmp_path / "s.db")
    sid, _, _ = store.create_study("a", SPACE, "random")
    owner = new_owner()
    store.claim(sid, owner, [_p(0.1), _p(0.2)], limit=None, k=2)
    # a live runner's trials are not stale
    assert store.requeue_stale(sid) == []
    # pretend trial 0 was started by a process that has exited
    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(proc.stdout)
    with store.transaction() as tx:
        tx.execute("UPDATE trials SET pid = ?, owner = 'elsewhere' WHERE number = 0", (dead_pid,))
    assert store.requeue_stale(sid) == [0]
    states = {r.number: r.state for r in store.trials(sid)}
    assert states == {0: QUEUED, 1: RUNNING}
    retire_owner(owner)


def test_trial_with_an_old_heartbeat_is_stale(tmp_path):
    store = StudyStorage(tmp_path / "s.db", grace_period=5.0)
    sid, _, _ = store.create_study("a", SPACE, "random")
    owner = new_owner()
    store.claim(sid, owner, [_p(0.1), _p(0.2)], limit=None, k=2)
    with store.transaction() as tx:  # a runner on another host that went silent 10 s ago
        tx.execute("UPDATE trials SET host = 'other-host', owner = 'x', heartbeat = ? WHERE number = 1",
                   (time.time() - 10,))
        tx.execute("UPDATE trials SET host = 'other-host', owner = 'y', heartbeat = ? WHERE number = 0",
                   (time.time() - 1,))
    assert store.requeue_stale(sid) == [1]
    retire_owner(owner)


def test_trial_left_by_an_earlier_run_of_this_process_is_stale(tmp_path):
    store = StudyStorage(tmp_path / "s.db")
    sid, _, _ = store.create_study("a", SPACE, "random")
    owner = new_owner()
    store.claim(sid, owner, [_p(0.1)], limit=None, k=1)
    retire_owner(owner)  # that runner is gone, though the process lives
    assert store.requeue_stale(sid) == [0]


def test_heartbeat_updates_running_trials(tmp_path):
    store = StudyStorage(tmp_path / "s.db")
    sid, _, _ = store.create_study("a", SPACE, "random")
    owner = new_owner()
    store.claim(sid, owner, [_p(0.1)], limit=None, k=1)
    before = store.query("SELECT heartbeat FROM trials")[0][0]
    time.sleep(0.01)
    store.heartbeat(owner)
    assert store.query("SELECT heartbeat FROM trials")[0][0] > before
    retire_owner(owner)


def test_foreign_and_corrupt_files_are_refused(tmp_path):
    text = tmp_path / "notes.db"
    text.write_text("hello, this is not a database")
    with pytest.raises(StorageError, match="not a SQLite database"):
        StudyStorage(text)
    foreign = tmp_path / "foreign.db"
    conn = sqlite3.connect(foreign)
    conn.execute("CREATE TABLE t (a)")
    conn.commit()
    conn.close()
    with pytest.raises(StorageError, match="not a scimlkit store"):
        StudyStorage(foreign)
    assert sqlite3.connect(foreign).execute("SELECT name FROM sqlite_master").fetchall() == [("t",)]


def test_store_of_another_kind_is_refused(tmp_path):
    from scimlkit._store import SQLiteStore

    class Other(SQLiteStore):
        KIND = "drift-history"
        SCHEMA = "CREATE TABLE h (a)"

    Other(tmp_path / "h.db").close()
    with pytest.raises(StorageError, match="'drift-history' store"):
        StudyStorage(tmp_path / "h.db")


def test_as_storage_and_bad_arguments(tmp_path):
    assert as_storage(None).in_memory
    store = as_storage(tmp_path / "x.db")
    assert as_storage(store) is store
    with pytest.raises(InputError, match="`storage`"):
        as_storage(3.5)
    with pytest.raises(InputError, match="`grace_period`"):
        StudyStorage(tmp_path / "y.db", grace_period=0)
    with pytest.raises(StorageError, match="does not exist"):
        StudyStorage(tmp_path / "missing" / "x.db")


def test_storage_pickles_as_its_path(tmp_path):
    import pickle

    store = StudyStorage(tmp_path / "s.db", grace_period=7.0)
    store.create_study("a", SPACE, "random")
    copy = pickle.loads(pickle.dumps(store))
    assert copy.study_names() == ["a"] and copy.grace_period == 7.0
    with pytest.raises(TypeError):
        pickle.dumps(as_storage(None))
    assert os.path.exists(tmp_path / "s.db")
