"""Answer latency and loading cost, on the bundled corpus and on a synthetic 1,000-episode corpus.

The synthetic corpus is made from the two real transcripts: each synthetic episode is a copy of
one of them under a new stem, with every tip of that transcript copied under a new id, so the
index grows 500-fold with realistic text. Run:  python bench/bench_answers.py [--episodes 1000]

In-process latency is measured both ways the searcher ranks: as a serving process does (postings
and kept per-phrase scores, after `Searcher.warm`; each question's first ask and then repeated
asks) and with one bm25() query per question (a one-off `careerbot ask`).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.core.search import Searcher  # noqa: E402
from bot.corpus.files import read_content  # noqa: E402
from bot.corpus.loader import load_content  # noqa: E402
from bot.store import open_db  # noqa: E402


def questions() -> list[str]:
    out = []
    for path in (ROOT / "eval" / "holdout-questions.json", ROOT.parent / "shared" / "eval" / "dev-questions.json"):
        if path.exists():
            data = json.loads(path.read_text())
            out += [item["q"] for item in data["on_topic"]] + list(data["off_topic"])
    return out


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def timed(searcher: Searcher, question: str) -> float:
    start = time.perf_counter()
    searcher.ask(question)
    return (time.perf_counter() - start) * 1000


def figures(times: list[float]) -> dict[str, float]:
    return {"n": len(times), "p50_ms": round(statistics.median(times), 2), "p99_ms": round(percentile(times, 99), 2),
            "max_ms": round(max(times), 2)}


def latency(db_path: Path, asked: list[str], rounds: int) -> tuple[dict[str, float], dict[str, float], dict[str, float]]:
    """As a serving process answers: warm (serve does at start), each question's first ask, then repeated asks."""
    db = open_db(db_path)
    searcher = Searcher(db)
    start = time.perf_counter()
    held = searcher.warm()
    warm = {"seconds": round(time.perf_counter() - start, 2), "postings_mb": round(held / 1e6, 1)}
    gc.freeze()  # as serve does once started (bot/serve.py)
    first = [timed(searcher, q) for q in asked]
    times = []
    for _ in range(rounds):
        times += [timed(searcher, q) for q in asked]
    db.conn.close()
    return warm, figures(first), figures(times)


def unwarmed_first_question(db_path: Path, question: str = "how do I find a mentor?") -> float:
    """A process that does not warm (the console, `ask --batch`) reads the postings at its first question."""
    db = open_db(db_path)
    try:
        return round(timed(Searcher(db), question) / 1000, 2)
    finally:
        db.conn.close()


def one_query_latency(db_path: Path, asked: list[str]) -> dict[str, float]:
    """Latency of each question ranked with one bm25() query per table, as a one-off `careerbot ask` does."""
    db = open_db(db_path)
    searcher = Searcher(db, keep_scores=False)
    searcher.vocabulary()
    times = [timed(searcher, q) for q in asked]
    db.conn.close()
    return figures(times)


def quality_at_scale(db_path: Path) -> list[tuple[float, float, float, float]]:
    """The quality sets' figures on the synthetic corpus, each copy's source mapped back to its transcript.

    Copies of one tip rank together, so hit@3 is about hit@1 here; it shows whether the right
    tip still comes first among 500 times as many.
    """
    sys.path.insert(0, str(ROOT / "eval"))
    import calibrate

    db = open_db(db_path)
    try:
        return [calibrate.measure(db, json.loads(p.read_text()), lambda s: re.sub(r"^syn\d+_", "", s))
                for p in calibrate.SETS if p.exists()]
    finally:
        db.conn.close()


def synthetic_content(target: Path, episodes: int) -> None:
    source = ROOT / "content"
    target.mkdir(parents=True)
    for name in ("topics.yaml", "synonyms.yaml"):
        shutil.copy(source / name, target / name)
    for folder in ("transcripts", "episodes", "corrections", "tips"):
        (target / folder).mkdir(parents=True)
    stems = sorted(p.stem for p in (source / "transcripts").glob("*.txt"))
    tips = {stem: yaml.safe_load((source / "tips" / f"{stem}.yaml").read_text()) for stem in stems}
    for k in range(episodes):
        stem = stems[k % len(stems)]
        new = f"syn{k:04d}_{stem}"
        shutil.copy(source / "transcripts" / f"{stem}.txt", target / "transcripts" / f"{new}.txt")
        shutil.copy(source / "corrections" / f"{stem}.yaml", target / "corrections" / f"{new}.yaml")
        episode = yaml.safe_load((source / "episodes" / f"{stem}.yaml").read_text())
        episode["title"] = f"{episode['title']} (synthetic {k})"
        (target / "episodes" / f"{new}.yaml").write_text(yaml.safe_dump(episode))
        copies = [dict(t, id=f"{t['id']}-s{k}", source=new) for t in tips[stem]]
        (target / "tips" / f"{new}.yaml").write_text(yaml.safe_dump(copies, sort_keys=False))


def process_wall(db_path: Path, runs: int = 10, question: str = "how do I find a mentor?",
                 **settings: str) -> dict[str, float]:
    """`careerbot ask` as a whole process, `runs` times; `settings` are extra environment variables.

    As the default install runs it: without the semantic extra, even where it is installed (its
    `auto` would load the model), unless `settings` say otherwise.
    """
    env = dict(os.environ, CAREERBOT_DB=str(db_path), **{"CAREERBOT_SEMANTIC": "off", **settings})
    env.pop("SLACK_BOT_TOKEN", None)
    env.pop("DISCORD_TOKEN", None)
    careerbot = shutil.which("careerbot") or str(Path(sys.executable).with_name("careerbot"))
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([careerbot, "ask", question], env=env, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return {"runs": runs, "median_s": round(statistics.median(times), 3), "max_s": round(max(times), 3)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--episodes", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    asked = questions()
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        bundled = tmp_path / "bundled.db"
        db = open_db(bundled)
        load_content(db, read_content(ROOT / "content"))
        db.conn.close()
        warm, first, repeated = latency(bundled, asked, args.rounds)
        print("bundled corpus, warm:", warm, "in-process ask, first time:", first, "repeated:", repeated, flush=True)
        print("bundled corpus, first question without warm, seconds:", unwarmed_first_question(bundled), flush=True)
        print("bundled corpus, in-process ask with one bm25() query per question:", one_query_latency(bundled, asked),
              flush=True)
        print("bundled corpus, `careerbot ask` process wall:", process_wall(bundled, runs=20), flush=True)
        for question in ("how do I bake bread", "how do I find a mentr"):  # a near word; a typo (loads English)
            print(f"bundled corpus, `careerbot ask {question!r}` process wall:",
                  process_wall(bundled, runs=20, question=question), flush=True)

        content = tmp_path / "synthetic"
        synthetic_content(content, args.episodes)
        big = tmp_path / "synthetic.db"
        start = time.perf_counter()
        db = open_db(big)
        loaded = read_content(content)
        report = load_content(db, loaded)
        db.conn.close()
        seconds = time.perf_counter() - start
        size = sum(p.stat().st_size for p in tmp_path.glob("synthetic.db*"))
        print(f"synthetic corpus: {args.episodes} episodes, {len(report.added)} tips, "
              f"loaded (read + check + load) in {seconds:.1f} s, database {size / 1e6:.1f} MB", flush=True)
        warm, first, repeated = latency(big, asked, max(1, args.rounds // 5))
        print("synthetic corpus, warm:", warm, "in-process ask, first time:", first, "repeated:", repeated, flush=True)
        print("synthetic corpus, first question without warm, seconds:", unwarmed_first_question(big), flush=True)
        print("synthetic corpus, in-process ask with one bm25() query per question:", one_query_latency(big, asked),
              flush=True)
        print("synthetic corpus, `careerbot ask` process wall:", process_wall(big, runs=5), flush=True)
        print("synthetic corpus, (hit@1, hit@3, answered, abstained) independent, fresh, dev:", quality_at_scale(big),
              flush=True)


if __name__ == "__main__":
    main()
