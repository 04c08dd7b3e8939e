import multiprocessing as mp
import sqlite3

import pytest

from scimlkit._errors import StorageError
from scimlkit._store import SQLiteStore


class _Log(SQLiteStore):
    KIND = "test-log"
    SCHEMA = "CREATE TABLE rows (id INTEGER PRIMARY KEY, worker INTEGER, i INTEGER)"


class _Other(SQLiteStore):
    KIND = "other"
    SCHEMA = "CREATE TABLE x (a)"


def _writer(path, worker, n):
    store = _Log(path)
    for i in range(n):
        with store.transaction() as tx:
            tx.execute("INSERT INTO rows (worker, i) VALUES (?, ?)", (worker, i))


def test_create_reopen_and_wal(tmp_path):
    path = tmp_path / "s.db"
    with _Log(path) as store:
        with store.transaction() as tx:
            tx.execute("INSERT INTO rows (worker, i) VALUES (0, 0)")
        assert store.query("PRAGMA journal_mode")[0][0] == "wal"
    assert _Log(path).query("SELECT count(*) FROM rows")[0][0] == 1


def test_rollback_keeps_committed_rows(tmp_path):
    store = _Log(tmp_path / "s.db")
    with store.transaction() as tx:
        tx.execute("INSERT INTO rows (worker, i) VALUES (0, 1)")
    with pytest.raises(RuntimeError):
        with store.transaction() as tx:
            tx.execute("INSERT INTO rows (worker, i) VALUES (0, 2)")
            raise RuntimeError("crash mid-write")
    assert store.query("SELECT i FROM rows") == [(1,)]


def test_two_processes_write(tmp_path):
    path = tmp_path / "s.db"
    _Log(path)
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(str(path), w, 50)) for w in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    assert _Log(path).query("SELECT count(*) FROM rows")[0][0] == 100


def test_refuses_foreign_corrupt_and_other_kind(tmp_path):
    foreign = tmp_path / "foreign.db"
    con = sqlite3.connect(foreign)
    con.execute("CREATE TABLE users (name)")
    con.commit()
    con.close()
    with pytest.raises(StorageError, match="not a scimlkit store"):
        _Log(foreign)
    corrupt = tmp_path / "corrupt.db"
    corrupt.write_bytes(b"garbage" * 100)
    with pytest.raises(StorageError, match="not a SQLite database"):
        _Log(corrupt)
    other = tmp_path / "other.db"
    _Other(other)
    with pytest.raises(StorageError, match="'other' store, not a 'test-log' store"):
        _Log(other)
    with pytest.raises(StorageError, match="does not exist"):
        _Log(tmp_path / "missing" / "x.db")


def _opener(path, barrier):
    barrier.wait(30)
    _Log(path)


def test_concurrent_creation_of_a_new_file(tmp_path):
    # several processes opening the same new file at once: exactly one creates the schema
    ctx = mp.get_context("spawn")
    for attempt in range(3):
        path = tmp_path / f"new{attempt}.db"
        barrier = ctx.Barrier(3)
        procs = [ctx.Process(target=_opener, args=(str(path), barrier)) for _ in range(3)]
        for p in procs:
            p.start()
        for p in procs:
            p.join(60)
            assert p.exitcode == 0
        assert _Log(path).query("SELECT value FROM scimlkit_meta WHERE key='kind'") == [("test-log",)]


def test_wal_switch_waits_for_a_writer_of_a_new_file(tmp_path):
    # Leaving rollback-journal mode while another connection holds the write lock fails at once in
    # SQLite ("database is locked", no busy wait); the store retries until the writer is done.
    import threading
    import time

    path = tmp_path / "s.db"
    store = _Log(path)
    store.connection.execute("PRAGMA journal_mode=DELETE")  # as a file is before its first WAL switch
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO rows (worker, i) VALUES (1, 1)")
    release = threading.Timer(0.3, lambda: other.execute("COMMIT"))
    release.start()
    start = time.monotonic()
    store._switch_to_wal()
    release.join()
    assert time.monotonic() - start >= 0.25
    assert store.query("PRAGMA journal_mode")[0][0] == "wal"
    assert store.query("SELECT count(*) FROM rows")[0][0] == 1
    other.close()


def test_foreign_file_is_left_unmodified(tmp_path):
    foreign = tmp_path / "foreign.db"
    con = sqlite3.connect(foreign)
    con.execute("CREATE TABLE users (name)")
    con.commit()
    con.close()
    before = foreign.read_bytes()
    with pytest.raises(StorageError):
        _Log(foreign)
    assert foreign.read_bytes() == before


def test_home_folder_in_a_store_path_is_expanded(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)  # unexpanded, "~" would be a folder here
    (tmp_path / "home").mkdir()
    _Log("~/log.db")
    assert (tmp_path / "home" / "log.db").is_file()
