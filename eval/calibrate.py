"""Measure answer quality in-process while varying the search constants (used to calibrate them).

usage: python eval/calibrate.py '[{}, {"ANSWER_AT": 10.5}, {"EXPANSION_SHARE": 0.3}]'
With CAREERBOT_SEMANTIC=on it measures the semantic extra's blend (constants BLEND and SURE).
Prints, per setting, (hit@1, hit@3, answered, abstained) for the independent, fresh, dev,
paraphrase, rephrased and transcript sets, in that order (docs/quality.md says how each was written).
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import bot.core.search as search  # noqa: E402
from bot.core.semantic import load_encoder  # noqa: E402
from bot.corpus.files import read_content  # noqa: E402
from bot.corpus.loader import load_content  # noqa: E402
from bot.store import open_db  # noqa: E402

SETS = [ROOT / "eval" / "holdout-questions.json", ROOT / "eval" / "fresh-questions.json",
        ROOT.parent / "shared" / "eval" / "dev-questions.json", ROOT / "eval" / "paraphrase-questions.json",
        ROOT / "eval" / "rephrased-questions.json", ROOT / "eval" / "transcript-questions.json"]
spec = importlib.util.spec_from_file_location("score", ROOT.parent / "shared" / "eval" / "score.py")
score = importlib.util.module_from_spec(spec)
spec.loader.exec_module(score)


def sources_of(data: dict) -> dict[str, str]:
    """A question set's episode letters ("A", "B") and the transcripts they stand for."""
    return {k: v for k, v in data.items() if isinstance(v, str) and len(k) == 1}


def hit_rank(results: list[dict], item: dict, sources: dict[str, str]) -> int | None:
    """Where in the top three the scorer finds one of the question's expected spans (None: a miss)."""
    return next((i + 1 for i, r in enumerate(results[:3])
                 if any(score.matches(r, span, sources) for span in item["hits"])), None)


def measure(db, data: dict, original: Callable[[str], str] = str, encoder=None) -> tuple[float, float, float, float]:
    """(hit@1, hit@3, answered, abstained); `original` maps a result's source to the transcript it copies."""
    searcher = search.Searcher(db, encoder=encoder)
    sources = sources_of(data)
    hit1 = hit3 = answered = 0
    for item in data["on_topic"]:
        results = [c.contract() | {"source": original(c.source)} for c in searcher.ask(item["q"]).results]
        answered += bool(results)
        rank = hit_rank(results, item, sources)
        hit1 += rank == 1
        hit3 += rank is not None
    n = len(data["on_topic"])
    abstained = sum(not searcher.ask(q).answered for q in data["off_topic"]) / len(data["off_topic"])
    return round(hit1 / n, 3), round(hit3 / n, 3), round(answered / n, 3), round(abstained, 3)


def main() -> None:
    db = open_db()
    load_content(db, read_content(ROOT / "content"))
    sets = [json.loads(p.read_text()) for p in SETS if p.exists()]
    encoder = load_encoder(os.environ.get("CAREERBOT_SEMANTIC", "off"))
    for overrides in json.loads(sys.argv[1] if len(sys.argv) > 1 else "[{}]"):
        for name, value in overrides.items():
            setattr(search, name, value)
        print(overrides, [measure(db, data, encoder=encoder) for data in sets], flush=True)


if __name__ == "__main__":
    main()
