"""End to end: `careerbot serve` with DISCORD_TOKEN, DISCORD_API_URL and DISCORD_GATEWAY_URL at a fake Discord.

The fake gateway says HELLO, answers IDENTIFY with READY and heartbeats with ACKs, then sends
INTERACTION_CREATE; the replies must reach the fake REST while the interaction token is still
valid (the fake, like Discord, refuses callbacks more than 3 seconds after the interaction).
"""

from __future__ import annotations

import asyncio
import socket

import aiohttp
import discord
import pytest

from bot.serve import StartupError, serve
from bot.settings import load_settings
from tests.discord.fakes import CHANNEL_ID, TOKEN, FakeDiscord
from tests.discord.helpers import EPHEMERAL, assert_no_pings, footers


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
async def gateway_fake():
    fake = await FakeDiscord(heartbeat_interval_ms=200).start()
    yield fake
    await fake.stop()


def serve_settings(fake: FakeDiscord, tmp_path, token: str = TOKEN):
    return load_settings(discord_token=token, discord_api_url=fake.api_url, discord_gateway_url=fake.gateway_url,
                         host="127.0.0.1", port=free_port(), careerbot_db=tmp_path / "serve.db",
                         careerbot_shutdown_seconds=2)


async def test_serve_answers_ask_and_hack_over_the_gateway(gateway_fake, bot, tmp_path):
    fake = gateway_fake
    settings = serve_settings(fake, tmp_path)
    stop = asyncio.Event()
    server = asyncio.create_task(serve(settings, bot, stop))
    try:
        await asyncio.wait_for(fake.identified.wait(), 10)
        assert fake.identify["token"] == TOKEN
        assert fake.identify["intents"] == discord.Intents(guilds=True).value  # nothing privileged

        ask = fake.command("ask", question="how do I find a mentor?")
        await fake.dispatch("INTERACTION_CREATE", ask)
        [answer] = await fake.wait_replies(ask)
        assert answer.json["type"] == 4 and answer.sent["flags"] & EPHEMERAL
        assert answer.sent["content"] == "**Tips for: how do I find a mentor?**"
        assert_no_pings(answer)

        hack = fake.command("hack")
        await fake.dispatch("INTERACTION_CREATE", hack)
        [tip] = await fake.wait_replies(hack)
        assert footers(tip.sent) == [bot.hack(f"discord:{CHANNEL_ID}").cards[0].id]

        await fake.wait_for(lambda: fake.heartbeats >= 2)
        async with aiohttp.ClientSession() as http:
            for _ in range(100):  # READY is followed by a short wait for guilds before "connected"
                async with http.get(f"http://127.0.0.1:{settings.port}/healthz") as response:
                    health = await response.json()
                if health["platforms"]["discord"] == "connected":
                    break
                await asyncio.sleep(0.1)
        assert health["platforms"] == {"discord": "connected"}
    finally:
        stop.set()
        await asyncio.wait_for(server, 15)
    assert not fake.sockets  # the gateway connection was closed on shutdown


async def test_serve_with_a_rejected_token_stops_with_a_clear_message(fake_discord, bot, tmp_path):
    settings = serve_settings(fake_discord, tmp_path, token="wrong-token-123")
    with pytest.raises(StartupError, match="DISCORD_TOKEN: rejected by Discord"):
        await asyncio.wait_for(serve(settings, bot, asyncio.Event()), 10)
