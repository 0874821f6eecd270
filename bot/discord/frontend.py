"""`DiscordFrontend`: the gateway connection inside `careerbot serve` (see bot/serve.py)."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import discord

from bot.discord.client import build_client
from bot.discord.poster import DiscordPoster
from bot.settings import SettingsError

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
        """Log in (a rejected token stops `serve` with a clear message), then connect in the background.

        discord.py keeps the gateway connection up on its own (heartbeats, resume, reconnect).
        """
        token = self.settings.discord_token.get_secret_value()  # type: ignore[union-attr]
        try:
            await self.client.login(token)
        except discord.LoginFailure:
            await self.client.close()
            raise SettingsError("DISCORD_TOKEN: rejected by Discord (401 Unauthorized)") from None
        self._task = asyncio.create_task(self._connect(), name="discord-gateway")

    async def _connect(self) -> None:
        try:
            await self.client.connect(reconnect=True)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("discord: the gateway connection stopped for good")

    def ready(self) -> bool:
        return self.client.is_ready()

    async def stop(self) -> None:
        await self.client.close()
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
