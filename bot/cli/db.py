"""`careerbot db …`: schema migrations (backups arrive with operations)."""

from __future__ import annotations

import click

from bot.cli.common import Context, pass_ctx


@click.group()
def db() -> None:
    """Database maintenance."""


@db.command()
@pass_ctx
def migrate(ctx: Context) -> None:
    """Upgrade the database schema in place."""
    from bot.store import LATEST, migrate as run_migrations, open_db

    database = open_db(ctx.settings.careerbot_db, upgrade=False)
    applied = run_migrations(database)
    click.echo(f"schema v{LATEST}: " + (f"applied {applied}" if applied else "already up to date"))
