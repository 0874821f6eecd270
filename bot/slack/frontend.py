"""`SlackFrontend`: the bolt app in `careerbot serve`, over HTTP (POST /slack/events) or Socket Mode.

HTTP mode mounts bolt's request handling on the shared aiohttp app (the same conversion as
`slack_bolt.adapter.aiohttp`); Socket Mode (SLACK_APP_TOKEN set) connects out instead.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.service import CareerBot
from bot.settings import Settings, SettingsError
from bot.slack.app import build_app, web_client
from bot.slack.poster import SlackPoster

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
TOKEN_ERRORS = frozenset({"invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive",
                          "not_allowed_token_type"})


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
        self.connecting: asyncio.Future | None = None
        self.started = False
        if not self.socket_mode:
            web_app.router.add_post(EVENTS_PATH, self.handle)

    async def handle(self, request: web.Request) -> web.Response:
        """Signed slash commands and button clicks from Slack (HTTP mode)."""
        response = await self.app.async_dispatch(await to_bolt_request(request))
        return await to_aiohttp_response(response)

    async def start(self) -> None:
        """Check the tokens with Slack (a rejected one stops `serve` with a one-line error), then connect."""
        await self.check("SLACK_BOT_TOKEN", self.client.auth_test)
        if self.socket_mode:
            from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler

            token = self.settings.slack_app_token.get_secret_value()  # type: ignore[union-attr]
            opened = await self.check("SLACK_APP_TOKEN", lambda: self.client.apps_connections_open(app_token=token))
            self.handler = AsyncSocketModeHandler(self.app, token, web_client=self.client)
            if opened is not None:
                self.handler.client.wss_uri = opened.get("url")
            # bolt's client reconnects on its own; connecting in the background keeps `serve` starting up
            self.connecting = asyncio.ensure_future(self.handler.connect_async())
            log.info("slack: connecting in Socket Mode")
        else:
            log.info("slack: receiving events over HTTP at %s", EVENTS_PATH)
        self.started = True

    @staticmethod
    async def check(setting: str, call: Callable[[], Awaitable[Any]]) -> Any | None:
        try:
            return await call()
        except SlackApiError as exc:
            error = exc.response.get("error") if isinstance(exc.response.data, dict) else None
            if error in TOKEN_ERRORS:
                raise SettingsError(f"{setting}: rejected by Slack ({error})") from None
            log.warning("slack: checking %s failed (%s); continuing", setting, error or exc.response.status_code)
        except (TimeoutError, aiohttp.ClientError) as exc:
            log.warning("slack: Slack unreachable while checking %s (%s); will keep trying", setting,
                        exc.__class__.__name__)
        return None

    async def stop(self) -> None:
        if self.connecting is not None and not self.connecting.done():
            self.connecting.cancel()
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
