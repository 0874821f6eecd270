"""Answering a question: BM25 (SQLite FTS5) over curated tips, transcript passages as a fallback.

Ranking uses FTS5's bm25() with per-field weights, then favours the tips one of whose example questions
says what the member asked (their *fit*). Whether to answer at all is decided by
*coverage*: the share of the question's meaning (its units, weighted by rarity) that the best
result actually contains. Off-topic questions leave their key words uncovered and get no
citations. The thresholds are calibrated in docs/quality.md.
"""

from __future__ import annotations

import itertools
import math
import re
import sys
import threading
from copy import copy
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot.core import spelling, word_vectors
from bot.core.bm25 import QueryScores
from bot.core.reply import Card, moment_url, shorten
from bot.core.semantic import tip_texts
from bot.core.vocabulary import STOPWORDS, Unit, Vocabulary, stems, without_markup, words

if TYPE_CHECKING:
    from bot.core.semantic import Encoder
    from bot.store import SQL

MAX_QUERY_CHARS = 500
SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
TIP_WEIGHTS = {"title": 4.0, "questions": 5.0, "tip": 2.0, "topics": 2.0, "quote": 1.0, "context": 0.5}
EXPANSION_SHARE = 0.5  # how much synonym and topic matches count beside the words typed
# confidence = (best tip's score x (COVERAGE_BASE + its coverage) + PASSAGE_SHARE x best passage's BM25)
#              x share of the question's units found anywhere in the corpus;
# the question is answered when confidence >= ANSWER_AT (calibrated in docs/quality.md).
COVERAGE_BASE = 0.5
PASSAGE_SHARE = 0.25
ANSWER_AT = 14
SHORT = 3  # a question of at most this many units is answered when one tip covers all of it
BIGRAMS = 2.0  # ranking: how much the question's neighbouring word pairs count, beside its words (`_paired`)
FIT = 2.0  # ranking: a tip whose own example question covers the member's question counts up to 1 + FIT times
TOPIC_FIT = 0.5  # in that fit, a unit matched only through the tip's topics counts this much (topics are shared)
PASSAGE_COVER = 0.5  # a passage is shown only when it holds at least this share of the question's weight
RELATIVE = 0.3  # a further result must score at least this share of the best one
CANDIDATES = 12
OVERLAP = 0.5  # two results sharing more than half of the shorter span are the same moment
COMMON = 0.5  # a part of the query found in more than this share of a table's rows is left out of its ranking
WORD_VECTORS = True  # rerank the candidates with the distilled word vectors (bot/core/word_vectors.py)
WORD_BLEND = 0.35  # word vectors: how much the BM25 ranking counts beside the cosine
VOUCH_FROM = 0.72  # word vectors: a best cosine above this raises the confidence to answer ...
VOUCH = 15.0  # ... by the factor exp(VOUCH × (cosine − VOUCH_FROM)); below it, the words decide alone
BLEND = 0.5  # semantic extra: how much the BM25 ranking counts beside the cosine (bot/core/semantic.py)
SURE = 0.6  # semantic extra: a cosine this high answers even when the words alone would not
RESPELT = 4  # unmatched words of one question that may be read as mistyped (bot/core/spelling.py)
KEPT = 100_000  # entries in each of the searcher's caches (row counts, texts' stems) before it starts afresh
KEPT_TIPS = 5_000  # tips' rows the searcher keeps (`TipRow`, 12-16 KB each) before it starts afresh


@dataclass
class Answer:
    query: str
    answered: bool
    results: list[Card] = field(default_factory=list)
    note: str | None = None
    units: list[str] = field(default_factory=list)

    def contract(self) -> dict[str, Any]:
        return {"query": self.query, "answered": self.answered, "results": [c.contract() for c in self.results]}


@dataclass(frozen=True)
class TipRow:
    """An active tip as ranking reads it, kept until the content changes: its columns, and the stems
    of its searchable text and of each example question (a quarter of a question's time went to these).

    Stems are interned (each is one string however many tips use it) and a question's are a tuple,
    made a set only for the few questions that share a stem with the member's: 12-16 KB a tip, not 22.
    """

    n: int
    id: str
    title: str
    tip: str
    quote: str
    speaker: str
    source: str
    start: float
    end: float
    topics: list[str]
    stems: frozenset[str]
    question_stems: tuple[frozenset[str], ...]
    texts: list[str]  # what the word vectors and the semantic extra compare (`tip_texts`)

    COLUMNS = 'n, id, title, tip, quote, speaker, source, start, "end", topics, questions, context'

    @classmethod
    def of(cls, n: int, tid: str, title: str, tip: str, quote: str, speaker: str, source: str, start: float,
           end: float, topics: str, questions: str, context: str) -> TipRow:
        asked = [q for q in questions.split("\n") if q.strip()]
        return cls(n, tid, title, tip, quote, speaker, source, start, end, topics.split(),
                   frozenset(map(sys.intern, stems(_searchable(title, tip, quote, questions, topics, context)))),
                   tuple(frozenset(map(sys.intern, stems(q))) for q in asked),
                   tip_texts(title, tip, quote, questions))


def fts_phrase(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def topic_phrase(slug: str) -> str:
    """A topic as an FTS5 phrase of the tips' topics field."""
    return f"topics : {fts_phrase(slug.replace('-', ' '))}"


def word_phrases(unit: Unit) -> list[str]:
    """One unit's words and synonyms as FTS5 phrases (what the conversations are searched for)."""
    return [fts_phrase(p) for p in unit.phrases if p.strip()]


def unit_phrases(unit: Unit) -> list[str]:
    """One unit's FTS5 phrases: its words and synonyms anywhere, its topics in the topics field."""
    return word_phrases(unit) + [topic_phrase(t) for t in unit.topics]


def word_pairs(query: str) -> list[str]:
    """Neighbouring words of the question, neither a stopword, as FTS5 phrases ("first data", "data scientist")."""
    said = words(query)
    return list(dict.fromkeys(fts_phrase(f"{a} {b}") for a, b in itertools.pairwise(said)
                              if a not in STOPWORDS and b not in STOPWORDS))


def overlaps(a: Card, b: Card) -> bool:
    if a.source != b.source:
        return False
    shared = min(a.end, b.end) - max(a.start, b.start)
    return shared > OVERLAP * min(a.end - a.start or 1.0, b.end - b.start or 1.0)


class Searcher:
    """Answers questions against one database; cheap to call, caches the vocabulary.

    `keep_scores` ranks from per-phrase scores kept between questions (bot/core/ranking.py), which
    pays off from the second question on; without it each question is one bm25() query per table
    (bot/core/bm25.py), the better choice for a process that answers one question and exits.
    """

    def __init__(self, db: SQL, keep_scores: bool = True, encoder: Encoder | None = None) -> None:
        self.db = db
        self._generation: int | None = None
        self._vocab: Vocabulary | None = None
        self._known_words: dict[str, int] | None = None
        self._episodes: dict[str, tuple[str, str | None, str]] = {}
        self._rows: dict[str, int] = {}
        self._counts: dict[tuple[str, tuple[str, ...]], int] = {}
        self._stem_sets: dict[int, frozenset[str]] = {}  # passages' stems, by their text's hash
        self._tip_rows: dict[int | str, TipRow] = {}  # by n and by id, for this generation of the content
        self._warming = threading.Lock()
        self._stopped = False
        if keep_scores:
            from bot.core.ranking import PhraseScores  # imports numpy, which a one-off ask does without
        ranking = PhraseScores if keep_scores else QueryScores
        self._ranked = {"tips": ranking(db, "tips", list(TIP_WEIGHTS.values())), "passages": ranking(db, "passages")}
        self._meaning = None
        if encoder is not None:
            from bot.core.semantic import TipVectors

            self._meaning = TipVectors(db, encoder)

    # -- content caches ------------------------------------------------------------------
    def _refresh(self) -> None:
        """Forget what was cached once the content changed (triggers bump the generation, see migrations)."""
        generation = self.db.execute("SELECT n FROM generation WHERE id = 1").fetchone()[0]
        if generation != self._generation:
            self._generation, self._vocab, self._known_words = generation, None, None
            self._episodes.clear()
            self._counts.clear()
            self._tip_rows.clear()
            for scores in self._ranked.values():
                scores.clear()
            if self._meaning is not None:
                self._meaning.clear()
            tips, passages = self.db.execute(
                "SELECT (SELECT count(*) FROM tips), (SELECT count(*) FROM passages)").fetchone()
            self._rows = {"tips": tips, "passages": passages}

    def vocabulary(self) -> Vocabulary:
        self._refresh()
        if self._vocab is None:
            self._vocab = Vocabulary.from_db(self.db)
        return self._vocab

    def episode(self, source: str) -> tuple[str, str | None, str]:
        """(title, url, guest) of an episode."""
        self._refresh()
        return self._episode(source)

    def _episode(self, source: str) -> tuple[str, str | None, str]:
        """`episode` within a question, whose start has already refreshed the caches."""
        if source not in self._episodes:
            row = self.db.execute("SELECT title, url, guest FROM episodes WHERE id = ?", [source]).fetchone()
            if row is None:
                return (source, None, source)
            self._episodes[source] = (row[0], row[1], row[2])
        return self._episodes[source]

    def _count(self, table: str, phrases: list[str]) -> int:
        """How many rows of `table` match any of the phrases, counted up to just past COMMON of them (cached)."""
        key = (table, tuple(phrases))
        if key not in self._counts:
            if len(self._counts) > KEPT:
                self._counts.clear()
            self._counts[key] = self._ranked[table].count(phrases, int(COMMON * self._rows[table]) + 1)
        return self._counts[key]

    def warm(self) -> int:
        """Read the postings and ask FTS5 for every phrase of the vocabulary now, not at a member's question.

        A serving process calls this at start; after a content change the same is then done again in
        the background (bot/core/ranking.py). docs/benchmarks.md has what it costs at 1,000 episodes.
        Returns the bytes the postings hold.
        """
        with self._warming:
            if self._stopped:
                return 0
            vocabulary = self.vocabulary()
            said = list(self.known_words())  # what typos are read as, and the words tokenized now (below)
            spelling.load()
            if self._meaning is not None:
                self._meaning.load(lambda: self._stopped)
            phrases = [fts_phrase(p) for p in vocabulary.phrases()]
            self._ranked["tips"].warm([*phrases, *map(topic_phrase, vocabulary.topics)], said)
            self._ranked["passages"].warm(phrases, said)
            rows = self._read_tips(f"SELECT {TipRow.COLUMNS} FROM tips WHERE status = 'active' ORDER BY n LIMIT ?",
                                   [KEPT_TIPS])  # so that no question reads and stems them
            if WORD_VECTORS and not self._stopped:  # and their word vectors, read from the database
                word_vectors.shared().texts(self.db, [text for row in rows for text in row.texts])
                word_vectors.shared().load()  # the questions' own
            return sum(scores.nbytes() for scores in self._ranked.values())

    def embed(self) -> int:
        """With the semantic extra, embed and store the tips' texts not seen before (else 0); see semantic.py."""
        if self._meaning is None:
            return 0
        self._refresh()
        return self._meaning.load()

    def stop(self) -> None:
        """Stop reading ahead (`warm`, and readings after content changes); call before closing the database."""
        self._stopped = True
        for scores in self._ranked.values():
            scores.stop()
        with self._warming:  # a warm under way has seen its readings stopped and returns
            pass

    # -- the answer ------------------------------------------------------------------------
    def ask(self, question: str, k: int = 3, topic: str | None = None) -> Answer:
        query = without_markup(question or "")  # what is searched; the answer echoes the question as asked
        note = None
        if len(query) > MAX_QUERY_CHARS:
            query = query[:MAX_QUERY_CHARS].rsplit(" ", 1)[0]
            note = f"Your question was long, so I read its first {len(query)} characters."
        if topic:
            return Answer(query=query, answered=True, results=self.browse(topic, limit=k), note=note)
        units = self.vocabulary().units(query)
        if not units:
            return Answer(query=question or "", answered=False, note=note)
        units, results, read = self._answer(query, units, k)
        asked = question_sentences(query)
        if not results and asked != query and (asked_units := self.vocabulary().units(asked)):
            # "Hi all! I'm Maria, a chemist from Spain. How do I find a mentor?": the greeting and the
            # introduction hold words no episode uses; the question itself may still be answered.
            asked_units, asked_results, asked_read = self._answer(asked, asked_units, k)
            if asked_results:
                units, results = asked_units, asked_results
                read = " ".join(filter(None, [f"I answered the question in your message: “{shorten(asked, 120)}”",
                                              asked_read]))
        return Answer(query=question, answered=bool(results), results=results,
                      note=" ".join(filter(None, [note, read])) or None, units=[u.key for u in units])

    def _answer(self, query: str, units: list[Unit], k: int) -> tuple[list[Unit], list[Card], str | None]:
        """The units answered for, the results (none when not sure) and a note on a word read as mistyped."""
        note = None
        tips, similar, results = self._found(query, units, k)
        respelt = self._respell(units)
        if respelt:  # a mistyped word: answer as it was meant, if that changes the answer (bot/core/spelling.py)
            meant = " ".join(respelt.get(w, w) for w in words(query))
            meant_units = self.vocabulary().units(meant)
            meant_tips, meant_similar, meant_results = self._found(meant, meant_units, k)
            if _ids(meant_results) != _ids(results) and all(map(spelling.confirmed, respelt)):
                query, units, tips, similar, results = meant, meant_units, meant_tips, meant_similar, meant_results
                read = " and ".join(f"“{typed}” as “{word}”" for typed, word in respelt.items())
                note = f"I read {read}."
        if self._meaning is not None:
            results = self._blend(units, tips, results, k, self._meaning.similarity(query), BLEND, SURE)
        elif similar and results:
            results = self._blend(units, tips, results, k, similar, WORD_BLEND, None)
        return units, results, note

    def _found(self, query: str, units: list[Unit], k: int) -> tuple[list[Card], dict[str, float], list[Card]]:
        """The candidate tips for the units, their word vectors' cosines with the query (by tip id),
        and the results: tips, then passages, or none when not sure."""
        known = self._weigh(units)
        tips = self._tips(units, query)
        similar = (word_vectors.shared().similarity(self.db, query, {c.id: c.texts for c in tips})  # type: ignore[attr-defined]
                   if WORD_VECTORS and tips else {})
        meaning = max(similar.values(), default=0.0)
        results = self._select(tips, [], k) if self.answers(units, tips, [], known, meaning) else []
        if len(results) < k:  # the conversation only when the tips alone are not enough (or not sure)
            passages = self._passages(units)
            results = self._select(tips, passages, k) if self.answers(units, tips, passages, known, meaning) else []
        return tips, similar, results

    def _respell(self, units: list[Unit]) -> dict[str, str]:
        """The weighed units that nothing in the corpus matches, and the words they may have been meant
        to be ("mentr": "mentor"); not yet `spelling.confirmed`, which loads a dictionary.

        At most RESPELT of them: each is compared with every known word, and a long hostile
        question could otherwise hold dozens.
        """
        unmatched = [u.key for u in units if not (u.df or u.passage_df or u.topics) and u.phrases == [u.key]]
        if not unmatched:
            return {}
        known = self.known_words()
        return {typed: word for typed in unmatched[:RESPELT] if (word := spelling.candidate(typed, known))}

    def known_words(self) -> dict[str, int]:
        """Words a typo may be read as, with how often the conversations say them (bot/core/spelling.py):
        those the conversations use, and the vocabulary's words and stopwords."""
        self._refresh()
        if self._known_words is None:
            said = dict(self.db.execute("SELECT word, n FROM spoken_words").fetchall())
            self._known_words = {**dict.fromkeys(self.vocabulary().lexicon, 1), **said}
        return self._known_words

    def _weigh(self, units: list[Unit]) -> float:
        """Count each unit's rows, weigh units by rarity among the tips; return the share the corpus knows.

        A unit found in no tip counts as much as the rarest one. A unit the corpus does not speak
        of (see `_spoken_of`) is most likely what an off-topic question is really about.
        """
        total = self._rows["tips"] or 1
        ceiling = math.log(1 + (total + 0.5) / 0.5)
        for unit in units:
            unit.df = self._count("tips", unit_phrases(unit))
            unit.passage_df = self._count("passages", word_phrases(unit))
            unit.weight = math.log(1 + (total - unit.df + 0.5) / (unit.df + 0.5)) if unit.df else ceiling
        return sum(self._spoken_of(u) for u in units) / len(units)

    def _spoken_of(self, unit: Unit) -> bool:
        """Whether the corpus speaks of a weighed unit: a topic, the conversations, or a tip's own text.

        Not a tip's example questions alone: they show how members ask, not what the episodes cover
        (with them, "gaming" in "best laptop for gaming?" was known from "a totally different game").
        """
        if unit.topics or unit.passage_df:
            return True
        words = " OR ".join(word_phrases(unit))
        return bool(unit.df and words) and self._count("tips", [f"- questions : ({words})"]) > 0

    def _weighty(self, parts: list[tuple[list[str], int]], table: str) -> list[str]:
        """The phrases worth a place in a ranked query of `table`, from parts (their phrases, rows they match).

        bm25() gives a part found in more than half the rows no weight (its idf is clamped), yet
        ranking would still score every row it matches: such parts cost the most and change nothing.
        """
        limit = COMMON * self._rows[table]
        return [phrase for phrases, df in parts if 0 < df <= limit for phrase in phrases]

    def _stem_set(self, text: str) -> frozenset[str]:
        """Stems of a passage's text, cached: the same texts come back question after question."""
        key = hash(text)
        found = self._stem_sets.get(key)
        if found is None:
            if len(self._stem_sets) > KEPT:
                self._stem_sets.clear()
            found = self._stem_sets[key] = frozenset(stems(text))
        return found

    @staticmethod
    def _coverage(units: list[Unit], have: frozenset[str], topics: list[str] = (), topic_share: float = 1.0) -> float:
        """The share of the question's weight that a text of these stems (or, at `topic_share`, its `topics`) contains."""
        got = total = 0.0
        for u in units:
            total += u.weight
            if not u.any_stems.isdisjoint(have) and any(map(have.issuperset, u.match_stems)):
                got += u.weight
            elif topics and not u.topic_set.isdisjoint(topics):
                got += topic_share * u.weight
        return got / (total or 1.0)

    def tip_phrases(self, units: list[Unit]) -> list[str]:
        """The FTS5 phrases that rank the tips for weighed units, repeated to weigh them ([] when none is worth it).

        Expansions (synonyms, topic terms) find the right tips when the member's words differ from
        ours; counting them in full would let a pile of synonyms outweigh the words actually typed.
        bm25() sums over every phrase of the query, so repeating the typed words k times weighs
        them k-fold: `expanded OR typed × (1/EXPANSION_SHARE)` scores, up to a constant factor,
        typed + EXPANSION_SHARE × expanded (the expanded query already holds the typed words once).
        """
        typed = dict.fromkeys(w for u in units for w in words(u.key) if w not in STOPWORDS)
        parts = [(unit_phrases(u), u.df) for u in units]
        parts += [([fts_phrase(w)], self._count("tips", [fts_phrase(w)])) for w in typed] * round(1 / EXPANSION_SHARE)
        return self._weighty(parts, "tips")

    def tip_query(self, units: list[Unit]) -> str:
        """`tip_phrases` as one FTS5 expression: FTS5's bm25() of it gives the scores `_tips` ranks by."""
        return " OR ".join(self.tip_phrases(units))

    def _tips(self, units: list[Unit], query: str = "") -> list[Card]:
        """Candidates by bm25 (see `tip_phrases` and bot/core/ranking.py), then ordered by their fit."""
        ranked = self._ranked["tips"].top(self.tip_phrases(units), CANDIDATES * 2)
        scores = {n: score * EXPANSION_SHARE for n, score in ranked}  # back to typed + share × expanded
        cards = self._tip_cards("n", scores, units, self._paired(query))
        return sorted(cards, key=lambda c: c.order, reverse=True)[:CANDIDATES]  # type: ignore[attr-defined]

    def _read_tips(self, sql: str, params: list) -> list[TipRow]:
        """Active tips' rows (`TipRow.COLUMNS`, selected by `sql`), kept by n and by id until the content changes."""
        if len(self._tip_rows) > 2 * KEPT_TIPS:  # two keys a row
            self._tip_rows.clear()
        rows = [TipRow.of(*row) for row in self.db.execute(sql, params)]
        for row in rows:
            self._tip_rows[row.n] = self._tip_rows[row.id] = row
        return rows

    def _paired(self, query: str) -> dict[int, float]:
        """bm25 scores (by tip row) of the question's neighbouring word pairs (`word_pairs`), to order the
        candidates: of two tips sharing the question's words, the one saying "first data scientist" as the
        member did comes first. Only the best-scored rows count; pairs are rare, so the candidates are among them.
        Not in the confidence to answer: a pair's idf is high, and off-topic questions have pairs too."""
        pairs = self._weighty([([p], self._count("tips", [p])) for p in word_pairs(query)], "tips") if BIGRAMS else []
        return dict(self._ranked["tips"].top(pairs, CANDIDATES * 8)) if pairs else {}

    def _tip_cards(self, key: str, scores: dict, units: list[Unit], paired: dict[int, float] | None = None) -> list[Card]:
        """Cards of the active tips whose `key` column ("n" or "id") is in `scores`, with their coverage and fit,
        and the `order` they rank in (fit and `paired` count there, not in the score the confidence reads)."""
        known = {k: row for k in scores if (row := self._tip_rows.get(k)) is not None}  # local: another thread may clear
        missing = [k for k in scores if k not in known]
        if missing:
            sql = f"SELECT {TipRow.COLUMNS} FROM tips WHERE status = 'active' AND {key} IN ({', '.join('?' * len(missing))})"
            known.update((getattr(row, key), row) for row in self._read_tips(sql, missing))
        rows = [known[k] for k in scores if k in known]  # in `scores` order, which breaks ties
        asked = frozenset().union(*(u.any_stems for u in units))
        cards = []
        for row in rows:
            card = self._tip_card(row.id, row.title, row.tip, row.quote, row.speaker, row.source, row.start, row.end,
                                  row.topics, scores[getattr(row, key)])
            card.coverage = self._coverage(units, row.stems, row.topics)  # type: ignore[attr-defined]
            card.texts = row.texts  # type: ignore[attr-defined]
            card.question_stems = row.question_stems  # type: ignore[attr-defined]
            # an example question sharing no stem with the member's covers at most what the topics do
            fits = [self._coverage(units, q, row.topics, TOPIC_FIT)
                    for q in row.question_stems if not asked.isdisjoint(q)]
            card.fit = max(fits) if fits else self._coverage(units, frozenset(), row.topics, TOPIC_FIT)  # type: ignore[attr-defined]
            card.order = card.score * (1 + FIT * card.fit) + BIGRAMS * EXPANSION_SHARE * (paired or {}).get(row.n, 0.0)  # type: ignore[attr-defined]
            cards.append(card)
        return cards

    def _blend(self, units: list[Unit], tips: list[Card], words_found: list[Card], k: int,
               similar: dict[str, float], blend: float, sure: float | None) -> list[Card]:
        """Tips ranked by meaning and words together (docs/quality.md).

        A tip scores its best cosine with the question (`similar`) plus `blend` times its BM25 ranking
        score (scaled to the best one's). Answer when the words answer (`words_found`, the BM25-only
        results), or when the meaning alone is `sure`: the semantic extra knows "impostor" and "fraud"
        are one worry, but not what the Pareto principle is, so neither vetoes the other. The word
        vectors are never sure alone: they only reorder what the words found.
        """
        if not words_found and (sure is None or max(similar.values(), default=0.0) < sure):
            return []
        ranked = {c.id: c.order for c in tips}  # type: ignore[attr-defined]
        top = max(ranked.values(), default=0.0) or 1.0
        blended = {tid: sim + blend * ranked.get(tid, 0.0) / top for tid, sim in similar.items()}
        chosen = dict(sorted(blended.items(), key=lambda item: item[1], reverse=True)[:CANDIDATES])
        found = {c.id: c for c in tips}  # the candidates' cards are made already; the extra may bring others
        cards = [copy(found[tid]) for tid in chosen if tid in found]  # with their coverage and fit
        for card in cards:
            card.score = chosen[card.id]
        cards += self._tip_cards("id", {tid: s for tid, s in chosen.items() if tid not in found}, units)
        cards.sort(key=lambda c: c.score, reverse=True)
        return self._select(cards, [c for c in words_found if c.kind == "passage"], k)

    def _passages(self, units: list[Unit]) -> list[Card]:
        phrases = self._weighty([(word_phrases(u), u.passage_df) for u in units], "passages")
        ranked = self._ranked["passages"].top(phrases, CANDIDATES)
        if not ranked:
            return []
        score_of = dict(ranked)
        found = self.db.execute(
            f'SELECT id, source, start, "end", text FROM passages WHERE id IN ({", ".join("?" * len(ranked))})',
            list(score_of),
        ).fetchall()
        cards = []
        for pid, source, start, end, text in sorted(found, key=lambda row: (-score_of[row[0]], row[0])):
            episode, url, speaker = self._episode(source)
            # the captions do not say who speaks (the host or the guest): the title names the guest,
            # the attribution no one
            card = Card(f"passage-{pid}", "passage", f"From the conversation with {speaker}", "", _excerpt(text),
                        "", episode, source, start, end, moment_url(url, start), score=score_of[pid])
            card.coverage = self._coverage(units, self._stem_set(text))  # type: ignore[attr-defined]
            cards.append(card)
        return cards

    @staticmethod
    def confidence(tips: list[Card], passages: list[Card], known: float, meaning: float = 0.0) -> float:
        """How sure we are that the corpus answers the question at all (see docs/quality.md).

        `meaning` is the best word-vector cosine between the question and a candidate tip. It can
        vouch for a question told in the member's own words ("my brother-in-law jokes about my
        coding hobby"), whose unknown words lower `known`; it cannot veto one whose words are
        plain ("Pareto principle", which the vectors barely know).
        """
        tip = max((c.score * (COVERAGE_BASE + c.coverage) for c in tips), default=0.0)  # type: ignore[attr-defined]
        vouched = math.exp(VOUCH * max(0.0, meaning - VOUCH_FROM))
        return (tip + PASSAGE_SHARE * (passages[0].score if passages else 0.0)) * known * vouched

    def answers(self, units: list[Unit], tips: list[Card], passages: list[Card], known: float,
                meaning: float = 0.0) -> bool:
        """Answer when confident, or when a short question is what a tip is about ("kaggle").

        "About" means the tip's title, example questions or topics hold every part of the question:
        a word the tip only mentions in passing ("remote-friendly work" for "remote work") does not.
        """
        if self.confidence(tips, passages, known, meaning) >= ANSWER_AT:
            return True
        return bool(tips) and known == 1.0 and len(units) <= SHORT and self._about(units, tips[0]) >= 1.0

    def _about(self, units: list[Unit], card: Card) -> float:
        """How much of the question a tip's title, example questions and topics (what it is about) hold."""
        asked = card.question_stems  # type: ignore[attr-defined]
        return self._coverage(units, frozenset(stems(card.title)).union(*asked), card.topics)

    def _select(self, tips: list[Card], passages: list[Card], k: int) -> list[Card]:
        """Curated tips first, then passages "from the conversation"; never the same moment twice."""
        chosen: list[Card] = []
        passages = [p for p in passages if p.coverage >= PASSAGE_COVER]  # type: ignore[attr-defined]
        for pool in (tips, passages):
            if not pool:
                continue
            best = max(card.score for card in pool)
            for card in pool:
                if len(chosen) >= k:
                    return chosen
                if card.score >= RELATIVE * best and not any(overlaps(card, c) for c in chosen):
                    chosen.append(card)
        return chosen

    def browse(self, topic: str, limit: int = 10) -> list[Card]:
        """The tips on a topic: first those it is the main topic of (listed first), then in episode order."""
        return self._cards(
            "WHERE status = 'active' AND (' ' || topics || ' ') LIKE ? "
            "ORDER BY (topics || ' ') NOT LIKE ?, source, start LIMIT ?",
            [f"% {topic} %", f"{topic} %", limit],
        )

    def all_tips(self) -> list[Card]:
        return self._cards("WHERE status = 'active' ORDER BY source, start", [])

    def _cards(self, where: str, params: list) -> list[Card]:
        self._refresh()
        rows = self.db.execute(
            f'SELECT id, title, tip, quote, speaker, source, start, "end", topics FROM tips {where}', params
        ).fetchall()
        return [self._tip_card(tid, title, tip, quote, speaker, source, start, end, topics.split())
                for tid, title, tip, quote, speaker, source, start, end, topics in rows]

    def _tip_card(self, tid: str, title: str, tip: str, quote: str, speaker: str, source: str, start: float,
                  end: float, topics: list[str], score: float = 0.0) -> Card:
        """A tip's card, with its episode's title and a link to the moment when the episode has a URL."""
        episode, url, _ = self._episode(source)
        return Card(tid, "tip", title, tip, quote, speaker, episode, source, start, end, moment_url(url, start),
                    score=score, topics=topics)


def question_sentences(text: str) -> str:
    """The sentences of `text` that end in a question mark (all of it when none does)."""
    asked = [s for s in SENTENCE_END.split(text) if s.rstrip().endswith("?")]
    return " ".join(asked) or text


def _ids(cards: list[Card]) -> list[str]:
    return [c.id for c in cards]


def _searchable(title: str, tip: str, quote: str, questions: str, topics: str, context: str) -> str:
    """A tip's text as its coverage of a question is measured."""
    return " ".join([title, tip, quote, questions, topics.replace("-", " "), context])


def _excerpt(text: str, limit: int = 300) -> str:
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + " …"
