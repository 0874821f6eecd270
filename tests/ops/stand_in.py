"""A stand-in chat platform for the ops tests, plugged into `serve` through `EXTRA_FRONTENDS`.

It behaves like the real front ends where shutdown is concerned: `POST /standin/ask` acks at
once and sends the reply later from a spawned task (Slack's response_url pattern);
`POST /standin/ask?sync=1` answers inside the HTTP request (an interaction response); the
poster delivers scheduled posts over HTTP. Replies and posts go to a sink server the test
runs, so the test sees exactly what a platform would have received.

Environment: STANDIN_SINK (sink base URL), STANDIN_DELAY (seconds a reply takes),
STANDIN_READY ("0" keeps the platform "connecting"), STANDIN_START_DELAY (seconds start() takes).
"""

from __future__ import annotations

import asyncio
import os

import aiohttp
from aiohttp import web

from bot.core.actors import Actor
from bot.core.posting import PostError
from bot.core.reply import Reply
from bot.observability import observe, spawn


class SinkPoster:
    platform = "standin"

    def __init__(self, frontend: StandIn) -> None:
        self.frontend = frontend

    async def post(self, channel_id: str, reply: Reply) -> str:
        data = {"channel_id": channel_id, "title": reply.title, "tip": reply.cards[0].id if reply.cards else None}
        async with self.frontend.session.post(f"{self.frontend.sink}/post", json=data) as response:
            if response.status >= 400:
                raise PostError(f"sink answered {response.status}", permanent=response.status == 404)
            return (await response.json())["ref"]


class StandIn:
    name = "standin"

    def __init__(self, settings, bot, web_app: web.Application) -> None:  # noqa: ANN001
        self.bot = bot
        self.sink = os.environ["STANDIN_SINK"]
        self.delay = float(os.environ.get("STANDIN_DELAY", "0"))
        self.poster = SinkPoster(self)
        self.session: aiohttp.ClientSession | None = None
        self._ready = False
        web_app.router.add_post("/standin/ask", self.ask)

    async def start(self) -> None:
        await asyncio.sleep(float(os.environ.get("STANDIN_START_DELAY", "0")))  # a platform slow to answer
        self.session = aiohttp.ClientSession()
        self._ready = os.environ.get("STANDIN_READY", "1") == "1"

    async def stop(self) -> None:
        self._ready = False
        if self.session is not None:
            await self.session.close()

    def ready(self) -> bool:
        return self._ready

    async def ask(self, request: web.Request) -> web.Response:
        data = await request.json()
        if request.query.get("sync"):
            reply = await self._answer(data["text"])
            return web.json_response({"id": data["id"], "kind": reply.kind, "title": reply.title})
        spawn(self._reply_later(data["id"], data["text"]), name=f"reply-{data['id']}")
        return web.json_response({"ok": True})

    async def _answer(self, text: str) -> Reply:
        async with observe("standin", "ask", user_id="U1") as obs:
            await asyncio.sleep(self.delay)
            return obs.reply(self.bot.ask(text, Actor("standin", "U1", "C1")))

    async def _reply_later(self, request_id: str, text: str) -> None:
        reply = await self._answer(text)
        assert self.session is not None
        async with self.session.post(f"{self.sink}/reply", json={"id": request_id, "kind": reply.kind,
                                                                 "title": reply.title}) as response:
            response.raise_for_status()
