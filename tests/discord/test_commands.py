"""Slash commands through the real discord.py client, answered to a local fake Discord."""

from __future__ import annotations

from tests.discord.fakes import CHANNEL_ID, MANAGE_GUILD, MEMBER_ID
from tests.discord.helpers import EPHEMERAL, assert_no_pings, footers, text_of


async def test_ask_answers_with_ephemeral_cited_embeds_and_buttons(fake_discord, interact, bot):
    payload = fake_discord.command("ask", question="how do I find a mentor?")
    [call] = await interact(payload)
    assert call.path == f"/interactions/{payload['id']}/{payload['token']}/callback"
    assert call.json["type"] == 4
    sent = call.sent
    assert sent["flags"] & EPHEMERAL
    assert_no_pings(call)
    assert sent["content"] == "**Tips for: how do I find a mentor?**"
    expected = bot.ask("how do I find a mentor?")
    assert footers(sent) == [c.id for c in expected.cards]
    first = sent["embeds"][0]
    assert first["title"] == expected.cards[0].title
    assert f"· {expected.cards[0].stamp}" in first["description"]  # speaker · episode · mm:ss
    assert "> “" in first["description"]
    top = expected.cards[0].id
    assert call.custom_ids == ["cb:share", f"cb:more:{payload['id']}", f"cb:fb:up:{top}", f"cb:fb:down:{top}"]
    labels = [c["label"] for row in sent["components"] for c in row["components"]]
    assert labels == ["Share to channel", "Show more", "👍", "👎"]
    row = bot.db.execute("SELECT platform, query, answered FROM queries ORDER BY id DESC LIMIT 1").fetchone()
    assert row == ("discord", "how do I find a mentor?", 1)


async def test_ask_links_the_timestamp_to_the_moment_when_the_episode_has_a_url(fake_discord, interact, bot):
    bot.db.execute("UPDATE episodes SET url = 'https://www.youtube.com/watch?v=abc123'")
    [call] = await interact(fake_discord.command("ask", question="how do I find a mentor?"))
    card = bot.ask("how do I find a mentor?").cards[0]
    embed = call.sent["embeds"][0]
    link = f"https://www.youtube.com/watch?v=abc123&t={int(card.start)}s"
    assert embed["url"] == link
    assert embed["description"].endswith(f"· [{card.stamp}]({link})")


async def test_ask_without_a_match_suggests_topics(fake_discord, interact, bot):
    [call] = await interact(fake_discord.command("ask", question="what is the airspeed velocity of a swallow"))
    sent = call.sent
    assert sent["flags"] & EPHEMERAL
    assert sent["content"] == "**No tip on that yet**"
    text = text_of(sent)
    assert "Topics: " + " · ".join(bot.topic_suggestions()) in text
    assert text.count("Try") == 1  # "Try asking it another way, or pick a topic below.", said once
    assert call.custom_ids == []


async def test_no_answer_suggests_the_topics_the_question_names_first(fake_discord, interact, bot):
    question = "which sourdough starter suits a kaggle grandmaster's parenting schedule"
    [call] = await interact(fake_discord.command("ask", question=question))
    assert call.sent["content"] == "**No tip on that yet**"
    general = bot.topic_suggestions()
    assert "kaggle" not in general and "parenting" not in general
    suggested = ["kaggle", "parenting", *general][:6]
    assert "Topics: " + " · ".join(suggested) + "\n(/tips topic name:<topic>)" in text_of(call.sent)


async def test_a_mistyped_question_is_answered_as_meant_and_says_so(fake_discord, interact):
    [call] = await interact(fake_discord.command("ask", question="how do I find a mentr"))
    assert call.sent["content"].startswith("**Tips for: how do I find a mentr**")
    assert "I read “mentr” as “mentor”." in call.sent["content"] and call.sent["embeds"]


async def test_ask_empty_question_gets_how_to_ask(fake_discord, interact):
    [call] = await interact(fake_discord.command("ask", question="   "))
    assert call.sent["content"] == "**How to ask**"
    assert "/ask how do I find a mentor?" in text_of(call.sent)


async def test_markdown_and_links_in_the_question_stay_text_when_shared(fake_discord, interact):
    question = "@everyone find a **mentor** _now_ ~~ok~~ `x` [click](https://e.vil/x) <https://e.vil/y> https://e.vil/z_w"
    [answer] = await interact(fake_discord.command("ask", question=question))
    expected = ("**Tips for: @\u200beveryone find a \\*\\*mentor\\*\\* \\_now\\_ \\~\\~ok\\~\\~ \\`x\\` "
                "\\[click](https:\u200b//e.vil/x) <https:\u200b//e.vil/y> https:\u200b//e.vil/z\\_w**")
    assert answer.sent["content"] == expected
    [shared] = await interact(fake_discord.click(answer.message, "cb:share"))
    assert not shared.sent.get("flags", 0) & EPHEMERAL  # posted in the channel, with the member's text still inert
    assert shared.sent["content"].startswith(expected + "\n")
    assert "://" not in shared.sent["content"]
    assert_no_pings(shared)


async def test_hostile_question_never_pings_and_markup_stays_text(fake_discord, interact):
    [call] = await interact(fake_discord.command("ask", question="@everyone how do I find a **mentor**? @here"))
    assert_no_pings(call)
    assert call.sent["content"] == "**Tips for: @\u200beveryone how do I find a \\*\\*mentor\\*\\*? @\u200bhere**"
    [alone] = await interact(fake_discord.command("ask", question="@everyone <@110000000000000005>"))
    assert_no_pings(alone)
    assert alone.sent["content"] == "**How to ask**"  # only mentions: nothing was asked, so no tips


async def test_huge_and_binary_questions_get_a_clear_answer(fake_discord, interact):
    for question in ("career " * 2000, "\x00\x01\x02\ufffd\u202e mentor \x7f"):
        [call] = await interact(fake_discord.command("ask", question=question))
        assert call.json["type"] == 4
        assert call.sent["content"]
        assert_no_pings(call)
        assert all(len(e.get("description", "")) <= 4096 for e in call.sent["embeds"])


async def test_hack_shows_the_channels_tip_of_the_day(fake_discord, interact, bot):
    payload = fake_discord.command("hack")
    [call] = await interact(payload)
    expected = bot.hack(f"discord:{CHANNEL_ID}")
    sent = call.sent
    assert sent["flags"] & EPHEMERAL
    assert_no_pings(call)
    assert sent["content"] == f"**{expected.title}**"
    assert footers(sent) == [expected.cards[0].id]
    tip = expected.cards[0].id
    assert call.custom_ids == ["cb:share", "cb:followup", f"cb:fb:up:{tip}", f"cb:fb:down:{tip}"]


async def test_tips_topics_lists_topics(fake_discord, interact, bot):
    [call] = await interact(fake_discord.command("tips", "topics"))
    assert call.sent["content"] == "**Topics**"
    text = text_of(call.sent)
    for slug, _label, n in bot.topics().data["topics"]:
        if n:
            assert slug in text


async def test_tips_topic_shows_that_topics_tips(fake_discord, interact, bot):
    [call] = await interact(fake_discord.command("tips", "topic", name="mentors"))
    assert call.sent["content"] == "**Tips on Mentors and mentoring**"  # the topic's label, not its slug
    assert footers(call.sent) == [c.id for c in bot.topic("mentors").cards]
    assert call.custom_ids == ["cb:share"]


async def test_tips_topic_unknown_name_is_answered(fake_discord, interact, bot):
    name = "<@&110000000000000077> @everyone <@110000000000000005>"
    [call] = await interact(fake_discord.command("tips", "topic", name=name))
    assert call.sent["content"] == "**Unknown topic**"
    assert_no_pings(call)
    text = text_of(call.sent)
    assert "“<@\u200b&110000000000000077> @\u200beveryone <@\u200b110000000000000005>”" in text
    assert "Did you mean" not in text and "Topics: " + " · ".join(bot.topic_suggestions()) in text


async def test_tips_topic_near_miss_suggests_the_nearest_topics(fake_discord, interact, bot):
    for typed, near in (("behavioral-interviews", ["behavioural-interviews"]), ("mentor", ["mentors"]),
                        ("interview", ["interviews", "behavioural-interviews"])):
        [call] = await interact(fake_discord.command("tips", "topic", name=typed))
        assert call.sent["content"] == "**Unknown topic**"
        text = text_of(call.sent)
        assert f"There is no topic called “{typed}”. Did you mean {' or '.join(near)}?" in text
        assert "Topics: " + " · ".join(near) + " · " in text  # the nearest first, then the most-tipped


async def test_tips_topic_autocomplete_offers_matching_topics(fake_discord, interact, bot):
    payload = fake_discord.autocomplete("tips", "topic", focused="name", name="men")
    [call] = await interact(payload)
    assert call.json["type"] == 8
    choices = call.json["data"]["choices"]
    assert choices == [{"name": n, "value": n} for n in bot.topic_names("men")]
    assert any(c["value"] == "mentors" for c in choices)
    empty = fake_discord.autocomplete("tips", "topic", focused="name", name="")
    [call] = await interact(empty)
    assert 0 < len(call.json["data"]["choices"]) <= 25


async def test_tips_help_lists_commands(fake_discord, interact):
    [call] = await interact(fake_discord.command("tips", "help"))
    assert call.sent["content"] == "**careerbot help**"
    assert "/hack" in text_of(call.sent)


async def test_tips_help_shows_moderator_commands_to_moderators_only(fake_discord, interact, bot):
    [member] = await interact(fake_discord.command("tips", "help"))
    moderator = fake_discord.member(permissions=MANAGE_GUILD)
    [mod] = await interact(fake_discord.command("tips", "help", member=moderator))
    for call in (member, mod):
        assert "/tips topic <name>" in text_of(call.sent) and "/tips schedule" in text_of(call.sent)
    for commands in ("Moderator commands", "/tips retire", "/tips add", "/tips subscribe", "/tips stats"):
        assert commands not in text_of(member.sent), commands
        assert commands in text_of(mod.sent), commands


async def test_rate_limited_callback_is_retried_after_retry_after(fake_discord, interact):
    fake_discord.rate_limit_next("POST", r"^/interactions/\d+/[^/]+/callback$", retry_after=0.05)
    payload = fake_discord.command("ask", question="how do I prepare for interviews?")
    [call] = await interact(payload)
    attempts = fake_discord.calls_to("POST", rf"^/interactions/{payload['id']}/")
    assert [a.status for a in attempts] == [429, 200]
    assert attempts[0].json == attempts[1].json
    assert call.sent["content"].startswith("**Tips for:")


async def test_a_failing_core_still_answers_the_member(fake_discord, interact, bot):
    bot.db.conn.close()  # the database goes away under the bot
    [call] = await interact(fake_discord.command("ask", question="how do I find a mentor?"))
    assert call.sent["content"] == "**Something went wrong**"
    assert call.sent["flags"] & EPHEMERAL
    assert "Nothing was changed" in text_of(call.sent)


async def test_feedback_and_queries_are_recorded_per_member(fake_discord, interact, bot):
    [call] = await interact(fake_discord.command("ask", question="should I do kaggle competitions?"))
    tip = footers(call.sent)[0]
    [thanks] = await interact(fake_discord.click(call.message, f"cb:fb:down:{tip}"))
    assert thanks.sent["flags"] & EPHEMERAL
    assert thanks.sent["embeds"][0]["description"] == "Thanks, noted: we'll look at that tip."
    row = bot.db.execute("SELECT platform, user, tip_id, kind FROM feedback").fetchone()
    assert row == ("discord", MEMBER_ID, tip, "down")


async def test_a_command_discord_still_lists_but_the_bot_dropped_is_answered(fake_discord, interact):
    [call] = await interact(fake_discord.command("dance", style="salsa"))
    assert call.sent["content"] == "**Unknown command**"
    assert call.sent["flags"] & EPHEMERAL
