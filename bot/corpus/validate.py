"""One set of rules for a tip's cross-checks, used by `content check`, loading and moderators' edits."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from rapidfuzz import fuzz

from bot.corpus.corrections import Corrections, normalise
from bot.corpus.files import Content, Problem
from bot.corpus.transcripts import Cue, format_stamp
from bot.models import Tip

QUOTE_MATCH = 90  # rapidfuzz partial_ratio each quote piece must reach inside its span
PIECES = re.compile(r"\s*(?:…|\.\.\.)\s*")


def span_text(cues: Iterable[Cue], start: float, end: float, corrections: Corrections | None = None) -> str:
    """The captions overlapping [start, end], corrected, as one string."""
    text = " ".join(c.text for c in cues if c.end > start and c.start <= end)
    return corrections.apply(text) if corrections else text


def quote_problem(quote: str, span: str) -> str | None:
    """Why the quote is not the speaker's words from the span, or None when it is."""
    haystack = normalise(span)
    for piece in PIECES.split(quote):
        needle = normalise(piece)
        if not needle:
            continue
        if not haystack:
            return "the cited span has no captions"
        score = fuzz.partial_ratio(needle, haystack)
        if score < QUOTE_MATCH:
            return f"quote not found in the cited span (best match {score:.0f}%): {piece[:60]!r}"
    return None


def tip_problems(
    tip: Tip,
    *,
    topics: Iterable[str],
    cues: list[Cue] | None,
    corrections: Corrections | None,
) -> list[str]:
    """Everything wrong with a tip against the vocabulary and its transcript."""
    problems = []
    unknown = [t for t in tip.topics if t not in set(topics)]
    if unknown:
        problems.append(f"unknown topic(s) {', '.join(unknown)}: add them to content/topics.yaml or pick another")
    if cues is None:
        problems.append(f"source {tip.source!r}: no such transcript")
        return problems
    first, last = cues[0].start, cues[-1].end
    if tip.start < first - 1 or tip.end > last + 1:
        problems.append(
            f"span {format_stamp(tip.start)}-{format_stamp(tip.end)} is outside the transcript "
            f"({format_stamp(first)}-{format_stamp(last)})"
        )
        return problems
    reason = quote_problem(tip.quote, span_text(cues, tip.start, tip.end, corrections))
    if reason:
        problems.append(reason)
    return problems


def duplicate_of(tip: Tip, others: Iterable[Tip]) -> str | None:
    """Why `tip` repeats one of `others` (the active tips), or None: the same episode and span, and the
    same quote or title (compared word by word, ignoring case and punctuation)."""
    for other in others:
        if other.id == tip.id or other.source != tip.source:
            continue
        if (round(other.start, 1), round(other.end, 1)) != (round(tip.start, 1), round(tip.end, 1)):
            continue
        same = [name for name in ("quote", "title") if normalise(getattr(other, name)) == normalise(getattr(tip, name))]
        if same:
            *first, last = ["episode", "span", *same]
            return (f"the same tip as {other.id} (same {', '.join(first)} and {last}): edit {other.id} instead, "
                    "or cite another span")
    return None


def check_content(content: Content) -> list[Problem]:
    """Validate the whole content directory: what `careerbot content check` prints."""
    problems = list(content.problems)
    for tip_id, count in Counter(t.id for t in content.tips).items():
        if count > 1:
            problems.append(Problem(content.tip_files[tip_id], f"duplicate tip id {tip_id!r} ({count} times)"))
    for stem in content.transcripts:
        if stem not in content.episodes:
            problems.append(Problem(f"episodes/{stem}.yaml", "missing: every transcript needs episode metadata"))
    for stem in content.episodes:
        if stem not in content.transcripts:
            problems.append(Problem(f"episodes/{stem}.yaml", "no transcript with this stem"))
    for stem in content.corrections:
        if stem not in content.transcripts:
            problems.append(Problem(f"corrections/{stem}.yaml", "no transcript with this stem"))
    seen: set[str] = set()
    for tip in content.tips:
        where = content.tip_files[tip.id] if tip.id not in seen else f"{content.tip_files[tip.id]} (again)"
        seen.add(tip.id)
        transcript = content.transcripts.get(tip.source)
        for message in tip_problems(
            tip,
            topics=content.topics,
            cues=transcript.cues if transcript else None,
            corrections=content.corrections.get(tip.source),
        ):
            problems.append(Problem(where, message))
    return problems
