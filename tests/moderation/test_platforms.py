"""Moderators on Slack and Discord at once, on one database: the real bolt app and the real
discord.py client, each against its local fake. A change made on one platform is live on the
other at once, and two moderators editing the same tip from different platforms never
overwrite each other unseen. Also the platform-neutral form steps (`bot.core.forms`)."""

from __future__ import annotations

import pytest

from bot.core import forms
from bot.core.actors import Actor
from tests.discord.conftest import discord_client, discord_settings, interact  # noqa: F401
from tests.discord.fakes import MANAGE_GUILD
from tests.discord.helpers import footers, text_of
from tests.slack.conftest import slack_http, slack_settings  # noqa: F401
from tests.slack.fakes import message_texts

TIP = "choose-a-supportive-social-circle"
SOURCE = "000_7a926d4821475fb3"
NEW = {
    "title": "Interview others to beat impostor syndrome",
    "tip": "Run mock interviews for other people: seeing them struggle too makes your own impostor syndrome fade.",
    "quote": "it also helps when you see others struggle and you realize that your imposter syndrome will "
             "actually disappear when you start to interview others",
    "speaker": "", "episode": SOURCE, "span": "14:31-14:50", "topics": "impostor-syndrome interviews",
    "questions": "how do I get over impostor syndrome?\nshould I do mock interviews for others?\n"
                 "does interviewing people help my confidence?",
}
QUESTION = "how do I get over impostor syndrome?"


@pytest.fixture
def slack_bot(bot):
    """One CareerBot (and database) behind both platforms: Slack UMOD and Discord Manage Server moderate."""
    return bot


@pytest.fixture
def discord_mod(fake_discord):  # noqa: F811
    return fake_discord.member(user_id="1100000000000000060", name="dmod", permissions=MANAGE_GUILD)


def tip_row(bot, tip_id: str) -> dict:
    cursor = bot.db.execute("SELECT * FROM tips WHERE id = ?", [tip_id])
    row = cursor.fetchone()
    return dict(zip([d[0] for d in cursor.description], row, strict=True)) if row else {}


async def discord_edit_and_save(fake_discord, interact, member, boxes: dict) -> None:  # noqa: F811
    [opened] = await interact(fake_discord.command("tips", "edit", id=TIP, member=member))
    [preview] = await interact(fake_discord.submit_form(opened.json["data"], boxes, member=member))
    save = next(c for c in preview.custom_ids if c.startswith("cb:draft:save:"))
    await interact(fake_discord.click(preview.message, save, member=member), n=2)


async def test_slack_edit_made_stale_by_a_discord_save_is_refused(slack_http, fake_discord, interact,  # noqa: F811
                                                                  discord_mod, bot):
    await slack_http.command("/tips", f"edit {TIP}", user="UMOD")
    [opened] = await slack_http.fake.wait_for("views.open")
    await discord_edit_and_save(fake_discord, interact, discord_mod, {"title": "Spend less time with naysayers"})
    saved = tip_row(bot, TIP)
    assert saved["updated_by"] == "discord:1100000000000000060" and saved["version"] == 2

    _, answer = await slack_http.submit(opened.args["view"], {"tip": "Avoid people who say you can't do it."},
                                        user="UMOD")
    assert answer["response_action"] == "errors"
    assert "by discord:1100000000000000060" in answer["errors"]["title"]
    assert "Now: “Spend less time with naysayers”" in answer["errors"]["title"]
    assert tip_row(bot, TIP) == saved


async def test_discord_edit_made_stale_by_a_slack_save_is_refused(slack_http, fake_discord, interact,  # noqa: F811
                                                                  discord_mod, bot):
    [opened] = await interact(fake_discord.command("tips", "edit", id=TIP, member=discord_mod))
    await slack_http.command("/tips", f"edit {TIP}", user="UMOD")
    [slack_view] = await slack_http.fake.wait_for("views.open")
    _, preview = await slack_http.submit(slack_view.args["view"], {"title": "Spend less time with naysayers"},
                                         user="UMOD")
    assert (await slack_http.submit(preview["view"], user="UMOD"))[1] == {"response_action": "clear"}
    saved = tip_row(bot, TIP)

    [refused] = await interact(fake_discord.submit_form(opened.json["data"], {"tip": "Avoid the naysayers."},
                                                        member=discord_mod))
    assert refused.sent["content"] == "**Edit conflict**"
    assert "by slack:UMOD" in text_of(refused.sent) and footers(refused.sent) == [TIP]
    assert tip_row(bot, TIP) == saved


async def test_a_tip_added_on_discord_is_live_on_slack_and_retired_from_slack_everywhere(
        slack_http, fake_discord, interact, discord_mod, bot):  # noqa: F811
    from bot.discord.forms import pack

    [opened] = await interact(fake_discord.command("tips", "add", member=discord_mod))
    [preview] = await interact(fake_discord.submit_form(opened.json["data"], pack(NEW), member=discord_mod))
    save = next(c for c in preview.custom_ids if c.startswith("cb:draft:save:"))
    await interact(fake_discord.click(preview.message, save, member=discord_mod), n=2)
    tip_id = "interview-others-to-beat-impostor-syndrome"

    await slack_http.command("/ask", QUESTION, response="ask1")
    assert NEW["title"] in "\n".join(message_texts(await slack_http.reply(1)))
    await slack_http.command("/tips", f"retire {tip_id}", user="UMOD", response="retire")
    await slack_http.reply(2)
    [answer] = await interact(fake_discord.command("ask", question=QUESTION))
    assert tip_id not in footers(answer.sent)

    await slack_http.command("/tips", f"history {tip_id}", user="UMOD", response="history")
    history = "\n".join(message_texts(await slack_http.reply(3)))
    assert "slack:UMOD  retire" in history and "discord:1100000000000000060  add" in history


# -- bot.core.forms: the steps both modals map onto ------------------------------------------------
@pytest.fixture
def mod():
    return Actor("slack", "UMOD", "C1")


def test_an_edit_sends_only_the_fields_that_changed(bot, mod):
    form = forms.edit_form(bot, mod, TIP)
    assert isinstance(form, forms.Form) and form.target == forms.Target("edit", TIP, 1)
    typed = dict(form.values) | {"title": "  Spend less time with naysayers ", "questions": form.values["questions"]
                                 + "\n\n"}
    assert forms.submitted(bot, form.target, typed) == {"title": "Spend less time with naysayers"}
    assert forms.submitted(bot, forms.Target("add"), {"title": "x", "speaker": "  ", "bogus": "y"}) == {"title": "x"}


def test_a_preview_saves_nothing_and_a_save_saves_what_was_previewed(bot, mod):
    before = bot.db.execute("SELECT count(*) FROM audit").fetchone()
    checked = forms.check(bot, mod, forms.Target("add"), NEW)
    assert checked.ok and not checked.problems and checked.reply.title == f"Preview: {NEW['title']}"
    assert bot.db.execute("SELECT count(*) FROM audit").fetchone() == before
    saved = forms.save(bot, mod, forms.Target("add"), NEW)
    assert saved.ok and tip_row(bot, saved.tip_id)["title"] == NEW["title"]


def test_the_fingerprint_follows_every_field_and_the_target():
    target = forms.Target("add")
    base = forms.fingerprint(target, NEW)
    assert forms.fingerprint(target, dict(NEW)) == base
    assert forms.fingerprint(target, NEW | {"questions": NEW["questions"] + "\n"}) == base  # blank lines don't count
    assert forms.fingerprint(target, NEW | {"span": "14:31-14:51"}) != base
    assert forms.fingerprint(forms.Target("edit", TIP, 1), NEW) != base


@pytest.mark.parametrize("target", [forms.Target("add"), forms.Target("edit", TIP, 1),
                                    forms.Target("review", candidate=1)])
def test_every_form_step_refuses_members(bot, member, target):
    bot.db.execute("INSERT INTO review_queue (source, start, \"end\", text, score) "
                   "VALUES (?, 868, 900, 'my advice is to interview others', 5)", [SOURCE])
    before = bot.db.execute("SELECT count(*), sum(version) FROM tips").fetchone()
    for step in (forms.check, forms.save):
        assert step(bot, member, target, NEW).reply.kind == "refused"
    assert forms.review_form(bot, member, 1).kind == "refused"
    assert forms.tip_choices(bot, member, "naysay") == []
    assert bot.db.execute("SELECT count(*), sum(version) FROM tips").fetchone() == before
