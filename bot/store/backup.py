"""Online backup and restore through SQLite's backup API (safe while `serve` is running).

A backup is one self-contained file (no -wal beside it), a consistent snapshot of what was
committed when it started. A restore checks the file is a careerbot database, upgrades a
copy of it to the current schema, keeps the database it replaces as `<db>.bak`, then copies
the pages in under SQLite's own lock, so a reader never sees half of each.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from bot.store.migrations import LATEST

#: Tables every careerbot database has had since schema v1.
REQUIRED_TABLES = frozenset({"episodes", "tips", "audit", "subscriptions", "posts"})
COUNTED = ("tips", "episodes", "subscriptions", "posts", "audit")


class BackupError(Exception):
    """A one-line reason a backup or restore did not happen; nothing was changed."""


@dataclass
class Summary:
    path: Path
    schema: int
    counts: dict[str, int]
    size: int

    def line(self) -> str:
        counts = ", ".join(f"{n} {name}" for name, n in self.counts.items())
        return f"{self.path} (schema v{self.schema}, {counts}, {self.size / 1e6:.1f} MB)"


def _connect(path: Path) -> sqlite3.Connection:
    if not path.is_file():
        raise BackupError(f"{path}: no such file")
    return sqlite3.connect(path, isolation_level=None, timeout=10.0)


def inspect(path: str | Path, *, full_check: bool = False) -> Summary:
    """Check that `path` is a readable careerbot database; say what is in it."""
    path = Path(path)
    conn = _connect(path)
    try:
        try:
            check = conn.execute("PRAGMA integrity_check" if full_check else "PRAGMA quick_check").fetchone()[0]
            tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            schema = conn.execute("PRAGMA user_version").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"{path}: not a SQLite database ({exc})") from None
        if check != "ok":
            raise BackupError(f"{path}: database is damaged ({check})")
        missing = REQUIRED_TABLES - tables
        if missing or schema < 1:
            raise BackupError(f"{path}: not a careerbot database (missing {', '.join(sorted(missing)) or 'schema'})")
        if schema > LATEST:
            raise BackupError(f"{path}: schema v{schema} is newer than this careerbot (v{LATEST}); upgrade careerbot")
        counts = {name: conn.execute(f"SELECT count(*) FROM {name}").fetchone()[0] for name in COUNTED}  # noqa: S608
    finally:
        conn.close()
    return Summary(path, schema, counts, path.stat().st_size)


def _copy(source: sqlite3.Connection, dest_path: Path) -> None:
    """Copy every page of `source` into a new single file at `dest_path` (written aside, then renamed)."""
    partial = dest_path.with_name(f".{dest_path.name}.partial")
    partial.unlink(missing_ok=True)
    dest = sqlite3.connect(partial, isolation_level=None)
    try:
        source.backup(dest)
        dest.execute("PRAGMA journal_mode=DELETE")
    finally:
        dest.close()
    os.replace(partial, dest_path)


def backup(db_path: str | Path, dest: str | Path, *, overwrite: bool = False) -> Summary:
    """Write a consistent copy of the live database to `dest`.

    `dest` is a file, or a directory (existing, or written with a trailing slash) to put a
    timestamped `careerbot-YYYYmmddTHHMMSSZ.db` in.
    """
    into_dir = str(dest).endswith(("/", os.sep)) or Path(dest).is_dir()
    db_path, dest = Path(db_path), Path(dest)
    inspect(db_path)
    if into_dir:
        dest.mkdir(parents=True, exist_ok=True)
        import datetime as dt

        dest = dest / f"{db_path.stem}-{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%SZ}.db"
    if dest.exists() and not overwrite:
        raise BackupError(f"{dest}: already exists (use --force to overwrite)")
    if dest.resolve() == db_path.resolve():
        raise BackupError(f"{dest}: is the database itself")
    dest.parent.mkdir(parents=True, exist_ok=True)
    source = _connect(db_path)
    try:
        _copy(source, dest)
    finally:
        source.close()
    return inspect(dest, full_check=True)


def restore(source_path: str | Path, db_path: str | Path) -> tuple[Summary, Path | None]:
    """Replace the database at `db_path` with the backup at `source_path`, upgraded to this schema.

    Returns the restored summary and where the replaced database was kept (`<db>.bak`, or `<db>.bak.2`,
    `.bak.3`… when that is taken: a second restore must not overwrite the first one's), if any.
    The backup file itself is never modified.
    """
    from bot.store import open_db

    source_path, db_path = Path(source_path), Path(db_path)
    inspect(source_path, full_check=True)
    if db_path.exists() and source_path.resolve() == db_path.resolve():
        raise BackupError(f"{source_path}: is the database itself")
    db_path.parent.mkdir(parents=True, exist_ok=True)
    staged = db_path.with_name(f".{db_path.name}.restore")
    source = _connect(source_path)
    try:
        _copy(source, staged)
    finally:
        source.close()
    try:
        upgraded = open_db(staged)  # runs any newer migrations on the copy
        upgraded.execute("PRAGMA journal_mode=DELETE")
        upgraded.conn.close()
        kept = None
        if db_path.exists():
            kept = _free_name(db_path.with_name(db_path.name + ".bak"))
            current = sqlite3.connect(db_path, isolation_level=None, timeout=10.0)
            try:
                _copy(current, kept)
            finally:
                current.close()
        staged_conn = sqlite3.connect(staged, isolation_level=None)
        target = sqlite3.connect(db_path, isolation_level=None, timeout=10.0)
        try:
            staged_conn.backup(target)
        finally:
            target.close()
            staged_conn.close()
    finally:
        for suffix in ("", "-journal", "-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                Path(f"{staged}{suffix}").unlink()
    return inspect(db_path), kept


def _free_name(path: Path) -> Path:
    """`path`, or the first of `path.2`, `path.3`, … that does not exist yet."""
    n = 1
    candidate = path
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{path.name}.{n}")
    return candidate
