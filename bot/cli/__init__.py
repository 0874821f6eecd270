"""`careerbot`: the command line. Each group lives in its own module; this file wires them."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from bot.cli.common import Context, Group, fail, pass_ctx
from bot.timestamps import parse_day

if TYPE_CHECKING:
    from bot.core.search import Answer
    from bot.core.service import CareerBot

CHANNEL_LESS = "console:local"  # `careerbot hack` without --channel: the console's /hack (see bot.console)
DB_HELP = "SQLite file (default: CAREERBOT_DB)."
CONTENT_HELP = "Content directory (default: CAREERBOT_CONTENT)."
# The global options, taken before the command (`careerbot --db x.db ask …`) or after it (`careerbot ask … --db x.db`).
GLOBAL_OPTIONS = (("--db", "db_path", DB_HELP), ("--content", "content_dir", CONTENT_HELP))


@click.group(cls=Group, invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--db", "db_path", type=click.Path(path_type=Path), help=DB_HELP)
@click.option("--content", "content_dir", type=click.Path(path_type=Path), help=CONTENT_HELP)
@click.version_option(package_name="careerbot")
@click.pass_context
def cli(click_ctx: click.Context, db_path: Path | None, content_dir: Path | None) -> None:
    """careerbot: cited career advice from community podcasts, on Slack, Discord and the console.

    Run without a command to serve: Slack and/or Discord when their tokens are set, else the console.
    --db and --content may also follow the command.
    """
    click_ctx.obj = Context(db_path=db_path, content_dir=content_dir)
    if click_ctx.invoked_subcommand is None:
        click_ctx.invoke(serve)


@cli.command()
@pass_ctx
def serve(ctx: Context) -> None:
    """Run every configured front end and the scheduler; the console when no tokens are set."""
    from bot.serve import run

    ctx.require_writable("careerbot serve")
    run(ctx.settings, ctx.bot)


@cli.command()
@pass_ctx
def chat(ctx: Context) -> None:
    """The console front end: /ask, /hack, /topics, /tips, as the chat platforms answer them."""
    from bot.console import Console

    ctx.require_writable("careerbot chat")
    Console(ctx.bot).run()


@cli.command()
@click.argument("question", required=False, default="")
@click.option("--json", "as_json", is_flag=True, help="Print the JSON contract instead of text.")
@click.option("--batch", type=click.File("r", encoding="utf-8", errors="replace"),
              help="Answer one question per line of FILE (one JSON object per line with --json).")
@click.option("--topic", help="Browse the tips on one topic instead of searching.")
@click.option("-k", "--limit", default=3, show_default=True, type=click.IntRange(1, 10), help="How many results.")
@pass_ctx
def ask(ctx: Context, question: str, as_json: bool, batch, topic: str | None, limit: int) -> None:
    """Answer QUESTION with the best few cited tips."""
    if batch is not None:
        bot = ctx.bot  # many questions: the full bot keeps phrase scores between them
        for line in batch:
            click.echo(_shown(bot, bot.searcher.ask(line.rstrip("\n"), k=limit), as_json))
        return
    bot = ctx.answerer()
    if topic:
        reply = bot.topic(topic, limit=limit)
        if as_json:
            click.echo(json.dumps({"query": f"topic:{topic}", "answered": bool(reply.cards),
                                   "results": [c.contract() for c in reply.cards]}, ensure_ascii=False))
        else:
            click.echo(reply.as_text())
        return
    click.echo(_shown(bot, bot.searcher.ask(question, k=limit), as_json))


def _shown(bot: CareerBot, answer: Answer, as_json: bool) -> str:
    """An answer as the JSON contract or as readable text (a question with nothing to search for gets the help)."""
    if as_json:
        return json.dumps(answer.contract(), ensure_ascii=False)
    return bot.answer_reply(answer).as_text()


@cli.command()
@pass_ctx
def topics(ctx: Context) -> None:
    """List the topics with how many tips each has."""
    for slug, label, n in ctx.bot.topics().data["topics"]:
        click.echo(f"{slug:24} {n:3}  {label}")


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print every active tip as a JSON list.")
@pass_ctx
def tips(ctx: Context, as_json: bool) -> None:
    """List every active tip."""
    cards = ctx.bot.searcher.all_tips()
    if as_json:
        click.echo(json.dumps([c.contract() for c in cards], ensure_ascii=False, indent=2))
        return
    for card in cards:
        click.echo(f"{card.id:55} {card.source} {card.stamp:>8}  {card.title}")


class Day(click.ParamType):
    """A day as YYYY-MM-DD, by the episodes' rule (`parse_day`): one that does not exist (2026-02-30) is
    named as such, not as a wrong format."""

    name = "date"

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> dt.date:
        if isinstance(value, dt.date):
            return value
        try:
            return parse_day(str(value))
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print the tip as a JSON object.")
@click.option("--channel", help="A subscribed channel: its key (slack:C123, discord:456) or bare id. Left out: "
                                "the hack of a channel without a subscription (what the console's /hack shows).")
@click.option("--date", "day", type=Day(), help="Day (YYYY-MM-DD), default today.")
@pass_ctx
def hack(ctx: Context, as_json: bool, channel: str | None, day: dt.date | None) -> None:
    """Show the career hack CHANNEL gets on DATE (the same tip the scheduled post uses)."""
    # a typo must not pass unseen (channel_key warns); the tip is still printed, as the JSON contract promises
    channel = CHANNEL_LESS if channel is None else ctx.channel_key(channel)
    reply = ctx.bot.hack(channel, day)
    if as_json:
        card = reply.cards[0].contract() if reply.cards else None
        click.echo(json.dumps({"channel": channel, "date": reply.data.get("date", (day or dt.date.today()).isoformat()),
                               "tip": card}, ensure_ascii=False))
    else:
        click.echo(reply.as_text())


def _add_groups() -> None:
    from bot.cli import content, db

    cli.add_command(content.content)
    cli.add_command(db.db)
    for module, name in (("bot.cli.schedule", "schedule"), ("bot.cli.discord", "discord"),
                         ("bot.cli.stats", "stats")):
        try:
            mod = __import__(module, fromlist=[name])
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise
            continue
        cli.add_command(getattr(mod, name))


def _global_option(flag: str, attr: str, help_text: str) -> click.Option:
    """`flag` on a subcommand: sets the same Context field as the top-level option (which it must not contradict)."""

    def remember(click_ctx: click.Context, _param: click.Parameter, value: Path | None) -> None:
        if value is None:
            return
        obj = click_ctx.find_object(Context)
        if obj is None:  # a command invoked on its own, not under `careerbot`
            return
        given = getattr(obj, attr)
        if given is not None and given != value:
            raise click.UsageError(f"{flag} given twice, as {given} and as {value}: give it once")
        setattr(obj, attr, value)

    return click.Option([flag, attr], type=click.Path(path_type=Path), expose_value=False, callback=remember,
                        help=help_text)


def _add_global_options(group: click.Group) -> None:
    """Let every subcommand (and sub-group) take the global options too: click reads a group's
    options only before the subcommand's name, and `careerbot ask … --db x.db` is natural to type."""
    for command in group.commands.values():
        names = {opt for param in command.params for opt in getattr(param, "opts", ())}
        command.params.extend(_global_option(*option) for option in GLOBAL_OPTIONS if option[0] not in names)
        if isinstance(command, click.Group):
            _add_global_options(command)


_add_groups()
_add_global_options(cli)


def main() -> None:
    try:
        cli(prog_name="careerbot")
    except KeyboardInterrupt:
        sys.exit(130)


__all__ = ["cli", "main", "fail"]
