"""DailyScheduler with an injected clock: DST, weekday filters, claims, crashes, races, catch-up,
retries and failing channels. Nothing here sleeps: `sleep` records the delay and returns."""

from __future__ import annotations

import asyncio
import datetime as dt
import threading

import pytest
from apscheduler.triggers.cron import CronTrigger

from bot.core import subscriptions
from bot.core.service import CareerBot
from bot.scheduler import INTERRUPTED, SENDING, DailyScheduler, Pacing
from bot.settings import load_settings
from bot.store import open_db

from .conftest import FAST, RecordingPoster, Sleeps, permanent, transient, utc

MINUTE = dt.timedelta(minutes=1)


def subscribe(db, channel="slack:C1", time="09:00", timezone="Europe/Berlin", days="daily", since=None):
    return subscriptions.save(db, channel, time=time, timezone=timezone, days=days, now=since or utc(2025, 3, 3))


def post_rows(db, channel="slack:C1"):
    return [(d, s) for d, s in db.execute("SELECT date, status FROM posts WHERE channel = ? ORDER BY date", [channel])]


# -- time zones and days ------------------------------------------------------------------
@pytest.mark.parametrize("zone, days, local_time", [
    ("Europe/Berlin", [dt.date(2025, 3, 29), dt.date(2025, 3, 30), dt.date(2025, 3, 31),
                       dt.date(2025, 10, 25), dt.date(2025, 10, 26), dt.date(2025, 10, 27)], "09:00"),
    ("America/New_York", [dt.date(2025, 3, 8), dt.date(2025, 3, 9), dt.date(2025, 3, 10),
                          dt.date(2025, 11, 1), dt.date(2025, 11, 2), dt.date(2025, 11, 3)], "09:00"),
])
async def test_posts_at_local_time_across_daylight_saving_changes(bot, poster, clock, make_scheduler,
                                                                  zone, days, local_time):
    sub = subscribe(bot.db, time=local_time, timezone=zone, since=utc(days[0].year, days[0].month, days[0].day))
    scheduler = make_scheduler()
    trigger = CronTrigger(**sub.cron_fields())
    for day in days:
        instant = sub.instant(day)
        local = instant.astimezone(sub.zone)
        assert (local.date(), local.strftime("%H:%M")) == (day, local_time)
        assert trigger.get_next_fire_time(None, instant - MINUTE).astimezone(dt.UTC) == instant  # the cron job fires then too
        assert "sent" not in await scheduler.run_due(instant - MINUTE)  # (days between are skipped as missed)
        assert await scheduler.run_due(instant) == {"sent": 1}
        assert await scheduler.run_due(instant + MINUTE) == {}
    offsets = {sub.instant(d).hour for d in days}
    assert len(offsets) == 2  # the UTC hour moved with daylight saving time
    sent = [d for d, s in post_rows(bot.db) if s == "sent"]
    assert sent == [d.isoformat() for d in days] and len(poster.sent) == len(days)


async def test_skipped_and_repeated_local_times_post_once(bot, poster, make_scheduler):
    """02:30 does not exist in Berlin on 2025-03-30 and happens twice on 2025-10-26."""
    sub = subscribe(bot.db, time="02:30", since=utc(2025, 3, 29, 12))
    scheduler = make_scheduler()
    spring = sub.instant(dt.date(2025, 3, 30))
    assert spring == utc(2025, 3, 30, 1, 30)  # = 03:30 CEST, an hour after 01:30 CET
    assert await scheduler.run_due(spring) == {"sent": 1}
    trigger = CronTrigger(**sub.cron_fields())
    first = trigger.get_next_fire_time(None, utc(2025, 10, 25, 12, 0))
    second = trigger.get_next_fire_time(first, first)
    assert (first.astimezone(dt.UTC), second.astimezone(dt.UTC)) == (utc(2025, 10, 26, 0, 30), utc(2025, 10, 26, 1, 30))  # the cron job fires twice
    assert (await scheduler.run_due(first))["sent"] == 1
    assert await scheduler.run_due(second) == {}
    assert len(poster.sent) == 2


async def test_weekday_filters(bot, poster, make_scheduler):
    subscribe(bot.db, days="mon,wed,fri")
    subscribe(bot.db, channel="slack:C2", days="weekends", time="10:00", timezone="America/New_York")
    scheduler = make_scheduler()
    for day in range(14):  # Mon 2025-03-03 .. Sun 2025-03-16, running every 30 minutes of each day
        start = utc(2025, 3, 3) + dt.timedelta(days=day)
        for tick in range(0, 24 * 60, 30):
            await scheduler.run_due(start + dt.timedelta(minutes=tick))
    weekdays = [dt.date.fromisoformat(d).strftime("%a") for d, s in post_rows(bot.db) if s == "sent"]
    assert weekdays == ["Mon", "Wed", "Fri"] * 2
    weekends = [dt.date.fromisoformat(d).strftime("%a") for d, s in post_rows(bot.db, "slack:C2") if s == "sent"]
    assert weekends == ["Sat", "Sun"] * 2
    assert len(poster.sent) == 10


# -- claims, crashes and races -------------------------------------------------------------
async def test_a_crash_between_claim_and_send_is_retried_once_the_lease_expires(db_file, rules, clock, sleeps):
    first = CareerBot(open_db(db_file), rules=rules)
    sub = subscribe(first.db)
    day = dt.date(2025, 3, 3)
    clock.now = sub.instant(day) + MINUTE
    crashed = DailyScheduler(first, {"slack": RecordingPoster()}, clock=clock, sleep=sleeps, pacing=FAST)
    assert crashed.claim(sub, day) is not None  # ... and the process dies before sending
    first.db.conn.close()

    poster = RecordingPoster()
    second = CareerBot(open_db(db_file), rules=rules)
    restarted = DailyScheduler(second, {"slack": poster}, clock=clock, sleep=sleeps, pacing=FAST)
    clock.advance(minutes=2)
    assert await restarted.run_due() == {"busy": 1}  # the claim might still be someone's: leave it
    assert poster.sent == []
    clock.advance(minutes=10)
    assert await restarted.run_due() == {"sent": 1}
    assert await restarted.run_due() == {}
    assert len(poster.sent) == 1 and post_rows(second.db) == [("2025-03-03", "sent")]
    assert second.db.execute("SELECT attempts FROM posts").fetchone() == (1,)


async def test_a_crash_while_sending_is_not_resent(bot, clock, make_scheduler):
    """Once a send may have reached the platform, a dead sender's post is written off, not repeated."""
    sub = subscribe(bot.db)
    clock.now = sub.instant(dt.date(2025, 3, 3)) + MINUTE
    dying = RecordingPoster(failures={"C1": [asyncio.CancelledError()]})
    with pytest.raises(asyncio.CancelledError):
        await make_scheduler(posters={"slack": dying}).run_due()
    assert bot.db.execute("SELECT status, error FROM posts").fetchone() == ("claimed", SENDING)
    poster = RecordingPoster()
    restarted = make_scheduler(posters={"slack": poster})
    clock.advance(minutes=11)
    assert await restarted.run_due() == {"busy": 1}  # the claim is settled as interrupted, not resent
    assert bot.db.execute("SELECT status, error FROM posts").fetchone() == ("failed", INTERRUPTED)
    assert await restarted.run_due() == {}
    assert poster.sent == []


def test_two_schedulers_racing_on_one_database_post_each_channel_once(db_file, rules):
    setup = open_db(db_file)
    channels = [f"C{n:03d}" for n in range(60)]
    for channel in channels:
        subscribe(setup, channel=f"slack:{channel}")
    setup.conn.close()
    poster = RecordingPoster()
    now = utc(2025, 3, 3, 8, 0)
    barrier = threading.Barrier(2)
    results = []

    def run() -> None:
        bot = CareerBot(open_db(db_file), rules=rules)  # its own connection, as a second process would have
        scheduler = DailyScheduler(bot, {"slack": poster}, clock=lambda: now, sleep=Sleeps(), pacing=FAST)
        barrier.wait()
        results.append(asyncio.run(scheduler.run_due()))
        bot.db.conn.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(c for c, _ in poster.sent) == channels
    assert sum(r["sent"] for r in results) == len(channels)
    check = open_db(db_file)
    assert check.execute("SELECT count(*), min(status), max(status) FROM posts").fetchone() == (60, "sent", "sent")


# -- downtime ---------------------------------------------------------------------------------
async def test_catch_up_on_start_sends_within_grace_and_records_older_misses(bot, poster, clock, make_scheduler):
    subscribe(bot.db, days="daily", since=utc(2025, 2, 26, 12))
    bot.db.execute("INSERT INTO posts (channel, date, tip_id, status) VALUES ('slack:C1', '2025-02-27', 'x', 'sent')")
    clock.now = utc(2025, 3, 3, 13, 30)  # down since 2025-02-27; today's 09:00 Berlin post is 5.5 h late
    scheduler = make_scheduler()
    await scheduler.start()
    try:
        catch_up = [t for t in scheduler._tasks if t.get_name() == "careerbot-catch-up"]
        assert catch_up
        assert await catch_up[0] == {"sent": 1, "skipped": 3}
    finally:
        await scheduler.stop()
    assert post_rows(bot.db) == [("2025-02-27", "sent"), ("2025-02-28", "skipped"), ("2025-03-01", "skipped"),
                                 ("2025-03-02", "skipped"), ("2025-03-03", "sent")]
    reason = bot.db.execute("SELECT error FROM posts WHERE date = '2025-03-02'").fetchone()[0]
    assert reason.startswith("missed by") and "grace" in reason
    assert len(poster.sent) == 1


async def test_grace_comes_from_settings(bot, poster, clock, make_scheduler, monkeypatch):
    monkeypatch.setenv("CAREERBOT_GRACE_HOURS", "1")
    settings = load_settings(_env_file=None)
    scheduler = make_scheduler(settings=settings)
    assert scheduler.grace == dt.timedelta(hours=1)
    sub = subscribe(bot.db)
    late = sub.instant(dt.date(2025, 3, 3)) + dt.timedelta(minutes=61)
    assert await scheduler.run_due(late) == {"skipped": 1}
    assert poster.sent == []


async def test_paused_days_are_skipped_and_resume_picks_up(bot, poster, clock, make_scheduler, moderator):
    sub = subscribe(bot.db)
    scheduler = make_scheduler()
    subscriptions.set_paused(bot.db, "slack:C1", True)
    assert await scheduler.run_due(sub.instant(dt.date(2025, 3, 3))) == {"skipped": 1}
    subscriptions.set_paused(bot.db, "slack:C1", False)
    assert await scheduler.run_due(sub.instant(dt.date(2025, 3, 3)) + dt.timedelta(hours=1)) == {}
    assert await scheduler.run_due(sub.instant(dt.date(2025, 3, 4))) == {"sent": 1}
    assert post_rows(bot.db) == [("2025-03-03", "skipped"), ("2025-03-04", "sent")]


# -- failures -------------------------------------------------------------------------------------
async def test_transient_failures_retry_with_backoff_honouring_retry_after(bot, poster, clock, make_scheduler,
                                                                         sleeps):
    sub = subscribe(bot.db)
    poster.failures["C1"] = [transient("slack: ratelimited", retry_after=7), transient()]
    assert await make_scheduler().run_due(sub.instant(dt.date(2025, 3, 3))) == {"sent": 1}
    assert sleeps == [7, 2]  # Retry-After wins over the 1 s backoff; then 2 s
    assert poster.attempts == ["C1"] * 3 and len(poster.sent) == 1
    assert bot.db.execute("SELECT status, attempts, error FROM posts").fetchone() == ("sent", 3, None)
    assert subscriptions.get(bot.db, "slack:C1").failures == 0


async def test_a_channel_that_keeps_failing_transiently_is_retried_later_then_given_up(
        bot, poster, clock, make_scheduler, moderator):
    sub = subscribe(bot.db)
    poster.failures["C1"] = [transient()] * 8
    scheduler = make_scheduler()
    clock.now = sub.instant(dt.date(2025, 3, 3))
    assert await scheduler.run_due() == {"retry": 1}
    state = subscriptions.get(bot.db, "slack:C1")
    assert state.failures == 1 and state.last_error == "slack: http_500"
    assert "failing here" in subscriptions.schedule(bot, moderator, now=clock.now).text
    clock.advance(minutes=11)
    assert await scheduler.run_due() == {"retry": 1}  # after the lease: another round of 4 attempts
    clock.advance(minutes=11)
    assert await scheduler.run_due() == {"sent": 1}
    assert subscriptions.get(bot.db, "slack:C1").failures == 0
    assert len(poster.attempts) == 9 and len(poster.sent) == 1
    # a post that cannot go out within the grace window is given up
    poster.failures["C1"] = [transient()] * 100
    clock.now = sub.instant(dt.date(2025, 3, 4))
    await scheduler.run_due()
    clock.advance(hours=7)
    assert await scheduler.run_due() == {"failed": 1}
    assert post_rows(bot.db)[-1] == ("2025-03-04", "failed")


async def test_a_permanent_error_marks_the_channel_and_others_still_get_their_post(
        bot, poster, clock, make_scheduler, moderator):
    for channel in ("C1", "C2", "C3"):
        subscribe(bot.db, channel=f"slack:{channel}")
    poster.failures["C2"] = [permanent("slack: is_archived")]
    scheduler = make_scheduler()
    clock.now = utc(2025, 3, 3, 8, 0)
    assert await scheduler.run_due() == {"sent": 2, "failed": 1}
    assert poster.attempts.count("C2") == 1  # no retries for a permanent error
    assert sorted(c for c, _ in poster.sent) == ["C1", "C3"]
    failing = subscriptions.get(bot.db, "slack:C2")
    assert failing.failures == 1 and failing.last_error == "slack: is_archived"
    reply = subscriptions.schedule(bot, moderator.__class__("slack", "UMOD", "C2"), now=utc(2025, 3, 3, 9, 0))
    assert "failing here since 2025-03-03T08:00:00Z (1 failed attempt): slack: is_archived" in reply.text
    assert await scheduler.run_due(utc(2025, 3, 3, 9, 0)) == {}  # the failed day stays failed
    assert await scheduler.run_due(utc(2025, 3, 4, 8, 0)) == {"sent": 3}  # and the next day is tried again
    assert subscriptions.get(bot.db, "slack:C2").failures == 0


async def test_channels_of_a_platform_without_a_poster_are_left_alone(bot, poster, make_scheduler):
    subscribe(bot.db, channel="discord:1234")
    assert await make_scheduler().run_due(utc(2025, 3, 3, 8, 0)) == {}
    assert post_rows(bot.db, "discord:1234") == []  # nothing recorded: a later run with Discord can catch up


# -- the APScheduler side ------------------------------------------------------------------------
async def test_cron_jobs_follow_the_subscriptions_table(bot, poster, clock, make_scheduler, moderator):
    subscribe(bot.db, channel="slack:C9", time="07:45", timezone="America/New_York", days="weekdays")
    scheduler = make_scheduler()
    await scheduler.start()
    try:
        jobs = scheduler.jobs()
        assert set(jobs) == {"slack:C9"}
        now = dt.datetime.now(dt.UTC)
        assert jobs["slack:C9"] == subscriptions.get(bot.db, "slack:C9").next_post(now)
        bot.tips_command(moderator, "subscribe 09:00 Europe/Berlin mon,wed,fri")  # in-process change
        assert set(scheduler.jobs()) == {"slack:C9", "slack:C1"}
        assert scheduler.jobs()["slack:C1"].astimezone(subscriptions.get(bot.db, "slack:C1").zone).hour == 9
        bot.db.execute("DELETE FROM subscriptions WHERE channel = 'slack:C9'")  # another process (the CLI)
        await scheduler.run_due()  # the sweep notices
        assert set(scheduler.jobs()) == {"slack:C1"}
        bot.tips_command(moderator, "unsubscribe")
        assert scheduler.jobs() == {}
    finally:
        await scheduler.stop()
    assert scheduler.scheduler is None


async def caught_up(bot, poster, clock, make_scheduler):  # noqa: ANN001, ANN201
    """A started scheduler, slack:C1 subscribed, on 2025-03-03 at its time, after its catch-up (posts forgotten)."""
    sub = subscribe(bot.db)
    clock.now = sub.instant(dt.date(2025, 3, 3))
    scheduler = make_scheduler()
    await scheduler.start()
    try:
        await asyncio.gather(*[t for t in scheduler._tasks if t.get_name() == "careerbot-catch-up"])
    except BaseException:
        await scheduler.stop()
        raise
    bot.db.execute("DELETE FROM posts")
    poster.sent.clear()
    return scheduler


def fire_now(scheduler, job_id: str = "hack:slack:C1") -> None:  # noqa: ANN001
    """Make the real cron job due now and wake APScheduler up to run it."""
    scheduler.scheduler.get_job(job_id).modify(next_run_time=dt.datetime.now(dt.UTC))
    scheduler.scheduler.wakeup()


async def test_a_firing_cron_job_posts(bot, poster, clock, make_scheduler):
    scheduler = await caught_up(bot, poster, clock, make_scheduler)
    try:
        fire_now(scheduler)
        for _ in range(200):
            if poster.sent:
                break
            await asyncio.sleep(0.01)
    finally:
        await scheduler.stop()
    assert [c for c, _ in poster.sent] == ["C1"]
    reply = poster.sent[0][1]
    assert reply.kind == "hack" and reply.ephemeral is False and reply.data["date"] == "2025-03-03"


async def test_a_firing_cron_job_reports_a_timezone_this_host_lacks_once(bot, poster, clock, make_scheduler, caplog):
    """The cron job and the sweep post by one rule: a subscription whose timezone another process changed
    to one this host lacks is reported when its job fires (the job used to skip it without a word, until
    the next sweep), and once only."""
    scheduler = await caught_up(bot, poster, clock, make_scheduler)
    try:
        bot.db.execute("UPDATE subscriptions SET timezone = 'Mars/Olympus_Mons' WHERE channel = 'slack:C1'")
        with caplog.at_level("WARNING", logger="bot.scheduler"):
            fire_now(scheduler)
            for _ in range(200):
                if caplog.records:
                    break
                await asyncio.sleep(0.01)
            fired = [r.getMessage() for r in caplog.records]
            await scheduler.run_due()  # the sweep drops the job and says nothing more
    finally:
        await scheduler.stop()
    why = ("slack:C1: not posted: its timezone “Mars/Olympus_Mons” is not known on this host: subscribe it again "
           "with a current IANA name (or update the host's tzdata)")
    assert fired == [why] and [r.getMessage() for r in caplog.records] == [why]
    assert poster.sent == [] and post_rows(bot.db) == [] and scheduler.jobs() == {}


async def test_serve_builds_the_scheduler_from_its_frontends(bot):
    """`bot.serve` constructs DailyScheduler(bot, posters, settings=settings): the signature it relies on."""
    settings = load_settings(_env_file=None, careerbot_grace_hours=2)
    scheduler = DailyScheduler(bot, {"slack": RecordingPoster()}, settings=settings)
    assert scheduler.grace == dt.timedelta(hours=2) and set(scheduler.pacers) == {"slack"}
    await scheduler.start()
    await scheduler.stop()



async def test_stopping_mid_fan_out_finishes_the_send_on_the_wire_and_hands_back_the_rest(
        bot, clock, make_scheduler):
    for n in range(5):
        subscribe(bot.db, channel=f"slack:C{n}")
    release = asyncio.Event()
    on_the_wire = asyncio.Event()

    class SlowPoster(RecordingPoster):
        async def post(self, channel_id, reply):  # noqa: ANN001, ANN201
            on_the_wire.set()
            await release.wait()
            return await super().post(channel_id, reply)

    slow = SlowPoster()
    clock.now = utc(2025, 3, 3, 8, 0)
    first = make_scheduler(posters={"slack": slow}, pacing={"slack": Pacing(1, 1000.0, 0.0)})
    await first.start()  # the catch-up starts the fan-out; one send at a time
    await asyncio.wait_for(on_the_wire.wait(), 5)
    stopping = asyncio.create_task(first.stop(timeout=5))
    while not first._stopping:
        await asyncio.sleep(0)
    release.set()
    await stopping
    assert len(slow.sent) == 1  # the send on the wire finished; no new one started
    statuses = dict(bot.db.execute("SELECT status, count(*) FROM posts GROUP BY status").fetchall())
    assert statuses == {"sent": 1, "claimed": 4}
    poster = RecordingPoster()
    assert await make_scheduler(posters={"slack": poster}).run_due() == {"sent": 4}  # no lease to wait out
    assert sorted(c for c, _ in slow.sent + poster.sent) == [f"C{n}" for n in range(5)]
