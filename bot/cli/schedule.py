"""`careerbot schedule …`: subscribe channels to the daily career hack from the server."""

from __future__ import annotations

import datetime as dt
import json

import click

from bot.cli.common import Context, cli_actor, fail, pass_ctx


@click.group()
def schedule() -> None:
    """Daily career hack subscriptions (CHANNEL is slack:C0123ABC or discord:123456789012345678)."""


@schedule.command()
@click.argument("channel")
@click.option("--time", "time_", required=True, help="Local time, HH:MM (24 h).")
@click.option("--timezone", required=True, help="IANA timezone, e.g. Europe/Berlin.")
@click.option("--days", help="daily, weekdays, weekends or mon,wed,fri. Left out: the channel's current days "
                             "(a new subscription: daily).")
@click.option("--topics", help="Only tips on these topics (comma separated); 'all' for every topic. Left out: "
                               "the channel's current topics (a new subscription: all).")
@pass_ctx
def add(ctx: Context, channel: str, time_: str, timezone: str, days: str | None, topics: str | None) -> None:
    """Subscribe CHANNEL, or change its schedule: prints the schedule before → after.

    The same rules as /tips subscribe in chat: --days and --topics left out keep what the channel has.
    """
    from bot.core import subscriptions

    now = dt.datetime.now(dt.UTC)
    try:
        before, sub = subscriptions.update(ctx.bot.db, channel, time=time_, timezone=timezone, days=days,
                                           topics=topics, by=cli_actor(), now=now)
    except subscriptions.ScheduleError as exc:
        fail(f"{exc} Nothing was saved.")
    line = f"{sub.channel}: {subscriptions.change_text(before, sub)}"
    nxt = sub.next_post(now)
    if not subscriptions.posted(sub):
        line += "; never posted (the console has no scheduler)"
    elif nxt:
        line += f"; next post {nxt.astimezone(sub.zone):%Y-%m-%d %H:%M %Z}"
    click.echo(line)
    if thin := subscriptions.few_tips(ctx.bot.db, sub):
        click.echo(f"warning: {thin}", err=True)


@schedule.command(name="list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
@pass_ctx
def list_(ctx: Context, as_json: bool) -> None:
    """List subscriptions with their next post, last post and failures (and any that cannot be posted here)."""
    from bot.core import subscriptions

    now = dt.datetime.now(dt.UTC)
    rows = [subscriptions.status(ctx.bot.db, s, now) for s in subscriptions.all_subscriptions(ctx.bot.db)]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo("no subscriptions (add one with: careerbot schedule add slack:C0123ABC --time 09:00 "
                   "--timezone Europe/Berlin)")
        return
    for row in rows:
        state = "paused" if row["paused"] else (f"next {row['next_post_local']}" if row["next_post"] else "-")
        if not row["posted"]:
            state = "never posted (the console has no scheduler)"
        if row["problem"]:
            state = f"NOT POSTED: {row['problem']}"
        last = row["last_post"]
        line = (f"{row['channel']:28} {row['time']} {row['timezone']:20} {row['days']:14} "
                f"{','.join(row['topics']) or 'all topics':20} {state}")
        if last:
            line += f"; last {last['date']} {last['status']}"
        if row["failing"]:
            line += f"; FAILING since {row['failing_since']} ({row['failures']}x): {row['last_error']}"
        click.echo(line)


@schedule.command()
@click.argument("channel")
@pass_ctx
def remove(ctx: Context, channel: str) -> None:
    """Unsubscribe CHANNEL (its post history is kept, so a later subscribe continues the rotation)."""
    from bot.core import subscriptions

    key = ctx.subscribed(channel)
    if not subscriptions.remove(ctx.bot.db, key, cli_actor()):
        fail(subscriptions.not_subscribed(ctx.bot.db, channel))  # removed meanwhile
    click.echo(f"removed {key}")


@schedule.command()
@click.argument("channel")
@pass_ctx
def pause(ctx: Context, channel: str) -> None:
    """Pause CHANNEL's posts."""
    _pause(ctx, channel, True)


@schedule.command()
@click.argument("channel")
@pass_ctx
def resume(ctx: Context, channel: str) -> None:
    """Resume CHANNEL's posts."""
    _pause(ctx, channel, False)


def _pause(ctx: Context, channel: str, paused: bool) -> None:
    from bot.core import subscriptions

    key = ctx.subscribed(channel)
    before = subscriptions.set_paused(ctx.bot.db, key, paused, cli_actor())
    if before is None:
        fail(subscriptions.not_subscribed(ctx.bot.db, channel))  # removed meanwhile
    if before.paused == paused:
        click.echo(f"nothing to do: {key} is already {'paused' if paused else 'running'}")
        return
    click.echo(f"{'paused' if paused else 'resumed'} {key}")
