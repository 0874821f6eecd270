"""The daily career hack: one APScheduler AsyncIOScheduler inside `careerbot serve`.

The schedule's truth is in our tables: `subscriptions` (when) and `posts` (what happened, one
row per channel and local date). From them the scheduler builds in-memory CronTrigger jobs, one
per subscribed channel, plus a sweep every minute that catches up, retries and picks up changes
made by another process (the CLI). Every path ends in `settle(sub, now)`, which looks at the
channel's due days and, for each, does exactly one of: nothing (done or someone else's claim),
skip (paused, or missed by more than the grace window), or claim → send → mark sent.

The claim is an INSERT into `posts` (UNIQUE channel + date) or, for a claim whose holder died,
a compare-and-set take-over once its lease has run out. Just before each send attempt the row is
marked `error='sending'`; a row found in that state after its lease means a process died while
the message was on the wire, and it is not resent: a day may be lost then, but a channel never
gets the same day twice. See docs/scheduling.md.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import math
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from aiolimiter import AsyncLimiter
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt

from bot.core import subscriptions
from bot.core.hack import pick_for
from bot.core.posting import Poster, PostError
from bot.core.service import CareerBot
from bot.core.subscriptions import STAMP, Subscription
from bot.store import transaction

log = logging.getLogger(__name__)
UTC = dt.UTC
SENDING = "sending"  # posts.error while a send attempt is on the wire
INTERRUPTED = "interrupted while sending; not resent because it may have been delivered"
DONE = ("sent", "skipped", "failed")
RELEASED = "1970-01-01T00:00:00Z"  # claimed_at of a claim given back at shutdown: free to take at once


class Stopping(Exception):
    """The scheduler is shutting down: the claim is given back instead of sending."""


@dataclass(frozen=True)
class Pacing:
    """How fast one platform may be posted to."""

    concurrency: int = 8  # sends in flight at once
    rate: float = 10.0  # sends per second across the platform (workspace / bot)
    channel_gap: float = 1.0  # seconds between two sends to one channel


# Slack: chat.postMessage allows about 1 message per second per channel plus an unpublished
# workspace-wide limit; 10/s stays well under it. Discord: 50 requests/s per bot globally and
# 5 per 5 s per channel route; discord.py also paces by the bucket headers it receives.
PACING: dict[str, Pacing] = {"slack": Pacing(8, 10.0, 1.0), "discord": Pacing(10, 40.0, 1.0)}
DEFAULT_PACING = Pacing(4, 5.0, 1.0)


class Pacer:
    """A concurrency cap, a platform-wide leaky bucket and a minimum gap per channel."""

    def __init__(self, pacing: Pacing, sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep) -> None:
        self.pacing = pacing
        self._sleep = sleep
        self._slots = asyncio.Semaphore(pacing.concurrency)
        self._bucket = AsyncLimiter(pacing.rate, 1.0) if pacing.rate >= 1 else AsyncLimiter(1, 1 / pacing.rate)
        self._last: dict[str, float] = {}

    @asynccontextmanager
    async def slot(self, channel_id: str):  # noqa: ANN201
        loop = asyncio.get_running_loop()
        async with self._slots:
            wait = self._last.get(channel_id, -math.inf) + self.pacing.channel_gap - loop.time()
            if wait > 0:
                await self._sleep(wait)
            await self._bucket.acquire()
            try:
                yield
            finally:
                self._last[channel_id] = loop.time()


def stamp(moment: dt.datetime) -> str:
    return moment.astimezone(UTC).strftime(STAMP)


class DailyScheduler:
    """Posts each subscribed channel's career hack through the platform's `Poster`.

    `clock` (aware UTC datetimes) and `sleep` are injectable so tests never wait; `run_due(now)`
    runs one sweep at a given instant.
    """

    def __init__(
        self,
        bot: CareerBot,
        posters: Mapping[str, Poster],
        settings: Any = None,
        clock: Callable[[], dt.datetime] | None = None,
        *,
        sleep: Callable[[float], Awaitable[Any]] | None = None,
        grace: dt.timedelta | None = None,
        lease: dt.timedelta = dt.timedelta(minutes=10),
        lookback: dt.timedelta = dt.timedelta(days=14),
        sweep_seconds: float = 60.0,
        attempts: int = 4,
        backoff: float = 1.0,
        backoff_max: float = 60.0,
        pacing: Mapping[str, Pacing] | None = None,
    ) -> None:
        self.bot, self.db = bot, bot.db
        self.posters = dict(posters)
        hours = settings.careerbot_grace_hours if settings is not None else 6.0
        self.grace = grace if grace is not None else dt.timedelta(hours=hours)
        self.clock = clock or (lambda: dt.datetime.now(UTC))
        self.lease, self.lookback, self.sweep_seconds = lease, lookback, sweep_seconds
        self.attempts, self.backoff, self.backoff_max = attempts, backoff, backoff_max
        self._sleep = sleep if sleep is not None else asyncio.sleep
        pacing = pacing or {}
        self.pacers = {name: Pacer(pacing.get(name) or PACING.get(name, DEFAULT_PACING), self._sleep)
                       for name in self.posters}
        self.digest_channel: str | None = getattr(settings, "careerbot_moderators_channel", None)
        self.scheduler: AsyncIOScheduler | None = None
        self._jobs: dict[str, tuple] = {}
        self._busy: set[str] = set()
        self._tasks: set[asyncio.Task] = set()
        self._unlisten: Callable[[], None] | None = None
        self._stopping = False
        self._reported: set[tuple[str, str]] = set()  # (channel, timezone) logged as not postable

    # -- lifetime -----------------------------------------------------------------------
    async def start(self) -> None:
        """Build the cron jobs, start the scheduler and run the start-up catch-up in the background."""
        self._stopping = False
        self.scheduler = AsyncIOScheduler(
            timezone=UTC, job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300}
        )
        self.scheduler.start()
        self.rebuild()
        self.scheduler.add_job(self.run_due, IntervalTrigger(seconds=self.sweep_seconds, timezone=UTC), id="sweep")
        if self.digest_channel and self.digest_channel.partition(":")[0] in self.posters:
            self.scheduler.add_job(self.post_digest, CronTrigger(day_of_week="mon", hour=9, timezone=UTC), id="digest")
        self._unlisten = subscriptions.on_change(self.rebuild)
        self._track(asyncio.get_running_loop().create_task(self.run_due(), name="careerbot-catch-up"))
        log.info("scheduler started: %d channel(s), grace %s", len(self._jobs), self.grace)

    async def stop(self, timeout: float = 5.0) -> None:
        """Stop the timers and start no new send; give sends on the wire `timeout` seconds to finish.

        Posts still waiting for their turn give their claim back, so the next process (or a
        second one already running) sends them at once instead of after the lease.
        """
        self._stopping = True
        if self._unlisten:
            self._unlisten()
            self._unlisten = None
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.pause()
        tasks = {t for t in self._tasks if not t.done() and t is not asyncio.current_task()}
        if tasks:
            _, pending = await asyncio.wait(tasks, timeout=timeout)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        self.scheduler = None

    def _track(self, task: asyncio.Task) -> None:
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def rebuild(self, postable: list[Subscription] | None = None) -> None:
        """Make the cron jobs match the subscriptions table (only changed jobs are touched); `postable`:
        `_postable()`, when the caller has just read it."""
        if self.scheduler is None:
            return
        wanted = {
            f"hack:{s.channel}": (s.channel, s.time, s.timezone, s.days)
            for s in (self._postable() if postable is None else postable)
        }
        for job_id in set(self._jobs) - set(wanted):
            if self.scheduler.get_job(job_id):
                self.scheduler.remove_job(job_id)
            del self._jobs[job_id]
        for job_id, key in wanted.items():
            if self._jobs.get(job_id) == key:
                continue
            channel, time, timezone, days = key
            fields = Subscription(channel, "", "", time, timezone, days).cron_fields()
            self.scheduler.add_job(self._fire, CronTrigger(**fields), args=[channel], id=job_id,
                                   replace_existing=True)
            self._jobs[job_id] = key

    def _postable(self) -> list[Subscription]:
        """Every subscription this scheduler posts (`_posts`)."""
        return [sub for sub in subscriptions.all_subscriptions(self.db) if self._posts(sub)]

    def _posts(self, sub: Subscription) -> bool:
        """Whether this scheduler posts `sub`: on a platform it has a poster for, and in a timezone this host
        knows. The one rule of the sweep and of a firing cron job; one it cannot reckon is logged (once a
        change) and left out."""
        if sub.platform not in self.posters:
            return False
        problem = sub.problem()
        if problem is not None and (sub.channel, sub.timezone) not in self._reported:
            self._reported.add((sub.channel, sub.timezone))
            log.warning("%s: not posted: %s", sub.channel, problem)
        return problem is None

    def jobs(self) -> dict[str, dt.datetime | None]:
        """Channel → next fire time of its cron job (for tests and diagnostics)."""
        if self.scheduler is None:
            return {}
        return {j.id.removeprefix("hack:"): j.next_run_time for j in self.scheduler.get_jobs()
                if j.id.startswith("hack:")}

    async def post_digest(self, now: dt.datetime | None = None) -> bool:
        """Post the weekly moderators' digest once per ISO week (claimed like a daily post)."""
        if not self.digest_channel:
            return False
        from bot.core.stats import stats_digest

        platform, _, channel_id = self.digest_channel.partition(":")
        poster = self.posters.get(platform)
        week = (now or self.clock()).date()
        week -= dt.timedelta(days=week.weekday())
        key = f"digest:{self.digest_channel}"
        claimed = self.db.execute(
            "INSERT INTO posts (channel, date, tip_id, status) VALUES (?, ?, 'digest', 'claimed') "
            "ON CONFLICT (channel, date) DO NOTHING", [key, week.isoformat()],
        ).rowcount
        if poster is None or not claimed:
            return False
        try:
            ref = await poster.post(channel_id, stats_digest(self.bot))
        except PostError as exc:
            self.db.execute("UPDATE posts SET status = 'failed', error = ? WHERE channel = ? AND date = ?",
                            [str(exc)[:300], key, week.isoformat()])
            log.warning("weekly digest to %s failed: %s", self.digest_channel, exc)
            return False
        self.db.execute("UPDATE posts SET status = 'sent', sent_at = ?, message_ref = ? WHERE channel = ? AND date = ?",
                        [stamp(self.clock()), ref, key, week.isoformat()])
        return True

    # -- the work ---------------------------------------------------------------------------
    async def _fire(self, channel: str) -> None:
        sub = subscriptions.get(self.db, channel)
        if sub is not None and self._posts(sub):
            await self.settle(sub, self.clock())

    async def run_due(self, now: dt.datetime | None = None) -> Counter:
        """Settle every subscribed channel at `now`; returns how many days ended how."""
        now = now or self.clock()
        subs = self._postable()
        self.rebuild(subs)
        results = await asyncio.gather(*(self.settle(s, now) for s in subs))
        total: Counter = sum(results, Counter())
        if total:
            log.info("daily hack sweep at %s: %s", stamp(now), dict(total))
        return total

    async def settle(self, sub: Subscription, now: dt.datetime) -> Counter:
        """Bring each of the channel's due days to an end: sent, skipped, failed, or left to retry."""
        outcome: Counter = Counter()
        if sub.channel in self._busy:  # this process is already on it
            return outcome
        self._busy.add(sub.channel)
        task = asyncio.current_task()
        if task is not None:
            self._track(task)
        try:
            for day in sub.due_days(now, self.lookback):
                outcome[await self._settle_day(sub, day, now)] += 1
        finally:
            self._busy.discard(sub.channel)
        outcome.pop("done", None)
        return outcome

    async def _settle_day(self, sub: Subscription, day: dt.date, now: dt.datetime) -> str:
        row = self._row(sub.channel, day)
        if self._stopping:
            return "stopped"
        if row and row["status"] in DONE:
            return "done"
        if row and row["claimed_at"] > stamp(now - self.lease):
            return "busy"  # claimed by a live sender (maybe another process)
        if sub.paused:
            return self._close(sub, day, row, "skipped", "paused")
        late = now - sub.instant(day)
        if late > self.grace:
            if row is None:
                return self._close(sub, day, None, "skipped", f"missed by {_hours(late)}, more than the grace window")
            return self._close(sub, day, row, "failed", f"not sent within the grace window ({row['error']})")
        post_id = self.claim(sub, day)
        if post_id is None:
            return "busy"
        return await self.send(sub, day, post_id)

    def _row(self, channel: str, day: dt.date) -> dict[str, Any] | None:
        rows = list(self.db.query("SELECT * FROM posts WHERE channel = ? AND date = ?", [channel, day.isoformat()]))
        return rows[0] if rows else None

    def _close(self, sub: Subscription, day: dt.date, row: dict[str, Any] | None, status: str, why: str) -> str:
        """Record a day that will not be posted (never overwriting a live claim or a finished row)."""
        if row is None:
            tip = pick_for(self.bot, sub.channel, day, sub.instant(day)) or ""
            self.db.execute("INSERT INTO posts (channel, date, tip_id, status, claimed_at, error) "
                            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (channel, date) DO NOTHING",
                            [sub.channel, day.isoformat(), tip, status, stamp(self.clock()), why])
        else:
            if row["error"] == SENDING:
                status, why = "failed", INTERRUPTED
            self.db.execute("UPDATE posts SET status = ?, error = ? WHERE id = ? AND status = 'claimed' "
                            "AND claimed_at = ?", [status, why, row["id"], row["claimed_at"]])
        log.info("%s %s: %s (%s)", sub.channel, day, status, why)
        return status

    def claim(self, sub: Subscription, day: dt.date) -> int | None:
        """Take the (channel, day) post: a fresh claim, or one whose holder's lease ran out.

        Returns the posts row id, or None when someone else has it or it is finished.
        """
        now = self.clock()
        tip = pick_for(self.bot, sub.channel, day, sub.instant(day))
        if tip is None:
            log.warning("%s %s: no active tips to post", sub.channel, day)
            return None
        with transaction(self.db):
            cursor = self.db.execute(
                "INSERT INTO posts (channel, date, tip_id, status, claimed_at) VALUES (?, ?, ?, 'claimed', ?) "
                "ON CONFLICT (channel, date) DO NOTHING", [sub.channel, day.isoformat(), tip, stamp(now)])
            if cursor.rowcount == 1:
                return cursor.lastrowid
            post_id, status, claimed_at, error = self.db.execute(
                "SELECT id, status, claimed_at, error FROM posts WHERE channel = ? AND date = ?",
                [sub.channel, day.isoformat()]).fetchone()
            if status != "claimed" or claimed_at > stamp(now - self.lease):
                return None
            if error == SENDING:
                self.db.execute("UPDATE posts SET status = 'failed', error = ? WHERE id = ?", [INTERRUPTED, post_id])
                log.warning("%s %s: %s", sub.channel, day, INTERRUPTED)
                return None
            self.db.execute("UPDATE posts SET claimed_at = ?, tip_id = ? WHERE id = ?", [stamp(now), tip, post_id])
            log.info("%s %s: took over an expired claim", sub.channel, day)
            return post_id

    async def send(self, sub: Subscription, day: dt.date, post_id: int) -> str:
        """Send the claimed post, retrying transient errors with backoff; record how it ended."""
        poster, pacer = self.posters[sub.platform], self.pacers[sub.platform]
        reply = self.bot.hack(sub.channel, day)
        if not reply.cards:  # every tip was retired since the claim
            self.db.execute("UPDATE posts SET status = 'failed', error = ? WHERE id = ?", [reply.text, post_id])
            return "failed"
        reply.ephemeral = False
        reply.data["scheduled"] = True

        async def attempt() -> str:
            async with pacer.slot(sub.channel_id):
                if self._stopping:
                    raise Stopping
                self.db.execute("UPDATE posts SET attempts = attempts + 1, error = ?, claimed_at = ?, tip_id = ? "
                                "WHERE id = ?", [SENDING, stamp(self.clock()), reply.cards[0].id, post_id])
                try:
                    return await poster.post(sub.channel_id, reply)
                except Exception as exc:
                    self.db.execute("UPDATE posts SET error = ? WHERE id = ?", [_error(exc), post_id])
                    raise

        try:
            async for try_ in AsyncRetrying(
                stop=stop_after_attempt(self.attempts), wait=self._wait, sleep=self._sleep, reraise=True,
                retry=retry_if_exception(_transient),
            ):
                with try_:
                    ref = await attempt()
        except Stopping:
            self.db.execute("UPDATE posts SET claimed_at = ? WHERE id = ? AND status = 'claimed' "
                            "AND error IS NOT ?", [RELEASED, post_id, SENDING])
            return "stopped"
        except Exception as exc:  # noqa: BLE001 - every failure is recorded, none may stop other channels
            permanent = isinstance(exc, PostError) and exc.permanent
            if permanent:
                self.db.execute("UPDATE posts SET status = 'failed' WHERE id = ?", [post_id])
            self._failing(sub, exc)
            log.warning("%s %s: %s post failed: %s", sub.channel, day, "permanent" if permanent else "transient",
                        _error(exc))
            return "failed" if permanent else "retry"
        now = stamp(self.clock())
        self.db.execute("UPDATE posts SET status = 'sent', sent_at = ?, message_ref = ?, error = NULL WHERE id = ?",
                        [now, str(ref)[:200] if ref is not None else None, post_id])
        self.db.execute("UPDATE subscriptions SET failures = 0, failing_since = NULL, last_error = NULL "
                        "WHERE channel = ? AND failures > 0", [sub.channel])
        return "sent"

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        retry_after = getattr(exc, "retry_after", None) or 0.0
        return max(float(retry_after), min(self.backoff_max, self.backoff * 2 ** (state.attempt_number - 1)))

    def _failing(self, sub: Subscription, exc: BaseException) -> None:
        self.db.execute(
            "UPDATE subscriptions SET failures = failures + 1, failing_since = COALESCE(failing_since, ?), "
            "last_error = ? WHERE channel = ?", [stamp(self.clock()), _error(exc), sub.channel])


def _transient(exc: BaseException) -> bool:
    """Worth another attempt now: not a cancellation, not a shutdown, not a permanent PostError."""
    return isinstance(exc, Exception) and not isinstance(exc, Stopping) and not getattr(exc, "permanent", False)


def _error(exc: BaseException) -> str:
    text = str(exc) or exc.__class__.__name__
    return text[:300]


def _hours(delta: dt.timedelta) -> str:
    return f"{delta.total_seconds() / 3600:.1f} h"
