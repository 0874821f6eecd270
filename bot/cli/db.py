"""`careerbot db …`: schema migrations, online backup and restore, integrity check."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click

from bot.cli.common import Context, fail, pass_ctx

if TYPE_CHECKING:
    from bot.store.backup import BackupError


@click.group()
def db() -> None:
    """Database maintenance (the database is CAREERBOT_DB, or --db)."""


@db.command()
@pass_ctx
def migrate(ctx: Context) -> None:
    """Upgrade the database schema in place."""
    from bot.store import LATEST, open_db
    from bot.store import migrate as run_migrations
    from bot.store.migrations import SchemaError

    try:
        database = open_db(ctx.settings.careerbot_db, upgrade=False)
        applied = run_migrations(database)
    except SchemaError as exc:
        fail(f"CAREERBOT_DB: {ctx.settings.careerbot_db}: {exc}")
    database.conn.close()
    click.echo(f"schema v{LATEST}: " + (f"applied {applied}" if applied else "already up to date"))


@db.command()
@click.argument("file", type=click.Path())
@click.option("--force", is_flag=True, help="Overwrite FILE if it exists.")
@pass_ctx
def backup(ctx: Context, file: str, force: bool) -> None:
    """Copy the live database to FILE, safely while serve runs.

    FILE may be a directory (existing, or given with a trailing slash): the copy is then named
    careerbot-<UTC timestamp>.db inside it.
    """
    from bot.store.backup import BackupError
    from bot.store.backup import backup as run_backup

    try:
        summary = run_backup(ctx.settings.careerbot_db, file, overwrite=force)
    except BackupError as exc:
        _failed(ctx, exc)
    click.echo(f"backed up {ctx.settings.careerbot_db} to {summary.line()}")


@db.command()
@click.argument("file", type=click.Path(path_type=Path))
@pass_ctx
def restore(ctx: Context, file: Path) -> None:
    """Replace the database with the backup FILE (upgraded to this version); the old one is kept as .bak.

    Stop `careerbot serve` first, and start it again afterwards.
    """
    from bot.store.backup import BackupError
    from bot.store.backup import restore as run_restore

    try:
        summary, kept = run_restore(file, ctx.settings.careerbot_db)
    except BackupError as exc:
        _failed(ctx, exc)
    click.echo(f"restored {file} into {summary.line()}")
    if kept is not None:
        click.echo(f"the database it replaced is kept as {kept}")


@db.command()
@pass_ctx
def check(ctx: Context) -> None:
    """Run SQLite's integrity check and show the schema version and row counts (works read-only too)."""
    from bot.store.backup import BackupError, inspect

    try:
        summary = inspect(ctx.settings.careerbot_db, full_check=True)
    except BackupError as exc:
        _failed(ctx, exc)
    click.echo(f"ok: {summary.line()}")


def _failed(ctx: Context, exc: BackupError) -> NoReturn:
    """One line: about the database (`CAREERBOT_DB: …`, exit 2; what to do when it is damaged), or about FILE (exit 1)."""
    database = Path(ctx.settings.careerbot_db)
    if exc.path.resolve() != database.resolve():
        fail(str(exc))
    advice = ". Restore a backup (careerbot db restore FILE)" if exc.damaged else ""
    fail(f"CAREERBOT_DB: {database}: {exc.reason}{advice}", 2)
