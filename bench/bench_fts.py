"""Where an answer's time goes at 1,000 episodes: what SQLite FTS5 itself costs for one question.

Times, on the synthetic corpus of bench_answers.py, the FTS5 queries behind one question: counting
the rows a word matches, ranking them with bm25(), the searcher's tips query as one bm25() query,
the same question's typed words alone; then the same ranking as the searcher does it, from
per-phrase scores (bot/core/ranking.py): cold (each phrase asked of FTS5) and warm (kept).
Run:  python bench/bench_fts.py [--db SYNTHETIC.db]  (without --db it builds the corpus, ~3 min)
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_answers import synthetic_content  # noqa: E402

from bot.core.ranking import PhraseScores  # noqa: E402
from bot.core.search import TIP_WEIGHTS, Searcher, fts_phrase  # noqa: E402
from bot.core.vocabulary import STOPWORDS, words  # noqa: E402
from bot.corpus.files import read_content  # noqa: E402
from bot.corpus.loader import load_content  # noqa: E402
from bot.store import open_db  # noqa: E402

QUESTION = "how do I pick the right mentor for my specific goal, like a promotion vs. landing a job?"
BM25 = f"bm25({', '.join(str(w) for w in TIP_WEIGHTS.values())})"


def best_ms(conn: sqlite3.Connection, sql: str, args: list, runs: int = 3) -> tuple[float, list]:
    best, rows = float("inf"), []
    for _ in range(runs):
        start = time.perf_counter()
        rows = conn.execute(sql, args).fetchall()
        best = min(best, time.perf_counter() - start)
    return round(best * 1000, 1), rows


def report(db_path: Path) -> None:
    db = open_db(db_path)
    searcher = Searcher(db)
    units = searcher.vocabulary().units(QUESTION)
    searcher._weigh(units)
    expression = searcher.tip_query(units)
    typed = " OR ".join(fts_phrase(w) for w in dict.fromkeys(words(QUESTION)) if w not in STOPWORDS)
    conn, phrases = db.conn, expression.count('"') // 2
    print("sqlite", sqlite3.sqlite_version, "| tips", searcher._rows["tips"], "| passages", searcher._rows["passages"])
    for table, expr, what in [
        ("tips", '"mentor"', "one word"),
        ("passages", '"mentor"', "one word"),
        ("tips", typed, "the question's typed words, once"),
        ("tips", expression, f"the searcher's ranked query ({phrases} phrases)"),
    ]:
        count_ms, ((matched,),) = best_ms(conn, f"SELECT count(*) FROM {table}_fts WHERE {table}_fts MATCH ?", [expr])
        rank = f"AND rank MATCH '{BM25}' " if table == "tips" else ""
        rank_ms, _ = best_ms(conn, f"SELECT rowid, rank FROM {table}_fts WHERE {table}_fts MATCH ? {rank}"
                                   f"ORDER BY rank LIMIT 24", [expr])
        print(f"{table:8} {what}: {matched} rows match; count {count_ms} ms, bm25 top 24 {rank_ms} ms "
              f"({rank_ms * 1000 / max(matched, 1):.1f} µs a row)")
    phrases = searcher.tip_phrases(units)
    for state in ("cold", "warm"):
        scores = PhraseScores(db, "tips", list(TIP_WEIGHTS.values()))
        if state == "warm":
            scores.top(phrases, 24)
        start = time.perf_counter()
        scores.top(phrases, 24)
        print(f"tips     the same ranking from per-phrase scores ({len(set(phrases))} distinct phrases), {state}: "
              f"{(time.perf_counter() - start) * 1000:.1f} ms")
    db.conn.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path, help="an existing synthetic database (bench_answers.py's corpus)")
    parser.add_argument("--episodes", type=int, default=1000)
    args = parser.parse_args()
    if args.db:
        report(args.db)
        return
    with tempfile.TemporaryDirectory() as tmp:
        content, db_path = Path(tmp) / "synthetic", Path(tmp) / "synthetic.db"
        synthetic_content(content, args.episodes)
        db = open_db(db_path)
        load_content(db, read_content(content))
        db.conn.close()
        report(db_path)


if __name__ == "__main__":
    main()
