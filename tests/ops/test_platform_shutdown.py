"""SIGTERM while a real platform reply is on the wire: `careerbot serve` against the Slack and Discord fakes.

Each fake is slowed down so the reply is still being delivered when the signal arrives; a
graceful stop lets it finish (the member gets their answer) before the process exits.
"""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from tests.ops.conftest import SLACK_SECRET, discord_env, slack_env

MENTOR = "how do I find a mentor?"
DELAY = 1.0


@pytest.fixture
async def slow_slack():
    """The fake Slack, whose response_url takes DELAY seconds to answer."""
    from tests.slack.fakes import FakeSlack

    class SlowSlack(FakeSlack):
        arrived = asyncio.Event()

        async def _response(self, request):  # noqa: ANN001, ANN202
            self.arrived.set()
            await asyncio.sleep(DELAY)
            return await super()._response(request)

    fake = await SlowSlack().start()
    yield fake
    await fake.stop()


@pytest.fixture
async def slow_discord():
    """The fake Discord, whose interaction callbacks take DELAY seconds to answer."""
    from tests.discord.fakes import FakeDiscord

    class SlowDiscord(FakeDiscord):
        arrived = asyncio.Event()

        async def _rest(self, request):  # noqa: ANN001, ANN202
            if request.path.startswith("/api/v10/interactions/"):
                self.arrived.set()
                await asyncio.sleep(DELAY)
            return await super()._rest(request)

    fake = await SlowDiscord().start()
    yield fake
    await fake.stop()


async def test_sigterm_during_a_slack_reply(serve_proc, slow_slack, db_file):
    from tests.slack.fakes import command_body, message_texts, signed_headers

    serve = await serve_proc(db_file, script=None, **slack_env(slow_slack))
    await serve.wait_ready()
    body = command_body("/ask", MENTOR, slow_slack.response_url("r1"))
    async with aiohttp.ClientSession() as session, \
            session.post(f"{serve.url}/slack/events", data=body.encode(),
                         headers=signed_headers(SLACK_SECRET, body)) as response:
        assert response.status == 200  # acked; the answer follows on the response_url
    await asyncio.wait_for(slow_slack.arrived.wait(), 10)
    serve.signal()
    assert await serve.wait() == 0, serve.output()
    [answer] = slow_slack.calls_to("response")  # recorded once its (slow) request completed
    assert "mentor" in "\n".join(message_texts(answer.args)).lower()
    assert serve.event("serve.stopped")[0]["drained"] is True


async def test_sigterm_during_a_discord_reply(serve_proc, slow_discord, db_file):
    serve = await serve_proc(db_file, script=None, **discord_env(slow_discord))
    ready = await serve.wait_ready()
    assert ready["platforms"] == {"discord": "connected"}
    interaction = slow_discord.command("ask", question=MENTOR)
    await slow_discord.dispatch("INTERACTION_CREATE", interaction)
    await asyncio.wait_for(slow_discord.arrived.wait(), 10)
    serve.signal()
    assert await serve.wait() == 0, serve.output()
    assert slow_discord.replies(interaction), serve.output()
    assert serve.event("serve.stopped")[0]["drained"] is True
