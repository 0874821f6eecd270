"""`careerbot serve`: every configured front end and the scheduler in one asyncio process.

Each front end is a `Frontend`: it starts, stops, reports readiness and offers a `Poster`
for the daily hack. HTTP routes (Slack events, /healthz) share one aiohttp server on PORT.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Protocol

from aiohttp import web

from bot.core.posting import Poster
from bot.core.service import CareerBot
from bot.settings import Settings

log = logging.getLogger(__name__)


class Frontend(Protocol):
    name: str
    poster: Poster

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    def ready(self) -> bool: ...


def build_frontends(settings: Settings, bot: CareerBot, web_app: web.Application) -> list[Frontend]:
    frontends: list[Frontend] = []
    if settings.slack_enabled:
        from bot.slack.frontend import SlackFrontend

        frontends.append(SlackFrontend(settings, bot, web_app))
    if settings.discord_enabled:
        from bot.discord.frontend import DiscordFrontend

        frontends.append(DiscordFrontend(settings, bot))
    return frontends


def health_routes(web_app: web.Application, bot: CareerBot, frontends: list[Frontend]) -> None:
    async def healthz(request: web.Request) -> web.Response:
        try:
            bot.db.execute("SELECT 1 FROM tips LIMIT 1").fetchall()
            database = "ok"
        except Exception as exc:  # noqa: BLE001 - reported, not raised
            database = f"error: {exc.__class__.__name__}"
        platforms = {f.name: "connected" if f.ready() else "connecting" for f in frontends}
        healthy = database == "ok"
        return web.json_response({"database": database, "platforms": platforms}, status=200 if healthy else 503)

    web_app.router.add_get("/healthz", healthz)


async def serve(settings: Settings, bot: CareerBot, stop: asyncio.Event | None = None) -> None:
    stop = stop or asyncio.Event()
    web_app = web.Application()
    frontends = build_frontends(settings, bot, web_app)
    health_routes(web_app, bot, frontends)
    runner = web.AppRunner(web_app)
    await runner.setup()
    await web.TCPSite(runner, settings.host, settings.port).start()
    log.info("listening on %s:%s", settings.host, settings.port)
    for frontend in frontends:
        await frontend.start()
    scheduler = None
    try:
        from bot.scheduler import DailyScheduler
    except ModuleNotFoundError:
        DailyScheduler = None  # noqa: N806
    if DailyScheduler is not None:
        scheduler = DailyScheduler(bot, {f.name: f.poster for f in frontends}, settings=settings)
        await scheduler.start()
    try:
        await stop.wait()
    finally:
        if scheduler is not None:
            await scheduler.stop()
        for frontend in frontends:
            await frontend.stop()
        await runner.cleanup()
        bot.db.conn.close()


def run(settings: Settings, bot: CareerBot) -> None:
    if not (settings.slack_enabled or settings.discord_enabled):
        from bot.console import Console

        Console(bot).run()
        return
    asyncio.run(serve(settings, bot))
