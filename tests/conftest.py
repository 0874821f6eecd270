"""Shared fixtures: a real SQLite database (in memory) with the bundled content loaded."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.actors import Actor, ModeratorRules
from bot.core.service import CareerBot
from bot.corpus.files import read_content
from bot.corpus.loader import load_content
from bot.store import open_db

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "content"


@pytest.fixture(scope="session")
def bundled():
    """The bundled content, read once per test session."""
    return read_content(CONTENT)


@pytest.fixture
def db(bundled):
    database = open_db(":memory:")
    load_content(database, bundled)
    yield database
    database.conn.close()


@pytest.fixture
def db_file(tmp_path, bundled):
    """A file-backed database (WAL), for tests that need several connections or processes."""
    path = tmp_path / "careerbot.db"
    database = open_db(path)
    load_content(database, bundled)
    database.conn.close()
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
