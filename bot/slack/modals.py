"""The tip form as a Slack modal: built from `bot.core.moderation.FORM`, read back from a
`view_submission`, problems mapped to `response_action: errors`. Pure functions, no Slack SDK.

The modal works in two steps so a moderator sees the tip before it goes live: the first submit
("Preview") is checked by the core and answered with the same modal, the tip card on top and the
submit button now "Save"; the second submit saves, unless a field changed since the preview (its
fingerprint is kept in private_metadata), which previews again. Every input keeps its block id
(the field name), so Slack keeps what the moderator typed across the steps.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bot.core.forms import Form, Target, field_label
from bot.core.moderation import FORM, FormField
from bot.core.reply import Reply, shorten
from bot.slack.blocks import render

CALLBACK_ID = "tip_form"
ACTION_ID = "value"
TITLE_LIMIT = 24  # characters in a modal's title, submit and close labels
METADATA_LIMIT = 3000
ERROR_LIMIT = 300  # characters of one field's error (Slack shows it under the input)
INPUT_LIMIT = 3000  # plain_text_input max_length
MAX_SELECT = 100  # options in a static_select; more episodes than this: a text input
OPTION_LIMIT = 75

View = dict[str, Any]


@dataclass(frozen=True)
class Meta:
    """What the modal carries in private_metadata: its target, the channel to confirm in, the preview's digest."""

    target: Target
    channel: str = ""
    digest: str = ""

    def dump(self) -> str:
        t = self.target
        return json.dumps({"k": t.kind, "t": t.tip_id, "v": t.version, "n": t.candidate, "c": self.channel,
                           "d": self.digest}, separators=(",", ":"))[:METADATA_LIMIT]

    @classmethod
    def load(cls, raw: str | None) -> Meta | None:
        """The metadata we wrote, or None for anything else (not a dict, unknown kind, wrong types)."""
        try:
            data = json.loads(raw or "")
            kind = data["k"]
            if kind not in ("add", "edit", "review"):
                return None
            target = Target(kind, str(data.get("t") or ""), int(data.get("v") or 0), int(data.get("n") or 0))
            return cls(target, str(data.get("c") or ""), str(data.get("d") or ""))
        except (ValueError, TypeError, KeyError):
            return None


def plain(text: str, limit: int) -> dict[str, Any]:
    return {"type": "plain_text", "text": shorten(text, limit) or " ", "emoji": True}


def form_view(form: Form, meta: Meta, episodes: list[tuple[str, str]], *, values: dict[str, str] | None = None,
              preview: Reply | None = None) -> View:
    """The modal: the preview (when there is one) above one input per form field."""
    values = form.values if values is None else values
    blocks: list[dict[str, Any]] = []
    if preview is not None:
        blocks += shown(preview)
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text":
                       "Press *Save* to make it live now, or change the fields below and preview again."}]})
        blocks.append({"type": "divider"})
    elif form.passage:
        blocks += shown(Reply("info", "The candidate passage", form.passage))
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text":
                       "Trim the quote to the speaker's key words and narrow the start–end to match."}]})
    blocks += [input_block(f, values.get(f.name, ""), episodes) for f in FORM]
    return {
        "type": "modal",
        "callback_id": CALLBACK_ID,
        "title": plain(form.title, TITLE_LIMIT),
        "submit": plain("Save" if preview is not None else "Preview", TITLE_LIMIT),
        "close": plain("Cancel", TITLE_LIMIT),
        "private_metadata": meta.dump(),
        "blocks": blocks[:100],
    }


def input_block(f: FormField, value: str, episodes: list[tuple[str, str]]) -> dict[str, Any]:
    """One field: a static_select for the episode (when the episodes fit), else a text input."""
    block: dict[str, Any] = {"type": "input", "block_id": f.name, "label": plain(f.label, 2000),
                             "optional": f.name == "speaker"}
    if f.name == "episode" and 0 < len(episodes) <= MAX_SELECT:
        options = [{"text": plain(f"{title} ({source})", OPTION_LIMIT), "value": source[:150]}
                   for source, title in episodes]
        element: dict[str, Any] = {"type": "static_select", "action_id": ACTION_ID, "options": options,
                                   "placeholder": plain("Pick the episode", 150)}
        chosen = next((o for o in options if o["value"] == value), None)
        if chosen is not None:
            element["initial_option"] = chosen
    else:
        # A prefilled value may be longer than the field allows (a candidate's whole passage as the
        # quote): Slack refuses an initial value over max_length, and the core reports the length anyway.
        limit = min(INPUT_LIMIT, max(f.max_length, len(value)))
        element = {"type": "plain_text_input", "action_id": ACTION_ID, "multiline": f.multiline,
                   "max_length": limit}
        if value:
            element["initial_value"] = value[:limit]
        if f.placeholder:
            element["placeholder"] = plain(f.placeholder, 150)
    block["element"] = element
    return block


def read_values(view: dict[str, Any]) -> dict[str, str]:
    """What the moderator typed or picked, by field name (absent or empty inputs give "")."""
    state = ((view.get("state") or {}).get("values")) or {}
    values: dict[str, str] = {}
    for f in FORM:
        element = (state.get(f.name) or {}).get(ACTION_ID) or {}
        if not isinstance(element, dict):
            continue
        if element.get("type") == "static_select":
            value = (element.get("selected_option") or {}).get("value")
        else:
            value = element.get("value")
        values[f.name] = value if isinstance(value, str) else ""
    return values


def errors(problems: dict[str, str]) -> dict[str, str]:
    """The core's problems (keyed by field; "" for the whole form) as Slack errors keyed by block id."""
    out: dict[str, str] = {}
    names = {f.name for f in FORM}
    for key, message in problems.items():
        block = key if key in names else FORM[0].name
        text = message if key in names else f"{field_label(key)}: {message}" if key else message
        out[block] = shorten(f"{out[block]}; {text}" if block in out else text, ERROR_LIMIT)
    return out


def conflict_errors(reply: Reply, typed: dict[str, str], current: dict[str, str]) -> dict[str, str]:
    """A stale edit refused: the core's explanation on the first field, the current text on each field
    where it differs from what the moderator has in the form."""
    out = {FORM[0].name: shorten(reply.text, 500)}
    for f in FORM:
        now = current.get(f.name, "")
        if now != typed.get(f.name, ""):
            note = "Now: “" + " | ".join(now.split("\n")) + "”"
            out[f.name] = shorten(f"{out[f.name]} {note}" if f.name in out else note, 500)
    return out


def shown(reply: Reply) -> list[dict[str, Any]]:
    """A reply's text and cards as modal blocks (its buttons stay out: they belong in messages)."""
    return [b for b in render(reply)["blocks"] if b.get("type") != "actions"][:40]


def notice_view(reply: Reply) -> View:
    """A modal with only a message (a refusal, or a form that can't be used any more)."""
    return {"type": "modal", "callback_id": f"{CALLBACK_ID}_notice", "title": plain(reply.title or "careerbot",
            TITLE_LIMIT), "close": plain("Close", TITLE_LIMIT), "blocks": shown(reply)}
