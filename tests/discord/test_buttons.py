"""Buttons and the follow-up form, pressed on the messages the client actually posted."""

from __future__ import annotations

from bot.discord.client import build_client
from tests.conftest import every_result_id
from tests.discord.fakes import TOKEN
from tests.discord.helpers import EPHEMERAL, assert_no_pings, footers, text_of


async def test_share_posts_the_answer_to_the_channel(fake_discord, interact):
    [answer] = await interact(fake_discord.command("ask", question="how do I find a mentor?"))
    sharer = fake_discord.member(name="@everyone")  # a hostile display name
    [shared] = await interact(fake_discord.click(answer.message, "cb:share", member=sharer))
    assert shared.json["type"] == 4
    sent = shared.sent
    assert not sent.get("flags", 0) & EPHEMERAL
    assert_no_pings(shared)
    assert sent["content"] == "**Tips for: how do I find a mentor?**\n_Shared by @\u200beveryone_"
    assert sent["embeds"] == answer.sent["embeds"]
    top = footers(answer.sent)[0]
    assert shared.custom_ids == [f"cb:fb:up:{top}", f"cb:fb:down:{top}"]  # no Share / Show more in public


async def test_show_more_gives_the_next_tips_without_repeats(fake_discord, interact):
    ask = fake_discord.command("ask", question="how do I prepare for interviews?")
    [answer] = await interact(ask)
    first = footers(answer.sent)
    more = fake_discord.click(answer.message, f"cb:more:{ask['id']}")
    [second] = await interact(more)
    assert second.sent["flags"] & EPHEMERAL
    assert second.sent["content"].startswith("**Tips for: how do I prepare for interviews?")
    assert footers(second.sent) and not set(footers(second.sent)) & set(first)
    assert f"cb:more:{more['id']}" in second.custom_ids
    [third] = await interact(fake_discord.click(second.message, f"cb:more:{more['id']}"))
    shown = first + footers(second.sent)
    assert not set(footers(third.sent)) & set(shown)


async def test_show_more_runs_out_politely(fake_discord, interact, discord_client):
    ask = fake_discord.command("ask", question="how do I find a mentor?")
    [answer] = await interact(ask)
    everything = every_result_id(discord_client.careerbot.db)
    discord_client.answers.remember(ask["id"], "how do I find a mentor?", everything)
    [reply] = await interact(fake_discord.click(answer.message, f"cb:more:{ask['id']}"))
    assert reply.sent["content"] == "**No more tips**"
    assert "Topics: mentors · " in text_of(reply.sent)  # the question's topic first


async def test_feedback_buttons_record_votes(fake_discord, interact, bot):
    [answer] = await interact(fake_discord.command("ask", question="how do I find a mentor?"))
    tip = footers(answer.sent)[0]
    [up] = await interact(fake_discord.click(answer.message, f"cb:fb:up:{tip}"))
    assert up.sent["flags"] & EPHEMERAL
    assert "Thanks, glad it helped!" in text_of(up.sent)
    assert bot.db.execute("SELECT tip_id, kind FROM feedback").fetchall() == [(tip, "up")]


async def test_feedback_on_a_removed_tip_says_so(fake_discord, interact, bot):
    [answer] = await interact(fake_discord.command("ask", question="how do I find a mentor?"))
    message = dict(answer.message)
    gone = "no-such-tip"
    message["components"] = [{"type": 1, "components": [
        {"type": 2, "style": 2, "label": "👍", "custom_id": f"cb:fb:up:{gone}"}]}]
    [reply] = await interact(fake_discord.click(message, f"cb:fb:up:{gone}"))
    assert "That tip no longer exists." in text_of(reply.sent)
    assert bot.db.execute("SELECT count(*) FROM feedback").fetchone() == (0,)


async def test_follow_up_opens_a_form_and_answers_it(fake_discord, interact):
    [hack] = await interact(fake_discord.command("hack"))
    [form] = await interact(fake_discord.click(hack.message, "cb:followup"))
    assert form.json["type"] == 9
    modal = form.json["data"]
    assert modal["title"] == "Ask a follow-up"
    [answer] = await interact(fake_discord.submit(modal, "how do I find a mentor?"))
    assert answer.json["type"] == 4
    assert answer.sent["content"] == "**Tips for: how do I find a mentor?**"
    assert answer.sent["flags"] & EPHEMERAL


async def test_buttons_work_after_a_restart(fake_discord, interact, discord_client, discord_settings, bot):
    ask = fake_discord.command("ask", question="how do I find a mentor?")
    [answer] = await interact(ask)
    await discord_client.close()
    restarted = build_client(discord_settings, bot)
    await restarted.login(TOKEN)
    try:
        tip = footers(answer.sent)[0]
        for custom_id, expected in ((f"cb:fb:up:{tip}", "Thanks, glad it helped!"),
                                    (f"cb:more:{ask['id']}", "That answer has expired"),
                                    ("cb:share", "Shared by")):
            click = fake_discord.click(answer.message, custom_id)
            restarted._connection.parse_interaction_create(click)
            [reply] = await fake_discord.wait_replies(click)
            assert expected in text_of(reply.sent)
    finally:
        await restarted.close()
