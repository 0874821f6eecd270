"""Transcript parsing: the seeds' `m:ss text` captions, SRT and WebVTT.

Every format becomes a list of `Cue`s. A malformed file raises `TranscriptError`
naming the file, the line and the reason; callers load nothing from it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import srt
import webvtt
import webvtt.errors

from bot.timestamps import format_stamp, parse_stamp

__all__ = ["Cue", "TranscriptError", "format_stamp", "parse_stamp", "parse_transcript", "read_transcript"]

SEED_LINE = re.compile(r"^(\d+(?::\d{2}){1,2})(?:\s+(.*))?$")
CUE_TIMING = re.compile(r"^\s*\S+\s+-->\s+\S+")  # an SRT or WebVTT cue's `start --> end` line
# Inside an SRT cue's text: a blank line, then a line with only a number (the next cue's), then what follows.
SRT_ORPHAN = re.compile(r"\n[ \t]*\n[ \t]*(\d+)[ \t]*(?:\n([^\n]*))?")
# SRT styling (as WebVTT's is stripped by webvtt-py): <i>, <b>, <u>, <font …> and their ends; {\an8}-style tags.
SRT_TAGS = re.compile(r"</?(?:i|b|u|font)(?:\s[^<>]*)?>|\{\\[^{}]*\}", re.IGNORECASE)
MAX_TRANSCRIPT_BYTES = 5_000_000
BOM = "\ufeff"  # editors on Windows start UTF-8 files with it; it is not part of the captions


class TranscriptError(ValueError):
    """A transcript that cannot be loaded; the message names file, line and reason."""

    def __init__(self, name: str, line: int | None, reason: str) -> None:
        self.name, self.line, self.reason = name, line, reason
        where = f"{name}:{line}" if line else name
        super().__init__(f"{where}: {reason}")


@dataclass(frozen=True)
class Cue:
    start: float
    end: float
    text: str


def detect_format(text: str, name: str = "") -> str:
    lowered = name.lower()
    if lowered.endswith(".vtt") or text.startswith("WEBVTT"):
        return "vtt"
    if lowered.endswith(".srt") or re.match(r"\s*\d+\s*\r?\n\s*\d\d:\d\d:\d\d[,.]\d+\s+-->", text):
        return "srt"
    return "seed"


def parse_seed(text: str, name: str) -> list[Cue]:
    """The seeds' caption format: one `m:ss text` or `h:mm:ss text` per line."""
    starts: list[tuple[float, str]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        match = SEED_LINE.match(line)
        if not match:
            raise TranscriptError(name, number, f"expected 'm:ss text', got {line[:60]!r}")
        try:
            start = parse_stamp(match.group(1))
        except ValueError as exc:
            raise TranscriptError(name, number, str(exc)) from None
        if starts and start < starts[-1][0]:
            raise TranscriptError(name, number, f"timestamp {match.group(1)} goes backwards")
        starts.append((start, (match.group(2) or "").strip()))
    cues = []
    for i, (start, words) in enumerate(starts):
        end = starts[i + 1][0] if i + 1 < len(starts) else start + 3.0
        cues.append(Cue(start, max(end, start), words))
    return cues


def parse_srt(text: str, name: str) -> list[Cue]:
    text = text.replace("\r\n", "\n")
    try:
        subtitles = list(srt.parse(text, ignore_errors=False))
    except srt.SRTParseError as exc:
        start = getattr(exc, "expected_start", 0) or 0
        line = text.count("\n", 0, start) + 1
        snippet = text[start:].split("\n", 1)[0][:60]
        raise TranscriptError(name, line, f"malformed SRT: cannot parse {snippet!r}") from None
    at = 0
    for n, s in enumerate(subtitles):
        at = text.find(s.content, at)  # a cue's text is in the file as it is (after its timing line)
        orphan = SRT_ORPHAN.search(s.content)
        if orphan:  # the srt package reads on through blank lines, so the next cue's text joined this one's
            line = text.count("\n", 0, at + orphan.start(1)) + 2  # the line after the cue's number
            got = (orphan.group(2) or "").strip()
            raise TranscriptError(name, line, f"cue {orphan.group(1)} has no 'start --> end' timing line"
                                              + (f" (got {got[:60]!r})" if got else ""))
        at += len(s.content)
        if s.end < s.start:
            _backwards(text, name, n, s.index, srt.timedelta_to_srt_timestamp(s.start),
                       srt.timedelta_to_srt_timestamp(s.end), len(subtitles))
    return [
        Cue(s.start.total_seconds(), s.end.total_seconds(), " ".join(SRT_TAGS.sub("", s.content).split()))
        for s in sorted(subtitles, key=lambda s: s.start)
    ]


def parse_vtt(text: str, name: str) -> list[Cue]:
    try:
        captions = list(webvtt.from_string(text))
    except webvtt.errors.MalformedFileError as exc:
        raise TranscriptError(name, None, f"malformed WebVTT: {exc}") from None
    cues = []
    for n, caption in enumerate(captions):
        try:
            start, end = parse_stamp(caption.start), parse_stamp(caption.end)
        except ValueError as exc:
            raise TranscriptError(name, getattr(caption, "line", None), str(exc)) from None
        if end < start:
            _backwards(text, name, n, n + 1, caption.start, caption.end, len(captions))
        cues.append(Cue(start, end, " ".join(caption.text.split())))
    return sorted(cues, key=lambda c: c.start)


def _backwards(text: str, name: str, position: int, number: int, start: str, end: str, count: int) -> None:
    """Refuse a cue (the `position`th in the file, numbered `number` there) that ends before it starts.

    Nothing sensible can be made of it (a swapped pair? a typo in one stamp?): the moderator fixes
    the file. The line is its timing line, when the file's timing lines and cues line up one to one.
    """
    timings = [i for i, line in enumerate(text.split("\n"), start=1) if CUE_TIMING.match(line)]
    line = timings[position] if len(timings) == count else None
    raise TranscriptError(name, line, f"cue {number} ends ({end}) before it starts ({start})")


def parse_transcript(text: str, name: str, fmt: str | None = None) -> list[Cue]:
    """Parse any supported format; raise TranscriptError for anything unusable."""
    text = text.removeprefix(BOM)
    if "\x00" in text:
        raise TranscriptError(name, None, "binary data, not a text transcript")
    if len(text.encode("utf-8", "replace")) > MAX_TRANSCRIPT_BYTES:
        raise TranscriptError(name, None, f"larger than {MAX_TRANSCRIPT_BYTES // 1_000_000} MB")
    fmt = fmt or detect_format(text, name)
    parser = {"seed": parse_seed, "srt": parse_srt, "vtt": parse_vtt}.get(fmt)
    if parser is None:
        raise TranscriptError(name, None, f"unknown format {fmt!r} (seed, srt or vtt)")
    cues = parser(text, name)
    cues = [c for c in cues if c.text]
    if not cues:
        raise TranscriptError(name, None, "no captions found")
    return cues


def read_transcript(path: Path, fmt: str | None = None) -> list[Cue]:
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise TranscriptError(path.name, None, f"not UTF-8 text ({exc.reason})") from None
    return parse_transcript(text, path.name, fmt)
