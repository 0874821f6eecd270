"""`careerbot discord …`: operator commands for the Discord application."""

from __future__ import annotations

import click

from bot.cli.common import Context, fail, pass_ctx


@click.group()
def discord() -> None:
    """Discord application commands."""


@discord.command()
@click.option("--guild", "guild_id", type=int, help="Sync to one server only (appears at once; handy while testing).")
@pass_ctx
def sync(ctx: Context, guild_id: int | None) -> None:
    """Register /ask, /hack and /tips with Discord. Run after install and after command changes.

    Global commands can take a while to show up everywhere; --guild makes them appear in one
    server at once. Not done on every start: Discord rate limits command registration.
    """
    import asyncio  # here, not at the top: every `careerbot ask` imports this module, and asyncio costs ~30 ms

    settings = ctx.settings
    if settings.discord_token is None:
        fail("DISCORD_TOKEN: required to sync commands")
    try:
        names = asyncio.run(_sync(settings, guild_id))
    except Exception as exc:  # noqa: BLE001 - one line for the operator, not a traceback
        fail(f"sync failed: {exc.__class__.__name__}: {exc}")
    where = f"server {guild_id}" if guild_id else "all servers (global; may take up to an hour to appear)"
    click.echo(f"synced {len(names)} commands to {where}: {', '.join('/' + n for n in names)}")


async def _sync(settings, guild_id: int | None) -> list[str]:  # noqa: ANN001
    import discord as dpy

    from bot.discord.client import build_client

    client = build_client(settings, None)
    try:
        await client.login(settings.discord_token.get_secret_value())
        guild = dpy.Object(id=guild_id) if guild_id else None
        if guild is not None:
            client.tree.copy_global_to(guild=guild)
        synced = await client.tree.sync(guild=guild)
        return [command.name for command in synced]
    finally:
        await client.close()
