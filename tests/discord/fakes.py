"""A local fake Discord for tests: REST under /api/v10 and a gateway websocket at /gateway.

It behaves like Discord where discord.py notices: `Content-Type: application/json` exactly,
`{"interaction": …}` from interaction callbacks, a `Via` header on 429s, interaction tokens
that expire 3 seconds after the interaction (then `10062 Unknown interaction`), one response
per interaction, and on the gateway HELLO → IDENTIFY → READY, heartbeats and dispatches.

Tests build raw INTERACTION_CREATE payloads here (as Discord sends them), feed them to the real
client (`client._connection.parse_interaction_create`, or `dispatch` over the gateway), and read
what the client posted from `calls` / `replies` (`Call.sent`, `Call.custom_ids`, `Call.message`).

Other test packages reuse it: `from tests.discord.fakes import FakeDiscord`, and the fixtures with
`from tests.discord.conftest import discord_client, discord_settings  # noqa: F401` (`fake_discord`
itself is in tests/conftest.py).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

APP_ID = "1100000000000000001"
BOT_ID = "1100000000000000002"
GUILD_ID = "1100000000000000003"
CHANNEL_ID = "1100000000000000004"
MEMBER_ID = "1100000000000000005"
MODERATOR_ROLE_ID = "1100000000000000006"
TOKEN = "fake-discord-bot-token"
MANAGE_GUILD = 1 << 5
INTERACTION_WINDOW = 3.0  # seconds Discord gives a bot to answer an interaction

BOT_USER = {"id": BOT_ID, "username": "careerbot", "discriminator": "0", "global_name": "careerbot",
            "avatar": None, "bot": True, "flags": 0, "verified": True, "mfa_enabled": False}
APPLICATION = {"id": APP_ID, "name": "careerbot", "description": "", "icon": None, "bot_public": True,
               "bot_require_code_grant": False, "verify_key": "0" * 64, "flags": 0, "summary": "",
               "owner": {"id": "1100000000000000099", "username": "owner", "discriminator": "0", "avatar": None},
               "team": None, "bot": BOT_USER, "interactions_endpoint_url": None}


@dataclass
class Call:
    method: str
    path: str  # without the /api/v10 prefix
    query: dict[str, str]
    json: Any
    headers: dict[str, str]
    status: int = 200
    at: float = field(default_factory=time.monotonic)
    message: dict[str, Any] | None = None  # the message this request created or edited, as Discord stores it

    @property
    def sent(self) -> dict[str, Any]:
        """The message parameters the client sent (a callback's `data`, or a followup's body)."""
        if self.path.endswith("/callback"):
            return self.json.get("data") or {}
        return self.json or {}

    @property
    def custom_ids(self) -> list[str]:
        return [c.get("custom_id", "") for row in self.sent.get("components", []) for c in row.get("components", [])]


@dataclass
class Failure:
    method: str
    pattern: re.Pattern[str]
    status: int
    body: dict[str, Any]
    headers: dict[str, str]
    times: int = 1


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    # Exactly `application/json`: discord.py compares the header as a string.
    return web.Response(body=json.dumps(data).encode(), status=status,
                        headers={"Content-Type": "application/json", **(headers or {})})


class FakeDiscord:
    def __init__(self, heartbeat_interval_ms: int = 45000) -> None:
        self.calls: list[Call] = []
        self.failures: list[Failure] = []
        self.messages: dict[str, dict[str, Any]] = {}
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.heartbeats = 0
        self.identify: dict[str, Any] | None = None
        self.identified = asyncio.Event()
        self.sockets: list[web.WebSocketResponse] = []
        self._ids = itertools.count(1200000000000000000)
        self._seq = itertools.count(1)
        self._interactions: dict[str, dict[str, Any]] = {}  # token -> {id, created, responded, deferred, …}
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.url = ""

    # -- lifecycle ------------------------------------------------------------------------
    async def start(self) -> FakeDiscord:
        app = web.Application()
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", "/api/v10/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def stop(self) -> None:
        for ws in list(self.sockets):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"{self.url.replace('http://', 'ws://')}/gateway"

    # -- scripting ------------------------------------------------------------------------
    def fail_next(self, method: str, path_regex: str, status: int, body: dict[str, Any] | None = None,
                  headers: dict[str, str] | None = None, times: int = 1) -> None:
        """Answer the next `times` matching requests with `status` (then behave normally)."""
        self.failures.append(Failure(method.upper(), re.compile(path_regex), status,
                                     body or {"message": "error", "code": 0}, headers or {}, times))

    def rate_limit_next(self, method: str, path_regex: str, retry_after: float = 0.05) -> None:
        """A Discord 429: JSON body with retry_after, and the `Via` header Discord's proxies add."""
        self.fail_next(method, path_regex, 429,
                       {"message": "You are being rate limited.", "retry_after": retry_after, "global": False},
                       {"Via": "1.1 google", "Retry-After": str(retry_after)})

    # -- payloads Discord would send ------------------------------------------------------
    def member(self, user_id: str = MEMBER_ID, name: str = "member", roles: tuple[str, ...] = (),
               permissions: int = 0) -> dict[str, Any]:
        return {"user": {"id": user_id, "username": name, "discriminator": "0", "global_name": name,
                         "avatar": None}, "roles": list(roles), "permissions": str(permissions),
                "joined_at": "2024-01-01T00:00:00+00:00", "deaf": False, "mute": False, "flags": 0,
                "nick": None, "avatar": None, "pending": False, "premium_since": None}

    def _interaction(self, type_: int, data: dict[str, Any] | None, member: dict[str, Any] | None,
                     **extra: Any) -> dict[str, Any]:
        iid = str(next(self._ids))
        token = f"itoken-{iid}"
        self._interactions[token] = {"id": iid, "created": time.monotonic(), "responded": None, "deferred": False}
        payload: dict[str, Any] = {
            "id": iid, "application_id": APP_ID, "type": type_, "token": token, "version": 1,
            "guild_id": GUILD_ID, "guild": {"id": GUILD_ID, "locale": "en-US", "features": []},
            "channel_id": CHANNEL_ID,
            "channel": {"id": CHANNEL_ID, "type": 0, "guild_id": GUILD_ID, "name": "careers", "position": 0,
                        "permission_overwrites": [], "nsfw": False, "parent_id": None, "topic": None,
                        "last_message_id": None, "rate_limit_per_user": 0, "flags": 0},
            "member": member or self.member(), "locale": "en-US", "guild_locale": "en-US",
            "app_permissions": str((1 << 41) - 1), "entitlements": [], "attachment_size_limit": 8 * 1024 * 1024,
            "authorizing_integration_owners": {"0": GUILD_ID}, "context": 0,
        }
        if data is not None:
            payload["data"] = data
        payload.update(extra)
        return payload

    @staticmethod
    def _options(values: dict[str, Any], focused: str | None = None) -> list[dict[str, Any]]:
        options = []
        for name, value in values.items():
            kind = 5 if isinstance(value, bool) else 4 if isinstance(value, int) else 3
            option: dict[str, Any] = {"name": name, "type": kind, "value": value}
            if name == focused:
                option["focused"] = True
            options.append(option)
        return options

    def command(self, command: str, sub: str | None = None, /, *, member: dict[str, Any] | None = None,
                **values: Any) -> dict[str, Any]:
        """A slash command (`/name sub option:value …`) as an INTERACTION_CREATE payload."""
        return self._interaction(2, self._command_data(command, sub, values, None), member)

    def autocomplete(self, command: str, sub: str | None = None, /, *, focused: str, member: dict[str, Any] | None = None,
                     **values: Any) -> dict[str, Any]:
        return self._interaction(4, self._command_data(command, sub, values, focused), member)

    def _command_data(self, name: str, sub: str | None, values: dict[str, Any], focused: str | None) -> dict:
        options = self._options(values, focused)
        if sub is not None:
            options = [{"name": sub, "type": 1, "options": options}]
        return {"id": str(abs(hash(name)) % 10**18 + 10**18), "name": name, "type": 1, "options": options,
                "guild_id": GUILD_ID}

    def click(self, message: dict[str, Any], custom_id: str, *, member: dict[str, Any] | None = None) -> dict:
        """A button press on `message` (a message payload the client posted)."""
        return self._interaction(3, {"custom_id": custom_id, "component_type": 2}, member, message=message)

    def submit(self, modal: dict[str, Any], value: str, *, member: dict[str, Any] | None = None) -> dict:
        """A modal submitted with `value` typed into its text inputs (`modal` is the type-9 callback data)."""
        return self._submitted(modal, lambda _: value, member)

    def submit_form(self, modal: dict[str, Any], values: dict[str, str] | None = None, *,
                    member: dict[str, Any] | None = None) -> dict:
        """A modal submitted as the member left it: each text input holds `values[custom_id]` when
        given, else what it was prefilled with (its `value`), else nothing."""
        values = values or {}
        return self._submitted(modal, lambda c: values.get(c["custom_id"], c.get("value") or ""), member)

    def _submitted(self, modal: dict[str, Any], value_of: Callable[[dict[str, Any]], str],
                   member: dict[str, Any] | None) -> dict:
        """The MODAL_SUBMIT payload for `modal`, each text input holding `value_of(input)`."""

        def fill(components: list[dict[str, Any]]) -> list[dict[str, Any]]:
            out = []
            for c in components:
                if c["type"] == 1:
                    out.append({"type": 1, "components": fill(c["components"])})
                elif c["type"] == 18:
                    out.append({"type": 18, "component": fill([c["component"]])[0]})
                elif c["type"] == 4:
                    out.append({"type": 4, "custom_id": c["custom_id"], "value": value_of(c)})
            return out

        data = {"custom_id": modal["custom_id"], "components": fill(modal["components"])}
        return self._interaction(5, data, member)

    def guild_create(self, roles: dict[str, str]) -> dict[str, Any]:
        """A GUILD_CREATE with the given role ids -> names (so role names resolve from the cache)."""
        role_list = [{"id": GUILD_ID, "name": "@everyone", "permissions": "0", "position": 0, "color": 0,
                      "hoist": False, "managed": False, "mentionable": False, "flags": 0}]
        role_list += [{"id": rid, "name": name, "permissions": "0", "position": n + 1, "color": 0, "hoist": False,
                       "managed": False, "mentionable": False, "flags": 0} for n, (rid, name) in enumerate(roles.items())]
        return {"id": GUILD_ID, "name": "Careers", "icon": None, "owner_id": "1100000000000000099", "roles": role_list,
                "emojis": [], "stickers": [], "features": [], "channels": [], "threads": [], "members": [],
                "member_count": 2, "large": False, "unavailable": False, "verification_level": 0,
                "default_message_notifications": 0, "explicit_content_filter": 0, "mfa_level": 0,
                "premium_tier": 0, "system_channel_flags": 0, "preferred_locale": "en-US", "nsfw_level": 0,
                "joined_at": "2024-01-01T00:00:00+00:00", "voice_states": [], "presences": [],
                "stage_instances": [], "guild_scheduled_events": [], "soundboard_sounds": []}

    # -- what the client posted ----------------------------------------------------------
    def calls_to(self, method: str, path_regex: str) -> list[Call]:
        pattern = re.compile(path_regex)
        return [c for c in self.calls if c.method == method.upper() and pattern.search(c.path)]

    def replies(self, interaction: dict[str, Any]) -> list[Call]:
        """Successful callbacks and followups/edits for one interaction, in order."""
        iid, token = interaction["id"], interaction["token"]
        return [c for c in self.calls if c.status < 300 and (
            c.path.startswith(f"/interactions/{iid}/") or f"/webhooks/{APP_ID}/{token}" in c.path)]

    async def wait_for(self, predicate, timeout: float = 5.0):  # noqa: ANN001, ANN201
        """Wait until `predicate()` is truthy (checked after every request the fake answers)."""
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(predicate), timeout)
        return predicate()

    async def wait_replies(self, interaction: dict[str, Any], n: int = 1, timeout: float = 5.0) -> list[Call]:
        await self.wait_for(lambda: len(self.replies(interaction)) >= n, timeout)
        return self.replies(interaction)

    # -- gateway --------------------------------------------------------------------------
    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        for ws in list(self.sockets):
            await ws.send_str(json.dumps({"op": 0, "t": event, "s": next(self._seq), "d": data}))

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.sockets.append(ws)
        await ws.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": self.heartbeat_interval_ms},
                                      "s": None, "t": None}))
        try:
            async for msg in ws:
                if msg.type is not WSMsgType.TEXT:
                    continue
                frame = json.loads(msg.data)
                if frame.get("op") == 1:
                    self.heartbeats += 1
                    await ws.send_str(json.dumps({"op": 11, "d": None, "s": None, "t": None}))
                elif frame.get("op") == 2:
                    self.identify = frame["d"]
                    ready = {"v": 10, "user": BOT_USER, "guilds": [{"id": GUILD_ID, "unavailable": True}],
                             "session_id": "fake-session", "resume_gateway_url": self.gateway_url,
                             "application": {"id": APP_ID, "flags": 0}, "private_channels": [],
                             "relationships": []}
                    await ws.send_str(json.dumps({"op": 0, "t": "READY", "s": next(self._seq), "d": ready}))
                    await ws.send_str(json.dumps({"op": 0, "t": "GUILD_CREATE", "s": next(self._seq),
                                                  "d": self.guild_create({})}))
                    self.identified.set()
                async with self._changed:
                    self._changed.notify_all()
        finally:
            self.sockets.remove(ws)
        return ws

    # -- REST -----------------------------------------------------------------------------
    async def _rest(self, request: web.Request) -> web.Response:
        """Record the request, apply any scripted failure, else answer as Discord would."""
        body: Any = None
        raw = await request.read()
        if raw:
            try:
                body = json.loads(raw)
            except ValueError:
                body = raw.decode("utf-8", "replace")
        call = Call(request.method, request.path.removeprefix("/api/v10"), dict(request.query), body,
                    dict(request.headers))
        self.calls.append(call)
        response = self._failure(call.method, call.path) or self._answer(call)
        call.status = response.status
        async with self._changed:
            self._changed.notify_all()
        return response

    def _failure(self, method: str, path: str) -> web.Response | None:
        for failure in self.failures:
            if failure.times > 0 and failure.method == method and failure.pattern.search(path):
                failure.times -= 1
                return _json(failure.body, failure.status, failure.headers)
        return None

    def _answer(self, call: Call) -> web.Response:
        method, path, body = call.method, call.path, call.json
        if call.headers.get("Authorization") not in (f"Bot {TOKEN}", None) and not path.startswith("/interactions"):
            return _json({"message": "401: Unauthorized", "code": 0}, 401)
        if method == "GET" and path == "/users/@me":
            return _json(BOT_USER)
        if method == "GET" and path == "/oauth2/applications/@me":
            return _json(APPLICATION)
        if method == "GET" and path in ("/gateway", "/gateway/bot"):
            return _json({"url": self.gateway_url, "shards": 1,
                          "session_start_limit": {"total": 1000, "remaining": 1000, "reset_after": 0,
                                                  "max_concurrency": 1}})
        if m := re.fullmatch(r"/interactions/(\d+)/([^/]+)/callback", path):
            return self._callback(m[1], m[2], body, call)
        if m := re.fullmatch(rf"/webhooks/{APP_ID}/([^/]+)", path):
            return self._followup(m[1], body, method, call)
        if m := re.fullmatch(rf"/webhooks/{APP_ID}/([^/]+)/messages/([^/]+)", path):
            return self._edit(m[1], m[2], body, method, call)
        if m := re.fullmatch(r"/channels/(\d+)/messages", path):
            if method != "POST":
                return _json([])
            call.message = self._message(body or {}, m[1])
            return _json(call.message)
        if m := re.fullmatch(rf"/applications/{APP_ID}(?:/guilds/(\d+))?/commands", path):
            if method == "PUT":
                return _json([{**c, "id": str(next(self._ids)), "application_id": APP_ID, "version": "1",
                               "default_member_permissions": c.get("default_member_permissions"),
                               **({"guild_id": m[1]} if m[1] else {})} for c in body or []])
            return _json([])
        return _json({"message": "404: Not Found", "code": 0}, 404)

    def _message(self, data: dict[str, Any], channel_id: str, flags: int | None = None,
                 interaction_id: str | None = None, message_id: str | None = None) -> dict[str, Any]:
        message = {
            "id": message_id or str(next(self._ids)), "channel_id": channel_id, "type": 20 if interaction_id else 0,
            "author": BOT_USER, "content": data.get("content") or "", "embeds": data.get("embeds") or [],
            "components": data.get("components") or [], "attachments": [], "mentions": [],
            "mention_roles": [], "mention_everyone": False, "pinned": False, "tts": False,
            "timestamp": "2024-01-01T00:00:00+00:00", "edited_timestamp": None,
            "flags": data.get("flags", 0) if flags is None else flags,
        }
        self.messages[message["id"]] = message
        return message

    def _callback(self, iid: str, token: str, body: dict[str, Any], call: Call) -> web.Response:
        known = self._interactions.get(token)
        if known is None or known["id"] != iid or time.monotonic() - known["created"] > INTERACTION_WINDOW:
            return _json({"message": "Unknown interaction", "code": 10062}, 404)
        if known["responded"] is not None:
            return _json({"message": "Interaction has already been acknowledged.", "code": 40060}, 400)
        kind, data = body["type"], body.get("data") or {}
        known["responded"] = kind
        result: dict[str, Any] = {"interaction": {"id": iid, "type": 2}}
        if kind in (4, 5, 7):
            message = call.message = self._message(data, CHANNEL_ID, interaction_id=iid)
            known["message"] = message["id"]
            known["deferred"] = kind == 5
            result["interaction"].update(response_message_id=message["id"], response_message_loading=kind == 5,
                                         response_message_ephemeral=bool(data.get("flags", 0) & 64))
            result["resource"] = {"type": kind, "message": message}
        else:
            result["resource"] = {"type": kind}
        return _json(result)

    def _followup(self, token: str, body: dict[str, Any], method: str, call: Call) -> web.Response:
        known = self._interactions.get(token)
        if known is None or known["responded"] is None or method != "POST":
            return _json({"message": "Unknown Webhook", "code": 10015}, 404)
        if known.get("deferred"):  # the first followup after a defer completes the "thinking…" message
            known["deferred"] = False
            original = self.messages[known["message"]]
            call.message = self._message(body, CHANNEL_ID, flags=original["flags"], interaction_id=known["id"],
                                         message_id=original["id"])
        else:
            call.message = self._message(body, CHANNEL_ID, interaction_id=known["id"])
        return _json(call.message)

    def _edit(self, token: str, message_id: str, body: dict[str, Any] | None, method: str, call: Call) -> web.Response:
        known = self._interactions.get(token)
        if known is None or known["responded"] is None:
            return _json({"message": "Unknown Webhook", "code": 10015}, 404)
        target = known.get("message") if message_id == "@original" else message_id
        if target not in self.messages:
            return _json({"message": "Unknown Message", "code": 10008}, 404)
        if method == "PATCH":
            self.messages[target].update({k: v for k, v in (body or {}).items() if k in ("content", "embeds",
                                                                                          "components")})
            call.message = self.messages[target]
        return _json(self.messages[target])
