"""Fixtures: a fake Slack on 127.0.0.1 and the real bolt app served over HTTP next to it."""

from __future__ import annotations

import json
import socket
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest

from bot.core.actors import ModeratorRules
from bot.core.reply import Reply
from bot.core.service import SUBCOMMANDS, CareerBot, subcommand
from bot.settings import Settings, load_settings
from tests.slack.fakes import (
    FakeSlack,
    action_body,
    command_body,
    serve_slack,
    signed_headers,
    submission_body,
)

SECRET = "test-signing-secret-0123456789"
BOT_TOKEN = "xoxb-test-token"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def slack_settings_for(fake: FakeSlack, **overrides: Any) -> Settings:
    """Settings for a Slack app talking to `fake` (no .env file, nothing from the environment's Slack vars)."""
    values: dict[str, Any] = {
        "_env_file": None, "slack_bot_token": BOT_TOKEN, "slack_signing_secret": SECRET,
        "slack_app_token": None, "slack_api_url": fake.api_url, "slack_moderators": ["UMOD"],
        "slack_moderator_group": None, "discord_token": None, "host": "127.0.0.1", "port": free_port(),
    }
    values.update(overrides)
    return load_settings(**values)


@pytest.fixture
def slack_settings(fake_slack):
    return slack_settings_for(fake_slack)


@pytest.fixture
def slack_bot(db, slack_settings):
    """A CareerBot whose moderator rules come from the Slack settings (as `careerbot serve` builds it)."""
    from bot.core.service import load_subcommands

    load_subcommands()
    return CareerBot(db, rules=ModeratorRules.from_settings(slack_settings))


@pytest.fixture
def probe_subcommand():
    """A moderator-only `/tips probe` subcommand, to test the refusal and the moderator facts."""

    @subcommand("probe", "probe", "Check moderator rights.", moderator=True)
    def probe(bot, actor, rest):  # noqa: ANN001
        return Reply("info", text=f"moderator ok: {actor.user_id}")

    yield probe
    SUBCOMMANDS.pop("probe", None)


@dataclass
class SlackHttp:
    """The real app on 127.0.0.1, and helpers that POST to it exactly as Slack would."""

    url: str
    fake: FakeSlack
    frontend: Any
    session: aiohttp.ClientSession
    secret: str = SECRET

    async def post(self, body: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
        async with self.session.post(self.url, data=body.encode(),
                                     headers=headers or signed_headers(self.secret, body)) as resp:
            return resp.status, await resp.text()

    async def command(self, command: str, text: str = "", *, user: str = "UMEMBER", channel: str = "C1",
                      response: str = "r1") -> tuple[int, str]:
        return await self.post(command_body(command, text, self.fake.response_url(response),
                                            user=user, channel=channel))

    async def action(self, action_id: str, value: str, *, user: str = "UMEMBER", channel: str = "C1",
                     response: str = "a1") -> tuple[int, str]:
        return await self.post(action_body(action_id, value, self.fake.response_url(response),
                                           user=user, channel=channel))

    async def submit(self, view: dict[str, Any], values: dict[str, str] | None = None, *,
                     user: str = "UMEMBER") -> tuple[int, dict[str, Any]]:
        """Submit a modal (as opened or updated by the app); returns the status and bolt's JSON answer."""
        status, text = await self.post(submission_body(view, values or {}, user=user))
        return status, (json.loads(text) if text else {})

    async def reply(self, n: int = 1) -> dict[str, Any]:
        """The n-th message the app sent to a response_url (waits for it)."""
        calls = await self.fake.wait_for("response", n)
        return calls[n - 1].args


@pytest.fixture
async def slack_http(fake_slack, slack_settings, slack_bot):
    frontend, runner, url = await serve_slack(slack_settings, slack_bot)
    async with aiohttp.ClientSession() as session:
        yield SlackHttp(url, fake_slack, frontend, session)
    await frontend.stop()
    await runner.cleanup()
