"""Mistyped words are read as meant, and only when that is safe (bot/core/spelling.py)."""

from __future__ import annotations

import pytest

from bot.core import spelling
from bot.core.search import RESPELT
from bot.corpus.loader import store_transcript
from bot.corpus.transcripts import Cue
from bot.store import transaction

MISTYPED = [
    ("how do I find a mentr", "how do I find a mentor", "I read “mentr” as “mentor”."),
    ("carrer change at 40", "career change at 40", "I read “carrer” as “career”."),
    ("is it realy worth going to interveiws before I'm ready?", "is it really worth going to interviews before I'm ready?",
     "I read “realy” as “really” and “interveiws” as “interviews”."),
]


def ids(answer) -> list[str]:
    return [c.id for c in answer.results]


@pytest.mark.parametrize(("typed", "meant", "note"), MISTYPED)
def test_a_mistyped_question_gets_the_answer_it_meant_and_says_how_it_was_read(bot, typed, meant, note):
    answer = bot.searcher.ask(typed)
    assert answer.answered and ids(answer) == ids(bot.searcher.ask(meant))
    assert answer.note == note
    assert answer.query == typed  # the contract echoes the question as asked
    assert bot.ask(typed).note == note  # and every front end shows the note


@pytest.mark.parametrize(("question", "word", "near"), [
    ("what's a good chili recipe?", "chili", "child"),
    ("best phone charger?", "charger", "charge"),
    ("how do I get better at hiking", "hiking", "hiring"),
])
def test_an_english_word_is_never_read_as_another(bot, question, word, near):
    """Each has a word the corpus never says one slip from one it does; read so, the question would be answered."""
    assert spelling.candidate(word, bot.searcher.known_words()) == near
    assert bot.searcher.ask(question.replace(word, near)).answered
    answer = bot.searcher.ask(question)
    assert not answer.answered and answer.note is None


def test_the_english_word_list_is_read_as_pyspellchecker_knows_it():
    """`confirmed` reads pyspellchecker's shipped file, not its API: this fails if a version ships it otherwise."""
    from spellchecker import SpellChecker

    english = SpellChecker()
    sample = [w for i, w in enumerate(sorted(english.word_frequency.dictionary)) if i % 40 == 0 and w.isalpha()]
    assert len(sample) > 3000 and {"a", "zoo"} <= english.word_frequency.dictionary.keys()
    for word in [*sample, "a", "zoo", "chili", "hiking", "lawyer"]:
        assert not spelling.confirmed(word), word
    for typo in ("mentr", "carrer", "intervwies", "kagle", "procrastinaton", "zzzq"):
        assert typo not in english and spelling.confirmed(typo), typo


def test_how_a_candidate_is_chosen():
    known = {"mentor": 5, "mentors": 2, "really": 40, "ready": 9, "interviews": 7, "kaggle": 1, "layer": 3}
    assert spelling.candidate("mentr", known) == "mentor"
    assert spelling.candidate("realy", known) == "really"  # as close as "ready", and said more often
    assert spelling.candidate("intervwies", known) == "interviews"  # two slips from eight letters on
    assert spelling.candidate("mntrs", known) is None  # two slips in a short word
    assert spelling.candidate("kagle", known) == "kaggle"
    assert spelling.candidate("nentor", known) is None  # a slip in the first letter
    assert spelling.candidate("ment", known) is None  # too short to tell
    assert spelling.candidate("mentor", known) is None  # known already
    assert spelling.candidate("méntor", known) is None and spelling.candidate("ment0r", known) is None


def test_words_said_in_a_new_transcript_can_be_meant(bot):
    searcher = bot.searcher
    assert spelling.candidate("zorbleks", searcher.known_words()) is None
    cues = [Cue(0.0, 5.0, "Zorbleks are the best way to learn statistics."), Cue(5.0, 9.0, "Really, zorbleks.")]
    with transaction(bot.db):
        store_transcript(bot.db, "zz_new", cues, {"title": "New", "guest": "Zed"}, "txt", {}, None)
    assert spelling.candidate("zorbelks", searcher.known_words()) == "zorbleks"
    assert searcher.known_words()["zorbleks"] == 2


def test_a_question_has_at_most_a_few_words_read_again(bot):
    """Each reading compares a word with every known one: a long hostile question must not multiply that."""
    typed = ["mentr", "carrer", "interveiws", "portfoilo", "sindrome", "procastination"]
    searcher = bot.searcher
    units = searcher.vocabulary().units(" ".join(typed))
    searcher._weigh(units)
    meant = ["mentor", "career", "interviews", "portfolio", "syndrome", "procrastination"]
    assert searcher._respell(units) == dict(list(zip(typed, meant, strict=True))[:RESPELT])
    assert len(typed) > RESPELT
