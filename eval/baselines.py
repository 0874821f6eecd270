"""The issue's two reference baselines, measured on our question sets: how hard are those sets?

The issue quotes, on its held-out set, plain BM25 over 60-second transcript windows at hit@3 0.78
(never abstaining) and a MiniLM sentence-embedding baseline at 0.88. Run on our stand-in sets,
the same two baselines say whether those sets are harder or easier than the held-out one, which
is what our own figures on them are worth as an estimate (docs/quality.md).

usage: python eval/baselines.py [--stride 60] [--porter] [--stopwords] [--questions FILE ...]
(MiniLM needs the semantic extra and is skipped without it.) Prints, per set, (hit@1, hit@3) of
each baseline. Windows are cut from the raw transcripts (no corrections); BM25 is SQLite FTS5's
bm25() of the question's words OR'ed (optionally stemmed, optionally without stopwords); MiniLM
(the extra's int8 all-MiniLM-L6-v2) ranks windows by cosine. Both return their top three windows for every question.
"""

from __future__ import annotations

import argparse
import json
import re
import sqlite3
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "eval"))

from calibrate import SETS, hit_rank, sources_of  # noqa: E402  (the question sets, the team's scorer)

from bot.core.semantic import Encoder, load_encoder  # noqa: E402
from bot.core.vocabulary import STOPWORDS  # noqa: E402
from bot.corpus.files import read_content  # noqa: E402
from bot.corpus.passages import WINDOW, make_passages  # noqa: E402

Window = tuple[str, float, float, str]  # source, start, end, text


def windows(stride: float) -> list[Window]:
    content = read_content(ROOT / "content")
    return [(stem, start, end, text) for stem, transcript in sorted(content.transcripts.items())
            for start, end, text in make_passages(transcript.cues, None, WINDOW, stride)]


class PlainBM25:
    def __init__(self, found: list[Window], porter: bool = False, stopwords: bool = False) -> None:
        self.db = sqlite3.connect(":memory:")
        self.db.execute(f"CREATE VIRTUAL TABLE w USING fts5(text, tokenize='{'porter ' * porter}unicode61')")
        self.db.executemany("INSERT INTO w (rowid, text) VALUES (?, ?)", [(i, w[3]) for i, w in enumerate(found)])
        self.found, self.stopwords = found, stopwords

    def top(self, question: str, k: int = 3) -> list[Window]:
        terms = {t.lower() for t in re.findall(r"\w+", question)} - (STOPWORDS if self.stopwords else set())
        if not terms:
            return []
        query = " OR ".join(f'"{t}"' for t in sorted(terms))
        rows = self.db.execute("SELECT rowid FROM w WHERE w MATCH ? ORDER BY bm25(w) LIMIT ?", [query, k])
        return [self.found[i] for (i,) in rows]


class MiniLM:
    def __init__(self, found: list[Window], encoder: Encoder) -> None:
        self.encoder, self.found = encoder, found
        self.matrix = encoder.encode([w[3] for w in found])

    def top(self, question: str, k: int = 3) -> list[Window]:
        cosines = self.matrix @ self.encoder.encode([question])[0]
        return [self.found[i] for i in cosines.argsort()[::-1][:k]]


def measure(baseline, data: dict) -> tuple[float, float]:
    sources = sources_of(data)
    hit1 = hit3 = 0
    for item in data["on_topic"]:
        rank = hit_rank([{"source": s, "start": a, "end": b} for s, a, b, _ in baseline.top(item["q"])], item, sources)
        hit1 += rank == 1
        hit3 += rank is not None
    n = len(data["on_topic"])
    return round(hit1 / n, 3), round(hit3 / n, 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stride", type=float, default=60.0, help="seconds between window starts (60: no overlap)")
    parser.add_argument("--porter", action="store_true", help="stem words (FTS5's porter tokenizer)")
    parser.add_argument("--stopwords", action="store_true", help="leave our stopwords out of the query")
    parser.add_argument("--questions", nargs="+", type=Path, default=SETS, help="question sets (default: calibrate.SETS, all of ours)")
    args = parser.parse_args()
    found = windows(args.stride)
    baselines = {"plain BM25": PlainBM25(found, args.porter, args.stopwords)}
    encoder = load_encoder("auto")
    if encoder is not None:
        baselines["MiniLM"] = MiniLM(found, encoder)
    sets = [(p.stem, json.loads(p.read_text())) for p in args.questions if p.exists()]
    print(f"{len(found)} windows of {WINDOW:g} s every {args.stride:g} s")
    for name, baseline in baselines.items():
        print(name, {stem: measure(baseline, data) for stem, data in sets})


if __name__ == "__main__":
    main()
