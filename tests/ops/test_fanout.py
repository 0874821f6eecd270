"""SIGTERM in the middle of the daily fan-out: every channel gets its hack once, even across a restart."""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
from collections import Counter

from bot.core import subscriptions
from bot.store import open_db
from tests.ops.conftest import slack_env

CHANNELS = [f"C{i:04d}" for i in range(30)]


def subscribe_all_due_now(db_file) -> None:  # noqa: ANN001
    """Channels subscribed an hour ago whose post time was two minutes ago: start-up catch-up posts them all."""
    now = dt.datetime.now(dt.UTC)
    due = (now - dt.timedelta(minutes=2)).strftime("%H:%M")
    db = open_db(db_file)
    for channel in CHANNELS:
        subscriptions.save(db, f"slack:{channel}", time=due, timezone="UTC", now=now - dt.timedelta(hours=1))
    db.conn.close()


def post_rows(db_file) -> dict[str, tuple[str, str | None]]:  # noqa: ANN001
    with sqlite3.connect(db_file) as conn:
        return {c: (s, e) for c, s, e in conn.execute("SELECT channel, status, error FROM posts")}


async def settled(db_file, timeout: float = 30.0) -> dict[str, tuple[str, str | None]]:  # noqa: ANN001
    """Wait until no channel's post is waiting to be sent (each is sent, or was cut off on the wire)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        rows = post_rows(db_file)
        if len(rows) == len(CHANNELS) and all(r in (("sent", None), ("claimed", "sending")) for r in rows.values()):
            return rows
        assert asyncio.get_running_loop().time() < deadline, rows
        await asyncio.sleep(0.05)


def posted(fake_slack) -> Counter:  # noqa: ANN001
    return Counter(c.args["channel"] for c in fake_slack.calls_to("chat.postMessage"))


async def test_sigterm_mid_fanout_loses_nothing_and_posts_nothing_twice(serve_proc, fake_slack, db_file):
    subscribe_all_due_now(db_file)
    first = await serve_proc(db_file, script=None, **slack_env(fake_slack))
    await fake_slack.wait_for("chat.postMessage", 1, timeout=30)
    first.signal()
    assert await first.wait() == 0, first.output()
    assert first.event("serve.stopped")[0]["drained"] is True
    sent_first = posted(fake_slack)
    assert 0 < len(sent_first) < len(CHANNELS)  # the signal really came mid-way (Slack pacing: ~10 posts/s)
    # Posts on the wire finished; posts still waiting their turn gave their claim back.
    rows = post_rows(db_file)
    assert all(rows[f"slack:{c}"] == ("sent", None) for c in sent_first)

    second = await serve_proc(db_file, script=None, **slack_env(fake_slack))
    await second.wait_ready()
    await settled(db_file)  # the restart's catch-up sends the rest at once (the last may still be on the wire)
    second.signal()
    assert await second.wait() == 0, second.output()
    assert posted(fake_slack) == Counter(CHANNELS)  # every channel exactly once: nothing lost, nothing twice
    assert set(post_rows(db_file).values()) == {("sent", None)}  # read after the drain, not before it


async def test_a_cut_short_fanout_never_posts_twice_after_restart(serve_proc, fake_slack, db_file):
    subscribe_all_due_now(db_file)
    first = await serve_proc(db_file, script=None, CAREERBOT_SHUTDOWN_SECONDS="0", **slack_env(fake_slack))
    await fake_slack.wait_for("chat.postMessage", 1, timeout=30)
    first.signal()
    assert await first.wait() == 0, first.output()
    assert 0 < len(posted(fake_slack)) < len(CHANNELS)

    second = await serve_proc(db_file, script=None, **slack_env(fake_slack))
    await second.wait_ready()
    second.signal()  # shutdown waits for the start-up catch-up, so it has run when this returns
    assert await second.wait() == 0, second.output()
    counts = posted(fake_slack)
    assert max(counts.values()) == 1  # no channel got the day's hack twice
    rows = post_rows(db_file)
    # Delivered: recorded as sent, or (cut off on the wire) as claimed mid-send, which is never resent.
    assert all(rows[f"slack:{c}"] in (("sent", None), ("claimed", "sending")) for c in counts)
    # Not delivered: still claimed by the first process; they go out once its lease runs out.
    assert all(rows[f"slack:{c}"][0] == "claimed" for c in CHANNELS if c not in counts)
