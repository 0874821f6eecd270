"""`careerbot serve`: every configured front end and the scheduler in one asyncio process."""

from __future__ import annotations

from bot.core.service import CareerBot
from bot.settings import Settings


def run(settings: Settings, bot: CareerBot) -> None:
    if not (settings.slack_enabled or settings.discord_enabled):
        from bot.console import Console

        Console(bot).run()
        return
    raise SystemExit("error: Slack and Discord serving arrive with their front ends")
