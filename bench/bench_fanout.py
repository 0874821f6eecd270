"""Daily-hack fan-out: N subscribed channels due at the same minute, posted through the real posters.

A small aiohttp fake of each platform runs on 127.0.0.1 inside this script and enforces what the
real one would: at most one message per second per channel (a second one inside the second gets
429 + Retry-After) and, on top, a random share of 429s (probability --p429). The real
`SlackPoster` (slack_sdk AsyncWebClient with careerbot's retry handlers) and/or the real
`DiscordPoster` (discord.py, logged in against the fake) do the posting; `DailyScheduler.run_due`
with its default pacing does the fan-out, claims and retries, with real sleeps.

Checks that every channel got exactly one message and every posts row is 'sent'; prints the
total time, posts per second and how many 429s were served.

    /work/venv/bin/python bench/bench_fanout.py [--channels 1000] [--p429 0.05] [--platform slack|discord|both]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import itertools
import json
import logging
import random
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aiohttp import web  # noqa: E402

from bot.core import subscriptions  # noqa: E402
from bot.core.service import CareerBot  # noqa: E402
from bot.corpus.files import read_content  # noqa: E402
from bot.corpus.loader import load_content  # noqa: E402
from bot.scheduler import PACING, DailyScheduler, Pacing  # noqa: E402
from bot.settings import load_settings  # noqa: E402
from bot.store import open_db  # noqa: E402

DUE = dt.datetime(2025, 3, 3, 8, 0, tzinfo=dt.UTC)  # Monday 09:00 in Berlin
BOT_USER = {"id": "1100000000000000002", "username": "careerbot", "discriminator": "0", "avatar": None,
            "bot": True, "flags": 0, "global_name": "careerbot"}
APPLICATION = {"id": "1100000000000000001", "name": "careerbot", "description": "", "icon": None,
               "bot_public": True, "bot_require_code_grant": False, "verify_key": "0" * 64, "flags": 0,
               "summary": "", "team": None, "bot": BOT_USER,
               "owner": {"id": "1100000000000000099", "username": "owner", "discriminator": "0", "avatar": None}}


class FakePlatform:
    """Slack's chat.postMessage and Discord's POST /channels/{id}/messages, with their 429s."""

    def __init__(self, p429: float, seed: int) -> None:
        self.p429 = p429
        self.random = random.Random(seed)
        self.last: dict[str, float] = {}
        self.delivered: Counter = Counter()
        self.limited = Counter()  # why 429s were served: per_channel, random
        self.ids = itertools.count(1200000000000000000)
        self.runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> FakePlatform:
        app = web.Application()
        app.router.add_post("/slack/api/chat.postMessage", self.slack_post)
        app.router.add_get("/discord/api/v10/users/@me", lambda _: self.json(BOT_USER))
        app.router.add_get("/discord/api/v10/oauth2/applications/@me", lambda _: self.json(APPLICATION))
        app.router.add_post("/discord/api/v10/channels/{channel}/messages", self.discord_post)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()

    @staticmethod
    def json(data: object, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
        return web.Response(body=json.dumps(data).encode(), status=status,
                            headers={"Content-Type": "application/json", **(headers or {})})

    def admit(self, channel: str) -> float | None:
        """None when the message may be delivered, else the Retry-After to answer with."""
        now = time.monotonic()
        if now - self.last.get(channel, -10.0) < 1.0:
            self.limited["per_channel"] += 1
            return 1.0
        if self.random.random() < self.p429:
            self.limited["random"] += 1
            return 1.0
        self.last[channel] = now
        self.delivered[channel] += 1
        return None

    async def slack_post(self, request: web.Request) -> web.Response:
        form = await request.json() if request.content_type == "application/json" else await request.post()
        channel = f"slack:{form.get('channel')}"
        retry_after = self.admit(channel)
        if retry_after is not None:
            return self.json({"ok": False, "error": "ratelimited"}, 429, {"Retry-After": str(int(retry_after))})
        return self.json({"ok": True, "channel": form.get("channel"), "ts": f"1741000000.{next(self.ids) % 10**6:06d}"})

    async def discord_post(self, request: web.Request) -> web.Response:
        body = await request.json()
        channel_id = request.match_info["channel"]
        retry_after = self.admit(f"discord:{channel_id}")
        if retry_after is not None:
            return self.json({"message": "You are being rate limited.", "retry_after": retry_after, "global": False},
                             429, {"Retry-After": str(retry_after), "Via": "1.1 google",
                                   "X-RateLimit-Scope": "user"})
        return self.json({
            "id": str(next(self.ids)), "channel_id": channel_id, "type": 0, "author": BOT_USER,
            "content": body.get("content") or "", "embeds": body.get("embeds") or [],
            "components": body.get("components") or [], "attachments": [], "mentions": [], "mention_roles": [],
            "mention_everyone": False, "pinned": False, "tts": False, "timestamp": "2025-03-03T08:00:00+00:00",
            "edited_timestamp": None, "flags": 0,
        })


async def run(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.WARNING)
    fake = await FakePlatform(args.p429, args.seed).start()
    db = open_db(":memory:")
    load_content(db, read_content(ROOT / "content"))
    bot = CareerBot(db)
    platforms = ["slack", "discord"] if args.platform == "both" else [args.platform]
    posters, closers = {}, []
    channels: list[str] = []
    for platform in platforms:
        for n in range(args.channels):
            channel = f"slack:C{n:08d}" if platform == "slack" else f"discord:{1300000000000000000 + n}"
            subscriptions.save(db, channel, time="09:00", timezone="Europe/Berlin", now=DUE - dt.timedelta(hours=1))
            channels.append(channel)
        if platform == "slack":
            from bot.slack.app import web_client
            from bot.slack.poster import SlackPoster

            settings = load_settings(_env_file=None, slack_bot_token="xoxb-bench", slack_signing_secret="bench-secret-0123",
                                     slack_api_url=f"{fake.url}/slack/api/")
            client = web_client(settings)
            posters["slack"] = SlackPoster(client)
        else:
            from bot.discord.client import build_client, point_at
            from bot.discord.poster import DiscordPoster

            settings = load_settings(_env_file=None, discord_token="bench-discord-token",
                                     discord_api_url=f"{fake.url}/discord/api/v10")
            point_at(settings)
            client = build_client(settings, bot)
            await client.login("bench-discord-token")
            posters["discord"] = DiscordPoster(client)
            closers.append(client.close)
    pacing = dict(PACING)
    if args.rate:
        pacing = {name: Pacing(p.concurrency, args.rate, p.channel_gap) for name, p in PACING.items()}
    scheduler = DailyScheduler(bot, posters, clock=lambda: DUE + dt.timedelta(seconds=30), pacing=pacing)
    started = time.perf_counter()
    outcome = await scheduler.run_due()
    elapsed = time.perf_counter() - started
    for close in closers:
        await close()
    await fake.stop()

    statuses = dict(db.execute("SELECT status, count(*) FROM posts GROUP BY status").fetchall())
    exactly_once = all(fake.delivered[c] == 1 for c in channels) and sum(fake.delivered.values()) == len(channels)
    retried = db.execute("SELECT count(*), coalesce(sum(attempts), 0) FROM posts WHERE attempts > 1").fetchone()
    print(f"platforms            {', '.join(platforms)} (real {' and '.join(type(p).__name__ for p in posters.values())})")
    print(f"channels due         {len(channels)} at the same minute")
    print("pacing               " + "; ".join(f"{n}: {pacing.get(n, p).rate:g}/s, {pacing.get(n, p).concurrency} in "
                                              f"flight, {pacing.get(n, p).channel_gap:g} s per channel"
                                              for n, p in PACING.items() if n in posters))
    print(f"fake 429s served     {sum(fake.limited.values())} ({dict(fake.limited)}), p429={args.p429}")
    print(f"scheduler outcome    {dict(outcome)}; posts rows {statuses}")
    print(f"posts needing >1 scheduler attempt  {retried[0]}")
    print(f"every channel once   {'yes' if exactly_once else 'NO'}")
    print(f"total time           {elapsed:.1f} s")
    print(f"posts per second     {len(channels) / elapsed:.1f}")
    return 0 if exactly_once and statuses == {"sent": len(channels)} else 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--channels", type=int, default=1000, help="channels per platform")
    parser.add_argument("--p429", type=float, default=0.05, help="share of posts answered with a random 429")
    parser.add_argument("--platform", choices=["slack", "discord", "both"], default="slack")
    parser.add_argument("--rate", type=float, default=None, help="override the platform-wide posts/s")
    parser.add_argument("--seed", type=int, default=7)
    sys.exit(asyncio.run(run(parser.parse_args())))


if __name__ == "__main__":
    main()
