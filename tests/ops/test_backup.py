"""`careerbot db backup` / `restore`: online, consistent, round-trips, refuses what it cannot use."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import cli
from bot.store import open_db


def db_cli(path: Path, *args: str):
    return CliRunner().invoke(cli, ["--db", str(path), "db", *args])


def subscriptions(path: Path) -> list[tuple]:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT channel, time, timezone FROM subscriptions ORDER BY channel").fetchall()


def subscribe(conn: sqlite3.Connection, channel: str) -> None:
    conn.execute("INSERT INTO subscriptions (channel, platform, channel_id, time, timezone) VALUES (?, ?, ?, ?, ?)",
                 [channel, channel.split(":")[0], channel.split(":")[1], "09:00", "UTC"])


def test_backup_restore_round_trip_while_the_database_is_in_use(db_file, tmp_path):
    live = open_db(db_file)  # a running bot holds its connection throughout
    subscribe(live.conn, "slack:C1")
    writer = sqlite3.connect(db_file, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # ... and someone is half-way through a change
    subscribe(writer, "slack:UNCOMMITTED")

    backup_file = tmp_path / "backups" / "nightly.db"
    result = db_cli(db_file, "backup", str(backup_file))
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"backed up {db_file} to {backup_file} (schema v")
    writer.execute("ROLLBACK")
    writer.close()
    assert subscriptions(backup_file) == [("slack:C1", "09:00", "UTC")]  # committed state only
    assert not Path(f"{backup_file}-wal").exists()  # one self-contained file
    assert db_cli(backup_file, "check").exit_code == 0

    live.execute("DELETE FROM subscriptions")
    live.execute("UPDATE tips SET status = 'retired'")  # a bad day
    result = db_cli(db_file, "restore", str(backup_file))
    assert result.exit_code == 0, result.output
    assert f"kept as {db_file}.bak" in result.output
    # The open connection sees the restored data; the replaced database is kept.
    assert live.execute("SELECT channel FROM subscriptions").fetchall() == [("slack:C1",)]
    assert live.execute("SELECT count(*) FROM tips WHERE status = 'active'").fetchone()[0] > 60
    assert subscriptions(Path(f"{db_file}.bak")) == []
    with sqlite3.connect(backup_file) as conn:  # the backup itself was not touched
        assert conn.execute("SELECT count(*) FROM subscriptions").fetchone()[0] == 1
    live.conn.close()
    # A second restore (the wrong file was picked, say) keeps the first one's .bak as it was
    again = db_cli(db_file, "restore", str(backup_file))
    assert again.exit_code == 0 and f"kept as {db_file}.bak.2" in again.output
    assert subscriptions(Path(f"{db_file}.bak")) == [] and subscriptions(Path(f"{db_file}.bak.2")) == [
        ("slack:C1", "09:00", "UTC")]


def test_backup_into_a_directory_and_no_silent_overwrite(db_file, tmp_path):
    folder = tmp_path / "backups"
    result = db_cli(db_file, "backup", f"{folder}/")  # created, because of the trailing slash
    assert result.exit_code == 0, result.output
    [made] = folder.glob("careerbot-*.db")
    again = db_cli(db_file, "backup", str(made))
    assert again.exit_code == 1 and again.stderr.strip() == f"error: {made}: already exists (use --force to overwrite)"
    assert db_cli(db_file, "backup", str(made), "--force").exit_code == 0


def test_restore_into_a_new_location(db_file, tmp_path):
    target = tmp_path / "fresh" / "careerbot.db"
    result = db_cli(target, "restore", str(db_file))
    assert result.exit_code == 0, result.output
    assert "kept as" not in result.output
    assert db_cli(target, "check").exit_code == 0


@pytest.mark.parametrize(("kind", "message"), [
    ("missing", "no such file"),
    ("text", "not a SQLite database"),
    ("foreign", "not a careerbot database (missing audit, episodes, posts, subscriptions, tips)"),
    ("newer", "is newer than this careerbot"),
])
def test_restore_refuses_what_it_cannot_use_and_changes_nothing(db_file, tmp_path, kind, message):
    bad = tmp_path / f"{kind}.db"
    if kind == "text":
        bad.write_text("hello\n" * 1000)
    elif kind == "foreign":
        with sqlite3.connect(bad) as conn:
            conn.execute("CREATE TABLE notes (x)")
    elif kind == "newer":
        bad.write_bytes(db_file.read_bytes())
        with sqlite3.connect(bad) as conn:
            conn.execute("PRAGMA user_version = 999")
    before = db_file.read_bytes()
    result = db_cli(db_file, "restore", str(bad))
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {bad}: ") and message in lines[0]
    assert db_file.read_bytes() == before
    assert not Path(f"{db_file}.bak").exists()


def test_restore_upgrades_an_old_backup(db_file, tmp_path):
    from tests.ops.test_upgrade import old_database

    old = old_database(tmp_path / "v1-backup.db")
    result = db_cli(db_file, "restore", str(old))
    assert result.exit_code == 0, result.output
    with sqlite3.connect(db_file) as conn:
        from bot.store import LATEST

        assert conn.execute("PRAGMA user_version").fetchone()[0] == LATEST
        assert conn.execute("SELECT id FROM tips ORDER BY n").fetchall() == [("ada-find-a-mentor",), ("ada-kaggle",)]
    with sqlite3.connect(old) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 1  # the backup file is left as it was
