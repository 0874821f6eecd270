"""The scheduler through the real platform code: SlackPoster against the fake Slack Web API and
DiscordPoster (discord.py) against the fake Discord REST."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.core import subscriptions
from bot.core.actors import Actor
from bot.discord.poster import DiscordPoster
from bot.scheduler import DailyScheduler
from bot.slack.app import web_client
from bot.slack.poster import SlackPoster
from tests.discord.conftest import discord_client, discord_settings  # noqa: F401 - fixtures
from tests.discord.fakes import CHANNEL_ID
from tests.discord.helpers import assert_no_pings, footers, text_of
from tests.slack.conftest import slack_bot, slack_http, slack_settings  # noqa: F401 - fixtures
from tests.slack.fakes import buttons, message_texts

from .conftest import FAST, Sleeps, utc

MONDAY_9_BERLIN = utc(2025, 3, 3, 8, 0)
DISCORD_MESSAGES = rf"^/channels/{CHANNEL_ID}/messages$"


def subscribe(bot, channel: str) -> None:
    subscriptions.save(bot.db, channel, time="09:00", timezone="Europe/Berlin", now=utc(2025, 3, 3))


def scheduler_for(bot, posters, sleeps=None) -> DailyScheduler:
    return DailyScheduler(bot, posters, clock=lambda: MONDAY_9_BERLIN, sleep=sleeps if sleeps is not None else Sleeps(), pacing=FAST)


def hostile_quote(bot, channel: str) -> str:
    """Make today's tip quote try to ping everyone: the post must not."""
    tip = bot.hack(channel, MONDAY_9_BERLIN.date()).cards[0].id
    bot.db.execute("UPDATE tips SET quote = quote || ' <!channel> @everyone @here' WHERE id = ?", [tip])
    return tip


# -- Slack -----------------------------------------------------------------------------------
async def test_slack_post_arrives_with_the_hack_blocks(bot, fake_slack, slack_settings):  # noqa: F811
    subscribe(bot, "slack:C0SCHED")
    tip = hostile_quote(bot, "slack:C0SCHED")
    scheduler = scheduler_for(bot, {"slack": SlackPoster(web_client(slack_settings))})
    assert await scheduler.run_due() == {"sent": 1}
    [call] = fake_slack.calls_to("chat.postMessage")
    card = bot.hack("slack:C0SCHED", MONDAY_9_BERLIN.date()).cards[0]
    assert call.args["channel"] == "C0SCHED" and card.id == tip
    shown = "\n".join(message_texts(call.args))
    for part in ("Career hack for Monday", card.title, card.speaker, card.episode, card.stamp):
        assert part in shown, part
    assert card.quote.split(" <!channel>")[0] in shown
    assert "<!channel>" not in shown and "&lt;!channel&gt;" in shown
    assert {"ask_followup", "feedback_up", "feedback_down"} <= set(buttons(call.args))
    assert "share" not in buttons(call.args)
    ts = bot.db.execute("SELECT message_ref FROM posts WHERE channel = 'slack:C0SCHED'").fetchone()[0]
    assert ts and ts.split(".")[0].isdigit()


async def test_slack_429s_then_success_post_once(bot, fake_slack, slack_settings):  # noqa: F811
    subscribe(bot, "slack:C0SCHED")
    # More 429s than slack_sdk's own retry handler absorbs (it sleeps Retry-After for real: 0 here),
    # so the scheduler's backoff (recorded, not slept) takes the rest.
    fake_slack.fail("chat.postMessage", status=429, retry_after=0, times=5)
    sleeps = Sleeps()
    scheduler = scheduler_for(bot, {"slack": SlackPoster(web_client(slack_settings))}, sleeps)
    assert await scheduler.run_due() == {"sent": 1}
    assert len(fake_slack.calls_to("chat.postMessage")) == 6  # five 429s, one message
    assert sleeps == [1.0]
    assert bot.db.execute("SELECT status, attempts FROM posts").fetchone() == ("sent", 2)
    assert await scheduler.run_due() == {}
    assert len(fake_slack.calls_to("chat.postMessage")) == 6


@pytest.mark.parametrize("error", ["not_in_channel", "is_archived", "channel_not_found"])
async def test_slack_permanent_error_marks_the_channel(bot, fake_slack, slack_settings, error):  # noqa: F811
    subscribe(bot, "slack:C0GONE")
    subscribe(bot, "slack:C0FINE")
    fake_slack.error("chat.postMessage", error)  # the first post fails, whichever channel it is for
    scheduler = scheduler_for(bot, {"slack": SlackPoster(web_client(slack_settings))})
    outcome = await scheduler.run_due()
    assert outcome == {"sent": 1, "failed": 1}
    failed_channel = fake_slack.calls_to("chat.postMessage")[0].args["channel"]
    failing = subscriptions.get(bot.db, f"slack:{failed_channel}")
    assert failing.failures == 1 and error in failing.last_error
    reply = bot.tips_command(Actor("slack", "UMEMBER", failed_channel), "schedule")
    assert "failing here" in reply.text and error in reply.text
    assert len(fake_slack.calls_to("chat.postMessage")) == 2  # no retry of a permanent error


async def test_slack_tips_subscribe_through_the_bolt_app(slack_http, slack_bot):  # noqa: F811
    """Signed `/tips subscribe …` slash commands: a moderator saves, a member is refused, bad input explains."""
    status, _ = await slack_http.command("/tips", "subscribe 09:00 Europe/Berlin weekdays", user="UMEMBER",
                                         channel="C0TEAM", response="member")
    assert status == 200
    await slack_http.command("/tips", "subscribe 09:00 Europe/Berln", user="UMOD", channel="C0TEAM",
                             response="typo")
    await slack_http.command("/tips", "subscribe 09:00 Europe/Berlin weekdays mentors", user="UMOD",
                             channel="C0TEAM", response="ok")
    await slack_http.command("/tips", "schedule", user="UMEMBER", channel="C0TEAM", response="show")
    calls = await slack_http.fake.wait_for("response", 4)
    by_url = {c.path.rsplit("/", 1)[1]: "\n".join(message_texts(c.args)) for c in calls}
    assert "only moderators" in by_url["member"]
    assert "Did you mean Europe/Berlin" in by_url["typo"] and "Nothing was saved." in by_url["typo"]
    assert "every weekday (Mon–Fri) at 09:00 (Europe/Berlin), on mentors" in by_url["ok"]
    assert "Next post:" in by_url["show"]
    sub = subscriptions.get(slack_bot.db, "slack:C0TEAM")
    assert (sub.platform, sub.channel_id, sub.days, sub.topics, sub.created_by) == (
        "slack", "C0TEAM", "weekdays", ("mentors",), "slack:UMOD")


# -- Discord ---------------------------------------------------------------------------------
async def test_discord_post_arrives_with_the_hack_embed(bot, fake_discord, discord_client):  # noqa: F811
    subscribe(bot, f"discord:{CHANNEL_ID}")
    tip = hostile_quote(bot, f"discord:{CHANNEL_ID}")
    scheduler = scheduler_for(bot, {"discord": DiscordPoster(discord_client)})
    assert await scheduler.run_due() == {"sent": 1}
    [call] = fake_discord.calls_to("POST", DISCORD_MESSAGES)
    assert footers(call.sent) == [tip]
    card = bot.hack(f"discord:{CHANNEL_ID}", MONDAY_9_BERLIN.date()).cards[0]
    shown = text_of(call.sent)
    for part in (card.title, card.speaker, card.stamp):
        assert part in shown, part
    assert_no_pings(call)
    assert not call.sent.get("flags")  # a normal channel message
    assert call.custom_ids == ["cb:followup", f"cb:fb:up:{tip}", f"cb:fb:down:{tip}"]
    ref = bot.db.execute("SELECT message_ref FROM posts").fetchone()[0]
    assert ref == call.message["id"]


async def test_discord_429_then_success_posts_once(bot, fake_discord, discord_client):  # noqa: F811
    subscribe(bot, f"discord:{CHANNEL_ID}")
    fake_discord.rate_limit_next("POST", DISCORD_MESSAGES, retry_after=0.01)
    scheduler = scheduler_for(bot, {"discord": DiscordPoster(discord_client)})
    assert await scheduler.run_due() == {"sent": 1}
    statuses = [c.status for c in fake_discord.calls_to("POST", DISCORD_MESSAGES)]
    assert statuses == [429, 200]
    assert await scheduler.run_due() == {}


async def test_discord_long_rate_limit_goes_back_to_the_scheduler(bot, fake_discord, discord_client):  # noqa: F811
    subscribe(bot, f"discord:{CHANNEL_ID}")
    fake_discord.rate_limit_next("POST", DISCORD_MESSAGES, retry_after=90.0)
    sleeps = Sleeps()
    scheduler = scheduler_for(bot, {"discord": DiscordPoster(discord_client)}, sleeps)
    assert await scheduler.run_due() == {"sent": 1}
    assert sleeps == [90.0]
    assert [c.status for c in fake_discord.calls_to("POST", DISCORD_MESSAGES)] == [429, 200]


async def test_discord_permanent_error_marks_the_channel(bot, fake_discord, discord_client):  # noqa: F811
    subscribe(bot, f"discord:{CHANNEL_ID}")
    fake_discord.fail_next("POST", DISCORD_MESSAGES, 403, {"message": "Missing Access", "code": 50001})
    scheduler = scheduler_for(bot, {"discord": DiscordPoster(discord_client)})
    assert await scheduler.run_due() == {"failed": 1}
    failing = subscriptions.get(bot.db, f"discord:{CHANNEL_ID}")
    assert failing.failures == 1 and "Missing Access" in failing.last_error
    assert len(fake_discord.calls_to("POST", DISCORD_MESSAGES)) == 1
    assert bot.db.execute("SELECT status FROM posts").fetchone() == ("failed",)
    assert await scheduler.run_due(MONDAY_9_BERLIN + dt.timedelta(hours=1)) == {}
