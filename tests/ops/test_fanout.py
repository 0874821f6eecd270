"""SIGTERM in the middle of the daily fan-out: every channel gets its hack once, even across a restart."""

from __future__ import annotations

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


async def test_sigterm_mid_fanout_loses_nothing_and_posts_nothing_twice(serve_proc, fake_slack, db_file):
    subscribe_all_due_now(db_file)
    first = await serve_proc(db_file, script=None, **slack_env(fake_slack))
    await fake_slack.wait_for("chat.postMessage", 1, timeout=30)
    first.signal()
    at_signal = len(fake_slack.calls_to("chat.postMessage"))
    assert await first.wait() == 0, first.output()
    assert at_signal < len(CHANNELS)  # the signal really came mid-way (Slack pacing: ~10 posts/s)
    assert first.event("serve.stopped")[0]["drained"] is True

    posted = Counter(c.args["channel"] for c in fake_slack.calls_to("chat.postMessage"))
    assert posted == Counter(CHANNELS)  # the rest were sent during the graceful stop: nothing lost
    assert set(post_rows(db_file).values()) == {("sent", None)}

    second = await serve_proc(db_file, script=None, **slack_env(fake_slack))
    await second.wait_ready()
    second.signal()  # shutdown waits for the start-up catch-up, so it has run when this returns
    assert await second.wait() == 0, second.output()
    assert Counter(c.args["channel"] for c in fake_slack.calls_to("chat.postMessage")) == Counter(CHANNELS)


async def test_a_cut_short_fanout_never_posts_twice_after_restart(serve_proc, fake_slack, db_file):
    subscribe_all_due_now(db_file)
    first = await serve_proc(db_file, script=None, CAREERBOT_SHUTDOWN_SECONDS="0", **slack_env(fake_slack))
    await fake_slack.wait_for("chat.postMessage", 1, timeout=30)
    first.signal()
    assert await first.wait() == 0, first.output()
    sent_first = Counter(c.args["channel"] for c in fake_slack.calls_to("chat.postMessage"))
    assert 0 < len(sent_first) < len(CHANNELS)  # the stop really cut the fan-out short

    second = await serve_proc(db_file, script=None, **slack_env(fake_slack))
    await second.wait_ready()
    second.signal()
    assert await second.wait() == 0, second.output()
    posted = Counter(c.args["channel"] for c in fake_slack.calls_to("chat.postMessage"))
    assert max(posted.values()) == 1  # no channel got the day's hack twice
    rows = post_rows(db_file)
    # Delivered: recorded as sent, or (cut off on the wire) as claimed mid-send, which is never resent.
    assert all(rows[f"slack:{c}"] in (("sent", None), ("claimed", "sending")) for c in posted)
    # Not delivered: still claimed by the first process; they go out once its lease runs out.
    assert all(rows[f"slack:{c}"][0] == "claimed" for c in CHANNELS if c not in posted)
