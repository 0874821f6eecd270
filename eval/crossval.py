"""Ask each tip's own example questions with them left out of the index: new phrasing, measured on 639 questions.

usage: python eval/crossval.py [--always] '[{}, {"FIT": 1.0}]'
The example questions of every tip are split into FOLDS folds; for each fold, the content is loaded
without that fold's questions and they are asked, each expecting its own tip's span (the scorer's
±20 s rule, so a neighbouring tip on the same moment counts too). No eval set is involved: it measures
how the ranking copes with a question worded like none of a tip's examples, on ten times as many
questions as a blind set. Prints (hit@1, hit@3, answered, questions) per setting; with --always every
question is answered (ANSWER_AT off), which measures the ranking alone. docs/quality.md has the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "eval"))

import calibrate  # noqa: E402

import bot.core.search as search  # noqa: E402
from bot.core.semantic import load_encoder  # noqa: E402
from bot.corpus.files import read_content  # noqa: E402
from bot.corpus.loader import load_content  # noqa: E402
from bot.store import open_db  # noqa: E402

FOLDS = 5


def folds(content_dir: Path) -> list[tuple[object, dict]]:
    """(database without the fold's example questions, the fold as a question set), one per fold."""
    out = []
    for fold in range(FOLDS):
        content = read_content(content_dir)
        held = []
        for i, tip in enumerate(content.tips):  # offset by the tip, so each fold holds out every tip's share
            held += [{"q": q, "hits": [[tip.source, tip.start, tip.end]]}
                     for j, q in enumerate(tip.questions) if (i + j) % FOLDS == fold]
            tip.questions = [q for j, q in enumerate(tip.questions) if (i + j) % FOLDS != fold]
        db = open_db()
        load_content(db, content)
        out.append((db, {"on_topic": held, "off_topic": []}))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("settings", nargs="?", default="[{}]", help="a JSON list of constant overrides")
    parser.add_argument("--always", action="store_true", help="answer every question (the ranking alone)")
    args = parser.parse_args()
    encoder = load_encoder(os.environ.get("CAREERBOT_SEMANTIC", "off"))
    loaded = folds(ROOT / "content")
    for overrides in json.loads(args.settings):
        if args.always:
            overrides = {"ANSWER_AT": float("-inf"), "SHORT": 10**6} | overrides
        saved = {name: getattr(search, name) for name in overrides}
        for name, value in overrides.items():
            setattr(search, name, value)
        hit1, hit3, answered, n, _, _ = map(sum, zip(*(calibrate.tally(db, data, encoder=encoder)
                                                       for db, data in loaded), strict=True))
        print(overrides, (round(hit1 / n, 3), round(hit3 / n, 3), round(answered / n, 3), n), flush=True)
        for name, value in saved.items():
            setattr(search, name, value)


if __name__ == "__main__":
    main()
