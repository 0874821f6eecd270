"""SQLite: one connection per process, WAL, migrations on open; sqlite-utils on top for writing.

`connect` gives the bare connection, which is all that answering questions needs: a one-off
`careerbot ask` opens only that, and so never imports sqlite-utils (which imports numpy, when
installed, on import). `open_db` wraps the same connection in a sqlite-utils `Database`.

A database file this user cannot write is opened read-only (bot/store/access.py): the commands
that only read work, and a write fails with SQLite's SQLITE_READONLY, changing nothing.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from bot.store.access import explain, open_read_only, unwritable
from bot.store.migrations import LATEST, SchemaError, migrate, version

if TYPE_CHECKING:
    from sqlite_utils import Database

    SQL = sqlite3.Connection | Database  # what code that only runs SQL accepts

__all__ = ["LATEST", "connect", "explain", "open_db", "migrate", "transaction", "unwritable", "version"]


class Connection(sqlite3.Connection):
    """A connection shared by the event loop and worker threads.

    Front ends run core calls on worker threads while the scheduler works on the loop, all on
    this one connection. A statement from any thread waits while another thread is inside
    `transaction()`, so it can never land in (or be rolled back with) someone else's transaction.
    """

    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.lock = threading.RLock()
        self.read_only = False  # opened with mode=ro: this user cannot write the file (see connect)

    def execute(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN201
        with self.lock:
            return super().execute(*args, **kwargs)

    def executemany(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN201
        with self.lock:
            return super().executemany(*args, **kwargs)

    def close(self) -> None:
        """Not while another thread's statement runs (closing under it can crash the process)."""
        with self.lock:
            super().close()

    def executescript(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN201
        with self.lock:
            return super().executescript(*args, **kwargs)


def connect(path: str | Path = ":memory:", *, upgrade: bool = True) -> Connection:
    """Open (creating if needed) the database and bring its schema up to date.

    A database this user cannot write is opened read-only, and is not upgraded: an older schema
    is then a SchemaError saying so.
    """
    target = str(path)
    if target != ":memory:" and Path(target).exists() and (reason := unwritable(target)):
        return _connect_read_only(Path(target), reason, upgrade)
    if target != ":memory:":
        Path(target).parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(target, check_same_thread=False, timeout=10.0, isolation_level=None, factory=Connection)
    if target != ":memory:":
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA busy_timeout=10000")
    if upgrade and version(conn) != LATEST:
        from sqlite_utils import Database  # migrations use its FTS helpers

        migrate(Database(conn))
    return conn


def _connect_read_only(path: Path, reason: str, upgrade: bool) -> Connection:
    conn: Connection = open_read_only(path, Connection, check_same_thread=False, timeout=10.0,  # type: ignore[assignment]
                                      isolation_level=None)
    conn.read_only = True
    conn.execute("PRAGMA busy_timeout=10000")
    current = version(conn)
    if upgrade and current < LATEST:
        conn.close()
        raise SchemaError(f"schema v{current} needs upgrading to v{LATEST}, which writes to it, and {reason}: run "
                          "careerbot db migrate as the user who owns it")
    if current > LATEST:
        conn.close()
        raise SchemaError(f"database schema v{current} is newer than this careerbot (v{LATEST}); upgrade careerbot")
    return conn


def open_db(path: str | Path = ":memory:", *, upgrade: bool = True) -> Database:
    """`connect`, wrapped in sqlite-utils for its table helpers."""
    from sqlite_utils import Database

    return Database(connect(path, upgrade=upgrade))


class transaction:  # noqa: N801 - used as a context manager, reads like `with transaction(db):`
    """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on error.

    The connection is in autocommit mode, so only statements run through `db.execute`
    inside the block belong to it (sqlite-utils' write helpers commit on their own). The block
    holds the connection's lock: keep it short and never `await` inside it.
    """

    def __init__(self, db: Database) -> None:
        self.db = db

    def __enter__(self) -> Database:
        self.lock = getattr(self.db.conn, "lock", None) or threading.RLock()
        self.lock.acquire()  # other threads' statements wait until COMMIT or ROLLBACK
        try:
            self.db.execute("BEGIN IMMEDIATE")
        except BaseException:
            self.lock.release()
            raise
        return self.db

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            self.db.execute("ROLLBACK" if exc_type else "COMMIT")
        finally:
            self.lock.release()
