"""What the scheduler needs from a platform: post a Reply to a channel, or say why not."""

from __future__ import annotations

from typing import Protocol

from bot.core.reply import Reply


class PostError(Exception):
    """A post that did not go out. `permanent` (bot removed, channel archived) stops retries."""

    def __init__(self, message: str, *, permanent: bool = False, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.retry_after = retry_after


class Poster(Protocol):
    platform: str  # "slack", "discord", "console"

    async def post(self, channel_id: str, reply: Reply) -> str:
        """Send `reply` to the channel as a normal (non-ephemeral) message; return a message reference."""
        ...
