"""`careerbot content …`: load and check the reviewable files under content/."""

from __future__ import annotations

import click

from bot.cli.common import Context, fail, pass_ctx


@click.group()
def content() -> None:
    """Load, check and manage the content (tips, transcripts, vocabulary)."""


@content.command()
@pass_ctx
def check(ctx: Context) -> None:
    """Validate content/: ids, topics, spans, quotes found in their spans, transcripts."""
    from bot.corpus.files import read_content
    from bot.corpus.validate import check_content

    loaded = read_content(ctx.settings.careerbot_content)
    problems = check_content(loaded)
    for problem in problems:
        click.echo(str(problem))
    if problems:
        fail(f"{len(problems)} problem(s) in {ctx.settings.careerbot_content}")
    click.echo(f"ok: {len(loaded.tips)} tips, {len(loaded.transcripts)} transcripts, {len(loaded.topics)} topics")


@content.command()
@click.option("--force", is_flag=True, help="Take the file's version even where a moderator edited the tip since.")
@pass_ctx
def load(ctx: Context, force: bool) -> None:
    """Sync content/ into the database (idempotent); report what was added, updated and retired."""
    from bot.app import open_bot
    from bot.corpus.files import read_content
    from bot.corpus.loader import ContentInvalid, load_content

    bot = open_bot(ctx.settings, autoload=False)
    try:
        report = load_content(bot.db, read_content(ctx.settings.careerbot_content), force=force)
    except ContentInvalid as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        fail(str(exc))
    for line in report.lines():
        click.echo(line)
