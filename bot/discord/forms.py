"""The tip form on Discord: a modal to add, edit, or accept a review candidate; a preview with
Save / Change… buttons; and the review queue's Accept… / Reject / Skip buttons.

A Discord modal holds at most five inputs, so the form's eight fields are packed into five:
title, tip, quote, "episode start–end speaker" on one line, and topics on the first line of a
last box with the example questions on the lines below. Modals can't show a preview, and a
modal submit can't be answered with another modal, so the submit answers with the preview
(or the problems) and buttons: **Save** saves exactly what was previewed, **Change…** reopens
the form with what was typed. Nothing is saved until Save.

The modal's custom_id carries its target (`cb:tip:a`, `cb:tip:e:<version>:<tip id>`,
`cb:tip:r:<candidate>`) and modals are not kept in discord.py's view store: the client routes
every submit here (`CareerClient.on_interaction`), so a form typed for an hour, or across a
restart, still arrives. What was typed is kept in memory (`Drafts`) between the preview and
Save; after a restart the buttons say so. Every step checks the moderator rule again (through
the core), not only the command that opened the form.
"""

from __future__ import annotations

import logging
import re
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import discord
from discord import ui

from bot.core import forms
from bot.core.actors import Actor
from bot.core.forms import FIELD_LIMITS, Form, Target
from bot.core.moderation import Result
from bot.core.reply import Button, Reply, shorten
from bot.core.service import refused
from bot.discord.replies import FAILED, actor_from, answer, send_safely
from bot.observability import observe

if TYPE_CHECKING:
    from bot.core.service import CareerBot

log = logging.getLogger(__name__)

MODAL_PREFIX = "cb:tip:"
MODAL_TITLE_LIMIT = 45
INPUT_LIMIT = 4000
EXPIRED = Reply("info", "That form has expired",
                "I keep what you typed only until careerbot restarts, and this was before. Nothing was saved: "
                "please open the form again (/tips add, /tips edit or /tips review).")
SPAN = re.compile(r"\s*(\S*)\s*(\d[\d:.]*\s*(?:-|–|—|to)\s*\d[\d:.]*|\S*)\s*(.*)", re.S)

Make = Callable[["CareerBot", Actor], Form | Reply]


# -- the modal: five boxes for eight fields ------------------------------------------------------
def pack(values: dict[str, str]) -> dict[str, str]:
    """The form's fields as the modal's five inputs."""
    where = " ".join(v for v in (values.get("episode", ""), values.get("span", ""), values.get("speaker", "")) if v)
    about = "\n".join(v for v in (values.get("topics", ""), values.get("questions", "")) if v)
    return {"title": values.get("title", ""), "tip": values.get("tip", ""), "quote": values.get("quote", ""),
            "where": where, "about": about}


def unpack(inputs: dict[str, str]) -> dict[str, str]:
    """The modal's five inputs back as the form's fields (the core says what is wrong with them)."""
    match = SPAN.fullmatch(inputs.get("where", "")) or SPAN.fullmatch("")
    episode, span, speaker = (g.strip() for g in match.groups())  # type: ignore[union-attr]
    lines = inputs.get("about", "").replace("\r\n", "\n").strip().split("\n")
    return {"title": inputs.get("title", ""), "tip": inputs.get("tip", ""), "quote": inputs.get("quote", ""),
            "episode": episode, "span": span, "speaker": speaker, "topics": lines[0].strip(),
            "questions": "\n".join(lines[1:])}


def modal_id(target: Target) -> str:
    if target.kind == "edit":
        return f"{MODAL_PREFIX}e:{target.version}:{target.tip_id}"[:100]
    if target.kind == "review":
        return f"{MODAL_PREFIX}r:{target.candidate}"
    return f"{MODAL_PREFIX}a"


def parse_modal_id(custom_id: str) -> Target | None:
    if custom_id == f"{MODAL_PREFIX}a":
        return Target("add")
    if m := re.fullmatch(rf"{MODAL_PREFIX}e:(\d{{1,9}}):([\w.:-]{{1,88}})", custom_id):
        return Target("edit", m[2], int(m[1]))
    if m := re.fullmatch(rf"{MODAL_PREFIX}r:(\d{{1,12}})", custom_id):
        return Target("review", candidate=int(m[1]))
    return None


def form_title(target: Target) -> str:
    title = {"add": "Add a tip", "edit": f"Edit {target.tip_id}",
             "review": f"Tip from candidate #{target.candidate}"}[target.kind]
    return shorten(title, MODAL_TITLE_LIMIT)


def text_input(style: discord.TextStyle, value: str, limit: int, placeholder: str = "",
               custom_id: str = "") -> ui.TextInput:
    limit = min(INPUT_LIMIT, max(limit, len(value)))  # a prefilled passage may be longer: the core says so
    return ui.TextInput(custom_id=custom_id, style=style, default=value[:limit] or None, max_length=limit,
                        placeholder=placeholder[:100] or None, required=True)


class TipModal(ui.Modal):
    """The tip form. Not kept in the view store (see the module doc): `on_modal_submit` handles it."""

    def __init__(self, form: Form) -> None:
        super().__init__(title=form_title(form.target), custom_id=modal_id(form.target), timeout=None)
        boxes = pack(form.values)
        short, long = discord.TextStyle.short, discord.TextStyle.paragraph
        self.add_item(ui.Label(text="Title", component=text_input(short, boxes["title"], FIELD_LIMITS["title"],
                                                                  "Find a mentor in a community", "title")))
        self.add_item(ui.Label(text="Tip (our summary)", component=text_input(long, boxes["tip"], FIELD_LIMITS["tip"],
                                                                              custom_id="tip")))
        self.add_item(ui.Label(text="Quote (the speaker's exact words)", description="Join separate pieces with …",
                               component=text_input(long, boxes["quote"], FIELD_LIMITS["quote"], custom_id="quote")))
        where = FIELD_LIMITS["episode"] + FIELD_LIMITS["span"] + FIELD_LIMITS["speaker"] + 2
        self.add_item(ui.Label(text="Episode id, start–end, speaker",
                               description="Speaker left out: the episode's guest",
                               component=text_input(short, boxes["where"], where,
                                                    "000_7a926d4821475fb3 5:46-7:51", "where")))
        about = FIELD_LIMITS["topics"] + FIELD_LIMITS["questions"] + 1
        self.add_item(ui.Label(text="Topics, then example questions",
                               description="First line: topics. Then 3 to 10 questions, one per line",
                               component=text_input(long, boxes["about"], about,
                                                    "mentors community\nhow do I find a mentor?\n…", "about")))
        self.stop()  # a stopped modal is not stored by send_modal: submits come through on_modal_submit


def read_inputs(data: dict[str, Any]) -> dict[str, str]:
    """custom_id -> value of every text input in a modal submit's components (rows or labels)."""
    out: dict[str, str] = {}

    def walk(components: list[Any]) -> None:
        for c in components or []:
            if not isinstance(c, dict):
                continue
            if c.get("type") == 4 and isinstance(c.get("value"), str):
                out[str(c.get("custom_id"))] = c["value"]
            walk(c.get("components") or [])
            if isinstance(c.get("component"), dict):
                walk([c["component"]])

    walk(data.get("components") or [])
    return out


# -- what was typed, between the preview and Save ---------------------------------------------------
@dataclass
class Draft:
    target: Target
    values: dict[str, str]
    user_id: str


class Drafts:
    """The last `size` previewed forms, keyed by the submit's interaction id."""

    def __init__(self, size: int = 500) -> None:
        self.size = size
        self._items: OrderedDict[str, Draft] = OrderedDict()

    def put(self, key: str, draft: Draft) -> None:
        self._items[key] = draft
        while len(self._items) > self.size:
            self._items.popitem(last=False)

    def get(self, key: str, user_id: str) -> Draft | None:
        """The draft, only for the member who typed it."""
        draft = self._items.get(key)
        return draft if draft is not None and draft.user_id == user_id else None

    def drop(self, key: str) -> None:
        self._items.pop(key, None)

    def __len__(self) -> int:
        return len(self._items)


# -- opening the form -------------------------------------------------------------------------------
async def open_form(interaction: discord.Interaction, make: Make, label: str = "form_open") -> None:
    """Send the modal that `make` builds, or its reply (refused, unknown tip) when there is no form."""
    with observe("discord", label) as obs:
        try:
            made = make(interaction.client.careerbot, actor_from(interaction))
        except Exception:
            log.exception("discord: could not build the tip form")
            made = FAILED
        if isinstance(made, Reply):
            obs.reply(made)
            await send_safely(interaction, made)
            return
        try:
            await interaction.response.send_modal(TipModal(made))
        except Exception:
            log.exception("discord: could not open the tip form")
            obs.outcome = "error"
            await send_safely(interaction, FAILED)


def reopen(drafts: Drafts, key: str) -> Make:
    """The form again with what the member typed (the Change… button)."""

    def make(bot: CareerBot, actor: Actor) -> Form | Reply:
        if not bot.is_moderator(actor):
            return refused("add or edit tips")
        draft = drafts.get(key, actor.user_id)
        return EXPIRED if draft is None else Form(draft.target, form_title(draft.target), draft.values)

    return make


# -- submitting -------------------------------------------------------------------------------------
async def on_modal_submit(interaction: discord.Interaction) -> bool:
    """Handle a tip form's submit (True), or leave a modal that isn't ours alone (False)."""
    data = interaction.data or {}
    target = parse_modal_id(str(data.get("custom_id", "")))
    if target is None:
        return False
    values = unpack(read_inputs(dict(data)))
    key, drafts = str(interaction.id), interaction.client.drafts

    def work(bot: CareerBot, actor: Actor) -> Reply:
        result = forms.check(bot, actor, target, values)
        if result.reply.kind != "refused":
            drafts.put(key, Draft(target, values, actor.user_id))
        return outcome(bot, result, key, values, saving=False)

    await answer(interaction, work, label="form_preview")
    return True


def save_draft(drafts: Drafts, key: str) -> Callable[[CareerBot, Actor], Reply]:
    def work(bot: CareerBot, actor: Actor) -> Reply:
        if not bot.is_moderator(actor):
            return refused("add or edit tips")
        draft = drafts.get(key, actor.user_id)
        if draft is None:
            return EXPIRED
        result = forms.save(bot, actor, draft.target, draft.values)
        if result.ok:
            drafts.drop(key)
        return outcome(bot, result, key, draft.values, saving=True)

    return work


def outcome(bot: CareerBot, result: Result, key: str, values: dict[str, str], *, saving: bool) -> Reply:
    """The message for a previewed or saved form: the preview with Save, the problems with Change…,
    a stale edit with the current version, or what the core said."""
    reply = result.reply
    if reply.kind == "refused":
        return reply
    if result.conflict:
        current = forms.current_values(bot, result.tip_id or "")
        mine = [f"• {forms.field_label(k)}: “{_short(v)}”" for k, v in values.items() if v != current.get(k, "")]
        if mine:
            reply.text += "\n\nWhat you typed (not saved):\n" + "\n".join(mine)
        reply.buttons = [Button("form_edit", "Edit the current version", result.tip_id or "", "primary")]
        return reply
    if result.problems:
        lines = [f"• {forms.field_label(k)}: {m}" for k, m in result.problems.items()]
        return Reply("error", "Not saved: please fix the form",
                     "Nothing was saved. Please fix:\n" + "\n".join(lines) + "\n\nChange… reopens the form with "
                     "what you typed.", buttons=[Button("form_change", "Change…", key, "primary")],
                     data={"problems": result.problems})
    if not result.ok or saving:
        return reply
    reply.text += "\n\nChange… reopens the form with what you typed."
    reply.buttons = [Button("form_save", "Save", key, "primary"), Button("form_change", "Change…", key)]
    return reply


def _short(text: str, limit: int = 200) -> str:
    text = " | ".join(text.split("\n"))
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- buttons ----------------------------------------------------------------------------------------
class DraftButton(ui.DynamicItem[ui.Button], template=r"cb:draft:(?P<verb>save|change):(?P<key>[0-9]{1,25})"):
    """Save the previewed form, or reopen it with what was typed."""

    def __init__(self, verb: str, key: str, label: str, style: discord.ButtonStyle) -> None:
        self.verb, self.key = verb, key
        super().__init__(ui.Button(label=label, style=style, custom_id=f"cb:draft:{verb}:{key}"))

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: ui.Button, match: re.Match[str], /):
        return cls(match["verb"], match["key"], item.label or match["verb"], item.style)

    async def callback(self, interaction: discord.Interaction) -> None:
        drafts = interaction.client.drafts
        if self.verb == "save":
            await answer(interaction, save_draft(drafts, self.key), defer=True, label="form_save")
        else:
            await open_form(interaction, reopen(drafts, self.key), label="form_change")


class EditTipButton(ui.DynamicItem[ui.Button], template=r"cb:edit:(?P<tip>[\w.:-]{1,88})"):
    """Open the edit form on the tip as it is now (offered after a refused, stale edit)."""

    def __init__(self, tip_id: str, label: str = "Edit the current version") -> None:
        self.tip_id = tip_id
        super().__init__(ui.Button(label=label, style=discord.ButtonStyle.primary, custom_id=f"cb:edit:{tip_id}"))

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: ui.Button, match: re.Match[str], /):
        return cls(match["tip"], item.label or "Edit")

    async def callback(self, interaction: discord.Interaction) -> None:
        await open_form(interaction, lambda bot, actor: forms.edit_form(bot, actor, self.tip_id))


class ReviewButton(ui.DynamicItem[ui.Button], template=r"cb:rv:(?P<verb>accept|reject|skip):(?P<item>[0-9]{1,12})"):
    """The review queue: Accept… opens the form prefilled from the candidate; Reject and Skip decide."""

    def __init__(self, verb: str, candidate: int, label: str, style: discord.ButtonStyle) -> None:
        self.verb, self.candidate = verb, candidate  # not `item`: DynamicItem's own attribute
        super().__init__(ui.Button(label=label, style=style, custom_id=f"cb:rv:{verb}:{candidate}"))

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: ui.Button, match: re.Match[str], /):
        return cls(match["verb"], int(match["item"]), item.label or match["verb"], item.style)

    async def callback(self, interaction: discord.Interaction) -> None:
        if self.verb == "accept":
            await open_form(interaction, lambda bot, actor: forms.review_form(bot, actor, self.candidate),
                            label="review_accept")
        else:
            text = f"review {self.verb} {self.candidate}"
            await answer(interaction, lambda bot, actor: bot.tips_command(actor, text), defer=True,
                         label=f"review_{self.verb}")


FORM_ITEMS = (DraftButton, EditTipButton, ReviewButton)
STYLES = {"primary": discord.ButtonStyle.primary, "danger": discord.ButtonStyle.danger, None: discord.ButtonStyle.secondary}


def form_button(button: Button) -> ui.DynamicItem | None:
    """The Discord button for a moderation `Button` (None: not one of these, or a value that doesn't fit)."""
    style = STYLES.get(button.style, discord.ButtonStyle.secondary)
    value = button.value
    if button.action in ("form_save", "form_change") and value.isdigit() and len(value) <= 25:
        return DraftButton(button.action.removeprefix("form_"), value, button.label, style)
    if button.action == "form_edit" and re.fullmatch(r"[\w.:-]{1,88}", value):
        return EditTipButton(value, button.label)
    if button.action.startswith("review_") and value.isdigit() and len(value) <= 12:
        verb = button.action.removeprefix("review_")
        if verb in ("accept", "reject", "skip"):
            return ReviewButton(verb, int(value), button.label, style)
    return None
