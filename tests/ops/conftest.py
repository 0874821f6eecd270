"""Fixtures for the ops tests: a free port, a sink that records what a platform received,
and `careerbot serve` as a real subprocess (JSON logs, a temp database, 127.0.0.1)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
STANDIN = HERE / "serve_standin.py"
DROP = ("SLACK_", "DISCORD_", "CAREERBOT_", "PORT", "HOST", "LOG_", "STANDIN_")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def clean_env(**extra: str) -> dict[str, str]:
    """The parent's environment without any careerbot setting, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(DROP)}
    env.update(PYTHONUNBUFFERED="1", **extra)
    return env


@dataclass
class Sink:
    """What the stand-in platform received: replies to commands and scheduled posts."""

    url: str = ""
    post_delay: float = 0.0
    replies: list[dict] = field(default_factory=list)
    posts: list[dict] = field(default_factory=list)
    post_started: asyncio.Event = field(default_factory=asyncio.Event)

    async def on_reply(self, request: web.Request) -> web.Response:
        self.replies.append(await request.json())
        return web.json_response({"ok": True})

    async def on_post(self, request: web.Request) -> web.Response:
        data = await request.json()
        self.post_started.set()
        await asyncio.sleep(self.post_delay)
        self.posts.append(data)
        return web.json_response({"ref": f"m{len(self.posts)}"})


@pytest.fixture
async def sink():
    recorder = Sink()
    app = web.Application()
    app.router.add_post("/reply", recorder.on_reply)
    app.router.add_post("/post", recorder.on_post)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    recorder.url = f"http://127.0.0.1:{port}"
    yield recorder
    await runner.cleanup()


class Serve:
    """One `careerbot serve` subprocess."""

    def __init__(self, tmp_path: Path, db: Path, *, script: Path | None = STANDIN, port: int | None = None,
                 **env: str) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.cwd = tmp_path
        self.log_path = tmp_path / f"serve-{self.port}.log"
        self.args = [sys.executable, str(script), "serve"] if script else [sys.executable, "-m", "bot", "serve"]
        self.env = clean_env(CAREERBOT_DB=str(db), PORT=str(self.port), HOST="127.0.0.1",
                             LOG_FORMAT="json", **env)
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self) -> Serve:
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - closed in wait()
        self.proc = await asyncio.create_subprocess_exec(
            *self.args, cwd=self.cwd, env=self.env, stdin=asyncio.subprocess.DEVNULL,
            stdout=self._log, stderr=asyncio.subprocess.STDOUT)
        return self

    async def get(self, path: str) -> tuple[int, dict | str]:
        async with aiohttp.ClientSession() as session, session.get(self.url + path) as response:
            body = await response.json() if response.content_type == "application/json" else await response.text()
            return response.status, body

    async def wait_ready(self, timeout: float = 30.0) -> dict:
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            assert self.proc is not None and self.proc.returncode is None, f"serve exited:\n{self.output()}"
            try:
                status, body = await self.get("/readyz")
                if status == 200:
                    return body  # type: ignore[return-value]
            except aiohttp.ClientConnectionError:
                pass
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"serve not ready after {timeout}s:\n{self.output()}")
            await asyncio.sleep(0.05)

    def signal(self, sig: signal.Signals = signal.SIGTERM) -> None:
        assert self.proc is not None
        self.proc.send_signal(sig)

    async def wait(self, timeout: float = 30.0) -> int:
        assert self.proc is not None
        try:
            code = await asyncio.wait_for(self.proc.wait(), timeout)
        finally:
            if self.proc.returncode is None:
                self.proc.kill()
                await self.proc.wait()
            self._log.close()
        return code

    def output(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def events(self) -> list[dict]:
        """The JSON log lines (other output, such as a traceback, is skipped)."""
        events = []
        for line in self.output().splitlines():
            try:
                events.append(json.loads(line))
            except ValueError:
                continue
        return events

    def event(self, name: str) -> list[dict]:
        return [e for e in self.events() if e.get("event") == name]


@pytest.fixture
async def serve_proc(tmp_path):
    """Start `careerbot serve` subprocesses; any still running at the end are killed."""
    started: list[Serve] = []

    async def start(db: Path, **kwargs) -> Serve:
        proc = await Serve(tmp_path, db, **kwargs).start()
        started.append(proc)
        return proc

    yield start
    for proc in started:
        if proc.proc is not None and proc.proc.returncode is None:
            proc.proc.kill()
            await proc.proc.wait()


SLACK_SECRET = "ops-test-signing-secret-0123"


def slack_env(fake) -> dict[str, str]:  # noqa: ANN001
    """Settings for `serve` in Slack HTTP mode against the fake Slack Web API."""
    return {"SLACK_BOT_TOKEN": "xoxb-ops-test-token", "SLACK_SIGNING_SECRET": SLACK_SECRET,
            "SLACK_API_URL": fake.api_url}


def discord_env(fake) -> dict[str, str]:  # noqa: ANN001
    """Settings for `serve` with the Discord gateway and REST on the fake Discord."""
    from tests.discord.fakes import TOKEN

    return {"DISCORD_TOKEN": TOKEN, "DISCORD_API_URL": fake.api_url, "DISCORD_GATEWAY_URL": fake.gateway_url}
