"""Every moderator action through `careerbot` itself, against a temp database and a copy of content/."""

from __future__ import annotations

import getpass
import json

import yaml

from .conftest import write_srt, write_vtt

TIP = "choose-a-supportive-social-circle"
WHO = f"cli:{getpass.getuser()}"


def test_add_from_yaml_with_preview_and_confirmation(run, tmp_path, new_tip):
    path = tmp_path / "tip.yaml"
    path.write_text(yaml.safe_dump(new_tip, sort_keys=False))
    declined = run("content", "add", str(path), input="n\n", ok=False)
    assert "Preview: Interview others to beat impostor syndrome" in declined.output and "Save?" in declined.output
    assert "interview-others" not in run("tips").output  # declined: nothing saved
    done = run("content", "add", str(path), input="y\n")
    assert "Tip added" in done.output and "interview-others-to-beat-impostor-syndrome" in run("tips").output


def test_add_accepts_the_curated_file_keys_too(run, tmp_path, new_tip):
    fields = {k: v for k, v in new_tip.items() if k not in ("episode", "span")}
    fields |= {"source": new_tip["episode"], "start": "14:31", "end": "14:50", "id": "interview-others",
               "topics": ["impostor-syndrome"], "questions": new_tip["questions"].splitlines()}
    path = tmp_path / "tip.yaml"
    path.write_text(yaml.safe_dump(fields, sort_keys=False))
    assert "Tip added" in run("content", "add", str(path), "--yes").output
    assert "span: 14:31-14:50" in run("content", "show", "interview-others").output


def test_add_validation_errors_exit_1_and_save_nothing(run, tmp_path, new_tip):
    path = tmp_path / "tip.yaml"
    path.write_text(yaml.safe_dump(new_tip | {"topics": "cooking", "span": "14:31-99:00"}))
    result = run("content", "add", str(path), "--yes", ok=False)
    assert result.exit_code == 1 and "unknown topic" in result.output and "span" in result.output
    path.write_text("title: [unclosed\n")
    result = run("content", "add", str(path), "--yes", ok=False)
    assert result.exit_code == 1 and "invalid YAML" in result.output
    path.write_text("- just a list\n")
    assert "must be a YAML mapping" in run("content", "add", str(path), "--yes", ok=False).output
    assert run("content", "history").output.count("cli:") == 0  # only content-load's own rows


def test_edit_retire_restore_history_revert(run):
    preview = run("content", "edit", TIP, "--set", "title=Spend less time with naysayers", "--dry-run")
    assert "→ “Spend less time with naysayers”" in preview.output
    assert "version: 1" in run("content", "show", TIP).output
    saved = run("content", "edit", TIP, "--set", "title=Spend less time with naysayers", "--yes")
    assert "Saved" in saved.output and "(v2, change #" in saved.output
    stale = run("content", "edit", TIP, "--set", "title=Stale title", "--expect-version", "1", "--yes", ok=False)
    assert stale.exit_code == 1 and "Edit conflict" in stale.output
    assert "Retired" in run("content", "retire", TIP).output
    assert "Nothing to do" in run("content", "retire", TIP).output
    assert TIP not in run("tips").output
    assert "Restored" in run("content", "restore", TIP).output
    lines = run("content", "history", TIP).output.splitlines()
    assert [line.split()[3] for line in lines] == ["restore", "retire", "edit", "add"]
    assert WHO in lines[0] and lines[2].endswith(": title")
    edit_change = lines[2].split()[0]
    assert edit_change.startswith("#")  # as history prints it, which `content revert` takes (QA), as chat does
    as_json = [json.loads(line) for line in run("content", "history", TIP, "--json").output.splitlines()]
    assert as_json[2]["before"]["title"] == "Cut back on naysayers and find a supportive circle"
    restore_change, retire_change = lines[0].split()[0], lines[1].split()[0]
    refused = run("content", "revert", edit_change, ok=False)  # the tip reads as the edit left it, but …
    assert refused.exit_code == 1 and f"change {restore_change} by {WHO} stands" in refused.output  # … two stand
    for later in (restore_change, retire_change):  # the latest first
        assert "Reverted" in run("content", "revert", later).output
    assert "Reverted" in run("content", "revert", edit_change).output
    assert "title: Cut back on naysayers and find a supportive circle" in run("content", "show", TIP).output
    undo = run("content", "history", TIP).output.splitlines()[0].split()[0]
    assert "Reverted" in run("content", "revert", undo.lstrip("#")).output  # bare, too


def test_unknown_ids_and_bad_options(run):
    assert run("content", "retire", "no-such-tip", ok=False).exit_code == 1
    assert run("content", "revert", "424242", ok=False).exit_code == 1
    for bad in ("##5", "#", "five", "5.0", "²"):
        refused = run("content", "revert", bad, ok=False)
        assert refused.exit_code == 2 and "is not a change number: give one that content history lists, such as " \
                                          "68 or #68" in refused.output
    assert "wants field=value" in run("content", "edit", TIP, "--set", "oops", ok=False).output
    assert "nothing to change" in run("content", "edit", TIP, ok=False).output
    assert run("content", "show", "no-such-tip", ok=False).exit_code == 1
    assert "give one of" in run("content", "review", "--reject", "1", "--skip", "2", ok=False).output


def test_add_transcript_srt_and_vtt_then_review(run, tmp_path):
    srt = write_srt(tmp_path / "advice_talk.srt")
    added = run("content", "add-transcript", str(srt), "--title", "Advice from the office", "--guest", "Dana Example",
                "--url", "https://example.org/advice")
    assert "Transcript added" in added.output and "2 candidate tips queued" in added.output
    assert (run.content / "transcripts" / "advice_talk.srt").exists()
    vtt = write_vtt(tmp_path / "second_talk.vtt")
    assert "Transcript added" in run("content", "add-transcript", str(vtt), "--title", "More advice",
                                     "--guest", "Sam Example").output
    again = run("content", "add-transcript", str(srt), "--title", "x", "--guest", "Yo", ok=False)
    assert again.exit_code == 1 and "already exists" in again.output

    listing = run("content", "review").output
    ids = [line.split()[0].lstrip("#") for line in listing.splitlines()[1:]]
    assert len(ids) == 4, listing
    assert "Review a candidate tip" in run("content", "review", "next").output
    fields = tmp_path / "accept.yaml"
    fields.write_text(yaml.safe_dump({
        "title": "Practice every single day", "tip": "Practise daily and write about what you learned.",
        "quote": "the key is to practice every single day and try to write about what you learned",
        "topics": "learning", "questions": "how often should I practice?\nshould I write a blog?\nhow do I learn?"}))
    accepted = run("content", "review", "--accept", ids[0], "--file", str(fields))
    assert "Tip added" in accepted.output and f"Candidate #{ids[0]} accepted" in accepted.output
    assert "practice-every-single-day" in run("tips").output
    assert "rejected" in run("content", "review", "--reject", ids[1]).output
    assert "skipped" in run("content", "review", "--skip", ids[2]).output
    assert "--file" in run("content", "review", "--accept", ids[3], ok=False).output
    assert len(run("content", "review").output.splitlines()) == 3  # title + the skipped and the untouched one

    # Everything moderators did goes back into content/, and the files agree with the database.
    exported = run("content", "export")
    assert "1 added" in exported.output and "git diff" in exported.output
    assert "ok:" in run("content", "check").output
    loaded = run("content", "load").output
    assert "0 added, 0 updated, 0 retired" in loaded and "episodes: 0 added, 0 updated" in loaded
    assert "!" not in loaded


def test_export_then_load_reports_no_change_and_check_passes(run, tmp_path):
    run("content", "edit", TIP, "--set", "topics=social-circle mindset", "--yes")
    run("content", "retire", "ignore-age-and-career-change-stereotypes")
    before_export = run("content", "load").output
    assert "! choose-a-supportive-social-circle" not in before_export  # the file did not change: no conflict
    assert "2 updated" in run("content", "export").output
    assert "ok: 68 tips" in run("content", "check").output
    loaded = run("content", "load").output
    assert "0 added, 0 updated, 0 retired, 68 unchanged" in loaded
    assert "0 updated, 0 added, 68 unchanged" in run("content", "export").output


def test_stats_command(run):
    run("ask", "how do I find a mentor?")  # `careerbot ask` does not record: nothing personal is logged
    text = run("stats").output
    assert "careerbot stats" in text and "Most asked:" in text
    data = json.loads(run("stats", "--json", "--days", "7").output)
    assert data["days"] == 7 and data["questions"] == 0


def test_load_and_check_refuse_a_directory_that_is_not_content(run, tmp_path):
    """QA's reproduction: a load from an empty directory retired all 68 tips, and the corrective
    load then overwrote a moderator's edit without a word."""
    run("content", "load")
    run("content", "edit", "look-for-failures", "--set", "title=Moderator edited title", "--yes")
    real, run.content = run.content, tmp_path / "emptydir"
    run.content.mkdir()
    for command in ("load", "check"):
        refused = run("content", command, ok=False)
        assert refused.exit_code == 1 and refused.output == (
            f"error: {run.content}: not a content directory (it has no topics.yaml and no tips/*.yaml); "
            "check --content or CAREERBOT_CONTENT\n")
    run.content = real
    assert "0 retired, 68 unchanged" in run("content", "load").output
    assert "title: Moderator edited title" in run("content", "show", "look-for-failures").output


def test_load_refuses_to_retire_most_tips_without_the_flag(run):
    run("content", "edit", "look-for-failures", "--set", "title=Moderator edited title", "--yes")
    original = (run.content / "tips" / "000_7a926d4821475fb3.yaml").read_bytes()
    (run.content / "tips" / "000_7a926d4821475fb3.yaml").unlink()
    refused = run("content", "load", ok=False)
    assert refused.exit_code == 1 and "would retire 40 of the 68 active tips" in refused.output
    assert "--allow-mass-retire" in refused.output and "nothing was loaded" in refused.output
    assert "40 retired" in run("content", "load", "--allow-mass-retire").output
    (run.content / "tips" / "000_7a926d4821475fb3.yaml").write_bytes(original)
    loaded = run("content", "load").output
    assert "40 updated" in loaded and "! look-for-failures: edited by a moderator" in loaded
    shown = run("content", "show", "look-for-failures").output
    assert "title: Moderator edited title" in shown and "status: active" in shown


def test_export_refuses_a_file_with_a_tip_changed_there_and_in_chat(run):
    run("content", "edit", TIP, "--set", "title=Moderator's title", "--yes")
    path = run.content / "tips" / "000_7a926d4821475fb3.yaml"
    path.write_text(path.read_text().replace("title: Cut back on naysayers and find a supportive circle",
                                             "title: Edited by hand"))
    before = path.read_bytes()
    result = run("content", "export", ok=False)
    assert result.exit_code == 1 and path.read_bytes() == before
    assert f"! {TIP}: changed in tips/000_7a926d4821475fb3.yaml since the last load and by a moderator" in result.output
    assert "error: not written: tips/000_7a926d4821475fb3.yaml" in result.output
    assert f"! {TIP}: edited by a moderator" in run("content", "load").output  # load agrees: a conflict
    run("content", "load", "--force")
    assert "title: Edited by hand" in run("content", "show", TIP).output
    assert "0 updated, 0 added, 68 unchanged" in run("content", "export").output


def test_export_and_add_transcript_into_a_read_only_content_directory(run, tmp_path, read_only):
    """QA: a traceback (OSError: [Errno 30] Read-only file system); now one line, and nothing stored."""
    run("content", "edit", TIP, "--set", "title=Moderator's title", "--yes")
    history = run("content", "history", "--json").output
    read_only(run.content)
    exported = run("content", "export", ok=False)
    assert exported.exit_code == 1 and exported.output.splitlines()[-1].startswith(
        f"error: {run.content}/tips/000_7a926d4821475fb3.yaml: the content directory is read-only here (")
    added = run("content", "add-transcript", str(write_srt(tmp_path / "talk.srt")), "--title", "Talk",
                "--guest", "Dana Example", ok=False)
    assert added.exit_code == 1 and "talk.srt: the content directory is read-only here" in added.output
    assert "Traceback" not in exported.output + added.output
    assert run("content", "history", "--json").output == history  # nothing recorded, nothing stored
    assert "No candidate tips" in run("content", "review").output
