"""Every common word's rows in one FTS5 index, read once, so that a question's first ask is cheap too.

FTS5's bm25() costs 1.5–6 µs on each row a phrase matches: at 1,000 episodes a common word
("time", "learn") matches 50,000 passages, and a question's first ask spent 50–180 ms on each
such word. This module reads, once per content generation, which rows each word found in at
least `min_rows` of them occurs in, with its field-weighted frequency there (from FTS5's own
fts5vocab table, one `group_concat` per word, so without a Python object per row), and the
length of every row (from the index's %_docsize table); a small table (the bundled content)
has every word read, in one query, so its first asks go to FTS5 only for phrases. A word's
bm25() scores are then a few array operations on FTS5's own formula (sqlite/ext/fts5/fts5_aux.c), which tests compare with
FTS5. Rarer words are cheap for FTS5 itself. Phrases of several words and column filters
(`topics : "…"`) need positions, so they are asked of FTS5 once and pinned (`pin`).
"""

from __future__ import annotations

import functools
import math
import re
import sqlite3
import threading
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from bot.store import SQL

MIN_ROWS = 256  # a word in fewer rows costs FTS5 at most ~1 ms; indexing it would not pay
SMALL_TABLE = 5_000  # rows; reading every word of such a table takes tens of ms (bundled: 3,300 words, 40 ms)
KEPT_TOKENS = 100_000  # words whose tokens are kept (about 20 MB), the corpus' own read ahead by `tokenize_words`
WORDWISE = {"porter", "unicode61"}  # tokenizers that split at every space: a phrase's tokens are its words' tokens
K1, B = 1.2, 0.75  # bm25()'s constants in fts5_aux.c
PHRASE = re.compile(r'^(?:(\w+) : )?"((?:[^"]|"")*)"$')  # as search.fts_phrase writes it, maybe column-filtered

Key = tuple[str | None, tuple[str, ...]]  # (column filter, FTS5 tokens)


class Stopped(Exception):
    """A reading was stopped (the process is shutting down and will close the database)."""


class Postings:
    """One FTS5 table's common words (rows, field-weighted frequency) and its row lengths."""

    def __init__(self, db: SQL, table: str, weights: tuple[float, ...] = (), min_rows: int | None = None,
                 stop: threading.Event | None = None) -> None:
        """`min_rows`: read the words in at least that many rows; by default every word of a small
        table (up to SMALL_TABLE rows), else those in MIN_ROWS rows or more."""
        self.tokenize = table_tokenizer(db, table)
        self._lengths, self.row_count = _row_lengths(db, table)
        self.avgdl = float(self._lengths.sum()) / max(self.row_count, 1)
        if min_rows is None:
            min_rows = 1 if self.row_count <= SMALL_TABLE else MIN_ROWS
        self._words = _common_words(db, table, weights, min_rows, stop or threading.Event())
        self._pinned: dict[Key, tuple[np.ndarray, np.ndarray]] = {}  # filled while reading, before sharing

    def key(self, phrase: str) -> Key | None:
        """The phrase as FTS5 reads it: its column filter and tokens (None if it is not one quoted phrase)."""
        found = PHRASE.match(phrase)
        if found is None:
            return None
        return found.group(1), fts5_tokens(found.group(2).replace('""', '"'), self.tokenize)

    def scores(self, phrase: str) -> tuple[np.ndarray, np.ndarray] | None:
        """The rows the phrase matches and its bm25() score in each (negated), or None if not known here."""
        key = self.key(phrase)
        if key is None:
            return None
        column, tokens = key
        if column is None and len(tokens) == 1 and tokens[0] in self._words:
            rows, freq = self._words[tokens[0]]
            return rows, self._bm25(rows, freq)
        return self._pinned.get(key)

    def pin(self, phrase: str, found: tuple[np.ndarray, np.ndarray]) -> None:
        """Keep a phrase's scores (asked of FTS5) for as long as this content lasts.

        Only while the postings are being read: once shared between threads they are not changed.
        """
        key = self.key(phrase)
        if key is not None:
            self._pinned[key] = found

    def words(self) -> int:
        return len(self._words)

    def nbytes(self) -> int:
        """Memory held by the arrays (row lengths, common words, pinned phrases)."""
        arrays = [a for pair in [*self._words.values(), *self._pinned.values()] for a in pair]
        return self._lengths.nbytes + sum(a.nbytes for a in arrays)

    def _bm25(self, rows: np.ndarray, freq: np.ndarray) -> np.ndarray:
        """fts5_aux.c's per-phrase score, in its order of operations (so the same doubles come out)."""
        idf = math.log((self.row_count - len(rows) + 0.5) / (len(rows) + 0.5))
        if idf <= 0.0:
            idf = 1e-6
        f = freq.astype(np.float64)
        return idf * ((f * (K1 + 1.0)) / (f + K1 * (1 - B + B * self._lengths[rows] / self.avgdl)))


def _row_lengths(db: SQL, table: str) -> tuple[np.ndarray, int]:
    """Every row's length in tokens (all columns), by rowid, from FTS5's %_docsize (a varint per column)."""
    ids: list[int] = []
    blobs: list[bytes] = []
    for rowid, size in db.execute(f"SELECT id, sz FROM {table}_fts_docsize"):
        ids.append(rowid)
        blobs.append(size)
    lengths = np.zeros(max(ids, default=0) + 1)
    if not ids:
        return lengths, 0
    data = np.frombuffer(b"".join(blobs), dtype=np.uint8).astype(np.int64)
    ends = np.flatnonzero(data < 0x80)  # a varint's last byte has its high bit clear
    byte = np.arange(len(data))
    place = ends[np.searchsorted(ends, byte)] - byte  # bytes left in its varint: big-endian 7-bit groups
    values = (data & 0x7F) << (7 * place)
    owner = np.repeat(np.arange(len(ids)), [len(b) for b in blobs])
    lengths[ids] = np.bincount(owner, weights=values, minlength=len(ids))
    return lengths, len(ids)


def _common_words(db: SQL, table: str, weights: tuple[float, ...], min_rows: int,
                  stop: threading.Event) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Each word in at least min_rows rows: its rows (ascending) and its field-weighted frequency in each."""
    db.execute(f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.{table}_fts_words USING fts5vocab(main, {table}_fts, row)")
    db.execute(f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.{table}_fts_instances "
               f"USING fts5vocab(main, {table}_fts, instance)")
    columns = [name for _, name, *_ in db.execute(f"PRAGMA table_info({table}_fts)")]
    column = "CASE col " + " ".join(f"WHEN '{name}' THEN {i}" for i, name in enumerate(columns)) + " END"
    weight = np.array([*weights, *[1.0] * len(columns)][: len(columns)])  # bm25() weighs unlisted columns 1.0
    # one string of doc x columns + column per instance: numpy parses it without a Python object per row
    concat = f"group_concat(doc * {len(columns)} + {column})"
    instances = f"temp.{table}_fts_instances"
    if min_rows <= 1:  # every word: one pass over the index
        listed_words = db.execute(f"SELECT term, {concat} FROM {instances} GROUP BY term")
    else:  # a pass over all of a big index would read every rare word's instances too
        words = [term for (term,) in db.execute(f"SELECT term FROM temp.{table}_fts_words WHERE doc >= ?", [min_rows])]
        listed_words = ((term, db.execute(f"SELECT {concat} FROM {instances} WHERE term = ?", [term]).fetchone()[0])
                        for term in words)
    found = {}
    for term, listed in listed_words:
        if stop.is_set():
            raise Stopped
        if not listed:
            continue
        doc, col = np.divmod(np.fromstring(listed, dtype=np.int64, sep=","), len(columns))
        starts = np.flatnonzero(np.r_[True, doc[1:] != doc[:-1]])  # instances come by doc, then column, offset
        # half the memory: rowids fit 32 bits, frequencies (sums of weights in halves) are exact in float32
        rows = doc[starts].astype(np.int32) if doc[-1] < 2**31 else doc[starts]
        found[term] = (rows, np.add.reduceat(weight[col], starts).astype(np.float32))
    return found


_TOKENIZING = threading.Lock()  # one private tokenizing table per tokenizer, shared by every thread
_TOKENS: dict[tuple[str, str], tuple[str, ...]] = {}  # (text, tokenizer): tokens; up to KEPT_TOKENS


def table_tokenizer(db: SQL, table: str) -> str:
    """The `tokenize` option `table`'s FTS5 index was made with."""
    sql, = db.execute("SELECT sql FROM sqlite_master WHERE name = ?", [f"{table}_fts"]).fetchone()
    option = re.search(r"tokenize\s*=\s*'([^']*)'", sql)
    return option.group(1) if option else "unicode61"


def fts5_tokens(text: str, tokenize: str) -> tuple[str, ...]:
    """The tokens FTS5 makes of `text` with this tokenizer: it tokenizes them itself, in a private table.

    Word by word where the tokenizer splits at spaces (porter stems each token on its own), so
    that a question's new phrases, pairs of words seen before, cost no tokenizing at all.
    """
    pieces = text.split() if tokenize.strip() in WORDWISE else [text]
    return tuple(token for tokens in tokenize_words(pieces, tokenize) for token in tokens)


def tokenize_words(texts: list[str], tokenize: str) -> list[tuple[str, ...]]:
    """Each text's tokens; those not kept yet are tokenized by FTS5 in one go (0.3 ms for 20, 2 ms one by one)."""
    with _TOKENIZING:
        found = {text: _TOKENS.get((text, tokenize)) for text in texts}
        missing = [text for text, tokens in found.items() if tokens is None]
        if missing:
            if len(_TOKENS) + len(missing) > KEPT_TOKENS:
                _TOKENS.clear()
            conn = _tokenizer(tokenize)
            conn.execute("BEGIN")
            try:
                conn.executemany("INSERT INTO t (rowid, x) VALUES (?, ?)", enumerate(missing, 1))
                made: list[list[str]] = [[] for _ in missing]
                for doc, term in conn.execute("SELECT doc, term FROM v ORDER BY doc, offset"):
                    made[doc - 1].append(term)
            finally:
                conn.execute("ROLLBACK")  # the table is empty again
            for text, tokens in zip(missing, made, strict=True):
                found[text] = _TOKENS[(text, tokenize)] = tuple(tokens)
    return [found[text] for text in texts]  # type: ignore[misc]


@functools.cache
def _tokenizer(tokenize: str) -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
    conn.execute(f"CREATE VIRTUAL TABLE t USING fts5(x, tokenize='{tokenize}')")
    conn.execute("CREATE VIRTUAL TABLE v USING fts5vocab(t, instance)")
    return conn
