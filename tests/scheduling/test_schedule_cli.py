"""`careerbot schedule add|list|remove|pause|resume` and `careerbot hack --json --channel --date`."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from click.testing import CliRunner

from bot.cli import cli
from bot.core import subscriptions
from bot.core.actors import Actor
from bot.core.service import CareerBot
from bot.scheduler import DailyScheduler
from bot.store import open_db

from .conftest import FAST, RecordingPoster, Sleeps

TOKENS = ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "DISCORD_TOKEN", "CAREERBOT_DB")


@pytest.fixture
def run(db_file, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no .env from the checkout
    for name in TOKENS:
        monkeypatch.delenv(name, raising=False)

    def invoke(*args: str):
        return CliRunner().invoke(cli, ["--db", str(db_file), *args], catch_exceptions=False)

    return invoke


def test_add_list_pause_remove(run):
    added = run("schedule", "add", "slack:C0123ABC", "--time", "9:00", "--timezone", "europe/berlin",
                "--days", "mon-fri", "--topics", "mentors,interviews")
    assert added.exit_code == 0, added.output
    assert "slack:C0123ABC: every weekday (Mon–Fri) at 09:00 (Europe/Berlin), on mentors, interviews" in added.output
    assert run("schedule", "add", "discord:123456789012345678", "--time", "17:30",
               "--timezone", "America/New_York").exit_code == 0
    listed = run("schedule", "list").output.splitlines()
    assert listed[0].startswith("discord:123456789012345678") and "next " in listed[0]
    assert listed[1].startswith("slack:C0123ABC") and "mentors,interviews" in listed[1]
    assert run("schedule", "pause", "slack:C0123ABC").exit_code == 0
    rows = json.loads(run("schedule", "list", "--json").output)
    assert [(r["channel"], r["paused"], r["next_post"] is None) for r in rows] == [
        ("discord:123456789012345678", False, False), ("slack:C0123ABC", True, True)]
    assert run("schedule", "resume", "C0123ABC").exit_code == 0  # a bare id resolves to its subscription
    removed = run("schedule", "remove", "discord:123456789012345678")
    assert removed.exit_code == 0 and "removed" in removed.output
    assert [r["channel"] for r in json.loads(run("schedule", "list", "--json").output)] == ["slack:C0123ABC"]
    gone = run("schedule", "remove", "discord:123456789012345678")
    assert gone.exit_code == 1 and "not subscribed" in gone.output


def test_every_schedule_change_from_the_shell_is_audited(run, db_file, monkeypatch):
    """As in chat: who (cli:<login>), what, and the subscription before and after (`content history`)."""
    monkeypatch.setattr("getpass.getuser", lambda: "ops")
    run("schedule", "add", "slack:C0123ABC", "--time", "09:00", "--timezone", "UTC", "--days", "weekdays")
    run("schedule", "add", "slack:C0123ABC", "--time", "10:30", "--timezone", "UTC")  # changes the time only
    run("schedule", "pause", "C0123ABC")
    run("schedule", "resume", "C0123ABC")
    run("schedule", "remove", "slack:C0123ABC")
    assert run("schedule", "remove", "slack:C0123ABC").exit_code == 1  # nothing changed, nothing recorded
    db = open_db(db_file)
    rows = [(actor, action, json.loads(before) if before else None, json.loads(after) if after else None)
            for actor, action, before, after in db.execute(
                "SELECT actor, action, before, after FROM audit WHERE entity = 'subscription' ORDER BY id")]
    assert [(actor, action) for actor, action, _, _ in rows] == [
        ("cli:ops", "subscribe"), ("cli:ops", "subscribe"), ("cli:ops", "pause"), ("cli:ops", "resume"),
        ("cli:ops", "unsubscribe")]
    assert rows[0][2] is None and rows[0][3]["days"] == "weekdays"
    assert (rows[1][2]["time"], rows[1][3]["time"], rows[1][3]["days"]) == ("09:00", "10:30", "weekdays")
    assert (rows[2][2]["paused"], rows[2][3]["paused"]) == (False, True)
    assert rows[4][2]["time"] == "10:30" and rows[4][3] is None
    listed = run("content", "history").output
    assert "cli:ops  subscribe slack:C0123ABC: every weekday (Mon–Fri) at 10:30 (UTC)" in listed
    assert "cli:ops  unsubscribe slack:C0123ABC: removed" in listed


@pytest.mark.parametrize("args, message", [
    (["slack:C0123ABC", "--time", "25:00", "--timezone", "UTC"], "not a time"),
    (["slack:C0123ABC", "--time", "09:00", "--timezone", "Berlin"], "not a timezone"),
    (["slack:C0123ABC", "--time", "09:00", "--timezone", "UTC", "--days", "someday"], "not a day"),
    (["slack:C0123ABC", "--time", "09:00", "--timezone", "UTC", "--topics", "cooking"], "not a topic"),
    (["C0123ABC", "--time", "09:00", "--timezone", "UTC"], "not a channel"),
    (["teams:19abc", "--time", "09:00", "--timezone", "UTC"], "Unknown platform"),
])
def test_add_rejects_bad_input_and_saves_nothing(run, args, message):
    result = run("schedule", "add", *args)
    assert result.exit_code == 1
    assert message in result.output and "Nothing was saved." in result.output
    assert "no subscriptions" in run("schedule", "list").output


def test_list_shows_a_failing_channel(run, db_file):
    run("schedule", "add", "slack:C0123ABC", "--time", "09:00", "--timezone", "UTC")
    db = open_db(db_file)
    db.execute("UPDATE subscriptions SET failures = 2, failing_since = '2025-03-03T09:00:00Z', "
               "last_error = 'slack: not_in_channel'")
    db.execute("INSERT INTO posts (channel, date, tip_id, status, error) VALUES "
               "('slack:C0123ABC', '2025-03-03', 'x', 'failed', 'slack: not_in_channel')")
    line = run("schedule", "list").output
    assert "last 2025-03-03 failed" in line
    assert "FAILING since 2025-03-03T09:00:00Z (2x): slack: not_in_channel" in line
    assert json.loads(run("schedule", "list", "--json").output)[0]["failing"] is True


async def test_hack_json_shows_the_tip_the_scheduler_posts(run, db_file, rules):
    """The CLI predicts at the real now, so the scheduler runs over the coming week."""
    run("schedule", "add", "slack:C0123ABC", "--time", "09:00", "--timezone", "Europe/Berlin",
        "--days", "mon,tue,wed,fri,sat,sun")
    db = open_db(db_file)
    sub = subscriptions.get(db, "slack:C0123ABC")
    today = dt.datetime.now(dt.UTC).date()
    days = [today + dt.timedelta(days=i) for i in range(1, 9)]
    predicted = [json.loads(run("hack", "--json", "--channel", "C0123ABC", "--date", d.isoformat()).output)
                 for d in days]
    assert [p["channel"] for p in predicted] == ["slack:C0123ABC"] * 8
    assert [p["date"] for p in predicted] == [d.isoformat() for d in days]
    poster = RecordingPoster()
    now = {"t": dt.datetime.now(dt.UTC)}
    scheduler = DailyScheduler(CareerBot(db, rules=rules), {"slack": poster}, clock=lambda: now["t"],
                               sleep=Sleeps(), pacing=FAST)
    for day in [today, *days]:
        now["t"] = sub.instant(day) + dt.timedelta(minutes=1)
        await scheduler.run_due()
    posted = [p["tip"]["id"] for d, p in zip(days, predicted, strict=True) if d.weekday() != 3]
    assert poster.tips("C0123ABC")[-7:] == posted and len(set(posted)) == 7
    thursday = next(p for d, p in zip(days, predicted, strict=True) if d.weekday() == 3)
    assert thursday["tip"]["id"] in posted  # not a post day: /hack shows the next post day's tip
    after = json.loads(run("hack", "--json", "--channel", "slack:C0123ABC", "--date", days[2].isoformat()).output)
    assert after == predicted[2]


@pytest.mark.parametrize("option, value, message", [
    ("--days", "", "No days given"),
    ("--days", " , ", "No days given"),
    ("--topics", ",", "No topics given"),
    ("--topics", "", "No topics given"),
])
def test_add_refuses_empty_days_and_topics_as_chat_does(run, db_file, option, value, message):
    """One rule (subscriptions.save) for `/tips subscribe … days:` in chat and `--days ""` here."""
    run("schedule", "add", "slack:C0123ABC", "--time", "09:00", "--timezone", "UTC", "--days", "weekdays",
        "--topics", "mentors")
    before = subscriptions.get(open_db(db_file), "slack:C0123ABC")
    result = run("schedule", "add", "slack:C0123ABC", "--time", "10:00", "--timezone", "UTC", option, value)
    assert result.exit_code == 1
    assert message in result.output and "Nothing was saved." in result.output
    assert subscriptions.get(open_db(db_file), "slack:C0123ABC") == before


def test_pause_and_resume_that_change_nothing_say_so_and_record_nothing(run, db_file):
    run("schedule", "add", "slack:C0123ABC", "--time", "09:00", "--timezone", "UTC")
    assert run("schedule", "pause", "C0123ABC").output == "paused slack:C0123ABC\n"
    twice = run("schedule", "pause", "C0123ABC")
    assert twice.exit_code == 0 and twice.output == "nothing to do: slack:C0123ABC is already paused\n"
    assert run("schedule", "resume", "C0123ABC").output == "resumed slack:C0123ABC\n"
    assert run("schedule", "resume", "C0123ABC").output == "nothing to do: slack:C0123ABC is already running\n"
    actions = [a for (a,) in open_db(db_file).execute("SELECT action FROM audit WHERE entity = 'subscription'")]
    assert actions == ["subscribe", "pause", "resume"]


def test_add_warns_when_the_topics_hold_less_than_a_week_of_tips(run):
    thin = run("schedule", "add", "slack:C0123ABC", "--time", "09:00", "--timezone", "UTC", "--topics", "saying-no")
    assert thin.exit_code == 0 and thin.stdout.startswith("slack:C0123ABC: every day at 09:00 (UTC), on saying-no")
    assert thin.stderr == ("warning: saying-no has only 2 tips, so each comes back every 2 posts: add topics, or use "
                           "all, for more variety.\n")
    plenty = run("schedule", "add", "slack:C0123ABC", "--time", "09:00", "--timezone", "UTC", "--topics", "mentors")
    assert plenty.exit_code == 0 and plenty.stderr == ""


def test_rerunning_add_keeps_what_is_not_given_and_prints_before_and_after(run, db_file):
    first = run("schedule", "add", "slack:C0123ABC", "--time", "09:00", "--timezone", "Europe/Berlin",
                "--days", "weekdays", "--topics", "mentors,interviews")
    assert "(new subscription)" in first.output
    again = run("schedule", "add", "slack:C0123ABC", "--time", "10:30", "--timezone", "Europe/Berlin")
    assert again.exit_code == 0, again.output
    assert again.output.startswith("slack:C0123ABC: time 09:00 → 10:30 (now every weekday (Mon–Fri) at 10:30 "
                                   "(Europe/Berlin), on mentors, interviews)")
    sub = subscriptions.get(open_db(db_file), "slack:C0123ABC")
    assert (sub.time, sub.days, sub.topics) == ("10:30", "weekdays", ("mentors", "interviews"))
    same = run("schedule", "add", "slack:C0123ABC", "--time", "10:30", "--timezone", "Europe/Berlin")
    assert same.output.startswith("slack:C0123ABC: unchanged: every weekday")
    run("schedule", "pause", "C0123ABC")
    cleared = run("schedule", "add", "slack:C0123ABC", "--time", "10:30", "--timezone", "Europe/Berlin",
                  "--topics", "all", "--days", "daily")
    assert "days weekdays → daily, topics mentors,interviews → all, resumed (it was paused)" in cleared.output
    sub = subscriptions.get(open_db(db_file), "slack:C0123ABC")
    assert (sub.days, sub.topics, sub.paused) == ("daily", (), False)


def test_hack_for_a_channel_without_subscription_warns_naming_the_known_ones(run):
    """A typo must not pass unseen, yet `hack --json --channel ID` keeps its contract (architecture.md):
    the tip that id would get, on stdout, with the warning on stderr."""
    run("schedule", "add", "slack:C0123ABC", "--time", "09:00", "--timezone", "UTC")
    run("schedule", "add", "discord:123456789012345678", "--time", "09:00", "--timezone", "UTC")
    for typo, key in (("C0123ABX", "console:C0123ABX"), ("slack:C0123ABX", "slack:C0123ABX")):
        result = run("hack", "--json", "--channel", typo, "--date", "2025-03-07")
        assert result.exit_code == 0
        assert result.stderr.startswith(f"warning: '{typo}' is not subscribed; subscribed channels: "
                                        "discord:123456789012345678, slack:C0123ABC")
        data = json.loads(result.stdout)
        assert data["channel"] == key and data["tip"]["id"]
    known = run("hack", "--channel", "C0123ABC")  # a bare id of a subscribed channel
    assert "Career hack for" in known.output and not known.stderr
    channel_less = run("hack", "--json", "--date", "2025-03-07")  # the hack of no subscription
    assert channel_less.exit_code == 0 and json.loads(channel_less.output)["tip"]["id"]
    paused = run("schedule", "pause", "slack:C0123ABX")
    assert paused.exit_code == 1 and "subscribed channels: discord:123456789012345678, slack:C0123ABC" in paused.output


async def test_a_stored_timezone_the_host_lacks_is_reported_and_the_other_channels_carry_on(
        run, db_file, rules, caplog):
    """A database from a host with a newer tzdata (say): list, hack and the scheduler crashed on it."""
    run("schedule", "add", "slack:C0123ABC", "--time", "09:00", "--timezone", "UTC")
    run("schedule", "add", "slack:C0MARS", "--time", "09:00", "--timezone", "UTC")
    db = open_db(db_file)
    db.execute("UPDATE subscriptions SET timezone = 'Mars/Olympus_Mons' WHERE channel = 'slack:C0MARS'")
    why = "its timezone “Mars/Olympus_Mons” is not known on this host: subscribe it again"
    listed = run("schedule", "list")
    assert listed.exit_code == 0
    mars, fine = sorted(listed.output.splitlines(), reverse=True)
    assert mars.startswith("slack:C0MARS") and f"NOT POSTED: {why}" in mars and "next " in fine
    rows = {r["channel"]: r for r in json.loads(run("schedule", "list", "--json").output)}
    assert why in rows["slack:C0MARS"]["problem"] and rows["slack:C0MARS"]["next_post"] is None
    assert rows["slack:C0123ABC"]["problem"] is None
    hack = run("hack", "--json", "--channel", "slack:C0MARS", "--date", "2025-03-07")
    assert hack.exit_code == 0 and json.loads(hack.stdout)["tip"]["id"]
    assert hack.stderr.startswith(f"warning: slack:C0MARS: not posted: {why}")
    assert run("hack", "--channel", "C0MARS").exit_code == 0  # today, reckoned in UTC
    bot = CareerBot(db, rules=rules)
    shown = subscriptions.schedule(bot, Actor("slack", "UMOD", "C0MARS"))
    assert f"⚠ Not posted: {why}" in shown.text
    poster = RecordingPoster()
    now = dt.datetime.now(dt.UTC).replace(hour=9, minute=1)
    scheduler = DailyScheduler(bot, {"slack": poster}, clock=lambda: now, sleep=Sleeps(), pacing=FAST)
    with caplog.at_level("WARNING", logger="bot.scheduler"):
        await scheduler.run_due(now + dt.timedelta(days=1))
        await scheduler.run_due(now + dt.timedelta(days=2))
    assert [c for c, _ in poster.sent] == ["C0123ABC", "C0123ABC"]
    assert [r.getMessage().startswith(f"slack:C0MARS: not posted: {why}") for r in caplog.records] == [True]


@pytest.mark.parametrize("date, message", [
    ("2026-02-30", "'2026-02-30' is not a real date: February 2026 has 28 days"),
    ("2026-04-31", "'2026-04-31' is not a real date: April 2026 has 30 days"),
    ("2026-13-01", "'2026-13-01' is not a real date: there is no month 13"),
    ("2026-3-7", "'2026-3-7' is not a date: write YYYY-MM-DD, such as 2026-03-07"),
])
def test_hack_says_a_date_that_does_not_exist_is_not_a_real_date(run, date, message):
    """QA: 2026-02-30 was said not to "match the format", though it does."""
    result = run("hack", "--date", date)
    assert result.exit_code == 2 and message in result.output and "does not match" not in result.output
    assert run("hack", "--json", "--date", "2024-02-29").exit_code == 0


def test_a_console_subscription_is_listed_as_never_posted(run):
    """No scheduler posts to the console: the listing must not promise a next post there."""
    added = run("schedule", "add", "console:local", "--time", "09:00", "--timezone", "UTC")
    assert "never posted (the console has no scheduler)" in added.output and "next post" not in added.output
    run("schedule", "add", "slack:C0123ABC", "--time", "09:00", "--timezone", "UTC")
    console, slack = run("schedule", "list").output.splitlines()
    assert console.endswith("never posted (the console has no scheduler)") and "next " in slack
    rows = json.loads(run("schedule", "list", "--json").output)
    assert [(r["posted"], r["next_post"] is None) for r in rows] == [(False, True), (True, False)]
