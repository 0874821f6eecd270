"""Shared CLI plumbing: lazy settings and bot, one-line errors (the database's too: `Group`)."""

from __future__ import annotations

import functools
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import click

from bot.settings import Settings, SettingsError, load_settings


def fail(message: str, code: int = 1) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    raise SystemExit(code)


class Group(click.Group):
    """The `careerbot` group: an error SQLite raises about the database file itself, wherever a command
    meets it (read-only, damaged, not a database, locked …), ends the command with one line, exit 2."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except sqlite3.DatabaseError as exc:
            obj = ctx.find_object(Context)
            if obj is None:
                raise
            obj.database_failed(exc)


@dataclass
class Context:
    db_path: Path | None = None
    content_dir: Path | None = None
    _settings: Settings | None = field(default=None, repr=False)
    _bot: Any = field(default=None, repr=False)

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            overrides: dict[str, Any] = {}
            if self.db_path:
                overrides["careerbot_db"] = self.db_path
            if self.content_dir:
                overrides["careerbot_content"] = self.content_dir
            try:
                self._settings = load_settings(**overrides)
            except SettingsError as exc:
                fail(str(exc), 2)
        return self._settings  # type: ignore[return-value]

    @property
    def bot(self):  # noqa: ANN201
        if self._bot is None:
            self._bot = self.open()
        return self._bot

    def answerer(self):  # noqa: ANN201
        """A bot for answering one question and exiting (see bot.app.open_bot's `answer_only`)."""
        return self._bot or self.open(answer_only=True)

    def open(self, autoload: bool = True, answer_only: bool = False):  # noqa: ANN201
        """bot.app.open_bot, its failures (content, database, the semantic extra) as one-line errors."""
        from bot.app import open_bot
        from bot.core.semantic import Unavailable
        from bot.corpus import ContentInvalid, NotContent
        from bot.store.migrations import SchemaError

        try:
            return open_bot(self.settings, autoload=autoload, answer_only=answer_only)
        except NotContent as exc:
            fail(str(exc))
        except ContentInvalid as exc:
            fail(f"{exc}\n" + "\n".join(f"  {p}" for p in exc.problems[:20]))
        except sqlite3.DatabaseError as exc:
            self.database_failed(exc, always=True)
        except (OSError, SchemaError) as exc:
            reason = f"{exc.strerror}: {exc.filename}" if isinstance(exc, OSError) and exc.strerror else exc
            fail(f"CAREERBOT_DB: {self.settings.careerbot_db}: {reason}", 2)
        except Unavailable as exc:
            fail(str(exc), 2)

    def database_failed(self, exc: sqlite3.DatabaseError, always: bool = False) -> NoReturn:
        """`error: CAREERBOT_DB: <path>: <what is wrong and what to do>`, exit 2, for an error about the
        database file (bot/store/access.py); any other error is raised as it is, unless `always`."""
        from bot.store import explain

        reason = explain(exc, self.settings.careerbot_db) or (str(exc) if always else None)
        if reason is None:
            raise exc
        fail(f"CAREERBOT_DB: {self.settings.careerbot_db}: {reason}", 2)

    def require_writable(self, what: str) -> None:
        """Exit 2 before starting `what` (a long-running front end, which records questions, feedback and
        posts as it goes) on a database this user cannot write."""
        from bot.store import unwritable
        from bot.store.access import read_only

        reason = unwritable(self.settings.careerbot_db)
        if reason:
            fail(f"CAREERBOT_DB: {self.settings.careerbot_db}: {read_only(reason, f'{what} writes to it')}", 2)

    def subscribed(self, channel: str, hint: str = "") -> str:
        """The key of CHANNEL's subscription (CHANNEL is a key or a bare id); else exit 1 naming the subscribed ones."""
        from bot.core import subscriptions

        sub = subscriptions.lookup(self.bot.db, channel)
        if sub is None:
            fail(subscriptions.not_subscribed(self.bot.db, channel) + hint)
        return sub.channel  # type: ignore[union-attr]

    def channel_key(self, channel: str) -> str:
        """CHANNEL's subscription key (CHANNEL is a key or a bare id). Without a subscription: a warning on
        stderr naming the subscribed ones, and CHANNEL as a key (a bare id as a console channel)."""
        from bot.core import subscriptions

        sub = subscriptions.lookup(self.bot.db, channel)
        if sub is not None:
            if problem := sub.problem():
                click.echo(f"warning: {sub.channel}: not posted: {problem}. This is the tip it would get by UTC.",
                           err=True)
            return sub.channel
        click.echo(f"warning: {subscriptions.not_subscribed(self.bot.db, channel)}. This is the tip it would get "
                   "once subscribed.", err=True)
        return channel if ":" in channel else f"console:{channel}"


def pass_ctx(fn):  # noqa: ANN001, ANN201
    @click.pass_obj
    @functools.wraps(fn)
    def wrapper(obj: Context, *args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        return fn(obj, *args, **kwargs)

    return wrapper


def cli_actor():  # noqa: ANN201 - Actor, imported here only when a command changes something
    """Who runs a changing command from the server's shell, for the audit log: cli:<login>."""
    import getpass

    from bot.core.actors import Actor

    return Actor("cli", getpass.getuser())
