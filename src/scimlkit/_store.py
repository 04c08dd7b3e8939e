"""SQLite, the embedded default store for tuning studies and monitoring history.

Every store is one SQLite file in WAL mode, so several processes can read while one writes, and
a writer that dies mid-transaction leaves every committed row intact. Each file is stamped with
scimlkit's ``application_id`` and a ``scimlkit_meta`` table naming its kind and schema version,
so that a foreign or corrupt file is refused with a clear message instead of being modified.

Subclass :class:`SQLiteStore`, set ``KIND``, ``SCHEMA_VERSION`` and ``SCHEMA`` (DDL run once when
the file is created), and write through :meth:`SQLiteStore.transaction`. A file written with an
older schema is upgraded in place when it is opened, by the statements in ``MIGRATIONS`` (from
version ``v`` to ``v + 1``), in the same transaction as the check: it is upgraded whole or not
at all.
"""

from __future__ import annotations

import contextlib
import os
import random
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from ._errors import StorageError

__all__ = ["SQLiteStore", "APPLICATION_ID", "check_existing_store"]

APPLICATION_ID = 0x53434D4C  # "SCML"
_SQLITE_MAGIC = b"SQLite format 3\x00"


def check_existing_store(path: str | os.PathLike, what: str = "storage") -> Path:
    """Check that ``path`` is a store to read: opening a :class:`SQLiteStore` on a missing or
    empty file would create and initialise one, which a read must never do."""
    from ._errors import InputError

    path = Path(path).expanduser()
    if not path.exists():
        raise InputError(f"{what} '{path}' does not exist")
    if path.is_file() and path.stat().st_size == 0:
        raise InputError(f"{what} '{path}' is an empty file, not a scimlkit store")
    return path


class SQLiteStore:
    """A scimlkit store in one SQLite file (see the module docstring)."""

    KIND: str = ""
    SCHEMA_VERSION: int = 1
    SCHEMA: str = ""
    MIGRATIONS: dict[int, str] = {}
    BUSY_TIMEOUT_S: float = 60.0

    def __init__(self, path: str | os.PathLike):
        if not self.KIND:
            raise TypeError("SQLiteStore subclasses must set KIND")
        self.path = Path(path).expanduser()
        self._local = threading.local()
        self._pid = os.getpid()
        self._check_file()
        self._initialise()

    # -- connection -------------------------------------------------------------------------
    def _check_file(self) -> None:
        if self.path.is_dir():
            raise StorageError(f"storage '{self.path}' is a directory, not a SQLite file")
        if self.path.exists() and self.path.stat().st_size > 0:
            with open(self.path, "rb") as fh:
                head = fh.read(16)
            if head != _SQLITE_MAGIC:
                raise StorageError(f"storage '{self.path}' is not a SQLite database (corrupt or another kind of file)")
        elif not self.path.parent.exists():
            raise StorageError(f"storage '{self.path}': folder '{self.path.parent}' does not exist")

    @property
    def connection(self) -> sqlite3.Connection:
        """This thread's (and this process's) connection, opened on first use."""
        if os.getpid() != self._pid:  # a forked child must not reuse the parent's connection
            self._local = threading.local()
            self._pid = os.getpid()
        conn = getattr(self._local, "conn", None)
        if conn is None:
            try:
                conn = sqlite3.connect(self.path, timeout=self.BUSY_TIMEOUT_S, isolation_level=None)
                conn.execute("PRAGMA synchronous=FULL")
                conn.execute("PRAGMA foreign_keys=ON")
            except sqlite3.DatabaseError as exc:
                raise StorageError(f"storage '{self.path}' could not be opened: {exc}") from None
            self._local.conn = conn
        return conn

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __getstate__(self):  # stores travel to worker processes as their path
        return {"path": str(self.path)}

    def __setstate__(self, state) -> None:
        self.path = Path(state["path"])
        self._local = threading.local()
        self._pid = os.getpid()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """``BEGIN IMMEDIATE`` ... ``COMMIT`` (or ``ROLLBACK`` on error), with a clear error."""
        conn = self.connection
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.DatabaseError as exc:
            raise StorageError(f"storage '{self.path}' is not writable: {exc}") from None
        try:
            yield conn
        except BaseException:
            if conn.in_transaction:  # SQLite may already have rolled back (e.g. on a full disk)
                conn.execute("ROLLBACK")
            raise
        else:
            conn.execute("COMMIT")

    def _migrate(self, tx: sqlite3.Connection, version: int) -> int:
        """Bring a file of an older schema ``version`` up to date (inside the open transaction)."""
        start = version
        while version < self.SCHEMA_VERSION:
            script = self.MIGRATIONS.get(version)
            if script is None:
                raise StorageError(f"storage '{self.path}' has schema version {start}, which this scimlkit "
                                   f"cannot upgrade to {self.SCHEMA_VERSION}")
            for statement in filter(str.strip, script.split(";")):
                tx.execute(statement)
            version += 1
        if version != start:
            tx.execute("UPDATE scimlkit_meta SET value = ? WHERE key = 'schema_version'", (str(version),))
        return version

    def query(self, sql: str, params: tuple | dict = ()) -> list[sqlite3.Row]:
        """Run a read query and return all rows."""
        try:
            return self.connection.execute(sql, params).fetchall()
        except sqlite3.DatabaseError as exc:
            raise StorageError(f"storage '{self.path}': {exc}") from None

    # -- schema -----------------------------------------------------------------------------
    def _initialise(self) -> None:
        # The check and the creation share one write transaction, so two processes opening a
        # new file at the same moment cannot both create the schema. WAL (persistent in the
        # file) is switched on only once the file is known to be ours.
        try:
            with self.transaction() as tx:
                app_id = tx.execute("PRAGMA application_id").fetchone()[0]
                tables = {r[0] for r in tx.execute("SELECT name FROM sqlite_master WHERE type='table'")}
                if app_id == 0 and not tables:
                    tx.execute(f"PRAGMA application_id={APPLICATION_ID}")
                    tx.execute("CREATE TABLE scimlkit_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
                    tx.execute("INSERT INTO scimlkit_meta VALUES ('kind', ?), ('schema_version', ?)",
                               (self.KIND, str(self.SCHEMA_VERSION)))
                    for statement in filter(str.strip, self.SCHEMA.split(";")):
                        tx.execute(statement)
                    meta = {"kind": self.KIND, "schema_version": str(self.SCHEMA_VERSION)}
                elif app_id != APPLICATION_ID or "scimlkit_meta" not in tables:
                    raise StorageError(
                        f"storage '{self.path}' is a SQLite database but not a scimlkit store; refusing to modify it"
                    )
                else:
                    meta = dict(tx.execute("SELECT key, value FROM scimlkit_meta").fetchall())
                    if meta.get("kind") == self.KIND:
                        meta["schema_version"] = str(self._migrate(tx, int(meta.get("schema_version", "0"))))
        except sqlite3.DatabaseError as exc:
            raise StorageError(f"storage '{self.path}' is not a readable SQLite database: {exc}") from None
        kind = meta.get("kind")
        if kind != self.KIND:
            raise StorageError(f"storage '{self.path}' is a scimlkit '{kind}' store, not a '{self.KIND}' store")
        version = int(meta.get("schema_version", "0"))
        if version > self.SCHEMA_VERSION:
            raise StorageError(
                f"storage '{self.path}' has schema version {version}, newer than this scimlkit supports "
                f"({self.SCHEMA_VERSION}); upgrade scimlkit"
            )
        self._switch_to_wal()

    def _switch_to_wal(self) -> None:
        # Leaving rollback-journal mode needs the file to itself, and SQLite reports "database is
        # locked" at once (without waiting on the busy timeout) while another process has it open
        # at that instant, as happens when several processes open a new file together: retry.
        conn = self.connection
        deadline = time.monotonic() + self.BUSY_TIMEOUT_S
        delay = 0.005
        while True:
            try:
                if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                    conn.execute("PRAGMA journal_mode=WAL")
                return
            except sqlite3.DatabaseError as exc:
                busy = isinstance(exc, sqlite3.OperationalError) and ("locked" in str(exc) or "busy" in str(exc))
                if not busy or time.monotonic() >= deadline:
                    raise StorageError(f"storage '{self.path}' could not switch to WAL mode: {exc}") from None
                time.sleep(delay * (0.5 + random.random()))
                delay = min(delay * 2, 0.2)
