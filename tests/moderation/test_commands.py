"""`/tips …` moderator subcommands as text front ends send them, and the refusal for everyone else."""

from __future__ import annotations

import pytest

from bot.core import moderation as m
from bot.core.actors import Actor

TIP = "choose-a-supportive-social-circle"
MODERATOR_COMMANDS = [
    f"edit {TIP} title=\"Hacked title\" --save",
    f"edit {TIP} @1 title=\"Hacked title\" --save",
    f"edit {TIP}",
    f"retire {TIP}",
    f"restore {TIP}",
    f"history {TIP}",
    "revert 1",
    "review",
    "review list",
    "review accept 1 title=\"Hacked title\" --save",
    "review reject 1",
    "review skip 1",
    "stats",
    "add",
    'add title="Hacked title" --save',
]


def snapshot(bot):
    return (bot.db.execute("SELECT count(*), max(id) FROM audit").fetchone(),
            bot.db.execute("SELECT group_concat(id || status || version || title) FROM tips").fetchone(),
            bot.db.execute("SELECT group_concat(id || status) FROM review_queue").fetchone())


@pytest.mark.parametrize("command", MODERATOR_COMMANDS)
def test_non_moderators_are_refused_and_nothing_changes(bot, member, discord_member, command):
    bot.db.execute("INSERT INTO review_queue (source, start, \"end\", text, score) "
                   "VALUES ('000_7a926d4821475fb3', 346, 400, 'my advice is', 5)")
    before = snapshot(bot)
    for actor in (member, discord_member):
        reply = bot.tips_command(actor, command)
        assert reply.kind == "refused", (command, reply)
        assert reply.text.startswith("Sorry, only moderators can ") and "Nothing was changed" in reply.text
        assert reply.ephemeral and not reply.cards
    assert snapshot(bot) == before


def test_slack_group_and_admin_count_as_moderators(db):
    from bot.core.actors import Actor, ModeratorRules
    from bot.core.service import CareerBot, load_subcommands

    load_subcommands()
    bot = CareerBot(db, rules=ModeratorRules(slack_group="S0MODS", slack_admins=False))
    assert bot.tips_command(Actor("slack", "U1", groups=frozenset({"S0MODS"})), f"history {TIP}").kind == "info"
    assert bot.tips_command(Actor("slack", "U2", is_admin=True), f"history {TIP}").kind == "refused"


def test_edit_previews_then_saves_with_the_version_it_showed(bot, mod):
    preview = bot.tips_command(mod, f'edit {TIP} title="Don\'t listen to naysayers" topics="social-circle mindset"')
    assert preview.kind == "info" and preview.cards[0].title == "Don't listen to naysayers"
    assert m._row(bot.db, TIP)["version"] == 1  # a preview saves nothing
    save = preview.text.split("To save: ")[1].strip()
    assert save.startswith(f"/tips edit {TIP} @1 ") and save.endswith("--save")
    saved = bot.tips_command(mod, save.removeprefix("/tips "))
    assert saved.title.startswith("Saved") and m._row(bot.db, TIP)["topics"] == "social-circle mindset"
    again = bot.tips_command(mod, save.removeprefix("/tips ").replace("Don't", "Do not"))
    assert again.data.get("conflict") and "Edit conflict" in again.title
    assert m._row(bot.db, TIP)["title"] == "Don't listen to naysayers"


def test_edit_without_fields_shows_the_form_values(bot, mod):
    reply = bot.tips_command(mod, f"edit {TIP}")
    assert reply.data["form"] == "edit" and reply.data["values"]["span"] == "5:46-7:51"
    assert "v1" in reply.title


def test_edit_problems_are_listed_and_no_save_command_offered(bot, mod):
    reply = bot.tips_command(mod, f"edit {TIP} span=1:00:00-1:00:10 topics=cooking")
    assert "Problems" in reply.text and "To save" not in reply.text
    assert set(reply.data["problems"]) == {"topics", "quote"}  # the old quote is not in the new span


@pytest.mark.parametrize("command", [f'edit {TIP} title="unbalanced', "edit", f"edit {TIP} extra words",
                                     "retire", "retire a b", "revert abc", "revert", "review frobnicate 3",
                                     "add stray-word"])
def test_bad_syntax_gets_usage_and_changes_nothing(bot, mod, command):
    before = snapshot(bot)
    reply = bot.tips_command(mod, command)
    assert reply.kind == "error" and reply.text
    assert snapshot(bot) == before


def test_unknown_ids_get_a_clear_answer(bot, mod):
    for command in ("edit no-such-tip title=\"Some title\"", "retire no-such-tip", "history no-such-tip",
                    "revert 123456", "review reject 99", "review accept 99 title=\"x\" --save"):
        reply = bot.tips_command(mod, command)
        assert reply.kind == "error" and ("no tip" in reply.text or "no change" in reply.text
                                          or "no candidate" in reply.text), command


def test_add_by_text_with_preview_and_save(bot, mod, new_tip):
    fields = " ".join(f'{k}="{v}"' for k, v in new_tip.items() if k != "questions")
    command = f'add {fields} questions="how do I get over impostor syndrome? | should I interview others? | ' \
              'does interviewing help my confidence?"'
    preview = bot.tips_command(mod, command)
    assert not preview.data["problems"], preview.text
    saved = bot.tips_command(mod, preview.text.split("To save: ")[1].removeprefix("/tips "))
    assert saved.title == "Tip added"
    tip_id = saved.data["tip_id"]
    assert m._row(bot.db, tip_id)["questions"].count("\n") == 2


def test_add_without_arguments_points_to_the_form(bot, mod):
    reply = bot.tips_command(mod, "add")
    assert reply.data["form"] == "add" and "careerbot content add" in reply.text


def test_retire_restore_history_revert_by_text(bot, discord_mod):
    assert bot.tips_command(discord_mod, f"retire {TIP}").title.startswith("Retired")
    assert bot.tips_command(discord_mod, f"restore {TIP}").title.startswith("Restored")
    history = bot.tips_command(discord_mod, f"history {TIP}")
    assert "restore" in history.text and "retire" in history.text and "discord:42" in history.text
    latest = history.data["changes"][0]["id"]
    assert bot.tips_command(discord_mod, f"revert #{latest}").title.startswith("Reverted")
    assert m._row(bot.db, TIP)["status"] == "retired"
    for bad in ("²", "##5", "five"):  # one rule with `content revert` (m.change_number); "²" crashed int()
        assert "Usage: /tips revert <change number>" in bot.tips_command(discord_mod, f"revert {bad}").text


def test_stats_subcommand(bot, mod, member):
    bot.ask("how do I find a mentor?", member)
    reply = bot.tips_command(mod, "stats")
    assert "Most asked" in reply.text and "how do I find a mentor?" in reply.text


def test_help_lists_moderator_commands_to_moderators_only(bot, mod, member, discord_mod):
    for moderator in (mod, discord_mod, Actor("console", "local")):
        text = bot.tips_command(moderator, "help").text
        for name in ("edit", "retire", "restore", "history", "revert", "review", "stats", "add"):
            assert f"/tips {name}" in text
    for text in (bot.tips_command(member, "help").text, bot.help().text):  # no actor: a member's help
        assert "/tips topic <name>" in text and "Moderator commands" not in text
        for name in ("edit", "retire", "restore", "history", "revert", "review", "stats", "add", "subscribe"):
            assert f"/tips {name}" not in text


@pytest.mark.parametrize("value", ["x" * 100_000, "\x00\x01binary\xff"])
def test_huge_and_binary_text_gets_a_clear_answer(bot, mod, value):
    before = snapshot(bot)
    reply = bot.tips_command(mod, f'edit {TIP} title="{value}" --save')
    assert reply.kind == "error" and "Nothing was saved" in reply.text and len(reply.text) < 500
    assert snapshot(bot) == before


def test_mention_text_is_stored_raw_for_renderers_to_escape(bot, mod):
    reply = bot.tips_command(mod, f'edit {TIP} title="<!channel> @everyone @here" --save')
    assert reply.title.startswith("Saved") and m._row(bot.db, TIP)["title"] == "<!channel> @everyone @here"
