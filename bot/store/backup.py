"""Online backup and restore through SQLite's backup API (safe while `serve` is running).

A backup is one self-contained file (no -wal beside it), a consistent snapshot of what was
committed when it started. A restore checks the file is a careerbot database, upgrades a
copy of it to the current schema, keeps the database it replaces as `<db>.bak`, then copies
the pages in under SQLite's own lock, so a reader never sees half of each. Everything that could
refuse a restore (the backup, a database or directory this user cannot write, a file there that
is not a database) is checked before the first write, and a copy that fails removes its `.bak`.

Checks and sources are opened read-only (bot/store/access.py), so `db check` and `db backup`
work on a database this user cannot write.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from bot.store.access import explain, open_read_only, read_only, unwritable
from bot.store.migrations import LATEST

#: Tables every careerbot database has had since schema v1.
REQUIRED_TABLES = frozenset({"episodes", "tips", "audit", "subscriptions", "posts"})
COUNTED = ("tips", "episodes", "subscriptions", "posts", "audit")
TIMEOUT = 10.0  # seconds a connection waits for another process's lock
SHOWN = 3  # problems an integrity failure names


class BackupError(Exception):
    """A one-line reason a backup, restore or check did not happen, about one file (`path`); nothing was changed.

    `damaged`: the file is a SQLite database that fails SQLite's integrity check or cannot be read.
    """

    def __init__(self, path: str | Path, reason: str, *, damaged: bool = False) -> None:
        super().__init__(f"{path}: {reason}")
        self.path, self.reason, self.damaged = Path(path), reason, damaged


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
    """The database at `path`, read-only (a check, a copy's source: neither writes)."""
    if not path.is_file():
        raise BackupError(path, "no such file")
    try:
        return open_read_only(path, isolation_level=None, timeout=TIMEOUT)
    except sqlite3.DatabaseError as exc:
        raise _unreadable(path, exc) from None


def _unreadable(path: Path, exc: sqlite3.DatabaseError) -> BackupError:
    name = getattr(exc, "sqlite_errorname", "")
    if name == "SQLITE_NOTADB":
        return BackupError(path, f"not a SQLite database ({exc})")
    if name.startswith("SQLITE_CORRUPT"):
        return BackupError(path, f"database is damaged ({exc})", damaged=True)
    return BackupError(path, explain(exc, path) or str(exc))


def integrity(conn: sqlite3.Connection, full: bool = True) -> list[str]:
    """What SQLite's integrity_check (full) or quick_check finds wrong, one problem a line: [] when it says ok.

    Some damage (a table page that is not a b-tree page at all) makes SQLite stop the check with
    an error instead of a report; each table is then checked on its own, so the report names the
    tables it cannot read.
    """
    pragma = "integrity_check" if full else "quick_check"

    def check(argument: str = "") -> list[str]:
        lines = [line for (row,) in conn.execute(f"PRAGMA {pragma}{argument}") for line in str(row).splitlines()]
        return [line for line in lines if line != "ok" and not line.startswith("*** in database")]

    try:
        return check()
    except sqlite3.DatabaseError as exc:
        if not getattr(exc, "sqlite_errorname", "").startswith("SQLITE_CORRUPT"):
            raise
        stopped = exc
    problems = []
    for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").fetchall():
        quoted = '"' + table.replace('"', '""') + '"'
        try:
            problems += [f"{table}: {line}" for line in check(f"({quoted})")]
        except sqlite3.DatabaseError as exc:
            problems.append(f"{table}: {exc}")
    return problems or [str(stopped)]


def inspect(path: str | Path, *, full_check: bool = False) -> Summary:
    """Check that `path` is a readable, undamaged careerbot database; say what is in it."""
    path = Path(path)
    conn = _connect(path)
    try:
        try:
            tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            schema = conn.execute("PRAGMA user_version").fetchone()[0]
            problems = integrity(conn, full_check)
        except sqlite3.DatabaseError as exc:
            raise _unreadable(path, exc) from None
        if problems:
            more = f" (and {len(problems) - SHOWN} more)" if len(problems) > SHOWN else ""
            raise BackupError(path, f"database is damaged: {'; '.join(problems[:SHOWN])}{more}", damaged=True)
        missing = REQUIRED_TABLES - tables
        if missing or schema < 1:
            raise BackupError(path, f"not a careerbot database (missing {', '.join(sorted(missing)) or 'schema'})")
        if schema > LATEST:
            raise BackupError(path, f"schema v{schema} is newer than this careerbot (v{LATEST}); upgrade careerbot")
        try:
            counts = {name: conn.execute(f"SELECT count(*) FROM {name}").fetchone()[0] for name in COUNTED}  # noqa: S608
        except sqlite3.DatabaseError as exc:
            raise _unreadable(path, exc) from None
    finally:
        conn.close()
    return Summary(path, schema, counts, path.stat().st_size)


def _copy(source: sqlite3.Connection, source_path: Path, dest_path: Path) -> None:
    """Copy every page of `source` into a new single file at `dest_path` (written aside, then renamed)."""
    partial = dest_path.with_name(f".{dest_path.name}.partial")
    try:
        partial.unlink(missing_ok=True)
        dest = sqlite3.connect(partial, isolation_level=None)
        try:
            source.backup(dest)
            dest.execute("PRAGMA journal_mode=DELETE")
        finally:
            dest.close()
        os.replace(partial, dest_path)
    except (sqlite3.DatabaseError, OSError) as exc:
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
        name = getattr(exc, "sqlite_errorname", "")
        if name == "SQLITE_NOTADB" or name.startswith("SQLITE_CORRUPT"):
            raise _unreadable(source_path, exc) from None  # the source could not be read
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else explain(exc, dest_path) or exc
        raise BackupError(dest_path, f"cannot be written ({reason})") from None


def _writable(path: Path) -> None:
    """Refuse, before anything is written, a `path` this user cannot write (or create)."""
    reason = unwritable(path)
    if reason:
        raise BackupError(path, read_only(reason, "this command writes there"))


def backup(db_path: str | Path, dest: str | Path, *, overwrite: bool = False) -> Summary:
    """Write a consistent copy of the live database to `dest`.

    `dest` is a file, or a directory (existing, or written with a trailing slash) to put a
    timestamped `careerbot-YYYYmmddTHHMMSSZ.db` in.
    """
    into_dir = str(dest).endswith(("/", os.sep)) or Path(dest).is_dir()
    db_path, dest = Path(db_path), Path(dest)
    inspect(db_path)
    if into_dir:
        import datetime as dt

        dest = dest / f"{db_path.stem}-{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%SZ}.db"
    if dest.exists() and not overwrite:
        raise BackupError(dest, "already exists (use --force to overwrite)")
    if dest.resolve() == db_path.resolve():
        raise BackupError(dest, "is the database itself")
    _target(dest)
    source = _connect(db_path)
    try:
        _copy(source, db_path, dest)
    finally:
        source.close()
    return inspect(dest, full_check=True)


def _target(path: Path) -> None:
    """A file about to be written: this user may write it, and its directory exists (made if not)."""
    _writable(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BackupError(path, f"cannot create its directory ({exc.strerror})") from None


def restore(source_path: str | Path, db_path: str | Path) -> tuple[Summary, Path | None]:
    """Replace the database at `db_path` with the backup at `source_path`, upgraded to this schema.

    Returns the restored summary and where the replaced database was kept (`<db>.bak`, or `<db>.bak.2`,
    `.bak.3`… when that is taken: a second restore must not overwrite the first one's), if any.
    The backup file itself is never modified. All or nothing: every check comes before the first
    write, and when copying the backup in fails, the database is as it was and its `.bak` is removed.
    """
    from bot.store import open_db

    source_path, db_path = Path(source_path), Path(db_path)
    inspect(source_path, full_check=True)
    if db_path.exists() and source_path.resolve() == db_path.resolve():
        raise BackupError(source_path, "is the database itself")
    _target(db_path)
    staged = db_path.with_name(f".{db_path.name}.restore")
    try:
        current = _connect(db_path) if db_path.exists() else None  # the database replaced, kept as .bak
    except BackupError as exc:
        raise BackupError(db_path, f"{exc.reason}, so the backup cannot be copied into it: move it aside (mv "
                                   f"{db_path} {db_path}.broken) and restore again; nothing was changed") from None
    kept = None
    try:
        source = _connect(source_path)
        try:
            _copy(source, source_path, staged)
        finally:
            source.close()
        upgraded = open_db(staged)  # runs any newer migrations on the copy
        upgraded.execute("PRAGMA journal_mode=DELETE")
        upgraded.conn.close()
        if current is not None:
            kept = _free_name(db_path.with_name(db_path.name + ".bak"))
            _copy(current, db_path, kept)
            current.close()
            current = None
        staged_conn = sqlite3.connect(staged, isolation_level=None)
        try:
            target = sqlite3.connect(db_path, isolation_level=None, timeout=TIMEOUT)
            try:
                staged_conn.backup(target)
            finally:
                target.close()
        except sqlite3.DatabaseError as exc:
            if kept is not None:  # the database was not replaced: a copy of it beside it would only mislead
                kept.unlink(missing_ok=True)
            raise BackupError(db_path, f"could not be replaced ({explain(exc, db_path) or exc}); it is as it "
                                       "was, nothing was changed") from None
        finally:
            staged_conn.close()
    finally:
        if current is not None:
            current.close()
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
