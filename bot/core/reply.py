"""What every front end renders: a `Reply` of `Card`s and `Button`s, with raw (unescaped) text.

Renderers escape every text field for their platform; nothing here is trusted markup.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from bot.timestamps import format_stamp

Kind = Literal["tip", "passage"]


def plural(n: int, word: str, words: str | None = None) -> str:
    """`1 caption`, `2 captions`: a count with its noun (`words` when the plural is not word + s)."""
    return f"{n} {word if n == 1 else words or word + 's'}"


def shorten(text: object, limit: int) -> str:
    """`text` on one line (whitespace collapsed), cut to at most `limit` characters with "…"."""
    text = " ".join(str(text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


SCHEME = re.compile(r"(?i)(?<![a-z0-9+.-])([a-z][a-z0-9+.-]*:)(//)")  # http://, https://, steam://, …


def unlinked(text: str) -> str:
    """`text` with a zero-width space after each URL scheme's colon (`http:\u200b//…`), so that no chat
    client links a URL a member typed; the renderers apply it where member text is shown."""
    return SCHEME.sub("\\1\u200b\\2", text)


def moment_url(url: str | None, seconds: float) -> str | None:
    """A link to `seconds` into the episode: YouTube's `t=` parameter, else a media fragment."""
    if not url:
        return None
    parts = urlsplit(url)
    at = max(0, int(seconds))
    host = parts.netloc.lower()
    if host.endswith("youtube.com") or host.endswith("youtu.be"):
        query = [(k, v) for k, v in parse_qsl(parts.query) if k != "t"] + [("t", f"{at}s")]
        return urlunsplit(parts._replace(query=urlencode(query)))
    return urlunsplit(parts._replace(fragment=f"t={at}"))


@dataclass
class Card:
    """One cited piece of advice: a curated tip, or a passage "from the conversation"."""

    id: str
    kind: Kind
    title: str
    text: str
    quote: str
    speaker: str
    episode: str
    source: str
    start: float
    end: float
    url: str | None = None
    score: float = 0.0
    topics: list[str] = field(default_factory=list)

    @property
    def stamp(self) -> str:
        return format_stamp(self.start)

    @property
    def citation(self) -> str:
        return self.cite()

    def cite(self, show: Callable[[str, int], str] = lambda text, limit: text, stamp: str | None = None) -> str:
        """`speaker · episode · mm:ss`, the speaker and episode as a front end `show`s them (escaped, cut
        to a limit) and its own stamp (a link); a passage has no speaker (its captions do not say who talks)."""
        parts = (show(self.speaker, 200), show(self.episode, 300), self.stamp if stamp is None else stamp)
        return " · ".join(part for part in parts if part)

    def contract(self) -> dict[str, Any]:
        """The fields of the `ask --json` contract, in its order."""
        data = asdict(self)
        data.pop("topics")
        data["score"] = round(self.score, 4)
        return data


@dataclass
class Button:
    action: str  # ask_more, share, feedback_up, feedback_down, flag, ask_followup, ...
    label: str
    value: str = ""
    style: Literal["primary", "danger", None] = None


@dataclass
class Reply:
    """A platform-neutral answer. `ephemeral` replies are shown only to the asker."""

    kind: str  # answer, no_answer, help, hack, topics, info, error, refused
    title: str = ""
    text: str = ""
    cards: list[Card] = field(default_factory=list)
    buttons: list[Button] = field(default_factory=list)
    ephemeral: bool = True
    note: str | None = None
    suggestions: list[str] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)  # suggested topics' labels by slug, for buttons
    data: dict[str, Any] = field(default_factory=dict)  # for front ends: query, channel, ...

    def as_text(self) -> str:
        """The console rendering (and a plain fallback for notifications)."""
        lines = [self.title] if self.title else []
        if self.text:
            lines.append(self.text)
        if self.note:
            lines.append(f"({self.note})")
        for n, card in enumerate(self.cards, start=1):
            lines.append("")
            lines.append(f"{n}. {card.title}")
            if card.text and card.kind == "tip":
                lines.append(f"   {card.text}")
            lines.append(f"   “{card.quote}”")
            link = f"  {card.url}" if card.url else ""
            lines.append(f"   — {card.citation}{link}")
        if self.suggestions:
            lines.append("")
            lines.append("Topics: " + ", ".join(self.suggestions))
        return "\n".join(lines)
