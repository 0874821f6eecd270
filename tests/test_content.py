"""`content check` and `content load`: the bundled corpus is valid, and broken content is caught."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from bot.corpus import NotContent
from bot.corpus.files import read_content
from bot.corpus.loader import ContentInvalid, MassRetire, load_content
from bot.corpus.transcripts import parse_stamp
from bot.corpus.validate import check_content
from bot.store import open_db

from .conftest import CONTENT

HACKS = "000_7a926d4821475fb3"
# Where each of the 12 numbered career hacks (and the deep-work bonus) is explained in 000_…
NUMBERED_HACKS = {
    "social circle": ("5:46", "7:51"),
    "fears and stereotypes": ("7:51", "8:52"),
    "distractions": ("8:52", "10:48"),
    "impostor syndrome": ("10:48", "14:50"),
    "attention": ("14:50", "15:56"),
    "make a team": ("15:56", "20:55"),
    "less is more": ("21:05", "23:42"),
    "initial creation": ("23:45", "28:03"),
    "mentors": ("28:03", "31:42"),
    "saying no": ("31:42", "34:21"),
    "failures": ("34:25", "37:28"),
    "taking care of yourself": ("37:28", "38:36"),
    "deep work (bonus)": ("40:36", "41:40"),
}


@pytest.fixture
def content_copy(tmp_path):
    target = tmp_path / "content"
    shutil.copytree(CONTENT, target)
    return target


def _edit_tips(root: Path, stem: str, change) -> None:
    path = root / "tips" / f"{stem}.yaml"
    tips = yaml.safe_load(path.read_text())
    change(tips)
    path.write_text(yaml.safe_dump(tips, sort_keys=False, allow_unicode=True))


def test_bundled_content_passes_the_check(bundled):
    assert check_content(bundled) == []


def test_corpus_size_and_coverage(bundled):
    by_source = {}
    for tip in bundled.tips:
        by_source.setdefault(tip.source, []).append(tip)
    assert len(bundled.tips) >= 40
    assert len(by_source["004_9e43fa320a18dfae"]) >= 12
    for tip in bundled.tips:
        assert tip.end - tip.start <= 180 and len(tip.quote) <= 400 and 3 <= len(tip.questions) <= 10


@pytest.mark.parametrize("hack", NUMBERED_HACKS)
def test_every_numbered_hack_has_a_tip(bundled, hack):
    start, end = (parse_stamp(s) for s in NUMBERED_HACKS[hack])
    covering = [
        t.id for t in bundled.tips
        if t.source == HACKS and min(t.end, end) - max(t.start, start) >= 0.5 * (t.end - t.start)
    ]
    assert covering, f"no tip covers hack '{hack}' ({NUMBERED_HACKS[hack]})"


def test_check_catches_a_wrong_span(content_copy):
    def move(tips):
        tips[0]["start"], tips[0]["end"] = "50:00", "51:00"  # the quote is not said there

    _edit_tips(content_copy, HACKS, move)
    problems = [str(p) for p in check_content(read_content(content_copy))]
    assert len(problems) == 1 and "quote not found in the cited span" in problems[0]


def test_check_catches_a_span_outside_the_transcript(content_copy):
    def move(tips):
        tips[0]["start"], tips[0]["end"] = "3:00:00", "3:01:00"

    _edit_tips(content_copy, HACKS, move)
    problems = [str(p) for p in check_content(read_content(content_copy))]
    assert any("outside the transcript" in p for p in problems)


def test_check_catches_an_invented_quote(content_copy):
    def invent(tips):
        tips[1]["quote"] = "Always negotiate your salary aggressively and never accept the first offer."

    _edit_tips(content_copy, HACKS, invent)
    problems = [str(p) for p in check_content(read_content(content_copy))]
    assert len(problems) == 1 and "quote not found" in problems[0] and "tips/" in problems[0]


def test_check_catches_a_duplicate_id_unknown_topic_and_bad_fields(content_copy):
    def break_things(tips):
        tips[2]["id"] = tips[3]["id"]
        tips[4]["topics"] = ["astrology"]
        tips[5]["questions"] = ["only one?"]

    _edit_tips(content_copy, HACKS, break_things)
    problems = [str(p) for p in check_content(read_content(content_copy))]
    assert any("duplicate tip id" in p for p in problems)
    assert any("unknown topic(s) astrology" in p for p in problems)
    assert any("questions" in p and "at least 3" in p for p in problems)


def test_check_catches_a_malformed_transcript(content_copy):
    path = content_copy / "transcripts" / f"{HACKS}.txt"
    lines = path.read_text().splitlines()
    lines[99] = "this line has no timestamp"
    path.write_text("\n".join(lines))
    problems = [str(p) for p in check_content(read_content(content_copy))]
    assert f"transcripts/{HACKS}.txt:100: expected 'm:ss text'" in problems[0]
    # its tips now point at a transcript that could not be read
    assert any("no such transcript" in p for p in problems)


def test_check_catches_invalid_yaml(content_copy):
    (content_copy / "topics.yaml").write_text("mentors: [unclosed\n")
    problems = [str(p) for p in check_content(read_content(content_copy))]
    assert problems[0].startswith("topics.yaml:") and "invalid YAML" in problems[0]


def test_loading_twice_changes_nothing(bundled):
    db = open_db(":memory:")
    first = load_content(db, bundled)
    assert len(first.added) == len(bundled.tips) and first.episodes_added
    audit_rows = db.execute("SELECT count(*) FROM audit").fetchone()[0]
    second = load_content(db, bundled)
    assert not second.changed and second.unchanged == len(bundled.tips)
    assert db.execute("SELECT count(*) FROM audit").fetchone()[0] == audit_rows


def test_load_reports_updates_and_retirements(content_copy):
    db = open_db(":memory:")
    load_content(db, read_content(content_copy))

    def change(tips):
        tips[0]["title"] = "A new title for the first tip"
        del tips[1]

    _edit_tips(content_copy, HACKS, change)
    report = load_content(db, read_content(content_copy))
    assert len(report.updated) == 1 and len(report.retired) == 1 and not report.added
    status = dict(db.execute("SELECT id, status FROM tips").fetchall())
    assert status[report.retired[0]] == "retired"


def test_a_tip_back_in_its_file_after_a_load_retired_it_is_active_again(content_copy):
    """A branch switch or a bad merge drops an entry, a load retires it; the entry comes back
    unchanged: the next load brings the tip back (QA: it stayed retired, reported "unchanged")."""
    db = open_db(":memory:")
    load_content(db, read_content(content_copy))
    path = content_copy / "tips" / f"{HACKS}.yaml"
    original = path.read_text(encoding="utf-8")
    dropped = []
    _edit_tips(content_copy, HACKS, lambda tips: dropped.append(tips.pop(1)["id"]))
    assert load_content(db, read_content(content_copy)).retired == dropped
    path.write_text(original, encoding="utf-8")
    report = load_content(db, read_content(content_copy))
    assert report.updated == dropped
    assert db.execute("SELECT status FROM tips WHERE id = ?", dropped).fetchone()[0] == "active"
    assert not load_content(db, read_content(content_copy)).changed  # and then it is settled


def test_a_directory_that_is_not_content_is_refused_in_one_line(tmp_path, db):
    """QA: an empty or wrong --content read as "0 tips", and a load from it retired every tip."""
    empty = tmp_path / "empty"
    empty.mkdir()
    only_topics = tmp_path / "only_topics"
    (only_topics / "tips").mkdir(parents=True)
    shutil.copy(CONTENT / "topics.yaml", only_topics)
    no_tips = tmp_path / "no_tips"
    shutil.copytree(only_topics, no_tips)
    (no_tips / "tips" / "empty.yaml").write_text("[]\n")
    for root, reason in ((tmp_path / "nowhere", "content directory not found"),
                         (empty, "not a content directory (it has no topics.yaml and no tips/*.yaml)"),
                         (only_topics, "not a content directory (it has no tips/*.yaml)"),
                         (no_tips, "not a content directory (its tips/*.yaml hold no tips)")):
        with pytest.raises(NotContent) as caught:
            read_content(root)
        assert str(caught.value) == f"{root}: {reason}; check --content or CAREERBOT_CONTENT"
    assert db.execute("SELECT count(*) FROM tips WHERE status = 'active'").fetchone()[0] == 68


def test_a_load_that_would_retire_most_tips_needs_the_flag(content_copy):
    db = open_db(":memory:")
    load_content(db, read_content(content_copy))
    (content_copy / "tips" / f"{HACKS}.yaml").unlink()  # 40 of the 68 tips
    audit_rows = db.execute("SELECT count(*) FROM audit").fetchone()[0]
    with pytest.raises(MassRetire, match="would retire 40 of the 68 active tips"):
        load_content(db, read_content(content_copy))
    assert db.execute("SELECT count(*) FROM tips WHERE status = 'active'").fetchone()[0] == 68
    assert db.execute("SELECT count(*) FROM audit").fetchone()[0] == audit_rows
    report = load_content(db, read_content(content_copy), allow_mass_retire=True)
    assert len(report.retired) == 40


def _edit_in_chat(db, tip_id: str, title: str) -> None:
    """A moderator's edit as bot/core/moderation.py saves it: version + 1, file_hash untouched."""
    db.execute("UPDATE tips SET title = ?, version = version + 1 WHERE id = ?", [title, tip_id])


@pytest.mark.parametrize("force", [False, True])
def test_a_moderator_edit_survives_a_load_that_retired_the_tip_in_between(content_copy, force):
    """QA: a load retired an edited tip (its entry gone), and the load that brought the entry back
    overwrote the moderator's edit without a word. Now the edit stays protected (edited before or
    after that retire) and is reported, unless --force takes the file's version."""
    db = open_db(":memory:")
    load_content(db, read_content(content_copy))
    path = content_copy / "tips" / f"{HACKS}.yaml"
    original = path.read_text(encoding="utf-8")
    first, second, third = (t.id for t in read_content(content_copy).tips[:3])
    _edit_in_chat(db, first, "Edited in chat before the entry left")
    _edit_tips(content_copy, HACKS, lambda tips: tips.__delitem__(slice(0, 3)))
    assert load_content(db, read_content(content_copy)).retired == [first, second, third]
    _edit_in_chat(db, second, "Edited in chat while it was retired")
    path.write_text(original, encoding="utf-8")

    report = load_content(db, read_content(content_copy), force=force)
    titles = dict(db.execute("SELECT id, title || ' / ' || status FROM tips WHERE id IN (?, ?, ?)",
                             [first, second, third]))
    files = {t.id: f"{t.title} / active" for t in read_content(content_copy).tips[:3]}
    assert titles[third] == files[third]  # not edited: back as its file says, as before
    if force:
        assert not report.conflicts and report.updated == [first, second, third]
        assert titles == files
        return
    assert report.conflicts == [first, second] and report.updated == [first, second, third], report.lines()
    assert any(line.startswith(f"  ! {first}: edited by a moderator") for line in report.lines())
    assert titles[first] == "Edited in chat before the entry left / active"  # the load's retire undone,
    assert titles[second] == "Edited in chat while it was retired / active"  # the moderators' edits kept
    assert not load_content(db, read_content(content_copy)).changed  # as before the entry left: the edits stand


def test_invalid_content_loads_nothing(content_copy):
    db = open_db(":memory:")
    (content_copy / "transcripts" / "broken.txt").write_text("0:00 fine\ngarbage\n")
    with pytest.raises(ContentInvalid) as caught:
        load_content(db, read_content(content_copy))
    assert any("broken.txt:2" in str(p) for p in caught.value.problems)
    assert db.execute("SELECT count(*) FROM tips").fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM episodes").fetchone()[0] == 0


def test_moderator_edit_is_not_silently_overwritten(content_copy):
    db = open_db(":memory:")
    load_content(db, read_content(content_copy))
    tip_id = read_content(content_copy).tips[0].id
    db.execute("UPDATE tips SET title = 'Edited in chat', version = version + 1 WHERE id = ?", [tip_id])

    # the file did not change: the moderator's edit stands
    assert not load_content(db, read_content(content_copy)).changed

    def change(tips):
        tips[0]["title"] = "Edited in the file"

    _edit_tips(content_copy, HACKS, change)
    report = load_content(db, read_content(content_copy))
    assert report.conflicts == [tip_id]
    assert db.execute("SELECT title FROM tips WHERE id = ?", [tip_id]).fetchone()[0] == "Edited in chat"
    forced = load_content(db, read_content(content_copy), force=True)
    assert forced.updated == [tip_id]
    assert db.execute("SELECT title FROM tips WHERE id = ?", [tip_id]).fetchone()[0] == "Edited in the file"


def test_srt_and_vtt_transcripts_load(content_copy):
    from .test_transcripts import SRT, VTT

    for stem, text, suffix in (("srt_ep", SRT, ".srt"), ("vtt_ep", VTT, ".vtt")):
        (content_copy / "transcripts" / f"{stem}{suffix}").write_text(text)
        (content_copy / "episodes" / f"{stem}.yaml").write_text(f"title: {stem}\nguest: Someone\n")
        (content_copy / "corrections" / f"{stem}.yaml").write_text("kegel: Kaggle\n")
    db = open_db(":memory:")
    report = load_content(db, read_content(content_copy))
    assert {"srt_ep", "vtt_ep"} <= set(report.episodes_added)
    formats = dict(db.execute("SELECT id, format FROM episodes").fetchall())
    assert formats["srt_ep"] == "srt" and formats["vtt_ep"] == "vtt"
    text = db.execute("SELECT group_concat(text) FROM passages WHERE source = 'vtt_ep'").fetchone()[0]
    assert "Kaggle" in text and "kegel" not in text
    raw = db.execute("SELECT group_concat(text) FROM cues WHERE source = 'vtt_ep'").fetchone()[0]
    assert "kegel" in raw  # the stored original is untouched
