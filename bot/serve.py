"""`careerbot serve`: every configured front end and the scheduler in one asyncio process.

Each front end is a `Frontend`: it starts, stops, reports readiness and offers a `Poster`
for the daily hack. HTTP routes (Slack events, /healthz, /readyz, /metrics) share one
aiohttp server on PORT.

Shutdown (SIGTERM or SIGINT) happens in this order: /readyz turns 503, the scheduler stops
taking new jobs, work in flight (replies, posts, HTTP requests) gets up to
CAREERBOT_SHUTDOWN_SECONDS to finish, the front ends disconnect, the HTTP server closes and
the database is closed last. A second signal cuts the wait short.
"""

from __future__ import annotations

import asyncio
import gc
import os
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from bot.core.posting import Poster
from bot.core.service import CareerBot
from bot.observability import (
    CONNECTED,
    DATABASE_UP,
    INFLIGHT,
    REGISTRY,
    ObservedPoster,
    configure_logging,
    get_logger,
)
from bot.settings import Settings, SettingsError

log = get_logger("bot.serve")

#: Paths that never count as work in flight (probes must not hold shutdown up).
PROBE_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})


class Frontend(Protocol):
    name: str
    poster: Poster

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    def ready(self) -> bool: ...


FrontendFactory = Callable[[Settings, CareerBot, web.Application], Frontend]

#: Front ends beyond Slack and Discord, built the same way (a bridge to another platform; the
#: ops tests plug in a stand-in platform here).
EXTRA_FRONTENDS: list[FrontendFactory] = []


class StartupError(Exception):
    """serve could not start: one line for the operator, no traceback; exit 2 for a setting's fault."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


def build_frontends(settings: Settings, bot: CareerBot, web_app: web.Application) -> list[Frontend]:
    frontends: list[Frontend] = []
    if settings.slack_enabled:
        from bot.slack.frontend import SlackFrontend

        frontends.append(SlackFrontend(settings, bot, web_app))
    if settings.discord_enabled:
        from bot.discord.frontend import DiscordFrontend

        frontends.append(DiscordFrontend(settings, bot))
    frontends += [factory(settings, bot, web_app) for factory in EXTRA_FRONTENDS]
    return frontends


@dataclass
class State:
    """What the health routes report."""

    bot: CareerBot
    frontends: list[Frontend] = field(default_factory=list)
    scheduler: Any = None
    started: bool = False
    stopping: bool = False

    def database(self) -> tuple[str, int | None]:
        try:
            self.bot.db.execute("SELECT 1 FROM tips LIMIT 1").fetchall()
            schema = self.bot.db.execute("PRAGMA user_version").fetchone()[0]
        except Exception as exc:  # noqa: BLE001 - reported, not raised
            DATABASE_UP.set(0)
            return f"error: {exc.__class__.__name__}: {str(exc)[:120]}", None
        DATABASE_UP.set(1)
        return "ok", schema

    def platforms(self) -> dict[str, str]:
        result = {}
        for frontend in self.frontends:
            try:
                up = bool(frontend.ready())
            except Exception:  # noqa: BLE001 - a broken ready() is "not connected", not a 500
                up = False
            CONNECTED.labels(frontend.name).set(int(up))
            result[frontend.name] = "connected" if up else ("stopping" if self.stopping else "connecting")
        return result

    def report(self) -> dict[str, Any]:
        database, schema = self.database()
        scheduler = "none" if self.scheduler is None else ("stopping" if self.stopping else "running")
        return {"database": database, "schema": schema, "platforms": self.platforms(), "scheduler": scheduler,
                "in_flight": INFLIGHT.count, "stopping": self.stopping}


def ops_routes(web_app: web.Application, state: State) -> None:
    async def healthz(request: web.Request) -> web.Response:
        """Liveness: the process answers and the database is reachable."""
        report = state.report()
        ok = report["database"] == "ok"
        return web.json_response({"status": "ok" if ok else "error", **report}, status=200 if ok else 503)

    async def readyz(request: web.Request) -> web.Response:
        """Readiness: database ok, every configured platform connected, not shutting down."""
        report = state.report()
        ok = (report["database"] == "ok" and state.started and not state.stopping
              and all(v == "connected" for v in report["platforms"].values()))
        return web.json_response({"status": "ready" if ok else "not ready", **report}, status=200 if ok else 503)

    async def metrics(request: web.Request) -> web.Response:
        state.database()
        state.platforms()
        return web.Response(body=generate_latest(REGISTRY), headers={"Content-Type": CONTENT_TYPE_LATEST})

    web_app.router.add_get("/healthz", healthz)
    web_app.router.add_get("/readyz", readyz)
    web_app.router.add_get("/metrics", metrics)


@web.middleware
async def count_in_flight(request: web.Request, handler: Any) -> web.StreamResponse:
    """HTTP requests (Slack events in HTTP mode) are work in flight until answered."""
    if request.path in PROBE_PATHS:
        return await handler(request)
    INFLIGHT.enter()
    try:
        return await handler(request)
    finally:
        INFLIGHT.leave()


async def _watch_platforms(state: State, since: float) -> None:
    """Log each platform connecting and dropping, and once when everything is ready."""
    seen: dict[str, bool] = {}
    announced = False
    while True:
        for frontend in state.frontends:
            try:
                up = bool(frontend.ready())
            except Exception:  # noqa: BLE001
                up = False
            CONNECTED.labels(frontend.name).set(int(up))
            if seen.get(frontend.name) != up and (up or frontend.name in seen):
                log.info("platform.connected" if up else "platform.disconnected", platform=frontend.name)
            seen[frontend.name] = up
        if not announced and all(seen.values()):
            announced = True
            log.info("serve.ready", platforms=[f.name for f in state.frontends],
                     seconds=round(time.monotonic() - since, 3))
        await asyncio.sleep(0.1 if not announced else 1.0)


async def serve(settings: Settings, bot: CareerBot, stop: asyncio.Event | None = None) -> None:
    """Run until `stop` is set (or SIGTERM/SIGINT arrives), then shut down gracefully."""
    began = time.monotonic()
    loop = asyncio.get_running_loop()
    stop = stop or asyncio.Event()
    force = asyncio.Event()
    web_app = web.Application(middlewares=[count_in_flight])
    state = State(bot)
    state.frontends = build_frontends(settings, bot, web_app)
    ops_routes(web_app, state)
    grace = settings.careerbot_shutdown_seconds
    runner = web.AppRunner(web_app, access_log=None, shutdown_timeout=grace)
    await runner.setup()

    main = asyncio.current_task()

    def on_signal(sig: signal.Signals) -> None:
        if not stop.is_set():
            log.info("serve.stopping", signal=sig.name, in_flight=INFLIGHT.count)
            stop.set()
            if not state.started and main is not None:
                main.cancel()  # still starting up (a platform slow to answer): nothing to wait for
        else:
            log.warning("serve.forced", signal=sig.name, in_flight=INFLIGHT.count)
            force.set()

    signals: list[signal.Signals] = []
    for sig in (signal.SIGTERM, signal.SIGINT):
        try:
            loop.add_signal_handler(sig, on_signal, sig)
            signals.append(sig)
        except (NotImplementedError, RuntimeError, ValueError):  # not the main thread, or Windows
            pass
    watcher = None
    started: list[Frontend] = []
    try:
        try:
            await web.TCPSite(runner, settings.host, settings.port).start()
        except OSError as exc:
            reason = os.strerror(exc.errno) if exc.errno else str(exc)
            raise StartupError(f"PORT: cannot listen on {settings.host}:{settings.port}: {reason}", 2) from None
        log.info("serve.listening", host=settings.host, port=settings.port)
        warming = time.monotonic()
        held = await asyncio.to_thread(bot.searcher.warm)  # before any member asks: see Searcher.warm
        log.info("serve.warmed", seconds=round(time.monotonic() - warming, 3), postings_mb=round(held / 1e6, 1))
        for frontend in state.frontends:
            started.append(frontend)
            try:
                await frontend.start()
            except SettingsError as exc:  # e.g. a token the platform rejected
                raise StartupError(str(exc), 2) from None
            except Exception as exc:
                raise StartupError(f"{frontend.name}: could not start: {exc.__class__.__name__}: {exc}") from exc
        state.scheduler = _start_scheduler(bot, state.frontends, settings)
        if state.scheduler is not None:
            await state.scheduler.start()
        state.started = True
        # What starting made (the SDKs, the postings, the kept tips) lasts as long as the process: out of the
        # collector's way, a collection during a question no longer walks it (pauses of 3-4 ms, 0.5 ms after).
        gc.freeze()
        log.info("serve.started", platforms=[f.name for f in state.frontends],
                 scheduler=state.scheduler is not None, seconds=round(time.monotonic() - began, 3),
                 gc_frozen=gc.get_freeze_count())
        watcher = asyncio.create_task(_watch_platforms(state, began), name="watch-platforms")
        await stop.wait()
    except asyncio.CancelledError:
        if not stop.is_set() or main is None:
            raise
        main.uncancel()  # our own signal handler cancelled the start-up: stop cleanly
    finally:
        state.stopping = True
        await _shutdown(state, started, runner, grace, force, watcher)
        for sig in signals:
            loop.remove_signal_handler(sig)


def _start_scheduler(bot: CareerBot, frontends: list[Frontend], settings: Settings) -> Any:
    if not settings.careerbot_scheduler:  # another process posts the daily hack
        return None
    try:
        from bot.scheduler import DailyScheduler
    except ModuleNotFoundError as exc:
        if exc.name not in ("bot.scheduler",):
            raise
        return None
    posters = {f.name: ObservedPoster(f.poster) for f in frontends if getattr(f, "poster", None) is not None}
    return DailyScheduler(bot, posters, settings=settings)


async def _bounded(what: str, step: Callable[[], Any], timeout: float, force: asyncio.Event | None = None) -> None:
    """Run one shutdown step; one that hangs, fails or is cut short by a second signal is logged and left."""
    try:
        task = asyncio.ensure_future(step())
        waits = {task} if force is None else {task, asyncio.ensure_future(force.wait())}
        done, _ = await asyncio.wait(waits, timeout=max(timeout, 1.0), return_when=asyncio.FIRST_COMPLETED)
        for other in waits - {task}:
            other.cancel()
        if task not in done:
            task.cancel()
            raise TimeoutError("cut short" if force is not None and force.is_set() else f"over {timeout:.0f} s")
        task.result()
    except Exception as exc:  # noqa: BLE001 - shutdown must reach the database close
        log.error("serve.shutdown_step_failed", step=what, error=exc.__class__.__name__, detail=str(exc)[:200])


async def _shutdown(state: State, started: list[Frontend], runner: web.AppRunner, grace: float,
                    force: asyncio.Event, watcher: asyncio.Task[Any] | None) -> None:
    began = time.monotonic()
    pending = INFLIGHT.count
    if state.scheduler is not None:  # no new posts; those under way may finish within the grace period
        await _bounded("scheduler", lambda: state.scheduler.stop(timeout=grace), grace + 1.0, force)
    drained = await INFLIGHT.drain(max(0.0, grace - (time.monotonic() - began)), interrupted=force)
    if not drained:
        log.warning("serve.drain_incomplete", in_flight=INFLIGHT.count, waited_s=round(time.monotonic() - began, 2))
    if watcher is not None:
        watcher.cancel()
    for frontend in reversed(started):
        await _bounded(frontend.name, frontend.stop, 10.0)
        CONNECTED.labels(frontend.name).set(0)
    await _bounded("http", runner.cleanup, grace + 1.0, force)
    try:
        state.bot.searcher.stop()  # no reading ahead may run while the database closes
        state.bot.db.conn.close()
    except Exception as exc:  # noqa: BLE001
        log.error("serve.database_close_failed", error=exc.__class__.__name__)
    log.info("serve.stopped", drained=drained, waited_for=pending, seconds=round(time.monotonic() - began, 3))


def run(settings: Settings, bot: CareerBot) -> None:
    """The `careerbot serve` entry: the console without tokens, else every platform + scheduler."""
    if not (settings.slack_enabled or settings.discord_enabled or EXTRA_FRONTENDS):
        from bot.console import Console

        Console(bot).run()
        return
    secrets = [s.get_secret_value() for s in (settings.slack_bot_token, settings.slack_signing_secret,
                                              settings.slack_app_token, settings.discord_token) if s]
    configure_logging(settings.log_level, settings.log_format, secrets=secrets)
    try:
        asyncio.run(serve(settings, bot))
    except StartupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(exc.code) from None
