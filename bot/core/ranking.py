"""BM25 ranking that adds up cached per-phrase scores instead of asking FTS5 for every question.

FTS5's bm25() of a query `p1 OR p2 OR …` is, in each row, the sum over the query's phrases of that
phrase's own score there (its idf, its field-weighted frequency in the row, the row's length).
None of that depends on the rest of the query. So each phrase's scores are asked of FTS5 once, in
one query over every row the phrase matches, and kept as arrays until the content changes; a
question is ranked by adding up its phrases' arrays. That gives bm25()'s own scores and order
(tests compare them) without its cost: bm25() spends 1.5–6 µs on every matched row of every
question, and at 1,000 episodes one question matches most of the 33,500 tips.

A common word's scores are not asked of FTS5 at all: they come from the table's postings
(bot/core/postings.py), read once per content generation, so a question's first ask is cheap too.

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
from bot.core.postings import Postings, Stopped, table_tokenizer, tokenize_words

if TYPE_CHECKING:
    from bot.store import SQL

BUDGET = 4_000_000  # (row, score) pairs kept, 16 bytes each (64 MB); the least recently used phrases go first


class PhraseScores:
    """Each phrase's bm25() scores in one FTS5 table, kept until `clear` (a content change).

    Safe to share between the event loop and a worker thread (serve runs Slack and Discord at once).
    Postings are read on first need, in the asking thread; after `warm` (a serving process) they are
    read again in a background thread after each content change, and questions asked meanwhile go
    to FTS5, as they would without postings.
    """

    def __init__(self, db: SQL, table: str, weights: Sequence[float] = (), budget: int = BUDGET,
                 min_rows: int | None = None) -> None:
        self.db, self.table, self.budget, self.min_rows = db, table, budget, min_rows
        self.weights = tuple(weights)
        self._bm25 = bm25(table, weights)
        self._kept: OrderedDict[str, tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self._held = 0
        self._lock = threading.Lock()
        self._epoch = 0  # bumped by clear: scores read before a clear are not kept after it
        self._postings: Postings | None = None
        self._reading = threading.Lock()  # one reading of the postings at a time
        self._pins: list[str] = []  # phrases `warm` asks FTS5 for whenever the postings are read
        self._background = False
        self._stop = threading.Event()

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()
            self._held = 0
            self._epoch += 1
            self._postings = None
        if self._background:  # readings queue on a lock; one that finds the postings read returns at once
            threading.Thread(target=self._read, name=f"postings-{self.table}", daemon=True).start()

    def warm(self, pins: Iterable[str] = (), words: Iterable[str] = ()) -> None:
        """Read the postings now, ask FTS5 for `pins` (phrases they cannot score), tokenize `words` (those
        members are likely to type), and from now on read the postings again in the background after
        each content change."""
        tokenize_words(list(words), table_tokenizer(self.db, self.table))
        self._pins = list(dict.fromkeys(pins))
        with self._lock:
            self._postings = None  # read again, the pins included
        self._read()
        self._background = not self._stop.is_set()

    def stop(self) -> None:
        """Stop reading, and return once no reading runs: the database may be closed after this."""
        self._stop.set()
        self._background = False
        with self._reading:
            pass

    def nbytes(self) -> int:
        """Memory held by the postings (the kept phrases are bounded by the budget)."""
        postings = self._postings
        return postings.nbytes() if postings is not None else 0

    def postings(self) -> Postings | None:
        """This content's postings; None while a background reading is under way (see the class)."""
        found = self._postings
        if found is None and not self._background:
            self._read()
            found = self._postings
        return found

    def _read(self) -> None:
        """Read the postings (and the pins) until a reading outlives no content change."""
        with self._reading:
            while not self._stop.is_set():
                with self._lock:
                    if self._postings is not None:
                        return
                    epoch = self._epoch
                try:
                    postings = self._pin(Postings(self.db, self.table, self.weights, self.min_rows, self._stop))
                except Stopped:
                    return
                with self._lock:
                    if epoch == self._epoch:  # else the content changed while reading: read again
                        self._postings = postings
                        return

    def _pin(self, postings: Postings) -> Postings:
        for phrase in self._pins:
            if self._stop.is_set():
                raise Stopped
            if postings.scores(phrase) is None:
                postings.pin(phrase, self._asked(phrase))
        return postings

    def scores(self, phrase: str) -> tuple[np.ndarray, np.ndarray]:
        """The rows that `phrase` (one FTS5 phrase, optionally with a column filter) matches, and its score in each."""
        found = self._known(phrase)
        if found is not None:
            return found
        with self._lock:
            epoch = self._epoch
        found = self._asked(phrase)
        self._keep(phrase, found, epoch)
        return found

    def _known(self, phrase: str) -> tuple[np.ndarray, np.ndarray] | None:
        """The phrase's scores if kept, or if the postings have them (then kept: a question asks for the
        same phrase several times, and its scores cost a tokenizing and an array's arithmetic); None if
        only FTS5 has them."""
        with self._lock:
            found = self._kept.get(phrase)
            if found is not None:
                self._kept.move_to_end(phrase)
                return found
            epoch = self._epoch
        postings = self.postings()
        found = postings.scores(phrase) if postings is not None else None
        if found is not None:
            self._keep(phrase, found, epoch)
        return found

    def _keep(self, phrase: str, found: tuple[np.ndarray, np.ndarray], epoch: int) -> None:
        """Keep a phrase's scores, unless the content changed since they were read (a new `epoch`)."""
        with self._lock:
            if epoch == self._epoch and len(found[0]) <= self.budget and phrase not in self._kept:
                self._kept[phrase] = found
                self._held += len(found[0])
                while self._held > self.budget:
                    self._held -= len(self._kept.popitem(last=False)[1][0])

    def _asked(self, phrase: str) -> tuple[np.ndarray, np.ndarray]:
        """The phrase's rows and scores from FTS5 itself."""
        cursor = self.db.execute(
            f"SELECT rowid, -{self._bm25} FROM {self.table}_fts WHERE {self.table}_fts MATCH ?", [phrase])
        pairs = np.array(cursor.fetchall(), dtype=np.float64).reshape(-1, 2)
        return pairs[:, 0].astype(np.int64), np.ascontiguousarray(pairs[:, 1])

    def count(self, phrases: Sequence[str], cap: int) -> int:
        """How many rows `" OR ".join(phrases)` matches, up to `cap`: the phrases' rows, united.

        The rows of phrases not known yet are asked of FTS5 without scores (a fraction of the cost):
        a question counts its phrases in both tables but often ranks only the tips.
        """
        known = [self._known(phrase) for phrase in phrases]
        found = [pair[0] for pair in known if pair is not None and len(pair[0])]
        unknown = [phrase for phrase, pair in zip(phrases, known, strict=True) if pair is None]
        if unknown:
            cursor = self.db.execute(f"SELECT rowid FROM {self.table}_fts WHERE {self.table}_fts MATCH ?",
                                     [" OR ".join(unknown)])
            found.append(np.array([row for (row,) in cursor], dtype=np.int64))
        found = [rows for rows in found if len(rows)]
        if len(found) < 2:
            return min(len(found[0]) if found else 0, cap)  # one phrase's (or one OR query's) rows are distinct
        seen = np.zeros(max(int(rows.max()) for rows in found) + 1, dtype=bool)
        for rows in found:
            seen[rows] = True
        return min(int(np.count_nonzero(seen)), cap)

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
