"""Every ranking (kept per-phrase scores, with or without postings, and one query per question) gives
FTS5 bm25()'s own scores and order; kept scores and postings follow content changes."""

from __future__ import annotations

import functools
import re
import sqlite3
import time

import numpy as np
import pytest

from bot.core import postings
from bot.core.bm25 import QueryScores
from bot.core.postings import Postings, _tokenizer, fts5_tokens, tokenize_words
from bot.core.ranking import PhraseScores
from bot.core.search import TIP_WEIGHTS, Searcher, Unit, word_phrases
from bot.core.vocabulary import words
from bot.store import open_db

QUESTIONS = [
    "how do I pick the right mentor for my specific goal, like a promotion vs. landing a job?",
    "How do people find time to study ML when they have young kids",
    "what is the STAR format",
    "kaggle",
    "how do I stop feeling like a fraud?",
    "is 40 too old to switch careers into machine learning",
    "which communities would you recommend to find unpaid mentors?",
]
TIPS_BM25 = f"bm25({', '.join(str(w) for w in TIP_WEIGHTS.values())})"


def fts5_top(db, table: str, phrases: list[str], limit: int, bm25: str | None = None) -> list[tuple[int, float]]:
    """What FTS5 itself returns for the whole query, best first, with bm25() negated into a score."""
    rank = f"AND rank MATCH '{bm25}'" if bm25 else ""
    return db.execute(
        f"SELECT rowid, -rank FROM {table}_fts WHERE {table}_fts MATCH ? {rank} ORDER BY rank LIMIT {limit}",
        [" OR ".join(phrases)],
    ).fetchall()


def assert_same_ranking(mine: list[tuple[int, float]], theirs: list[tuple[int, float]]) -> None:
    assert len(mine) == len(theirs) > 0
    for (row, score), (their_row, their_score) in zip(mine, theirs, strict=True):
        assert score == pytest.approx(their_score, rel=1e-12)
        assert row == their_row or score == pytest.approx(dict(theirs).get(row, -1.0), rel=1e-12)  # an exact tie


def weighed(searcher: Searcher, question: str) -> list[Unit]:
    units = searcher.vocabulary().units(question)
    searcher._weigh(units)
    return units


def add_tip(db, tip_id: str, title: str, tip: str, topics: str, questions: str) -> None:
    """A new tip written straight into the table (as another process would), citing the first tip's span."""
    db.execute(
        "INSERT INTO tips (id, title, tip, quote, speaker, source, start, \"end\", topics, questions) "
        "SELECT ?, ?, ?, quote, speaker, source, start, \"end\", ?, ? FROM tips LIMIT 1",
        [tip_id, title, tip, topics, questions])


add_zorblax = functools.partial(add_tip, tip_id="zorblax", title="Zorblax", tip="Zorblax zorblax.", topics="x",
                                questions="zorblax?")


EVERY_WORD = functools.partial(PhraseScores, min_rows=1)  # every word's scores from the postings, none from FTS5
KEPT = functools.partial(PhraseScores, min_rows=10**9)  # every phrase's scores from FTS5, then kept
RANKINGS = pytest.mark.parametrize("ranking", [KEPT, EVERY_WORD, QueryScores], ids=["kept", "postings", "query"])


@RANKINGS
@pytest.mark.parametrize("question", QUESTIONS)
def test_tips_rank_exactly_as_fts5_bm25_of_the_whole_query(bot, question, ranking):
    """Synonyms, `topics :` filters, phrases of several words and the typed words' repetition all included."""
    searcher = bot.searcher
    phrases = searcher.tip_phrases(weighed(searcher, question))
    assert len(phrases) > len(set(phrases))  # the typed words are repeated, so the repetition is checked too
    mine = ranking(bot.db, "tips", list(TIP_WEIGHTS.values())).top(phrases, 24)
    assert_same_ranking(mine, fts5_top(bot.db, "tips", phrases, 24, TIPS_BM25))


@RANKINGS
@pytest.mark.parametrize("question", QUESTIONS)
def test_passages_rank_exactly_as_fts5_bm25_of_the_whole_query(bot, question, ranking):
    searcher = bot.searcher
    units = weighed(searcher, question)
    phrases = searcher._weighty([(word_phrases(u), u.passage_df) for u in units], "passages")
    mine = ranking(bot.db, "passages").top(phrases, 12)
    assert_same_ranking(mine, fts5_top(bot.db, "passages", phrases, 12))


def test_every_ranking_gives_the_same_answers(bot):
    """`careerbot ask` (one query per question), a bot that has not warmed and a serving bot answer alike."""
    kept, queried, warmed = Searcher(bot.db), Searcher(bot.db, keep_scores=False), Searcher(bot.db)
    warmed.warm()
    for question in [*QUESTIONS, "how do I bake bread", "weather in Hamburg", "mentor"]:
        assert kept.ask(question).contract() == queried.ask(question).contract() == warmed.ask(question).contract()
    warmed.stop()


def test_a_small_budget_forgets_phrases_but_still_ranks_the_same(bot):
    searcher = bot.searcher
    phrases = searcher.tip_phrases(weighed(searcher, QUESTIONS[0]))
    roomy = PhraseScores(bot.db, "tips", list(TIP_WEIGHTS.values()), min_rows=10**9)  # every phrase from FTS5
    tight = PhraseScores(bot.db, "tips", list(TIP_WEIGHTS.values()), budget=20, min_rows=10**9)
    assert tight.top(phrases, 24) == roomy.top(phrases, 24)
    assert tight._held <= 20 < roomy._held


@RANKINGS
def test_no_phrase_or_no_match_ranks_nothing(bot, ranking):
    scores = ranking(bot.db, "tips", list(TIP_WEIGHTS.values()))
    assert scores.top([], 5) == []
    assert scores.top(['"zorblaxian"'], 5) == []
    assert scores.top(['"mentor"'], 0) == [] and len(scores.top(['"mentor"'], 1)) == 1


def test_a_tip_added_by_another_connection_is_ranked_by_a_searcher_with_cached_phrase_scores(db_file):
    """Phrase scores are kept per content generation: a new tip must reach the next question."""
    reader, writer = open_db(db_file), open_db(db_file)
    searcher = Searcher(reader)
    question = "what is the STAR format"
    before = [c.id for c in searcher.ask(question).results]
    assert searcher._ranked["tips"]._held > 0
    add_tip(writer, "star-format-in-short", "The STAR format in short", "Situation, task, action, result: the STAR format.",
            "interviews", "what is the STAR format")
    writer.conn.commit()
    after = [c.id for c in searcher.ask(question).results]
    assert "star-format-in-short" not in before and "star-format-in-short" in after
    searcher.stop()
    reader.conn.close()
    writer.conn.close()


@pytest.mark.parametrize("min_rows", [1, 8], ids=["every word, one pass", "common words, one query each"])
@pytest.mark.parametrize("table", ["tips", "passages"])
def test_postings_score_every_word_as_fts5_does_and_know_nothing_else(bot, table, min_rows):
    weights = tuple(TIP_WEIGHTS.values()) if table == "tips" else ()
    postings = Postings(bot.db, table, weights, min_rows=min_rows)
    fts5 = PhraseScores(bot.db, table, weights, min_rows=10**9)  # asks FTS5 for everything
    assert postings.words() == bot.db.execute(f"SELECT count(*) FROM temp.{table}_fts_words WHERE doc >= ?",
                                              [min_rows]).fetchone()[0] > 100
    text = " ".join(row[0] for row in bot.db.execute(f"SELECT {'tip' if table == 'tips' else 'text'} FROM {table}"))
    typed = sorted(set(words(text)))
    assert len(typed) > 900
    for word in typed[::3]:
        their_rows, their_scores = fts5.scores(f'"{word}"')
        if len(their_rows) < min_rows:  # rarer; or none: our words keep "dont" whole, FTS5 has "don", "t"
            assert postings.scores(f'"{word}"') is None
            continue
        rows, scores = postings.scores(f'"{word}"')
        assert rows.tolist() == their_rows.tolist()
        np.testing.assert_allclose(scores, their_scores, rtol=1e-12)
    for phrase in ['"machine learning"', 'topics : "mentors"', '"zorblaxian"', "mentor*", '""']:
        assert postings.scores(phrase) is None


def test_phrases_are_tokenized_by_fts5_itself():
    assert fts5_tokens("Learning", "porter") == ("learn",)
    assert fts5_tokens("machine-learning C++", "porter") == ("machin", "learn", "c")
    assert fts5_tokens('say "hi" ✨ Ünïcode', "porter") == ("sai", "hi", "unicod")
    assert fts5_tokens("!!!", "porter") == ()


def whole_tokens(text: str, tokenize: str = "porter") -> tuple[str, ...]:
    """FTS5's tokens of the whole text at once, from a table of its own."""
    conn = sqlite3.connect(":memory:")
    conn.execute(f"CREATE VIRTUAL TABLE t USING fts5(x, tokenize='{tokenize}')")
    conn.execute("CREATE VIRTUAL TABLE v USING fts5vocab(t, instance)")
    conn.execute("INSERT INTO t (x) VALUES (?)", [text])
    return tuple(term for (term,) in conn.execute("SELECT term FROM v ORDER BY offset"))


@pytest.mark.parametrize("tokenize", ["porter", "unicode61", "trigram"])
def test_a_phrase_tokenized_word_by_word_and_texts_tokenized_together_get_fts5s_tokens_of_each_whole(tokenize):
    texts = ["machine-learning C++ Learning", 'say "hi" ✨ Ünïcode', "don't  stop\tbelieving", "", "   ",
             "naïve\u00a0café", "Learning", "data scientist"]
    assert [fts5_tokens(text, tokenize) for text in texts] == [whole_tokens(text, tokenize) for text in texts]
    assert tokenize_words([*texts, *texts], tokenize) == [whole_tokens(text, tokenize) for text in [*texts, *texts]]


def test_after_warm_a_question_in_the_corpus_words_is_not_tokenized_again(bot):
    postings._TOKENS.clear()  # as in a new process
    searcher = Searcher(bot.db)
    searcher.warm()
    tokenized: list[str] = []
    _tokenizer("porter").set_trace_callback(lambda sql: tokenized.append(sql) if sql.startswith("INSERT") else None)
    try:
        searcher.ask("which experience usually helps before the next question?")
        assert not tokenized
        searcher.ask("zorblaxian quuxification")
        assert tokenized  # words the corpus does not say are tokenized when asked
    finally:
        _tokenizer("porter").set_trace_callback(None)
    searcher.stop()


def test_a_small_tables_postings_hold_every_word_so_a_first_ask_asks_fts5_only_for_phrases(bot):
    """The bundled content's tables are small: after warm, FTS5 scores no single word of a question."""
    searcher = Searcher(bot.db)
    assert searcher._ranked["tips"].postings().words() == bot.db.execute(
        "SELECT count(*) FROM temp.tips_fts_words").fetchone()[0]
    searcher.warm()
    asked = asked_of_fts5(bot, searcher, "I want to move into management but have zero formal leadership experience")
    assert not [sql for sql in asked if re.search(r"""MATCH '"[^" ]+"'""", sql)]
    searcher.stop()


def test_postings_follow_a_content_change(bot):
    """A clear (content changed) drops the postings; the next question reads them again, new rows included."""
    scores = PhraseScores(bot.db, "tips", list(TIP_WEIGHTS.values()), min_rows=1)
    before = scores.postings()
    add_zorblax(bot.db)
    assert before.scores('"zorblax"') is None
    scores.clear()
    assert scores.postings() is not before
    rows, _ = scores.scores('"zorblax"')
    assert len(rows) == 1
    assert scores.top(['"zorblax"'], 1) == fts5_top(bot.db, "tips", ['"zorblax"'], 1, TIPS_BM25)


def asked_of_fts5(bot, searcher: Searcher, question: str) -> list[str]:
    """The bm25() queries FTS5 ran while answering."""
    asked: list[str] = []
    bot.db.conn.set_trace_callback(lambda sql: asked.append(sql) if "bm25(" in sql else None)
    try:
        searcher.ask(question)
    finally:
        bot.db.conn.set_trace_callback(None)
    return asked


def test_warm_pins_the_vocabulary_phrases_so_no_question_asks_fts5_for_them(bot):
    searcher = Searcher(bot.db)
    question = "is 40 too old to switch careers into machine learning"
    asked = "\n".join(asked_of_fts5(bot, searcher, question))
    assert '"switch careers"' in asked  # a vocabulary phrase (single words come from the postings)
    searcher = Searcher(bot.db)
    searcher.warm()
    tips = searcher._ranked["tips"].postings()
    assert tips.scores('"switch careers"') is not None and tips.scores('topics : "mentors"') is not None
    asked = "\n".join(asked_of_fts5(bot, searcher, question))
    assert '"switch careers"' not in asked and '"retrain"' not in asked
    searcher.stop()


def test_after_warm_a_content_change_is_answered_at_once_and_the_postings_are_read_again_in_the_background(db_file):
    reader, writer = open_db(db_file), open_db(db_file)
    searcher = Searcher(reader)
    searcher.warm()
    before = searcher._ranked["tips"].postings()
    add_zorblax(writer)
    writer.conn.commit()
    assert [c.id for c in searcher.ask("zorblax").results] == ["zorblax"]
    tips = searcher._ranked["tips"]
    for _ in range(200):  # the background reading takes milliseconds here; allow ten seconds
        if tips.postings() is not None:
            break
        time.sleep(0.05)
    postings = tips.postings()
    assert postings is not None and postings is not before
    assert postings.scores('"machine learning"') is not None  # pinned again
    assert tips.top(['"zorblax"'], 1) == fts5_top(reader, "tips", ['"zorblax"'], 1, TIPS_BM25)
    searcher.stop()  # a reading may still run: closing under it crashed the process once (fresh clone)
    reader.conn.close()
    writer.conn.close()
