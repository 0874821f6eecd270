"""Slack ack latency: signed `/ask` slash commands -> HTTP acknowledgement, on localhost.

Runs the real bolt app (bot.slack.frontend.SlackFrontend, HTTP mode) against the local fake
Slack from tests/slack/fakes.py, with the bundled content in an in-memory database, and sends
N signed slash commands one after another. Prints p50/p90/p99/max of the time until the
acknowledgement (Slack's 3-second budget; our target is p99 <= 100 ms), and of the time until
the answer reached the response_url.

    /work/venv/bin/python bench/bench_slack.py [-n 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402

from bot.core.actors import ModeratorRules  # noqa: E402
from bot.core.service import CareerBot  # noqa: E402
from bot.corpus.files import read_content  # noqa: E402
from bot.corpus.loader import load_content  # noqa: E402
from bot.settings import load_settings  # noqa: E402
from bot.store import open_db  # noqa: E402
from tests.slack.fakes import FakeSlack, command_body, serve_slack, signed_headers  # noqa: E402

SECRET = "bench-signing-secret-0123456789"
QUESTIONS = [
    "how do I find a mentor?",
    "is it too late to switch to data science at 35?",
    "how should I prepare for a system design interview",
    "I keep getting rejected without feedback, what can I do?",
    "should I do kaggle competitions",
    "how to negotiate salary",
    "quantum chromodynamics of pizza",
    "",
]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def summary(name: str, values: list[float]) -> str:
    ms = [v * 1000 for v in values]
    return (f"{name:<22} n={len(ms):<5} p50={percentile(ms, 50):7.2f} ms  p90={percentile(ms, 90):7.2f} ms  "
            f"p99={percentile(ms, 99):7.2f} ms  max={max(ms):7.2f} ms  mean={statistics.fmean(ms):7.2f} ms")


async def main(n: int) -> None:
    logging.basicConfig(level=logging.WARNING)
    fake = await FakeSlack().start()
    settings = load_settings(_env_file=None, slack_bot_token="xoxb-bench", slack_signing_secret=SECRET,
                             slack_app_token=None, slack_api_url=fake.api_url, discord_token=None)
    db = open_db(":memory:")
    load_content(db, read_content(ROOT / "content"))
    bot = CareerBot(db, rules=ModeratorRules.from_settings(settings))
    frontend, runner, url = await serve_slack(settings, bot)

    acks: list[float] = []
    sent_at: dict[str, float] = {}
    async with aiohttp.ClientSession() as session:
        async def send(i: int) -> float:
            body = command_body("/ask", QUESTIONS[i % len(QUESTIONS)], fake.response_url(f"r{i}"))
            headers = signed_headers(SECRET, body)
            start = time.perf_counter()
            sent_at[f"/response/r{i}"] = start
            async with session.post(url, data=body.encode(), headers=headers) as resp:
                await resp.read()
                assert resp.status == 200, resp.status
            return time.perf_counter() - start

        for i in range(20):  # warm-up: first request runs auth.test, caches fill
            await send(-1 - i)
        await fake.wait_for("response", 20)
        fake.calls.clear()
        started = time.perf_counter()
        for i in range(n):
            acks.append(await send(i))
        elapsed = time.perf_counter() - started
        calls = await fake.wait_for("response", n, timeout=120)

    answered = [c for c in calls if c.path in sent_at]
    # time until the answer arrived at the response_url (recorded by the fake, same clock)
    delivered = []
    for call in answered:
        delivered.append(call.received - sent_at[call.path])
    await frontend.stop()
    await runner.cleanup()
    await fake.stop()

    print(f"slack bench: {n} signed /ask requests over HTTP on 127.0.0.1, sequential, "
          f"{n / elapsed:.0f} req/s")
    print(summary("ack (HTTP 200)", acks))
    print(summary("answer at response_url", delivered))
    target = percentile([a * 1000 for a in acks], 99)
    print(f"target p99 ack <= 100 ms: {'met' if target <= 100 else 'NOT met'} ({target:.2f} ms)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=1000, help="number of requests (default 1000)")
    asyncio.run(main(parser.parse_args().n))
