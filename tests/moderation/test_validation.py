"""Moderators' bad input, through `careerbot` itself (and chat where it has the same command): a
clear one-line reason, nothing saved, and the same rule wherever the input comes from."""

from __future__ import annotations

import io

import pytest

from bot.console import Console

from .conftest import SOURCE, write_srt

TIP = "choose-a-supportive-social-circle"
META = ("--title", "Advice from the office", "--guest", "Dana Example")


@pytest.mark.parametrize("date, reason", [("2025-13-01", "month must be in 1..12"),
                                          ("2025-02-29", "day is out of range for month"),
                                          ("2025-04-31", "day is out of range for month")])
def test_add_transcript_refuses_a_day_that_does_not_exist(run, tmp_path, date, reason):
    path = write_srt(tmp_path / "talk.srt")
    result = run("content", "add-transcript", str(path), *META, "--date", date, ok=False)
    assert result.exit_code == 1 and f"• date: {date} is not a real day ({reason})" in result.output
    assert "Nothing was saved" in result.output and not (run.content / "transcripts" / "talk.srt").exists()
    added = run("content", "add-transcript", str(path), *META, "--date", "2024-02-29")  # a leap day exists
    assert "Transcript added" in added.output
    assert "date: '2024-02-29'" in (run.content / "episodes" / "talk.yaml").read_text()


@pytest.mark.parametrize("line, date, reason", [("date: 2025-13-01", "2025-13-01", "month must be in 1..12"),
                                                ("date: '2025-02-30'", "2025-02-30", "day is out of range for month")])
def test_content_check_names_an_episode_date_that_does_not_exist(run, line, date, reason):
    """Unquoted, YAML itself used to crash on it (a traceback); quoted, it was accepted."""
    path = run.content / "episodes" / f"{SOURCE}.yaml"
    path.write_text(path.read_text().replace("date: null", line))
    result = run("content", "check", ok=False)
    assert result.exit_code == 1
    assert f"episodes/{SOURCE}.yaml: date: {date} is not a real day ({reason})" in result.output
    assert "Traceback" not in result.output
    path.write_text(path.read_text().replace(line, "date: 2025-03-07"))  # a real day, unquoted, is fine
    assert run("content", "check").output.startswith("ok:")


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
