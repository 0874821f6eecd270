"""`Reply` -> Slack Block Kit message. Pure functions, no Slack SDK import.

Every piece of text that came from a member or from content goes through `escape` (the one
place for that rule), so `<!channel>`, `<!here>` or `<@U…>` in it is shown, never parsed.
Link syntax `<url|label>` is only used for URLs we build (`moment_url`), and every mrkdwn text
is `verbatim`: Slack turns no bare URL, channel name or @here in it into a link or a mention.
A reply's title, which echoes what a member typed ("Tips for: …") and is posted to the channel
when shared, also goes through `plain`: no formatting, no link, whatever was typed.
"""

from __future__ import annotations

import json
import re
from typing import Any

from bot.core.reply import Button, Card, Reply, unlinked

SECTION_LIMIT = 3000  # characters of mrkdwn in one section / context element
MAX_BLOCKS = 50  # blocks in one message
VALUE_LIMIT = 2000  # characters in a button value
LABEL_LIMIT = 75  # characters in a button label
FALLBACK_LIMIT = 3000  # notification text; Slack truncates at 40,000, we stay short
MAX_SUGGESTIONS = 5
# Buttons the Slack app has handlers for (bot/slack/app.py registers exactly these); others are not drawn.
ACTIONS = frozenset({"share", "more", "feedback_up", "feedback_down", "ask_followup",
                     "review_accept", "review_reject", "review_skip"})
USER_ID = re.compile(r"[UW][A-Z0-9]{2,20}")  # a Slack user id: the only mention we ever write
# mrkdwn has no escape for its markers, so `plain` swaps them for lookalikes: `*` ∗, `_` ˍ, `~` ∼, backtick ˋ.
# A marker between two letters or digits formats nothing (`snake_case`, a tip id) and stays; a backtick never does.
MARKER = re.compile(r"`|(?<![^\W_])[*_~]|[*_~](?![^\W_])")
LOOKALIKE = {"*": "\u2217", "_": "\u02cd", "~": "\u223c", "`": "\u02cb"}

Block = dict[str, Any]
Message = dict[str, Any]


def escape(text: str) -> str:
    """Slack's three control characters; what remains cannot mention, link or ping anyone."""
    return (text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape(text: str) -> str:
    """What a member typed: Slack sends slash-command text with its three control characters escaped."""
    return (text or "").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def plain(raw: str) -> str:
    """Typed text shown as typed and nothing more: mrkdwn markers swapped for lookalikes and a zero-width
    space after each URL scheme's colon (no client links `http://…`); `clip` it as any text (no `<url|label>`)."""
    return unlinked(MARKER.sub(lambda m: LOOKALIKE[m.group()], raw or ""))


def clip(raw: str, limit: int) -> str:
    """`raw` escaped, cut (on the raw text, so no entity is split) to at most `limit` characters."""
    out = escape(raw)
    if len(out) <= limit:
        return out
    pieces: list[str] = []
    used = 0
    for char in raw:
        piece = escape(char)
        if used + len(piece) > limit - 1:
            break
        pieces.append(piece)
        used += len(piece)
    return "".join(pieces).rstrip() + "…"


def link(url: str | None, label: str) -> str:
    """`<url|label>` for an http(s) URL we built, else the escaped label alone."""
    if not url or not url.startswith(("https://", "http://")):
        return escape(label)
    safe = url.replace("|", "%7C").replace("<", "%3C").replace(">", "%3E").replace(" ", "%20")
    return f"<{escape(safe)}|{escape(label)}>"


def mrkdwn(text: str) -> dict[str, Any]:
    """A mrkdwn text object; `verbatim`: only the links and mentions we write as `<…>` are parsed."""
    return {"type": "mrkdwn", "text": text, "verbatim": True}


def section(text: str) -> Block:
    return {"type": "section", "text": mrkdwn(text[:SECTION_LIMIT])}


def context(text: str) -> Block:
    return {"type": "context", "elements": [mrkdwn(text[:SECTION_LIMIT])]}


def text_sections(raw: str) -> list[Block]:
    """Long text as several sections, split on line breaks, each within the section limit."""
    blocks: list[Block] = []
    chunk = ""
    for line in (raw or "").split("\n"):
        piece = clip(line, SECTION_LIMIT)
        if chunk and len(chunk) + 1 + len(piece) > SECTION_LIMIT:
            blocks.append(section(chunk))
            chunk = ""
        chunk = f"{chunk}\n{piece}" if chunk else piece
    if chunk.strip():
        blocks.append(section(chunk))
    return blocks


def card_blocks(card: Card, number: int | None = None) -> list[Block]:
    """Title and tip, the quote as a block quote, then speaker · episode · linked mm:ss."""
    prefix = f"{number}. " if number is not None else ""
    head = f"*{prefix}{clip(card.title, 300)}*"
    quote = " ".join((card.quote or "").split())
    budget = SECTION_LIMIT - len(head) - 8
    body = clip(card.text, budget // 2) if card.text and card.kind == "tip" else ""
    quoted = "> “" + clip(quote, budget - len(body)) + "”" if quote else ""
    text = "\n".join(part for part in (head, body, quoted) if part)
    return [section(text), context(card.cite(clip, link(card.url, card.stamp)))]


def encode_value(data: dict[str, Any]) -> str:
    """Compact JSON within Slack's 2,000 characters: a long query is cut, then the oldest ids dropped."""
    data = dict(data)

    def dump() -> str:
        return json.dumps(data, separators=(",", ":"), ensure_ascii=False)

    value = dump()
    if len(value) > VALUE_LIMIT and isinstance(data.get("q"), str):
        data["q"] = data["q"][:300]
        value = dump()
    for key in ("x", "ids"):
        while len(value) > VALUE_LIMIT and data.get(key):
            data[key] = data[key][1:]
            value = dump()
    return value[:VALUE_LIMIT]


def decode_value(value: str | None) -> dict[str, Any]:
    """The dict a button carried; `{}` for anything that is not ours (a forged or stale value)."""
    try:
        data = json.loads(value or "")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def recipe(reply: Reply) -> dict[str, Any] | None:
    """How to produce `reply` again (its query, topic or hack day), or None when it cannot be."""
    if "topic" in reply.data:
        return {"topic": str(reply.data["topic"])}
    if reply.kind == "hack" and "channel" in reply.data:
        return {"hack": str(reply.data["channel"]), "d": str(reply.data.get("date", ""))}
    if "query" in reply.data:
        return {"q": str(reply.data["query"]), "x": [str(i) for i in reply.data.get("exclude", [])]}
    return None


def button_value(button: Button, reply: Reply) -> str | None:
    """What each action handler needs to redo its work without server-side state (None: drop it)."""
    ids = [c.id for c in reply.cards]
    if button.action == "share":
        how = recipe(reply)
        return encode_value({**how, "ids": ids}) if how and ids else None
    if button.action == "more":
        query = reply.data.get("query")
        return encode_value({"q": query, "ids": list(reply.data.get("shown", ids))}) if query else None
    if button.action == "ask_followup":
        topics = reply.cards[0].topics[:1] if reply.cards else []
        return encode_value({"topic": topics[0]} if topics else {})
    return (button.value or "")[:VALUE_LIMIT]


def button(action_id: str, label: str, value: str, style: str | None = None) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "button",
        "action_id": action_id,
        "text": {"type": "plain_text", "text": label[:LABEL_LIMIT], "emoji": True},
        "value": value,
    }
    if style in ("primary", "danger"):
        element["style"] = style
    return element


def render(reply: Reply, *, public: bool = False, shared_by: str | None = None) -> Message:
    """The Slack message for `reply`: `blocks`, fallback `text`, and `response_type`.

    `public` renders a channel message (the scheduled hack, a shared answer): no share button.
    `shared_by` (a Slack user id) adds who shared it.
    """
    public = public or shared_by is not None
    blocks: list[Block] = []
    if reply.title:
        blocks.append(section(f"*{clip(plain(reply.title), 300)}*"))
    if reply.text:
        blocks += text_sections(reply.text)
    if reply.note:
        blocks.append(context(f"_{clip(plain(reply.note), 500)}_"))  # may quote the member (bot/core/search.py)
    room = MAX_BLOCKS - len(blocks) - 4  # keep space for suggestions, buttons, footer
    for number, card in enumerate(reply.cards, start=1):
        more = card_blocks(card, number if len(reply.cards) > 1 else None)
        if len(more) + 1 > room:
            break
        blocks.append({"type": "divider"})
        blocks += more
        room -= len(more) + 1
    if reply.suggestions:
        topics = reply.suggestions[:MAX_SUGGESTIONS]
        blocks.append({"type": "actions", "block_id": "suggestions", "elements": [
            button(f"topic_{n}", reply.labels.get(topic, topic), topic[:VALUE_LIMIT]) for n, topic in enumerate(topics)
        ]})
    elements = []
    for b in reply.buttons:
        value = button_value(b, reply)
        if b.action in ACTIONS and value is not None and not (public and b.action == "share"):
            elements.append(button(b.action, b.label, value, b.style))
    if elements:
        blocks.append({"type": "actions", "block_id": "buttons", "elements": elements})
    if shared_by is not None:
        who = f"<@{shared_by}>" if USER_ID.fullmatch(shared_by) else "a member"
        blocks.append(context(f"Shared by {who} · ask your own with `/ask`"))
    return {
        "text": fallback(reply),
        "blocks": blocks[:MAX_BLOCKS],
        "response_type": "ephemeral" if reply.ephemeral and not public else "in_channel",
    }


def fallback(reply: Reply) -> str:
    """Plain notification text (also escaped: Slack parses it like mrkdwn)."""
    first = reply.cards[0].title if reply.cards else reply.text
    text = f"{reply.title}: {first}" if reply.title and first else (reply.title or first or "careerbot")
    return clip(plain(" ".join(text.split())), FALLBACK_LIMIT)


def error_message(text: str = "Sorry, something went wrong on my side and I couldn't answer that. "
                  "Nothing was changed; please try again in a minute.") -> Message:
    """The polite, visible answer when a step after the acknowledgement failed."""
    return {"text": escape(text), "blocks": [section(f":warning: {escape(text)}")], "response_type": "ephemeral"}
