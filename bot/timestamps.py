"""Podcast timestamps: `m:ss` / `h:mm:ss` <-> seconds (kept free of heavy imports)."""

from __future__ import annotations

import re

STAMP = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{2})(?:[.,](\d{1,3}))?$")


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
