"""Fixtures for the daily hack: an injected clock, a recording Poster, schedulers that never sleep."""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass, field

import pytest

from bot.core.actors import Actor
from bot.core.posting import PostError
from bot.core.reply import Reply
from bot.scheduler import DailyScheduler, Pacing

UTC = dt.UTC
FAST = {"slack": Pacing(50, 1000.0, 0.0), "discord": Pacing(50, 1000.0, 0.0)}


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


@dataclass
class Clock:
    """Now, as the scheduler sees it; tests move it by hand."""

    now: dt.datetime

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> dt.datetime:
        self.now += dt.timedelta(**delta)
        return self.now


@dataclass
class RecordingPoster:
    """A Poster that keeps what it was sent, and fails on cue: `failures[channel_id]` is a queue
    of exceptions raised (one per attempt) before posts to that channel succeed."""

    platform: str = "slack"
    sent: list[tuple[str, Reply]] = field(default_factory=list)
    failures: dict[str, list[BaseException]] = field(default_factory=dict)
    attempts: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def post(self, channel_id: str, reply: Reply) -> str:
        with self.lock:
            self.attempts.append(channel_id)
            queue = self.failures.get(channel_id)
            if queue:
                raise queue.pop(0)
            self.sent.append((channel_id, reply))
            return f"ts-{len(self.sent)}"

    def tips(self, channel_id: str) -> list[str]:
        return [r.cards[0].id for c, r in self.sent if c == channel_id]


class Sleeps(list):
    """An injected `sleep` that records the delay and returns at once."""

    async def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def clock():
    return Clock(utc(2025, 3, 3, 6, 0))  # a Monday, 07:00 in Berlin


@pytest.fixture
def poster():
    return RecordingPoster()


@pytest.fixture
def sleeps():
    return Sleeps()


@pytest.fixture
def moderator():
    return Actor("slack", "UMOD", "C1")


@pytest.fixture
def make_scheduler(bot, poster, clock, sleeps):
    made: list[DailyScheduler] = []

    def make(target=None, posters=None, **options) -> DailyScheduler:
        options.setdefault("pacing", FAST)
        options.setdefault("sleep", sleeps)
        scheduler = DailyScheduler(target or bot, posters or {"slack": poster}, clock=clock, **options)
        made.append(scheduler)
        return scheduler

    yield make
    for scheduler in made:
        if scheduler._unlisten:
            scheduler._unlisten()


def transient(message: str = "slack: http_500", retry_after: float | None = None) -> PostError:
    return PostError(message, retry_after=retry_after)


def permanent(message: str = "slack: channel_not_found") -> PostError:
    return PostError(message, permanent=True)
