"""`DiscordPoster`: the daily hack (or any Reply) as a normal channel message, for the scheduler."""

from __future__ import annotations

from typing import Any

import aiohttp
import discord

from bot.core.posting import PostError
from bot.core.reply import Reply
from bot.discord.embeds import render
from bot.discord.replies import view_for

# Missing Access, Unknown Channel, Missing Permissions, Cannot send messages in a non-text channel.
GONE_CODES = {50001, 10003, 50013, 50008}


class DiscordPoster:
    platform = "discord"

    def __init__(self, client: discord.Client) -> None:
        self.client = client

    async def post(self, channel_id: str, reply: Reply) -> str:
        if not str(channel_id).isdigit():
            raise PostError(f"not a Discord channel id: {channel_id!r}", permanent=True)
        if self.client.http.token is None:
            raise PostError("Discord is not connected yet")
        message = render(reply)
        view = view_for(reply, None, ephemeral=False)
        kwargs: dict[str, Any] = {"content": message.content, "embeds": message.embeds,
                                  "allowed_mentions": discord.AllowedMentions.none()}
        if view is not None:
            kwargs["view"] = view
        channel = self.client.get_partial_messageable(int(channel_id))
        try:
            sent = await channel.send(**kwargs)
        except discord.RateLimited as exc:
            raise PostError("Discord rate limit", retry_after=exc.retry_after) from exc
        except (discord.Forbidden, discord.NotFound) as exc:
            raise PostError(f"Discord refused the channel: {exc.text or exc.status}", permanent=True) from exc
        except discord.HTTPException as exc:
            if exc.code in GONE_CODES:
                raise PostError(f"Discord refused the channel: {exc.text}", permanent=True) from exc
            raise PostError(f"Discord error {exc.status}: {exc.text}"[:300]) from exc
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            raise PostError(f"Discord unreachable: {exc.__class__.__name__}") from exc
        return str(sent.id)
