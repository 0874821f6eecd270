"""Discord: raw INTERACTION_CREATE payload in -> interaction callback received by (fake) Discord.

Runs the real discord.py client and command tree against the local fake Discord from the
tests (127.0.0.1 only), one interaction at a time, and prints p50/p99 per command and overall.

    /work/venv/bin/python bench/bench_discord.py [--n 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

QUESTIONS = [
    "how do I find a mentor?",
    "how do I prepare for interviews?",
    "should I do kaggle competitions?",
    "is it too late to switch to data science?",
    "I keep getting rejected without feedback, what can I do?",
    "what is the airspeed velocity of an unladen swallow",  # no answer
]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


async def main(n: int) -> None:
    from bot.core.service import CareerBot
    from bot.corpus.files import read_content
    from bot.corpus.loader import load_content
    from bot.discord.client import build_client
    from bot.observability import configure_logging
    from bot.settings import load_settings
    from bot.store import open_db
    from tests.discord.fakes import TOKEN, FakeDiscord

    configure_logging("WARNING")
    db = open_db(":memory:")
    load_content(db, read_content(ROOT / "content"))
    bot = CareerBot(db)
    fake = await FakeDiscord().start()
    settings = load_settings(discord_token=TOKEN, discord_api_url=fake.api_url, discord_gateway_url=fake.gateway_url)
    client = build_client(settings, bot)
    await client.login(TOKEN)

    def payload(i: int) -> tuple[str, dict]:
        kind = i % 5
        if kind < 3:
            return "ask", fake.command("ask", question=QUESTIONS[i % len(QUESTIONS)])
        if kind == 3:
            return "hack", fake.command("hack")
        return "tips topic", fake.command("tips", "topic", name="mentors")

    samples: dict[str, list[float]] = {}
    try:
        for i in range(20):  # warm up: imports, caches, connection pool
            _, p = payload(i)
            client._connection.parse_interaction_create(p)
            await fake.wait_replies(p)
        fake.calls.clear()
        began = time.monotonic()
        for i in range(n):
            kind, p = payload(i)
            start = time.monotonic()
            client._connection.parse_interaction_create(p)
            [call] = await fake.wait_replies(p)
            samples.setdefault(kind, []).append(call.at - start)
        wall = time.monotonic() - began
    finally:
        await client.close()
        await fake.stop()
        db.conn.close()

    every = [s for values in samples.values() for s in values]
    print(f"discord interaction -> callback posted, {n} interactions, sequential, "
          f"{n / wall:.0f}/s ({wall:.2f} s wall)")
    print(f"{'command':12} {'n':>5} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'mean ms':>8}")
    for kind, values in [*sorted(samples.items()), ("all", every)]:
        print(f"{kind:12} {len(values):5d} {percentile(values, 0.5) * 1000:8.2f} {percentile(values, 0.99) * 1000:8.2f} "
              f"{max(values) * 1000:8.2f} {statistics.fmean(values) * 1000:8.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="interactions to send (default 1000)")
    asyncio.run(main(parser.parse_args().n))
