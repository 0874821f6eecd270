"""`DiscordFrontend`: the gateway connection inside `careerbot serve` (see bot/serve.py)."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import discord

from bot.discord.client import build_client
from bot.discord.poster import DiscordPoster

if TYPE_CHECKING:
    from bot.core.service import CareerBot
    from bot.settings import Settings

log = logging.getLogger(__name__)


class DiscordFrontend:
    name = "discord"

    def __init__(self, settings: Settings, bot: CareerBot) -> None:
        if settings.discord_token is None:
            raise ValueError("DISCORD_TOKEN is not set")
        self.settings = settings
        self.client = build_client(settings, bot)
        self.poster = DiscordPoster(self.client)
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Log in and connect in the background; discord.py reconnects on its own after that."""
        token = self.settings.discord_token.get_secret_value()  # type: ignore[union-attr]
        self._task = asyncio.create_task(self._run(token), name="discord-client")

    async def _run(self, token: str) -> None:
        try:
            await self.client.start(token)
        except discord.LoginFailure:
            log.error("discord: DISCORD_TOKEN was rejected; Discord stays off until it is fixed")
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("discord: the client stopped")

    def ready(self) -> bool:
        return self.client.is_ready()

    async def stop(self) -> None:
        await self.client.close()
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
