"""Whether the database file can be written, opening it read-only when not, and SQLite's errors in words.

A database file this user cannot write (`chmod 444`, another user's file, a read-only directory)
is opened read-only (`mode=ro`), so the commands that only read (ask, tips, topics, hack,
schedule list, db check, db backup) still work; a command that writes stops at its first write
with SQLite's SQLITE_READONLY, having changed nothing. SQLite reads a WAL database through its
`-shm` file, which it creates beside the database: in a directory this user cannot write, and
with no `-wal` file there (no other process has it open), the file is read as immutable instead.

`explain` turns the errors SQLite raises about the file itself (read-only, damaged, not a
database, cannot be opened, locked, disk full) into what is wrong and what to do, for the one
line the command line prints (`error: CAREERBOT_DB: <path>: …`). Other errors are bugs: None.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any


def unwritable(path: str | Path) -> str | None:
    """Why this user cannot write the database at `path` (None: it can). SQLite writes the file and,
    in WAL mode, `<name>-wal` and `<name>-shm` beside it, so the directory counts too."""
    if str(path) == ":memory:":
        return None
    path = Path(path)
    if path.exists():
        if not os.access(path, os.W_OK):
            return "the file is read-only for this user"
        if not os.access(path.parent, os.W_OK | os.X_OK):
            return (f"its directory {path.parent} is read-only for this user (SQLite writes {path.name}-wal and "
                    f"{path.name}-shm there)")
        for suffix in ("-wal", "-shm"):
            companion = Path(f"{path}{suffix}")
            if companion.exists() and not os.access(companion, os.W_OK):
                return f"{companion.name} is read-only for this user (another user's process may have it open)"
        return None
    parent = path.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not os.access(parent, os.W_OK | os.X_OK):
        return f"it does not exist, and {parent} is read-only for this user, so it cannot be created"
    return None


def open_read_only(path: str | Path, factory: type[sqlite3.Connection] = sqlite3.Connection,
                   **options: Any) -> sqlite3.Connection:
    """Open an existing database for reading only (`mode=ro`); immutable when SQLite cannot make the
    `-shm` file it reads a WAL database through (a read-only directory, and no `-wal`: nobody has it open)."""
    path = Path(path).resolve()
    uri = path.as_uri() + "?mode=ro"
    try:
        return _opened(uri, factory, options)
    except sqlite3.OperationalError as exc:
        name = getattr(exc, "sqlite_errorname", "")
        if not name.startswith(("SQLITE_READONLY", "SQLITE_CANTOPEN")) or Path(f"{path}-wal").exists():
            raise
    return _opened(uri + "&immutable=1", factory, options)


def _opened(uri: str, factory: type[sqlite3.Connection], options: dict[str, Any]) -> sqlite3.Connection:
    """The connection, once it has read the schema (SQLite opens the file lazily, at the first statement)."""
    conn = sqlite3.connect(uri, uri=True, factory=factory, **options)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except BaseException:
        conn.close()
        raise
    return conn


def read_only(why: str, stops: str) -> str:
    """The one wording of a refusal to write a file this user cannot: why, what it stops, what to do."""
    return (f"read-only: {why}, and {stops}; nothing was changed. Give this user write access to the file "
            "and its directory, or run the command as the user who owns them")


def explain(exc: BaseException, path: str | Path) -> str | None:
    """What is wrong with the database at `path`, and what to do, for an error SQLite raised about the
    file itself; None for any other error (a bug, which should be raised as it is)."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    if name.startswith("SQLITE_READONLY"):
        return read_only(unwritable(path) or "SQLite could not write it", "this command changes the database")
    if name.startswith("SQLITE_CORRUPT"):
        return (f"the database is damaged ({exc}). `careerbot db check` shows where; restore a backup "
                "(careerbot db restore FILE)")
    if name == "SQLITE_NOTADB":
        return f"not a SQLite database ({exc}): point CAREERBOT_DB at careerbot's database, or restore a backup"
    if name.startswith("SQLITE_CANTOPEN"):
        why = ("it is a directory" if Path(path).is_dir() else unwritable(path)
               or "check that the file and its directory exist and are readable by this user")
        return f"cannot open it ({exc}): {why}"
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        return f"busy ({exc}): another process held it locked for too long; nothing was changed, try again"
    if name == "SQLITE_FULL":
        return f"the disk is full ({exc}): free some space and try again"
    if name.startswith(("SQLITE_IOERR", "SQLITE_PERM")):
        return f"cannot read or write it ({exc}): check the disk and the file's permissions"
    return None
