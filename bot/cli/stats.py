"""`careerbot stats`: most asked questions, content gaps, tips with negative feedback or flags."""

from __future__ import annotations

import json

import click

from bot.cli.common import Context, pass_ctx


@click.command()
@click.option("--days", default=30, show_default=True, type=click.IntRange(1, 3650), help="How far back.")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@pass_ctx
def stats(ctx: Context, days: int, as_json: bool) -> None:
    """What members asked, what found no answer, and which tips got 👎 or flags."""
    from bot.core.stats import collect, render

    figures = collect(ctx.bot.db, days)
    if as_json:
        from dataclasses import asdict

        click.echo(json.dumps(asdict(figures), ensure_ascii=False, indent=2))
    else:
        click.echo(render(figures, "careerbot stats").as_text())
