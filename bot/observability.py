"""Logs, metrics and in-flight work: what operations sees of a running careerbot.

Front ends wrap each command they handle in `observe(platform, command)`: that writes one
log line (platform, command, outcome, latency_ms), counts it, times it, and tells
graceful shutdown that a reply is still on its way. Work that outlives the request that
started it (a reply sent after the platform's ack) goes through `spawn()` so shutdown waits
for it too. Posts by the scheduler are observed by `ObservedPoster`, which `serve` wraps
around every platform's poster.

Logs never carry a token or a message body: `redact` drops the values of keys such as
`token`, `secret`, `text`, `body` and `query`, and masks anything shaped like a Slack or
Discord token, whichever logger produced the line.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import logging
import re
import sys
import threading
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, TypeVar

import structlog
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    disable_created_metrics,
)

from bot.core.posting import Poster, PostError
from bot.core.reply import Reply

# -- logging -----------------------------------------------------------------------------

SECRET_KEYS = re.compile(r"token|secret|password|passwd|authorization|cookie|signature|api_key", re.I)
BODY_KEYS = frozenset({"text", "body", "query", "question", "message", "payload", "content", "blocks", "quote"})
TOKEN_PATTERNS = re.compile(
    r"xox[abposr]-[A-Za-z0-9-]+"                    # Slack bot / user / refresh tokens
    r"|xapp-[A-Za-z0-9-]+"                          # Slack app-level tokens
    r"|[A-Za-z0-9_-]{23,28}\.[A-Za-z0-9_-]{6,7}\.[A-Za-z0-9_-]{27,}"  # Discord bot tokens
)
#: Libraries whose INFO chatter stays out of the log unless LOG_LEVEL=DEBUG (our request line covers it).
QUIET_LOGGERS = ("aiohttp.access", "apscheduler", "slack_bolt", "slack_sdk", "discord", "websockets")
_secrets: list[str] = []
_handler: logging.Handler | None = None


def _mask(value: str) -> str:
    for secret in _secrets:
        value = value.replace(secret, "[redacted]")
    return TOKEN_PATTERNS.sub("[redacted]", value)


def _clean(key: str, value: Any) -> Any:
    if SECRET_KEYS.search(key):
        return "[redacted]"
    if key in BODY_KEYS and value is not None:
        return f"[{len(value)} chars]" if isinstance(value, str) else "[redacted]"
    if isinstance(value, str):
        return _mask(value)
    if isinstance(value, dict):
        return {k: _clean(str(k), v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_clean("", v) for v in value]
    return value


def redact(_logger: Any, _method: str, event: dict[str, Any]) -> dict[str, Any]:
    """structlog processor: no tokens, secrets or message bodies in any log line, however nested."""
    for key, value in list(event.items()):
        if key in ("event", "exception", "exc_info", "level", "logger", "timestamp"):
            if isinstance(value, str):
                event[key] = _mask(value)
        else:
            event[key] = _clean(key, value)
    return event


def configure_logging(level: str = "INFO", fmt: str = "console", *, secrets: Iterable[str] = (),
                      stream: Any = None) -> None:
    """Route structlog and stdlib logging through one handler: console lines or JSON lines.

    `secrets` (the configured tokens) are masked wherever they appear. Safe to call again.
    """
    global _handler
    _secrets[:] = sorted({s for s in secrets if s and len(s) >= 8}, key=len, reverse=True)
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    if fmt == "json":
        final: list[Any] = [structlog.processors.format_exc_info, redact, structlog.processors.JSONRenderer()]
    else:
        final = [structlog.processors.format_exc_info, redact,
                 structlog.dev.ConsoleRenderer(colors=False, exception_formatter=structlog.dev.plain_traceback)]
    structlog.configure(
        processors=[structlog.stdlib.filter_by_level, *shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *final],
    ))
    root = logging.getLogger()
    if _handler is not None:
        root.removeHandler(_handler)
    root.addHandler(handler)
    _handler = handler
    root.setLevel(level.upper())
    quiet = "DEBUG" if level.upper() == "DEBUG" else "WARNING"
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(quiet)


def reset_logging() -> None:
    """Back to the defaults `configure_logging` replaced (used by tests).

    Until `configure_logging` runs (CLI commands, tests), lines go through stdlib logging as key=value text.
    """
    global _handler
    structlog.reset_defaults()
    structlog.configure(
        processors=[structlog.stdlib.filter_by_level, redact,
                    structlog.processors.KeyValueRenderer(key_order=["event"], drop_missing=True)],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )
    if _handler is not None:
        logging.getLogger().removeHandler(_handler)
        _handler = None
        logging.getLogger().setLevel(logging.WARNING)
        for name in QUIET_LOGGERS:
            logging.getLogger(name).setLevel(logging.NOTSET)


if not structlog.is_configured():
    reset_logging()


def get_logger(name: str = "bot.events") -> Any:
    return structlog.get_logger(name)


# Not "careerbot": slack-bolt names its app logger after the app and pins its level at creation.
log = get_logger("bot.events")

# -- metrics -----------------------------------------------------------------------------

disable_created_metrics()
REGISTRY = CollectorRegistry(auto_describe=True)
ProcessCollector(registry=REGISTRY)
PlatformCollector(registry=REGISTRY)

REQUESTS = Counter("careerbot_requests", "Commands handled, by outcome (reply kind or error).",
                   ["platform", "command", "outcome"], registry=REGISTRY)
REQUEST_SECONDS = Histogram("careerbot_request_seconds", "Time from receiving a command to the reply being sent.",
                            ["platform", "command"], registry=REGISTRY,
                            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
POSTS = Counter("careerbot_posts", "Scheduled posts attempted, by outcome (sent, retry, failed).",
                ["platform", "outcome"], registry=REGISTRY)
POST_SECONDS = Histogram("careerbot_post_seconds", "Time to deliver one scheduled post.", ["platform"],
                         registry=REGISTRY, buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))
CHANGES = Counter("careerbot_changes", "Moderator changes (add, edit, retire, revert, ...).",
                  ["platform", "action"], registry=REGISTRY)
CONNECTED = Gauge("careerbot_platform_connected", "1 when the platform connection is up.", ["platform"],
                  registry=REGISTRY)
DATABASE_UP = Gauge("careerbot_database_up", "1 when the database answered the last health check.",
                    registry=REGISTRY)
IN_FLIGHT = Gauge("careerbot_in_flight", "Replies, posts and HTTP requests in progress.", registry=REGISTRY)

# -- in-flight work ----------------------------------------------------------------------


class InFlight:
    """Counts work in progress so that shutdown can wait for it.

    Counted: `observe` blocks, tasks started with `spawn`, scheduled posts and HTTP requests.
    Thread-safe, so a handler running in a worker thread may count itself too.
    """

    def __init__(self) -> None:
        self._count = 0
        self._lock = threading.Lock()
        self._tasks: set[asyncio.Task[Any]] = set()

    @property
    def count(self) -> int:
        return self._count + sum(not t.done() for t in self._tasks)

    def enter(self) -> None:
        with self._lock:
            self._count += 1

    def leave(self) -> None:
        with self._lock:
            self._count -= 1

    def spawn(self, coro: Awaitable[Any], *, name: str | None = None) -> asyncio.Task[Any]:
        """Run `coro` in the background; shutdown waits for it. Its exception is logged, not lost."""
        task = asyncio.ensure_future(coro)
        if name:
            task.set_name(name)
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            exc = task.exception()
            log.error("task.failed", task=task.get_name(), error=exc.__class__.__name__, exc_info=exc)

    async def drain(self, timeout: float, *, interrupted: asyncio.Event | None = None) -> bool:
        """Wait until nothing is in flight, at most `timeout` seconds; True when everything finished."""
        deadline = time.monotonic() + timeout
        while self.count:
            if time.monotonic() >= deadline or (interrupted is not None and interrupted.is_set()):
                return False
            await asyncio.sleep(0.02)
        return True


INFLIGHT = InFlight()
IN_FLIGHT.set_function(lambda: INFLIGHT.count)
spawn = INFLIGHT.spawn

# -- the per-request API front ends call ------------------------------------------------------

F = TypeVar("F", bound=Callable[..., Any])


class observe:  # noqa: N801 - used like a function: `with observe("slack", "ask") as obs:`
    """Log, count and time one command; shutdown waits while it runs.

    Use as a context manager (sync or async) or as a decorator. Set `obs.outcome`
    (or call `obs.reply(reply)`, which uses the reply's kind); an exception makes it "error".
    Extra keyword fields go on the log line (ids, sizes: never tokens or message text).
    `command` must come from a fixed set (it is a metric label), never from user text.
    """

    def __init__(self, platform: str, command: str, **fields: Any) -> None:
        self.platform, self.command, self.fields = platform, command, fields
        self.outcome = "ok"
        self._start = 0.0

    def reply(self, reply: Reply) -> Reply:
        self.outcome = reply.kind
        return reply

    def __enter__(self) -> observe:
        INFLIGHT.enter()
        self._start = time.perf_counter()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: Any) -> None:
        try:
            elapsed = time.perf_counter() - self._start
            if exc_type is not None:
                self.outcome = "cancelled" if exc_type is asyncio.CancelledError else "error"
            REQUESTS.labels(self.platform, self.command, self.outcome).inc()
            REQUEST_SECONDS.labels(self.platform, self.command).observe(elapsed)
            fields = dict(platform=self.platform, command=self.command, outcome=self.outcome,
                          latency_ms=round(elapsed * 1000, 1), **self.fields)
            if exc_type is not None and exc_type is not asyncio.CancelledError:
                log.error("request", error=exc_type.__name__, exc_info=(exc_type, exc, tb), **fields)
            else:
                log.info("request", **fields)
        finally:
            INFLIGHT.leave()

    async def __aenter__(self) -> observe:
        return self.__enter__()

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: Any) -> None:
        self.__exit__(exc_type, exc, tb)

    def __call__(self, fn: F) -> F:
        if inspect.iscoroutinefunction(fn):
            @functools.wraps(fn)
            async def awrapper(*args: Any, **kwargs: Any) -> Any:
                with observe(self.platform, self.command, **self.fields) as obs:
                    result = await fn(*args, **kwargs)
                    if isinstance(result, Reply):
                        obs.reply(result)
                    return result
            return awrapper  # type: ignore[return-value]

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with observe(self.platform, self.command, **self.fields) as obs:
                result = fn(*args, **kwargs)
                if isinstance(result, Reply):
                    obs.reply(result)
                return result
        return wrapper  # type: ignore[return-value]


def log_change(platform: str, action: str, entity: str, entity_id: str, actor: str) -> None:
    """One line and one count per moderator change (the audit table holds the before/after)."""
    CHANGES.labels(platform, action).inc()
    log.info("change", platform=platform, action=action, entity=entity, entity_id=entity_id, actor=actor)


class ObservedPoster:
    """Wraps a platform's `Poster`: one log line, count and timing per post; shutdown waits for it."""

    def __init__(self, inner: Poster) -> None:
        self.inner = inner
        self.platform = getattr(inner, "platform", "unknown")

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def post(self, channel_id: str, reply: Reply) -> str:
        INFLIGHT.enter()
        start = time.perf_counter()
        outcome, fields = "sent", {}
        try:
            ref = await self.inner.post(channel_id, reply)
            return ref
        except PostError as exc:
            outcome = "failed" if exc.permanent else "retry"
            fields = {"error": str(exc)[:200], "retry_after": exc.retry_after}
            raise
        except asyncio.CancelledError:
            outcome = "cancelled"
            raise
        except Exception as exc:
            outcome, fields = "retry", {"error": exc.__class__.__name__}
            raise
        finally:
            elapsed = time.perf_counter() - start
            POSTS.labels(self.platform, outcome).inc()
            POST_SECONDS.labels(self.platform).observe(elapsed)
            tip = reply.cards[0].id if reply.cards else None
            log.log(logging.INFO if outcome == "sent" else logging.WARNING, "post", platform=self.platform,
                    channel_id=channel_id, tip_id=tip, outcome=outcome, latency_ms=round(elapsed * 1000, 1), **fields)
            INFLIGHT.leave()
