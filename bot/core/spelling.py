"""Reading a mistyped word as the word it was meant to be ("mentr" as "mentor").

A misspelt key word made a question look off-topic: nothing in the corpus matches "mentr", so
"how do I find a mentr" was declined. A word is read again only when all of these hold, so that
an off-topic question is not "corrected" into an on-topic one:

- nothing in the corpus matches it (the searcher checks), and it has at least MIN_LETTERS letters;
- a word the corpus knows (said in the conversations, or in the vocabulary of content/topics.yaml
  and content/synonyms.yaml) is at most one typing slip away, two from LONG letters on (a swap of
  neighbouring letters is one slip), and starts with the same letter; of several equally close,
  the one said most often ("realy" is "really", not "ready"): `candidate`;
- it is not an English word in its own right: "lawyer" is not a typo of "layer", nor "hiking" of
  "hiring" (`confirmed`). English is pyspellchecker's dictionary, which the package ships.

Loading that dictionary takes about 0.3 s, so the searcher confirms a reading only when it
would change the answer, and a serving process loads it at start (`load`).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spellchecker import SpellChecker

MIN_LETTERS = 5
LONG = 8
SHORTEST = MIN_LETTERS - 1  # the shortest word a typo may be read as


@functools.cache
def _english() -> SpellChecker:
    from spellchecker import SpellChecker

    return SpellChecker()


def load() -> None:
    """Load the English dictionary now rather than at a member's question."""
    _english()


def candidate(word: str, known: Mapping[str, int]) -> str | None:
    """The word of `known` (words and how often they are said) that `word` was most likely meant to be."""
    if len(word) < MIN_LETTERS or not (word.isascii() and word.isalpha()) or word in known:
        return None
    from rapidfuzz import process  # here: a question whose every word is known never needs it
    from rapidfuzz.distance import OSA

    slips = 2 if len(word) >= LONG else 1
    near = [(w, d) for w, d, _ in process.extract(word, known.keys(), scorer=OSA.distance, score_cutoff=slips,
                                                  limit=None) if w[0] == word[0]]
    if not near:
        return None
    closest = min(d for _, d in near)
    return max((w for w, d in near if d == closest), key=lambda w: (known[w], w))


def confirmed(word: str) -> bool:
    """Whether `word` is no English word, so that reading it as another one is safe."""
    return word not in _english()
