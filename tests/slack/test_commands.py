"""The real bolt app over HTTP: signed slash commands and button clicks, answers via response_url."""

from __future__ import annotations

import json
import logging
import sqlite3
import time

import aiohttp

from bot.core.actors import ModeratorRules
from bot.core.service import CareerBot
from bot.store import open_db
from tests.conftest import every_result_id
from tests.slack.conftest import SECRET, SlackHttp, serve_slack, slack_settings_for
from tests.slack.fakes import buttons, command_body, message_texts, signed_headers

MENTOR = "how do I find a mentor?"


def joined(message: dict) -> str:
    return "\n".join(message_texts(message))


def query_count(bot: CareerBot) -> int:
    return bot.db.execute("SELECT count(*) FROM queries").fetchone()[0]


# -- /ask -------------------------------------------------------------------------------------------
async def test_ask_acks_then_answers_privately_with_cited_cards(slack_http, slack_bot):
    expected = slack_bot.ask(MENTOR)
    status, body = await slack_http.command("/ask", MENTOR)
    assert (status, body) == (200, "")
    message = await slack_http.reply()
    assert message["response_type"] == "ephemeral"
    text = joined(message)
    for card in expected.cards:
        assert card.title in text
        assert f"{card.speaker} · {card.episode} · {card.stamp}" in text
    assert list(buttons(message)) == ["share", "more", "feedback_up", "feedback_down"]
    assert buttons(message)["feedback_up"] == expected.cards[0].id
    assert slack_http.fake.calls_to("chat.postMessage") == []  # answers go to the response_url only
    row = slack_bot.db.execute("SELECT platform, query FROM queries ORDER BY rowid DESC LIMIT 1").fetchone()
    assert row == ("slack", MENTOR)


async def test_ask_links_the_moment_when_the_episode_has_a_url(slack_http, slack_bot):
    slack_bot.db.execute("UPDATE episodes SET url = 'https://www.youtube.com/watch?v=abc123'")
    card = slack_bot.ask(MENTOR).cards[0]
    await slack_http.command("/ask", MENTOR)
    text = joined(await slack_http.reply())
    assert f"<https://www.youtube.com/watch?v=abc123&amp;t={int(card.start)}s|{card.stamp}>" in text


def labels(bot: CareerBot) -> dict[str, str]:
    return {slug: label for slug, label, _ in bot.topics().data["topics"]}


async def test_ask_without_a_match_is_friendly_and_suggests_topics(slack_http, slack_bot):
    await slack_http.command("/ask", "quantum chromodynamics of pizza toppings")
    message = await slack_http.reply()
    assert "No tip on that yet" in joined(message)
    topics = {k: v for k, v in buttons(message).items() if k.startswith("topic_")}
    assert list(topics.values()) == slack_bot.topic_suggestions()[:5]
    shown = [e["text"]["text"] for b in message["blocks"] if b.get("block_id") == "suggestions" for e in b["elements"]]
    assert shown == [labels(slack_bot)[slug] for slug in topics.values()]  # "Career change", not career-change
    assert any(label != slug for label, slug in zip(shown, topics.values(), strict=True))
    await slack_http.action("topic_0", topics["topic_0"])
    browse = await slack_http.reply(2)
    assert f"Tips on {labels(slack_bot)[topics['topic_0']]}" in joined(browse)
    assert browse["replace_original"] is False


async def test_no_answer_says_so_once_and_suggests_the_topics_the_question_names_first(slack_http, slack_bot):
    await slack_http.command("/ask", "how long should I boil pasta during parental leave?")
    message = await slack_http.reply()
    assert "No tip on that yet" in joined(message)
    [advice] = [t for t in message_texts(message)[1:] if "answers that" in t]  # the blocks, not the fallback
    assert advice == ("I couldn't find anything in our episodes that answers that, and I'd rather not guess. "
                      "Try asking it another way, or pick a topic below.")  # one "Try", the topics follow
    topics = [v for k, v in buttons(message).items() if k.startswith("topic_")]
    general = slack_bot.topic_suggestions()
    assert "parenting" not in general[:5]  # so the question put it first
    assert topics == ["parenting", *[t for t in general if t != "parenting"]][:5]


async def test_a_mistyped_question_is_answered_as_meant_and_says_so(slack_http):
    await slack_http.command("/ask", "how do I find a mentr")
    message = await slack_http.reply()
    assert "I read “mentr” as “mentor”." in joined(message) and "mentor" in joined(message).lower()


async def test_empty_ask_gets_short_help(slack_http):
    await slack_http.command("/ask", "   ")
    message = await slack_http.reply()
    assert "How to ask" in joined(message) and "/ask" in joined(message)
    assert message["response_type"] == "ephemeral"


async def test_huge_and_binary_questions_get_a_polite_answer_within_limits(slack_http):
    junk = "\x00\x01\ufffd" + "what about salary negotiation " * 700 + "\U0001f600" * 50
    await slack_http.command("/ask", junk)
    message = await slack_http.reply()
    assert not any(t.startswith(":warning:") for t in message_texts(message))
    assert all(len(t) <= 3000 for t in message_texts(message))
    assert all(len(v) <= 2000 for v in buttons(message).values())
    assert len(message["blocks"]) <= 50


async def test_ask_reads_the_text_as_typed_not_as_slack_escaped_it(slack_http, slack_bot):
    # the member typed "R&D or Q&A <-> data science"; Slack escapes &, < and > in a command's text
    await slack_http.command("/ask", "R&amp;D or Q&amp;A &lt;-&gt; data science, how do I find a mentor?")
    text = joined(await slack_http.reply())
    assert "Tips for: R&amp;D or Q&amp;A &lt;-&gt; data science" in text  # escaped once, shown as typed
    assert slack_bot.ask("R&D or Q&A <-> data science, how do I find a mentor?").cards[0].title in text
    row = slack_bot.db.execute("SELECT query FROM queries ORDER BY rowid DESC LIMIT 1").fetchone()
    assert row == ("R&D or Q&A <-> data science, how do I find a mentor?",)


# -- mentions ------------------------------------------------------------------------------------------
async def test_mentions_in_the_question_never_reach_slack_unescaped(slack_http, slack_bot):
    await slack_http.command("/ask", "mentor <!here>", response="q1")  # answered: the title echoes it
    await slack_http.command("/ask", "<!channel> <@U0BOSS> find a mentor <!here|here> & co", response="q2")
    await slack_http.command("/ask", "<!channel> <@U0BOSS|boss>", response="q3")  # nothing asked
    await slack_http.fake.wait_for("response", 3)
    by_url = {c.path.rsplit("/", 1)[1]: joined(c.args) for c in slack_http.fake.calls_to("response")}
    assert "Tips for: mentor &lt;!here&gt;" in by_url["q1"]
    assert slack_bot.ask("find a mentor & co").cards[0].title in by_url["q2"]  # the mentions are not searched
    assert "How to ask" in by_url["q3"]
    for text in by_url.values():
        assert "<!" not in text and "<@" not in text


async def test_formatting_and_links_in_the_question_stay_text_when_shared(slack_http, slack_bot):
    # typed: a mention, *, _, ~ and ` formatting, a hand-written link, a URL Slack sent as a link, a bare URL
    typed = ("&lt;!here&gt; find a *mentor*? _now_ ~pls~ `ok` &lt;http://evil.example|click&gt; "
             "<https://evil.example/x> http://evil.example/y_z")
    await slack_http.command("/ask", typed)
    private = await slack_http.reply()
    await slack_http.action("share", buttons(private)["share"])
    shared = await slack_http.reply(2)
    assert shared["response_type"] == "in_channel"
    header = shared["blocks"][0]["text"]
    assert header["type"] == "mrkdwn" and header["verbatim"] is True  # Slack links no bare URL in it
    title = header["text"]
    assert title == ("*Tips for: &lt;!here&gt; find a \u2217mentor\u2217? \u02cdnow\u02cd \u223cpls\u223c "
                     "\u02cbok\u02cb &lt;http:\u200b//evil.example|click&gt; &lt;https:\u200b//evil.example/x&gt; "
                     "http:\u200b//evil.example/y_z*")  # inside a URL, "_" between letters formats nothing
    for text in (title, shared["text"]):  # the header, and the notification's fallback text
        assert "<http" not in text and "://" not in text and "<!" not in text
    assert slack_bot.ask("find a mentor?").cards[0].title in joined(shared)
    assert all(block.get("text", {}).get("verbatim", True) for block in shared["blocks"] if "text" in block)


async def test_the_question_quoted_in_a_note_stays_text(slack_http):
    """A greeting and an introduction, then the question: the note quotes the question sentence."""
    await slack_http.command("/ask", "Hi everyone! I'm Maria, a chemist from Spain. How do I find a *mentor*?")
    message = await slack_http.reply()
    note = message["blocks"][1]["elements"][0]
    assert note["text"] == "_I answered the question in your message: “How do I find a \u2217mentor\u2217?”_"
    assert note["verbatim"] is True
    assert "mentor" in joined(message).lower() and "No tip on that yet" not in joined(message)


async def test_mentions_in_content_are_escaped_too(slack_http, slack_bot):
    top = slack_bot.ask(MENTOR).cards[0]
    slack_bot.db.execute("UPDATE tips SET quote = quote || ' <!everyone> <@U0BOSS>', "
                         "title = title || ' <!here>' WHERE id = ?", [top.id])
    await slack_http.command("/ask", MENTOR)
    text = joined(await slack_http.reply())
    assert "&lt;!everyone&gt; &lt;@U0BOSS&gt;" in text and "&lt;!here&gt;" in text
    assert "<!" not in text and "<@" not in text


# -- /hack and /tips ----------------------------------------------------------------------------------
async def test_hack_is_the_channels_tip_of_the_day_and_can_be_shared(slack_http, slack_bot):
    expected = slack_bot.hack("slack:C42").cards[0]
    await slack_http.command("/hack", channel="C42")
    message = await slack_http.reply()
    assert message["response_type"] == "ephemeral"
    assert expected.title in joined(message)
    assert set(buttons(message)) == {"share", "ask_followup", "feedback_up", "feedback_down"}
    await slack_http.action("share", buttons(message)["share"], channel="C42")
    shared = await slack_http.reply(2)
    assert shared["response_type"] == "in_channel" and shared["replace_original"] is False
    assert expected.title in joined(shared)
    assert "Shared by <@UMEMBER>" in joined(shared)
    assert "share" not in buttons(shared)
    await slack_http.action("ask_followup", buttons(message)["ask_followup"], channel="C42")
    hint = await slack_http.reply(3)
    assert "/ask" in joined(hint) and hint["response_type"] == "ephemeral"


async def test_tips_topics_topic_help_and_unknown(slack_http, slack_bot):
    await slack_http.command("/tips", "topics", response="t1")
    await slack_http.command("/tips", "topic mentors", response="t2")
    await slack_http.command("/tips", "help", response="t3")
    await slack_http.command("/tips", "frobnicate <!channel>", response="t4")
    await slack_http.command("/tips", "Job search", response="t5")  # a topic's name alone browses it
    await slack_http.command("/tips", "Q&amp;A", response="t6")  # the member typed "Q&A"
    await slack_http.fake.wait_for("response", 6)
    by_url = {c.path.rsplit("/", 1)[1]: c.args for c in slack_http.fake.calls_to("response")}
    assert "mentors" in joined(by_url["t1"]) and "/tips topic" in joined(by_url["t1"])
    browse = slack_bot.topic("mentors")
    assert all(c.title in joined(by_url["t2"]) for c in browse.cards)
    assert "/tips" in joined(by_url["t3"]) and "/ask" in joined(by_url["t3"])
    assert "Unknown command" in joined(by_url["t4"]) and "<!channel>" not in joined(by_url["t4"])
    assert all(c.title in joined(by_url["t5"]) for c in slack_bot.topic("job-search").cards)
    assert "/tips q&amp;a" in joined(by_url["t6"]) and "&amp;amp;" not in joined(by_url["t6"])  # read as typed


async def test_help_shows_members_their_commands_and_moderators_theirs_too(slack_http):
    slack_http.fake.users["UMEMBER"] = {"id": "UMEMBER", "is_admin": False}
    slack_http.fake.users["UADMIN"] = {"id": "UADMIN", "is_admin": True}
    await slack_http.command("/tips", "help", response="h1")
    await slack_http.command("/tips", "", response="h2", user="UMEMBER")  # bare /tips is the help too
    await slack_http.command("/tips", "help", response="h3", user="UMOD")  # listed in SLACK_MODERATORS
    await slack_http.command("/tips", "help", response="h4", user="UADMIN")  # a workspace admin
    await slack_http.command("/ask", "", response="h5")
    await slack_http.fake.wait_for("response", 5)
    by_url = {c.path.rsplit("/", 1)[1]: joined(c.args) for c in slack_http.fake.calls_to("response")}
    for member in ("h1", "h2"):
        assert "/tips topic &lt;name&gt;" in by_url[member] and "/tips schedule" in by_url[member]
        for moderators in ("Moderator commands", "/tips retire", "/tips add", "/tips subscribe", "/tips stats"):
            assert moderators not in by_url[member], moderators
    for moderator in ("h3", "h4"):
        assert "/tips topic &lt;name&gt;" in by_url[moderator]
        assert "Moderator commands" in by_url[moderator] and "/tips retire" in by_url[moderator]
    assert "How to ask" in by_url["h5"] and "/tips retire" not in by_url["h5"]


async def test_moderator_subcommand_is_refused_for_members(slack_http, slack_bot, probe_subcommand):
    slack_http.fake.users["UMEMBER"] = {"id": "UMEMBER", "is_admin": False}
    await slack_http.command("/tips", "probe")
    message = await slack_http.reply()
    assert "Moderators only" in joined(message) and "moderator ok" not in joined(message)
    assert [c.args["user"] for c in slack_http.fake.calls_to("users.info")] == ["UMEMBER"]


async def test_topic_is_headed_by_its_label_and_a_near_miss_gets_the_nearest_topics(slack_http, slack_bot):
    await slack_http.command("/tips", "topic mentors", response="n1")
    for n, typed in enumerate(("behavioral-interviews", "mentor", "interview"), start=2):
        await slack_http.command("/tips", f"topic {typed}", response=f"n{n}")
    await slack_http.fake.wait_for("response", 4)
    by_url = {c.path.rsplit("/", 1)[1]: c.args for c in slack_http.fake.calls_to("response")}
    assert by_url["n1"]["blocks"][0]["text"]["text"] == "*Tips on Mentors and mentoring*"
    assert "Tips on mentors" not in joined(by_url["n1"])
    expected = {"n2": ["behavioural-interviews"], "n3": ["mentors"], "n4": ["interviews", "behavioural-interviews"]}
    for name, near in expected.items():
        text = joined(by_url[name])
        assert "Unknown topic" in text and f"Did you mean {' or '.join(near)}?" in text
        topics = [v for k, v in buttons(by_url[name]).items() if k.startswith("topic_")]
        assert topics[: len(near)] == near  # the nearest first, one click away
    await slack_http.action("topic_0", "behavioural-interviews", response="n5")
    browse = await slack_http.reply(5)
    assert "Tips on Behavioural interviews and STAR" in joined(browse)


async def test_moderator_facts_listed_admin_and_cached(slack_http, probe_subcommand):
    fake = slack_http.fake
    fake.users["UADMIN"] = {"id": "UADMIN", "is_admin": True}
    await slack_http.command("/tips", "probe", user="UMOD", response="m1")
    await slack_http.command("/tips", "probe", user="UADMIN", response="m2")
    await slack_http.command("/tips", "probe", user="UADMIN", response="m3")
    await slack_http.command("/tips", "topics", user="UOTHER", response="m4")
    await fake.wait_for("response", 4)
    by_url = {c.path.rsplit("/", 1)[1]: joined(c.args) for c in fake.calls_to("response")}
    assert "moderator ok: UMOD" in by_url["m1"]
    assert "moderator ok: UADMIN" in by_url["m2"] and "moderator ok: UADMIN" in by_url["m3"]
    # listed moderators need no lookup, the admin is looked up once, members browsing none at all
    assert [c.args["user"] for c in fake.calls_to("users.info")] == ["UADMIN"]


async def test_moderator_user_group_membership_counts(fake_slack, db, probe_subcommand):
    settings = slack_settings_for(fake_slack, slack_moderator_group="SMODS", slack_admins_are_moderators=False)
    fake_slack.usergroups["SMODS"] = ["UGROUP"]
    bot = CareerBot(db, rules=ModeratorRules.from_settings(settings))
    frontend, runner, url = await serve_slack(settings, bot)
    try:
        async with aiohttp.ClientSession() as session:
            http = SlackHttp(url, fake_slack, frontend, session)
            await http.command("/tips", "probe", user="UGROUP", response="g1")
            await http.command("/tips", "probe", user="UOUT", response="g2")
            await fake_slack.wait_for("response", 2)
    finally:
        await frontend.stop()
        await runner.cleanup()
    by_url = {c.path.rsplit("/", 1)[1]: joined(c.args) for c in fake_slack.calls_to("response")}
    assert "moderator ok: UGROUP" in by_url["g1"]
    assert "Moderators only" in by_url["g2"]
    assert len(fake_slack.calls_to("usergroups.users.list")) == 1  # cached
    assert fake_slack.calls_to("users.info") == []  # admins are not moderators here: never asked


# -- buttons ----------------------------------------------------------------------------------------
async def test_show_more_gives_new_tips_then_says_when_done(slack_http, slack_bot):
    await slack_http.command("/ask", MENTOR)
    first = await slack_http.reply()
    first_ids = json.loads(buttons(first)["more"])["ids"]
    await slack_http.action("more", buttons(first)["more"])
    second = await slack_http.reply(2)
    assert second["response_type"] == "ephemeral" and second["replace_original"] is False
    more = json.loads(buttons(second)["more"])
    new_ids = more["ids"][len(first_ids):]
    assert more["ids"][: len(first_ids)] == first_ids and new_ids and not set(new_ids) & set(first_ids)
    expected = slack_bot.more(MENTOR, first_ids)
    assert [c.id for c in expected.cards] == new_ids
    # sharing the second page shares exactly its cards
    await slack_http.action("share", buttons(second)["share"])
    shared = await slack_http.reply(3)
    assert shared["response_type"] == "in_channel"
    assert all(c.title in joined(shared) for c in expected.cards)
    assert not any(c.title in joined(shared) for c in slack_bot.ask(MENTOR).cards)
    # asking for more than there is ends politely
    await slack_http.action("more", json.dumps({"q": MENTOR, "ids": every_result_id(slack_bot.db)}))
    done = await slack_http.reply(4)
    assert "everything I have" in joined(done)


async def test_share_an_answer_posts_it_in_channel(slack_http, slack_bot):
    await slack_http.command("/ask", MENTOR)
    private = await slack_http.reply()
    await slack_http.action("share", buttons(private)["share"])
    shared = await slack_http.reply(2)
    assert shared["response_type"] == "in_channel"
    assert all(c.title in joined(shared) for c in slack_bot.ask(MENTOR).cards)
    assert set(buttons(shared)) == {"more", "feedback_up", "feedback_down"}


async def test_feedback_buttons_record_and_thank(slack_http, slack_bot):
    tip = slack_bot.ask(MENTOR).cards[0].id
    await slack_http.action("feedback_up", tip, user="UFAN")
    await slack_http.action("feedback_down", tip, user="UCRITIC")
    await slack_http.fake.wait_for("response", 2)
    texts = [joined(m) for m in slack_http.fake.responses]
    assert any("glad it helped" in t for t in texts) and any("we'll look at that tip" in t for t in texts)
    rows = slack_bot.db.execute("SELECT platform, user, tip_id, kind FROM feedback ORDER BY user").fetchall()
    assert rows == [("slack", "UCRITIC", tip, "down"), ("slack", "UFAN", tip, "up")]


async def test_forged_or_stale_button_values_get_a_polite_answer(slack_http):
    await slack_http.action("share", "not-json", response="f1")
    await slack_http.action("feedback_up", "no-such-tip", response="f2")
    await slack_http.action("more", "{}", response="f3")
    await slack_http.fake.wait_for("response", 3)
    by_url = {c.path.rsplit("/", 1)[1]: joined(c.args) for c in slack_http.fake.calls_to("response")}
    assert "nothing to share" in by_url["f1"]
    assert "no longer exists" in by_url["f2"]
    assert "everything I have" in by_url["f3"]


# -- signatures --------------------------------------------------------------------------------------
async def test_bad_signature_and_stale_timestamp_are_401_with_no_side_effects(slack_http, slack_bot):
    before = query_count(slack_bot)
    body = command_body("/ask", MENTOR, slack_http.fake.response_url("bad"))
    wrong = signed_headers("not-the-signing-secret", body)
    stale = signed_headers(SECRET, body, timestamp=int(time.time()) - 600)
    unsigned = {"Content-Type": "application/x-www-form-urlencoded"}
    tampered = {**signed_headers(SECRET, body)}
    assert (await slack_http.post(body, wrong))[0] == 401
    assert (await slack_http.post(body, stale))[0] == 401
    assert (await slack_http.post(body, unsigned))[0] == 401
    assert (await slack_http.post(body.replace("mentor", "mentee"), tampered))[0] == 401
    # a good request afterwards is answered, and it is the only thing that reached Slack or the database
    assert (await slack_http.command("/ask", MENTOR, response="good"))[0] == 200
    await slack_http.fake.wait_for("response")
    assert [c.path for c in slack_http.fake.calls_to("response")] == ["/response/good"]
    assert query_count(slack_bot) == before + 1


# -- failures after the acknowledgement --------------------------------------------------------------
async def test_failure_after_ack_is_a_visible_polite_error_and_a_log_line(slack_http, slack_bot, caplog):
    slack_bot.db.execute("DROP TABLE queries")  # the answer's bookkeeping step will fail
    with caplog.at_level(logging.ERROR, logger="bot.slack.app"):
        status, _ = await slack_http.command("/ask", MENTOR)
        message = await slack_http.reply()
    assert status == 200
    assert message["response_type"] == "ephemeral"
    assert "Sorry, something went wrong" in joined(message)
    assert any("ask failed after ack" in r.getMessage() for r in caplog.records)


async def test_response_url_refusing_the_answer_falls_back_to_an_error(slack_http):
    slack_http.fake.fail("response", status=400, body="invalid_blocks")
    await slack_http.command("/ask", MENTOR)
    calls = await slack_http.fake.wait_for("response", 2)
    assert "Sorry, something went wrong" in joined(calls[1].args)


async def test_response_url_429_is_retried_after_retry_after(slack_http, slack_bot):
    slack_http.fake.fail("response", status=429, retry_after=0)
    await slack_http.command("/ask", MENTOR)
    calls = await slack_http.fake.wait_for("response", 2)
    assert calls[0].args == calls[1].args
    assert slack_bot.ask(MENTOR).cards[0].title in joined(calls[1].args)


async def test_a_slow_database_does_not_delay_the_ack(fake_slack, db_file):
    """While another connection holds the write lock, /ask is acknowledged; the answer follows the unlock."""
    settings = slack_settings_for(fake_slack)
    bot = CareerBot(open_db(db_file), rules=ModeratorRules.from_settings(settings))
    blocker = sqlite3.connect(db_file, isolation_level=None)
    frontend, runner, url = await serve_slack(settings, bot)
    try:
        async with aiohttp.ClientSession() as session:
            http = SlackHttp(url, fake_slack, frontend, session)
            blocker.execute("BEGIN IMMEDIATE")
            blocker.execute("INSERT INTO queries (platform, query, answered) VALUES ('test', 'lock', 0)")
            status, _ = await http.command("/ask", MENTOR)
            assert status == 200
            assert fake_slack.responses == []  # the answer is still waiting for the database
            blocker.execute("COMMIT")
            message = await http.reply()
            assert bot.ask(MENTOR).cards[0].title in joined(message)
    finally:
        blocker.close()
        await frontend.stop()
        await runner.cleanup()
        bot.db.conn.close()


# -- moderator review buttons -------------------------------------------------------------------------
async def test_review_buttons_act_for_moderators_only(slack_http, slack_bot):
    from bot.corpus import review

    source = slack_bot.db.execute("SELECT id FROM episodes ORDER BY id LIMIT 1").fetchone()[0]
    assert review.propose(slack_bot.db, source) > 0
    await slack_http.command("/tips", "review", user="UMOD")
    card = await slack_http.reply()
    values = buttons(card)
    assert {"review_accept", "review_reject", "review_skip"} <= set(values)
    item = int(values["review_skip"])

    await slack_http.action("review_reject", values["review_reject"], user="UMEMBER")
    refused = await slack_http.reply(2)
    assert "Moderators only" in joined(refused)
    assert review.get(slack_bot.db, item).status == "pending"

    await slack_http.action("review_skip", values["review_skip"], user="UMOD")
    await slack_http.reply(3)
    assert review.get(slack_bot.db, item).status == "skipped"

    await slack_http.action("review_accept", values["review_accept"], user="UMOD")
    [opened] = await slack_http.fake.wait_for("views.open")  # the tip form, prefilled (tests/slack/test_forms.py)
    assert opened.args["view"]["callback_id"] == "tip_form"
    assert review.get(slack_bot.db, item).status == "skipped"


async def test_every_drawn_button_has_a_handler(slack_http):
    from bot.slack.blocks import ACTIONS

    for action_id in sorted(ACTIONS) + ["topic_0"]:
        status, _ = await slack_http.action(action_id, "{}", response=action_id)
        assert status == 200, action_id
    assert (await slack_http.action("no_such_button", "{}"))[0] == 404
