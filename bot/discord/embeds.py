"""A `Reply` as Discord message parts: bold title as content, then embeds. Pure: no client, no I/O.

Every piece of text that came from a member or from content passes through `escape` (the one
place that happens), so `@everyone`, role/user mentions, stray markdown, masked links
(`[click](https://…)`) and bare or bracketed URLs render as text.
Discord's limits: title 256, description 4096, footer 2048, 10 embeds, 6000 characters in all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import discord
from discord.utils import escape_markdown, escape_mentions

from bot.core.reply import Card, Reply, unlinked

COLOUR = discord.Colour(0x2B7A78)
CONTENT_LIMIT = 2000
TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FOOTER_LIMIT = 2048
MAX_EMBEDS = 10
TOTAL_LIMIT = 6000
_LINE_START = re.compile(r"(?m)^(\s*)([#>\-+]|\d+\.)")


def escape(text: str, limit: int) -> str:
    """Member or content text made inert for Discord: no pings, no markup, no links, at most `limit` characters.

    Markdown is escaped inside URLs too, and a zero-width space after a scheme's colon (as discord.py's
    `escape_mentions` puts one after `@`) keeps Discord from linking `https://…` or `<https://…>`.
    """
    out = escape_markdown(escape_mentions(text or ""), ignore_links=False)
    out = _LINE_START.sub(r"\1\\\2", out)  # headings, quotes and lists only start a line
    out = unlinked(out)
    if len(out) > limit:
        out = out[: limit - 1].rstrip("\\") + "…"
    return out


def safe_url(url: str | None) -> str | None:
    """A link we are willing to put in markdown: http(s), no spaces, brackets encoded."""
    if not url or not url.startswith(("https://", "http://")) or any(c.isspace() for c in url) or len(url) > 2000:
        return None
    return url.replace("(", "%28").replace(")", "%29").replace("<", "%3C").replace(">", "%3E")


def one_line(text: str) -> str:
    return " ".join((text or "").split())


def card_embed(card: Card) -> discord.Embed:
    """One tip: title (linked to the moment), advice, the quote, and `speaker · episode · mm:ss`."""
    url = safe_url(card.url)
    parts = []
    if card.kind == "tip" and card.text:
        parts.append(escape(card.text, 1500))
    parts.append(f"> “{escape(one_line(card.quote), 1500)}”")
    stamp = f"[{card.stamp}]({url})" if url else card.stamp
    parts.append("— " + card.cite(lambda text, limit: escape(one_line(text), limit), stamp))
    embed = discord.Embed(title=escape(one_line(card.title), TITLE_LIMIT), url=url,
                          description="\n\n".join(parts)[:DESCRIPTION_LIMIT], colour=COLOUR)
    # Footers are plain text (no markdown, no pings): the id is what moderators type in /tips retire.
    embed.set_footer(text=f"{card.kind} {card.id}"[:FOOTER_LIMIT])
    return embed


def header_embed(reply: Reply) -> discord.Embed | None:
    """The reply's own text (help, topic list, no-answer advice) and topic suggestions, if any."""
    parts = []
    if reply.text:
        parts.append(escape(reply.text, DESCRIPTION_LIMIT - 600))
    if reply.suggestions:
        names = " · ".join(escape(s, 60) for s in reply.suggestions[:12])
        parts.append(f"Topics: {names}\n(/tips topic name:<topic>)")
    if not parts:
        return None
    return discord.Embed(description="\n\n".join(parts)[:DESCRIPTION_LIMIT], colour=COLOUR)


@dataclass
class Message:
    content: str | None
    embeds: list[discord.Embed] = field(default_factory=list)


def render(reply: Reply) -> Message:
    """Content (bold title, note) and embeds within Discord's limits; cards that don't fit are dropped."""
    lines = []
    if reply.title:
        lines.append(f"**{escape(one_line(reply.title), TITLE_LIMIT)}**")
    if reply.note:
        lines.append(f"_{escape(one_line(reply.note), 500)}_")
    content = "\n".join(lines)[:CONTENT_LIMIT] or None
    embeds: list[discord.Embed] = []
    header = header_embed(reply)
    if header is not None:
        embeds.append(header)
    total = sum(len(e) for e in embeds)
    for card in reply.cards:
        embed = card_embed(card)
        if len(embeds) == MAX_EMBEDS or total + len(embed) > TOTAL_LIMIT:
            break
        embeds.append(embed)
        total += len(embed)
    if content is None and not embeds:
        content = "(nothing to show)"
    return Message(content, embeds)
