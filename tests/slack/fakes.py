"""A local fake of Slack: the Web API, response_url endpoints and the Socket Mode websocket.

Serves on 127.0.0.1 only, records every call, and can be told to fail (N×429 with
Retry-After, 500s, `{"ok": false, "error": ...}` bodies). Also builds requests the way Slack
sends them (urlencoded slash commands and interactivity payloads, signed with the app's
signing secret), so tests and benchmarks drive the real bolt app.

    fake = FakeSlack(); await fake.start()
    settings = load_settings(slack_api_url=fake.api_url, ...)
    fake.fail("chat.postMessage", status=429, retry_after=0)
    await fake.wait_for("response")   # a POST to a response_url
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from aiohttp import WSMsgType, web
from slack_sdk.signature import SignatureVerifier

from bot.core.service import CareerBot
from bot.settings import Settings

RESPONSE = "response"  # the `method` recorded for POSTs to a response_url


@dataclass
class Call:
    method: str  # Web API method ("chat.postMessage"), or "response" for a response_url
    args: dict[str, Any]
    headers: dict[str, str]
    path: str
    received: float = field(default_factory=time.perf_counter)  # when the fake got it


@dataclass
class Failure:
    status: int = 200
    error: str | None = None
    retry_after: float | None = None
    body: str | None = None


@dataclass
class FakeSlack:
    host: str = "127.0.0.1"
    calls: list[Call] = field(default_factory=list)
    users: dict[str, dict[str, Any]] = field(default_factory=dict)  # users.info answers by id
    usergroups: dict[str, list[str]] = field(default_factory=dict)  # usergroups.users.list by id
    socket_frames: list[dict[str, Any]] = field(default_factory=list)  # what clients sent over the websocket

    def __post_init__(self) -> None:
        self._failures: dict[str, list[Failure]] = {}
        self._changed: asyncio.Condition | None = None
        self._sockets: list[web.WebSocketResponse] = []
        self._outbox: asyncio.Queue[dict[str, Any]] | None = None
        self._runner: web.AppRunner | None = None
        self._ts = itertools.count(1)
        self.port = 0

    # -- lifecycle -------------------------------------------------------------------------
    async def start(self) -> FakeSlack:
        self._changed = asyncio.Condition()
        self._outbox = asyncio.Queue()
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/response/{name}", self._response)
        app.router.add_get("/socket", self._socket)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        for ws in list(self._sockets):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api/"

    def response_url(self, name: str = "r1") -> str:
        return f"{self.base_url}/response/{name}"

    # -- scripting ---------------------------------------------------------------------------
    def fail(self, method: str, *, status: int = 429, times: int = 1, retry_after: float | None = 0,
             error: str | None = None, body: str | None = None) -> None:
        """The next `times` calls to `method` (or "response") answer `status` instead of succeeding."""
        failure = Failure(status, error, retry_after if status == 429 else None, body)
        self._failures.setdefault(method, []).extend([failure] * times)

    def error(self, method: str, error: str, *, times: int = 1) -> None:
        """The next `times` calls to `method` answer HTTP 200 with `{"ok": false, "error": error}`."""
        self.fail(method, status=200, times=times, error=error)

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    @property
    def responses(self) -> list[dict[str, Any]]:
        """Bodies POSTed to response_urls, in order."""
        return [c.args for c in self.calls_to(RESPONSE)]

    async def wait_for(self, method: str, count: int = 1, timeout: float = 10.0) -> list[Call]:
        """Wait until `method` has been called `count` times; returns those calls."""
        assert self._changed is not None
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: len(self.calls_to(method)) >= count), timeout)
        return self.calls_to(method)

    async def wait_socket_frame(self, envelope_id: str, timeout: float = 10.0) -> dict[str, Any]:
        assert self._changed is not None

        def found() -> dict[str, Any] | None:
            return next((f for f in self.socket_frames if f.get("envelope_id") == envelope_id), None)

        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: found() is not None), timeout)
        return found()  # type: ignore[return-value]

    async def push(self, frame: dict[str, Any]) -> None:
        """Send a frame (an envelope) to the connected Socket Mode client."""
        assert self._outbox is not None
        await self._outbox.put(frame)

    async def wait_connected(self, timeout: float = 10.0) -> None:
        assert self._changed is not None
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: bool(self._sockets)), timeout)

    # -- HTTP ---------------------------------------------------------------------------------
    async def _record(self, call: Call) -> Failure | None:
        assert self._changed is not None
        async with self._changed:
            self.calls.append(call)
            self._changed.notify_all()
        queue = self._failures.get(call.method)
        return queue.pop(0) if queue else None

    @staticmethod
    def _failure_response(failure: Failure) -> web.Response:
        headers = {}
        if failure.retry_after is not None:
            headers["Retry-After"] = str(int(failure.retry_after))
        if failure.body is not None:
            return web.Response(status=failure.status, text=failure.body, headers=headers)
        error = failure.error or ("ratelimited" if failure.status == 429 else "internal_error")
        return web.json_response({"ok": False, "error": error}, status=failure.status, headers=headers)

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args: dict[str, Any] = dict(request.query)
        if request.method == "POST" and request.can_read_body:
            if request.content_type == "application/json":
                args.update(await request.json())
            else:
                args.update(await request.post())
        failure = await self._record(Call(method, args, dict(request.headers), request.path))
        if failure is not None:
            return self._failure_response(failure)
        return web.json_response(self._answer(method, args, request))

    def _answer(self, method: str, args: dict[str, Any], request: web.Request) -> dict[str, Any]:
        if method == "auth.test":
            return {"ok": True, "url": "https://fake.slack.test/", "team": "Fake", "user": "careerbot",
                    "team_id": "T0FAKE", "user_id": "UBOT", "bot_id": "BBOT", "is_enterprise_install": False}
        if method == "chat.postMessage":
            ts = f"{int(time.time())}.{next(self._ts):06d}"
            return {"ok": True, "channel": args.get("channel"), "ts": ts,
                    "message": {"text": args.get("text"), "ts": ts}}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": f"{int(time.time())}.{next(self._ts):06d}"}
        if method == "views.open":
            view = args.get("view")
            if not isinstance(view, dict) or not args.get("trigger_id"):
                return {"ok": False, "error": "invalid_arguments"}
            return {"ok": True, "view": {**view, "id": f"V{next(self._ts):08d}", "state": {"values": {}}}}
        if method == "users.info":
            user = self.users.get(str(args.get("user")))
            return {"ok": True, "user": user} if user else {"ok": False, "error": "user_not_found"}
        if method == "usergroups.users.list":
            group = str(args.get("usergroup"))
            if group not in self.usergroups:
                return {"ok": False, "error": "no_such_subteam"}
            return {"ok": True, "users": self.usergroups[group]}
        if method == "apps.connections.open":
            if not request.headers.get("Authorization", "").startswith("Bearer xapp-"):
                return {"ok": False, "error": "invalid_auth"}
            return {"ok": True, "url": f"ws://{self.host}:{self.port}/socket?ticket=fake"}
        return {"ok": False, "error": "unknown_method"}

    async def _response(self, request: web.Request) -> web.Response:
        body = await request.json()
        failure = await self._record(Call(RESPONSE, body, dict(request.headers), request.path))
        if failure is not None:
            return self._failure_response(failure)
        return web.Response(text="ok")

    # -- Socket Mode ---------------------------------------------------------------------------
    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        assert self._changed is not None and self._outbox is not None
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_json({"type": "hello", "num_connections": 1,
                            "connection_info": {"app_id": "AFAKE"}, "debug_info": {"host": "fake"}})
        async with self._changed:
            self._sockets.append(ws)
            self._changed.notify_all()
        sender = asyncio.ensure_future(self._send_loop(ws))
        try:
            async for message in ws:
                if message.type == WSMsgType.TEXT:
                    async with self._changed:
                        self.socket_frames.append(json.loads(message.data))
                        self._changed.notify_all()
        finally:
            sender.cancel()
            self._sockets.remove(ws)
        return ws

    async def _send_loop(self, ws: web.WebSocketResponse) -> None:
        assert self._outbox is not None
        while not ws.closed:
            frame = await self._outbox.get()
            await ws.send_json(frame)


# -- what Slack sends to the app ------------------------------------------------------------------
def signed_headers(secret: str, body: str, timestamp: int | None = None) -> dict[str, str]:
    """The headers Slack adds: `X-Slack-Request-Timestamp` and the v0 HMAC `X-Slack-Signature`."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    return {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": SignatureVerifier(secret).generate_signature(timestamp=ts, body=body),
    }


def command_fields(command: str, text: str, response_url: str, *, user: str = "UMEMBER",
                   channel: str = "C1") -> dict[str, str]:
    return {
        "token": "legacy-verification-token", "team_id": "T0FAKE", "team_domain": "fake",
        "channel_id": channel, "channel_name": "general", "user_id": user, "user_name": user.lower(),
        "command": command, "text": text, "api_app_id": "AFAKE", "is_enterprise_install": "false",
        "response_url": response_url, "trigger_id": "1.2.3",
    }


def command_body(command: str, text: str, response_url: str, **who: str) -> str:
    """An urlencoded slash-command body, as Slack POSTs it."""
    return urlencode(command_fields(command, text, response_url, **who))


def action_payload(action_id: str, value: str, response_url: str, *, user: str = "UMEMBER",
                   channel: str = "C1", ephemeral: bool = True) -> dict[str, Any]:
    return {
        "type": "block_actions",
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": "T0FAKE"},
        "api_app_id": "AFAKE", "token": "legacy-verification-token", "trigger_id": "1.2.3",
        "container": {"type": "message", "message_ts": "1700000000.000100", "channel_id": channel,
                      "is_ephemeral": ephemeral},
        "team": {"id": "T0FAKE", "domain": "fake"},
        "channel": {"id": channel, "name": "general"},
        "response_url": response_url,
        "actions": [{"action_id": action_id, "block_id": "buttons", "value": value, "type": "button",
                     "text": {"type": "plain_text", "text": action_id}, "action_ts": "1700000001.000200"}],
    }


def action_body(action_id: str, value: str, response_url: str, **who: Any) -> str:
    """An urlencoded interactivity body (`payload=<json>`), as Slack POSTs a button click."""
    return urlencode({"payload": json.dumps(action_payload(action_id, value, response_url, **who))})


def submission_payload(view: dict[str, Any], values: dict[str, str], *, user: str = "UMEMBER",
                       view_id: str = "V00000001") -> dict[str, Any]:
    """A `view_submission` of `view` (a modal the app opened or updated) with `values` typed in.

    Each input block gets the typed value (a static_select: the option whose value it is, or a
    forged option when none is); inputs not in `values` keep their initial value, as in Slack.
    """
    state: dict[str, dict[str, Any]] = {}
    for block in view.get("blocks", []):
        if block.get("type") != "input":
            continue
        element = block["element"]
        if element["type"] == "static_select":
            value = values.get(block["block_id"], (element.get("initial_option") or {}).get("value"))
            option = next((o for o in element["options"] if o["value"] == value), None)
            if option is None and value is not None:
                option = {"text": {"type": "plain_text", "text": str(value)}, "value": value}
            state[block["block_id"]] = {element["action_id"]: {"type": "static_select", "selected_option": option}}
        else:
            value = values.get(block["block_id"], element.get("initial_value"))
            state[block["block_id"]] = {element["action_id"]: {"type": "plain_text_input", "value": value or None}}
    submitted = {**view, "id": view_id, "team_id": "T0FAKE", "state": {"values": state}, "hash": "1700000000.abc",
                 "root_view_id": view_id, "previous_view_id": None, "app_id": "AFAKE", "bot_id": "BBOT"}
    return {
        "type": "view_submission", "team": {"id": "T0FAKE", "domain": "fake"},
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": "T0FAKE"},
        "api_app_id": "AFAKE", "token": "legacy-verification-token", "trigger_id": "4.5.6",
        "view": submitted, "response_urls": [], "is_enterprise_install": False,
    }


def submission_body(view: dict[str, Any], values: dict[str, str], **who: Any) -> str:
    """An urlencoded `view_submission` body, as Slack POSTs a modal's submit."""
    return urlencode({"payload": json.dumps(submission_payload(view, values, **who))})


# -- reading what the app sent -------------------------------------------------------------------
def message_texts(message: dict[str, Any]) -> list[str]:
    """Every text string of a message: the fallback `text` and each mrkdwn/plain_text object in its blocks."""
    found = [str(message.get("text", ""))]

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") in ("mrkdwn", "plain_text") and isinstance(node.get("text"), str):
                found.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(message.get("blocks", []))
    return found


def buttons(message: dict[str, Any]) -> dict[str, str]:
    """action_id -> value for every button in a message."""
    return {
        element["action_id"]: element.get("value", "")
        for block in message.get("blocks", []) if block.get("type") == "actions"
        for element in block["elements"]
    }


async def serve_slack(settings: Settings, bot: CareerBot) -> tuple[Any, web.AppRunner, str]:
    """careerbot's Slack front end served over HTTP on 127.0.0.1; (frontend, runner, events URL)."""
    from bot.slack.frontend import SlackFrontend

    web_app = web.Application()
    frontend = SlackFrontend(settings, bot, web_app)
    runner = web.AppRunner(web_app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    await frontend.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return frontend, runner, f"http://127.0.0.1:{port}/slack/events"
