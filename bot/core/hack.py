"""Which tip a channel gets on a date: a per-channel rotation derived from the posts table.

The rotation is recomputed, never stored, so `/hack` and the scheduled post always agree:

* A cycle is the set of eligible tips (active, and matching the subscription's topics filter
  when it has one). No tip repeats in a channel until every eligible tip has been posted there;
  then a new cycle starts. Retired tips drop out at once, new tips join the current cycle.
* Within a cycle, tips come in a per-channel, per-cycle shuffled order (a hash of channel, cycle
  number and tip id, so adding or retiring one tip does not reshuffle the others), skipping a
  tip that shares a topic with the previous post when another candidate exists. A new cycle
  does not open with the previous post's tip, so no tip is posted two days running.
* The state before a day is replayed from the channel's posts (sent or claimed) before it. For a
  future day, the channel's post days whose post time is still ahead are simulated with the same
  rule, so /hack for next Friday shows what Friday will bring if nothing changes meanwhile.
* A channel with no subscription (e.g. /hack in the console, or a channel unsubscribed after it
  was posted to) uses the same shuffle laid out on the calendar: day n since 2024-01-01 is
  position n mod len(tips) of cycle n // len. Its posts are not replayed (with no post days
  ahead to simulate, every later day would get the same next tip); a day it was posted shows
  that post, and subscribing again continues its rotation from the posts.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.core import subscriptions
from bot.core.reply import Card, moment_url

if TYPE_CHECKING:
    from bot.core.service import CareerBot

EPOCH = dt.date(2024, 1, 1)
POSTED = ("sent", "claimed")  # rows that count as posted in the rotation
MAX_SIMULATED_DAYS = 800  # a date further ahead is estimated from the last 800 days before it


def _order(channel: str, cycle: int, tip_id: str) -> bytes:
    return hashlib.sha256(f"{channel}|{cycle}|{tip_id}".encode()).digest()


@dataclass
class Catalogue:
    """Every tip's topics (retired ones too, for "the previous post") and the active ids."""

    topics: dict[str, frozenset[str]]
    active: list[str]

    @classmethod
    def load(cls, db) -> Catalogue:  # noqa: ANN001
        rows = db.execute("SELECT id, topics, status FROM tips ORDER BY id").fetchall()
        return cls({tid: frozenset(topics.split()) for tid, topics, _ in rows},
                   [tid for tid, _, status in rows if status == "active"])

    def eligible(self, wanted: tuple[str, ...] = ()) -> list[str]:
        """Active tips on any of `wanted` topics; every active tip when the filter matches none."""
        if wanted:
            chosen = [t for t in self.active if self.topics[t] & set(wanted)]
            if chosen:
                return chosen
        return list(self.active)


@dataclass
class Rotation:
    channel: str
    eligible: frozenset[str]
    topics: dict[str, frozenset[str]]
    cycle_no: int = 0
    cycle: set[str] = field(default_factory=set)
    last: str | None = None

    def add(self, tip_id: str) -> None:
        """Record a post; a repeat or an exhausted cycle means a new cycle began with it."""
        if tip_id in self.cycle or not (self.eligible - self.cycle):
            self.cycle_no += 1
            self.cycle = set()
        self.cycle.add(tip_id)
        self.last = tip_id

    def pick(self) -> str | None:
        remaining = self.eligible - self.cycle
        cycle_no = self.cycle_no if remaining else self.cycle_no + 1
        # a new cycle never opens with the tip that closed the last one (a topic filter of two tips
        # would otherwise post the same tip two days running about every other cycle)
        pool = sorted(remaining or (self.eligible - {self.last}) or self.eligible,
                      key=lambda t: _order(self.channel, cycle_no, t))
        return first_apart(pool, self.topics, self.topics.get(self.last or "", frozenset()))


def first_apart(pool: list[str], topics: dict[str, frozenset[str]], avoid: frozenset[str]) -> str | None:
    """The first tip in `pool` sharing no topic with `avoid`, else simply the first."""
    for tip_id in pool:
        if not topics[tip_id] & avoid:
            return tip_id
    return pool[0] if pool else None


def calendar_pick(channel: str, day: dt.date, catalogue: Catalogue) -> str | None:
    tips = catalogue.active
    if not tips:
        return None
    cycle, position = divmod((day - EPOCH).days, len(tips))
    pool = sorted(tips, key=lambda t: _order(channel, cycle, t))
    order: list[str] = []
    while pool:
        avoid = catalogue.topics[order[-1]] if order else frozenset()
        chosen = first_apart(pool, catalogue.topics, avoid)
        order.append(chosen)  # type: ignore[arg-type]
        pool.remove(chosen)
    return order[position]


def pick_for(bot: CareerBot, channel: str, day: dt.date, now: dt.datetime | None = None) -> str | None:
    """The id of the tip `channel` gets on `day`, as seen at `now` (see the module docstring)."""
    db = bot.db
    catalogue = Catalogue.load(db)
    if not catalogue.active:
        return None
    row = db.execute("SELECT tip_id FROM posts WHERE channel = ? AND date = ?", [channel, day.isoformat()]).fetchone()
    if row and row[0] in set(catalogue.active):
        return row[0]
    sub = subscriptions.get(db, channel)
    if sub is None:
        return calendar_pick(channel, day, catalogue)
    sub = sub.reckoned()  # in UTC when this host lacks its timezone
    history = db.execute(
        f"SELECT date, tip_id FROM posts WHERE channel = ? AND date < ? AND status IN ({','.join('?' * len(POSTED))}) "
        "ORDER BY date", [channel, day.isoformat(), *POSTED]
    ).fetchall()
    rotation = Rotation(channel, frozenset(catalogue.eligible(sub.topics)), catalogue.topics)
    for _, tip_id in history:
        rotation.add(tip_id)
    for _ in _upcoming(db, sub, day, history[-1][0] if history else None, now or bot.now()):
        rotation.add(rotation.pick())  # type: ignore[arg-type]
    return rotation.pick()


def _upcoming(db, sub: subscriptions.Subscription, day: dt.date, last: str | None,  # noqa: ANN001
              now: dt.datetime) -> list[dt.date]:
    """The channel's post days before `day` that have not happened yet at `now` (to simulate)."""
    since = max(now, sub.since) if sub.since else now
    start = sub.local_date(since)
    if last is not None:
        start = max(start, dt.date.fromisoformat(last) + dt.timedelta(days=1))
    if (day - start).days > MAX_SIMULATED_DAYS:
        start = day - dt.timedelta(days=MAX_SIMULATED_DAYS)  # far future: an estimate, not a promise
    taken = {d for (d,) in db.execute("SELECT date FROM posts WHERE channel = ? AND date >= ? AND date < ?",
                                      [sub.channel, start.isoformat(), day.isoformat()])}
    days, current = [], start
    while current < day:
        if sub.runs_on(current) and current.isoformat() not in taken and sub.instant(current) >= since:
            days.append(current)
        current += dt.timedelta(days=1)
    return days


def card(bot: CareerBot, tip_id: str) -> Card | None:
    row = bot.db.execute('SELECT id, title, tip, quote, speaker, source, start, "end", topics FROM tips WHERE id = ?',
                         [tip_id]).fetchone()
    if row is None:
        return None
    tid, title, tip, quote, speaker, source, start, end, topics = row
    episode, url = bot.searcher.episode(source)[:2]  # (title, url, ...)
    return Card(tid, "tip", title, tip, quote, speaker, episode, source, start, end, moment_url(url, start),
                topics=topics.split())


def hack_for(bot: CareerBot, channel: str, date: dt.date, now: dt.datetime | None = None) -> Card | None:
    """The career hack `channel` gets on `date`: what was posted, or what will be."""
    tip_id = pick_for(bot, channel, date, now)
    return card(bot, tip_id) if tip_id else None


def local_today(bot: CareerBot, channel: str) -> dt.date:
    """Today in the channel's timezone when it is subscribed (UTC when the host lacks that timezone), else
    the bot's (UTC) today."""
    sub = subscriptions.get(bot.db, channel)
    return sub.reckoned().local_date(bot.now()) if sub else bot.today()
