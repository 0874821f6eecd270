"""BM25 ranking that adds up cached per-phrase scores instead of asking FTS5 for every question.

FTS5's bm25() of a query `p1 OR p2 OR …` is, in each row, the sum over the query's phrases of that
phrase's own score there (its idf, its field-weighted frequency in the row, the row's length).
None of that depends on the rest of the query. So each phrase's scores are asked of FTS5 once, in
one query over every row the phrase matches, and kept as arrays until the content changes; a
question is ranked by adding up its phrases' arrays. That gives bm25()'s own scores and order
(tests compare them) without its cost: bm25() spends 1.5–6 µs on every matched row of every
question, and at 1,000 episodes one question matches most of the 33,500 tips.

This is for a process that answers many questions (serve, the console, `ask --batch`): a one-off
`careerbot ask` ranks with one bm25() query instead (bot/core/bm25.py) and never imports numpy.
"""

from __future__ import annotations

import threading
from collections import Counter, OrderedDict
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from bot.core.bm25 import bm25

if TYPE_CHECKING:
    from bot.store import SQL

BUDGET = 4_000_000  # (row, score) pairs kept, 16 bytes each (64 MB); the least recently used phrases go first


class PhraseScores:
    """Each phrase's bm25() scores in one FTS5 table, kept until `clear` (a content change).

    Safe to share between the event loop and a worker thread (serve runs Slack and Discord at once).
    """

    def __init__(self, db: SQL, table: str, weights: Sequence[float] = (), budget: int = BUDGET) -> None:
        self.db, self.table, self.budget = db, table, budget
        self._bm25 = bm25(table, weights)
        self._kept: OrderedDict[str, tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self._held = 0
        self._lock = threading.Lock()
        self._epoch = 0  # bumped by clear: scores read before a clear are not kept after it

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()
            self._held = 0
            self._epoch += 1

    def scores(self, phrase: str) -> tuple[np.ndarray, np.ndarray]:
        """The rows that `phrase` (one FTS5 phrase, optionally with a column filter) matches, and its score in each."""
        with self._lock:
            found = self._kept.get(phrase)
            if found is not None:
                self._kept.move_to_end(phrase)
                return found
            epoch = self._epoch
        cursor = self.db.execute(
            f"SELECT rowid, -{self._bm25} FROM {self.table}_fts WHERE {self.table}_fts MATCH ?", [phrase])
        pairs = np.array(cursor.fetchall(), dtype=np.float64).reshape(-1, 2)
        found = (pairs[:, 0].astype(np.int64), np.ascontiguousarray(pairs[:, 1]))
        with self._lock:
            if epoch == self._epoch and len(pairs) <= self.budget and phrase not in self._kept:
                self._kept[phrase] = found
                self._held += len(pairs)
                while self._held > self.budget:
                    self._held -= len(self._kept.popitem(last=False)[1][0])
        return found

    def top(self, phrases: Iterable[str], limit: int) -> list[tuple[int, float]]:
        """The `limit` best (rowid, score) for the query `" OR ".join(phrases)`: bm25()'s scores, negated.

        Best first; equal scores by rowid, as FTS5's `ORDER BY rank` returns them.
        """
        parts = [(self.scores(phrase), times) for phrase, times in Counter(phrases).items()]
        parts = [((rows, values), times) for (rows, values), times in parts if len(rows)]
        if not parts or limit < 1:
            return []
        rows = np.concatenate([rows for (rows, _), _ in parts])
        values = np.concatenate([values * times for (_, values), times in parts])
        total = np.bincount(rows, weights=values)
        matched = np.flatnonzero(total)
        if len(matched) > limit:  # keep those at least as good as the limit-th, ties included
            cut = -np.partition(-total[matched], limit - 1)[limit - 1]
            matched = matched[total[matched] >= cut]
        order = np.lexsort((matched, -total[matched]))[:limit]
        return [(int(matched[i]), float(total[matched[i]])) for i in order]
