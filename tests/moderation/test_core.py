"""The moderation core: add, edit, retire, restore, history, revert, concurrency, validation."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from bot.core import moderation as m
from bot.core.actors import ModeratorRules
from bot.core.service import CareerBot
from bot.corpus.files import tip_hash
from bot.corpus.loader import row_to_tip
from bot.store import open_db

from .conftest import SOURCE

TIP = "choose-a-supportive-social-circle"


def row(bot, tip_id):
    return m._row(bot.db, tip_id)


def audit_count(bot) -> int:
    return bot.db.execute("SELECT count(*) FROM audit").fetchone()[0]


def answer_ids(bot, question: str) -> list[str]:
    return [c.id for c in bot.ask(question).cards]


def test_add_tip_is_live_at_once_and_audited(bot, mod, new_tip):
    assert "interview-others-to-beat-impostor-syndrome" not in answer_ids(bot, "should I interview others?")
    result = m.add_tip(bot, mod, new_tip)
    assert result.ok, result.problems
    assert result.tip_id == "interview-others-to-beat-impostor-syndrome" and result.version == 1
    saved = row(bot, result.tip_id)
    assert saved["origin"] == "moderator" and saved["file_hash"] is None and saved["updated_by"] == "slack:UMOD"
    assert saved["speaker"] == "Tatiana Gabruseva"  # empty speaker: the episode's guest
    assert (saved["start"], saved["end"]) == (871.0, 890.0)
    assert answer_ids(bot, "does interviewing people help my confidence?")[0] == result.tip_id
    change = m.history(bot, result.tip_id)[0]
    assert (change.id, change.actor, change.platform, change.action) == (result.change_id, "slack:UMOD", "slack",
                                                                           "add")
    assert change.before is None and change.after["title"] == new_tip["title"]


def test_add_with_an_existing_title_gets_a_fresh_id(bot, mod, new_tip):
    first = m.add_tip(bot, mod, new_tip)
    again = m.add_tip(bot, mod, new_tip)  # the very same tip is refused (test_validation.py) …
    assert not again.ok and f"the same tip as {first.tip_id}" in again.problems[""]
    second = m.add_tip(bot, mod, new_tip | {"span": "14:30-14:50"})  # … another span with the same title is not
    assert second.ok and second.tip_id == f"{first.tip_id}-2"
    clash = m.add_tip(bot, mod, new_tip | {"id": first.tip_id})
    assert not clash.ok and "already exists" in clash.problems["id"]


@pytest.mark.parametrize(("change", "field", "words"), [
    ({"span": "14:31-99:00"}, "span", "span is"),  # longer than one focused span
    ({"span": "2:00:00-2:01:00"}, "span", "outside the transcript"),
    ({"span": "14:31"}, "span", "5:46-7:51"),
    ({"span": "1:99-2:00"}, "span", "not a timestamp"),
    ({"span": "14:50-14:31"}, "span", "end must come after start"),
    ({"quote": "kaggle grandmasters always win every competition they enter"}, "quote", "not found"),
    ({"topics": "cooking impostor-syndrome"}, "topics", "unknown topic"),
    ({"title": "x" * 91}, "title", "at most 90"),
    ({"tip": "short"}, "tip", "at least 10"),
    ({"questions": "only one question?"}, "questions", "at least 3"),
    ({"episode": "no-such-episode"}, "episode", "no episode"),
    ({"title": "bad\x00title"}, "title", "control characters"),
    ({"colour": "red"}, "", "unknown field"),
])
def test_invalid_fields_are_reported_per_field_and_nothing_is_saved(bot, mod, new_tip, change, field, words):
    before = audit_count(bot), bot.db.execute("SELECT count(*) FROM tips").fetchone()[0]
    result = m.add_tip(bot, mod, new_tip | change)
    assert not result.ok and result.reply.kind == "error"
    assert words in result.problems[field], result.problems
    assert "Nothing was saved" in result.reply.text
    assert (audit_count(bot), bot.db.execute("SELECT count(*) FROM tips").fetchone()[0]) == before


def test_every_problem_is_shown_at_once(bot, mod, new_tip):
    result = m.add_tip(bot, mod, new_tip | {"tip": "short", "topics": "cooking", "quote": "nothing like it at all"})
    assert set(result.problems) == {"tip", "topics", "quote"}


def test_hostile_text_is_stored_raw_and_mentions_are_only_text(bot, mod, new_tip):
    result = m.add_tip(bot, mod, new_tip | {"title": "<!channel> @everyone read this", "tip": "<@U123> " * 5})
    assert result.ok
    assert row(bot, result.tip_id)["title"] == "<!channel> @everyone read this"


def test_edit_bumps_version_keeps_file_hash_and_is_live(bot, mod):
    old = row(bot, TIP)
    result = m.edit_tip(bot, mod, TIP, {"title": "Spend less time with naysayers"}, expected_version=1)
    assert result.ok and result.version == 2
    new = row(bot, TIP)
    assert new["title"] == "Spend less time with naysayers" and new["version"] == 2
    assert new["file_hash"] == old["file_hash"] and new["origin"] == "content"
    assert new["updated_by"] == "slack:UMOD"
    assert "Spend less time with naysayers" in [c.title for c in bot.ask("my friends say I will fail").cards]
    change = m.history(bot, TIP)[0]
    assert change.action == "edit" and change.fields() == ["title"]
    assert change.before["title"] == old["title"] and change.after["version"] == 2


def test_edit_span_and_quote_together(bot, mod, new_tip):
    result = m.edit_tip(bot, mod, TIP, {"span": new_tip["span"], "quote": new_tip["quote"]}, 1)
    assert result.ok
    assert (row(bot, TIP)["start"], row(bot, TIP)["end"]) == (871.0, 890.0)


def test_edit_with_no_change_saves_nothing(bot, mod):
    title = row(bot, TIP)["title"]
    count = audit_count(bot)
    result = m.edit_tip(bot, mod, TIP, {"title": title}, 1)
    assert result.ok and result.version == 1 and audit_count(bot) == count


def test_edit_validation_error_changes_nothing(bot, mod):
    result = m.edit_tip(bot, mod, TIP, {"quote": "something she never said in that span"}, 1)
    assert not result.ok and "quote" in result.problems
    assert row(bot, TIP)["version"] == 1


def test_edit_cannot_change_id_or_status(bot, mod):
    assert not m.edit_tip(bot, mod, TIP, {"id": "other"}, 1).ok
    assert not m.edit_tip(bot, mod, TIP, {"status": "retired"}, 1).ok
    assert row(bot, TIP)["status"] == "active"


def test_unknown_tip(bot, mod):
    for result in (m.edit_tip(bot, mod, "nope", {"title": "abc"}, None), m.retire_tip(bot, mod, "nope"),
                   m.restore_tip(bot, mod, "nope")):
        assert not result.ok and "no tip" in result.reply.text


def test_second_save_against_the_same_version_is_refused_with_the_current_tip(db_file, rules, mod, discord_mod):
    """Two moderators, two processes' worth of connections, one tip: no lost update."""
    first, second = (CareerBot(open_db(db_file), rules=rules) for _ in range(2))
    seen = m.tip_form(first, TIP)["version"]
    assert m.tip_form(second, TIP)["version"] == seen
    assert m.edit_tip(first, mod, TIP, {"title": "First moderator's title"}, seen).ok
    late = m.edit_tip(second, discord_mod, TIP, {"tip": "The second moderator rewrote the summary entirely."},
                      seen)
    assert late.conflict and not late.ok and late.version == seen + 1
    assert late.reply.cards[0].title == "First moderator's title"  # the current version is shown
    assert "v2" in late.reply.text and "slack:UMOD" in late.reply.text
    current = m._row(second.db, TIP)
    assert current["title"] == "First moderator's title" and current["tip"] != late.reply.text
    assert current["version"] == seen + 1
    retry = m.edit_tip(second, discord_mod, TIP, {"tip": "The second moderator rewrote the summary entirely."},
                       late.version)
    assert retry.ok and m._row(first.db, TIP)["title"] == "First moderator's title"


def test_retire_and_restore_change_search_and_rotation(bot, mod):
    question = "my friends keep saying my career switch will fail"
    assert TIP in answer_ids(bot, question)
    result = m.retire_tip(bot, mod, TIP)
    assert result.ok and row(bot, TIP)["status"] == "retired" and row(bot, TIP)["version"] == 2
    assert TIP not in answer_ids(bot, question)
    days = [dt.date(2025, 1, 1) + dt.timedelta(days=n) for n in range(120)]
    assert all(bot.hack("slack:C1", day).cards[0].id != TIP for day in days)
    assert m.retire_tip(bot, mod, TIP).reply.title == "Nothing to do"
    assert m.restore_tip(bot, mod, TIP).ok
    assert TIP in answer_ids(bot, question) and row(bot, TIP)["version"] == 3
    assert [c.action for c in m.history(bot, TIP)][:2] == ["restore", "retire"]


def test_retire_with_a_stale_version_is_refused(bot, mod):
    m.edit_tip(bot, mod, TIP, {"title": "Newer title here"}, 1)
    assert m.retire_tip(bot, mod, TIP, expected_version=1).conflict
    assert row(bot, TIP)["status"] == "active"


def test_revert_restores_the_earlier_version(bot, mod, discord_mod):
    original = row_to_tip(row(bot, TIP))
    edit = m.edit_tip(bot, mod, TIP, {"title": "A worse title", "topics": "community"}, 1)
    reverted = m.revert(bot, discord_mod, edit.change_id)
    assert reverted.ok and reverted.version == 3
    assert tip_hash(row_to_tip(row(bot, TIP))) == tip_hash(original)
    change = m.history(bot, TIP)[0]
    assert change.action == "revert" and change.reverts == edit.change_id and change.actor == "discord:42"
    assert set(change.fields()) == {"title", "topics"}


def test_revert_refuses_while_a_later_change_stands(bot, mod):
    first = m.edit_tip(bot, mod, TIP, {"title": "First new title"}, 1)
    second = m.edit_tip(bot, mod, TIP, {"title": "Second new title"}, 2)
    refused = m.revert(bot, mod, first.change_id)
    assert not refused.ok and f"#{second.change_id}" in refused.reply.text
    assert row(bot, TIP)["title"] == "Second new title"
    assert m.revert(bot, mod, second.change_id).ok  # undo the latest first …
    assert m.revert(bot, mod, first.change_id).ok  # … then the one before it
    assert row(bot, TIP)["title"] == "Cut back on naysayers and find a supportive circle"


def test_revert_is_refused_while_a_later_change_stands_though_the_tip_reads_the_same(bot, mod):
    """QA: edited A→B, B→C, C→B: the tip reads as the first edit left it, but two changes stand since;
    reverting the first edit put A back over both unseen. Undone later changes do not count (as for a
    channel's subscription)."""
    original = row(bot, TIP)["title"]
    first = m.edit_tip(bot, mod, TIP, {"title": "First new title"}, 1)
    second = m.edit_tip(bot, mod, TIP, {"title": "Second new title"}, 2)
    third = m.edit_tip(bot, mod, TIP, {"title": "First new title"}, 3)
    unchanged = row(bot, TIP), audit_count(bot)
    refused = m.revert(bot, mod, first.change_id)
    assert not refused.ok and (row(bot, TIP), audit_count(bot)) == unchanged
    assert (f"{TIP} has changed since change #{first.change_id}: change #{third.change_id} by slack:UMOD stands. "
            "Revert that first, or edit the tip. Nothing was changed.") in refused.reply.text
    assert m.revert(bot, mod, third.change_id).ok  # the latest still reverts: the second edit stands, and is named
    assert f"change #{second.change_id} by slack:UMOD stands" in m.revert(bot, mod, first.change_id).reply.text
    undo_second = m.revert(bot, mod, second.change_id)
    assert undo_second.ok and row(bot, TIP)["title"] == "First new title"
    redo_second = m.revert(bot, mod, undo_second.change_id)  # a revert of a revert stands itself
    assert f"change #{redo_second.change_id} by" in m.revert(bot, mod, first.change_id).reply.text
    assert m.revert(bot, mod, redo_second.change_id).ok  # every later change is undone: the first reverts
    assert m.revert(bot, mod, first.change_id).ok and row(bot, TIP)["title"] == original


def test_revert_an_add_retires_the_tip_and_reverting_that_brings_it_back(bot, mod, new_tip):
    added = m.add_tip(bot, mod, new_tip)
    undo = m.revert(bot, mod, added.change_id)
    assert undo.ok and row(bot, added.tip_id)["status"] == "retired"
    assert m.revert(bot, mod, undo.change_id).ok and row(bot, added.tip_id)["status"] == "active"


def test_revert_of_a_retire_made_by_content_load(bot, mod):
    bot.db.execute("UPDATE tips SET status = 'retired' WHERE id = ?", [TIP])
    bot.db.execute("INSERT INTO audit (actor, platform, action, entity, entity_id, before, after) VALUES "
                   "('content-load', 'cli', 'retire', 'tip', ?, ?, ?)",
                   [TIP, json.dumps({"status": "active"}), json.dumps({"status": "retired"})])
    change = m.history(bot, TIP)[0].id
    assert m.revert(bot, mod, change).ok and row(bot, TIP)["status"] == "active"


def test_revert_unknown_change_or_kind(bot, mod):
    assert not m.revert(bot, mod, 999_999).ok
    bot.db.execute("INSERT INTO audit (actor, platform, action, entity, entity_id) "
                   "VALUES ('cli:x', 'cli', 'frobnicate', 'widget', 'x')")
    change = m.history(bot)[0].id
    refused = m.revert(bot, mod, change)
    assert not refused.ok and "a widget change, which can't be reverted" in refused.reply.text


def test_preview_shows_the_card_and_the_problems_without_saving(bot, mod, new_tip):
    count = audit_count(bot)
    good = m.preview(bot, mod, new_tip)
    assert good.cards[0].title == new_tip["title"] and good.cards[0].episode.startswith("Switching Careers")
    assert not good.data["problems"] and "Looks good" in good.text
    bad = m.preview(bot, mod, new_tip | {"topics": "cooking"})
    assert "topics" in bad.data["problems"] and "unknown topic" in bad.text
    edit = m.preview(bot, mod, {"title": "Preview only title"}, TIP)
    assert "→ “Preview only title”" in edit.text and edit.data["version"] == 1
    assert audit_count(bot) == count and row(bot, TIP)["title"] != "Preview only title"


def test_tip_form_round_trips_through_edit(bot, mod):
    form = m.tip_form(bot, TIP)
    assert form["span"] == "5:46-7:51" and form["episode"] == SOURCE and form["version"] == 1
    fields = {k: v for k, v in form.items() if k not in ("version", "status")}
    result = m.edit_tip(bot, mod, TIP, fields, form["version"])
    assert result.ok and result.reply.title == "No changes"
    assert m.episode_choices(bot)[0][0] == SOURCE


def test_core_functions_refuse_non_moderators(bot, member, discord_member, new_tip):
    """A crafted form submit reaches the core directly: the core checks too."""
    count = audit_count(bot)
    for actor in (member, discord_member):
        results = [m.add_tip(bot, actor, new_tip), m.edit_tip(bot, actor, TIP, {"title": "Hacked title"}, None),
                   m.retire_tip(bot, actor, TIP), m.restore_tip(bot, actor, TIP), m.revert(bot, actor, 1),
                   m.review_accept(bot, actor, 1, new_tip), m.review_reject(bot, actor, 1),
                   m.review_skip(bot, actor, 1)]
        assert all(not r.ok and r.reply.kind == "refused" for r in results)
        for reply in (m.preview(bot, actor, new_tip), m.history_reply(bot, actor, TIP), m.review_next(bot, actor),
                      m.review_list(bot, actor)):
            assert reply.kind == "refused" and "Nothing was changed" in reply.text
    assert audit_count(bot) == count and row(bot, TIP)["title"] != "Hacked title"


def test_discord_manage_server_counts_as_moderator(bot):
    from bot.core.actors import Actor

    admin = Actor("discord", "7", "900", can_manage_guild=True)
    assert m.retire_tip(bot, admin, TIP).ok
    rules_without_role = CareerBot(bot.db, rules=ModeratorRules())
    assert not m.restore_tip(rules_without_role, Actor("discord", "8", roles=frozenset({"moderators"})), TIP).ok
