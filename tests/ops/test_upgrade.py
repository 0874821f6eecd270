"""A database from an older careerbot upgrades in place: every row kept, schema as a fresh one."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from click.testing import CliRunner

from bot.cli import cli
from bot.store import LATEST, open_db

FIXTURE = Path(__file__).with_name("data") / "v1.sql"
TABLES = ("episodes", "cues", "passages", "topics", "synonyms", "tips", "audit", "subscriptions", "posts",
          "feedback", "queries", "review_queue")


def old_database(path: Path) -> Path:
    with sqlite3.connect(path) as conn:
        conn.executescript(FIXTURE.read_text(encoding="utf-8"))
    return path


def rows(path: Path) -> dict[str, list[tuple]]:
    with sqlite3.connect(path) as conn:
        return {t: conn.execute(f"SELECT * FROM {t} ORDER BY rowid").fetchall() for t in TABLES}  # noqa: S608


def shape(conn: sqlite3.Connection) -> dict[str, object]:
    """Tables with their columns, indexes and triggers: what a migration is supposed to produce."""
    names = conn.execute("SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name").fetchall()
    tables = {name: conn.execute(f'PRAGMA table_xinfo("{name}")').fetchall()
              for kind, name in names if kind == "table"}
    return {"objects": names, "tables": tables}


def test_v1_fixture_upgrades_in_place_keeping_every_row(tmp_path):
    path = old_database(tmp_path / "old.db")
    before = rows(path)
    assert all(before[t] for t in TABLES)  # the fixture has data in every table
    db = open_db(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == LATEST
    db.conn.close()
    after = rows(path)
    for table in TABLES:  # every old row is still there with its old values (new columns may follow)
        assert [r[: len(before[table][0])] for r in after[table]] == before[table], table
    fresh = open_db(":memory:")
    with sqlite3.connect(path) as upgraded:
        assert shape(upgraded) == shape(fresh.conn)
        hits = upgraded.execute("SELECT rowid FROM tips_fts WHERE tips_fts MATCH 'mentor'").fetchall()
        assert hits == [(1,)]  # the full-text index still finds the old tips
        said = dict(upgraded.execute("SELECT word, n FROM spoken_words").fetchall())
        assert said["mentor"] == 1 and said["competitions"] == 1  # from the old passages, for reading typos
        tips = upgraded.execute("SELECT count(*) FROM tips WHERE status = 'active'").fetchone()[0]
        encoded = upgraded.execute("SELECT count(*) FROM tip_word_vectors").fetchone()[0]
        assert encoded >= 3 * tips > 0  # each old tip's summary, quote and questions, for reranking by meaning


def test_upgraded_database_serves_answers(tmp_path):
    from bot.core.service import CareerBot

    db = open_db(old_database(tmp_path / "old.db"))
    reply = CareerBot(db).ask("how do I find a mentor?")
    assert reply.kind == "answer" and reply.cards[0].id == "ada-find-a-mentor"
    db.conn.close()


def test_db_migrate_command(tmp_path):
    path = old_database(tmp_path / "old.db")
    result = CliRunner().invoke(cli, ["--db", str(path), "db", "migrate"])
    assert result.exit_code == 0, result.output
    expected = f"applied {list(range(2, LATEST + 1))}" if LATEST > 1 else "already up to date"
    assert result.output.strip() == f"schema v{LATEST}: {expected}"
    again = CliRunner().invoke(cli, ["--db", str(path), "db", "migrate"])
    assert again.output.strip() == f"schema v{LATEST}: already up to date"


def test_newer_database_is_refused_with_one_line(tmp_path):
    path = old_database(tmp_path / "new.db")
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {LATEST + 1}")
    result = CliRunner().invoke(cli, ["--db", str(path), "db", "migrate"])
    assert result.exit_code == 1
    assert result.stderr.strip() == (f"error: CAREERBOT_DB: {path}: database schema v{LATEST + 1} is newer than "
                                     f"this careerbot (v{LATEST}); upgrade careerbot")
