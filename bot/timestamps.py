"""Podcast timestamps (`m:ss` / `h:mm:ss` <-> seconds) and calendar days (YYYY-MM-DD), kept free of heavy
imports: the CLI reads `--date` with `parse_day` without loading the models."""

from __future__ import annotations

import calendar
import datetime as dt
import re

STAMP = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{2})(?:[.,](\d{1,3}))?$")
DAY = re.compile(r"(\d{4})-(\d{2})-(\d{2})", re.ASCII)


def parse_day(value: str) -> dt.date:
    """YYYY-MM-DD of a day that exists: the one rule for the CLI's `--date` and an episode's date. A day
    that does not exist is named as such (`'2026-02-30' is not a real date: February 2026 has 28 days`),
    not as a wrong format (ValueError)."""
    text = value.strip()
    found = DAY.fullmatch(text)
    if found is None:
        raise ValueError(f"{text[:40]!r} is not a date: write YYYY-MM-DD, such as 2026-03-07")
    year, month, day = (int(part) for part in found.groups())
    if year == 0 or not 1 <= month <= 12:
        raise ValueError(f"{text!r} is not a real date: there is no {'year 0' if year == 0 else f'month {month}'}")
    days = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days:
        raise ValueError(f"{text!r} is not a real date: {calendar.month_name[month]} {year} has {days} days")
    return dt.date(year, month, day)


def parse_stamp(value: str | int | float) -> float:
    """`"1:02:03"`, `"2:03"`, `"2:03.5"` or a number of seconds -> seconds."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    match = STAMP.match(str(value).strip())
    if not match:
        raise ValueError(f"not a timestamp: {value!r} (expected m:ss or h:mm:ss)")
    hours, minutes, seconds, frac = match.groups()
    if int(seconds) >= 60 or (hours is not None and int(minutes) >= 60):
        raise ValueError(f"not a timestamp: {value!r}")
    total = int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds)
    return total + (int(frac) / 10 ** len(frac) if frac else 0.0)


def format_stamp(seconds: float) -> str:
    """Seconds -> `m:ss` or `h:mm:ss`, as people read podcast times."""
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
