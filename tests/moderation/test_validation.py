"""Moderators' bad input, through `careerbot` itself (and chat where it has the same command): a
clear one-line reason, nothing saved, and the same rule wherever the input comes from."""

from __future__ import annotations

import io

import pytest
import yaml

from bot.console import Console
from bot.core import moderation as m
from bot.corpus import review
from bot.store import open_db

from .conftest import META as EPISODE
from .conftest import SOURCE, write_seed, write_srt, write_vtt

TIP = "choose-a-supportive-social-circle"
META = ("--title", "Advice from the office", "--guest", "Dana Example")


@pytest.mark.parametrize("date, reason", [("2025-13-01", "there is no month 13"),
                                          ("2025-02-29", "February 2025 has 28 days"),
                                          ("2025-04-31", "April 2025 has 30 days")])
def test_add_transcript_refuses_a_day_that_does_not_exist(run, tmp_path, date, reason):
    path = write_srt(tmp_path / "talk.srt")
    result = run("content", "add-transcript", str(path), *META, "--date", date, ok=False)
    assert result.exit_code == 1 and f"• date: '{date}' is not a real date: {reason}" in result.output
    assert "Nothing was saved" in result.output and not (run.content / "transcripts" / "talk.srt").exists()
    added = run("content", "add-transcript", str(path), *META, "--date", "2024-02-29")  # a leap day exists
    assert "Transcript added" in added.output
    assert "date: '2024-02-29'" in (run.content / "episodes" / "talk.yaml").read_text()


@pytest.mark.parametrize("line, date, reason", [("date: 2025-13-01", "2025-13-01", "there is no month 13"),
                                                ("date: '2025-02-30'", "2025-02-30", "February 2025 has 28 days")])
def test_content_check_names_an_episode_date_that_does_not_exist(run, line, date, reason):
    """Unquoted, YAML itself used to crash on it (a traceback); quoted, it was accepted."""
    path = run.content / "episodes" / f"{SOURCE}.yaml"
    path.write_text(path.read_text().replace("date: null", line))
    result = run("content", "check", ok=False)
    assert result.exit_code == 1
    assert f"episodes/{SOURCE}.yaml: date: '{date}' is not a real date: {reason}" in result.output
    assert "Traceback" not in result.output
    path.write_text(path.read_text().replace(line, "date: 2025-03-07"))  # a real day, unquoted, is fine
    assert run("content", "check").output.startswith("ok:")


@pytest.mark.parametrize("date", ["2026-02-30", "2026-13-01", "0000-03-07", "2026-3-7", "7 March 2026"])
def test_a_date_is_judged_and_worded_by_one_rule_on_every_command(run, tmp_path, date):
    """`hack --date` and an episode's date (`add-transcript --date`, episodes/*.yaml) had a rule each, and
    two wordings ("date must be YYYY-MM-DD", "… is not a real day (month must be in 1..12)")."""
    hack = run("hack", "--date", date, ok=False)
    assert hack.exit_code == 2
    reason = " ".join(hack.output.split("Invalid value for '--date': ", 1)[1].split())
    assert "is not a date: write YYYY-MM-DD" in reason or "is not a real date: " in reason
    added = run("content", "add-transcript", str(write_srt(tmp_path / "talk.srt")), *META, "--date", date, ok=False)
    assert added.exit_code == 1 and f"• date: {reason}\n" in added.output


def console(bot, *lines: str) -> str:
    """The console front end's real input loop, fed `lines`; what it printed."""
    out = io.StringIO()
    Console(bot, stdin=io.StringIO("".join(line + "\n" for line in lines)), stdout=out).run()
    return out.getvalue()


@pytest.mark.parametrize("pair, message", [
    ("id=find-a-mentor-now", "• id: a tip's id can't be changed (add a new tip and retire this one)"),
    ("status=retired", "• status: can't be edited: use retire or restore"),
])
def test_edit_preview_refuses_what_saving_refuses(run, pair, message):
    """The preview used to say "Looks good" to --set id=…, and then saving refused it."""
    preview = run("content", "edit", TIP, "--set", pair, "--set", "title=Spend less time with naysayers",
                  "--dry-run", ok=False)
    assert preview.exit_code == 1 and message in preview.output and "Looks good" not in preview.output
    saved = run("content", "edit", TIP, "--set", pair, "--yes", ok=False)
    assert saved.exit_code == 1 and message in saved.output
    assert "version: 1" in run("content", "show", TIP).output  # nothing was saved


def test_chat_edit_preview_refuses_an_id_change(bot):
    output = console(bot, f"/tips edit {TIP} id=find-a-mentor-now")
    assert "• id: a tip's id can't be changed" in output
    assert "Looks good" not in output and "To save:" not in output
    output = console(bot, f"/tips edit {TIP} id=find-a-mentor-now --save")
    assert "Not saved" in output and "• id: a tip's id can't be changed" in output


@pytest.mark.parametrize("writer, name", [(write_seed, "bom_talk.txt"), (write_srt, "bom_talk.srt"),
                                          (write_vtt, "bom_talk.vtt")])
def test_a_transcript_saved_with_a_utf8_bom_is_accepted(run, tmp_path, writer, name):
    """Windows editors start UTF-8 files with U+FEFF; the seed format refused its first line."""
    plain = writer(tmp_path / "plain.tmp").read_bytes()
    path = tmp_path / name
    path.write_bytes(b"\xef\xbb\xbf" + plain)
    added = run("content", "add-transcript", str(path), *META)
    assert "Transcript added" in added.output and "72 captions" in added.output
    db = open_db(run.db)
    first = db.execute("SELECT start, text FROM cues WHERE source = 'bom_talk' ORDER BY idx LIMIT 1").fetchone()
    assert first == (0.0, "we talked about the weather in dublin and the coffee at the office")
    db.conn.close()
    assert (run.content / "transcripts" / name).read_bytes() == path.read_bytes()  # the file as given
    assert run("content", "check").output.startswith("ok:")  # and content check reads it back the same way


SRT_BACKWARDS = ("1\n00:00:01,000 --> 00:00:04,000\nmy advice is to find a mentor\n\n"
                 "2\n00:00:09,000 --> 00:00:05,500\nand practice every week\n")
VTT_BACKWARDS = ("WEBVTT\n\n00:00:01.000 --> 00:00:04.000\nmy advice is to find a mentor\n\n"
                 "00:00:09.000 --> 00:00:05.500 align:start\nand practice every week\n")


@pytest.mark.parametrize("name, text, reason", [
    ("backwards.srt", SRT_BACKWARDS, "backwards.srt:6: cue 2 ends (00:00:05,500) before it starts (00:00:09,000)"),
    ("backwards.vtt", VTT_BACKWARDS, "backwards.vtt:6: cue 2 ends (00:00:05.500) before it starts (00:00:09.000)"),
])
def test_a_cue_that_ends_before_it_starts_is_refused_with_its_line(run, tmp_path, name, text, reason):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    result = run("content", "add-transcript", str(path), *META, ok=False)
    assert result.exit_code == 1 and f"• file: {reason}" in result.output and "Nothing was saved" in result.output
    assert not (run.content / "transcripts" / name).exists()
    (run.content / "transcripts" / name).write_text(text, encoding="utf-8")  # put there by hand: check says so
    assert f"transcripts/{reason}" in run("content", "check", ok=False).output


@pytest.mark.parametrize("guest, length", [("A", 1), ("Dana " * 17, 84)])
def test_a_guest_name_follows_the_speaker_rule(run, tmp_path, guest, length):
    """A guest is the default speaker of the episode's tips: a name the speaker rule refuses (one letter,
    over 80 characters) used to be accepted here, and then every candidate from the episode failed."""
    path = write_srt(tmp_path / "talk.srt")
    result = run("content", "add-transcript", str(path), "--title", "Advice", "--guest", guest, ok=False)
    assert result.exit_code == 1 and f"• guest: a name must be 2 to 80 characters, not {length}" in result.output
    assert not (run.content / "transcripts" / "talk.srt").exists()


def test_the_shortest_guest_name_accepted_gives_candidates_that_can_be_accepted(run, tmp_path):
    path = write_srt(tmp_path / "talk.srt")
    assert "Transcript added" in run("content", "add-transcript", str(path), "--title", "Advice",
                                     "--guest", "Al").output
    first = run("content", "review").output.splitlines()[1].split()[0].lstrip("#")
    fields = tmp_path / "accept.yaml"
    fields.write_text(yaml.safe_dump({
        "title": "Practice every single day", "tip": "Practise daily and write about what you learned.",
        "quote": "my advice is that you should build small projects and make sure you finish every one of them",
        "topics": "learning", "questions": "how often should I practice?\nshould I write a blog?\nhow do I learn?"}))
    accepted = run("content", "review", "--accept", first, "--file", str(fields))
    assert "Tip added" in accepted.output and "— Al ·" in accepted.output  # the guest, as the speaker


def test_a_speaker_typed_in_chat_follows_the_same_rule(bot):
    output = console(bot, f"/tips edit {TIP} speaker=B")
    assert "• speaker: a name must be 2 to 80 characters, not 1" in output and "To save:" not in output


def test_adding_the_same_tip_again_is_refused_naming_the_first(run, tmp_path, new_tip):
    """QA: `content add tip.yaml --yes` three times gave three identical live tips (id, id-2, id-3)."""
    path = tmp_path / "tip.yaml"
    path.write_text(yaml.safe_dump(new_tip, sort_keys=False))
    assert "Tip added" in run("content", "add", str(path), "--yes").output
    first = "interview-others-to-beat-impostor-syndrome"
    again = run("content", "add", str(path), "--yes", ok=False)
    assert again.exit_code == 1 and (f"• the same tip as {first} (same episode, span, quote and title): edit {first} "
                                     "instead, or cite another span") in again.output
    retitled = tmp_path / "retitled.yaml"  # a new title over the same words is the same tip too
    retitled.write_text(yaml.safe_dump(new_tip | {"title": "Mock interviews cure impostor syndrome"}))
    assert f"the same tip as {first} (same episode, span and quote)" in run("content", "add", str(retitled), "--yes",
                                                                            ok=False).output
    assert run("tips").output.count(first) == 1 and f"{first}-2" not in run("tips").output
    run("content", "retire", first)  # a retired tip is no longer in the way
    assert f"Added “{new_tip['title']}” as {first}-2" in run("content", "add", str(path), "--yes").output


def test_an_edit_that_makes_a_tip_repeat_another_is_refused(run):
    lines = run("content", "show", "look-for-failures").output.splitlines()
    other = {key: next(line for line in lines if line.startswith(f"{key}: ")).removeprefix(f"{key}: ")
             for key in ("span", "quote")}
    result = run("content", "edit", TIP, *(f"--set={k}={v}" for k, v in other.items()), "--yes", ok=False)
    assert result.exit_code == 1 and "the same tip as look-for-failures (same episode, span and quote)" in result.output


def test_field_problems_are_in_plain_words(run):
    """QA: `--set topics=` answered "List should have at least 1 item after validation, not 0"."""
    result = run("content", "edit", TIP, "--set", "topics=", "--set", "title=ab", "--set", "questions=one? | two?",
                 "--dry-run", ok=False)
    assert "• topics: at least one topic is needed" in result.output
    assert "• title: at least 3 characters (now 2)" in result.output
    assert "• questions: at least 3 questions are needed (now 2)" in result.output
    assert "should have" not in result.output and "after validation" not in result.output
    path = run.content / "tips" / f"{SOURCE}.yaml"
    path.write_text(path.read_text().replace("topics: [social-circle, community, career-change]", "topics: []"))
    checked = run("content", "check", ok=False)
    assert "(choose-a-supportive-social-circle): topics: at least one topic is needed" in checked.output


def test_one_caption_and_one_candidate_are_singular(run, tmp_path):
    """QA: "1 captions", "1 candidate tips"."""
    path = tmp_path / "short_talk.srt"
    path.write_text("1\n00:00:01,000 --> 00:00:09,000\nmy advice is that you should always make sure you finish "
                    "what you start, the key is to try to practice\n")
    added = run("content", "add-transcript", str(path), *META).output
    assert "1 caption, 1 passage, searchable now. 1 candidate tip queued" in added
    assert "“Advice from the office”, 1 candidate tip" in run("content", "history", "--limit", "1").output


def test_review_next_on_the_command_line_shows_command_line_options(run, tmp_path):
    """QA: `careerbot content review next` told the moderator to type `/tips review accept …`."""
    run("content", "add-transcript", str(write_srt(tmp_path / "talk.srt")), *META)
    shown = run("content", "review", "next").output
    item = shown.split("Candidate #", 1)[1].split()[0]
    assert f"• careerbot content review --accept {item} --file fields.yaml" in shown
    assert f"• careerbot content review --reject {item}" in shown and "/tips" not in shown


def test_review_reject_and_skip_on_the_command_line_point_to_the_command_line(run, tmp_path, bot, mod):
    """QA: `careerbot content review --reject N` and `--skip N` ended with "(/tips review)", the chat
    command, though `review next` already shows the CLI's. In chat the reply names /tips review still."""
    run("content", "add-transcript", str(write_srt(tmp_path / "talk.srt")), *META)
    first, second = (line.split()[0].lstrip("#") for line in run("content", "review").output.splitlines()[1:])
    rejected = run("content", "review", "--reject", first).output
    assert rejected == f"Candidate #{first} rejected\n1 left to review (careerbot content review next).\n"
    skipped = run("content", "review", "--skip", second).output
    assert skipped == f"Candidate #{second} skipped\n1 left to review (careerbot content review next).\n"
    assert m.add_transcript(bot, mod, write_srt(tmp_path / "chat.srt"), EPISODE, run.content).ok  # chat's own db
    first, second = (item.id for item in review.open_items(bot.db))
    assert bot.tips_command(mod, f"review reject {first}").text == "1 left to review (/tips review)."
    assert bot.tips_command(mod, f"review skip {second}").text == "1 left to review (/tips review)."


def test_add_transcript_refuses_a_directory_that_is_not_content(run, tmp_path):
    run("content", "load")  # the database is there: only add-transcript itself can refuse
    real, run.content = run.content, tmp_path / "nowhere"
    result = run("content", "add-transcript", str(write_srt(tmp_path / "talk.srt")), *META, ok=False)
    assert result.exit_code == 1 and result.output.startswith("Transcript not added\n")
    assert f"{run.content}: content directory not found; check --content" in result.output
    assert not run.content.exists()  # no stray directory made for it
    run.content = real
    assert "Transcript added" in run("content", "add-transcript", str(tmp_path / "talk.srt"), *META).output
