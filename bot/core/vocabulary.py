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
from typing import TYPE_CHECKING

from bot.core.spelling import SHORTEST

if TYPE_CHECKING:
    from bot.store import SQL

WORD = re.compile(r"[^\W_]+")

# Words that carry no topic, grouped by why. Apostrophes are dropped before matching, so
# contractions appear as "wasnt", "youd"; chat shorthand ("ppl", "tbh") is as empty as its long form.
_FUNCTION_WORDS = """a about above after again against all also am an and any are as at be because been before being below
between both but by can cannot could did do does doing down during each few for from further had has have having he her
here hers herself him himself his how i if in into is it its itself just let me might more most must my myself no nor not
now of off on once only or other ought our ours ourselves out over own same she should so some such than that the their
theirs them themselves then there these they this those through to too under until up us very was we were what when where
which while who whom why will with would you your yours yourself yourselves except besides without within among amongst
around across along upon via per onto toward towards whether though although unless since yet else whose whatever however
instead rather quite almost already another others"""
_CONTRACTIONS = """aren couldn didn doesn don hadn hasn haven isn mustn needn shan shouldn wasn weren won wouldn ll re ve s t d
m o y im ive id ill youre youve youll youd hes shes itll weve theyre theyve theyll theyd thats theres heres whats hows whos
wheres whens whys lets dont cant wont isnt arent wasnt werent doesnt didnt hasnt havent hadnt wouldnt shouldnt couldnt
mustnt neednt shant aint"""
_CHAT = """hi hello hey thanks thank please pls plz lol tbh imo imho btw idk ok okay yes yeah well maybe sure right really
actually genuinely honestly basically anyone anybody someone somebody something anything guys ppl people person vs versus
etc gonna wanna gotta kinda sorta wat wut ur thx ty tho cuz coz bc abt smth sth dunno ya yall
folks fr ngl rn omg lmao"""
_FRAMING = """get got getting go going want like know tell say said think way thing things lot lots much many one ones kind
sort bit even still ever every make makes made best good better tip tips advice advise suggestion suggestions
recommendation recommendations idea ideas question questions help helpful deal dealing"""
STOPWORDS = frozenset(" ".join([_FUNCTION_WORDS, _CONTRACTIONS, _CHAT, _FRAMING]).split())


# Chat markup a question may carry, which names people, channels and links rather than what is asked:
# Slack's <@U1|ann>, <!here>, <!subteam^S1>, <#C1|general>, <https://…|label>; Discord's <@1>, <@&2>, <#3>,
# <:emoji:4>, <t:1700000000:R>, </ask:5>; typed @everyone, @here, @handles; bare links. Left in, "<@U1>"
# was a word no tip has and made "<@U1> kaggle" look off-topic, and "@everyone" alone found tips on "everyone".
CHAT_MARKUP = re.compile(r"<(?:[@!#/:]|a:|t:|https?://|mailto:)[^<>]*>|(?<![\w@])@[\w.-]+|\bhttps?://\S+")


def without_markup(text: str) -> str:
    """The question's own words: `CHAT_MARKUP` removed, whitespace collapsed (replies still echo it as typed)."""
    return " ".join(CHAT_MARKUP.sub(" ", text).split())


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


def topic_terms(slug: str, label: str, terms: list[str]) -> list[str]:
    """The phrases that make a question ask about a topic: its terms, its label and its slug in words."""
    return [*terms, label, slug.replace("-", " ")]


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
    def match_stems(self) -> list[frozenset[str]]:
        """Each phrase's stems, for coverage (which asks only whether a text has them all)."""
        return [found for found in (frozenset(stems(p)) for p in self.phrases) if found]

    @functools.cached_property
    def topic_set(self) -> frozenset[str]:
        return frozenset(self.topics)

    @functools.cached_property
    def any_stems(self) -> frozenset[str]:
        """Every stem of every phrase: a text with none of them cannot contain the unit."""
        return frozenset().union(*self.match_stems)


@dataclass
class Vocabulary:
    topics: dict[str, tuple[str, list[str]]]  # slug -> (label, terms)
    groups: list[list[str]]  # synonym groups, topic terms included
    _index: dict[tuple[str, ...], list[int]] = field(default_factory=dict)
    _topic_of: dict[tuple[str, ...], list[str]] = field(default_factory=dict)
    max_len: int = 1

    @classmethod
    def from_db(cls, db: SQL) -> Vocabulary:
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
            for phrase in topic_terms(slug, label, terms):
                key = tuple(stems(phrase))
                if key:
                    vocab._topic_of.setdefault(key, []).append(slug)
                    vocab.max_len = max(vocab.max_len, len(key))
        return vocab

    def phrases(self) -> list[str]:
        """Every phrase a unit can search for: synonyms, topic terms, labels and slugs."""
        found = [p for group in self.groups for p in group]
        for slug, (label, terms) in self.topics.items():
            found += topic_terms(slug, label, terms)
        return list(dict.fromkeys(p for p in found if p.strip()))

    @functools.cached_property
    def lexicon(self) -> frozenset[str]:
        """The vocabulary's words and the stopwords: a mistyped word may be meant as one (bot/core/spelling.py)."""
        return frozenset(w for p in self.phrases() for w in words(p) if len(w) >= SHORTEST) | STOPWORDS

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
