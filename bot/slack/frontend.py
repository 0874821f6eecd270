"""`SlackFrontend`: the bolt app in `careerbot serve`, over HTTP (POST /slack/events) or Socket Mode.

HTTP mode mounts bolt's request handling on the shared aiohttp app (the same conversion as
`slack_bolt.adapter.aiohttp`); Socket Mode (SLACK_APP_TOKEN set) connects out instead.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.service import CareerBot
from bot.settings import Settings
from bot.slack.app import build_app, web_client
from bot.slack.poster import SlackPoster

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"


class SlackFrontend:
    name = "slack"

    def __init__(self, settings: Settings, bot: CareerBot, web_app: web.Application,
                 client: AsyncWebClient | None = None) -> None:
        self.settings = settings
        self.client = client or web_client(settings)
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="careerbot-slack")
        self.app = build_app(settings, bot, self.client, self.executor)
        self.poster = SlackPoster(self.client)
        self.socket_mode = settings.slack_app_token is not None
        self.handler = None  # AsyncSocketModeHandler, created in start() (it needs a running loop)
        self.started = False
        if not self.socket_mode:
            web_app.router.add_post(EVENTS_PATH, self.handle)

    async def handle(self, request: web.Request) -> web.Response:
        """Signed slash commands and button clicks from Slack (HTTP mode)."""
        response = await self.app.async_dispatch(await to_bolt_request(request))
        return await to_aiohttp_response(response)

    async def start(self) -> None:
        if self.socket_mode:
            from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler

            token = self.settings.slack_app_token.get_secret_value()  # type: ignore[union-attr]
            self.handler = AsyncSocketModeHandler(self.app, token, web_client=self.client)
            await self.handler.connect_async()
            log.info("slack: connected in Socket Mode")
        else:
            log.info("slack: receiving events over HTTP at %s", EVENTS_PATH)
        self.started = True

    async def stop(self) -> None:
        if self.handler is not None:
            await self.handler.close_async()
            self.handler = None
        self.started = False
        self.executor.shutdown(wait=False, cancel_futures=True)

    def ready(self) -> bool:
        if not self.started:
            return False
        if self.handler is None:
            return True
        client = self.handler.client
        session = client.current_session
        return not client.closed and session is not None and not session.closed
