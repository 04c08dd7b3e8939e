"""The SQLite history: records, concurrent writers, crashes."""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pandas as pd
import pytest

from scimlkit._errors import StorageError
from scimlkit._store import SQLiteStore
from scimlkit.drift import DriftHistory, DriftMonitor


@pytest.fixture(scope="module")
def profile_path(tmp_path_factory):
    gen = np.random.default_rng(0)
    ref = pd.DataFrame(gen.normal(size=(3000, 5)), columns=list("abcde"))
    path = tmp_path_factory.mktemp("profile") / "profile.npz"
    DriftMonitor(sample_size=0).fit(ref).save(path)
    return path


def _batch(seed, shift=0.0):
    gen = np.random.default_rng(seed)
    frame = pd.DataFrame(gen.normal(size=(400, 5)), columns=list("abcde"))
    frame["a"] += shift
    return frame


def test_record_and_read_back(tmp_path, profile_path):
    monitor = DriftMonitor.load(profile_path)
    store = DriftHistory(tmp_path / "h.db")
    monitor.check(_batch(1), store=store, batch="d1")
    monitor.check(_batch(2, shift=1.0), store=tmp_path / "h.db", batch="d2")  # a path works too
    history = store.history()
    assert history["batch"].tolist() == ["d1", "d2"]
    assert history["alert"].tolist() == [False, True]
    assert history["created"].is_monotonic_increasing
    assert history["health"].iloc[1] < history["health"].iloc[0]
    cols = store.columns("a")
    assert cols["batch"].tolist() == ["d1", "d2"] and cols["alert"].tolist() == [False, True]
    assert len(store.columns()) == 10
    conn_mode = store.connection.execute("PRAGMA journal_mode").fetchone()[0]
    assert conn_mode == "wal"


def test_the_multivariate_adjusted_pvalue_is_recorded_and_old_files_upgrade(tmp_path):
    import sqlite3

    gen = np.random.default_rng(5)
    ref = pd.DataFrame(gen.normal(size=(2000, 3)), columns=list("abc"))
    monitor = DriftMonitor(sample_size=1000, rng=0).fit(ref)
    report = monitor.check(ref.iloc[:500] + 0.3, multivariate=True, store=tmp_path / "h.db", batch="d1")
    row = DriftHistory(tmp_path / "h.db").history().iloc[0]
    assert row["mv_pvalue"] == pytest.approx(report.multivariate.pvalue)
    assert row["mv_pvalue_adj"] == pytest.approx(report.multivariate.pvalue_adj)
    assert row["mv_pvalue_adj"] >= row["mv_pvalue"]
    # a history written by the earlier schema (no adjusted column) is upgraded when opened
    old = tmp_path / "old.db"
    DriftHistory(old).record(report)
    with sqlite3.connect(old) as conn:
        conn.execute("ALTER TABLE checks DROP COLUMN mv_pvalue_adj")
        conn.execute("ALTER TABLE check_columns DROP COLUMN effect")
        conn.execute("DROP INDEX checks_monitor")
        conn.execute("ALTER TABLE checks DROP COLUMN monitor")
        conn.execute("UPDATE scimlkit_meta SET value = '1' WHERE key = 'schema_version'")
    conn.close()
    store = DriftHistory(old)
    assert np.isnan(store.history()["mv_pvalue_adj"].iloc[0])  # recorded before: none
    monitor.check(ref.iloc[:500], multivariate=True, store=store, batch="d2")
    assert store.history()["mv_pvalue_adj"].notna().tolist() == [False, True]
    assert store.connection.execute("SELECT value FROM scimlkit_meta WHERE key = 'schema_version'").fetchone()[0] == "4"


def test_foreign_and_wrong_kind_files_are_refused(tmp_path):
    text = tmp_path / "notes.db"
    text.write_text("not sqlite")
    with pytest.raises(StorageError, match="not a SQLite database"):
        DriftHistory(text)

    class OtherStore(SQLiteStore):
        KIND = "tune-study"
        SCHEMA = "CREATE TABLE t (x INTEGER)"

    OtherStore(tmp_path / "other.db").close()
    with pytest.raises(StorageError, match="not a 'drift-history' store"):
        DriftHistory(tmp_path / "other.db")


def test_failed_write_leaves_no_partial_check(tmp_path, profile_path):
    monitor = DriftMonitor.load(profile_path)
    store = DriftHistory(tmp_path / "h.db")
    good = monitor.check(_batch(3), store=store, batch="ok")
    broken = dataclasses.replace(good, table=pd.concat([good.table, good.table.iloc[:1]]))  # duplicate column row
    with pytest.raises(StorageError, match="could not record"):
        store.record(broken, batch="broken")
    assert store.history()["batch"].tolist() == ["ok"]
    assert len(store.columns()) == 5
    monitor.check(_batch(4), store=store, batch="after")
    assert store.history()["batch"].tolist() == ["ok", "after"]


_WRITER = textwrap.dedent("""
    import sys, numpy as np, pandas as pd
    from scimlkit.drift import DriftHistory, DriftMonitor
    profile, db, tag, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    monitor = DriftMonitor.load(profile)
    store = DriftHistory(db)
    gen = np.random.default_rng(abs(hash(tag)) % 1000)
    i = 0
    while count < 0 or i < count:
        batch = pd.DataFrame(gen.normal(size=(200, 5)), columns=list("abcde"))
        monitor.check(batch, store=store, batch=f"{tag}-{i}")
        print(i, flush=True)
        i += 1
""")


def _writer(profile_path, db, tag, count):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    return subprocess.Popen([sys.executable, "-c", _WRITER, str(profile_path), str(db), tag, str(count)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)


def test_two_processes_write_at_once(tmp_path, profile_path):
    db = tmp_path / "shared.db"
    DriftHistory(db).close()
    writers = [_writer(profile_path, db, tag, 8) for tag in ("p", "q")]
    for proc in writers:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    history = DriftHistory(db).history()
    assert len(history) == 16
    assert sorted(history["batch"]) == sorted([f"p-{i}" for i in range(8)] + [f"q-{i}" for i in range(8)])
    assert history["id"].is_unique


def test_killed_writer_loses_nothing_already_recorded(tmp_path, profile_path):
    db = tmp_path / "crash.db"
    DriftHistory(db).close()
    proc = _writer(profile_path, db, "k", -1)
    seen = 0
    deadline = time.monotonic() + 90
    while seen < 6 and time.monotonic() < deadline:  # wait until a few checks were committed
        line = proc.stdout.readline()
        if not line:
            break
        seen += 1
    proc.send_signal(signal.SIGKILL)  # no cleanup, possibly mid-transaction
    proc.wait(timeout=30)
    assert seen >= 6, proc.stderr.read()
    store = DriftHistory(db)
    history = store.history()
    assert len(history) >= seen  # every check reported as done is there
    counts = store.columns().groupby("check_id").size()
    assert (counts == 5).all() and len(counts) == len(history)  # and no half-written check
    DriftMonitor.load(profile_path).check(_batch(9), store=store, batch="after-crash")
    assert store.history()["batch"].iloc[-1] == "after-crash"


def test_bad_history_arguments_raise_input_errors(tmp_path):
    from scimlkit._errors import InputError

    with pytest.raises(InputError, match="history path must be a str or path-like, got 5"):
        DriftHistory(5)
    with pytest.raises(InputError, match="`report` must be a DriftReport"):
        DriftHistory(tmp_path / "h.db").record(5)


def test_several_monitors_share_one_file_and_are_read_apart(tmp_path):
    import sqlite3

    from scimlkit.drift import write_report

    gen = np.random.default_rng(11)
    churn = DriftMonitor(name="churn", sample_size=0).fit(pd.DataFrame({"x": gen.normal(size=2000)}))
    fraud = DriftMonitor(name="fraud", sample_size=0).fit(pd.DataFrame({"x": gen.normal(5, 1, 2000),
                                                                        "y": gen.normal(size=2000)}))
    db = tmp_path / "shared.db"
    batch = pd.DataFrame({"x": gen.normal(size=400), "y": gen.normal(size=400)})
    assert churn.check(batch, store=db, batch="d1").monitor == "churn"
    fraud.check(batch, store=db, batch="d1")  # x is 5 SD away from fraud's reference
    churn.check(batch, store=db, batch="d2")
    store = DriftHistory(db)
    assert store.history()["monitor"].tolist() == ["churn", "fraud", "churn"]
    assert store.history(monitor="churn")["batch"].tolist() == ["d1", "d2"]
    assert store.history(monitor="churn")["alert"].tolist() == [False, False]
    assert store.columns("x", monitor="fraud")["alert"].tolist() == [True]
    assert store.columns("x", monitor="churn")["batch"].tolist() == ["d1", "d2"]
    assert store.history(monitor="nobody").empty
    # the name travels with the saved profile
    churn.save(tmp_path / "churn.profile")
    assert DriftMonitor.load(tmp_path / "churn.profile").check(batch).monitor == "churn"
    # the report's health over time shows its own monitor's checks only
    report = churn.check(batch, store=store, batch="d3")
    drawn = {}
    import scimlkit.drift._report as report_module

    original = report_module.health_figure

    def spy(history, **kwargs):
        drawn["batches"] = history["batch"].tolist()
        return original(history, **kwargs)

    report_module.health_figure = spy
    try:
        write_report(report, tmp_path / "r.html", history=store)
    finally:
        report_module.health_figure = original
    assert drawn["batches"] == ["d1", "d2", "d3"]
    # a file of the previous schema (no monitor names) keeps its checks and reads them unnamed
    old = tmp_path / "v3.db"
    churn.check(batch, store=old, batch="before")
    with sqlite3.connect(old) as conn:
        conn.execute("DROP INDEX checks_monitor")
        conn.execute("ALTER TABLE checks DROP COLUMN monitor")
        conn.execute("UPDATE scimlkit_meta SET value = '3' WHERE key = 'schema_version'")
    conn.close()
    upgraded = DriftHistory(old)
    fraud.check(batch, store=upgraded, batch="after")
    assert upgraded.history()["monitor"].isna().tolist() == [True, False]
    assert upgraded.history()["batch"].tolist() == ["before", "after"]
    from scimlkit._errors import InputError

    with pytest.raises(InputError, match="`name` must be a non-empty string"):
        DriftMonitor(name=3).fit(pd.DataFrame({"x": gen.normal(size=50)}))
    with pytest.raises(InputError, match="`monitor` must be a non-empty string"):
        store.history(monitor="")


def test_times_with_and_without_microseconds_read_together(tmp_path, profile_path):
    import sqlite3

    monitor = DriftMonitor.load(profile_path)
    store = DriftHistory(tmp_path / "h.db")
    monitor.check(_batch(1), store=store, batch="d1")
    monitor.check(_batch(2), store=store, batch="d2")
    with sqlite3.connect(tmp_path / "h.db") as conn:  # as an ISO time with no fraction of a second
        conn.execute("UPDATE checks SET created = '2026-01-05T10:00:00+00:00' WHERE id = 1")
    conn.close()
    created = store.history()["created"]
    assert created.iloc[0] == pd.Timestamp("2026-01-05T10:00:00", tz="UTC")
    assert created.iloc[1].microsecond == pd.Timestamp(store.query("SELECT created FROM checks WHERE id = 2")[0][0]
                                                       ).microsecond
    assert store.columns()["created"].iloc[0] == pd.Timestamp("2026-01-05T10:00:00", tz="UTC")
    from scimlkit.cli import main

    assert main(["drift", "history", str(tmp_path / "h.db"), "--format", "json"]) == 0
