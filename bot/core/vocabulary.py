"""Turn a member's question into weighted search units, using the content's topics and synonyms.

A *unit* is one thing the question asks about: a phrase from the vocabulary ("feel like a
fraud") or a single content word ("mentor"), with the alternatives that mean the same. The
units drive both the FTS5 query and the coverage measure that decides whether we answer.
"""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from dataclasses import dataclass, field

from sqlite_utils import Database

WORD = re.compile(r"[^\W_]+")

STOPWORDS = frozenset(
    ["a", "about", "above", "after", "again", "against", "all", "am", "an", "and", "any", "are", "aren", "as", "at", "be", "because", "been", "before", "being", "below", "between", "both", "but", "by", "can", "cannot", "could", "couldn", "did", "didn", "do", "does", "doesn", "doing", "don", "down", "during", "each", "few", "for", "from", "further", "had", "hadn", "has", "hasn", "have", "haven", "having", "he", "her", "here", "hers", "herself", "him", "himself", "his", "how", "i", "if", "in", "into", "is", "isn", "it", "its", "itself", "just", "ll", "me", "might", "more", "most", "must", "mustn", "my", "myself", "needn", "no", "nor", "not", "now", "of", "off", "on", "once", "only", "or", "other", "ought", "our", "ours", "ourselves", "out", "over", "own", "re", "same", "shan", "she", "should", "shouldn", "so", "some", "such", "than", "that", "the", "their", "theirs", "them", "themselves", "then", "there", "these", "they", "this", "those", "through", "to", "too", "under", "until", "up", "ve", "very", "was", "wasn", "we", "were", "weren", "what", "when", "where", "which", "while", "who", "whom", "why", "will", "with", "won", "would", "wouldn", "you", "your", "yours", "yourself", "yourselves", "s", "t", "d", "m", "o", "y", "im", "ive", "id", "youre", "dont", "cant", "wont", "isnt", "doesnt", "didnt", "whats", "hows", "thats", "also", "anyone", "anybody", "someone", "somebody", "something", "anything", "really", "actually", "please", "thanks", "thank", "hi", "hello", "hey", "get", "got", "getting", "go", "going", "gonna", "want", "wanna", "like", "know", "tell", "say", "said", "think", "way", "thing", "things", "lot", "lots", "much", "many", "one", "ones", "people", "person", "guys", "kind", "sort", "bit", "even", "still", "ever", "every", "us", "let", "make", "makes", "made", "best", "good", "better", "yes", "yeah", "ok", "okay", "well", "would", "could", "maybe", "sure", "right", "tip", "tips", "advice", "advise", "suggestion", "suggestions", "recommendation", "recommendations", "idea", "ideas", "question", "questions", "help", "helpful", "guys", "anyone", "somebody", "genuinely", "honestly", "basically"]
)


def words(text: str) -> list[str]:
    text = unicodedata.normalize("NFKC", text).lower().replace("’", "'").replace("'", "")
    return WORD.findall(text)


@functools.lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A deliberately crude stemmer, only for matching vocabulary phrases and measuring coverage."""
    for suffix, keep in (("ies", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not word.endswith("ss"):
            return word[: -len(suffix)] + keep
    return word


def stems(text: str) -> list[str]:
    return [stem(w) for w in words(text)]


@dataclass
class Unit:
    """One thing asked about; `phrases` are the FTS5 phrases that match it (first is what was typed)."""

    key: str
    phrases: list[str]
    topics: list[str] = field(default_factory=list)
    weight: float = 1.0  # rarity among the tips, set by the searcher
    df: int = 0  # tips matching it, set by the searcher
    passage_df: int = 0  # passages matching it, set by the searcher

    @functools.cached_property
    def match_stems(self) -> list[tuple[str, ...]]:
        return [tuple(stems(p)) for p in self.phrases]


@dataclass
class Vocabulary:
    topics: dict[str, tuple[str, list[str]]]  # slug -> (label, terms)
    groups: list[list[str]]  # synonym groups, topic terms included
    _index: dict[tuple[str, ...], list[int]] = field(default_factory=dict)
    _topic_of: dict[tuple[str, ...], list[str]] = field(default_factory=dict)
    max_len: int = 1

    @classmethod
    def from_db(cls, db: Database) -> Vocabulary:
        topics = {
            slug: (label, json.loads(terms))
            for slug, label, terms in db.execute("SELECT slug, label, terms FROM topics ORDER BY slug")
        }
        groups = [json.loads(terms) for (terms,) in db.execute("SELECT terms FROM synonyms ORDER BY id")]
        return cls.build(topics, groups)

    @classmethod
    def build(cls, topics: dict[str, tuple[str, list[str]]], groups: list[list[str]]) -> Vocabulary:
        vocab = cls(topics=topics, groups=[list(g) for g in groups])
        for gi, group in enumerate(vocab.groups):
            for phrase in group:
                key = tuple(stems(phrase))
                if key:
                    vocab._index.setdefault(key, []).append(gi)
                    vocab.max_len = max(vocab.max_len, len(key))
        for slug, (label, terms) in topics.items():
            for phrase in [*terms, label, slug.replace("-", " ")]:
                key = tuple(stems(phrase))
                if key:
                    vocab._topic_of.setdefault(key, []).append(slug)
                    vocab.max_len = max(vocab.max_len, len(key))
        return vocab

    def units(self, query: str) -> list[Unit]:
        """Longest vocabulary phrases first, then the remaining content words, in question order."""
        tokens = words(query)
        keyed = [stem(t) for t in tokens]
        units: list[Unit] = []
        i = 0
        while i < len(tokens):
            for size in range(min(self.max_len, len(tokens) - i), 0, -1):
                key = tuple(keyed[i : i + size])
                if size == 1 and tokens[i] in STOPWORDS:
                    continue
                groups = self._index.get(key, [])
                topics = self._topic_of.get(key, [])
                if not groups and not topics:
                    continue
                typed = " ".join(tokens[i : i + size])
                phrases = [typed]
                for gi in groups:
                    phrases += [p for p in self.groups[gi] if p not in phrases]
                units.append(Unit(typed, phrases, topics=list(dict.fromkeys(topics))))
                i += size
                break
            else:
                if tokens[i] not in STOPWORDS and (len(tokens[i]) > 1 or not tokens[i].isascii()):
                    units.append(Unit(tokens[i], [tokens[i]]))
                i += 1
        merged: dict[str, Unit] = {}
        for unit in units:
            merged.setdefault(unit.key, unit)
        return list(merged.values())
