"""`/tips subscribe|unsubscribe|pause|resume|schedule`: parsing, storage, refusals, clear errors."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.core import subscriptions
from bot.core.actors import Actor
from bot.core.subscriptions import ScheduleError, parse_days, parse_time, parse_timezone

from .conftest import utc


def rows(db):
    return list(db.query("SELECT channel, platform, channel_id, time, timezone, days, topics, paused FROM subscriptions"))


@pytest.mark.parametrize("text, expected", [
    ("09:00 Europe/Berlin weekdays", ("09:00", "Europe/Berlin", "weekdays", "")),
    ("09:00 Europe/Berlin", ("09:00", "Europe/Berlin", "daily", "")),
    ("time:09:00 timezone:Europe/Berlin days:mon,wed,fri", ("09:00", "Europe/Berlin", "mon,wed,fri", "")),
    ("9am europe/berlin mon-fri mentors interviews", ("09:00", "Europe/Berlin", "weekdays", "mentors interviews")),
    ("5:30pm America/New_York tue thu topics:kaggle,mentors", ("17:30", "America/New_York", "tue,thu", "kaggle mentors")),
    ("time:7:05 tz:UTC days:weekends", ("07:05", "UTC", "weekends", "")),
])
def test_subscribe_text_forms_save_the_channel(bot, moderator, text, expected):
    reply = bot.tips_command(moderator, f"subscribe {text}")
    assert reply.kind == "info", reply.as_text()
    assert rows(bot.db) == [dict(zip(("channel", "platform", "channel_id", "time", "timezone", "days", "topics",
                                       "paused"), ("slack:C1", "slack", "C1", *expected, 0), strict=True))]
    assert "Next post:" in reply.text


@pytest.mark.parametrize("text, needle", [
    ("25:00 Europe/Berlin", "not a time"),
    ("9:75 Europe/Berlin", "not a time"),
    ("13pm Europe/Berlin", "not a time"),
    ("9 Europe/Berlin", "not a time"),
    ("09:00 Mars/Olympus_Mons", "not a timezone"),
    ("09:00 Europe/Berln", "Did you mean Europe/Berlin"),
    ("09:00 Europe/Berlin funday", "not a topic"),
    ("09:00 Europe/Berlin days:mon,funday", "not a day"),
    ("09:00 Europe/Berlin days:", "No days given"),
    ("09:00 Europe/Berlin topics:,", "No topics given"),
    ("09:00 Europe/Berlin topics:", "No topics given"),
    ("09:00", "Which timezone"),
    ("Europe/Berlin", "Which time"),
    ("", "Which time"),
    ("09:00 Europe/Berlin " + "x" * 600, "too long"),
    ("<!channel> @everyone 09:00 Europe/Berlin", "not a topic"),
    ("09:00 ../../etc/passwd", "not a timezone"),
    ("\x00\xff\ufffd 09:00 UTC", "not a topic"),
])
def test_bad_schedule_gets_a_clear_error_and_saves_nothing(bot, moderator, text, needle):
    bot.tips_command(moderator, "subscribe 08:15 Asia/Tokyo")
    before = rows(bot.db)
    reply = bot.tips_command(moderator, f"subscribe {text}")
    assert reply.kind == "error"
    assert needle in reply.text and "Nothing was saved." in reply.text
    assert rows(bot.db) == before  # the earlier subscription is untouched


def test_members_are_refused_every_change_but_may_look(bot, member, moderator):
    for command in ("subscribe 09:00 Europe/Berlin", "unsubscribe", "pause", "resume"):
        reply = bot.tips_command(member, command)
        assert reply.kind == "refused", command
        assert "Nothing was changed" in reply.text
    assert rows(bot.db) == []
    assert "isn't subscribed" in bot.tips_command(member, "schedule").text
    bot.tips_command(moderator, "subscribe 09:00 Europe/Berlin weekdays")
    reply = bot.tips_command(Actor("slack", "UMEMBER", "C1"), "schedule")
    assert reply.kind == "info" and "every weekday (Mon–Fri) at 09:00 (Europe/Berlin)" in reply.text


def test_typed_functions_check_moderators_themselves(bot):
    """The Discord front end calls these directly with typed options."""
    outsider = Actor("discord", "42", "1234", roles=frozenset({"everyone"}))
    assert subscriptions.subscribe(bot, outsider, time="09:00", timezone="UTC").kind == "refused"
    mod = Actor("discord", "43", "1234", roles=frozenset({"moderators"}))
    reply = subscriptions.subscribe(bot, mod, time="21:30", timezone="Asia/Kolkata", days="mon,wed,fri",
                                    topics=["mentors"], now=utc(2025, 3, 3, 12, 0))
    assert reply.kind == "info"
    assert "Next post: Monday 3 March, 21:30 Asia/Kolkata." in reply.text
    assert subscriptions.get(bot.db, "discord:1234").topics == ("mentors",)
    assert subscriptions.pause(bot, outsider).kind == "refused"
    assert subscriptions.unsubscribe(bot, mod).kind == "info"
    assert subscriptions.get(bot.db, "discord:1234") is None


def test_pause_resume_unsubscribe_and_schedule(bot, moderator):
    assert bot.tips_command(moderator, "pause").title == "Not subscribed"
    bot.tips_command(moderator, "subscribe 09:00 Europe/Berlin")
    assert bot.tips_command(moderator, "pause").title == "Paused"
    shown = bot.tips_command(moderator, "schedule")
    assert "Paused" in shown.text and "Next post" not in shown.text
    assert shown.data["subscription"]["next_post"] is None
    assert bot.tips_command(moderator, "resume").title == "Resumed"
    assert "Next post" in bot.tips_command(moderator, "schedule").text
    assert bot.tips_command(moderator, "unsubscribe").title == "Unsubscribed"
    assert bot.tips_command(moderator, "unsubscribe").title == "Not subscribed"
    actions = [a for (a,) in bot.db.execute("SELECT action FROM audit WHERE entity = 'subscription' ORDER BY id")]
    assert actions == ["subscribe", "pause", "resume", "unsubscribe"]


def test_pausing_a_paused_channel_or_resuming_a_running_one_changes_and_records_nothing(bot, moderator):
    bot.tips_command(moderator, "subscribe 09:00 Europe/Berlin")
    assert bot.tips_command(moderator, "resume").title == "Nothing to do"  # it is running
    assert bot.tips_command(moderator, "pause").title == "Paused"
    again = bot.tips_command(moderator, "pause")
    assert again.title == "Nothing to do" and "already paused" in again.text
    assert subscriptions.get(bot.db, "slack:C1").paused
    assert bot.tips_command(moderator, "resume").title == "Resumed"
    assert "already running" in bot.tips_command(moderator, "resume").text
    actions = [a for (a,) in bot.db.execute("SELECT action FROM audit WHERE entity = 'subscription' ORDER BY id")]
    assert actions == ["subscribe", "pause", "resume"]


def test_subscribing_to_topics_with_few_tips_says_they_repeat(bot, moderator):
    """QA: a topic with one tip posts it every day, two alternate; fewer than a week's worth gets a note."""
    one = bot.tips_command(moderator, "subscribe 09:00 UTC age")
    assert one.title == "Daily career hack scheduled"
    assert one.text.splitlines()[-1] == "Note: age has only one tip, so it would be posted every day: add topics, or use all."
    two = bot.tips_command(moderator, "subscribe 09:00 UTC topics:saying-no")
    assert two.text.splitlines()[-1] == ("Note: saying-no has only 2 tips, so each comes back every 2 posts: add "
                                         "topics, or use all, for more variety.")
    three = bot.tips_command(moderator, "subscribe 09:00 UTC saying-no age")
    assert "Note: saying-no, age have only 3 tips" in three.text
    for plenty in ("subscribe 09:00 UTC mentors", "subscribe 09:00 UTC topics:all"):
        assert "Note:" not in bot.tips_command(moderator, plenty).text


def test_schedule_shows_next_post_in_local_time_and_failures(bot, moderator):
    subscriptions.save(bot.db, "slack:C1", time="09:00", timezone="Europe/Berlin", days="weekdays",
                       now=utc(2025, 3, 1))
    bot.db.execute("UPDATE subscriptions SET failures = 3, failing_since = '2025-03-05T08:00:00Z', "
                   "last_error = 'slack: not_in_channel'")
    reply = subscriptions.schedule(bot, moderator, now=utc(2025, 3, 7, 9, 0))  # Friday 10:00 in Berlin
    assert "Next post: Monday 10 March, 09:00 Europe/Berlin." in reply.text
    assert "failing here since 2025-03-05T08:00:00Z (3 failed attempts): slack: not_in_channel" in reply.text
    assert reply.data["subscription"]["next_post"] == "2025-03-10T08:00:00Z"


@pytest.mark.parametrize("text, expected", [
    ("09:00", "09:00"), ("9:05", "09:05"), ("23:59", "23:59"), ("0:00", "00:00"), ("9am", "09:00"),
    ("12am", "00:00"), ("12pm", "12:00"), ("5:30 PM", "17:30"), ("11:15p.m.", "23:15"),
])
def test_parse_time(text, expected):
    assert parse_time(text) == expected


@pytest.mark.parametrize("text", ["24:00", "9", "nine", "", "9:5", "-1:00", "09:00:00", "0pm"])
def test_parse_time_rejects(text):
    with pytest.raises(ScheduleError):
        parse_time(text)


@pytest.mark.parametrize("text, expected", [
    ("daily", "daily"), ("weekdays", "weekdays"), ("Mon-Fri", "weekdays"), ("sat,sun", "weekends"),
    ("mon,wed,fri", "mon,wed,fri"), ("Friday Monday wed", "mon,wed,fri"), ("fri-mon", "mon,fri,sat,sun"),
    ("tue thu", "tue,thu"), ("weekends mon", "mon,sat,sun"), ("mon-sun", "daily"),
])
def test_parse_days(text, expected):
    assert parse_days(text) == expected


def test_parse_timezone_is_case_insensitive_and_canonical():
    assert parse_timezone("america/new_york") == "America/New_York"
    assert parse_timezone(" UTC ") == "UTC"
    with pytest.raises(ScheduleError, match="not a timezone"):
        parse_timezone("Berlin")


@pytest.mark.parametrize("text", ["localtime", "Factory", "factory", "posixrules", "posix/Europe/Berlin",
                                  "right/UTC"])
def test_parse_timezone_takes_only_iana_zones(text):
    """zoneinfo loads these files too (`localtime` is whatever the host is set to), but none is an IANA zone."""
    with pytest.raises(ScheduleError, match="not a timezone I know"):
        parse_timezone(text)
    assert text not in subscriptions.timezone_names()
    assert parse_timezone("US/Eastern") == "US/Eastern" and parse_timezone("etc/gmt+5") == "Etc/GMT+5"


def test_channel_keys_are_checked():
    assert subscriptions.parse_channel("slack:C0123ABC") == ("slack", "C0123ABC")
    assert subscriptions.parse_channel("discord:123456789012345678") == ("discord", "123456789012345678")
    for bad in ("C0123", "slack:", "slack:c-lower", "discord:abc", "irc:#chan", "slack:C1 <!channel>"):
        with pytest.raises(ScheduleError):
            subscriptions.parse_channel(bad)


def test_next_post_and_due_days_follow_the_local_calendar():
    sub = subscriptions.Subscription("slack:C1", "slack", "C1", "09:00", "Europe/Berlin", "mon,wed,fri",
                                     since=utc(2025, 3, 3, 0, 0))
    assert sub.next_post(utc(2025, 3, 3, 8, 0)) == utc(2025, 3, 5, 8, 0)  # Monday 09:00 is not after itself
    assert sub.next_post(utc(2025, 3, 3, 7, 59)) == utc(2025, 3, 3, 8, 0)
    due = list(sub.due_days(utc(2025, 3, 10, 8, 0), dt.timedelta(days=14)))
    assert due == [dt.date(2025, 3, 3), dt.date(2025, 3, 5), dt.date(2025, 3, 7), dt.date(2025, 3, 10)]
