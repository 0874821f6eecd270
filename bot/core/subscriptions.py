"""Channel subscriptions to the daily career hack: parsing, storage and the `/tips` subcommands.

A subscription says when a channel gets its post: a local time, an IANA timezone, the days of
the week and an optional topics filter. The `subscriptions` table is the schedule's truth; the
scheduler builds its timers from it and is told (`on_change`) when it changes.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import re
import zoneinfo
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING, Any

from sqlite_utils import Database

from bot.core.actors import Actor
from bot.core.reply import Reply, shorten
from bot.core.service import refused, subcommand
from bot.store import transaction

if TYPE_CHECKING:
    from bot.core.service import CareerBot

UTC = dt.UTC
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_WORDS = {
    **{name: i for i, name in enumerate(DAY_NAMES)},
    **{name: i for i, name in enumerate(("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"))},
    "mo": 0, "tu": 1, "tues": 1, "we": 2, "weds": 2, "th": 3, "thur": 3, "thurs": 3, "fr": 4, "sa": 5, "su": 6,
}
_DAY_SETS = {
    "daily": frozenset(range(7)), "everyday": frozenset(range(7)), "every-day": frozenset(range(7)),
    "all": frozenset(range(7)), "weekdays": frozenset(range(5)), "workdays": frozenset(range(5)),
    "weekends": frozenset({5, 6}), "weekend": frozenset({5, 6}),
}
_TIME = re.compile(r"^(\d{1,2})(?::(\d{2}))?\s*([ap]\.?m\.?)?$", re.IGNORECASE)
MAX_INPUT = 500
QUOTED = 60  # characters of a member's input quoted back in an error
STAMP = "%Y-%m-%dT%H:%M:%SZ"
USAGE = "/tips subscribe 09:00 Europe/Berlin [weekdays | mon,wed,fri] [topics…]"
ALL_TOPICS = "all"  # as the topics: every topic (clears a topics filter)
FEW_TIPS = 7  # a topics filter with fewer active tips than a week of posts gets a note when subscribing
# Platforms no scheduler posts to: the console is a local front end with no poster, in any process.
NOT_POSTED = frozenset({"console"})


class ScheduleError(ValueError):
    """Bad schedule input; the message is shown to the member as is, and nothing was saved."""


class UnknownZone(ScheduleError):
    """A stored subscription's timezone that this host's timezone database lacks (a database moved from
    another host, an older tzdata): the channel's days and post times cannot be reckoned here."""


# -- parsing -------------------------------------------------------------------------------
def parse_time(text: str) -> str:
    """`09:00`, `9:00`, `9am`, `5:30pm` → `HH:MM` (24 h)."""
    match = _TIME.match((text or "").strip())
    if not match or (match.group(2) is None and match.group(3) is None):
        raise ScheduleError(f"“{shorten(text, QUOTED)}” is not a time: use 24-hour HH:MM such as 09:00 or 17:30.")
    hour, minute, half = int(match.group(1)), int(match.group(2) or 0), (match.group(3) or "").lower()
    if half:
        if not 1 <= hour <= 12:
            raise ScheduleError(f"“{shorten(text, QUOTED)}” is not a time: with am/pm the hour is 1 to 12.")
        hour = hour % 12 + (12 if half.startswith("p") else 0)
    if hour > 23 or minute > 59:
        raise ScheduleError(f"“{shorten(text, QUOTED)}” is not a time: hours go 00–23 and minutes 00–59.")
    return f"{hour:02d}:{minute:02d}"


# Files in a zoneinfo directory that zoneinfo loads but that are no IANA zone: the host's own zone
# (`localtime`, which differs from host to host), tzdata's placeholder `Factory`, the rule template
# `posixrules`, and the `posix/` and `right/` (leap seconds) copies of the real zones.
NOT_ZONES = frozenset({"localtime", "factory", "posixrules"})
NOT_ZONE_PREFIXES = ("posix/", "right/")


@functools.cache
def _zones() -> dict[str, str]:
    """Every IANA timezone name the host knows, by its lower case (read once a process: about 60 ms)."""
    return {name.lower(): name for name in zoneinfo.available_timezones()
            if name.lower() not in NOT_ZONES and not name.lower().startswith(NOT_ZONE_PREFIXES)}


def timezone_names() -> list[str]:
    """The timezones a subscription may name, sorted (Discord's autocomplete offers these)."""
    return sorted(_zones().values())


def parse_timezone(text: str) -> str:
    """An IANA timezone name such as `Europe/Berlin` (any case) → its canonical spelling."""
    key = (text or "").strip().lower()
    if key in _zones():
        return _zones()[key]
    close = difflib.get_close_matches(key, list(_zones()), n=3, cutoff=0.75)
    hint = f" Did you mean {', '.join(_zones()[c] for c in close)}?" if close else ""
    raise ScheduleError(
        f"“{shorten(text, QUOTED)}” is not a timezone I know. Use an IANA name such as Europe/Berlin, "
        f"America/New_York or UTC.{hint}"
    )


def parse_days(text: str) -> str:
    """`daily`, `weekdays`, `weekends`, `mon,wed,fri`, `mon-fri`, `Tue Thu` → canonical form."""
    parts = [p for p in re.split(r"[\s,;/+]+", (text or "").strip().lower()) if p]
    if not parts:
        raise ScheduleError("No days given: use daily, weekdays, weekends or a list such as mon,wed,fri.")
    days: set[int] = set()
    for part in parts:
        if part in _DAY_SETS:
            days |= _DAY_SETS[part]
            continue
        first, dash, last = part.partition("-")
        if dash and first in _DAY_WORDS and last in _DAY_WORDS:
            start, end = _DAY_WORDS[first], _DAY_WORDS[last]
            days |= {(start + i) % 7 for i in range((end - start) % 7 + 1)}
        elif part in _DAY_WORDS:
            days.add(_DAY_WORDS[part])
        else:
            raise ScheduleError(
                f"“{shorten(part, QUOTED)}” is not a day: use daily, weekdays, weekends or day names like mon,wed,fri."
            )
    return days_text(frozenset(days))


def days_text(days: frozenset[int]) -> str:
    for name in ("daily", "weekdays", "weekends"):
        if days == _DAY_SETS[name]:
            return name
    return ",".join(DAY_NAMES[d] for d in sorted(days))


def day_set(days: str) -> frozenset[int]:
    if days in _DAY_SETS:
        return _DAY_SETS[days]
    return frozenset(_DAY_WORDS[d] for d in days.split(",") if d)


def parse_topics(db: Database, text: str | list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Known topic slugs (space or comma separated) → a tuple; `all` alone → () (every topic).

    Given but naming no topic (`""`, `","`) is an error, as are unknown topics: leaving topics
    out is the caller's business (`save` keeps the channel's current ones).
    """
    raw = text if isinstance(text, list | tuple) else re.split(r"[\s,;]+", text or "")
    wanted = [str(t).strip().lower().strip("#") for t in raw if t and str(t).strip(" \t\n#,;")]
    if not wanted:
        raise ScheduleError(f"No topics given: list topic names such as mentors,interviews (see /tips topics), "
                            f"or '{ALL_TOPICS}' for every topic.")
    if wanted == [ALL_TOPICS]:
        return ()
    known = {slug for (slug,) in db.execute("SELECT slug FROM topics")}
    unknown = [t for t in wanted if t not in known]
    if unknown:
        close = difflib.get_close_matches(unknown[0], sorted(known), n=3, cutoff=0.6)
        hint = f" Did you mean {', '.join(close)}?" if close else " See /tips topics for the list."
        raise ScheduleError(f"“{shorten(unknown[0], QUOTED)}” is not a topic.{hint}")
    return tuple(dict.fromkeys(wanted))


def parse_channel(key: str) -> tuple[str, str]:
    """A channel key `slack:C123` / `discord:123456789012345678` → (platform, channel id)."""
    platform, sep, channel_id = (key or "").strip().partition(":")
    platform = platform.lower()
    if not sep or not channel_id:
        raise ScheduleError(f"“{shorten(key, QUOTED)}” is not a channel: write slack:C0123ABC or discord:123456789012345678.")
    if platform == "slack" and not re.fullmatch(r"[A-Z0-9]{2,24}", channel_id):
        raise ScheduleError(f"“{shorten(channel_id, QUOTED)}” is not a Slack channel id (they look like C0123ABCD).")
    if platform == "discord" and not re.fullmatch(r"\d{1,21}", channel_id):
        raise ScheduleError(f"“{shorten(channel_id, QUOTED)}” is not a Discord channel id (a long number).")
    if platform == "console" and not re.fullmatch(r"[\w.-]{1,40}", channel_id):
        raise ScheduleError(f"“{shorten(channel_id, QUOTED)}” is not a console channel name.")
    if platform not in ("slack", "discord", "console"):
        raise ScheduleError(f"Unknown platform “{shorten(platform, QUOTED)}”: use slack:, discord: or console:.")
    return platform, channel_id


def parse_subscribe_text(db: Database, text: str) -> dict[str, Any]:
    """`09:00 Europe/Berlin weekdays mentors` or `time:09:00 timezone:Europe/Berlin days:… topics:…`.

    Bare words are recognised by their shape: a time, a timezone, days, else a topic.
    """
    if len(text or "") > MAX_INPUT:
        raise ScheduleError("That is too long for a schedule. " + f"Usage: {USAGE}")
    found: dict[str, Any] = {"time": None, "timezone": None, "days": [], "topics": []}
    aliases = {"time": "time", "at": "time", "timezone": "timezone", "tz": "timezone", "zone": "timezone",
               "days": "days", "day": "days", "topics": "topics", "topic": "topics"}
    for token in (text or "").split():
        key, sep, value = token.partition(":")
        if sep and key.lower() in aliases:
            name = aliases[key.lower()]
            if not value:  # the same refusal an empty option gets anywhere (save checks the values)
                {"time": parse_time, "timezone": parse_timezone, "days": parse_days,
                 "topics": functools.partial(parse_topics, db)}[name]("")
            if isinstance(found[name], list):
                found[name].append(value)
            else:
                found[name] = value
        elif found["time"] is None and re.fullmatch(r"[\d:.]+\s*([ap]\.?m\.?)?", token, re.IGNORECASE):
            found["time"] = token  # checked by parse_time
        elif found["timezone"] is None and (token.lower() in _zones() or "/" in token):
            found["timezone"] = token  # checked by parse_timezone
        elif _is_days(token):
            found["days"].append(token)
        else:
            found["topics"].append(token)
    if not found["time"]:
        raise ScheduleError(f"Which time? Usage: {USAGE}")
    if not found["timezone"]:
        hint = f"“{shorten(found['topics'][0], QUOTED)}” is not a timezone I know. " if found["topics"] else ""
        raise ScheduleError(f"{hint}Which timezone? Give an IANA name such as Europe/Berlin. Usage: {USAGE}")
    return {
        "time": found["time"], "timezone": found["timezone"],
        "days": " ".join(found["days"]) or None, "topics": " ".join(found["topics"]) or None,
    }


def _is_days(token: str) -> bool:
    try:
        parse_days(token)
    except ScheduleError:
        return False
    return True


# -- the subscription ------------------------------------------------------------------------
@dataclass(frozen=True)
class Subscription:
    channel: str  # the channel key, e.g. slack:C123
    platform: str
    channel_id: str
    time: str  # HH:MM local
    timezone: str
    days: str = "daily"  # daily | weekdays | weekends | mon,wed,fri
    topics: tuple[str, ...] = ()
    paused: bool = False
    created_by: str | None = None
    since: dt.datetime | None = None  # posts are due from this instant on (set on each subscribe)
    failures: int = 0
    failing_since: str | None = None
    last_error: str | None = None

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        """The channel's timezone; UnknownZone when this host lacks it (see `problem`)."""
        try:
            return zoneinfo.ZoneInfo(self.timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise UnknownZone(f"its timezone “{shorten(self.timezone, QUOTED)}” is not known on this host: subscribe "
                              "it again with a current IANA name (or update the host's tzdata)") from None

    def problem(self) -> str | None:
        """Why the scheduler cannot post this subscription on this host (its timezone), or None."""
        try:
            self.zone  # noqa: B018 - loading it is the check
        except UnknownZone as exc:
            return str(exc)
        return None

    def reckoned(self) -> Subscription:
        """This subscription to reckon days and times with: in UTC when the host lacks its timezone
        (what `/hack` shows for it then), else itself."""
        return replace(self, timezone="UTC") if self.problem() else self

    @property
    def weekdays(self) -> frozenset[int]:
        return day_set(self.days)

    @property
    def hour_minute(self) -> tuple[int, int]:
        hour, minute = self.time.split(":")
        return int(hour), int(minute)

    def runs_on(self, day: dt.date) -> bool:
        return day.weekday() in self.weekdays

    def instant(self, day: dt.date) -> dt.datetime:
        """The UTC instant of the post on local `day`.

        A time skipped by a daylight-saving jump (02:30 on the spring-forward night) maps to
        the same instant one hour later local time; a repeated time (fall back) to its first
        occurrence. APScheduler's CronTrigger fires at the same instants.
        """
        hour, minute = self.hour_minute
        return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=self.zone).astimezone(UTC)

    def local_date(self, now: dt.datetime) -> dt.date:
        return now.astimezone(self.zone).date()

    def next_post(self, now: dt.datetime) -> dt.datetime | None:
        """The next scheduled instant after `now` (UTC), paused or not."""
        day = self.local_date(now)
        for offset in range(9):
            candidate = day + dt.timedelta(days=offset)
            if self.runs_on(candidate) and self.instant(candidate) > now:
                return self.instant(candidate)
        return None

    def due_days(self, now: dt.datetime, lookback: dt.timedelta) -> Iterator[dt.date]:
        """Scheduled local days, oldest first, whose instant is in (since or now-lookback, now]."""
        start = now - lookback
        if self.since is not None:
            start = max(start, self.since)
        day = self.local_date(start) - dt.timedelta(days=1)
        last = self.local_date(now)
        while day <= last:
            if self.runs_on(day) and start <= self.instant(day) <= now:
                yield day
            day += dt.timedelta(days=1)

    def cron_fields(self) -> dict[str, Any]:
        """Keyword arguments for APScheduler's CronTrigger."""
        hour, minute = self.hour_minute
        return {"hour": hour, "minute": minute, "day_of_week": ",".join(DAY_NAMES[d] for d in sorted(self.weekdays)),
                "timezone": self.zone}

    def describe(self) -> str:
        when = {"daily": "every day", "weekdays": "every weekday (Mon–Fri)", "weekends": "every Saturday and Sunday"}
        days = when.get(self.days) or "every " + ", ".join(d.capitalize() for d in self.days.split(","))
        topics = f", on {', '.join(self.topics)}" if self.topics else ""
        return f"{days} at {self.time} ({self.timezone}){topics}"

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["topics"] = list(self.topics)
        data["since"] = self.since.strftime(STAMP) if self.since else None
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Subscription:
        """The inverse of `as_dict` (how the audit log records a subscription; keys it does not know are left out)."""
        since = dt.datetime.strptime(data["since"], STAMP).replace(tzinfo=UTC) if data.get("since") else None
        known = {key: value for key, value in data.items() if key in cls.__dataclass_fields__}
        return cls(**known | {"topics": tuple(data.get("topics") or ()), "since": since})

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Subscription:
        since = dt.datetime.strptime(row["created_at"], STAMP).replace(tzinfo=UTC) if row.get("created_at") else None
        return cls(row["channel"], row["platform"], row["channel_id"], row["time"], row["timezone"], row["days"],
                   tuple(row["topics"].split()), bool(row["paused"]), row["created_by"], since,
                   row["failures"], row["failing_since"], row["last_error"])


# -- storage ----------------------------------------------------------------------------------
_listeners: list[Callable[[], None]] = []


def on_change(listener: Callable[[], None]) -> Callable[[], None]:
    """Call `listener()` after any subscription change in this process; returns an unsubscribe function."""
    _listeners.append(listener)
    return lambda: _listeners.remove(listener) if listener in _listeners else None


def _changed() -> None:
    for listener in list(_listeners):
        listener()


def get(db: Database, channel: str) -> Subscription | None:
    rows = list(db.query("SELECT * FROM subscriptions WHERE channel = ?", [channel]))
    return Subscription.from_row(rows[0]) if rows else None


def all_subscriptions(db: Database) -> list[Subscription]:
    return [Subscription.from_row(r) for r in db.query("SELECT * FROM subscriptions ORDER BY channel")]


def lookup(db: Database, text: str) -> Subscription | None:
    """The subscription a channel key (`slack:C123`, any case of the platform) or a bare channel id names."""
    platform, sep, channel_id = (text or "").strip().partition(":")
    if sep:
        return get(db, f"{platform.lower()}:{channel_id}")
    rows = list(db.query("SELECT * FROM subscriptions WHERE channel_id = ? ORDER BY channel", [platform]))
    return Subscription.from_row(rows[0]) if rows else None


def not_subscribed(db: Database, text: str, most: int = 8) -> str:
    """Why `lookup(text)` found nothing, naming the channels that are subscribed."""
    known = [s.channel for s in all_subscriptions(db)]
    listed = ", ".join(known[:most]) + (f" and {len(known) - most} more" if len(known) > most else "")
    return (f"{shorten(text, QUOTED)!r} is not subscribed; subscribed channels: "
            f"{listed or 'none yet'} (see careerbot schedule list)")


def save(db: Database, channel: str, *, time: str, timezone: str, days: str | None = None,
         topics: str | list[str] | tuple[str, ...] | None = None, by: Actor | None = None,
         now: dt.datetime | None = None) -> Subscription:
    """`update`, returning only the subscription now."""
    return update(db, channel, time=time, timezone=timezone, days=days, topics=topics, by=by, now=now)[1]


def update(db: Database, channel: str, *, time: str, timezone: str, days: str | None = None,
           topics: str | list[str] | tuple[str, ...] | None = None, by: Actor | None = None,
           now: dt.datetime | None = None) -> tuple[Subscription | None, Subscription]:
    """Validate everything first, then create or update the channel's subscription (unpaused);
    returns it as it was just before (None: a new one) and as it is now, read in the same transaction.

    The one rule for every front end (chat, Discord's typed options, `careerbot schedule add`):
    `time` and `timezone` are always given; `days` and `topics` left out (None) keep the channel's
    current ones (a new subscription: daily, every topic); given, they must be valid and not
    empty (`topics="all"` clears a topics filter). Anything invalid raises ScheduleError and
    nothing is saved.

    Each change made `by` someone (chat, console or CLI) is audited with the subscription before
    and after, in the same transaction; only set-up code (tests, benchmarks) passes no one.
    """
    platform, channel_id = parse_channel(channel)
    values = {
        "channel": f"{platform}:{channel_id}", "platform": platform, "channel_id": channel_id,
        "time": parse_time(time), "timezone": parse_timezone(timezone),
        "days": None if days is None else parse_days(days),  # None: keep (COALESCE below)
        "topics": None if topics is None else " ".join(parse_topics(db, topics)),
        "created_by": (by.who if by else "setup")[:100],
        "created_at": (now or dt.datetime.now(UTC)).astimezone(UTC).strftime(STAMP),
    }
    with transaction(db):
        before = get(db, values["channel"])
        db.execute(
            "INSERT INTO subscriptions (channel, platform, channel_id, time, timezone, days, topics, paused, "
            "created_by, created_at) VALUES (:channel, :platform, :channel_id, :time, :timezone, "
            "COALESCE(:days, 'daily'), COALESCE(:topics, ''), 0, :created_by, :created_at) "
            "ON CONFLICT(channel) DO UPDATE SET time = excluded.time, timezone = excluded.timezone, "
            "days = COALESCE(:days, subscriptions.days), topics = COALESCE(:topics, subscriptions.topics), paused = 0, "
            "created_by = excluded.created_by, created_at = excluded.created_at, failures = 0, "
            "failing_since = NULL, last_error = NULL",
            values,
        )
        sub: Subscription = get(db, values["channel"])  # type: ignore[assignment]
        _audit(db, by, "subscribe", sub.channel, before, sub)
    _changed()
    return before, sub


def changes(before: Subscription, after: Subscription) -> list[str]:
    """What a subscribe changed, field by field: `time 09:00 → 10:00`, `topics mentors → all`, `resumed`."""
    shown = [(name, str(getattr(before, name)), str(getattr(after, name))) for name in ("time", "timezone", "days")]
    shown.append(("topics", ",".join(before.topics) or ALL_TOPICS, ",".join(after.topics) or ALL_TOPICS))
    lines = [f"{name} {old} → {new}" for name, old, new in shown if old != new]
    if before.paused and not after.paused:
        lines.append("resumed (it was paused)")
    return lines


def change_text(before: Subscription | None, after: Subscription) -> str:
    """A subscribe in one line: `… (new subscription)`, `unchanged: …` or `time 09:00 → 10:00 (now …)`."""
    if before is None:
        return f"{after.describe()} (new subscription)"
    changed = changes(before, after)
    return f"{', '.join(changed)} (now {after.describe()})" if changed else f"unchanged: {after.describe()}"


def few_tips(db: Database, sub: Subscription) -> str | None:
    """Why a topics filter makes for a thin rotation: its topics hold fewer active tips than FEW_TIPS
    (a week of posts), so each comes back within the week (one tip: every day). None otherwise."""
    if not sub.topics:
        return None
    from bot.core.hack import Catalogue  # the rotation's own rule for which tips a channel gets

    catalogue = Catalogue.load(db)
    n = len(catalogue.eligible(sub.topics))
    if n >= FEW_TIPS or n == len(catalogue.active):  # enough, or no tip on them: every tip is posted
        return None
    topics = ", ".join(sub.topics)
    if n == 1:
        return f"{topics} has only one tip, so it would be posted every day: add topics, or use all."
    return f"{topics} {'have' if len(sub.topics) > 1 else 'has'} only {n} tips, so each comes back every {n} posts: " \
           "add topics, or use all, for more variety."


def posted(sub: Subscription) -> bool:
    """Whether any scheduler ever posts this subscription (the console has none)."""
    return sub.platform not in NOT_POSTED


def _next_post_line(sub: Subscription, now: dt.datetime) -> str | None:
    """`Next post: …` for a reply, or why there is none though the schedule says when."""
    upcoming = sub.next_post(now)
    if upcoming is None:
        return None
    if not posted(sub):
        return (f"Next post: none. The console runs no scheduler, so nothing is posted here (by this schedule it "
                f"would be {_local(upcoming, sub)}); /hack shows the tip of the day. Slack and Discord channels "
                "get their posts from `careerbot serve`.")
    return f"Next post: {_local(upcoming, sub)}."


def remove(db: Database, channel: str, by: Actor | None = None) -> bool:
    """Unsubscribe; its post history stays. False when it was not subscribed."""
    with transaction(db):
        before = get(db, channel)
        if before is not None:
            db.execute("DELETE FROM subscriptions WHERE channel = ?", [channel])
            _audit(db, by, "unsubscribe", channel, before, None)
    if before is not None:
        _changed()
    return before is not None


def set_paused(db: Database, channel: str, paused: bool, by: Actor | None = None) -> Subscription | None:
    """Pause or resume; returns the subscription as it was (None: the channel is not subscribed).

    A channel already paused (or running, for a resume) is left as it is, and no change is audited.
    """
    with transaction(db):
        before = get(db, channel)
        changing = before is not None and before.paused != paused
        if changing:
            db.execute("UPDATE subscriptions SET paused = ? WHERE channel = ?", [int(paused), channel])
            _audit(db, by, "pause" if paused else "resume", channel, before, replace(before, paused=paused))
    if changing:
        _changed()
    return before


# What a moderator sets (the failure counters are the scheduler's): a revert compares and restores these.
SETTINGS = ("time", "timezone", "days", "topics", "paused", "created_by", "since")


def _settings(sub: Subscription | None) -> dict[str, Any] | None:
    return None if sub is None else {key: value for key, value in sub.as_dict().items() if key in SETTINGS}


def put_back(db: Database, channel: str, expected: dict[str, Any] | None, target: dict[str, Any] | None,
             by: Actor, reverts: int) -> int | None:
    """Revert change `reverts`: set the channel's subscription back to `target` (None: remove it).

    Only while no later change to it stands (`loader.standing_since`: a subscription has no version) and
    its settings still read as `expected` (the change's after); otherwise nothing changes and None is
    returned. Audited as a revert; the scheduler is told, as for any change.
    """
    from bot.corpus.loader import standing_since

    with transaction(db):
        current = get(db, channel)
        if standing_since(db, "subscription", channel, reverts) is not None:
            return None
        if _settings(current) != _settings(Subscription.from_dict(expected) if expected else None):
            return None
        if target is None:
            db.execute("DELETE FROM subscriptions WHERE channel = ?", [channel])
        else:
            values = Subscription.from_dict(target).as_dict()  # re-created as it was, failure counters too
            db.execute(
                "INSERT INTO subscriptions (channel, platform, channel_id, time, timezone, days, topics, paused, "
                "created_by, created_at, failures, failing_since, last_error) VALUES (:channel, :platform, "
                ":channel_id, :time, :timezone, :days, :topics, :paused, :created_by, :since, :failures, "
                ":failing_since, :last_error) ON CONFLICT(channel) DO UPDATE SET time = excluded.time, "
                "timezone = excluded.timezone, days = excluded.days, topics = excluded.topics, "
                "paused = excluded.paused, created_by = excluded.created_by, created_at = excluded.created_at",
                values | {"topics": " ".join(values["topics"]), "paused": int(values["paused"])},
            )
        change = _audit(db, by, "revert", channel, current, get(db, channel), reverts=reverts)
    _changed()
    return change


def summary(data: dict[str, Any] | None) -> str:
    """A recorded subscription (`as_dict`) in words, for the history."""
    if data is None:
        return "none"
    sub = Subscription.from_dict(data)
    return sub.describe() + (", paused" if sub.paused else "")


def _audit(db: Database, by: Actor | None, action: str, channel: str, before: Subscription | None,
           after: Subscription | None, reverts: int | None = None) -> int | None:
    if by is None:
        return None
    from bot.corpus.loader import audit

    return audit(db, by.who, by.platform, action, "subscription", channel,
                 before.as_dict() if before else None, after.as_dict() if after else None, reverts=reverts)


def last_post(db: Database, channel: str) -> dict[str, Any] | None:
    rows = list(db.query("SELECT date, status, tip_id, error FROM posts WHERE channel = ? ORDER BY date DESC LIMIT 1",
                         [channel]))
    return rows[0] if rows else None


def status(db: Database, sub: Subscription, now: dt.datetime) -> dict[str, Any]:
    """What `/tips schedule` and `careerbot schedule list` show about one subscription; `problem` says why
    it cannot be posted on this host (then there is no next post)."""
    problem = sub.problem()
    upcoming = None if problem else sub.next_post(now)
    return {
        **sub.as_dict(),
        "next_post": None if sub.paused or upcoming is None or not posted(sub) else upcoming.strftime(STAMP),
        "next_post_local": None if upcoming is None else upcoming.astimezone(sub.zone).strftime("%a %d %b %H:%M %Z"),
        "last_post": last_post(db, sub.channel),
        "failing": sub.failures > 0,
        "posted": posted(sub),
        "problem": problem,
    }


# -- typed commands (Discord calls these with typed options; text front ends via /tips) --------
def subscribe(bot: CareerBot, actor: Actor, time: str, timezone: str, days: str | None = None,
              topics: str | list[str] | None = None, now: dt.datetime | None = None) -> Reply:
    if not bot.is_moderator(actor):
        return refused("subscribe this channel to the daily career hack")
    now = now or dt.datetime.now(UTC)
    try:
        before, sub = update(bot.db, actor.channel, time=time, timezone=timezone, days=days, topics=topics,
                             by=actor, now=now)
    except ScheduleError as exc:
        return Reply("error", "Not subscribed", f"{exc}\nNothing was saved.")
    lines = [f"This channel gets a career hack {sub.describe()}."]
    if before is not None:
        changed = changes(before, sub)
        lines.append(f"Changed: {', '.join(changed)}." if changed else "Unchanged: it was already set up like that.")
    upcoming = _next_post_line(sub, now)
    if upcoming:
        lines.append(upcoming)
    if thin := few_tips(bot.db, sub):
        lines.append(f"Note: {thin}")
    return Reply("info", "Daily career hack scheduled", "\n".join(lines),
                 data={"subscription": sub.as_dict(), "before": before.as_dict() if before else None})


def unsubscribe(bot: CareerBot, actor: Actor) -> Reply:
    if not bot.is_moderator(actor):
        return refused("unsubscribe this channel")
    if not remove(bot.db, actor.channel, actor):
        return Reply("info", "Not subscribed", "This channel has no daily career hack to stop.")
    return Reply("info", "Unsubscribed", "This channel will no longer get the daily career hack.")


def pause(bot: CareerBot, actor: Actor) -> Reply:
    return _set_paused(bot, actor, True)


def resume(bot: CareerBot, actor: Actor) -> Reply:
    return _set_paused(bot, actor, False)


def _set_paused(bot: CareerBot, actor: Actor, paused: bool) -> Reply:
    verb = "pause" if paused else "resume"
    if not bot.is_moderator(actor):
        return refused(f"{verb} the daily career hack")
    sub = set_paused(bot.db, actor.channel, paused, actor)
    if sub is None:
        return Reply("info", "Not subscribed", f"This channel has no daily career hack to {verb}. Usage: {USAGE}")
    if sub.paused == paused:
        return Reply("info", "Nothing to do", "The daily career hack is already paused here. /tips resume starts it "
                     "again." if paused else f"The daily career hack is already running here: {sub.describe()}.")
    if paused:
        return Reply("info", "Paused", "The daily career hack is paused here. /tips resume starts it again.")
    return Reply("info", "Resumed", f"The daily career hack is back on: {sub.describe()}.")


def schedule(bot: CareerBot, actor: Actor, now: dt.datetime | None = None) -> Reply:
    now = now or dt.datetime.now(UTC)
    sub = get(bot.db, actor.channel)
    if sub is None:
        return Reply("info", "No daily career hack here",
                     f"This channel isn't subscribed. A moderator can start it with {USAGE}")
    info = status(bot.db, sub, now)
    lines = [f"Schedule: {sub.describe()}."]
    if info["problem"]:
        lines.append(f"⚠ Not posted: {info['problem']}.")
    elif sub.paused:
        lines.append("Paused: no posts until a moderator runs /tips resume.")
    elif upcoming := _next_post_line(sub, now):
        lines.append(upcoming)
    last = info["last_post"]
    if last:
        lines.append(f"Last post: {last['date']} ({last['status']}).")
    if sub.failures:
        lines.append(f"⚠ Posting is failing here since {sub.failing_since} ({sub.failures} failed attempt"
                     f"{'s' if sub.failures != 1 else ''}): {sub.last_error}. Check that the bot is still in "
                     "this channel and that the channel is not archived.")
    return Reply("info", "Daily career hack", "\n".join(lines), data={"subscription": info})


def _local(instant: dt.datetime | None, sub: Subscription) -> str:
    if instant is None:
        return "never"
    local = instant.astimezone(sub.zone)
    return f"{local:%A} {local.day} {local:%B}, {local:%H:%M} {sub.timezone}"


# -- text commands ----------------------------------------------------------------------------
@subcommand("subscribe", "subscribe 09:00 Europe/Berlin [weekdays|mon,wed,fri] [topics…]",
            "Post a daily career hack in this channel.", moderator=True)
def subscribe_command(bot: CareerBot, actor: Actor, text: str) -> Reply:
    try:
        options = parse_subscribe_text(bot.db, text)
    except ScheduleError as exc:
        return Reply("error", "Not subscribed", f"{exc}\nNothing was saved.")
    return subscribe(bot, actor, **options)


@subcommand("unsubscribe", "unsubscribe", "Stop the daily career hack in this channel.", moderator=True)
def unsubscribe_command(bot: CareerBot, actor: Actor, text: str) -> Reply:
    return unsubscribe(bot, actor)


@subcommand("pause", "pause", "Pause the daily career hack in this channel.", moderator=True)
def pause_command(bot: CareerBot, actor: Actor, text: str) -> Reply:
    return pause(bot, actor)


@subcommand("resume", "resume", "Resume the daily career hack in this channel.", moderator=True)
def resume_command(bot: CareerBot, actor: Actor, text: str) -> Reply:
    return resume(bot, actor)


@subcommand("schedule", "schedule", "Show this channel's daily career hack settings and next post.")
def schedule_command(bot: CareerBot, actor: Actor, text: str) -> Reply:
    return schedule(bot, actor)

