"""The distilled word vectors (bot/core/word_vectors.py): their files, WordPiece, meaning, storage and reranking."""

from __future__ import annotations

import sys

import pytest

from bot.core import search, word_vectors
from bot.core.search import Searcher
from bot.core.semantic import TOKENIZER, tip_texts
from bot.core.vocabulary import words
from bot.core.word_vectors import DIMENSIONS, WordVectors, pieces, shared, wordpiece_vocabulary


def test_the_files_hold_one_sorted_token_and_one_vector_per_line():
    lines = word_vectors.VOCABULARY.read_text(encoding="utf-8").splitlines()
    assert lines == sorted(lines) and len(lines) == len(wordpiece_vocabulary(TOKENIZER))  # bisection needs the order
    assert word_vectors.VECTORS.stat().st_size == len(lines) * DIMENSIONS
    assert all(float(line.split("\t")[1]) >= 0 for line in lines)


def test_wordpiece_splits_words_as_the_models_own_tokenizer_does(bundled):
    tokenizers = pytest.importorskip("tokenizers", reason="the semantic extra has the model's tokenizer")
    model = tokenizers.Tokenizer.from_file(str(TOKENIZER))
    model.no_padding()
    vectors = shared()
    said = {w for transcript in bundled.transcripts.values() for cue in transcript.cues for w in words(cue.text)}
    tricky = {"mentor", "mentorship", "kaggle", "café", "naïve", "überzeugt", "x" * 101, "2024", "leetcode", "hyperparameters"}
    for word in sorted(said | tricky):
        ours = [vectors.load()[i].split("\t")[0] for i in pieces(word, vectors.index)]
        assert ours == model.encode(word, add_special_tokens=False).tokens, word


def test_related_texts_are_closer_than_unrelated_ones():
    vectors = WordVectors()
    asked = vectors.encode("how do I find a mentor to guide my career?")
    near, far = vectors.stored("Look for someone experienced who can advise you"), vectors.stored("bake sourdough bread")
    close, distant = word_vectors.cosines(asked, [near, far])
    assert close > distant + 0.1
    assert vectors.encode("") is None and vectors.encode("!!! ???") is None


def test_loading_content_stores_every_active_tips_texts(db):
    rows = db.execute("SELECT title, tip, quote, questions FROM tips WHERE status = 'active'").fetchall()
    texts = {t for row in rows for t in tip_texts(*row)}
    stored = {d for (d,) in db.execute("SELECT digest FROM tip_word_vectors")}
    assert {word_vectors.digest(t) for t in texts} <= stored
    assert word_vectors.store_tips(db, shared()) == 0  # nothing left to encode


def test_an_edited_tips_new_text_is_encoded_when_asked_about(db):
    db.execute("UPDATE tips SET title = 'Mentors: grow the relationship from good questions' "
               "WHERE id = 'build-mentor-relationships-gradually'")
    vectors = WordVectors()  # a fresh cache: what a new process would see
    found = vectors.texts(db, ["Mentors: grow the relationship from good questions"])
    assert len(found["Mentors: grow the relationship from good questions"]) == DIMENSIONS


def test_word_vectors_reorder_what_the_words_found_and_never_answer_alone(db, monkeypatch):
    # the words ("mentor", "job", "time") fit a dozen mentoring tips; the meaning is the mentor's own limits
    question = "thinking of quitting my job to mentor/coach people full time. what are the downsides?"
    monkeypatch.setattr(search, "BIGRAMS", 0.0)  # "full time" in the tip would find it too
    with_vectors = Searcher(db).ask(question)
    monkeypatch.setattr(search, "WORD_VECTORS", False)
    words_only = Searcher(db).ask(question)
    assert with_vectors.answered and words_only.answered
    assert "mentoring-stretches-you-find-balance" in [c.id for c in with_vectors.results]
    assert "mentoring-stretches-you-find-balance" not in [c.id for c in words_only.results]
    monkeypatch.setattr(search, "WORD_VECTORS", True)
    for off_topic in ("how do I bake bread", "weather in Hamburg", "best laptop for gaming?"):
        assert not Searcher(db).ask(off_topic).answered


def test_cosines_are_the_same_with_numpy_and_in_plain_python(monkeypatch):
    import numpy  # noqa: F401  (a serving process has it; `careerbot ask` does not)

    vectors = WordVectors()
    asked = vectors.encode("how do I prepare for a behavioural interview?")
    stored = [vectors.stored(t) for t in ("STAR answers for interviews", "a mentor", "free GPUs on Kaggle")]
    with_numpy = word_vectors.cosines(asked, stored)
    monkeypatch.delitem(sys.modules, "numpy")
    plain = word_vectors.cosines(asked, stored)
    assert plain == pytest.approx(with_numpy, abs=1e-5) and plain[0] > plain[1]


@pytest.mark.parametrize("question", ["how do I prepare for a behavioural interview?", "🙂 !!!", "",
                                      "a long one: " + "mentor kaggle interview résumé " * 40])
def test_a_question_is_encoded_the_same_with_numpy_and_in_plain_python(question, monkeypatch):
    import numpy  # noqa: F401  (a serving process has it; `careerbot ask` does not)

    vectors = WordVectors()
    with_numpy = vectors._question(question)
    monkeypatch.delitem(sys.modules, "numpy")
    plain = vectors._question(question)
    assert (with_numpy is None) == (plain is None) == (question in ("🙂 !!!", ""))
    if plain is not None:
        assert with_numpy == pytest.approx(plain, abs=1e-12) and with_numpy == pytest.approx(vectors.encode(question))
