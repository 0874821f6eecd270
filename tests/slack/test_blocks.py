"""Block Kit rendering: escaping, links only for URLs we build, Slack's size limits."""

from __future__ import annotations

import json

from bot.core.reply import Button, Card, Reply, moment_url
from bot.slack.blocks import (
    MAX_BLOCKS,
    SECTION_LIMIT,
    VALUE_LIMIT,
    clip,
    decode_value,
    escape,
    link,
    plain,
    render,
)
from tests.slack.fakes import message_texts

HOSTILE = "<!channel> <!here> <@U0ADMIN> <https://evil.example|click> & <#C123>"


def card(**changes) -> Card:
    values = dict(id="tip-1", kind="tip", title="Title", text="Do the thing.", quote="we did the thing",
                  speaker="Ana", episode="Episode 1", source="000_x", start=125.0, end=140.0, url=None)
    values.update(changes)
    return Card(**values)


def test_escape_neutralises_every_mention_and_link():
    out = escape(HOSTILE)
    assert "<" not in out and ">" not in out
    assert out.startswith("&lt;!channel&gt; &lt;!here&gt; &lt;@U0ADMIN&gt;")
    assert "&amp;" in out


def test_clip_never_splits_an_entity_and_respects_the_limit():
    raw = "&" * 50
    out = clip(raw, 23)
    assert len(out) <= 23 and out.endswith("…")
    assert out[:-1].replace("&amp;", "") == ""


def test_link_only_for_http_urls_and_never_breaks_out():
    assert link("https://youtu.be/x?t=5s&a=1", "0:05") == "<https://youtu.be/x?t=5s&amp;a=1|0:05>"
    assert link(None, "0:05") == "0:05"
    assert link("javascript:alert(1)", "0:05") == "0:05"
    sneaky = link("https://x.test/a|<!channel>", "1:00")
    assert sneaky.count("|") == 1 and "<!channel>" not in sneaky


def test_hostile_content_and_query_are_escaped_everywhere():
    reply = Reply("answer", f"Tips for: {HOSTILE}", cards=[card(title=HOSTILE, text=HOSTILE, quote=HOSTILE,
                                                                  speaker=HOSTILE, episode=HOSTILE)],
                  note=HOSTILE, suggestions=["mentors"], buttons=[Button("share", "Share to channel")],
                  data={"query": HOSTILE, "shown": ["tip-1"]})
    message = render(reply)
    for text in message_texts(message):
        assert "<!" not in text and "<@" not in text and "<#" not in text and "<https://evil" not in text


def test_card_has_title_tip_quote_and_linked_citation():
    url = moment_url("https://www.youtube.com/watch?v=abc", 125)
    message = render(Reply("answer", "T", cards=[card(url=url)]))
    section, context = message["blocks"][2], message["blocks"][3]
    assert section["text"]["text"] == "*Title*\nDo the thing.\n> “we did the thing”"
    assert context["elements"][0]["text"] == "Ana · Episode 1 · <https://www.youtube.com/watch?v=abc&amp;t=125s|2:05>"


def test_citation_is_plain_when_the_episode_has_no_url():
    message = render(Reply("answer", "T", cards=[card()]))
    assert message["blocks"][3]["elements"][0]["text"] == "Ana · Episode 1 · 2:05"


def test_huge_text_stays_within_section_and_block_limits():
    big = "word " * 5000
    cards = [card(id=f"t{n}", title=big, text=big, quote=big) for n in range(40)]
    message = render(Reply("answer", big, text=big, cards=cards, note=big, suggestions=["a"] * 20,
                           buttons=[Button("share", "Share"), Button("more", "More")],
                           data={"query": big, "shown": [c.id for c in cards]}))
    assert len(message["blocks"]) <= MAX_BLOCKS
    for text in message_texts(message):
        assert len(text) <= SECTION_LIMIT
    for block in message["blocks"]:
        for element in block.get("elements", []):
            if element.get("type") == "button":
                assert len(element["value"]) <= VALUE_LIMIT
                if element["action_id"] in ("share", "more"):
                    assert decode_value(element["value"])["q"]  # still valid JSON after trimming


def test_button_values_carry_what_the_handlers_need():
    cards = [card(id="a", topics=["mentors"]), card(id="b")]
    reply = Reply("answer", "T", cards=cards, data={"query": "find a mentor", "shown": ["a", "b"]},
                  buttons=[Button("share", "Share"), Button("more", "More"), Button("feedback_up", "👍", "a"),
                           Button("ask_followup", "Ask")])
    values = {e["action_id"]: e["value"] for e in render(reply)["blocks"][-1]["elements"]}
    assert json.loads(values["share"]) == {"q": "find a mentor", "x": [], "ids": ["a", "b"]}
    assert json.loads(values["more"]) == {"q": "find a mentor", "ids": ["a", "b"]}
    assert values["feedback_up"] == "a"
    assert json.loads(values["ask_followup"]) == {"topic": "mentors"}


def test_public_copy_drops_the_share_button_and_names_the_sharer():
    reply = Reply("hack", "Hack", cards=[card()], data={"channel": "slack:C1", "date": "2025-01-02"},
                  buttons=[Button("share", "Share"), Button("feedback_up", "👍", "tip-1")])
    private = render(reply)
    shared = render(reply, shared_by="U123ABC")
    assert private["response_type"] == "ephemeral"
    assert shared["response_type"] == "in_channel"
    assert [e["action_id"] for e in shared["blocks"][-2]["elements"]] == ["feedback_up"]
    assert shared["blocks"][-1]["elements"][0]["text"].startswith("Shared by <@U123ABC>")
    assert "<@" not in render(reply, shared_by="<!channel>")["blocks"][-1]["elements"][0]["text"]


def test_decode_value_rejects_what_is_not_ours():
    assert decode_value("not json") == {}
    assert decode_value("[1, 2]") == {}
    assert decode_value(None) == {}


def test_buttons_without_a_slack_handler_are_not_drawn():
    reply = Reply("info", "Review", cards=[card()], buttons=[
        Button("review_skip", "Skip", "7"), Button("launch_rockets", "Launch", "x")])
    drawn = [e["action_id"] for b in render(reply)["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert drawn == ["review_skip"]


def test_plain_swaps_formatting_markers_and_unlinks_urls_but_keeps_words_whole():
    assert plain("*b* _i_ ~s~ `c` a`b") == "\u2217b\u2217 \u02cdi\u02cd \u223cs\u223c \u02cbc\u02cb a\u02cbb"
    assert plain("snake_case my_tip-2 a~b x*y") == "snake_case my_tip-2 a~b x*y"  # between letters: no formatting
    assert plain("see https://x.test/a_b or <HTTP://y.test>") == "see https:\u200b//x.test/a_b or <HTTP:\u200b//y.test>"
    message = render(Reply("answer", "Tips for: *me* http://x.test", data={"query": "*me* http://x.test"}))
    assert message["blocks"][0]["text"] == {"type": "mrkdwn", "verbatim": True,
                                            "text": "*Tips for: \u2217me\u2217 http:\u200b//x.test*"}
    assert message["text"] == "Tips for: \u2217me\u2217 http:\u200b//x.test"
