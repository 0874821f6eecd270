"""Answer quality floors, measured with the team's scorer (via eval/calibrate.py) on the eval sets.

These guard against regressions in ranking and abstention; the figures themselves are
reported in docs/quality.md. The dev set and scorer live in ../shared/eval (beside the checkout).
"""

from __future__ import annotations

import importlib.util
import json

import pytest

from .conftest import ROOT

DEV = ROOT.parent / "shared" / "eval" / "dev-questions.json"
HOLDOUT = ROOT / "eval" / "holdout-questions.json"
FRESH = ROOT / "eval" / "fresh-questions.json"
PARAPHRASE = ROOT / "eval" / "paraphrase-questions.json"
REPHRASED = ROOT / "eval" / "rephrased-questions.json"
TRANSCRIPT = ROOT / "eval" / "transcript-questions.json"
ELEVENTH = ROOT / "eval" / "eleventh-questions.json"
TWELFTH = ROOT / "eval" / "twelfth-questions.json"
THIRTEENTH = ROOT / "eval" / "thirteenth-questions.json"
FOURTEENTH = ROOT / "eval" / "fourteenth-questions.json"
FIFTEENTH = ROOT / "eval" / "fifteenth-questions.json"
SIXTEENTH = ROOT / "eval" / "sixteenth-questions.json"
SEVENTEENTH = ROOT / "eval" / "seventeenth-questions.json"
EIGHTEENTH = ROOT / "eval" / "eighteenth-questions.json"
NINETEENTH = ROOT / "eval" / "nineteenth-questions.json"
SCORER = ROOT.parent / "shared" / "eval" / "score.py"

pytestmark = pytest.mark.skipif(not SCORER.exists(), reason="../shared/eval is not beside the checkout")


def calibrate():
    spec = importlib.util.spec_from_file_location("calibrate", ROOT / "eval" / "calibrate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def figures(db, path, encoder=None) -> dict[str, float]:
    hit1, hit3, answered, abstained = calibrate().measure(db, json.loads(path.read_text()), encoder=encoder)
    return {"hit@1": hit1, "hit@3": hit3, "answered": answered, "abstained": abstained}


TARGETS = {"hit@1": 0.8, "hit@3": 0.95, "answered": 0.95, "abstained": 0.9}  # the issue's, for the dev set

# Per set: floors words only (the default install), then with the semantic extra
# (bot/core/semantic.py). Apart from the dev set's targets, a little under the figures in
# docs/quality.md: a regression, not noise, trips them.
FLOORS = [
    (DEV, TARGETS, {"hit@1": 0.9, "hit@3": 0.95, "answered": 0.95, "abstained": 0.9}),
    (HOLDOUT, {"hit@1": 0.8, "hit@3": 0.9, "answered": 0.97, "abstained": 0.85},
     {"hit@1": 0.83, "hit@3": 0.92, "answered": 0.97, "abstained": 0.85}),
    (FRESH, {"hit@1": 0.8, "hit@3": 0.95, "answered": 0.97, "abstained": 0.8},
     {"hit@1": 0.83, "hit@3": 0.95, "answered": 0.97, "abstained": 0.8}),
    (PARAPHRASE, {"hit@1": 0.8, "hit@3": 0.88, "answered": 0.95, "abstained": 0.95},
     {"hit@1": 0.83, "hit@3": 0.9, "answered": 0.95, "abstained": 0.95}),
    (REPHRASED, {"hit@1": 0.85, "hit@3": 0.95, "answered": 0.97, "abstained": 0.85},
     {"hit@1": 0.87, "hit@3": 0.93, "answered": 0.97, "abstained": 0.85}),
    (TRANSCRIPT, {"hit@1": 0.92, "hit@3": 0.95, "answered": 0.97, "abstained": 0.9},
     {"hit@1": 0.9, "hit@3": 0.9, "answered": 0.95, "abstained": 0.9}),
    (ELEVENTH, {"hit@1": 0.84, "hit@3": 0.95, "answered": 0.95, "abstained": 0.9},
     {"hit@1": 0.82, "hit@3": 0.95, "answered": 0.97, "abstained": 0.85}),
    (TWELFTH, {"hit@1": 0.88, "hit@3": 0.96, "answered": 0.97, "abstained": 0.95},
     {"hit@1": 0.9, "hit@3": 0.95, "answered": 0.97, "abstained": 0.95}),
    (THIRTEENTH, {"hit@1": 0.7, "hit@3": 0.86, "answered": 0.92, "abstained": 0.85},
     {"hit@1": 0.76, "hit@3": 0.9, "answered": 0.94, "abstained": 0.85}),
    (FOURTEENTH, {"hit@1": 0.68, "hit@3": 0.9, "answered": 0.92, "abstained": 0.95},
     {"hit@1": 0.8, "hit@3": 0.96, "answered": 0.96, "abstained": 0.95}),
    (FIFTEENTH, {"hit@1": 0.72, "hit@3": 0.88, "answered": 0.94, "abstained": 0.95},
     {"hit@1": 0.76, "hit@3": 0.9, "answered": 0.96, "abstained": 0.95}),
    (SIXTEENTH, {"hit@1": 0.74, "hit@3": 0.86, "answered": 0.96, "abstained": 0.9},
     {"hit@1": 0.72, "hit@3": 0.9, "answered": 0.96, "abstained": 0.9}),
    (SEVENTEENTH, {"hit@1": 0.78, "hit@3": 0.96, "answered": 0.96, "abstained": 0.95},
     {"hit@1": 0.84, "hit@3": 0.94, "answered": 0.96, "abstained": 0.95}),
    (EIGHTEENTH, {"hit@1": 0.78, "hit@3": 0.9, "answered": 0.96, "abstained": 0.9},
     {"hit@1": 0.8, "hit@3": 0.92, "answered": 0.96, "abstained": 0.9}),
    (NINETEENTH, {"hit@1": 0.8, "hit@3": 0.94, "answered": 0.96, "abstained": 0.9},
     {"hit@1": 0.84, "hit@3": 0.94, "answered": 0.96, "abstained": 0.9}),
]
SETS = pytest.mark.parametrize(("path", "words", "semantic"), FLOORS, ids=[path.stem for path, _, _ in FLOORS])


def assert_meets(db, path, floors, encoder=None) -> None:
    if not path.exists():
        pytest.skip(f"no {path.name}")
    got = figures(db, path, encoder)
    assert all(got[name] >= floor for name, floor in floors.items()), got


@SETS
def test_words_alone_meet_their_floors(db, path, words, semantic):
    assert_meets(db, path, words)


@SETS
def test_the_semantic_blend_meets_its_floors(semantic_db, encoder, path, words, semantic):
    assert_meets(semantic_db, path, semantic, encoder)


def test_a_typing_slip_in_every_question_costs_little(db):
    """Every question of every set with one slip in its longest word (calibrate.with_slips), words only,
    pooled over fifteen sets: hit@3 0.938, answered 0.978, abstained 0.947, against 0.954 / 0.994 / 0.938 as typed.
    Without reading mistyped words (bot/core/spelling.py) it was 0.662 / 0.695 / 0.981 (seven sets)."""
    if not all(path.exists() for path, _, _ in FLOORS):
        pytest.skip("not every eval set is here")
    module = calibrate()
    _, hit3, answered, abstained = module.pooled(
        [module.tally(db, module.with_slips(json.loads(path.read_text()), path.name)) for path, _, _ in FLOORS])
    assert hit3 >= 0.91 and answered >= 0.95 and abstained >= 0.9, (hit3, answered, abstained)
