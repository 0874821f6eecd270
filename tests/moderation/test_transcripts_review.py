"""Adding a transcript (SRT, WebVTT, seed) and the review queue of candidate tips it proposes."""

from __future__ import annotations

import re

import pytest

from bot.core import moderation as m
from bot.corpus import review
from bot.corpus.files import read_content
from bot.corpus.loader import load_content

from .conftest import META, write_seed, write_srt, write_vtt


@pytest.mark.parametrize("writer, name, fmt", [(write_srt, "advice_talk.srt", "srt"),
                                               (write_vtt, "advice_talk.vtt", "vtt"),
                                               (write_seed, "advice_talk.txt", "seed")])
def test_add_transcript_is_searchable_queues_candidates_and_writes_content(bot, mod, tmp_path, content_dir,
                                                                           writer, name, fmt):
    path = writer(tmp_path / name)
    result = m.add_transcript(bot, mod, path, META, content_dir)
    assert result.ok, result.reply.text
    stem = "advice_talk"
    assert bot.db.execute("SELECT format, guest FROM episodes WHERE id = ?", [stem]).fetchone() == (fmt, "Dana Example")
    # Searchable at once: in the passage index, with the episode's title for citations.
    hits = bot.db.execute("SELECT p.source FROM passages_fts JOIN passages p ON p.id = passages_fts.rowid "
                          "WHERE passages_fts MATCH 'origami portfolio'").fetchall()
    assert hits and {s for (s,) in hits} == {stem}
    episode = bot.searcher.episode(stem)
    assert episode[0] == "Advice from the office" and META["url"] in episode
    # Candidates: only the advice part (2:00-4:00) of the talk.
    items = review.open_items(bot.db)
    assert items and result.reply.data["candidates"] == len(items)
    assert all(i.source == stem and i.start >= 90 and i.end <= 270 for i in items)
    # Reviewable files, which `content load` then sees as already loaded.
    assert (content_dir / "transcripts" / name).read_bytes() == path.read_bytes()
    assert (content_dir / "episodes" / f"{stem}.yaml").exists()
    report = load_content(bot.db, read_content(content_dir))
    assert not report.changed and not report.conflicts
    change = m.history(bot)[0]
    assert (change.action, change.entity, change.entity_id, change.actor) == ("add-transcript", "episode", stem,
                                                                              "slack:UMOD")


def test_review_accept_reject_skip(bot, mod, tmp_path, content_dir):
    m.add_transcript(bot, mod, write_srt(tmp_path / "advice_talk.srt"), META, content_dir)
    assert review.count_open(bot.db) == 2  # the two minutes of advice, as two non-overlapping passages
    first = m.review_next(bot, mod)
    item = first.data["candidate"]
    assert first.buttons[0].action == "review_accept" and first.data["form"]["episode"] == "advice_talk"
    # Skip: it goes to the back of the queue.
    assert m.review_skip(bot, mod, item["id"]).ok
    assert m.review_next(bot, mod).data["candidate"]["id"] != item["id"]
    # Accept: the moderator writes the tip; episode and span come from the candidate.
    fields = {"title": "Finish the small projects you start",
              "tip": "Build small projects and see each one through to the end.",
              "quote": "you should build small projects and make sure you finish every one of them",
              "topics": "side-projects", "questions": "what projects should I do?\nhow many projects?\n"
                                                      "should I finish my projects?"}
    bad = m.review_accept(bot, mod, item["id"], fields | {"topics": "cooking"})
    assert not bad.ok and review.get(bot.db, item["id"]).status == "skipped"
    accepted = m.review_accept(bot, mod, item["id"], fields)
    assert accepted.ok, accepted.problems
    tip = m._row(bot.db, accepted.tip_id)
    assert tip["source"] == "advice_talk" and tip["speaker"] == "Dana Example" and tip["origin"] == "moderator"
    assert (tip["start"], tip["end"]) == (item["start"], item["end"])
    assert review.get(bot.db, item["id"]).status == "accepted"
    assert accepted.tip_id in [c.id for c in bot.ask("should I finish my small projects?").cards]
    assert "already accepted" in m.review_reject(bot, mod, item["id"]).reply.text
    # Reject another.
    [other] = review.open_items(bot.db)
    assert m.review_reject(bot, mod, other.id).ok and review.get(bot.db, other.id).status == "rejected"
    assert m.review_next(bot, mod).title == "Review queue empty"
    actions = [c.action for c in m.history(bot) if c.entity == "review"]
    assert "skip" in actions and "accept" in actions


def test_review_by_text_commands(bot, mod, tmp_path, content_dir):
    m.add_transcript(bot, mod, write_vtt(tmp_path / "talk.vtt"), META, content_dir)
    listing = bot.tips_command(mod, "review list")
    first = listing.data["items"][0]["id"]
    button = bot.tips_command(mod, f"review accept {first}")  # what the Accept button sends
    assert "Preview" in button.title and "title: required" in button.text
    assert f"/tips review accept {first} title=" in button.text and button.data["form"]["candidate"] == first
    assert re.fullmatch(r"\d+:\d\d(\.\d)?-\d+:\d\d(\.\d)?", button.data["form"]["span"])
    assert review.get(bot.db, first).status == "pending"
    preview = bot.tips_command(mod, f'review accept {first} title="Practice every day" '
                                    'tip="Practice daily and write about what you learned." '
                                    'quote="the key is to practice every single day" topics=learning '
                                    'questions="how often should I practice? | should I blog? | how do I learn?"')
    assert not preview.data["problems"], preview.text
    saved = bot.tips_command(mod, preview.text.split("To save: ")[1].removeprefix("/tips "))
    assert "accepted" in saved.text and review.get(bot.db, first).status == "accepted"


def test_empty_queue(bot, mod):
    assert m.review_next(bot, mod).title == "Review queue empty"


@pytest.mark.parametrize("name, data, words", [
    ("notes.docx", b"x", "must end in"),
    ("binary.srt", b"1\n00:00:00,000 --> 00:00:01,000\n\x00\x01\x02\n", "binary"),
    ("broken.vtt", b"this is not webvtt at all", "WebVTT"),
    ("empty.txt", b"", "no captions"),
    ("latin.txt", "0:01 caf\u00e9".encode("latin-1"), "UTF-8"),
    ("000_7a926d4821475fb3.txt", b"0:01 hello there", "already exists"),
])
def test_bad_transcripts_are_refused_and_nothing_is_written(bot, mod, tmp_path, content_dir, name, data, words):
    path = tmp_path / name
    path.write_bytes(data)
    before = sorted(p.name for p in (content_dir / "transcripts").iterdir())
    result = m.add_transcript(bot, mod, path, META, content_dir)
    assert not result.ok and words in result.reply.text, result.reply.text
    assert sorted(p.name for p in (content_dir / "transcripts").iterdir()) == before
    assert bot.db.execute("SELECT count(*) FROM episodes").fetchone()[0] == 2


def test_bad_episode_metadata(bot, mod, tmp_path, content_dir):
    path = write_srt(tmp_path / "talk.srt")
    result = m.add_transcript(bot, mod, path, META | {"url": "javascript:alert(1)"}, content_dir)
    assert not result.ok and "url" in result.problems
    result = m.add_transcript(bot, mod, path, META | {"title": ""}, content_dir)
    assert not result.ok and "title" in result.problems


def test_advice_score():
    assert review.advice_score("My advice: you should try to focus on one thing. Don't give up!") >= 8
    assert review.advice_score("we went to the beach and it was sunny") == 0
