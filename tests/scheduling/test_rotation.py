"""The per-channel rotation: no repeats within a cycle, topic spacing, retire/add, and /hack agreeing
with what the scheduler actually posts."""

from __future__ import annotations

import datetime as dt
import itertools

from bot.core import subscriptions
from bot.core.hack import Catalogue, calendar_pick, hack_for, pick_for

from .conftest import utc

CHANNEL = "slack:C1"


def active(db) -> set[str]:
    return {tid for (tid,) in db.execute("SELECT id FROM tips WHERE status = 'active'")}


def topics_of(db) -> dict[str, set[str]]:
    return {tid: set(t.split()) for tid, t in db.execute("SELECT id, topics FROM tips")}


async def run_days(scheduler, clock, first: dt.date, days: int, at=dt.time(8, 1)) -> None:
    """Run the scheduler once a day, a minute after a 09:00 Berlin (08:00 UTC in winter) post."""
    for offset in range(days):
        clock.now = dt.datetime.combine(first + dt.timedelta(days=offset), at, tzinfo=dt.UTC)
        await scheduler.run_due()


def subscribe(db, channel=CHANNEL, days="daily", topics=None):
    return subscriptions.save(db, channel, time="09:00", timezone="UTC" if days == "utc" else "Europe/Berlin",
                              days=None if days == "utc" else days, topics=topics, now=utc(2025, 1, 1))


async def test_no_tip_repeats_until_every_tip_was_posted_then_a_new_cycle(bot, poster, clock, make_scheduler):
    subscribe(bot.db)
    n = len(active(bot.db))
    await run_days(make_scheduler(), clock, dt.date(2025, 1, 6), 2 * n + 3)
    posted = poster.tips("C1")
    assert len(posted) == 2 * n + 3
    assert set(posted[:n]) == active(bot.db) and len(set(posted[:n])) == n
    assert set(posted[n:2 * n]) == active(bot.db)  # the second cycle is complete too
    assert posted[n:2 * n] != posted[:n]  # ... in another order
    assert len(set(posted[2 * n:])) == 3 and posted[2 * n - 1] != posted[2 * n]


async def test_consecutive_posts_share_no_topic_unless_nothing_else_is_left(bot, poster, clock, make_scheduler):
    subscribe(bot.db)
    n = len(active(bot.db))
    await run_days(make_scheduler(), clock, dt.date(2025, 1, 6), 2 * n)
    posted, topics = poster.tips("C1"), topics_of(bot.db)
    clashes = 0
    for i in range(1, len(posted)):
        prev, tip = posted[i - 1], posted[i]
        if topics[prev] & topics[tip]:
            clashes += 1
            cycle_start = 0 if i < n else n
            remaining = active(bot.db) - set(posted[cycle_start:i]) if i != n else active(bot.db)
            assert all(topics[t] & topics[prev] for t in remaining), f"day {i}: {tip} repeats a topic of {prev}"
    assert clashes < n // 4


async def test_a_tip_retired_mid_cycle_is_never_posted_and_the_cycle_closes_without_it(
        bot, poster, clock, make_scheduler):
    subscribe(bot.db)
    scheduler = make_scheduler()
    n = len(active(bot.db))
    await run_days(scheduler, clock, dt.date(2025, 1, 6), 10)
    first = poster.tips("C1")
    unposted = sorted(active(bot.db) - set(first))[0]
    bot.db.execute("UPDATE tips SET status = 'retired' WHERE id IN (?, ?)", [unposted, first[3]])
    await run_days(scheduler, clock, dt.date(2025, 1, 16), n + 10)
    posted = poster.tips("C1")
    assert unposted not in posted and posted.count(first[3]) == 1
    cycle = posted[:n - 1]  # one tip fewer: the cycle closes after n-1 posts (one retired tip was posted)
    assert len(set(cycle)) == n - 1
    assert set(posted[n - 1:]) <= active(bot.db)


async def test_a_new_tip_joins_the_current_cycle(bot, poster, clock, make_scheduler):
    subscribe(bot.db)
    scheduler = make_scheduler()
    n = len(active(bot.db))
    await run_days(scheduler, clock, dt.date(2025, 1, 6), 5)
    bot.db.execute(
        "INSERT INTO tips (id, title, tip, quote, speaker, source, start, \"end\", topics, questions) "
        "SELECT 'brand-new-tip', title, tip, quote, speaker, source, start, \"end\", 'saying-no', questions "
        "FROM tips LIMIT 1")
    await run_days(scheduler, clock, dt.date(2025, 1, 11), n - 4)
    posted = poster.tips("C1")
    assert "brand-new-tip" in posted and len(set(posted)) == n + 1 == len(posted)


async def test_hack_shows_exactly_what_each_day_will_post(bot, poster, clock, make_scheduler):
    subscribe(bot.db, days="mon,wed,fri")
    scheduler = make_scheduler()
    await run_days(scheduler, clock, dt.date(2025, 1, 6), 3)  # Mon..Wed: two posts
    bot.now = lambda: utc(2025, 1, 9)
    future = [dt.date(2025, 1, 9) + dt.timedelta(days=i) for i in range(21)]
    predicted = {d: bot.hack(CHANNEL, d).cards[0].id for d in future}
    await run_days(scheduler, clock, dt.date(2025, 1, 9), 21)
    posted = dict(bot.db.execute("SELECT date, tip_id FROM posts WHERE channel = ? AND status = 'sent'", [CHANNEL]))
    scheduled = [d for d in future if d.weekday() in (0, 2, 4)]
    assert [posted[d.isoformat()] for d in scheduled] == [predicted[d] for d in scheduled]
    assert poster.tips("C1")[2:] == [predicted[d] for d in scheduled]
    # and afterwards /hack for a past day shows what was posted that day
    bot.now = lambda: utc(2025, 2, 1)
    assert all(bot.hack(CHANNEL, d).cards[0].id == predicted[d] for d in scheduled)
    reply = bot.hack(CHANNEL, dt.date(2025, 1, 10))
    assert reply.kind == "hack" and reply.data == {"channel": CHANNEL, "date": "2025-01-10"}
    assert [b.action for b in reply.buttons] == ["share", "ask_followup", "feedback_up", "feedback_down"]


async def test_topics_filter_keeps_to_its_topics(bot, poster, clock, make_scheduler):
    subscribe(bot.db, topics="kaggle")
    kaggle = {t for t, topics in topics_of(bot.db).items() if "kaggle" in topics}
    await run_days(make_scheduler(), clock, dt.date(2025, 1, 6), len(kaggle) + 2)
    posted = poster.tips("C1")
    assert set(posted) == kaggle and set(posted[:len(kaggle)]) == kaggle


async def test_a_small_topic_filter_never_posts_one_tip_two_days_running(bot, poster, clock, make_scheduler):
    """saying-no has two tips: each cycle is the pair, and a cycle must not open with the tip that
    closed the last one (QA: 44 repeats in 160 days before)."""
    subscribe(bot.db, topics="saying-no")
    await run_days(make_scheduler(), clock, dt.date(2025, 1, 6), 40)
    posted = poster.tips("C1")
    assert len(posted) == 40 and len(set(posted)) == 2
    assert all(a != b for a, b in itertools.pairwise(posted)), posted


def test_a_retired_tip_that_was_posted_is_not_shown_again(bot):
    subscribe(bot.db)
    day = dt.date(2025, 1, 6)
    tip = pick_for(bot, CHANNEL, day, utc(2025, 1, 6, 8, 0))
    bot.db.execute("INSERT INTO posts (channel, date, tip_id, status) VALUES (?, ?, ?, 'sent')",
                   [CHANNEL, day.isoformat(), tip])
    assert hack_for(bot, CHANNEL, day).id == tip
    bot.db.execute("UPDATE tips SET status = 'retired' WHERE id = ?", [tip])
    replacement = hack_for(bot, CHANNEL, day)
    assert replacement is not None and replacement.id != tip


def test_channels_without_a_subscription_walk_the_calendar(bot):
    catalogue = Catalogue.load(bot.db)
    n = len(catalogue.active)
    days = [dt.date(2025, 1, 1) + dt.timedelta(days=i) for i in range(n)]
    start = (dt.date(2025, 1, 1) - dt.date(2024, 1, 1)).days % n
    cycle_days = [d for d in days][: n - start]  # the rest of the cycle 2025-01-01 is in
    console = [hack_for(bot, "console:local", d).id for d in cycle_days]
    assert len(set(console)) == len(console)
    assert console == [calendar_pick("console:local", d, catalogue) for d in cycle_days]
    other = [hack_for(bot, "console:elsewhere", d).id for d in cycle_days]
    assert other != console
    assert hack_for(bot, "console:local", days[0]).id == console[0]  # stable across calls


def test_a_channel_unsubscribed_after_posting_walks_the_calendar_too(bot):
    """QA: a channel with a post and no subscription got the same tip on every later day (its one
    post was replayed, and with no post days to simulate the next pick never moved)."""
    subscribe(bot.db, days="utc")
    posted = sorted(active(bot.db))[0]
    bot.db.execute("INSERT INTO posts (channel, date, tip_id, status) VALUES (?, '2026-11-21', ?, 'sent')",
                   [CHANNEL, posted])
    assert subscriptions.remove(bot.db, CHANNEL)
    catalogue = Catalogue.load(bot.db)
    days = [dt.date(2026, 12, 1) + dt.timedelta(days=i) for i in range(3)]
    shown = [hack_for(bot, CHANNEL, d).id for d in days]
    assert len(set(shown)) == 3
    assert shown == [calendar_pick(CHANNEL, d, catalogue) for d in days]
    assert hack_for(bot, CHANNEL, dt.date(2026, 11, 21)).id == posted  # a day it was posted shows that post


def test_no_active_tips_means_no_hack(bot):
    bot.db.execute("UPDATE tips SET status = 'retired'")
    assert hack_for(bot, CHANNEL, dt.date(2025, 1, 6)) is None
    assert bot.hack(CHANNEL, dt.date(2025, 1, 6)).kind == "no_answer"
