"""Small readers for what the client posted to the fake Discord."""

from __future__ import annotations

import json
from typing import Any

from tests.discord.fakes import Call

EPHEMERAL = 64


def footers(sent: dict[str, Any]) -> list[str]:
    """The tip ids shown, read from the embed footers (`tip <id>`)."""
    return [e["footer"]["text"].split(" ", 1)[1] for e in sent.get("embeds", []) if "footer" in e]


def text_of(sent: dict[str, Any]) -> str:
    """Everything a member reads in a message: content, titles, descriptions, footers."""
    parts = [sent.get("content") or ""]
    for embed in sent.get("embeds", []):
        parts += [embed.get("title", ""), embed.get("description", ""), embed.get("footer", {}).get("text", "")]
    return "\n".join(parts)


def assert_no_pings(call: Call) -> None:
    """The message can't notify anyone: mentions are neutralised and allowed_mentions parses nothing."""
    sent = call.sent
    assert sent["allowed_mentions"] == {"parse": []}
    raw = json.dumps(sent, ensure_ascii=False)
    for ping in ("@everyone", "@here", "<@&", "<@1", "<@!"):
        assert ping not in raw, ping
