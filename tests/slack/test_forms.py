"""The tip form through the real bolt app: slash commands and buttons open the modal
(views.open on the fake Slack), signed `view_submission`s preview and save it, and the
database changes only when it should."""

from __future__ import annotations

import json

import pytest
from slack_sdk.models.views import View

from bot.core.moderation import FORM
from bot.corpus import review
from bot.corpus.export import stamp
from bot.slack.modals import Meta
from tests.moderation.conftest import NEW_TIP
from tests.slack.fakes import buttons, message_texts

SOURCE = "000_7a926d4821475fb3"
TIP = "choose-a-supportive-social-circle"
def joined(message: dict) -> str:
    return "\n".join(message_texts(message))


def counts(bot) -> tuple:
    return (bot.db.execute("SELECT count(*), max(version) FROM tips").fetchone(),
            bot.db.execute("SELECT count(*) FROM audit").fetchone()[0])


def tip_row(bot, tip_id: str) -> dict:
    cursor = bot.db.execute("SELECT * FROM tips WHERE id = ?", [tip_id])
    row = cursor.fetchone()
    return dict(zip([d[0] for d in cursor.description], row, strict=True)) if row else {}


async def opened(http, n: int = 1) -> dict:
    """The n-th modal the app opened (the `view` it sent to views.open)."""
    calls = await http.fake.wait_for("views.open", n)
    return calls[n - 1].args["view"]


def inputs(view: dict) -> dict[str, dict]:
    return {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}


def initial(view: dict) -> dict[str, str]:
    out = {}
    for name, block in inputs(view).items():
        element = block["element"]
        out[name] = (element.get("initial_option") or {}).get("value") if element["type"] == "static_select" \
            else element.get("initial_value", "")
    return out


def view_text(view: dict) -> str:
    return joined({"blocks": [b for b in view["blocks"] if b["type"] != "input"]})


def assert_valid_modal(view: dict) -> None:
    """slack_sdk's own model checks Slack's limits (title 24, blocks 100, private_metadata 3000, …)."""
    View(**view).validate_json()
    assert len(view["private_metadata"]) <= 3000


# -- add ------------------------------------------------------------------------------------------
async def test_tips_add_opens_the_form_built_from_FORM(slack_http):
    status, body = await slack_http.command("/tips", "add", user="UMOD")
    assert (status, body) == (200, "")
    view = await opened(slack_http)
    call = slack_http.fake.calls_to("views.open")[0]
    assert call.args["trigger_id"] == "1.2.3"
    assert_valid_modal(view)
    assert view["callback_id"] == "tip_form" and view["submit"]["text"] == "Preview"
    assert list(inputs(view)) == [f.name for f in FORM]
    assert inputs(view)["speaker"]["optional"] and not inputs(view)["title"]["optional"]
    assert inputs(view)["questions"]["element"]["multiline"]
    assert inputs(view)["title"]["element"]["max_length"] == 90
    episode = inputs(view)["episode"]["element"]
    assert episode["type"] == "static_select" and SOURCE in [o["value"] for o in episode["options"]]
    assert Meta.load(view["private_metadata"]).channel == "C1"
    assert slack_http.fake.responses == []  # the modal is the answer


async def test_add_previews_then_saves_and_the_tip_is_live(slack_http, slack_bot):
    before = counts(slack_bot)
    await slack_http.command("/tips", "add", user="UMOD", channel="C9")
    view = await opened(slack_http)

    status, answer = await slack_http.submit(view, NEW_TIP, user="UMOD")
    assert status == 200 and answer["response_action"] == "update"
    preview = answer["view"]
    assert_valid_modal(preview)
    assert preview["submit"]["text"] == "Save"
    assert "Preview: Interview others to beat impostor syndrome" in view_text(preview)
    assert "Tatiana Gabruseva" in view_text(preview)  # empty speaker: the guest
    assert initial(preview)["span"] == "14:31-14:50"  # what was typed stays in the form
    assert counts(slack_bot) == before  # a preview saves nothing

    status, answer = await slack_http.submit(preview, user="UMOD")
    assert answer == {"response_action": "clear"}
    row = tip_row(slack_bot, "interview-others-to-beat-impostor-syndrome")
    assert row["version"] == 1 and row["status"] == "active" and row["updated_by"] == "slack:UMOD"
    assert (row["start"], row["end"]) == (871.0, 890.0)
    [confirm] = await slack_http.fake.wait_for("chat.postEphemeral")
    assert (confirm.args["channel"], confirm.args["user"]) == ("C9", "UMOD")
    assert "Tip added" in joined(confirm.args) and "live now" in joined(confirm.args)
    # live at once: search finds it
    assert row["id"] in [c.id for c in slack_bot.ask("how do I get over impostor syndrome?", k=5).cards]
    audit = slack_bot.db.execute("SELECT actor, platform, action FROM audit ORDER BY id DESC LIMIT 1").fetchone()
    assert audit == ("slack:UMOD", "slack", "add")


async def test_invalid_fields_are_shown_in_the_form_and_nothing_is_saved(slack_http, slack_bot):
    before = counts(slack_bot)
    await slack_http.command("/tips", "add", user="UMOD")
    view = await opened(slack_http)
    bad = NEW_TIP | {"span": "99:00-99:30", "topics": "impostor-syndrome basket-weaving", "title": "",
                     "questions": "just one?"}
    status, answer = await slack_http.submit(view, bad, user="UMOD")
    assert answer["response_action"] == "errors"
    errors = answer["errors"]
    assert set(errors) == {"title", "span", "topics", "questions"}
    assert errors["title"] == "required"
    assert "outside the transcript" in errors["span"]
    assert "basket-weaving" in errors["topics"]
    assert set(errors) <= {b["block_id"] for b in view["blocks"] if b["type"] == "input"}

    wrong_quote = NEW_TIP | {"quote": "the quick brown fox jumps over the lazy dog every single morning"}
    _, answer = await slack_http.submit(view, wrong_quote, user="UMOD")
    assert set(answer["errors"]) == {"quote"}
    unknown_episode = NEW_TIP | {"episode": "no-such-episode"}
    _, answer = await slack_http.submit(view, unknown_episode, user="UMOD")
    assert "no episode" in answer["errors"]["episode"]
    assert counts(slack_bot) == before
    assert slack_http.fake.calls_to("chat.postEphemeral") == []


async def test_changing_a_field_after_the_preview_previews_again(slack_http, slack_bot):
    before = counts(slack_bot)
    await slack_http.command("/tips", "add", user="UMOD")
    _, answer = await slack_http.submit(await opened(slack_http), NEW_TIP, user="UMOD")
    changed = {"title": "Mock-interview others to beat impostor syndrome"}
    _, again = await slack_http.submit(answer["view"], changed, user="UMOD")
    assert again["response_action"] == "update"  # not saved: the moderator hasn't seen this version
    assert "Preview: Mock-interview others" in view_text(again["view"])
    assert counts(slack_bot) == before
    _, saved = await slack_http.submit(again["view"], user="UMOD")
    assert saved == {"response_action": "clear"}
    assert tip_row(slack_bot, "mock-interview-others-to-beat-impostor-syndrome")


async def test_mentions_typed_into_the_form_are_shown_not_pinged(slack_http):
    await slack_http.command("/tips", "add", user="UMOD")
    hostile = NEW_TIP | {"title": "<!channel> read this <@U0BOSS>"}
    _, answer = await slack_http.submit(await opened(slack_http), hostile, user="UMOD")
    text = view_text(answer["view"])
    assert "&lt;!channel&gt; read this &lt;@U0BOSS&gt;" in text and "<!" not in text and "<@" not in text


# -- refusals -------------------------------------------------------------------------------------
async def test_members_cannot_open_the_form(slack_http, slack_bot):
    slack_http.fake.users["UMEMBER"] = {"id": "UMEMBER", "is_admin": False}
    await slack_http.command("/tips", "add", response="r1")
    await slack_http.command("/tips", f"edit {TIP}", response="r2")
    await slack_http.fake.wait_for("response", 2)
    for message in slack_http.fake.responses:
        assert "Moderators only" in joined(message)
    assert slack_http.fake.calls_to("views.open") == []


@pytest.mark.parametrize("step", ["preview", "save"])
async def test_a_member_submitting_a_moderators_form_is_refused(slack_http, slack_bot, step):
    """A crafted submit (a member replaying a moderator's modal) is refused at either step."""
    slack_http.fake.users["UMEMBER"] = {"id": "UMEMBER", "is_admin": False}
    before = counts(slack_bot)
    await slack_http.command("/tips", "add", user="UMOD")
    view = await opened(slack_http)
    if step == "save":
        view = (await slack_http.submit(view, NEW_TIP, user="UMOD"))[1]["view"]
    _, answer = await slack_http.submit(view, NEW_TIP, user="UMEMBER")
    assert answer["response_action"] == "update"
    assert "Moderators only" in view_text(answer["view"]) and "Nothing was changed" in view_text(answer["view"])
    assert "submit" not in answer["view"]
    assert counts(slack_bot) == before


async def test_a_forged_or_foreign_form_is_not_used(slack_http, slack_bot):
    before = counts(slack_bot)
    await slack_http.command("/tips", "add", user="UMOD")
    view = dict(await opened(slack_http))
    view["private_metadata"] = "not ours"
    _, answer = await slack_http.submit(view, NEW_TIP, user="UMOD")
    assert answer["response_action"] == "update" and "Form expired" in view_text(answer["view"])
    assert counts(slack_bot) == before


# -- edit and the concurrent edit -------------------------------------------------------------------
async def test_edit_opens_prefilled_and_saves_only_what_changed(slack_http, slack_bot):
    row = tip_row(slack_bot, TIP)
    await slack_http.command("/tips", f"edit {TIP}", user="UMOD")
    view = await opened(slack_http)
    assert_valid_modal(view)
    values = initial(view)
    assert values["title"] == row["title"] and values["episode"] == row["source"]
    assert values["questions"] == row["questions"]
    assert Meta.load(view["private_metadata"]).target.version == row["version"]

    _, answer = await slack_http.submit(view, {"title": "Spend less time with naysayers"}, user="UMOD")
    assert answer["response_action"] == "update"
    assert "title: “" in view_text(answer["view"]) and "Spend less time with naysayers" in view_text(answer["view"])
    _, answer = await slack_http.submit(answer["view"], user="UMOD")
    assert answer == {"response_action": "clear"}
    after = tip_row(slack_bot, TIP)
    assert after["title"] == "Spend less time with naysayers" and after["version"] == row["version"] + 1
    assert {k: after[k] for k in ("start", "end", "quote", "topics", "questions")} == \
        {k: row[k] for k in ("start", "end", "quote", "topics", "questions")}
    change = slack_bot.db.execute("SELECT before, after FROM audit ORDER BY id DESC LIMIT 1").fetchone()
    assert json.loads(change[0])["title"] == row["title"] and json.loads(change[1])["title"] == after["title"]
    [confirm] = await slack_http.fake.wait_for("chat.postEphemeral")
    assert "Saved: Spend less time with naysayers" in joined(confirm.args)


async def test_edit_of_an_unknown_tip_says_so_without_a_form(slack_http):
    await slack_http.command("/tips", "edit no-such-tip", user="UMOD")
    message = await slack_http.reply()
    assert "Unknown tip" in joined(message)
    assert slack_http.fake.calls_to("views.open") == []


@pytest.mark.parametrize("stale_at", ["preview", "save"])
async def test_the_second_of_two_moderators_is_refused_with_the_current_version(slack_http, slack_bot, stale_at):
    """Two moderators open the same tip; the first saves; the second's submit is refused (no lost update)."""
    slack_http.fake.users["UADMIN"] = {"id": "UADMIN", "is_admin": True}
    await slack_http.command("/tips", f"edit {TIP}", user="UMOD", response="a")
    await slack_http.command("/tips", f"edit {TIP}", user="UADMIN", response="b")
    first, second = await opened(slack_http, 1), await opened(slack_http, 2)
    if stale_at == "save":  # the second moderator has already seen their preview
        second = (await slack_http.submit(second, {"tip": "Keep away from people who say you can't do it."},
                                          user="UADMIN"))[1]["view"]
    preview = (await slack_http.submit(first, {"title": "Spend less time with naysayers"}, user="UMOD"))[1]["view"]
    assert (await slack_http.submit(preview, user="UMOD"))[1] == {"response_action": "clear"}
    saved = tip_row(slack_bot, TIP)

    _, answer = await slack_http.submit(second, {"tip": "Keep away from people who say you can't do it."},
                                        user="UADMIN")
    assert answer["response_action"] == "errors"
    errors = answer["errors"]
    assert "someone else saved this tip" in errors["title"] and f"now v{saved['version']}" in errors["title"]
    assert "Now: “Spend less time with naysayers”" in errors["title"]  # the current version's text
    assert errors["tip"].startswith("Now: “")  # their typed text differs from the current one here too
    assert tip_row(slack_bot, TIP) == saved  # nothing of the stale edit was written
    assert len(slack_http.fake.calls_to("chat.postEphemeral")) == 1


# -- retire, restore, history through /tips ----------------------------------------------------------
async def test_retire_restore_history_through_the_slash_command(slack_http, slack_bot):
    question = "how do I deal with people who doubt my career change?"
    await slack_http.command("/tips", f"retire {TIP}", user="UMOD", response="r1")
    assert "Retired" in joined(await slack_http.reply(1))
    assert tip_row(slack_bot, TIP)["status"] == "retired"
    assert TIP not in [c.id for c in slack_bot.ask(question, k=10).cards]  # gone from answers at once
    await slack_http.command("/tips", f"restore {TIP}", user="UMOD", response="r2")
    assert "Restored" in joined(await slack_http.reply(2))
    assert tip_row(slack_bot, TIP)["status"] == "active"
    await slack_http.command("/tips", f"history {TIP}", user="UMOD", response="r3")
    history = joined(await slack_http.reply(3))
    assert f"History of {TIP}" in history and "slack:UMOD  restore" in history and "slack:UMOD  retire" in history


@pytest.mark.parametrize("text", [f"retire {TIP}", f"restore {TIP}", f"history {TIP}", "review", "revert 1"])
async def test_members_are_refused_every_moderator_command(slack_http, slack_bot, text):
    slack_http.fake.users["UMEMBER"] = {"id": "UMEMBER", "is_admin": False}
    before = counts(slack_bot)
    await slack_http.command("/tips", text)
    assert "Moderators only" in joined(await slack_http.reply())
    assert counts(slack_bot) == before


# -- the review queue ------------------------------------------------------------------------------
@pytest.fixture
def candidates(slack_bot):
    assert review.propose(slack_bot.db, SOURCE) >= 3
    return [c.id for c in review.open_items(slack_bot.db, limit=20)]


async def test_review_accept_opens_the_form_prefilled_from_the_candidate(slack_http, slack_bot, candidates):
    await slack_http.command("/tips", "review", user="UMOD")
    card = await slack_http.reply()
    item = review.get(slack_bot.db, int(buttons(card)["review_accept"]))
    await slack_http.action("review_accept", str(item.id), user="UMOD", channel="C7")
    view = await opened(slack_http)
    assert_valid_modal(view)
    values = initial(view)
    assert values["episode"] == item.source and values["span"] == f"{stamp(item.start)}-{stamp(item.end)}"
    assert values["quote"] == " ".join(item.text.split())  # the passage, to trim to the key words
    assert " ".join(item.text.split())[:200] in view_text(view).replace("\n", " ")
    assert Meta.load(view["private_metadata"]).target.candidate == item.id
    assert len(slack_http.fake.responses) == 1  # the modal is the answer to the click

    _, answer = await slack_http.submit(view, {"title": "Advice from the passage"}, user="UMOD")
    assert answer["response_action"] == "errors"  # the whole passage is too long for a quote
    assert "at most 400 characters" in answer["errors"]["quote"] and "tip" in answer["errors"]
    assert review.get(slack_bot.db, item.id).status == "pending"

    fields = {"title": "Advice from the passage", "tip": "A summary of the candidate's advice, in our words.",
              "quote": " ".join(item.text.split()[:25]), "topics": "mindset",
              "questions": "q one?\nq two?\nq three?"}
    _, answer = await slack_http.submit(view, fields, user="UMOD")
    assert answer["response_action"] == "update", answer
    _, saved = await slack_http.submit(answer["view"], user="UMOD")
    assert saved == {"response_action": "clear"}
    decided = review.get(slack_bot.db, item.id)
    assert decided.status == "accepted" and tip_row(slack_bot, decided.tip_id)["source"] == item.source


async def test_review_reject_and_skip_buttons(slack_http, slack_bot, candidates):
    first, second = candidates[:2]
    await slack_http.action("review_reject", str(first), user="UMOD", response="x1")
    await slack_http.action("review_skip", str(second), user="UMOD", response="x2")
    await slack_http.fake.wait_for("response", 2)
    assert review.get(slack_bot.db, first).status == "rejected"
    assert review.get(slack_bot.db, second).status == "skipped"
    texts = [joined(m) for m in slack_http.fake.responses]
    assert any(f"Candidate #{first} rejected" in t for t in texts)
    assert any(f"Candidate #{second} skipped" in t for t in texts)


@pytest.mark.parametrize("action", ["review_accept", "review_reject", "review_skip"])
async def test_members_are_refused_every_review_button(slack_http, slack_bot, candidates, action):
    slack_http.fake.users["UMEMBER"] = {"id": "UMEMBER", "is_admin": False}
    await slack_http.action(action, str(candidates[0]))
    assert "Moderators only" in joined(await slack_http.reply())
    assert review.get(slack_bot.db, candidates[0]).status == "pending"
    assert slack_http.fake.calls_to("views.open") == []


# -- Slack failing us --------------------------------------------------------------------------------
async def test_a_form_slack_would_not_open_gets_an_answer(slack_http):
    slack_http.fake.error("views.open", "expired_trigger_id")
    await slack_http.command("/tips", "add", user="UMOD")
    message = await slack_http.reply()
    assert "/tips add title=" in joined(message)  # the typed way still works


async def test_confirmation_falls_back_to_a_direct_message(slack_http, slack_bot):
    slack_http.fake.error("chat.postEphemeral", "not_in_channel")
    await slack_http.command("/tips", "add", user="UMOD")
    _, answer = await slack_http.submit(await opened(slack_http), NEW_TIP, user="UMOD")
    await slack_http.submit(answer["view"], user="UMOD")
    [dm] = await slack_http.fake.wait_for("chat.postMessage")
    assert dm.args["channel"] == "UMOD" and "Tip added" in joined(dm.args)
