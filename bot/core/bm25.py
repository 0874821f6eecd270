"""FTS5's bm25() of a whole query, asked for every question: nothing kept and nothing else imported.

The right ranking for a process that answers one question and exits (`careerbot ask`). A serving
process answers many, and ranks from kept per-phrase scores instead (bot/core/ranking.py); both
give bm25()'s own scores and order (tests/test_ranking.py compares them with FTS5's `ORDER BY rank`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.store import SQL


def bm25(table: str, weights: Sequence[float] = ()) -> str:
    """The SQL for bm25() over `table`'s FTS5 index, with per-column weights."""
    return f"bm25({table}_fts{''.join(f', {w}' for w in weights)})"


class QueryScores:
    """Ranks each question with one FTS5 query per table."""

    def __init__(self, db: SQL, table: str, weights: Sequence[float] = ()) -> None:
        self.db, self.table = db, table
        self._bm25 = bm25(table, weights)

    def clear(self) -> None:
        """Nothing is kept, so a content change needs nothing done."""

    def warm(self, pins: Iterable[str] = ()) -> None:
        """Nothing is kept, so there is nothing to read ahead."""

    def stop(self) -> None:
        """Nothing is read in the background."""

    def nbytes(self) -> int:
        return 0

    def count(self, phrases: Sequence[str], cap: int) -> int:
        """How many rows `" OR ".join(phrases)` matches, counted up to `cap`."""
        return self.db.execute(
            f"SELECT count(*) FROM (SELECT 1 FROM {self.table}_fts WHERE {self.table}_fts MATCH ? LIMIT ?)",
            [" OR ".join(phrases), cap]).fetchone()[0]

    def top(self, phrases: Iterable[str], limit: int) -> list[tuple[int, float]]:
        """The `limit` best (rowid, score) for the query `" OR ".join(phrases)`: bm25()'s scores, negated.

        Best first; equal scores by rowid.
        """
        query = " OR ".join(phrases)
        if not query or limit < 1:
            return []
        return self.db.execute(
            f"SELECT rowid, -{self._bm25} AS score FROM {self.table}_fts WHERE {self.table}_fts MATCH ? "
            "ORDER BY score DESC, rowid LIMIT ?", [query, limit]).fetchall()
