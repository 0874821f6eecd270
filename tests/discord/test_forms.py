"""The tip form through the real discord.py client: `/tips add|edit|review` open a modal (type 9),
raw MODAL_SUBMIT payloads (type 5) get a preview with Save / Change…, and button presses
(type 3) save, reopen, or decide review candidates. The database changes only on Save."""

from __future__ import annotations

import pytest

from bot.corpus import review
from bot.corpus.export import stamp
from tests.discord.fakes import MANAGE_GUILD
from tests.discord.helpers import EPHEMERAL, assert_no_pings, footers, text_of

SOURCE = "000_7a926d4821475fb3"
TIP = "choose-a-supportive-social-circle"
NEW_TIP = {  # the modal's five boxes
    "title": "Interview others to beat impostor syndrome",
    "tip": "Run mock interviews for other people: seeing them struggle too makes your own impostor syndrome fade.",
    "quote": "it also helps when you see others struggle and you realize that your imposter syndrome will "
             "actually disappear when you start to interview others",
    "where": f"{SOURCE} 14:31-14:50",
    "about": "impostor-syndrome interviews\nhow do I get over impostor syndrome?\n"
             "should I do mock interviews for others?\ndoes interviewing people help my confidence?",
}
NEW_ID = "interview-others-to-beat-impostor-syndrome"


@pytest.fixture
def mod(fake_discord):
    return fake_discord.member(user_id="1100000000000000050", name="mod", permissions=MANAGE_GUILD)


@pytest.fixture
def mod2(fake_discord):
    return fake_discord.member(user_id="1100000000000000051", name="mod2", permissions=MANAGE_GUILD)


def counts(bot) -> tuple:
    return (bot.db.execute("SELECT count(*), sum(version) FROM tips").fetchone(),
            bot.db.execute("SELECT count(*) FROM audit").fetchone()[0],
            bot.db.execute("SELECT group_concat(status) FROM review_queue").fetchone()[0])


def tip_row(bot, tip_id: str) -> dict:
    cursor = bot.db.execute("SELECT * FROM tips WHERE id = ?", [tip_id])
    row = cursor.fetchone()
    return dict(zip([d[0] for d in cursor.description], row, strict=True)) if row else {}


def inputs(modal: dict) -> dict[str, str]:
    """custom_id -> prefilled value of each text input of a modal the client sent."""
    return {c["component"]["custom_id"]: c["component"].get("value") or "" for c in modal["components"]}


async def open_modal(fake_discord, interact, payload) -> dict:
    [call] = await interact(payload)
    assert call.json["type"] == 9, call.json
    return call.json["data"]


async def submit(fake_discord, interact, modal, values=None, member=None):
    """Submit the modal; the preview (or problems) message the client answered with."""
    [call] = await interact(fake_discord.submit_form(modal, values, member=member))
    assert call.json["type"] == 4
    assert call.sent["flags"] & EPHEMERAL
    assert_no_pings(call)
    return call


async def press(fake_discord, interact, call, custom_id, member=None, n=1):
    assert custom_id in call.custom_ids, call.custom_ids
    return await interact(fake_discord.click(call.message, custom_id, member=member), n=n)


def button(call, prefix: str) -> str:
    return next(c for c in call.custom_ids if c.startswith(prefix))


# -- add ------------------------------------------------------------------------------------------
async def test_tips_add_opens_the_five_box_modal(fake_discord, interact, mod):
    modal = await open_modal(fake_discord, interact, fake_discord.command("tips", "add", member=mod))
    assert modal["title"] == "Add a tip" and modal["custom_id"] == "cb:tip:a"
    assert list(inputs(modal)) == ["title", "tip", "quote", "where", "about"]
    assert all(c["type"] == 18 and len(c["label"]) <= 45 for c in modal["components"])
    assert set(inputs(modal).values()) == {""}


async def test_add_previews_then_saves_on_save_and_is_live(fake_discord, interact, bot, mod):
    before = counts(bot)
    modal = await open_modal(fake_discord, interact, fake_discord.command("tips", "add", member=mod))
    preview = await submit(fake_discord, interact, modal, NEW_TIP, member=mod)
    assert preview.sent["content"] == f"**Preview: {NEW_TIP['title']}**"
    assert "Looks good" in text_of(preview.sent) and "Tatiana Gabruseva" in text_of(preview.sent)
    assert footers(preview.sent) == [NEW_ID]
    assert [c.split(":")[2] for c in preview.custom_ids] == ["save", "change"]
    assert counts(bot) == before  # nothing saved by the preview

    defer, saved = await press(fake_discord, interact, preview, button(preview, "cb:draft:save:"), member=mod, n=2)
    assert defer.json["type"] == 5
    assert saved.sent["content"] == "**Tip added**" and saved.sent["flags"] & EPHEMERAL
    row = tip_row(bot, NEW_ID)
    assert row["updated_by"] == "discord:1100000000000000050" and (row["start"], row["end"]) == (871.0, 890.0)
    assert NEW_ID in [c.id for c in bot.ask("how do I get over impostor syndrome?", k=5).cards]
    # the draft is used up: a second Save does not add it twice
    _, again = await press(fake_discord, interact, preview, button(preview, "cb:draft:save:"), member=mod, n=2)
    assert again.sent["content"] == "**That form has expired**"
    assert bot.db.execute("SELECT count(*) FROM tips WHERE id LIKE 'interview-others%'").fetchone() == (1,)


async def test_invalid_fields_list_the_problems_and_change_reopens_what_was_typed(fake_discord, interact, bot, mod):
    before = counts(bot)
    modal = await open_modal(fake_discord, interact, fake_discord.command("tips", "add", member=mod))
    bad = NEW_TIP | {"where": f"{SOURCE} 99:00-99:30", "about": "impostor-syndrome basket-weaving\nonly one?"}
    problems = await submit(fake_discord, interact, modal, bad, member=mod)
    text = text_of(problems.sent)
    assert problems.sent["content"] == "**Not saved: please fix the form**"
    assert "Start–end: span 1:39:00-1:39:30 is outside the transcript" in text
    assert "Topics: unknown topic(s) basket-weaving" in text
    assert "Example questions:" in text
    assert [c.split(":")[2] for c in problems.custom_ids] == ["change"]  # no Save for a form with problems
    assert counts(bot) == before

    [reopened] = await press(fake_discord, interact, problems, problems.custom_ids[0], member=mod)
    assert reopened.json["type"] == 9
    assert inputs(reopened.json["data"]) == bad  # what they typed, to fix
    fixed = await submit(fake_discord, interact, reopened.json["data"], {"where": NEW_TIP["where"],
                                                                         "about": NEW_TIP["about"]}, member=mod)
    assert fixed.sent["content"].startswith("**Preview:")


async def test_wrong_quote_and_unknown_episode_are_problems(fake_discord, interact, bot, mod):
    before = counts(bot)
    modal = await open_modal(fake_discord, interact, fake_discord.command("tips", "add", member=mod))
    bad = NEW_TIP | {"quote": "the quick brown fox jumps over the lazy dog every morning", "where": "nope 1:00-2:00"}
    text = text_of((await submit(fake_discord, interact, modal, bad, member=mod)).sent)
    assert "Episode: no episode 'nope'" in text
    assert counts(bot) == before


async def test_mentions_typed_into_the_form_cannot_ping(fake_discord, interact, mod):
    modal = await open_modal(fake_discord, interact, fake_discord.command("tips", "add", member=mod))
    preview = await submit(fake_discord, interact, modal, NEW_TIP | {"title": "@everyone read <@&110000000000000077> now"},
                           member=mod)
    assert "@\u200beveryone" in preview.sent["content"]


# -- refusals -------------------------------------------------------------------------------------
@pytest.mark.parametrize("sub, options", [("add", {}), ("edit", {"id": TIP}), ("review", {})])
async def test_members_cannot_open_the_form_or_the_queue(fake_discord, interact, sub, options):
    [call] = await interact(fake_discord.command("tips", sub, **options))
    assert call.json["type"] == 4 and call.sent["content"] == "**Moderators only**"


async def test_a_member_submitting_or_saving_a_moderators_form_is_refused(fake_discord, interact, bot, mod):
    """Crafted or stale: the modal submit and the Save button each check the member again."""
    before = counts(bot)
    member = fake_discord.member()
    modal = await open_modal(fake_discord, interact, fake_discord.command("tips", "add", member=mod))
    refused = await submit(fake_discord, interact, modal, NEW_TIP, member=member)
    assert refused.sent["content"] == "**Moderators only**" and refused.custom_ids == []
    preview = await submit(fake_discord, interact, modal, NEW_TIP, member=mod)
    for prefix in ("cb:draft:save:", "cb:draft:change:"):
        replies = await press(fake_discord, interact, preview, button(preview, prefix), member=member,
                              n=2 if "save" in prefix else 1)
        assert replies[-1].sent["content"] == "**Moderators only**"
    assert counts(bot) == before


async def test_a_save_from_someone_elses_or_a_forgotten_draft_saves_nothing(fake_discord, interact, bot, mod, mod2,
                                                                           discord_client):
    before = counts(bot)
    modal = await open_modal(fake_discord, interact, fake_discord.command("tips", "add", member=mod))
    preview = await submit(fake_discord, interact, modal, NEW_TIP, member=mod)
    _, other = await press(fake_discord, interact, preview, button(preview, "cb:draft:save:"), member=mod2, n=2)
    assert other.sent["content"] == "**That form has expired**"
    discord_client.drafts = type(discord_client.drafts)()  # as after a restart
    _, lost = await press(fake_discord, interact, preview, button(preview, "cb:draft:save:"), member=mod, n=2)
    assert lost.sent["content"] == "**That form has expired**"
    assert counts(bot) == before


# -- edit, and two moderators at once --------------------------------------------------------------
async def test_edit_opens_prefilled_and_saves_only_the_change(fake_discord, interact, bot, mod):
    row = tip_row(bot, TIP)
    modal = await open_modal(fake_discord, interact, fake_discord.command("tips", "edit", id=TIP, member=mod))
    assert modal["custom_id"] == f"cb:tip:e:{row['version']}:{TIP}"
    boxes = inputs(modal)
    assert boxes["title"] == row["title"] and boxes["quote"] == row["quote"]
    assert boxes["where"] == f"{row['source']} {stamp(row['start'])}-{stamp(row['end'])} {row['speaker']}"
    assert boxes["about"] == f"{row['topics']}\n{row['questions']}"

    preview = await submit(fake_discord, interact, modal, {"title": "Spend less time with naysayers"}, member=mod)
    assert "title: “" in text_of(preview.sent) and "Spend less time with naysayers" in text_of(preview.sent)
    _, saved = await press(fake_discord, interact, preview, button(preview, "cb:draft:save:"), member=mod, n=2)
    assert saved.sent["content"] == "**Saved: Spend less time with naysayers**"
    after = tip_row(bot, TIP)
    assert after["version"] == row["version"] + 1
    assert {k: after[k] for k in ("start", "end", "quote", "topics", "questions", "speaker")} == \
        {k: row[k] for k in ("start", "end", "quote", "topics", "questions", "speaker")}


async def test_edit_of_an_unknown_tip_says_so(fake_discord, interact, mod):
    [call] = await interact(fake_discord.command("tips", "edit", id="no-such-tip", member=mod))
    assert call.json["type"] == 4 and call.sent["content"] == "**Unknown tip**"


async def test_an_id_option_is_never_read_as_fields(fake_discord, interact, bot, mod):
    before = counts(bot)
    [call] = await interact(fake_discord.command("tips", "edit", id=f'{TIP} title="Hacked" --save', member=mod))
    assert call.sent["content"] == "**Unknown tip**"
    assert counts(bot) == before


@pytest.mark.parametrize("stale_at", ["submit", "save"])
async def test_the_second_of_two_moderators_is_refused_with_the_current_version(fake_discord, interact, bot, mod,
                                                                                mod2, stale_at):
    first = await open_modal(fake_discord, interact, fake_discord.command("tips", "edit", id=TIP, member=mod))
    second = await open_modal(fake_discord, interact, fake_discord.command("tips", "edit", id=TIP, member=mod2))
    theirs = {"tip": "Keep away from people who say you can't do it, and find people who did it."}
    if stale_at == "save":
        stale_preview = await submit(fake_discord, interact, second, theirs, member=mod2)
    preview = await submit(fake_discord, interact, first, {"title": "Spend less time with naysayers"}, member=mod)
    await press(fake_discord, interact, preview, button(preview, "cb:draft:save:"), member=mod, n=2)
    saved = tip_row(bot, TIP)

    if stale_at == "save":
        _, refused = await press(fake_discord, interact, stale_preview, button(stale_preview, "cb:draft:save:"),
                                 member=mod2, n=2)
    else:
        refused = await submit(fake_discord, interact, second, theirs, member=mod2)
    text = text_of(refused.sent)
    assert refused.sent["content"] == "**Edit conflict**"
    assert f"it is now v{saved['version']}" in text
    assert footers(refused.sent) == [TIP] and "Spend less time with naysayers" in text  # the current version
    assert "What you typed (not saved)" in text and "find people who did it" in text
    assert tip_row(bot, TIP) == saved
    assert refused.custom_ids == [f"cb:edit:{TIP}"]

    [reopened] = await press(fake_discord, interact, refused, f"cb:edit:{TIP}", member=mod2)
    assert reopened.json["data"]["custom_id"] == f"cb:tip:e:{saved['version']}:{TIP}"
    assert inputs(reopened.json["data"])["title"] == "Spend less time with naysayers"


async def test_tip_ids_autocomplete_for_moderators_only(fake_discord, interact, mod):
    [call] = await interact(fake_discord.autocomplete("tips", "edit", focused="id", id="naysay", member=mod))
    choices = call.json["data"]["choices"]
    assert TIP in [c["value"] for c in choices]
    [call] = await interact(fake_discord.autocomplete("tips", "retire", focused="id", id="naysay"))
    assert call.json["data"]["choices"] == []


# -- retire, restore, history ------------------------------------------------------------------------
async def test_retire_restore_history(fake_discord, interact, bot, mod):
    question = "how do I deal with people who doubt my career change?"
    _, retired = await interact(fake_discord.command("tips", "retire", id=TIP, member=mod), n=2)
    assert retired.sent["content"].startswith("**Retired")
    assert TIP not in [c.id for c in bot.ask(question, k=10).cards]
    _, restored = await interact(fake_discord.command("tips", "restore", id=TIP, member=mod), n=2)
    assert restored.sent["content"].startswith("**Restored")
    assert tip_row(bot, TIP)["status"] == "active"
    _, history = await interact(fake_discord.command("tips", "history", id=TIP, member=mod), n=2)
    text = text_of(history.sent)
    assert "discord:1100000000000000050  restore" in text and "discord:1100000000000000050  retire" in text


# -- the review queue ------------------------------------------------------------------------------
@pytest.fixture
def candidates(bot):
    assert review.propose(bot.db, SOURCE) >= 3
    return [c.id for c in review.open_items(bot.db, limit=20)]


async def test_review_accept_reject_skip(fake_discord, interact, bot, mod, candidates):
    _, queue = await interact(fake_discord.command("tips", "review", member=mod), n=2)
    first = candidates[0]
    assert queue.custom_ids == [f"cb:rv:accept:{first}", f"cb:rv:reject:{first}", f"cb:rv:skip:{first}"]
    item = review.get(bot.db, first)

    [form] = await press(fake_discord, interact, queue, f"cb:rv:accept:{first}", member=mod)
    modal = form.json["data"]
    assert modal["custom_id"] == f"cb:tip:r:{first}" and modal["title"] == f"Tip from candidate #{first}"
    assert inputs(modal)["where"] == f"{item.source} {stamp(item.start)}-{stamp(item.end)}"
    assert inputs(modal)["quote"] == " ".join(item.text.split())
    boxes = {"title": "Advice from the passage", "tip": "A summary of the candidate's advice, in our words.",
             "quote": " ".join(item.text.split()[:25]), "about": "mindset\nq one?\nq two?\nq three?"}
    preview = await submit(fake_discord, interact, modal, boxes, member=mod)
    assert preview.sent["content"] == "**Preview: Advice from the passage**"
    assert review.get(bot.db, first).status == "pending"
    _, saved = await press(fake_discord, interact, preview, button(preview, "cb:draft:save:"), member=mod, n=2)
    assert f"Candidate #{first} accepted" in text_of(saved.sent)
    decided = review.get(bot.db, first)
    assert decided.status == "accepted" and tip_row(bot, decided.tip_id)["source"] == item.source

    second, third = candidates[1:3]
    message = dict(queue.message)
    message["components"] = [{"type": 1, "components": [
        {"type": 2, "style": 4, "label": "Reject", "custom_id": f"cb:rv:reject:{second}"},
        {"type": 2, "style": 2, "label": "Skip", "custom_id": f"cb:rv:skip:{third}"}]}]
    _, rejected = await interact(fake_discord.click(message, f"cb:rv:reject:{second}", member=mod), n=2)
    _, skipped = await interact(fake_discord.click(message, f"cb:rv:skip:{third}", member=mod), n=2)
    assert rejected.sent["content"] == f"**Candidate #{second} rejected**"
    assert skipped.sent["content"] == f"**Candidate #{third} skipped**"
    assert (review.get(bot.db, second).status, review.get(bot.db, third).status) == ("rejected", "skipped")


@pytest.mark.parametrize("verb", ["accept", "reject", "skip"])
async def test_members_are_refused_every_review_button(fake_discord, interact, bot, mod, candidates, verb):
    _, queue = await interact(fake_discord.command("tips", "review", member=mod), n=2)
    replies = await press(fake_discord, interact, queue, f"cb:rv:{verb}:{candidates[0]}",
                          member=fake_discord.member(), n=1 if verb == "accept" else 2)
    assert all(r.json.get("type") != 9 for r in replies) and replies[-1].sent["content"] == "**Moderators only**"
    assert review.get(bot.db, candidates[0]).status == "pending"


async def test_a_decided_candidate_cannot_be_accepted_again(fake_discord, interact, bot, mod, candidates):
    _, queue = await interact(fake_discord.command("tips", "review", member=mod), n=2)
    review.decide(bot.db, candidates[0], "rejected", "discord:x")  # decided by someone else meanwhile
    message = dict(queue.message)
    [call] = await interact(fake_discord.click(message, f"cb:rv:accept:{candidates[0]}", member=mod))
    assert call.sent["content"] == "**Already decided**"
