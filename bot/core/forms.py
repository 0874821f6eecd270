"""The add/edit tip form as chat front ends run it: what it is for, what it starts with, its
preview and its save. The rules and the writes stay in `bot.core.moderation`; this module only
decides which of its functions a form's submit maps onto, so Slack and Discord do it alike.

A front end shows `Form.values` in its own widgets (Slack: a modal of `FORM` inputs; Discord: a
modal that packs them into five), keeps the `Target` with the form (Slack: private_metadata;
Discord: the modal's custom_id), sends back what the moderator typed as `{field: text}` and
renders the `Result`. Every function here checks the moderator rule (through moderation's
functions), so a crafted submit is refused like a typed command.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from bot.core import moderation as m
from bot.core.actors import Actor
from bot.core.reply import Reply, shorten
from bot.core.service import CareerBot, refused
from bot.corpus import review

Kind = Literal["add", "edit", "review"]
FIELD_LIMITS = {f.name: f.max_length for f in m.FORM}
PASSAGE_LIMIT = 3000  # the longest candidate passage a form will prefill into the quote field


@dataclass(frozen=True)
class Target:
    """What submitting the form does: add a tip, edit `tip_id` as of `version`, accept `candidate`."""

    kind: Kind
    tip_id: str = ""
    version: int = 0
    candidate: int = 0


@dataclass
class Form:
    target: Target
    title: str  # the modal's heading
    values: dict[str, str] = field(default_factory=dict)  # field name -> initial text
    passage: str = ""  # review: the candidate's words (prefilled as the quote, to be trimmed)


def form_from_reply(reply: Reply) -> Form | None:
    """The form a `/tips add` or `/tips edit <id>` reply asks for (the core marks it in `data["form"]`)."""
    kind = reply.data.get("form")
    if kind == "add":
        return Form(Target("add"), "Add a tip")
    if kind == "edit" and isinstance(reply.data.get("values"), dict):
        values = reply.data["values"]
        tip_id = str(reply.data.get("tip_id") or "")
        return Form(Target("edit", tip_id, int(values["version"])), "Edit a tip", _texts(values))
    return None


def add_form(bot: CareerBot, actor: Actor) -> Form | Reply:
    """The empty add form (or the refusal, for a member who isn't a moderator)."""
    reply = bot.tips_command(actor, "add")
    return form_from_reply(reply) or reply


def edit_form(bot: CareerBot, actor: Actor, tip_id: str) -> Form | Reply:
    """The edit form for the tip as it is now, or why not (refused, unknown tip).

    Reads the tip directly rather than through `/tips edit <text>`: an id typed into a Discord
    option must never be parsed as fields (`x title="…" --save` would save).
    """
    if not bot.is_moderator(actor):
        return refused("edit tips")
    values = m.tip_form(bot, tip_id)
    if values is None:
        return Reply("error", "Unknown tip", f"There is no tip with id “{shorten(tip_id, 80)}”. Nothing was changed.")
    return Form(Target("edit", tip_id, int(values["version"])), "Edit a tip", _texts(values))


def review_form(bot: CareerBot, actor: Actor, item_id: int) -> Form | Reply:
    """The add form prefilled from candidate `item_id`: its episode, span and words as the quote."""
    if not bot.is_moderator(actor):
        return refused("review candidate tips")
    item = _open_candidate(bot, item_id)
    if isinstance(item, Reply):
        return item
    passage = " ".join(item.text.split())[:PASSAGE_LIMIT]
    values = {"episode": item.source, "span": m.span(item.start, item.end), "quote": passage}
    return Form(Target("review", candidate=item_id), f"Tip from candidate #{item_id}", values, passage)


def _open_candidate(bot: CareerBot, item_id: int) -> review.Candidate | Reply:
    item = review.get(bot.db, item_id)
    if item is None:
        return Reply("error", "Unknown candidate", f"There is no candidate #{item_id}. Nothing was changed.")
    if item.status not in review.OPEN:
        done = f" as {item.tip_id}" if item.tip_id else ""
        return Reply("error", "Already decided", f"Candidate #{item_id} was already {item.status}{done}.")
    return item


def tip_choices(bot: CareerBot, actor: Actor, typed: str, limit: int = 25) -> list[tuple[str, str]]:
    """(id, title) of tips whose id or title contains `typed`, for a moderator's id autocomplete."""
    if not bot.is_moderator(actor):
        return []
    like = "%" + typed.strip().lower().replace("%", "").replace("_", "") + "%"
    rows = bot.db.execute("SELECT id, title, status FROM tips WHERE lower(id) LIKE ? OR lower(title) LIKE ? "
                          "ORDER BY status, id LIMIT ?", [like, like, limit])
    return [(i, f"{title} (retired)" if status != "active" else title) for i, title, status in rows]


# -- submitting -------------------------------------------------------------------------------------
def check(bot: CareerBot, actor: Actor, target: Target, values: Mapping[str, str]) -> m.Result:
    """The preview step: the tip card as it would be saved, or the problems (nothing is saved).

    An edit whose tip was saved by someone else since the form opened is refused here already,
    with the current version shown.
    """
    if target.kind == "edit":
        current = m.tip_form(bot, target.tip_id)
        if current is not None and current["version"] != target.version:
            # edit_tip refuses a stale version before it changes anything: this only reports the conflict
            return m.edit_tip(bot, actor, target.tip_id, {}, target.version)
    fields = submitted(bot, target, values)
    if target.kind == "review" and bot.is_moderator(actor):
        item = _open_candidate(bot, target.candidate)
        if isinstance(item, Reply):
            return m.Result(False, item)
        fields = {"episode": item.source, "span": m.span(item.start, item.end)} | fields
    reply = m.preview(bot, actor, fields, target.tip_id or None)
    problems = dict(reply.data.get("problems") or {})
    if reply.kind != "info" and not problems:  # refused, or the tip is gone
        return m.Result(False, reply, tip_id=target.tip_id or None)
    return m.Result(not problems, reply, problems, tip_id=target.tip_id or None, version=target.version or None)


def save(bot: CareerBot, actor: Actor, target: Target, values: Mapping[str, str]) -> m.Result:
    """Save what the moderator previewed: add, edit (as of the form's version) or accept the candidate."""
    fields = submitted(bot, target, values)
    if target.kind == "edit":
        return m.edit_tip(bot, actor, target.tip_id, fields, target.version)
    if target.kind == "review":
        return m.review_accept(bot, actor, target.candidate, fields)
    return m.add_tip(bot, actor, fields)


def submitted(bot: CareerBot, target: Target, values: Mapping[str, str]) -> dict[str, str]:
    """The form's fields as the core takes them: an add leaves out what is empty (so it reads
    "required"); an edit sends only what differs from the tip, so untouched fields stay exactly."""
    typed = {k: _text(v) for k, v in values.items() if k in m.FIELDS}
    if target.kind != "edit":
        return {k: v for k, v in typed.items() if v}
    current = m.tip_form(bot, target.tip_id) or {}
    return {k: v for k, v in typed.items() if _text(current.get(k)) != v}


def current_values(bot: CareerBot, tip_id: str) -> dict[str, str]:
    """The tip's form values now (to show next to a refused, stale edit)."""
    return _texts(m.tip_form(bot, tip_id) or {})


def fingerprint(target: Target, values: Mapping[str, str]) -> str:
    """A short digest of a previewed form, so a save can tell whether the fields changed since."""
    data = json.dumps([target.kind, target.tip_id, target.version, target.candidate,
                       {k: _text(values.get(k)) for k in sorted(m.FIELDS)}], ensure_ascii=False)
    return hashlib.sha256(data.encode()).hexdigest()[:16]


def field_label(name: str) -> str:
    """The form's label for a problem key ("" is the form as a whole)."""
    return next((f.label.split(" (")[0] for f in m.FORM if f.name == name), name or "Form")


def _text(value: object) -> str:
    """Form text compared the way the core reads it: lines stripped, blank lines dropped."""
    lines = str(value if value is not None else "").replace("\r\n", "\n").split("\n")
    return "\n".join(line.strip() for line in lines if line.strip())


def _texts(values: Mapping[str, object]) -> dict[str, str]:
    return {k: _text(values.get(k)) for k in m.FIELDS if k in values}
