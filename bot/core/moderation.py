"""Moderators' changes to the live corpus: the functions every front end calls.

Slack and Discord map a modal onto `add_tip` / `edit_tip` / `preview`; the CLI maps a YAML
file or `--set` options; text front ends use the `/tips` subcommands registered at the end.
Every function checks the moderator rule itself (a crafted form submit is refused too),
validates with the same rules as `content check`, runs in one transaction with an audit row
(who, platform, before, after), and bumps `tips.version`; a save against an older version is
refused with the current tip shown, so two moderators never overwrite each other unseen.
Moderator edits never touch `tips.file_hash`: that is how `content load` tells them apart.
"""

from __future__ import annotations

import json
import re
import shlex
import unicodedata
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from sqlite_utils import Database

from bot.core import subscriptions
from bot.core.actors import Actor
from bot.core.reply import Button, Card, Reply, moment_url, plural, shorten
from bot.core.service import CareerBot, refused, subcommand
from bot.corpus import NotContent, review
from bot.corpus.corrections import Corrections
from bot.corpus.export import stamp
from bot.corpus.files import (
    TRANSCRIPT_SUFFIXES,
    NotWritable,
    Transcript,
    file_hash,
    not_content,
    tip_hash,
    writing,
)
from bot.corpus.loader import audit, row_to_tip, standing_since, store_transcript, tip_row
from bot.corpus.transcripts import Cue, TranscriptError, parse_stamp, read_transcript
from bot.corpus.validate import duplicate_of, tip_problems
from bot.models import STEM, Episode, Tip, plain
from bot.store import transaction

TIP_KEYS = ("id", "title", "tip", "quote", "speaker", "source", "start", "end", "topics", "questions", "status")


@dataclass(frozen=True)
class FormField:
    """One input of the add/edit form, so every front end builds the same form with the same limits."""

    name: str
    label: str
    max_length: int
    multiline: bool = False
    placeholder: str = ""


FORM: tuple[FormField, ...] = (
    FormField("title", "Title", 90, placeholder="Find a mentor in a community"),
    FormField("tip", "Tip (our summary)", 500, multiline=True),
    FormField("quote", "Quote (the speaker's words; … between pieces)", 400, multiline=True),
    FormField("speaker", "Speaker (empty: the guest)", 80),
    FormField("episode", "Episode (transcript id)", 100, placeholder="000_7a926d4821475fb3"),
    FormField("span", "Start–end (mm:ss-mm:ss)", 30, placeholder="5:46-7:51"),
    FormField("topics", "Topics (space or comma separated)", 200, placeholder="mentors community"),
    FormField("questions", "Example questions (one per line, 3 to 10)", 2000, multiline=True),
)
FIELDS = {f.name for f in FORM}
ALIASES = {"source": "episode", "text": "tip", "topic": "topics", "question": "questions"}
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass
class Result:
    """What a moderator action did. `problems` maps form field names (or "") to messages."""

    ok: bool
    reply: Reply
    problems: dict[str, str] = field(default_factory=dict)
    tip_id: str | None = None
    version: int | None = None
    change_id: int | None = None
    conflict: bool = False


@dataclass
class Change:
    """One audit row."""

    id: int
    at: str
    actor: str
    platform: str
    action: str
    entity: str
    entity_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    reverts: int | None

    def fields(self) -> list[str]:
        """The tip fields this change touched (none for other entities)."""
        if self.entity != "tip":
            return []
        before, after = self.before or {}, self.after or {}
        return [k for k in TIP_KEYS if k in before or k in after if before.get(k) != after.get(k)]


# -- reading ---------------------------------------------------------------------------------
def _row(db: Database, tip_id: str) -> dict[str, Any] | None:
    return next(db.query("SELECT * FROM tips WHERE id = ?", [tip_id]), None)


def _snapshot(row: Mapping[str, Any]) -> dict[str, Any]:
    return {k: row[k] for k in (*TIP_KEYS, "version")}


def _cues(db: Database, source: str) -> list[Cue] | None:
    rows = db.execute('SELECT start, "end", text FROM cues WHERE source = ? ORDER BY idx', [source]).fetchall()
    return [Cue(*r) for r in rows] or None


def _corrections(db: Database, source: str) -> Corrections:
    row = db.execute("SELECT corrections FROM episodes WHERE id = ?", [source]).fetchone()
    return Corrections(json.loads(row[0]) if row else {})


def _card(db: Database, tip: Tip | Mapping[str, Any]) -> Card:
    data = tip.model_dump() if isinstance(tip, Tip) else dict(tip)
    episode = db.execute("SELECT title, url FROM episodes WHERE id = ?", [data.get("source")]).fetchone()
    start = _float(data.get("start"))
    topics = data.get("topics") or []
    return Card(
        str(data.get("id") or "(new tip)"), "tip", str(data.get("title") or "(no title)"), str(data.get("tip") or ""),
        str(data.get("quote") or ""), str(data.get("speaker") or ""), episode[0] if episode else str(data.get("source") or ""),
        str(data.get("source") or ""), start, _float(data.get("end")), moment_url(episode[1] if episode else None, start),
        topics=topics.split() if isinstance(topics, str) else list(topics),
    )


def _float(value: object) -> float:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 0.0


def tip_form(bot: CareerBot, tip_id: str) -> dict[str, Any] | None:
    """A tip as the edit form shows it (plus its `version`, to send back with the save)."""
    row = _row(bot.db, tip_id)
    if row is None:
        return None
    return {
        "title": row["title"], "tip": row["tip"], "quote": row["quote"], "speaker": row["speaker"],
        "episode": row["source"], "span": span(row["start"], row["end"]),
        "topics": row["topics"], "questions": row["questions"], "version": row["version"], "status": row["status"],
    }


def span(start: float, end: float) -> str:
    """The form's start–end value, e.g. `5:46-7:51`."""
    return f"{stamp(start)}-{stamp(end)}"


def episode_choices(bot: CareerBot) -> list[tuple[str, str]]:
    """(transcript id, title) of every episode, for an episode picker."""
    return [(i, t) for i, t in bot.db.execute("SELECT id, title FROM episodes ORDER BY id")]


# -- form fields -> a validated Tip -------------------------------------------------------------
def _apply(db: Database, base: dict[str, Any], fields: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Merge form fields onto `base` (Tip keyword data); problems are keyed by form field."""
    data, problems = dict(base), {}
    for raw_key, value in fields.items():
        key = ALIASES.get(str(raw_key).strip().lower(), str(raw_key).strip().lower())
        if key not in FIELDS | {"id", "start", "end"}:
            _problem(problems, "", f"unknown field {str(raw_key)[:30]!r} (fields: {', '.join(f.name for f in FORM)})")
            continue
        texts = value if isinstance(value, list) else [value]
        if any(isinstance(v, str) and CONTROL.search(v) for v in texts):
            _problem(problems, _form_key(key), "contains control characters; paste plain text")
            continue
        value = value.strip() if isinstance(value, str) else value
        if key == "episode":
            source = _resolve_episode(db, str(value or ""))
            if source is None:
                _problem(problems, "episode", f"no episode {str(value)[:60]!r}; use a transcript id")
            else:
                data["source"] = source
        elif key == "span":
            try:
                data["start"], data["end"] = _parse_span(str(value or ""))
            except ValueError as exc:
                _problem(problems, "span", str(exc))
        elif key in ("start", "end"):
            try:
                data[key] = parse_stamp(value)
            except ValueError as exc:
                _problem(problems, "span", str(exc))
        elif key == "questions":
            data["questions"] = _questions(value)
        elif key == "topics" and isinstance(value, str):
            data["topics"] = value.lower().replace(",", " ").split()
        else:
            data[key] = value
    if not str(data.get("speaker") or "").strip() and data.get("source"):
        guest = db.execute("SELECT guest FROM episodes WHERE id = ?", [data["source"]]).fetchone()
        if guest:
            data["speaker"] = guest[0]
    return data, problems


def _problem(problems: dict[str, str], key: str, message: str) -> None:
    if key not in problems:
        problems[key] = message
    elif message not in problems[key]:
        problems[key] += f"; {message}"


def _form_key(key: str) -> str:
    return {"source": "episode", "start": "span", "end": "span"}.get(key, key)


def _resolve_episode(db: Database, value: str) -> str | None:
    row = db.execute("SELECT id FROM episodes WHERE id = ?", [value]).fetchone()
    if row is None:
        rows = db.execute("SELECT id FROM episodes WHERE lower(title) = lower(?)", [value]).fetchall()
        row = rows[0] if len(rows) == 1 else None
    return row[0] if row else None


def _parse_span(value: str) -> tuple[float, float]:
    parts = re.split(r"\s*(?:–|—|-|to)\s*", value.strip())
    if len(parts) != 2 or not all(parts):
        raise ValueError(f"span must look like 5:46-7:51, not {value[:30]!r}")
    return parse_stamp(parts[0]), parse_stamp(parts[1])


def _questions(value: object) -> object:
    if isinstance(value, str):
        lines = value.splitlines()
        if len(lines) == 1 and "|" in value:
            lines = value.split("|")
        return [q.strip() for q in lines if q.strip()]
    return value


def _validate(db: Database, data: dict[str, Any], problems: dict[str, str]) -> Tip | None:
    """The one set of rules: the Tip model, then the span/quote/topic checks of `content check`.

    Adds to `problems` (keyed by form field; a field that already has one keeps just that) and
    returns the tip only when there are none.
    """
    found = dict(problems)
    try:
        tip = Tip.model_validate(data)
        checks = {"topics", "transcript"}
    except ValidationError as exc:
        for error in exc.errors():
            key = _form_key(str(error["loc"][0])) if error["loc"] else "span"
            message = plain(error)
            if key not in problems:
                _problem(found, key, message)
        # Still run the checks whose fields are fine, so a form shows every problem at once.
        checks = {"topics"} - found.keys()
        if not found.keys() & {"episode", "span", "quote"}:
            checks.add("transcript")
        tip = Tip.model_construct(**{k: data.get(k) for k in ("source", "start", "end", "quote")},
                                  topics=data.get("topics") if "topics" in checks else [])
    transcript = "transcript" in checks
    topics = [s for (s,) in db.execute("SELECT slug FROM topics")]
    for message in tip_problems(tip, topics=topics, cues=_cues(db, tip.source) if transcript else None,
                                corrections=_corrections(db, tip.source) if transcript else None):
        key = _problem_field(message)
        if transcript or key == "topics":
            _problem(found, key, message)
    problems.update(found)
    return None if problems else tip


def _problem_field(message: str) -> str:
    """Which form field a `tip_problems` message is about."""
    for prefix, key in (("unknown topic", "topics"), ("source", "episode"), ("span", "span"),
                        ("quote", "quote"), ("the cited span", "quote")):
        if message.startswith(prefix):
            return key
    return ""


def _slug(title: str) -> str:
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title).strip("-")[:60].strip("-")
    return slug if len(slug) >= 3 else "tip"


def _new_id(db: Database, title: str) -> str:
    base, n = _slug(title), 1
    candidate = base
    while db.execute("SELECT 1 FROM tips WHERE id = ?", [candidate]).fetchone():
        n += 1
        candidate = f"{base}-{n}"
    return candidate


# -- replies ----------------------------------------------------------------------------------
def _refused(action: str) -> Result:
    return Result(False, refused(action))


def _invalid(problems: dict[str, str], title: str = "Not saved") -> Result:
    lines = [f"• {key}: {msg}" if key else f"• {msg}" for key, msg in problems.items()]
    return Result(False, Reply("error", title, "Nothing was saved. Please fix:\n" + "\n".join(lines),
                               data={"problems": problems}), problems=problems)


def _error(title: str, text: str) -> Result:
    return Result(False, Reply("error", title, text))


def _conflict(db: Database, row: dict[str, Any], expected: int | None) -> Result:
    text = (f"Not saved: someone else saved this tip since you opened it (you had v{expected}, it is now "
            f"v{row['version']}, by {row['updated_by'] or 'the content files'} at {row['updated_at']}). "
            "Here is the current version; apply your change to it and save again.")
    reply = Reply("error", "Edit conflict", text, cards=[_card(db, row)],
                  data={"conflict": True, "version": row["version"], "tip_id": row["id"]})
    return Result(False, reply, problems={"": "edit conflict"}, tip_id=row["id"], version=row["version"],
                  conflict=True)


def _details(tip: Tip | Mapping[str, Any]) -> str:
    data = tip.model_dump() if isinstance(tip, Tip) else tip
    topics = data.get("topics") or []
    questions = data.get("questions") or []
    topics = topics.split() if isinstance(topics, str) else topics
    questions = questions.split("\n") if isinstance(questions, str) else questions
    return f"Topics: {', '.join(map(str, topics))}\nExample questions:\n" + "\n".join(f"  – {q}" for q in questions)


def _diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    lines = []
    for key in TIP_KEYS:
        if key in before and key in after and _norm(key, before[key]) != _norm(key, after[key]):
            lines.append(f"{key}: “{shorten(_show(key, before[key]), 80)}” → “{shorten(_show(key, after[key]), 80)}”")
    return lines


def _norm(key: str, value: Any) -> Any:
    if key in ("start", "end"):
        return round(_float(value), 1)
    if key in ("topics", "questions") and isinstance(value, list):
        return (" " if key == "topics" else "\n").join(value)
    return value


def _show(key: str, value: Any) -> str:
    if key in ("start", "end"):
        return stamp(_float(value))
    return str(_norm(key, value)).replace("\n", " | ")


FIXED = {"id": "a tip's id can't be changed (add a new tip and retire this one)",
         "status": "can't be edited: use retire or restore"}


def _proposed(db: Database, fields: Mapping[str, Any], row: dict[str, Any] | None,
              ) -> tuple[dict[str, Any], dict[str, str], Tip | None]:
    """Form fields applied onto tip `row` (an edit) or onto nothing (a new tip), and validated.

    Preview and save both come here, so a preview refuses exactly what saving would."""
    fixed = {str(k).strip().lower() for k in fields} & FIXED.keys() if row is not None else set()
    data, problems = _apply(db, row_to_tip(row).model_dump() if row else {},
                            {k: v for k, v in fields.items() if str(k).strip().lower() not in fixed})
    for key in sorted(fixed):
        _problem(problems, key, FIXED[key])
    if row is None and data.get("id"):
        if db.execute("SELECT 1 FROM tips WHERE id = ?", [data["id"]]).fetchone():
            _problem(problems, "id", f"a tip with id {str(data['id'])!r} already exists")
    elif row is None:
        data["id"] = _new_id(db, str(data.get("title") or ""))
    tip = _validate(db, data, problems)
    if tip is not None and tip.status == "active":
        same = [row_to_tip(r) for r in db.query("SELECT * FROM tips WHERE source = ? AND status = 'active'",
                                                [tip.source])]
        duplicate = duplicate_of(tip, same)
        if duplicate:
            _problem(problems, "", duplicate)
            return data, problems, None
    return data, problems, tip


# -- tips -------------------------------------------------------------------------------------
def preview(bot: CareerBot, actor: Actor, fields: Mapping[str, Any], tip_id: str | None = None) -> Reply:
    """The tip card as it would appear after saving `fields` (onto tip `tip_id`), with any problems."""
    if not bot.is_moderator(actor):
        return refused("preview tips")
    db = bot.db
    row = None
    if tip_id is not None:
        row = _row(db, tip_id)
        if row is None:
            return _not_found(tip_id).reply
    data, problems, tip = _proposed(db, fields, row)
    lines = _diff(row, tip_row(tip)) if (row is not None and tip is not None) else []
    if row is not None and tip is not None and not lines:
        lines = ["(no changes)"]
    if problems:
        lines.append("Problems (fix these before saving):")
        lines += [f"• {k}: {m}" if k else f"• {m}" for k, m in problems.items()]
    else:
        lines.append("Looks good: save to make it live.")
    shown = tip if tip is not None else data
    title = tip.title if tip is not None else str(data.get("title") or "")
    return Reply("info", f"Preview: {shorten(title, 80)}",
                 "\n".join(lines) + "\n\n" + _details(shown), cards=[_card(db, shown)],
                 data={"preview": True, "problems": problems, "tip_id": tip_id or data.get("id"),
                       "version": row["version"] if row else None})


def add_tip(bot: CareerBot, actor: Actor, fields: Mapping[str, Any]) -> Result:
    """Create a tip from form fields; it is live (search and rotation) as soon as this returns."""
    if not bot.is_moderator(actor):
        return _refused("add tips")
    with transaction(bot.db) as db:
        return _add(db, actor, fields)


def _add(db: Database, actor: Actor, fields: Mapping[str, Any]) -> Result:
    """`add_tip` inside the caller's transaction."""
    _, problems, tip = _proposed(db, fields, None)
    if tip is None:
        return _invalid(problems)
    values = tip_row(tip) | {"origin": "moderator", "updated_by": actor.who}
    db.execute(
        'INSERT INTO tips (id, title, tip, quote, speaker, source, start, "end", topics, questions, status, origin, '
        "updated_by) VALUES (:id, :title, :tip, :quote, :speaker, :source, :start, :end, :topics, :questions, "
        ":status, :origin, :updated_by)", values,
    )
    row = _row(db, tip.id)
    change = audit(db, actor.who, actor.platform, "add", "tip", tip.id, None, _snapshot(row))
    reply = Reply("info", "Tip added", f"Added “{tip.title}” as {tip.id} (v1, change #{change}). It is live now.",
                  cards=[_card(db, tip)], data={"tip_id": tip.id, "version": 1, "change": change})
    return Result(True, reply, tip_id=tip.id, version=1, change_id=change)


def _not_found(tip_id: str) -> Result:
    return _error("Unknown tip", f"There is no tip with id “{shorten(tip_id, 80)}”. Nothing was changed.")


def edit_tip(bot: CareerBot, actor: Actor, tip_id: str, changes: Mapping[str, Any],
             expected_version: int | None) -> Result:
    """Change some fields of a tip. `expected_version` is the version the moderator saw (None: any)."""
    if not bot.is_moderator(actor):
        return _refused("edit tips")
    with transaction(bot.db) as db:
        row = _current(db, tip_id, expected_version)
        if isinstance(row, Result):
            return row
        _, problems, tip = _proposed(db, changes, row)
        if tip is None:
            return _invalid(problems)
        return _save(db, actor, row, tip, "edit")


def _current(db: Database, tip_id: str, expected_version: int | None) -> dict[str, Any] | Result:
    """The tip's row, or why it can't be changed: unknown, or saved by someone since `expected_version`."""
    row = _row(db, tip_id)
    if row is None:
        return _not_found(tip_id)
    if expected_version is not None and row["version"] != expected_version:
        return _conflict(db, row, expected_version)
    return row


def _save(db: Database, actor: Actor, row: dict[str, Any], tip: Tip, action: str,
          reverts: int | None = None) -> Result:
    """Write `tip` over `row` (version + 1, file_hash and origin untouched) and audit it."""
    if tip_hash(tip) == tip_hash(row_to_tip(row)):
        reply = Reply("info", "No changes", f"{tip.id} already reads like that (v{row['version']}); nothing saved.",
                      data={"tip_id": tip.id, "version": row["version"]})
        return Result(True, reply, tip_id=tip.id, version=row["version"])
    db.execute(
        'UPDATE tips SET title=:title, tip=:tip, quote=:quote, speaker=:speaker, source=:source, start=:start, '
        '"end"=:end, topics=:topics, questions=:questions, status=:status, version=version+1, '
        "updated_at=strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), updated_by=:who WHERE id=:id",
        tip_row(tip) | {"who": actor.who},
    )
    after = _row(db, tip.id)
    change = audit(db, actor.who, actor.platform, action, "tip", tip.id, _snapshot(row), _snapshot(after),
                   reverts=reverts)
    done = {"edit": "Saved", "retire": "Retired", "restore": "Restored", "revert": "Reverted"}[action]
    text = "\n".join(_diff(row, after)) or f"status: {after['status']}"
    if action == "retire":
        text += "\nIt no longer appears in answers or the daily hack."
    reply = Reply("info", f"{done}: {tip.title}", f"{text}\n(v{after['version']}, change #{change})",
                  cards=[_card(db, tip)], data={"tip_id": tip.id, "version": after["version"], "change": change})
    return Result(True, reply, tip_id=tip.id, version=after["version"], change_id=change)


def retire_tip(bot: CareerBot, actor: Actor, tip_id: str, expected_version: int | None = None) -> Result:
    """Take a tip out of answers and the daily rotation (kept, and restorable)."""
    return _set_status(bot, actor, tip_id, "retired", expected_version)


def restore_tip(bot: CareerBot, actor: Actor, tip_id: str, expected_version: int | None = None) -> Result:
    """Bring a retired tip back."""
    return _set_status(bot, actor, tip_id, "active", expected_version)


def _set_status(bot: CareerBot, actor: Actor, tip_id: str, status: str, expected_version: int | None) -> Result:
    if not bot.is_moderator(actor):
        return _refused(f"{'retire' if status == 'retired' else 'restore'} tips")
    with transaction(bot.db) as db:
        return set_status(db, actor, tip_id, status, expected_version)


def set_status(db: Database, actor: Actor, tip_id: str, status: str, expected_version: int | None) -> Result:
    """Retire or restore a tip inside the caller's transaction (a revert of a review accept retires its tip)."""
    row = _current(db, tip_id, expected_version)
    if isinstance(row, Result):
        return row
    if row["status"] == status:
        reply = Reply("info", "Nothing to do", f"{tip_id} is already {status} (v{row['version']}).")
        return Result(True, reply, tip_id=tip_id, version=row["version"])
    tip = row_to_tip(row).model_copy(update={"status": status})
    return _save(db, actor, row, tip, "retire" if status == "retired" else "restore")


# -- history and revert -------------------------------------------------------------------------
def _changes(db: Database, where: str, params: list) -> list[Change]:
    rows = db.execute(
        f"SELECT id, at, actor, platform, action, entity, entity_id, before, after, reverts FROM audit {where}", params
    ).fetchall()
    return [Change(*r[:7], json.loads(r[7]) if r[7] else None, json.loads(r[8]) if r[8] else None, r[9])
            for r in rows]


def history(bot: CareerBot, tip_id: str | None = None, limit: int = 20) -> list[Change]:
    """The latest changes, newest first: to one tip, or to anything."""
    if tip_id is None:
        return _changes(bot.db, "ORDER BY id DESC LIMIT ?", [limit])
    return _changes(bot.db, "WHERE entity = 'tip' AND entity_id = ? ORDER BY id DESC LIMIT ?", [tip_id, limit])


SUBJECTS = {"tip": "{}", "subscription": "{}", "review": "candidate #{}", "episode": "episode {}"}


def describe(change: Change) -> str:
    """One line for a history listing."""
    subject = SUBJECTS.get(change.entity, change.entity + " {}").format(change.entity_id)
    line = f"#{change.id}  {change.at}  {change.actor}  {change.action} {subject}"
    if change.reverts:
        line += f" (reverts #{change.reverts})"
    detail = _detail(change)
    return f"{line}: {detail}" if detail else line


def _detail(change: Change) -> str:
    """What the change did, in a few words: the tip fields, the schedule, the decision, the episode."""
    before, after = change.before or {}, change.after or {}
    if change.entity == "tip":
        return ", ".join(change.fields()) if change.action in ("edit", "update", "revert") else ""
    if change.entity == "subscription" and change.action not in ("pause", "resume"):
        return subscriptions.summary(change.after) if change.after else "removed"
    if change.entity == "review" and after.get("status") == "accepted":
        return f"as tip {after.get('tip_id')}"
    if change.entity == "review" and change.action == "revert":
        retired = f", tip {before['tip_id']} retired" if before.get("tip_id") else ""
        return f"{after.get('status')} again{retired}"
    if change.entity == "episode" and change.action == "add-transcript":
        return f"“{shorten(str(after.get('title')), 60)}”, {plural(int(after.get('candidates') or 0), 'candidate tip')}"
    if change.entity == "episode" and change.action == "revert":
        return "removed, with its passages, candidates and files"
    return ""


def history_reply(bot: CareerBot, actor: Actor, tip_id: str | None = None, limit: int = 10) -> Reply:
    """One tip's history, or (no `tip_id`) the latest changes to anything, with how to undo one."""
    if not bot.is_moderator(actor):
        return refused("see the change history")
    title, version, head = "Change history", None, "Latest changes first:"
    if tip_id is not None:
        row = _row(bot.db, tip_id)
        if row is None:
            return _not_found(tip_id).reply
        title, version = f"History of {tip_id}", row["version"]
        head = f"{tip_id} is v{version}, {row['status']}. {head}"
    changes = history(bot, tip_id, limit)
    lines = [head]
    for change in changes:
        lines.append(describe(change))
        if change.entity == "tip":
            lines += [f"    {d}" for d in _diff(change.before or {}, change.after or {})[:4]]
    lines.append("Undo one with /tips revert <change number>.")
    return Reply("info", title, "\n".join(lines), data={"changes": [asdict(c) for c in changes], "version": version})


def revert(bot: CareerBot, actor: Actor, change_id: int) -> Result:
    """Undo change `change_id`: to a tip, a subscription, a review decision, or an added transcript.

    Only while the thing still reads as that change left it (and, for a tip or a subscription, no later
    change to it stands: `later_stands`); otherwise the later change is named and nothing changes, so
    nobody's newer work is undone unseen. The revert is audited (action
    'revert', `reverts`) in the same transaction. Tips are here; the other kinds in bot/core/reverts.py.
    """
    if not bot.is_moderator(actor):
        return _refused("revert changes")
    found = _changes(bot.db, "WHERE id = ?", [change_id])
    if not found:
        return _error("Unknown change", f"There is no change #{change_id}. Nothing was changed.")
    change = found[0]
    if change.entity == "tip":
        return _revert_tip(bot, actor, change)
    from bot.core.reverts import REVERTERS

    undo = REVERTERS.get(change.entity)
    if undo is None:
        return _error("Can't revert", f"Change #{change_id} is a {change.entity} change, which can't be reverted. "
                                      "Nothing was changed.")
    return undo(bot, actor, change)


def changed_since(db: Database, change: Change, what: str, advice: str,
                  on: tuple[str, str] | None = None) -> Result:
    """The refusal of a revert: `what` no longer reads as `change` left it. Names the latest change
    since to the same entity (or to `on`, an (entity, id) pair)."""
    entity, entity_id = on or (change.entity, change.entity_id)
    later = _changes(db, "WHERE entity = ? AND entity_id = ? AND id > ? ORDER BY id DESC LIMIT 1",
                     [entity, entity_id, change.id])
    since = f" (latest: change #{later[0].id} by {later[0].actor})" if later else ""
    return _error("Can't revert", f"{what} has changed since change #{change.id}{since}. {advice} "
                                  "Nothing was changed.")


def later_stands(db: Database, change: Change, what: str, advice: str) -> Result | None:
    """The refusal of a revert while a later change to the same thing stands (`standing_since`), even one
    that left it reading as `change` did; None when every later change was undone."""
    later = standing_since(db, change.entity, change.entity_id, change.id)
    if later is None:
        return None
    return _error("Can't revert", f"{what} has changed since change #{change.id}: change #{later[0]} by "
                                  f"{later[1]} stands. {advice} Nothing was changed.")


def _revert_tip(bot: CareerBot, actor: Actor, change: Change) -> Result:
    """Put a tip back as it was before `change` (reverting an add retires the tip)."""
    with transaction(bot.db) as db:
        row = _row(db, change.entity_id)
        if row is None:
            return _not_found(change.entity_id)
        standing = later_stands(db, change, change.entity_id, "Revert that first, or edit the tip.")
        if standing is not None:
            return standing
        after = change.after or {}  # a change made outside careerbot is not in the audit log
        if any(_norm(k, row[k]) != _norm(k, v) for k, v in after.items() if k in TIP_KEYS):
            return changed_since(db, change, change.entity_id,
                                 "Revert the later change first, or edit the tip.")
        target = row_to_tip(row).model_dump()
        if change.before is None:
            target["status"] = "retired"
        else:
            target |= {k: v for k, v in change.before.items() if k in TIP_KEYS and k != "id"}
        problems: dict[str, str] = {}
        tip = _validate(db, target, problems)
        if tip is None:
            return _invalid(problems, "Can't revert: the earlier version no longer passes the checks")
        return _save(db, actor, row, tip, "revert", reverts=change.id)


# -- transcripts and the review queue ---------------------------------------------------------------
def add_transcript(bot: CareerBot, actor: Actor, path: Path, meta: Mapping[str, Any], content_dir: Path) -> Result:
    """Load a new transcript (seed, SRT or WebVTT): searchable at once, copied into content/ for
    review, with its advice-like passages queued as candidate tips."""
    if not bot.is_moderator(actor):
        return _refused("add transcripts")
    path, content_dir = Path(path), Path(content_dir)
    stem, suffix = path.stem, path.suffix.lower()
    reason = not_content(content_dir)
    if reason:  # its files would land in a stray directory, where no load would see them
        return _error("Transcript not added", f"{NotContent(content_dir, reason)}. Nothing was stored.")
    if suffix not in TRANSCRIPT_SUFFIXES:
        return _invalid({"file": f"must end in {', '.join(TRANSCRIPT_SUFFIXES)} (seed captions, SRT or WebVTT)"})
    if not STEM.match(stem):
        return _invalid({"file": "the file name (its id) may hold only letters, digits, '_', '-' and '.'"})
    try:
        episode = Episode.model_validate(dict(meta))
    except ValidationError as exc:
        return _invalid({str(e["loc"][0]) if e["loc"] else "": plain(e) for e in exc.errors()})
    try:
        data = path.read_bytes()
        cues = read_transcript(path)
    except OSError as exc:
        return _invalid({"file": f"can't read it: {exc.strerror}"})
    except TranscriptError as exc:
        return _invalid({"file": str(exc)})
    existing = [p.name for p in (content_dir / "transcripts").glob(f"{stem}.*")]
    if bot.db.execute("SELECT 1 FROM episodes WHERE id = ?", [stem]).fetchone() or existing:
        return _invalid({"file": f"a transcript with id {stem!r} already exists; rename the file"})
    target = content_dir / "transcripts" / f"{stem}{suffix}"
    meta_file = content_dir / "episodes" / f"{stem}.yaml"
    fmt = Transcript(stem, target, cues, file_hash(data)).format
    episode_data = episode.model_dump()
    # The same fingerprint `content load` computes, so a load afterwards sees nothing new.
    fingerprint = json.dumps([file_hash(data), episode_data, {}], sort_keys=True)
    written: list[Path] = []
    try:
        with transaction(bot.db) as db:
            store_transcript(db, stem, cues, episode_data, fmt, {}, fingerprint)
            candidates = review.propose(db, stem)
            passages = db.execute("SELECT count(*) FROM passages WHERE source = ?", [stem]).fetchone()[0]
            change = audit(db, actor.who, actor.platform, "add-transcript", "episode", stem, None,
                           episode_data | {"format": fmt, "cues": len(cues), "candidates": candidates,
                                           "content_dir": str(content_dir.resolve())})  # where a revert looks
            for dest, content in ((target, data), (meta_file, episode_yaml(episode_data))):
                with writing(dest):
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    with dest.open("xb") as handle:  # never over a file that is there already
                        written.append(dest)
                        handle.write(content)
    except BaseException as exc:
        for dest in written:
            dest.unlink(missing_ok=True)
        if isinstance(exc, NotWritable):
            return _error("Transcript not added", f"{exc}. Nothing was stored: add transcripts where the content "
                                                  "directory is writable (a checkout of it, --content), then commit.")
        raise
    text = (f"Added {stem} ({fmt}): {plural(len(cues), 'caption')}, {plural(passages, 'passage')}, searchable now. "
            f"{plural(candidates, 'candidate tip')} queued for review "
            f"(/tips review or careerbot content review). Wrote {target.relative_to(content_dir)} and "
            f"{meta_file.relative_to(content_dir)}: commit them.")
    reply = Reply("info", f"Transcript added: {episode.title}", text,
                  data={"source": stem, "candidates": candidates, "change": change})
    return Result(True, reply, change_id=change)


def episode_yaml(meta: Mapping[str, Any]) -> bytes:
    """`episodes/<id>.yaml` as `add_transcript` writes it (a revert checks the file is still that)."""
    return yaml.safe_dump(dict(meta), sort_keys=False, allow_unicode=True, width=1000).encode()


def _candidate_reply(db: Database, item: review.Candidate, remaining: int, cli: bool = False) -> Reply:
    episode = db.execute("SELECT title, url, guest FROM episodes WHERE id = ?", [item.source]).fetchone()
    title, url, guest = episode if episode else (item.source, None, "")
    card = Card(f"candidate-{item.id}", "passage", f"Candidate #{item.id} from {title}", "", item.text, guest,
                title, item.source, item.start, item.end, moment_url(url, item.start), score=item.score)
    where = span(item.start, item.end)
    if cli:
        how = (f"• careerbot content review --accept {item.id} --file fields.yaml (title, tip, quote, topics, "
               f"questions; span defaults to {where})\n"
               f"• careerbot content review --reject {item.id}\n• careerbot content review --skip {item.id}")
    else:
        how = (f"• /tips review accept {item.id} title=\"…\" tip=\"…\" quote=\"…\" topics=\"…\" "
               f"questions=\"q1 | q2 | q3\" [span={where}] --save\n"
               f"• /tips review reject {item.id}\n• /tips review skip {item.id}")
    text = (f"{plural(remaining, 'candidate')} to review"
            f"{' (this one was skipped before)' if item.status == 'skipped' else ''}. Turn this passage into a "
            f"tip, reject it, or skip it for later:\n{how}")
    form = {"episode": item.source, "span": where, "speaker": guest}
    return Reply("info", "Review a candidate tip", text, cards=[card],
                 buttons=[Button("review_accept", "Accept…", str(item.id), "primary"),
                          Button("review_reject", "Reject", str(item.id), "danger"),
                          Button("review_skip", "Skip", str(item.id))],
                 data={"candidate": asdict(item), "form": form})


def review_next(bot: CareerBot, actor: Actor, cli: bool = False) -> Reply:
    """The next candidate to decide on: pending ones best first, then skipped ones. `cli`: how to decide
    it as `careerbot content review` options, not as /tips commands."""
    if not bot.is_moderator(actor):
        return refused("review candidate tips")
    items = review.open_items(bot.db, limit=1)
    if not items:
        return Reply("info", "Review queue empty",
                     "No candidate tips to review. New ones arrive with `careerbot content add-transcript`.")
    return _candidate_reply(bot.db, items[0], review.count_open(bot.db), cli)


def review_list(bot: CareerBot, actor: Actor, limit: int = 20) -> Reply:
    if not bot.is_moderator(actor):
        return refused("review candidate tips")
    items = review.open_items(bot.db, limit)
    lines = [f"#{i.id}  {i.source} {span(i.start, i.end)}  score {i.score:g}  {i.status}  "
             f"“{shorten(i.text, 90)}”" for i in items]
    return Reply("info", f"Review queue ({review.count_open(bot.db)} open)",
                 "\n".join(lines) or "No candidate tips to review.", data={"items": [asdict(i) for i in items]})


def review_accept(bot: CareerBot, actor: Actor, item_id: int, fields: Mapping[str, Any]) -> Result:
    """Make candidate `item_id` a tip from the moderator's fields (episode and span default to the passage)."""
    if not bot.is_moderator(actor):
        return _refused("review candidate tips")
    with transaction(bot.db) as db:
        item = _open_item(db, item_id)
        if isinstance(item, Result):
            return item
        defaults = {"episode": item.source, "span": span(item.start, item.end)}
        keys = {ALIASES.get(str(k).lower(), str(k).lower()) for k in fields}
        if keys & {"start", "end"}:
            defaults.pop("span")
        result = _add(db, actor, defaults | dict(fields))
        if not result.ok:
            return result
        decided = review.decide(db, item_id, "accepted", actor.who, result.tip_id)
        # the tip's version too: reverting the accept retires that tip only while it still reads so
        audit(db, actor.who, actor.platform, "accept", "review", str(item_id), review.state(item),
              review.state(decided) | {"tip_version": result.version})
    result.reply.text += f"\nCandidate #{item_id} accepted."
    return result


def review_reject(bot: CareerBot, actor: Actor, item_id: int, cli: bool = False) -> Result:
    return _decide(bot, actor, item_id, "rejected", cli)


def review_skip(bot: CareerBot, actor: Actor, item_id: int, cli: bool = False) -> Result:
    return _decide(bot, actor, item_id, "skipped", cli)


def _open_item(db: Database, item_id: int) -> review.Candidate | Result:
    item = review.get(db, item_id)
    if item is None:
        return _error("Unknown candidate", f"There is no candidate #{item_id}. Nothing was changed.")
    if item.status not in review.OPEN:
        tip = f" as {item.tip_id}" if item.tip_id else ""
        return _error("Already decided", f"Candidate #{item_id} was already {item.status}{tip}.")
    return item


def _decide(bot: CareerBot, actor: Actor, item_id: int, status: str, cli: bool) -> Result:
    """Reject or skip candidate `item_id`; the reply says how to see the next one (`cli`: as a
    `careerbot content review` command, as `review_next` does, not as /tips)."""
    if not bot.is_moderator(actor):
        return _refused("review candidate tips")
    with transaction(bot.db) as db:
        item = _open_item(db, item_id)
        if isinstance(item, Result):
            return item
        decided = review.decide(db, item_id, status, actor.who)
        action = {"rejected": "reject", "skipped": "skip"}[status]
        change = audit(db, actor.who, actor.platform, action, "review", str(item_id), review.state(item),
                       review.state(decided))
    left = review.count_open(bot.db)
    how = "careerbot content review next" if cli else "/tips review"
    return Result(True, Reply("info", f"Candidate #{item_id} {status}", f"{left} left to review ({how})."),
                  change_id=change)


# -- /tips subcommands for text front ends --------------------------------------------------------
@dataclass
class Parsed:
    args: list[str]
    fields: dict[str, str]
    save: bool
    version: int | None


def parse_args(text: str) -> Parsed:
    """`<args> [@version] field=value … [--save]`, with shell-style quotes (raises ValueError)."""
    text = text.replace("“", '"').replace("”", '"')  # chat clients curl quotes
    try:
        tokens = shlex.split(text)
    except ValueError:
        raise ValueError('unbalanced quotes: wrap each value in double quotes, like title="Don\'t give up"') from None
    parsed = Parsed([], {}, False, None)
    for token in tokens:
        name, eq, value = token.partition("=")
        if token == "--save":
            parsed.save = True
        elif re.fullmatch(r"@\d{1,9}", token):
            parsed.version = int(token[1:])
        elif eq and re.fullmatch(r"[A-Za-z_]{1,20}", name):
            parsed.fields[name.lower()] = value
        else:
            parsed.args.append(token)
    return parsed


def _usage(text: str) -> Reply:
    return Reply("error", "How to use it", text)


def _save_command(command: str, fields: Mapping[str, str], version: int | None) -> str:
    """The command that saves what was just previewed (values double-quoted, as people type them)."""
    parts = [command] + ([f"@{version}"] if version is not None else [])
    parts += [f'{k}="' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for k, v in fields.items()]
    return " ".join(parts + ["--save"])


@subcommand("add", "add field=value … [--save]", "Add a tip", moderator=True)
def _cmd_add(bot: CareerBot, actor: Actor, rest: str) -> Reply:
    if not rest:
        fields = ", ".join(f.name for f in FORM)
        return Reply("info", "Add a tip",
                     f"Fill in the form, or type /tips add {fields.replace(', ', '=… ')}=… (quotes around values "
                     "with spaces; questions separated by |). Without --save you get a preview. From a file: "
                     "careerbot content add FILE.yaml.", data={"form": "add"})
    try:
        parsed = parse_args(rest)
    except ValueError as exc:
        return _usage(str(exc))
    if parsed.args:
        return _usage(f"Unexpected {parsed.args[0][:40]!r}: write every field as name=value.")
    if parsed.save:
        return add_tip(bot, actor, parsed.fields).reply
    reply = preview(bot, actor, parsed.fields)
    if not reply.data.get("problems"):
        reply.text += "\n\nTo save: " + _save_command("/tips add", parsed.fields, None)
    return reply


@subcommand("edit", "edit <id> [field=value … --save]", "Edit a tip", moderator=True)
def _cmd_edit(bot: CareerBot, actor: Actor, rest: str) -> Reply:
    try:
        parsed = parse_args(rest)
    except ValueError as exc:
        return _usage(str(exc))
    if len(parsed.args) != 1:
        return _usage("Usage: /tips edit <id> field=value … (preview), then the same with --save. "
                      "Fields: " + ", ".join(f.name for f in FORM))
    tip_id = parsed.args[0]
    if not parsed.fields:
        form = tip_form(bot, tip_id)
        if form is None:
            return _not_found(tip_id).reply
        lines = [f"{k}: {v}" for k, v in form.items() if k not in ("version", "status")]
        return Reply("info", f"Edit {tip_id} (v{form['version']}, {form['status']})",
                     "\n".join(lines) + f"\n\nChange fields with /tips edit {tip_id} field=\"new value\" …",
                     data={"form": "edit", "tip_id": tip_id, "values": form, "version": form["version"]})
    if parsed.save:
        return edit_tip(bot, actor, tip_id, parsed.fields, parsed.version).reply
    reply = preview(bot, actor, parsed.fields, tip_id)
    if reply.kind == "info" and not reply.data.get("problems"):
        reply.text += "\n\nTo save: " + _save_command(f"/tips edit {tip_id}", parsed.fields,
                                                       parsed.version or reply.data["version"])
    return reply


def _one_id(rest: str, usage: str) -> str | Reply:
    parts = rest.split()
    return parts[0] if len(parts) == 1 else _usage(f"Usage: /tips {usage}")


@subcommand("retire", "retire <id>", "Retire a tip", moderator=True)
def _cmd_retire(bot: CareerBot, actor: Actor, rest: str) -> Reply:
    tip_id = _one_id(rest, "retire <id>")
    return tip_id if isinstance(tip_id, Reply) else retire_tip(bot, actor, tip_id).reply


@subcommand("restore", "restore <id>", "Restore a retired tip", moderator=True)
def _cmd_restore(bot: CareerBot, actor: Actor, rest: str) -> Reply:
    tip_id = _one_id(rest, "restore <id>")
    return tip_id if isinstance(tip_id, Reply) else restore_tip(bot, actor, tip_id).reply


@subcommand("history", "history [<id>]", "See the change history (all changes, or one tip's)", moderator=True)
def _cmd_history(bot: CareerBot, actor: Actor, rest: str) -> Reply:
    if not rest.strip():
        return history_reply(bot, actor)
    tip_id = _one_id(rest, "history [<tip id>]")
    return tip_id if isinstance(tip_id, Reply) else history_reply(bot, actor, tip_id)


def change_number(text: str) -> int | None:
    """A change's number as the history prints it (`#77`) or bare (`77`); None when `text` is not one.
    The one rule for `/tips revert` and `careerbot content revert`."""
    found = re.fullmatch(r"#?(\d{1,12})", (text or "").strip(), re.ASCII)
    return int(found.group(1)) if found else None


@subcommand("revert", "revert <change>", "Undo a change (a tip's, a subscription's, a review decision, "
                                          "an added transcript)", moderator=True)
def _cmd_revert(bot: CareerBot, actor: Actor, rest: str) -> Reply:
    number = change_number(rest)
    if number is None:
        return _usage("Usage: /tips revert <change number> (see /tips history)")
    return revert(bot, actor, number).reply


@subcommand("review", "review [list | accept|reject|skip <n> …]", "Review candidate tips", moderator=True)
def _cmd_review(bot: CareerBot, actor: Actor, rest: str) -> Reply:
    try:
        parsed = parse_args(rest)
    except ValueError as exc:
        return _usage(str(exc))
    if not parsed.args:
        return review_next(bot, actor)
    verb, numbers = parsed.args[0].lower(), parsed.args[1:]
    if verb == "list" and not numbers:
        return review_list(bot, actor)
    if verb not in ("accept", "reject", "skip") or len(numbers) != 1 or not numbers[0].lstrip("#").isdigit():
        return _usage("Usage: /tips review, /tips review list, /tips review accept <n> field=value … --save, "
                      "/tips review reject <n>, /tips review skip <n>")
    item_id = int(numbers[0].lstrip("#")[:12])
    if verb == "reject":
        return review_reject(bot, actor, item_id).reply
    if verb == "skip":
        return review_skip(bot, actor, item_id).reply
    if parsed.save:
        return review_accept(bot, actor, item_id, parsed.fields).reply
    item = review.get(bot.db, item_id)
    if item is None:
        return _error("Unknown candidate", f"There is no candidate #{item_id}.").reply
    fields = {"episode": item.source, "span": span(item.start, item.end)} | parsed.fields
    reply = preview(bot, actor, fields)
    if reply.data.get("problems"):
        reply.text += (f"\n\nWrite the tip from the passage: /tips review accept {item_id} title=\"…\" tip=\"…\" "
                       "quote=\"…\" topics=\"…\" questions=\"q1 | q2 | q3\" (preview), then the same with --save.")
    else:
        reply.text += "\n\nTo save: " + _save_command(f"/tips review accept {item_id}", parsed.fields, None)
    reply.data["form"] = {"episode": item.source, "span": fields["span"], "candidate": item_id}
    return reply


@subcommand("stats", "stats", "See usage and feedback statistics", moderator=True)
def _cmd_stats(bot: CareerBot, actor: Actor, rest: str) -> Reply:
    from bot.core.stats import stats

    return stats(bot)
