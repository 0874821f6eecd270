"""`/tips subscribe|unsubscribe|pause|resume|schedule` on Discord: typed options through the real client."""

from __future__ import annotations

import zoneinfo

import pytest

from tests.discord.fakes import CHANNEL_ID, MANAGE_GUILD
from tests.discord.helpers import EPHEMERAL, assert_no_pings, text_of

CHANNEL = f"discord:{CHANNEL_ID}"


def rows(bot) -> list[dict]:
    return list(bot.db.query("SELECT * FROM subscriptions WHERE channel = ?", [CHANNEL]))


@pytest.fixture
def moderator(fake_discord):
    return fake_discord.member(permissions=MANAGE_GUILD)


@pytest.fixture
def run(fake_discord, interact, moderator):
    """Run `/tips <sub> option:value…` as a moderator (or `member=`); return the final reply."""

    async def go(sub: str, member: dict | None = None, **options):
        calls = await interact(fake_discord.command("tips", sub, member=member or moderator, **options),
                               n=2 if member is None else 1)
        reply = calls[-1]
        assert reply.sent["flags"] & EPHEMERAL
        assert_no_pings(reply)
        return reply

    return go


async def test_subscribe_saves_the_row_and_shows_the_next_post(run, bot):
    reply = await run("subscribe", time="09:00", timezone="europe/berlin", days="mon,wed,fri",
                      topics="mentors, interviews")
    assert reply.sent["content"] == "**Daily career hack scheduled**"
    text = text_of(reply.sent)
    assert "every Mon, Wed, Fri at 09:00 (Europe/Berlin), on mentors, interviews" in text
    assert "Next post: " in text and "09:00 Europe/Berlin" in text
    [row] = rows(bot)
    assert (row["platform"], row["channel_id"], row["time"], row["timezone"], row["days"], row["topics"],
            row["paused"]) == ("discord", CHANNEL_ID, "09:00", "Europe/Berlin", "mon,wed,fri", "mentors interviews", 0)
    audit = bot.db.execute("SELECT action, platform FROM audit WHERE entity = 'subscription'").fetchall()
    assert audit == [("subscribe", "discord")]


async def test_days_default_to_daily(run, bot):
    await run("subscribe", time="5:30pm", timezone="UTC")
    [row] = rows(bot)
    assert (row["time"], row["days"], row["topics"]) == ("17:30", "daily", "")


@pytest.mark.parametrize("options, reason", [
    ({"time": "25:00", "timezone": "Europe/Berlin"}, "“25:00” is not a time"),
    ({"time": "nine", "timezone": "Europe/Berlin"}, "“nine” is not a time"),
    ({"time": "09:00", "timezone": "Europe/Berln"}, "Did you mean Europe/Berlin"),
    ({"time": "09:00", "timezone": "Mars/Olympus"}, "“Mars/Olympus” is not a timezone I know"),
    ({"time": "09:00", "timezone": "UTC", "days": "mon,funday"}, "“funday” is not a day"),
    ({"time": "09:00", "timezone": "UTC", "topics": "astrology"}, "“astrology” is not a topic"),
])
async def test_bad_input_gets_a_clear_error_and_saves_nothing(run, bot, options, reason):
    reply = await run("subscribe", **options)
    assert reply.sent["content"] == "**Not subscribed**"
    assert reason in text_of(reply.sent)
    assert "Nothing was saved." in text_of(reply.sent)
    assert rows(bot) == []


async def test_bad_input_leaves_an_existing_subscription_as_it_was(run, bot):
    await run("subscribe", time="09:00", timezone="Europe/Berlin", days="weekdays")
    before = rows(bot)
    await run("subscribe", time="09:00", timezone="Nowhere/Land")
    assert rows(bot) == before


@pytest.mark.parametrize("sub, options", [
    ("subscribe", {"time": "09:00", "timezone": "Europe/Berlin"}),
    ("unsubscribe", {}), ("pause", {}), ("resume", {}),
])
async def test_members_are_refused_and_nothing_changes(fake_discord, run, bot, sub, options):
    if sub != "subscribe":
        await run("subscribe", time="09:00", timezone="Europe/Berlin")
    before = rows(bot)
    reply = await run(sub, member=fake_discord.member(), **options)
    assert reply.json["type"] == 4  # refused at once
    assert reply.sent["content"] == "**Moderators only**"
    assert "Nothing was changed." in text_of(reply.sent)
    assert rows(bot) == before


async def test_pause_resume_and_unsubscribe_change_the_row(run, bot):
    await run("subscribe", time="08:15", timezone="Asia/Kolkata", days="weekdays")
    reply = await run("pause")
    assert reply.sent["content"] == "**Paused**"
    assert rows(bot)[0]["paused"] == 1
    reply = await run("resume")
    assert reply.sent["content"] == "**Resumed**"
    assert "every weekday (Mon–Fri) at 08:15 (Asia/Kolkata)" in text_of(reply.sent)
    assert rows(bot)[0]["paused"] == 0
    reply = await run("unsubscribe")
    assert reply.sent["content"] == "**Unsubscribed**"
    assert rows(bot) == []
    reply = await run("pause")
    assert reply.sent["content"] == "**Not subscribed**"
    actions = [a for (a,) in bot.db.execute("SELECT action FROM audit WHERE entity = 'subscription' ORDER BY id")]
    assert actions == ["subscribe", "pause", "resume", "unsubscribe"]


async def test_schedule_shows_the_settings_to_anyone(fake_discord, interact, run, bot):
    async def schedule() -> str:
        [call] = await interact(fake_discord.command("tips", "schedule"))  # a plain member, answered at once
        assert call.json["type"] == 4 and call.sent["flags"] & EPHEMERAL
        return text_of(call.sent)

    assert "This channel isn't subscribed." in await schedule()
    await run("subscribe", time="07:45", timezone="America/Chicago", days="weekends")
    text = await schedule()
    assert "Schedule: every Saturday and Sunday at 07:45 (America/Chicago)." in text
    assert "Next post: " in text and ("Saturday" in text or "Sunday" in text)
    await run("pause")
    text = await schedule()
    assert "Paused: no posts until a moderator runs /tips resume." in text and "Next post" not in text


async def test_timezone_autocomplete(fake_discord, interact, moderator):
    async def choices(typed: str) -> list[str]:
        payload = fake_discord.autocomplete("tips", "subscribe", focused="timezone", member=moderator,
                                            time="09:00", timezone=typed)
        [call] = await interact(payload)
        assert call.json["type"] == 8
        return [c["value"] for c in call.json["data"]["choices"]]

    europe = await choices("europe/b")
    assert "Europe/Berlin" in europe and all(z.startswith("Europe/B") for z in europe)
    assert len(await choices("")) == 25
    assert "Europe/Berlin" in await choices("berlin")  # no prefix match: by the city
    assert set(await choices("a")) <= zoneinfo.available_timezones()
    assert await choices("zzz-nothing") == []


async def test_topics_autocomplete_completes_the_last_topic(fake_discord, interact, moderator, bot):
    payload = fake_discord.autocomplete("tips", "subscribe", focused="topics", member=moderator,
                                        time="09:00", timezone="UTC", topics="interviews,men")
    [call] = await interact(payload)
    values = [c["value"] for c in call.json["data"]["choices"]]
    assert "interviews,mentors" in values
    assert all(v.startswith("interviews,") and v != "interviews,interviews" for v in values)


async def test_scheduling_subcommands_carry_the_permission_hint(discord_client):
    tips = discord_client.tree.get_command("tips")
    for name in ("subscribe", "unsubscribe", "pause", "resume"):
        command = tips.get_command(name)
        assert command.default_permissions is not None and command.default_permissions.manage_guild
        assert command.checks, f"/tips {name} has no moderator check"
    assert not tips.get_command("schedule").checks
