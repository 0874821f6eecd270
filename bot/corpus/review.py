"""Candidate tips from a new transcript: advice-like passages queued for a moderator's review.

A passage scores by the advice cues it contains ("you should", "my advice", …). The best
non-overlapping passages go into `review_queue`; a moderator accepts one (turning it into a
tip), rejects it, or skips it for later. Functions here only touch the table; the caller
holds the transaction and writes the audit row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from bot.corpus.corrections import normalise

# Phrases that mark a speaker giving advice, with how strongly they do (normalised text: no apostrophes).
ADVICE_CUES: dict[str, float] = {
    "you should": 2, "my advice": 3, "i recommend": 3, "i would recommend": 3, "id recommend": 3,
    "i suggest": 3, "i would suggest": 3, "the key is": 3, "the trick is": 3, "try to": 2, "make sure": 2,
    "what helped me": 2, "the best way": 2, "you need to": 1, "you have to": 1, "dont": 1, "do not": 1,
    "important": 1, "focus on": 1, "never": 1, "always": 1,
}
_CUE_PATTERN = re.compile(r"\b(" + "|".join(re.escape(c) for c in sorted(ADVICE_CUES, key=len, reverse=True)) + r")\b")
MIN_SCORE = 4.0  # below this a passage is chat, not advice
MAX_CANDIDATES = 15  # per transcript: enough to review in one sitting

OPEN = ("pending", "skipped")


@dataclass
class Candidate:
    id: int
    source: str
    start: float
    end: float
    text: str
    score: float
    status: str
    tip_id: str | None = None
    decided_by: str | None = None
    decided_at: str | None = None


def advice_score(text: str) -> float:
    """How much a passage sounds like advice: the summed weight of the cues it contains."""
    return sum(ADVICE_CUES[m] for m in _CUE_PATTERN.findall(normalise(text)))


def propose(db: Database, source: str, limit: int = MAX_CANDIDATES) -> int:
    """Queue the most advice-like, non-overlapping passages of `source`; return how many."""
    scored = [
        (advice_score(text), start, end, text)
        for start, end, text in db.execute('SELECT start, "end", text FROM passages WHERE source = ?', [source])
    ]
    chosen: list[tuple[float, float, float, str]] = []
    for score, start, end, text in sorted(scored, key=lambda s: (-s[0], s[1])):
        if len(chosen) >= limit or score < MIN_SCORE:
            break
        if any(start < c_end and c_start < end for _, c_start, c_end, _ in chosen):
            continue
        chosen.append((score, start, end, text))
    for score, start, end, text in sorted(chosen, key=lambda c: c[1]):
        db.execute('INSERT INTO review_queue (source, start, "end", text, score) VALUES (?, ?, ?, ?, ?)',
                   [source, start, end, text, score])
    return len(chosen)


def _candidates(db: Database, where: str, params: list) -> list[Candidate]:
    rows = db.execute(
        f'SELECT id, source, start, "end", text, score, status, tip_id, decided_by, decided_at FROM review_queue '
        f"{where}", params
    ).fetchall()
    return [Candidate(*row) for row in rows]


def get(db: Database, item_id: int) -> Candidate | None:
    found = _candidates(db, "WHERE id = ?", [item_id])
    return found[0] if found else None


def open_items(db: Database, limit: int = 20) -> list[Candidate]:
    """Pending candidates first (best first), then the skipped ones, oldest skip first."""
    return _candidates(
        db, "WHERE status IN ('pending', 'skipped') "
            "ORDER BY status = 'skipped', CASE WHEN status = 'skipped' THEN decided_at END, score DESC, id LIMIT ?",
        [limit],
    )


def count_open(db: Database) -> int:
    return db.execute("SELECT count(*) FROM review_queue WHERE status IN ('pending', 'skipped')").fetchone()[0]


def decide(db: Database, item_id: int, status: str, who: str, tip_id: str | None = None) -> Candidate:
    """Record a decision on an existing candidate: accepted (with the tip made from it), rejected or skipped."""
    db.execute(
        "UPDATE review_queue SET status = ?, decided_by = ?, decided_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), "
        "tip_id = ? WHERE id = ?",
        [status, who, tip_id, item_id],
    )
    return _candidates(db, "WHERE id = ?", [item_id])[0]  # the caller found it, in this transaction


STATE = ("status", "tip_id", "decided_by", "decided_at")  # what a decision changes on a candidate


def state(item: Candidate) -> dict[str, Any]:
    """A candidate's `STATE`: the audit row's before and after of a decision."""
    return {key: getattr(item, key) for key in STATE}


def reads_as(item: Candidate, recorded: dict[str, Any]) -> bool:
    """Does the candidate still read as an audit row recorded it? (Older rows hold only the status and tip.)"""
    current = state(item)
    return all(current[key] == value for key, value in recorded.items() if key in current)


def put_back(db: Database, item_id: int, recorded: dict[str, Any]) -> dict[str, Any]:
    """Set a candidate's decision back to a recorded `state` (a revert) and return the state now.

    What an older record lacks (who decided, when) was not recorded, and is left empty.
    """
    now = {key: recorded.get(key) for key in STATE}
    db.execute("UPDATE review_queue SET status = :status, tip_id = :tip_id, decided_by = :decided_by, "
               "decided_at = :decided_at WHERE id = :id", now | {"id": item_id})
    return now


def discard(db: Database, source: str) -> int:
    """Drop a removed transcript's candidates; returns how many."""
    return db.execute("DELETE FROM review_queue WHERE source = ?", [source]).rowcount
