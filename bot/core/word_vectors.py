"""Meaning without a model at run time: static token vectors distilled from all-MiniLM-L6-v2.

BM25 finds the tips that share the member's words, but when a dozen share them ("mentor") it cannot
tell which one says what was asked. These vectors rerank its candidates by meaning, in every install:
each WordPiece token of the model's vocabulary has one vector (the model's output for that token
alone, reduced to DIMENSIONS and stored as int8 by scripts/distill_word_vectors.py) and one weight
(its IDF over the bundled conversations). A text's vector is the weighted sum of its tokens' vectors.
Figures in docs/quality.md; the semantic extra (bot/core/semantic.py), when installed, replaces them.

Plain Python on the `careerbot ask` path, which answers in a fresh process (see bot.app.open_bot)
where numpy alone would take 0.1 s to import; a serving process has numpy already and uses it for the
cosines. The tips' texts are encoded when content is loaded (`store_tips`) and kept in the
`tip_word_vectors` table, so a question encodes only itself.
"""

from __future__ import annotations

import bisect
import functools
import json
import math
import mmap
import operator
import sys
import threading
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING

from bot.core import semantic
from bot.core.semantic import stored_vectors, tip_texts
from bot.core.vocabulary import words

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from bot.store import SQL

MODEL = "all-MiniLM-L6-v2-static-128-int8-v1"  # in each text's digest: change it when the vectors change
DIMENSIONS = 128
VECTORS = Path(__file__).with_name("word-vectors.i8")  # int8 rows, one per line of VOCABULARY
VOCABULARY = Path(__file__).with_name("word-vectors.tsv")  # token <tab> weight, one per line, sorted
LONGEST_WORD = 100  # BERT's own limit: a longer "word" is one unknown token
KEPT = 100_000  # cached words' pieces and texts' vectors before starting afresh
UNKNOWN = "[UNK]"


def wordpiece_vocabulary(tokenizer_json: Path) -> dict[str, int]:
    """The WordPiece vocabulary of a Hugging Face tokenizer.json (used by scripts/distill_word_vectors.py)."""
    return json.loads(tokenizer_json.read_text(encoding="utf-8"))["model"]["vocab"]


def _plain(word: str) -> str:
    """A word without accents, as the uncased BERT tokenizer sees it."""
    return "".join(c for c in unicodedata.normalize("NFD", word) if unicodedata.category(c) != "Mn")


def pieces(word: str, lookup: Callable[[str], int | None]) -> list[int]:
    """WordPiece: the longest known prefix, then the longest known "##" continuation, and so on."""
    word = _plain(word)
    found, start = [], 0
    while start < len(word) <= LONGEST_WORD:
        for end in range(len(word), start, -1):
            index = lookup(word[start:end] if start == 0 else "##" + word[start:end])
            if index is not None:
                found.append(index)
                start = end
                break
        else:
            break
    return found if start == len(word) else [i for i in [lookup(UNKNOWN)] if i is not None]


def token_ids(text: str, lookup: Callable[[str], int | None]) -> list[int]:
    """The token ids of a text's words (bot.core.vocabulary.words: lower case, no punctuation)."""
    return [i for word in words(text) for i in pieces(word, lookup)]


def digest(text: str) -> str:
    """A text's key in `tip_word_vectors` (`semantic.digest` with these vectors' MODEL)."""
    return semantic.digest(text, MODEL)


def cosines(asked: list[float], stored: list[bytes]) -> list[float]:
    """A unit vector's cosines with stored ones (int8, unit length times 127).

    With numpy when the process has already imported it (a serving process ranks with it, see
    bot/core/ranking.py): a hundred cosines cost 0.01 ms there, 1 ms in plain Python.
    """
    if not stored:
        return []
    if "numpy" in sys.modules:
        import numpy as np

        matrix = np.frombuffer(b"".join(stored), dtype=np.int8).reshape(len(stored), DIMENSIONS)
        return (matrix @ np.asarray(asked, dtype=np.float32) / 127.0).tolist()
    return [sum(map(operator.mul, asked, memoryview(vector).cast("b"))) / 127.0 for vector in stored]


class WordVectors:
    """The distilled vectors, read at the first text (a few ms), and the texts' vectors seen so far.

    word-vectors.tsv lists the tokens in sorted order, each with its weight, and row i of
    word-vectors.i8 is line i's vector: a token is found by bisection, with no dictionary to build.
    """

    def __init__(self, vectors: Path = VECTORS, vocabulary: Path = VOCABULARY) -> None:
        self.paths = vectors, vocabulary
        self._lines: list[str] | None = None
        self._matrix = memoryview(b"")
        self._pieces: dict[str, list[tuple[int, float]]] = {}  # a word's tokens, with their weights
        self._texts: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def load(self) -> list[str]:
        """The vocabulary's lines, read at the first call (a serving process calls it at start)."""
        with self._lock:
            if self._lines is None:
                vectors, vocabulary = self.paths
                lines = vocabulary.read_text(encoding="utf-8").splitlines()
                with vectors.open("rb") as file:  # mapped, not read: a question touches a few rows of 4 MB
                    matrix = memoryview(mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)).cast("b")
                if len(matrix) != len(lines) * DIMENSIONS:
                    raise ValueError(f"{vectors.name} and {vocabulary.name} do not match")
                self._lines, self._matrix = lines, matrix
        return self._lines

    def index(self, token: str) -> int | None:
        lines, key = self.load(), token + "\t"  # a tab sorts before any character of a token
        i = bisect.bisect_left(lines, key)
        return i if i < len(lines) and lines[i].startswith(key) else None

    def _word(self, word: str) -> list[tuple[int, float]]:
        found = self._pieces.get(word)
        if found is None:
            if len(self._pieces) > KEPT:
                self._pieces.clear()
            lines = self.load()
            found = self._pieces[word] = [(i, float(lines[i].rpartition("\t")[2])) for i in pieces(word, self.index)]
        return found

    def encode(self, text: str) -> list[float] | None:
        """The text's unit vector, or None when it has no weighed token."""
        total = [0.0] * DIMENSIONS
        for i, weight in self._tokens(text):
            row = self._matrix[i * DIMENSIONS:(i + 1) * DIMENSIONS]
            total = [t + weight * x for t, x in zip(total, row, strict=True)]
        norm = math.sqrt(sum(t * t for t in total))
        return [t / norm for t in total] if norm else None

    def _question(self, text: str) -> list[float] | None:
        """`encode` for a question: with numpy when the process has it (a long question costs 0.1 ms, not 2).

        Not for the stored vectors: numpy may add up in another order, and they stay the same everywhere.
        """
        if "numpy" not in sys.modules:
            return self.encode(text)
        import numpy as np

        found = self._tokens(text)
        if not found:
            return None
        rows = np.frombuffer(self._matrix, dtype=np.int8).reshape(-1, DIMENSIONS)[[i for i, _ in found]]
        total = np.array([weight for _, weight in found]) @ rows
        norm = float(np.sqrt(total @ total))
        return (total / norm).tolist() if norm else None

    def _tokens(self, text: str) -> list[tuple[int, float]]:
        """The text's weighed tokens: their rows and weights."""
        return [(i, weight) for word in words(text) for i, weight in self._word(word) if weight]

    def stored(self, text: str) -> bytes:
        """A text's vector as stored: int8, unit length times 127 (zeros when it has no weighed token).

        Kept in memory: a test run or a second load encodes each text once."""
        found = self._texts.get(text)
        if found is None:
            vector = self.encode(text) or [0.0] * DIMENSIONS
            found = bytes(round(127 * x) & 0xFF for x in vector)
            self._keep({text: found})
        return found

    def _keep(self, vectors: dict[str, bytes]) -> None:
        if len(self._texts) > KEPT:
            self._texts.clear()
        self._texts.update(vectors)

    def texts(self, db: SQL, texts: Iterable[str]) -> dict[str, bytes]:
        """The stored vectors of texts, by text: kept in memory, read from `tip_word_vectors`, encoded if missing."""
        texts = list(dict.fromkeys(texts))
        found = {t: v for t in texts if (v := self._texts.get(t)) is not None}
        keys = {digest(t): t for t in texts if t not in found}
        read = {keys[key]: blob for key, blob in stored_vectors(db, "tip_word_vectors", keys).items()}
        self._keep(read)
        found.update(read)
        for text in keys.values():
            if text not in found:  # a tip edited since the content was loaded: encode it here
                found[text] = self.stored(text)
        return found

    def similarity(self, db: SQL, question: str, tips: dict[str, list[str]]) -> dict[str, float]:
        """Each tip's best cosine with the question, over its texts (`tip_texts`), by tip id."""
        asked = self._question(question)
        if asked is None:
            return {}
        vectors = self.texts(db, (t for texts in tips.values() for t in texts))
        order = list(vectors)
        cosine = dict(zip(order, cosines(asked, [vectors[t] for t in order]), strict=True))
        return {tid: max((cosine[t] for t in texts), default=0.0) for tid, texts in tips.items()}


@functools.cache
def shared() -> WordVectors:
    """One set of vectors per process: they do not depend on the database, and each load reads 4 MB."""
    return WordVectors()


def store_tips(db: SQL, vectors: WordVectors) -> int:
    """Encode and store the active tips' texts that `tip_word_vectors` lacks; returns how many (see bot/corpus/loader.py)."""
    rows = db.execute("SELECT title, tip, quote, questions FROM tips WHERE status = 'active'").fetchall()
    keys = {digest(t): t for row in rows for t in tip_texts(*row)}
    have = {key for (key,) in db.execute("SELECT digest FROM tip_word_vectors")}
    missing = [(key, vectors.stored(text)) for key, text in keys.items() if key not in have]
    conn = getattr(db, "conn", db)  # a sqlite-utils Database or the bare connection
    conn.executemany("INSERT OR REPLACE INTO tip_word_vectors (digest, vector) VALUES (?, ?)", missing)
    return len(missing)
