"""A damaged database, or one this user cannot write: one line `error: CAREERBOT_DB: <path>: …`, exit 2,
no traceback and nothing lost; the commands that only read still work on a read-only database."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import cli
from bot.store.backup import integrity

ROOT = Path(__file__).resolve().parent.parent.parent
TIP = "take-a-small-internship-as-a-way-in"


def as_another_user() -> list[str]:
    """A command prefix under which file permissions bind: nothing for a normal user; for root (who may
    write any file) a user namespace of its own, where root's files are an owner's files and no more."""
    if os.geteuid() != 0:
        return []
    unshare = shutil.which("unshare")
    if unshare is None or subprocess.run([unshare, "--user", "true"], capture_output=True).returncode != 0:
        pytest.skip("running as root without user namespaces: cannot make a file read-only for this process")
    return [unshare, "--user"]


def careerbot(path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_", "CAREERBOT_"))}
    env |= {"CAREERBOT_SEMANTIC": "off", "CAREERBOT_CONTENT": str(ROOT / "content")}
    return subprocess.run([*as_another_user(), sys.executable, "-m", "bot", "--db", str(path), *args],
                          capture_output=True, text=True, env=env, cwd=path.parent.parent, timeout=120)


def one_line(stderr: str, path: Path, *parts: str) -> str:
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith(f"error: CAREERBOT_DB: {path}: "), stderr
    for part in parts:
        assert part in lines[0], stderr
    return lines[0]


def tip_status(path: Path) -> str:
    with sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True) as conn:
        return conn.execute("SELECT status FROM tips WHERE id = ?", [TIP]).fetchone()[0]


@pytest.fixture
def damaged(db_file):
    """The database with one page of the audit table overwritten (as `dd` over it would)."""
    conn = sqlite3.connect(db_file, isolation_level=None)
    conn.executemany("INSERT INTO audit (actor, platform, action, entity, entity_id, after) "
                     "VALUES ('cli:qa', 'cli', 'edit', 'tip', ?, ?)", [(TIP, "x" * 200)] * 100)
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'audit'").fetchone()[0]
    conn.close()  # the last connection: its WAL is written into the file
    assert not Path(f"{db_file}-wal").exists()
    with open(db_file, "r+b") as file:
        file.seek((root - 1) * page_size)
        file.write(b"\xde\xad\xbe\xef" * (page_size // 4))
    return db_file


def test_a_damaged_table_is_one_line_and_db_check_says_where(damaged):
    history = CliRunner().invoke(cli, ["--db", str(damaged), "content", "history"])
    assert history.exit_code == 2 and history.stdout == ""
    one_line(history.stderr, damaged, "the database is damaged (database disk image is malformed)",
             "careerbot db check", "careerbot db restore FILE")
    retire = CliRunner().invoke(cli, ["--db", str(damaged), "content", "retire", TIP])
    assert retire.exit_code == 2
    one_line(retire.stderr, damaged, "the database is damaged")
    assert tip_status(damaged) == "active"  # the retire was rolled back with its audit row
    check = CliRunner().invoke(cli, ["--db", str(damaged), "db", "check"])
    assert check.exit_code == 2
    one_line(check.stderr, damaged, "database is damaged: audit: database disk image is malformed",
             "Restore a backup (careerbot db restore FILE)")
    assert "not a SQLite database" not in check.stderr


def test_integrity_reports_what_sqlite_finds(db_file, damaged):
    with sqlite3.connect(damaged) as conn:
        problems = integrity(conn)
        assert problems == ["audit: database disk image is malformed"]
        assert conn.execute("SELECT count(*) FROM tips").fetchone()[0] > 60  # the rest reads


def test_integrity_of_a_sound_database_is_empty(db_file):
    with sqlite3.connect(db_file) as conn:
        assert integrity(conn) == [] and integrity(conn, full=False) == []


@pytest.fixture
def read_only_file(db_file):
    db_file.chmod(0o444)
    yield db_file
    db_file.chmod(0o644)


def test_a_read_only_file_answers_the_commands_that_read(read_only_file):
    path = read_only_file
    for command in (["ask", "how do I find a mentor?"], ["tips"], ["topics"], ["hack", "--date", "2026-12-01"],
                    ["db", "check"], ["schedule", "list"], ["content", "history"]):
        result = careerbot(path, *command)
        assert result.returncode == 0, (command, result.stderr)
        assert result.stdout.strip(), command


def test_a_read_only_file_refuses_writes_with_one_line_and_changes_nothing(read_only_file, tmp_path):
    path = read_only_file
    before = path.read_bytes()
    why = "read-only: the file is read-only for this user"
    subscribe = careerbot(path, "schedule", "add", "slack:C1", "--time", "09:00", "--timezone", "UTC")
    assert subscribe.returncode == 2
    one_line(subscribe.stderr, path, why, "nothing was changed", "write access")
    retire = careerbot(path, "content", "retire", TIP)
    assert retire.returncode == 2
    one_line(retire.stderr, path, why)
    backup = tmp_path / "backup.db"
    assert CliRunner().invoke(cli, ["--db", str(path), "db", "backup", str(backup)]).exit_code == 0
    restore = careerbot(path, "db", "restore", str(backup))
    assert restore.returncode == 2
    one_line(restore.stderr, path, why, "nothing was changed", "write access")
    assert not list(path.parent.glob("*.bak*")) and not list(path.parent.glob(".*"))  # no .bak, nothing staged
    serve = careerbot(path, "serve")
    assert serve.returncode == 2
    one_line(serve.stderr, path, why, "careerbot serve writes to it", "nothing was changed", "write access")
    assert path.read_bytes() == before and tip_status(path) == "active"


def test_a_database_in_a_read_only_directory(db_file, tmp_path_factory):
    backup = tmp_path_factory.mktemp("backups") / "backup.db"
    assert CliRunner().invoke(cli, ["--db", str(db_file), "db", "backup", str(backup)]).exit_code == 0
    path = db_file
    path.parent.chmod(0o555)
    try:
        in_a_read_only_directory(path, backup)
    finally:
        path.parent.chmod(0o755)


def in_a_read_only_directory(path: Path, backup: Path) -> None:
    why = f"its directory {path.parent} is read-only for this user"
    for command in (["ask", "how do I find a mentor?"], ["db", "check"], ["schedule", "list"]):
        result = careerbot(path, *command)
        assert result.returncode == 0, (command, result.stderr)
    subscribe = careerbot(path, "schedule", "add", "slack:C1", "--time", "09:00", "--timezone", "UTC")
    assert subscribe.returncode == 2
    one_line(subscribe.stderr, path, why, "nothing was changed")
    restore = careerbot(path, "db", "restore", str(backup))
    assert restore.returncode == 2
    one_line(restore.stderr, path, why, "nothing was changed")
    assert sorted(p.name for p in path.parent.iterdir() if not p.name.startswith(path.name + "-")) == [path.name]
    missing = careerbot(path.parent / "new.db", "ask", "mentors")
    assert missing.returncode == 2
    one_line(missing.stderr, path.parent / "new.db", "cannot be created")


def test_a_read_only_database_of_an_older_schema_says_who_can_upgrade_it(tmp_path):
    from tests.ops.test_upgrade import old_database

    path = old_database(tmp_path / "v1.db")
    before = path.read_bytes()
    path.chmod(0o444)
    try:
        result = careerbot(path, "ask", "how do I find a mentor?")
    finally:
        path.chmod(0o644)
    assert result.returncode == 2
    one_line(result.stderr, path, "schema v1 needs upgrading", "the file is read-only for this user",
             "careerbot db migrate as the user who owns it")
    assert path.read_bytes() == before


def test_restore_over_a_file_that_is_not_a_database_says_what_to_do(db_file, tmp_path):
    target = tmp_path / "broken" / "careerbot.db"
    target.parent.mkdir()
    target.write_bytes(b"\x00garbage" * 4096)
    result = CliRunner().invoke(cli, ["--db", str(target), "db", "restore", str(db_file)])
    assert result.exit_code == 2
    one_line(result.stderr, target, "not a SQLite database", f"mv {target} {target}.broken", "nothing was changed")
    assert sorted(p.name for p in target.parent.iterdir()) == ["careerbot.db"]
