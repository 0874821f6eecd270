"""`careerbot serve` with SLACK_BOT_TOKEN + SLACK_SIGNING_SECRET + SLACK_API_URL answers a signed /ask on PORT."""

from __future__ import annotations

import asyncio

import aiohttp

from bot.core.actors import ModeratorRules
from bot.core.service import CareerBot
from bot.serve import serve
from bot.store import open_db
from tests.slack.conftest import SECRET, slack_settings_for
from tests.slack.fakes import command_body, message_texts, signed_headers

MENTOR = "how do I find a mentor?"


async def wait_listening(url: str, session: aiohttp.ClientSession, task: asyncio.Task) -> dict:
    for _ in range(200):
        if task.done():
            task.result()  # raises what stopped serve
        try:
            async with session.get(url) as resp:
                return await resp.json()
        except aiohttp.ClientConnectionError:
            await asyncio.sleep(0.025)
    raise AssertionError("serve did not start listening")


async def test_serve_answers_a_signed_ask_on_port(fake_slack, db_file):
    settings = slack_settings_for(fake_slack, careerbot_db=db_file)
    assert settings.slack_enabled and not settings.discord_enabled
    bot = CareerBot(open_db(db_file), rules=ModeratorRules.from_settings(settings))
    expected = bot.ask(MENTOR).cards[0].title
    stop = asyncio.Event()
    task = asyncio.ensure_future(serve(settings, bot, stop))
    base = f"http://127.0.0.1:{settings.port}"
    try:
        async with aiohttp.ClientSession() as session:
            health = await wait_listening(f"{base}/healthz", session, task)
            for _ in range(200):  # serve listens first, then warms the search (Searcher.warm), then connects
                if health["platforms"]["slack"] == "connected":
                    break
                await asyncio.sleep(0.025)
                async with session.get(f"{base}/healthz") as resp:
                    health = await resp.json()
            assert health["platforms"]["slack"] == "connected"
            body = command_body("/ask", MENTOR, fake_slack.response_url("serve"))
            async with session.post(f"{base}/slack/events", data=body.encode(),
                                    headers=signed_headers(SECRET, body)) as resp:
                assert resp.status == 200
            [answer] = await fake_slack.wait_for("response")
            assert expected in "\n".join(message_texts(answer.args))
            async with session.post(f"{base}/slack/events", data=body.encode(),
                                    headers=signed_headers("wrong-secret-value", body)) as resp:
                assert resp.status == 401
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)
    assert len(fake_slack.calls_to("response")) == 1
