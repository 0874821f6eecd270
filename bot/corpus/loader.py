"""`careerbot content load`: sync content/ into the database, idempotently and atomically."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from sqlite_utils import Database

from bot.core import spelling, word_vectors
from bot.core.vocabulary import words
from bot.corpus import ContentInvalid
from bot.corpus.files import Content, tip_hash
from bot.corpus.passages import make_passages
from bot.corpus.validate import check_content
from bot.models import Tip
from bot.store import transaction


@dataclass
class LoadReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    unchanged: int = 0
    conflicts: list[str] = field(default_factory=list)  # moderator edits newer than the file
    episodes_added: list[str] = field(default_factory=list)
    episodes_updated: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.retired or self.episodes_added or self.episodes_updated)

    def lines(self) -> list[str]:
        out = [
            f"episodes: {len(self.episodes_added)} added, {len(self.episodes_updated)} updated",
            f"tips: {len(self.added)} added, {len(self.updated)} updated, {len(self.retired)} retired, "
            f"{self.unchanged} unchanged",
        ]
        out += [f"  + {t}" for t in self.added] + [f"  ~ {t}" for t in self.updated]
        out += [f"  - {t}" for t in self.retired]
        out += [
            f"  ! {t}: edited by a moderator since the last load; kept the database version "
            "(run `careerbot content export`, or load with --force to take the file)"
            for t in self.conflicts
        ]
        return out


def tip_row(tip: Tip) -> dict[str, Any]:
    return {
        "id": tip.id,
        "title": tip.title,
        "tip": tip.tip,
        "quote": tip.quote,
        "speaker": tip.speaker,
        "source": tip.source,
        "start": tip.start,
        "end": tip.end,
        "topics": " ".join(tip.topics),
        "questions": "\n".join(tip.questions),
        "status": tip.status,
    }


def row_to_tip(row: dict[str, Any]) -> Tip:
    return Tip(
        id=row["id"], title=row["title"], tip=row["tip"], quote=row["quote"], speaker=row["speaker"],
        source=row["source"], start=row["start"], end=row["end"], topics=row["topics"].split(),
        questions=row["questions"].split("\n"), status=row["status"],
    )


def audit(db: Database, actor: str, platform: str, action: str, entity: str, entity_id: str,
          before: dict | None, after: dict | None, reverts: int | None = None) -> int:
    """Record one change; must run inside the caller's transaction."""
    cursor = db.execute(
        "INSERT INTO audit (actor, platform, action, entity, entity_id, before, after, reverts) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [actor, platform, action, entity, entity_id,
         json.dumps(before, ensure_ascii=False) if before is not None else None,
         json.dumps(after, ensure_ascii=False) if after is not None else None, reverts],
    )
    from bot.observability import log_change  # one log line and count per change (lazy: CLI start-up)

    log_change(platform, action, entity, entity_id, actor)
    return cursor.lastrowid


def standing_since(db: Database, entity: str, entity_id: str, change: int) -> tuple[int, str] | None:
    """The latest change to `entity` `entity_id` after change `change` that still stands, as (change, who
    made it); None when every later change was undone. A revert is refused while one stands.

    The thing's fields cannot tell that it changed since: a tip edited B→C→B, or a subscription paused and
    resumed, reads as before; the audit log can. A revert cancels the change it undoes when that change
    stands, else (a revert of a revert, of an earlier change) it stands itself.
    """
    standing: dict[int, str] = {}
    for number, who, undoes in db.execute(
            "SELECT id, actor, reverts FROM audit WHERE entity = ? AND entity_id = ? AND id > ? ORDER BY id",
            [entity, entity_id, change]).fetchall():
        if undoes in standing:
            del standing[undoes]
        else:
            standing[number] = who
    return max(standing.items()) if standing else None


def load_content(db: Database, content: Content, *, force: bool = False, actor: str = "content-load",
                 allow_mass_retire: bool = False) -> LoadReport:
    """Make the database match content/; a moderator's newer edit is kept and reported unless `force`.

    Raises `ContentInvalid` (content check fails) or `MassRetire` (it would retire most active tips,
    unless `allow_mass_retire`); then nothing was loaded.
    """
    problems = check_content(content)
    if problems:
        raise ContentInvalid(problems)
    report = LoadReport()
    with transaction(db):
        _load_vocabulary(db, content)
        _load_episodes(db, content, report)
        _load_tips(db, content, report, force=force, actor=actor, allow_mass_retire=allow_mass_retire)
        word_vectors.store_tips(db, word_vectors.shared())  # so that a question encodes only itself
    return report


def _load_vocabulary(db: Database, content: Content) -> None:
    db.execute("DELETE FROM topics")
    for slug, topic in content.topics.items():
        db.execute("INSERT INTO topics (slug, label, terms) VALUES (?, ?, ?)",
                   [slug, topic.label, json.dumps(topic.terms, ensure_ascii=False)])
    db.execute("DELETE FROM synonyms")
    for group in content.synonyms:
        db.execute("INSERT INTO synonyms (terms) VALUES (?)", [json.dumps(group, ensure_ascii=False)])


def _load_episodes(db: Database, content: Content, report: LoadReport) -> None:
    for stem, transcript in content.transcripts.items():
        episode = content.episodes[stem]
        corrections = content.corrections.get(stem)
        fingerprint = json.dumps(
            [transcript.file_hash, episode.model_dump(), corrections.mapping if corrections else {}], sort_keys=True
        )
        existing = db.execute("SELECT file_hash FROM episodes WHERE id = ?", [stem]).fetchone()
        if existing and existing[0] == fingerprint:
            continue
        store_transcript(db, stem, transcript.cues, episode.model_dump(), transcript.format,
                         corrections.mapping if corrections else {}, fingerprint)
        (report.episodes_updated if existing else report.episodes_added).append(stem)


def store_transcript(db: Database, stem: str, cues: list, meta: dict[str, Any], fmt: str,
                     corrections: dict[str, str], fingerprint: str | None) -> None:
    """Replace one transcript's episode row, cues and passages; must run inside a transaction."""
    from bot.corpus.corrections import Corrections

    db.execute("DELETE FROM passages WHERE source = ?", [stem])
    db.execute("DELETE FROM cues WHERE source = ?", [stem])
    db.execute(
        "INSERT INTO episodes (id, title, guest, guest_role, host, summary, url, date, format, file_hash, duration, "
        "corrections, loaded_at) VALUES (:id, :title, :guest, :guest_role, :host, :summary, :url, :date, :format, "
        ":file_hash, :duration, :corrections, strftime('%Y-%m-%dT%H:%M:%SZ', 'now')) "
        "ON CONFLICT(id) DO UPDATE SET title=excluded.title, guest=excluded.guest, guest_role=excluded.guest_role, "
        "host=excluded.host, summary=excluded.summary, url=excluded.url, date=excluded.date, format=excluded.format, "
        "file_hash=excluded.file_hash, duration=excluded.duration, corrections=excluded.corrections, "
        "loaded_at=excluded.loaded_at",
        {"id": stem, "title": meta["title"], "guest": meta["guest"], "guest_role": meta.get("guest_role"),
         "host": meta.get("host"), "summary": meta.get("summary"), "url": meta.get("url"), "date": meta.get("date"),
         "format": fmt, "file_hash": fingerprint, "duration": cues[-1].end if cues else 0,
         "corrections": json.dumps(corrections, ensure_ascii=False)},
    )
    db.conn.executemany(
        'INSERT INTO cues (source, idx, start, "end", text) VALUES (?, ?, ?, ?, ?)',
        [(stem, i, c.start, c.end, c.text) for i, c in enumerate(cues)],
    )
    passages = make_passages(cues, Corrections(corrections))
    db.conn.executemany('INSERT INTO passages (source, start, "end", text) VALUES (?, ?, ?, ?)',
                        [(stem, s, e, t) for s, e, t in passages])
    count_words(db, (t for _, _, t in passages))


def count_words(db: Database, texts: Iterable[str], sign: int = 1) -> None:
    """Add the words of transcript texts to `spoken_words` (bot/store/migrations.py); `sign=-1` takes them back.

    Counts only grow when a transcript is replaced: a word from its old version was still said once, and
    still a fine reading of a typo. Only `remove_transcript` (a transcript added by mistake) takes words back.
    """
    counts = Counter(w for text in texts for w in words(text) if len(w) >= spelling.SHORTEST)
    db.conn.executemany("INSERT INTO spoken_words (word, n) VALUES (?, ?) "
                        "ON CONFLICT(word) DO UPDATE SET n = n + excluded.n",
                        [(word, sign * n) for word, n in counts.items()])
    if sign < 0:
        db.execute("DELETE FROM spoken_words WHERE n <= 0")


def remove_transcript(db: Database, stem: str) -> None:
    """Undo `store_transcript`: the episode, its cues, its passages (and so their search index) and their words.

    Must run inside a transaction; the caller makes sure no tip cites the episode.
    """
    count_words(db, (t for (t,) in db.execute("SELECT text FROM passages WHERE source = ?", [stem])), sign=-1)
    db.execute("DELETE FROM passages WHERE source = ?", [stem])  # its triggers update passages_fts
    db.execute("DELETE FROM cues WHERE source = ?", [stem])
    db.execute("DELETE FROM episodes WHERE id = ?", [stem])


MASS_RETIRE = 0.5  # a load that would retire more than this share of the active tips is refused without the flag


class MassRetire(Exception):
    """A load that would retire most active tips (a wrong or half-empty content directory?); nothing was loaded."""

    def __init__(self, retiring: int, active: int) -> None:
        self.retiring, self.active = retiring, active
        super().__init__(f"this load would retire {retiring} of the {active} active tips, whose entries are missing "
                         "from tips/*.yaml; nothing was loaded. If that is really meant, load again with "
                         "--allow-mass-retire")


GONE = "gone:"


@dataclass(frozen=True)
class Synced:
    """What careerbot knows a tip's file entry held: `tips.file_hash`, as `[gone:]LOADED[+EXPORTED]`.

    - `loaded`: the hash of the entry the last load read ("" for a tip made in chat, never loaded);
    - `gone`: a load since found no entry and retired the tip (`loaded` is still the entry it last read);
    - `exported`: the hash of the entry `content export` wrote since.

    Moderators' edits never change it: that is how load and export tell an edit from the file's version,
    and a hand edit of the file from what careerbot itself read or wrote there.
    """

    loaded: str = ""
    exported: str = ""
    gone: bool = False

    @classmethod
    def of(cls, value: str | None) -> Synced:
        text = value or ""
        loaded, _, exported = text.removeprefix(GONE).partition("+")
        return cls(loaded, exported, text.startswith(GONE))

    def __str__(self) -> str:
        return (GONE if self.gone else "") + self.loaded + (f"+{self.exported}" if self.exported else "")

    def known(self, entry_hash: str) -> bool:
        """Is an entry with this hash one careerbot read from the file or wrote there (not an unseen hand edit)?"""
        return entry_hash == self.exported or (not self.gone and entry_hash == self.loaded)


def edited(row: dict[str, Any]) -> bool:
    """Did a moderator change the tip since its file entry was last loaded?

    A tip a load retired (its entry gone) counts as edited only when something other than its status
    differs from that entry: the load's own retire is not a moderator's edit, nor is the restore
    that undoes it.
    """
    synced = Synced.of(row["file_hash"])
    if synced.gone:
        return synced.loaded not in {tip_hash(row_to_tip(row | {"status": s})) for s in ("active", "retired")}
    return tip_hash(row_to_tip(row)) != synced.loaded


def _load_tips(db: Database, content: Content, report: LoadReport, *, force: bool, actor: str,
               allow_mass_retire: bool) -> None:
    rows = {r["id"]: r for r in db.query("SELECT * FROM tips")}
    in_files = {tip.id for tip in content.tips}
    missing = [tip_id for tip_id, row in rows.items()
               if tip_id not in in_files and row["status"] == "active" and row["origin"] != "moderator"]
    active = sum(row["status"] == "active" for row in rows.values())
    if missing and len(missing) > MASS_RETIRE * active and not allow_mass_retire:
        raise MassRetire(len(missing), active)
    for tip in content.tips:
        new_hash = tip_hash(tip)
        row = rows.get(tip.id)
        if row is None:
            values = tip_row(tip) | {"file_hash": new_hash}
            _insert_tip(db, values)
            audit(db, actor, "cli", "add", "tip", tip.id, None, tip_row(tip))
            report.added.append(tip.id)
            continue
        synced = Synced.of(row["file_hash"])
        if not synced.gone and new_hash == synced.loaded:
            report.unchanged += 1  # the file did not change; any newer moderator edit stands
            continue
        if tip_hash(row_to_tip(row)) == new_hash or new_hash == synced.exported:
            # The file caught up with the database (an export wrote it; a moderator's edit since then
            # stands, and is still told from the file by its hash): just record it.
            db.execute("UPDATE tips SET file_hash = ?, origin = 'content' WHERE id = ?", [new_hash, tip.id])
            report.unchanged += 1
            continue
        if edited(row) and not force:
            report.conflicts.append(tip.id)  # edited in chat since the last load, and the file changed too
            if synced.gone:
                _returned(db, row, tip, report, actor)
            continue
        before = {k: row[k] for k in tip_row(tip)}
        values = tip_row(tip)
        db.execute(
            'UPDATE tips SET title=:title, tip=:tip, quote=:quote, speaker=:speaker, source=:source, start=:start, '
            '"end"=:end, topics=:topics, questions=:questions, status=:status, version=version+1, origin=\'content\', '
            "file_hash=:file_hash, updated_at=strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), updated_by=:actor WHERE id=:id",
            values | {"file_hash": new_hash, "actor": actor},
        )
        audit(db, actor, "cli", "update", "tip", tip.id, before, values)
        report.updated.append(tip.id)
    for tip_id in missing:
        # Retired until its entry comes back; file_hash keeps the entry last loaded, so that a moderator's
        # edit made before (or after) this retire is still told from the file's version.
        gone = replace(Synced.of(rows[tip_id]["file_hash"]), gone=True)
        db.execute("UPDATE tips SET status='retired', version=version+1, updated_by=?, file_hash=? WHERE id=?",
                   [actor, str(gone), tip_id])
        audit(db, actor, "cli", "retire", "tip", tip_id, {"status": "active"}, {"status": "retired"})
        report.retired.append(tip_id)


def _returned(db: Database, row: dict[str, Any], tip: Tip, report: LoadReport, actor: str) -> None:
    """The entry of a tip a load retired is back, and a moderator had edited the tip: keep the edit, and
    undo only the load's retire (the tip takes the entry's status). file_hash is as before the entry
    left, so loads go on telling the edit from the file."""
    back = str(replace(Synced.of(row["file_hash"]), gone=False))
    if row["status"] == tip.status:
        db.execute("UPDATE tips SET file_hash = ? WHERE id = ?", [back, tip.id])
        return
    db.execute("UPDATE tips SET status=?, version=version+1, file_hash=?, "
               "updated_at=strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), updated_by=? WHERE id=?",
               [tip.status, back, actor, tip.id])
    audit(db, actor, "cli", "update", "tip", tip.id, {"status": row["status"]}, {"status": tip.status})
    report.updated.append(tip.id)


def _insert_tip(db: Database, values: dict[str, Any]) -> None:
    columns = ", ".join(f'"{k}"' for k in values)
    db.execute(f"INSERT INTO tips ({columns}) VALUES ({', '.join(':' + k for k in values)})", values)
