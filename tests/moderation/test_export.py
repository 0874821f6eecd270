"""`content export`: the live tips back into content/, and `content load` agreeing with it."""

from __future__ import annotations

import difflib
import os
import shutil

import pytest
import yaml

from bot.core import moderation as m
from bot.corpus.export import ExportError, export_tips, stamp, tip_block
from bot.corpus.files import read_content, tip_hash
from bot.corpus.loader import load_content, row_to_tip
from bot.corpus.validate import check_content
from bot.models import Tip
from bot.store import open_db

from ..conftest import CONTENT

TIP = "choose-a-supportive-social-circle"
FILE = "tips/000_7a926d4821475fb3.yaml"


@pytest.fixture
def content_dir(tmp_path):
    target = tmp_path / "content"
    shutil.copytree(CONTENT, target)
    return target


def live_hashes(db) -> dict[str, str]:
    cursor = db.execute("SELECT * FROM tips")
    names = [d[0] for d in cursor.description]
    tips = [row_to_tip(dict(zip(names, row, strict=True))) for row in cursor]
    return {tip.id: tip_hash(tip) for tip in tips}


def test_nothing_to_export_leaves_every_file_untouched(bot, content_dir):
    before = {p: p.read_bytes() for p in content_dir.rglob("*") if p.is_file()}
    report = export_tips(bot.db, content_dir)
    assert not report.changed and report.unchanged == 68
    assert {p: p.read_bytes() for p in content_dir.rglob("*") if p.is_file()} == before


def test_export_then_load_round_trips_with_no_change(bot, mod, new_tip, content_dir):
    original = (content_dir / FILE).read_text()
    m.edit_tip(bot, mod, TIP, {"title": "Spend less time with naysayers", "topics": "social-circle mindset"}, 1)
    m.retire_tip(bot, mod, "ignore-age-and-career-change-stereotypes")
    added = m.add_tip(bot, mod, new_tip)
    live = live_hashes(bot.db)

    report = export_tips(bot.db, content_dir)
    assert report.updated == [TIP, "ignore-age-and-career-change-stereotypes"] and report.added == [added.tip_id]
    assert report.files == [FILE]

    # Only the edited entries changed: comments and every other tip stay byte for byte.
    text = (content_dir / FILE).read_text()
    changed = [line for line in difflib.unified_diff(original.splitlines(), text.splitlines(), n=0)
               if line[:1] in "+-" and not line.startswith(("+++", "---"))]
    assert "# --- Q&A ---" in text and text.startswith(original.splitlines()[0])
    assert [line for line in changed if line.startswith("-")] == [
        "-  title: Cut back on naysayers and find a supportive circle",
        "-  topics: [social-circle, community, career-change]",
    ]
    added_lines = [line for line in changed if line.startswith("+")]
    assert added_lines[:3] == ["+  title: Spend less time with naysayers", "+  topics: [social-circle, mindset]",
                               "+  status: retired"]
    assert added_lines[3:5] == ["+", f"+- id: {added.tip_id}"] and added_lines[-1].startswith("+    - ")

    # `content check` passes, and the files now hold exactly the live tips.
    content = read_content(content_dir)
    assert check_content(content) == []
    assert {t.id: tip_hash(t) for t in content.tips} == live

    # `content load` right after an export: nothing changed, no conflict, the same tips.
    report = load_content(bot.db, content)
    assert not report.changed and not report.conflicts, report.lines()
    assert live_hashes(bot.db) == live
    assert m._row(bot.db, added.tip_id)["origin"] == "content"  # the file now owns it …
    assert not load_content(bot.db, read_content(content_dir)).changed  # … and a second load agrees

    # A fresh database loaded from the exported files holds the same tips.
    fresh = open_db(":memory:")
    load_content(fresh, read_content(content_dir))
    assert live_hashes(fresh) == live


def test_load_reports_a_moderator_edit_as_a_conflict_until_exported(bot, mod, content_dir):
    m.edit_tip(bot, mod, TIP, {"title": "Moderator's newer title"}, 1)
    path = content_dir / FILE
    path.write_text(path.read_text().replace("title: Cut back on naysayers and find a supportive circle",
                                             "title: Someone edited the file too"))
    report = load_content(bot.db, read_content(content_dir))
    assert report.conflicts == [TIP] and m._row(bot.db, TIP)["title"] == "Moderator's newer title"
    forced = load_content(bot.db, read_content(content_dir), force=True)
    assert forced.updated == [TIP] and m._row(bot.db, TIP)["title"] == "Someone edited the file too"


def test_tip_block_reads_back_exactly_even_for_awkward_text():
    tip = Tip(id="awkward-text", title="# not a comment: 'quoted' \"twice\"", tip="- starts like a list item, "
              "has: colons, #hashes and a very long unbroken " + "x" * 150,
              quote="> folded? | literal? … both … and “curly quotes” & <!channel> @everyone",
              speaker="O'Brien", source="000_7a926d4821475fb3", start=61.5, end=75.25,
              topics=["mindset"], questions=["yes", "no?", "null", "- dash", "key: value"], status="retired")
    parsed = Tip.model_validate(yaml.safe_load("".join(tip_block(tip)))[0])
    assert tip_hash(parsed) == tip_hash(tip)
    assert stamp(61.5) == "1:01.5" and stamp(3725.0) == "1:02:05" and stamp(59.96) == "1:00"


def test_export_refuses_a_tips_file_it_cannot_edit_safely(bot, content_dir):
    (content_dir / "tips" / "broken.yaml").write_text("- id: x\n  title: [unclosed\n")
    with pytest.raises(ExportError, match="invalid YAML"):
        export_tips(bot.db, content_dir)
    (content_dir / "tips" / "broken.yaml").write_text("[{id: flow-style}]\n")
    with pytest.raises(ExportError, match="block list"):
        export_tips(bot.db, content_dir)


def test_restoring_after_an_export_gives_back_the_original_file(bot, mod, content_dir):
    original = (content_dir / FILE).read_bytes()
    m.retire_tip(bot, mod, TIP)
    m.edit_tip(bot, mod, TIP, {"span": "5:46.5-7:51"}, 2)
    export_tips(bot.db, content_dir)
    assert b'start: "5:46.5"' in (content_dir / FILE).read_bytes()
    m.restore_tip(bot, mod, TIP)
    m.edit_tip(bot, mod, TIP, {"span": "5:46-7:51"}, 4)
    report = export_tips(bot.db, content_dir)
    assert report.updated == [TIP] and (content_dir / FILE).read_bytes() == original


def test_export_refuses_a_directory_that_is_not_content(bot, tmp_path):
    from bot.corpus import NotContent

    empty = tmp_path / "emptydir"
    empty.mkdir()
    with pytest.raises(NotContent, match="emptydir: not a content directory"):
        export_tips(bot.db, empty)
    assert list(empty.iterdir()) == []  # not 68 tips written into a stray directory


HAND = ("title: Cut back on naysayers and find a supportive circle", "title: Edited by hand, not loaded yet")


def _hand_edit(content_dir) -> bytes:
    path = content_dir / FILE
    path.write_text(path.read_text().replace(*HAND))
    return path.read_bytes()


def test_export_keeps_a_hand_edit_it_has_not_loaded(bot, mod, content_dir):
    """QA: export rewrote a hand-edited entry back to the database's (older) version, silently."""
    m.edit_tip(bot, mod, "look-for-failures", {"title": "Moderator edited title"}, 1)
    _hand_edit(content_dir)
    report = export_tips(bot.db, content_dir)
    assert report.updated == ["look-for-failures"] and report.kept == [(TIP, FILE)] and not report.conflicts
    assert any(line.startswith(f"  ! {TIP}: changed in {FILE} since the last load; kept the file's version")
               for line in report.lines())
    text = (content_dir / FILE).read_text()
    assert HAND[1] in text and "title: Moderator edited title" in text  # both sides' changes are in the file
    loaded = load_content(bot.db, read_content(content_dir))
    assert loaded.updated == [TIP] and not loaded.conflicts
    assert m._row(bot.db, TIP)["title"] == "Edited by hand, not loaded yet"
    assert m._row(bot.db, "look-for-failures")["title"] == "Moderator edited title"


def test_export_refuses_a_file_whose_tip_changed_there_and_in_chat(bot, mod, content_dir):
    m.edit_tip(bot, mod, TIP, {"title": "Moderator's title"}, 1)
    m.edit_tip(bot, mod, "take-a-small-internship-as-a-way-in", {"title": "Take a small internship"}, 1)
    hand = _hand_edit(content_dir)
    other = content_dir / "tips" / "004_9e43fa320a18dfae.yaml"
    m.edit_tip(bot, mod, "rewrite-research-story-for-job-market", {"title": "Retell your research story"}, 1)
    report = export_tips(bot.db, content_dir)
    assert report.conflicts == [(TIP, FILE)] and report.refused == [FILE]
    assert (content_dir / FILE).read_bytes() == hand  # nothing of either side lost: the file is as it was
    assert report.files == ["tips/004_9e43fa320a18dfae.yaml"] and "Retell your research story" in other.read_text()
    assert any(f"{FILE} was not written" in line and "content load --force" in line for line in report.lines())
    # Resolved by taking the file's version: the next export writes the rest.
    load_content(bot.db, read_content(content_dir), force=True)
    again = export_tips(bot.db, content_dir)
    assert not again.conflicts and again.updated == ["take-a-small-internship-as-a-way-in"]
    assert HAND[1] in (content_dir / FILE).read_text()


def test_export_again_after_more_edits_and_after_the_export_was_discarded(bot, mod, content_dir):
    """Export writes into the file what it then knows the file holds: a second export after more edits
    is no conflict, and neither is a discarded export (git checkout) followed by a load."""
    original = (content_dir / FILE).read_bytes()
    m.edit_tip(bot, mod, TIP, {"title": "First moderator title"}, 1)
    export_tips(bot.db, content_dir)
    m.edit_tip(bot, mod, TIP, {"title": "Second moderator title"}, 2)
    report = export_tips(bot.db, content_dir)
    assert report.updated == [TIP] and not report.conflicts and not report.kept
    (content_dir / FILE).write_bytes(original)  # the review said no: git checkout content/
    loaded = load_content(bot.db, read_content(content_dir))
    assert not loaded.changed and not loaded.conflicts
    assert m._row(bot.db, TIP)["title"] == "Second moderator title"  # the database keeps the moderator's work
    assert export_tips(bot.db, content_dir).updated == [TIP]
    m.edit_tip(bot, mod, TIP, {"title": "Third moderator title"}, 3)
    loaded = load_content(bot.db, read_content(content_dir))  # the file holds what export wrote: no conflict
    assert not loaded.changed and not loaded.conflicts and m._row(bot.db, TIP)["title"] == "Third moderator title"
    assert export_tips(bot.db, content_dir).updated == [TIP]


def test_export_keeps_each_files_mode(bot, mod, new_tip, content_dir):
    """QA: files export rewrote became 0600 (mkstemp's mode); the others stayed 0644."""
    (content_dir / FILE).chmod(0o640)
    m.edit_tip(bot, mod, TIP, {"title": "Spend less time with naysayers"}, 1)
    bot.db.execute("INSERT INTO episodes (id, title, guest) SELECT 'new_episode', title, guest FROM episodes "
                   "WHERE id = '000_7a926d4821475fb3'")
    bot.db.execute("INSERT INTO cues (source, idx, start, \"end\", text) SELECT 'new_episode', idx, start, \"end\", "
                   "text FROM cues WHERE source = '000_7a926d4821475fb3'")
    added = m.add_tip(bot, mod, new_tip | {"episode": "new_episode"})
    assert added.ok, added.problems
    report = export_tips(bot.db, content_dir)
    assert report.files == [FILE, "tips/new_episode.yaml"]
    assert (content_dir / FILE).stat().st_mode & 0o777 == 0o640
    umask = os.umask(0)
    os.umask(umask)
    assert (content_dir / "tips" / "new_episode.yaml").stat().st_mode & 0o777 == 0o666 & ~umask
    assert not list((content_dir / "tips").glob(".*.tmp"))
