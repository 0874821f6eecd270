"""Moderation costs on a file database (WAL), the way the serving process sees them:

- edit_tip (validate against the transcript + save + audit), preview, retire/restore;
- content export after N moderator edits, and an export with nothing to do;
- add-transcript of a synthetic one-hour SRT (parse, store, index, propose candidates);
- stats over a large queries/feedback history.

    /work/venv/bin/python bench/bench_moderation.py [-n 200] [--queries 100000]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.core import moderation as m  # noqa: E402
from bot.core.actors import Actor  # noqa: E402
from bot.core.service import CareerBot  # noqa: E402
from bot.core.stats import collect  # noqa: E402
from bot.corpus.export import export_tips  # noqa: E402
from bot.corpus.files import read_content  # noqa: E402
from bot.corpus.loader import load_content  # noqa: E402
from bot.store import open_db  # noqa: E402

ACTOR = Actor("cli", "bench")


def timed(fn, *args, **kwargs) -> tuple[float, object]:  # noqa: ANN001
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    return (time.perf_counter() - start) * 1000, out


def summary(name: str, samples: list[float]) -> None:
    samples = sorted(samples)
    p = lambda q: samples[min(len(samples) - 1, int(q * len(samples)))]  # noqa: E731
    print(f"{name:34} n={len(samples):5}  p50 {p(0.5):7.2f} ms  p90 {p(0.9):7.2f} ms  p99 {p(0.99):7.2f} ms  "
          f"mean {statistics.fmean(samples):7.2f} ms")


def hour_of_srt(path: Path) -> Path:
    advice = ["my advice is you should build small projects and make sure you finish them",
              "the key is to practice every day and try to write about it",
              "we talked about the weather and the coffee in the office that morning"]
    blocks = []
    for i in range(720):  # one caption every 5 s for an hour
        s = i * 5
        stamp = lambda t: f"{t // 3600:02d}:{t // 60 % 60:02d}:{t % 60:02d},000"  # noqa: E731
        blocks.append(f"{i + 1}\n{stamp(s)} --> {stamp(s + 4)}\n{advice[(i // 12) % 3]}\n")
    path.write_text("\n".join(blocks), encoding="utf-8")
    return path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=200, help="edits to time")
    parser.add_argument("--queries", type=int, default=100_000, help="query rows for the stats timing")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp())
    try:
        content = tmp / "content"
        shutil.copytree(ROOT / "content", content)
        db = open_db(tmp / "bench.db")
        load_content(db, read_content(content))
        bot = CareerBot(db)
        ids = [r[0] for r in db.execute("SELECT id FROM tips ORDER BY n")]

        edits, previews, retires = [], [], []
        for i in range(args.n):
            tip_id = ids[i % len(ids)]
            version = m.tip_form(bot, tip_id)["version"]
            ms, _ = timed(m.preview, bot, ACTOR, {"title": f"Benchmark title number {i}"}, tip_id)
            previews.append(ms)
            ms, result = timed(m.edit_tip, bot, ACTOR, tip_id, {"title": f"Benchmark title number {i}"}, version)
            assert result.ok, result.problems
            edits.append(ms)
            if i % 4 == 0:
                ms, _ = timed(m.retire_tip, bot, ACTOR, tip_id)
                retires.append(ms)
                m.restore_tip(bot, ACTOR, tip_id)
        summary("preview (edit title)", previews)
        summary("edit_tip (validate+save+audit)", edits)
        summary("retire_tip", retires)

        ms, report = timed(export_tips, db, content)
        print(f"{'export after edits':34} {ms:8.1f} ms  ({len(report.updated)} tips rewritten)")
        ms, _ = timed(export_tips, db, content)
        print(f"{'export, nothing to do':34} {ms:8.1f} ms")
        ms, _ = timed(load_content, db, read_content(content))
        print(f"{'content load after export':34} {ms:8.1f} ms")

        ms, result = timed(m.add_transcript, bot, ACTOR, hour_of_srt(tmp / "hour_talk.srt"),
                           {"title": "An hour of advice", "guest": "Bench Guest"}, content)
        assert result.ok, result.reply.text
        print(f"{'add-transcript (1 h SRT, 720 cues)':34} {ms:8.1f} ms  "
              f"({result.reply.data['candidates']} candidates queued)")

        db.conn.executemany("INSERT INTO queries (platform, query, answered) VALUES ('slack', ?, ?)",
                            [(f"question number {i % 5000}", i % 3 != 0) for i in range(args.queries)])
        db.conn.executemany("INSERT INTO feedback (platform, user, tip_id, kind, note) VALUES ('slack', 'U', ?, ?, ?)",
                            [(ids[i % len(ids)], ("up", "down", "flag")[i % 3], "outdated" if i % 3 == 2 else None)
                             for i in range(args.queries // 10)])
        samples = [timed(collect, db, 30)[0] for _ in range(5)]
        summary(f"stats ({args.queries} queries)", samples)
    finally:
        shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
