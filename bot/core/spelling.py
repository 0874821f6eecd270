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

The searcher confirms a reading only when it would change the answer, and a serving process
loads the dictionary at start (`load`). It is read as the file pyspellchecker ships, not through
`SpellChecker()`, which spends 0.3 s building word counts that a yes-or-no lookup does not need:
a one-off `careerbot ask` with a typo then stays near the 0.5 s a question without one takes.
"""

from __future__ import annotations

import functools
import gzip
from collections.abc import Mapping
from importlib import resources

MIN_LETTERS = 5
LONG = 8
SHORTEST = MIN_LETTERS - 1  # the shortest word a typo may be read as


@functools.cache
def _english() -> bytes:
    """pyspellchecker's English words as it ships them: gzipped JSON, one `"word": count,` a line.

    Its file, not its API, so pyproject.toml pins the versions known to ship it so
    (tests/test_spelling.py checks the lookup against `SpellChecker`). 30 ms, 2.7 MB.
    """
    return gzip.decompress(resources.files("spellchecker.resources").joinpath("en.json.gz").read_bytes())


def load() -> None:
    """Load the English dictionary and rapidfuzz now rather than at a member's question (5-10 ms)."""
    _english()
    import rapidfuzz.distance  # noqa: F401


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
    """Whether `word` (lower-case letters, as `candidate` reads) is no English word, so that reading it
    as another one is safe. A scan of the word list, up to 2 ms: only a question a reading would
    change asks, for at most RESPELT words."""
    return f'\n"{word}":'.encode() not in _english()
