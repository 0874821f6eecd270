"""Fixtures: a fake Discord on 127.0.0.1 and the real discord.py client logged in against it."""

from __future__ import annotations

import sqlite3

import pytest

from bot.corpus.loader import load_content
from bot.settings import load_settings
from bot.store import open_db
from tests.discord.fakes import TOKEN


@pytest.fixture(scope="session")
def loaded_db(bundled):
    """The bundled content loaded once; each test gets its own copy (see `db`)."""
    template = open_db(":memory:")
    load_content(template, bundled)
    yield template
    template.conn.close()


@pytest.fixture
def db(loaded_db, tmp_path):
    """Overrides tests/conftest.py's `db`: the same loaded database, copied instead of reloaded (faster)."""
    path = tmp_path / "discord-test.db"
    with sqlite3.connect(path) as copy:
        loaded_db.conn.backup(copy)
    copy.close()
    database = open_db(path)
    yield database
    database.conn.close()


@pytest.fixture
def discord_settings(fake_discord, tmp_path):
    return load_settings(discord_token=TOKEN, discord_api_url=fake_discord.api_url,
                         discord_gateway_url=fake_discord.gateway_url, careerbot_db=tmp_path / "careerbot.db",
                         discord_moderator_role="moderators")


@pytest.fixture
async def discord_client(fake_discord, discord_settings, bot):
    """`build_client` for the test's CareerBot, logged in (REST only; interactions are fed in directly)."""
    from bot.discord.client import build_client

    client = build_client(discord_settings, bot)
    await client.login(TOKEN)
    yield client
    await client.close()


@pytest.fixture
def interact(fake_discord, discord_client):
    """Feed a raw INTERACTION_CREATE payload to the client; return the replies it posted."""

    async def run(payload: dict, n: int = 1):
        discord_client._connection.parse_interaction_create(payload)
        return await fake_discord.wait_replies(payload, n)

    return run
