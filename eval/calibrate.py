"""Measure answer quality in-process while varying the search constants (used to calibrate them).

usage: python eval/calibrate.py [--slips] '[{}, {"ANSWER_AT": 10.5}, {"EXPANSION_SHARE": 0.3}]'
With CAREERBOT_SEMANTIC=on it measures the semantic extra's blend (constants BLEND and SURE).
Prints, per setting, (hit@1, hit@3, answered, abstained) for all the sets pooled, then for the
independent, fresh, dev, paraphrase, rephrased, transcript, eleventh, twelfth, thirteenth, fourteenth, fifteenth,
sixteenth, seventeenth, eighteenth and nineteenth sets, in that order
(docs/quality.md says how each was written).
With --slips every question first gets one typing slip in its longest word (`with_slips`).
"""

from __future__ import annotations

import argparse
import copy
import importlib.util
import json
import os
import random
import re
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import bot.core.search as search  # noqa: E402
from bot.core.semantic import load_encoder  # noqa: E402
from bot.core.vocabulary import STOPWORDS  # noqa: E402
from bot.corpus.files import read_content  # noqa: E402
from bot.corpus.loader import load_content  # noqa: E402
from bot.store import open_db  # noqa: E402

SETS = [ROOT / "eval" / "holdout-questions.json", ROOT / "eval" / "fresh-questions.json",
        ROOT.parent / "shared" / "eval" / "dev-questions.json", ROOT / "eval" / "paraphrase-questions.json",
        ROOT / "eval" / "rephrased-questions.json", ROOT / "eval" / "transcript-questions.json",
        ROOT / "eval" / "eleventh-questions.json", ROOT / "eval" / "twelfth-questions.json",
        ROOT / "eval" / "thirteenth-questions.json", ROOT / "eval" / "fourteenth-questions.json",
        ROOT / "eval" / "fifteenth-questions.json", ROOT / "eval" / "sixteenth-questions.json",
        ROOT / "eval" / "seventeenth-questions.json", ROOT / "eval" / "eighteenth-questions.json",
        ROOT / "eval" / "nineteenth-questions.json"]
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


def slip(question: str, rng: random.Random) -> str:
    """The question with one typing slip (two letters swapped, one dropped, doubled or replaced)
    inside its longest content word of six letters or more; unchanged when it has none."""
    found = [w for w in re.findall(r"[A-Za-z]+", question) if len(w) >= 6 and w.lower() not in STOPWORDS]
    if not found:
        return question
    word = max(found, key=len)
    i = rng.randrange(1, len(word) - 2)
    slipped = rng.choice([word[:i] + word[i + 1] + word[i] + word[i + 2:], word[:i] + word[i + 1:],
                          word[:i] + word[i] + word[i:], word[:i] + rng.choice("aeiourstn") + word[i + 1:]])
    return question.replace(word, slipped, 1)


def with_slips(data: dict, seed: str) -> dict:
    """A question set with a slip in every question, the same slips for the same seed (the set's name)."""
    rng = random.Random(seed)
    slipped = copy.deepcopy(data)
    for item in slipped["on_topic"]:
        item["q"] = slip(item["q"], rng)
    slipped["off_topic"] = [slip(q, rng) for q in slipped["off_topic"]]
    return slipped


def tally(db, data: dict, original: Callable[[str], str] = str, encoder=None) -> tuple[int, int, int, int, int, int]:
    """(hits at 1, hits at 3, answered, on-topic questions, abstained, off-topic questions);
    `original` maps a result's source to the transcript it copies."""
    searcher = search.Searcher(db, encoder=encoder)
    sources = sources_of(data)
    hit1 = hit3 = answered = 0
    for item in data["on_topic"]:
        results = [c.contract() | {"source": original(c.source)} for c in searcher.ask(item["q"]).results]
        answered += bool(results)
        rank = hit_rank(results, item, sources)
        hit1 += rank == 1
        hit3 += rank is not None
    abstained = sum(not searcher.ask(q).answered for q in data["off_topic"])
    return hit1, hit3, answered, len(data["on_topic"]), abstained, len(data["off_topic"])


def figures(counts: tuple[int, ...]) -> tuple[float, float, float, float]:
    """(hit@1, hit@3, answered, abstained) from a `tally`."""
    hit1, hit3, answered, n, abstained, m = counts
    return round(hit1 / n, 3), round(hit3 / n, 3), round(answered / n, 3), round(abstained / m, 3)


def pooled(tallies: list[tuple[int, ...]]) -> tuple[float, float, float, float]:
    """The figures of several sets' tallies as one set, every question counting the same."""
    return figures(tuple(map(sum, zip(*tallies, strict=True))))


def measure(db, data: dict, original: Callable[[str], str] = str, encoder=None) -> tuple[float, float, float, float]:
    """(hit@1, hit@3, answered, abstained); `original` maps a result's source to the transcript it copies."""
    return figures(tally(db, data, original, encoder))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("settings", nargs="?", default="[{}]", help="a JSON list of constant overrides")
    parser.add_argument("--slips", action="store_true", help="give every question one typing slip first")
    args = parser.parse_args()
    db = open_db()
    load_content(db, read_content(ROOT / "content"))
    sets = [(p.name, json.loads(p.read_text())) for p in SETS if p.exists()]
    sets = [with_slips(data, name) if args.slips else data for name, data in sets]
    encoder = load_encoder(os.environ.get("CAREERBOT_SEMANTIC", "off"))
    for overrides in json.loads(args.settings):
        for name, value in overrides.items():
            setattr(search, name, value)
        tallies = [tally(db, data, encoder=encoder) for data in sets]
        print(overrides, "pooled:", pooled(tallies), "per set:", [figures(t) for t in tallies], flush=True)


if __name__ == "__main__":
    main()
