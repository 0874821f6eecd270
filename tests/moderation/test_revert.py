"""Reverting what is not a tip edit: subscription changes, review decisions, added transcripts, and a
tip change made by `content load`. Each revert puts the thing back exactly, is audited, and is
refused (changing nothing) once a later change stands. Real SQLite, the real scheduler, the real
CLI, console and Slack app."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest

from bot.console import Console
from bot.core import moderation as m
from bot.core import subscriptions
from bot.corpus import review
from bot.corpus.files import read_content
from bot.corpus.loader import load_content
from bot.scheduler import DailyScheduler
from tests.scheduling.conftest import FAST, RecordingPoster, Sleeps
from tests.slack.conftest import slack_bot, slack_http, slack_settings  # noqa: F401 - fixtures
from tests.slack.fakes import message_texts

from ..conftest import CONTENT
from .conftest import META, write_srt

CHANNEL = "slack:C1"  # where the `mod` fixture types
STEM = "advice_talk"
TIP = "choose-a-supportive-social-circle"
FIELDS = {"title": "Finish the small projects you start", "tip": "Build small projects and see each one through.",
          "quote": "you should build small projects and make sure you finish every one of them",
          "topics": "side-projects", "questions": "what projects should I do?\nhow many projects?\n"
                                                  "should I finish my projects?"}


def state(bot) -> dict:
    """Every row a revert may touch, and the tips' status and version."""
    tables = ("subscriptions", "review_queue", "episodes", "cues", "passages", "spoken_words", "audit")
    rows = {t: bot.db.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall() for t in tables}
    return rows | {"tips": bot.db.execute("SELECT id, status, version, title FROM tips ORDER BY id").fetchall()}


def files(root) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


def latest(bot) -> m.Change:
    return m.history(bot, limit=1)[0]


def recorded(bot, change_id: int) -> m.Change:
    return m._changes(bot.db, "WHERE id = ?", [change_id])[0]


def assert_audited(bot, reverted: m.Result, change: m.Change, actor) -> m.Change:
    row = latest(bot)
    assert reverted.ok and reverted.change_id == row.id, reverted.reply.text
    assert (row.action, row.entity, row.entity_id, row.reverts, row.actor) == (
        "revert", change.entity, change.entity_id, change.id, actor.who)
    return row


# -- subscriptions ---------------------------------------------------------------------------------
@pytest.fixture
async def scheduler(bot):
    """The real scheduler, started: its cron jobs follow subscription changes made in this process."""
    running = DailyScheduler(bot, {"slack": RecordingPoster()}, clock=lambda: dt.datetime.now(dt.UTC),
                             sleep=Sleeps(), pacing=FAST)
    await running.start()
    yield running
    await running.stop()


def job_hour(scheduler, channel: str = CHANNEL) -> int:
    return scheduler.jobs()[channel].astimezone(dt.UTC).hour


async def test_revert_a_changed_subscription_puts_it_back_and_the_scheduler_follows(bot, mod, scheduler):
    bot.tips_command(mod, "subscribe 09:00 UTC weekdays mentors")
    before = subscriptions.get(bot.db, CHANNEL)
    bot.tips_command(mod, "subscribe 17:30 UTC daily")
    change = latest(bot)
    assert job_hour(scheduler) == 17
    reverted = m.revert(bot, mod, change.id)
    assert subscriptions.get(bot.db, CHANNEL) == before  # settings, who and since: all as they were
    assert job_hour(scheduler) == 9
    row = assert_audited(bot, reverted, change, mod)
    assert (row.before, row.after) == (change.after, change.before)
    assert "back to: every weekday (Mon–Fri) at 09:00 (UTC), on mentors" in reverted.reply.text


async def test_revert_a_first_subscribe_removes_it_and_reverting_that_re_creates_it(bot, mod, scheduler):
    bot.tips_command(mod, "subscribe 09:00 UTC")
    created, change = subscriptions.get(bot.db, CHANNEL), latest(bot)
    assert change.before is None and set(scheduler.jobs()) == {CHANNEL}
    undo = m.revert(bot, mod, change.id)
    assert subscriptions.get(bot.db, CHANNEL) is None and scheduler.jobs() == {}
    assert_audited(bot, undo, change, mod)
    assert "no longer gets the daily career hack" in undo.reply.text
    again = m.revert(bot, mod, undo.change_id)
    assert again.ok and subscriptions.get(bot.db, CHANNEL) == created and set(scheduler.jobs()) == {CHANNEL}


def test_revert_an_unsubscribe_or_a_pause(bot, mod, discord_mod):
    bot.tips_command(mod, "subscribe 09:00 Europe/Berlin weekdays")
    bot.db.execute("UPDATE subscriptions SET failures = 2, failing_since = '2025-03-03T08:00:00Z', "
                   "last_error = 'slack: is_archived'")
    before = subscriptions.get(bot.db, CHANNEL)
    bot.tips_command(mod, "unsubscribe")
    unsubscribed = latest(bot)
    assert_audited(bot, m.revert(bot, discord_mod, unsubscribed.id), unsubscribed, discord_mod)
    assert subscriptions.get(bot.db, CHANNEL) == before  # re-created as it was, failure warning included
    bot.tips_command(mod, "pause")
    assert subscriptions.get(bot.db, CHANNEL).paused
    assert m.revert(bot, mod, latest(bot).id).ok
    assert subscriptions.get(bot.db, CHANNEL) == before


def test_a_subscription_revert_is_refused_while_a_later_change_stands(bot, mod, member):
    bot.tips_command(mod, "subscribe 09:00 Europe/Berlin")
    subscribed = latest(bot)
    bot.tips_command(mod, "pause")
    paused = latest(bot)
    unchanged = state(bot)
    assert m.revert(bot, member, paused.id).reply.kind == "refused" and state(bot) == unchanged
    refused = m.revert(bot, mod, subscribed.id)
    assert not refused.ok and f"#{paused.id}" in refused.reply.text and "Nothing was changed" in refused.reply.text
    assert state(bot) == unchanged
    assert m.revert(bot, mod, paused.id).ok and m.revert(bot, mod, subscribed.id).ok  # latest first, then it
    assert subscriptions.get(bot.db, CHANNEL) is None


def test_a_subscription_revert_is_refused_while_a_later_change_stands_though_it_reads_the_same(bot, mod):
    """QA: subscribe, pause, resume: the settings read as the subscribe left them, but two changes stand
    since; reverting the subscribe removed the channel's schedule. Undone later changes do not count."""
    bot.tips_command(mod, "subscribe 09:00 Europe/Berlin")
    subscribed = latest(bot)
    bot.tips_command(mod, "pause")
    paused = latest(bot)
    bot.tips_command(mod, "resume")
    resumed = latest(bot)
    unchanged = state(bot)
    refused = m.revert(bot, mod, subscribed.id)
    assert not refused.ok and state(bot) == unchanged
    assert (f"has changed since change #{subscribed.id}: change #{resumed.id} by slack:UMOD stands. Revert that "
            "first. Nothing was changed.") in refused.reply.text
    undo_resume = m.revert(bot, mod, resumed.id)  # paused again: the pause stands, and is the one named
    assert undo_resume.ok and f"change #{paused.id} by" in m.revert(bot, mod, subscribed.id).reply.text
    undo_pause = m.revert(bot, mod, paused.id)
    assert undo_pause.ok and not subscriptions.get(bot.db, CHANNEL).paused
    redo_pause = m.revert(bot, mod, undo_pause.change_id)  # a revert of a revert stands itself
    assert redo_pause.ok and f"change #{redo_pause.change_id} by" in m.revert(bot, mod, subscribed.id).reply.text
    assert m.revert(bot, mod, redo_pause.change_id).ok  # running again: every later change is undone
    assert m.revert(bot, mod, subscribed.id).ok and subscriptions.get(bot.db, CHANNEL) is None


# -- review decisions ------------------------------------------------------------------------------
@pytest.fixture
def candidates(bot, mod, tmp_path, content_dir) -> list[int]:
    """An added transcript's two candidate tips (the bot knows the content directory, as `open_bot` sets it)."""
    bot.content_dir = content_dir
    assert m.add_transcript(bot, mod, write_srt(tmp_path / f"{STEM}.srt"), META, content_dir).ok
    return [item.id for item in review.open_items(bot.db)]


@pytest.mark.parametrize("decide", [m.review_reject, m.review_skip])
def test_revert_a_reject_or_skip_reopens_the_candidate_and_a_revert_of_that_decides_it_again(
        bot, mod, candidates, decide):
    item = candidates[0]
    pending = review.get(bot.db, item)
    decision = decide(bot, mod, item)
    decided = review.get(bot.db, item)
    reopened = m.revert(bot, mod, decision.change_id)
    assert review.get(bot.db, item) == pending  # no one decided, at no time
    assert_audited(bot, reopened, recorded(bot, decision.change_id), mod)
    assert f"Candidate #{item} is pending again" in reopened.reply.text
    assert m.revert(bot, mod, reopened.change_id).ok
    assert review.get(bot.db, item) == decided  # by whom and when, too


def test_a_review_revert_is_refused_once_the_candidate_was_decided_again(bot, mod, discord_mod, candidates):
    item = candidates[0]
    skipped = m.review_skip(bot, mod, item)
    rejected = m.review_reject(bot, mod, item)
    unchanged = state(bot)
    refused = m.revert(bot, mod, skipped.change_id)
    assert not refused.ok and f"#{rejected.change_id}" in refused.reply.text and state(bot) == unchanged
    # Reverted, then decided the same way again (by someone else): still a later decision.
    assert m.revert(bot, mod, rejected.change_id).ok
    again = m.review_reject(bot, discord_mod, item)
    refused = m.revert(bot, mod, rejected.change_id)
    assert not refused.ok and f"#{again.change_id}" in refused.reply.text


def test_revert_an_accept_retires_its_tip_and_reopens_the_candidate(bot, mod, candidates):
    item = candidates[0]
    pending = review.get(bot.db, item)
    accepted = m.review_accept(bot, mod, item, FIELDS)
    question = "should I finish my small projects?"
    assert accepted.tip_id in [c.id for c in bot.ask(question).cards]
    accept = latest(bot)
    reopened = m.revert(bot, mod, accept.id)
    assert_audited(bot, reopened, accept, mod)
    assert review.get(bot.db, item) == pending
    tip = m._row(bot.db, accepted.tip_id)  # kept, never deleted: retired, through the audited tip path
    assert (tip["status"], tip["version"]) == ("retired", 2)
    retire = m.history(bot, accepted.tip_id)[0]
    assert (retire.action, retire.actor, retire.after["status"]) == ("retire", mod.who, "retired")
    assert accepted.tip_id not in [c.id for c in bot.ask(question).cards]
    assert f"/tips restore {accepted.tip_id}" in reopened.reply.text
    # Undoing that is a new decision to make: the reply says how, and nothing changes.
    unchanged = state(bot)
    refused = m.revert(bot, mod, reopened.change_id)
    assert not refused.ok and f"/tips review accept {item}" in refused.reply.text and state(bot) == unchanged


def test_revert_an_accept_is_refused_once_its_tip_was_edited(bot, mod, candidates):
    accepted = m.review_accept(bot, mod, candidates[0], FIELDS)
    accept = latest(bot)
    edit = m.edit_tip(bot, mod, accepted.tip_id, {"title": "Finish what you start"}, accepted.version)
    unchanged = state(bot)
    refused = m.revert(bot, mod, accept.id)
    assert not refused.ok and f"#{edit.change_id}" in refused.reply.text and accepted.tip_id in refused.reply.text
    assert state(bot) == unchanged and review.get(bot.db, candidates[0]).status == "accepted"


# -- added transcripts -----------------------------------------------------------------------------
def test_revert_add_transcript_removes_all_it_added_and_search_forgets_it(bot, mod, tmp_path, content_dir):
    bot.content_dir = content_dir
    bot.db.execute("UPDATE tips SET status = 'retired' WHERE id != 'build-an-end-to-end-pet-project'")
    question = "should I build an origami portfolio early?"
    answered = [c.id for c in bot.ask(question).cards]  # the searcher's caches are warm from here on
    before, on_disk = state(bot), files(content_dir)
    added = m.add_transcript(bot, mod, write_srt(tmp_path / f"{STEM}.srt"), META, content_dir)
    assert STEM in [c.source for c in bot.ask(question).cards]
    m.review_reject(bot, mod, review.open_items(bot.db)[0].id)  # a decision on it goes with it
    reverted = m.revert(bot, mod, added.change_id)
    assert_audited(bot, reverted, recorded(bot, added.change_id), mod)
    assert "Deleted transcripts/advice_talk.srt and episodes/advice_talk.yaml" in reverted.reply.text
    assert files(content_dir) == on_disk
    after = state(bot)
    assert after.pop("audit")[:len(before["audit"])] == before.pop("audit")
    assert after == before  # episode, cues, passages, candidates, spoken words: as before the add
    assert not bot.db.execute("SELECT 1 FROM passages_fts WHERE passages_fts MATCH 'origami'").fetchall()
    bot.db.execute("INSERT INTO passages_fts (passages_fts) VALUES ('integrity-check')")
    assert [c.id for c in bot.ask(question).cards] == answered
    refused = m.revert(bot, mod, reverted.change_id)
    assert not refused.ok and "add it again with careerbot content add-transcript" in refused.reply.text


def test_revert_add_transcript_is_refused_while_a_tip_cites_it(bot, mod, candidates, content_dir):
    added = latest(bot)
    accepted = m.review_accept(bot, mod, candidates[0], FIELDS)
    accept = latest(bot)

    def assert_refused(uses: str) -> None:
        unchanged, on_disk = state(bot), files(content_dir)
        refused = m.revert(bot, mod, added.id)
        assert not refused.ok and uses in refused.reply.text and "/tips retire" in refused.reply.text
        assert state(bot) == unchanged and files(content_dir) == on_disk

    assert_refused(f"tips cite it: {accepted.tip_id} (active); candidates were accepted: #{candidates[0]} as "
                   f"{accepted.tip_id}")
    assert m.revert(bot, mod, accept.id).ok  # the tip is retired, not deleted: it still cites the episode
    assert_refused(f"tips cite it: {accepted.tip_id} (retired)")


def test_revert_add_transcript_is_refused_once_its_file_was_changed(bot, mod, candidates, content_dir):
    added = next(c for c in m.history(bot) if c.action == "add-transcript")
    with (content_dir / "transcripts" / f"{STEM}.srt").open("a", encoding="utf-8") as srt:
        srt.write("\n99\n00:09:00,000 --> 00:09:04,000\na caption a moderator added by hand\n")
    unchanged, on_disk = state(bot), files(content_dir)
    refused = m.revert(bot, mod, added.id)
    assert not refused.ok and f"content/transcripts/{STEM}.srt was changed since" in refused.reply.text
    assert state(bot) == unchanged and files(content_dir) == on_disk


def test_cli_adds_a_transcript_lists_it_and_reverts_it(run, tmp_path):
    """`careerbot content revert` finds the files in --content, as add-transcript wrote them there."""
    srt = write_srt(tmp_path / f"{STEM}.srt")
    run("content", "add-transcript", str(srt), "--title", META["title"], "--guest", META["guest"])
    line = run("content", "history", "--limit", "1").output.strip()
    assert f"add-transcript episode {STEM}: “Advice from the office”, 2 candidate tips" in line
    change = line.split()[0].lstrip("#")
    reverted = run("content", "revert", change).output
    assert "Transcript removed" in reverted and not (run.content / "transcripts" / f"{STEM}.srt").exists()
    assert not (run.content / "episodes" / f"{STEM}.yaml").exists()
    assert f"revert episode {STEM} (reverts #{change})" in run("content", "history", "--limit", "1").output
    assert "No candidate tips" in run("content", "review").output


# -- content load --------------------------------------------------------------------------------
def test_a_tip_update_made_by_content_load_is_reverted(bot, mod, content_dir):
    path = content_dir / "tips" / "000_7a926d4821475fb3.yaml"
    original = "Cut back on naysayers and find a supportive circle"
    path.write_text(path.read_text(encoding="utf-8").replace(original, "Avoid naysayers"), encoding="utf-8")
    assert load_content(bot.db, read_content(content_dir)).updated == [TIP]
    update = m.history(bot, TIP)[0]
    assert (update.action, update.actor, update.platform) == ("update", "content-load", "cli")
    reverted = m.revert(bot, mod, update.id)
    assert_audited(bot, reverted, update, mod)
    assert m._row(bot.db, TIP)["title"] == original


# -- history and the front ends --------------------------------------------------------------------
def test_console_history_lists_every_kind_and_reverts_by_number(bot, candidates):
    console = Console(bot)
    console.handle("/tips subscribe 09:00 Europe/Berlin weekdays")
    console.handle(f"/tips review reject {candidates[0]}")
    listing = console.handle("/tips history").text
    assert "subscribe console:local: every weekday (Mon–Fri) at 09:00 (Europe/Berlin)" in listing
    assert f"reject candidate #{candidates[0]}" in listing
    assert f"add-transcript episode {STEM}: “Advice from the office”, 2 candidate tips" in listing
    assert listing.endswith("Undo one with /tips revert <change number>.")
    subscribed = next(line for line in listing.splitlines() if " subscribe " in line).split()[0]
    assert console.handle(f"/tips revert {subscribed}").title == "Reverted"
    assert subscriptions.get(bot.db, "console:local") is None
    assert "revert console:local (reverts " in console.handle("/tips history").text


async def test_slack_revert_of_a_subscription_change_typed_in_the_channel(slack_http, slack_bot):  # noqa: F811
    """Signed `/tips` slash commands to the real bolt app: history, a member's revert refused, a moderator's done."""
    said: dict[str, str] = {}

    async def tips(text: str, user: str, name: str) -> str:
        await slack_http.command("/tips", text, user=user, channel="C0TEAM", response=name)
        n = len(said) + 1
        calls = await slack_http.fake.wait_for("response", n)
        said[name] = "\n".join(message_texts(calls[n - 1].args))
        return said[name]

    await tips("subscribe 09:00 Europe/Berlin weekdays", "UMOD", "first")
    await tips("subscribe 17:30 Europe/Berlin daily", "UMOD", "second")
    before = subscriptions.get(slack_bot.db, "slack:C0TEAM")
    listing = await tips("history", "UMOD", "history")
    change = latest(slack_bot).id
    assert f"#{change}" in listing and "subscribe slack:C0TEAM: every day at 17:30 (Europe/Berlin)" in listing
    assert "only moderators" in await tips(f"revert {change}", "UMEMBER", "member")
    assert subscriptions.get(slack_bot.db, "slack:C0TEAM") == before and latest(slack_bot).id == change
    done = await tips(f"revert {change}", "UMOD", "revert")
    assert "back to: every weekday (Mon–Fri) at 09:00 (Europe/Berlin)" in done
    sub = subscriptions.get(slack_bot.db, "slack:C0TEAM")
    assert (sub.time, sub.days) == ("09:00", "weekdays")
    row = latest(slack_bot)
    assert (row.action, row.reverts, row.actor) == ("revert", change, "slack:UMOD")


def test_revert_add_transcript_looks_where_it_wrote_its_files(bot, mod, candidates, content_dir, tmp_path):
    """QA: run from another directory, the revert looked in another content directory, removed the episode
    from the database and said its files "were already gone", though they were where it had written them."""
    added = next(c for c in m.history(bot) if c.action == "add-transcript")
    elsewhere = tmp_path / "elsewhere" / "content"
    shutil.copytree(CONTENT, elsewhere)
    bot.content_dir = elsewhere
    unchanged, on_disk = state(bot), files(content_dir)
    refused = m.revert(bot, mod, added.id)
    assert not refused.ok and state(bot) == unchanged and files(content_dir) == on_disk
    assert (f"transcripts/{STEM}.srt and episodes/{STEM}.yaml, which add-transcript wrote into {content_dir}, are "
            f"not in {elsewhere}") in refused.reply.text
    assert f"--content {content_dir}" in refused.reply.text

    # In the directory it wrote them to, files removed by hand are simply gone: the revert goes ahead.
    bot.content_dir = content_dir
    (content_dir / "transcripts" / f"{STEM}.srt").unlink()
    (content_dir / "episodes" / f"{STEM}.yaml").unlink()
    reverted = m.revert(bot, mod, added.id)
    assert reverted.ok and f"Its files were already gone from {content_dir}." in reverted.reply.text


def test_a_read_only_content_directory_changes_nothing(bot, mod, candidates, content_dir, tmp_path, read_only):
    """QA: add-transcript and a transcript revert raised OSError (Errno 30) with a traceback."""
    added = next(c for c in m.history(bot) if c.action == "add-transcript")
    read_only(content_dir)
    unchanged, on_disk = state(bot), files(content_dir)
    other = write_srt(tmp_path / "second_talk.srt")
    refused = m.add_transcript(bot, mod, other, META, content_dir)
    assert not refused.ok and refused.reply.title == "Transcript not added"
    assert refused.reply.text.startswith(f"{content_dir / 'transcripts' / 'second_talk.srt'}: the content "
                                         "directory is read-only here (")
    assert "Nothing was stored" in refused.reply.text
    refused = m.revert(bot, mod, added.id)
    assert not refused.ok and "the content directory is read-only here" in refused.reply.text
    assert f"{content_dir}/transcripts/{STEM}.srt" in refused.reply.text and "Nothing was changed" in refused.reply.text
    assert state(bot) == unchanged and files(content_dir) == on_disk
