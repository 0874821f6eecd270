"""SQLite through sqlite-utils: one connection per process, WAL, migrations on open."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlite_utils import Database

from bot.store.migrations import LATEST, migrate, version

__all__ = ["LATEST", "open_db", "migrate", "transaction", "version"]


def open_db(path: str | Path = ":memory:", *, upgrade: bool = True) -> Database:
    """Open (creating if needed) the database and bring its schema up to date."""
    target = str(path)
    if target != ":memory:":
        Path(target).parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(target, check_same_thread=False, timeout=10.0, isolation_level=None)
    db = Database(conn)
    if target != ":memory:":
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA foreign_keys=ON")
    db.execute("PRAGMA busy_timeout=10000")
    if upgrade:
        migrate(db)
    return db


class transaction:  # noqa: N801 - used as a context manager, reads like `with transaction(db):`
    """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on error.

    The connection is in autocommit mode, so only statements run through `db.execute`
    inside the block belong to it (sqlite-utils' write helpers commit on their own).
    """

    def __init__(self, db: Database) -> None:
        self.db = db

    def __enter__(self) -> Database:
        self.db.execute("BEGIN IMMEDIATE")
        return self.db

    def __exit__(self, exc_type, exc, tb) -> None:
        self.db.execute("ROLLBACK" if exc_type else "COMMIT")
