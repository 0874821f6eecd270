"""`careerbot content export`: write the live tips back into content/tips/*.yaml for review.

Files are edited in place: only the entries of tips that differ from the database are
rewritten, so comments, order and untouched tips stay byte for byte and the git diff shows
exactly what moderators changed. Tips made in chat are appended to `tips/<source>.yaml`.
Every file is checked before it is written: it must parse back into exactly the database's
tips, which is what lets `content load` right after an export report nothing changed.

Export never overwrites a change to a file it has not seen (`Synced` in loader.py: what careerbot
last read from or wrote into each entry). An entry edited by hand and not loaded yet is kept as it
is when the database has nothing newer for that tip; when a moderator changed the tip too, the
whole file is left unwritten and the tip named, as `content load` names a moderator's edit.
A rewritten file keeps its mode.
"""

from __future__ import annotations

import os
import secrets
import stat
import textwrap
from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml
from pydantic import ValidationError
from sqlite_utils import Database

from bot.corpus import NotContent
from bot.corpus.files import YAML_LOADER, not_content, tip_hash, writing
from bot.corpus.loader import Synced, edited, row_to_tip
from bot.corpus.transcripts import format_stamp
from bot.models import Tip
from bot.store import transaction

WRAP = 104  # the width the curated files are folded at


class ExportError(Exception):
    """A tips file export cannot rewrite safely; nothing was written to it."""


@dataclass
class ExportReport:
    files: list[str] = field(default_factory=list)  # written, relative to the content dir
    updated: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    unchanged: int = 0
    kept: list[tuple[str, str]] = field(default_factory=list)  # (tip, file): the file's unloaded edit kept
    conflicts: list[tuple[str, str]] = field(default_factory=list)  # (tip, file): edited on both sides

    @property
    def changed(self) -> bool:
        return bool(self.files)

    @property
    def refused(self) -> list[str]:
        """The files not written because a tip in them was changed there and by a moderator."""
        return sorted({name for _, name in self.conflicts})

    def lines(self) -> list[str]:
        out = [f"tips: {len(self.updated)} updated, {len(self.added)} added, {self.unchanged} unchanged"]
        out += [f"  ~ {t}" for t in self.updated] + [f"  + {t}" for t in self.added]
        out += [f"  ! {t}: changed in {name} since the last load; kept the file's version "
                "(`careerbot content load` takes it)" for t, name in self.kept]
        out += [f"  ! {t}: changed in {name} since the last load and by a moderator too, so {name} was not "
                "written. Take the file's version with `careerbot content load --force`, or undo the file's "
                "change (see git diff) and export again to write the database's" for t, name in self.conflicts]
        out += [f"wrote {f}" for f in self.files]
        return out


@dataclass
class _Entry:
    """One tip in a file: its lines [first, last], the indent of its dash, the tip it holds, and
    where each of its keys starts (line numbers), in file order."""

    first: int
    last: int
    indent: int
    tip: Tip
    keys: dict[str, int]

    def rewrite(self, lines: list[str], tip: Tip) -> list[str]:
        """This entry's new lines: each key whose value is unchanged keeps its text as it is."""
        starts = sorted(self.keys.values()) + [self.last + 1]
        spans = {k: (n, starts[starts.index(n) + 1]) for k, n in self.keys.items()}
        fresh = _field_lines(tip)
        out: list[str] = []
        for key in [*self.keys, *(k for k in fresh if k not in self.keys)]:
            if key in self.keys and _same(key, self.tip, tip):
                first, end = spans[key]
                out += lines[first:end]
            elif key in fresh:
                out += _indent(fresh[key], self.indent)
        pad = " " * self.indent
        if out and out[0].startswith(pad + "  "):  # the key that carried the dash was rewritten
            out[0] = pad + "- " + out[0][len(pad) + 2:]
        return out if _parses_to(out, tip) else _indent(tip_block(tip), self.indent)


def export_tips(db: Database, root: Path) -> ExportReport:
    """Make content/tips/ hold the database's tips; return what changed.

    Raises `NotContent` for a directory that is not a content directory (nothing is written there),
    `ExportError` for a tips file it cannot rewrite safely and `NotWritable` for one it cannot write
    (a read-only content directory): nothing was written to that file.
    """
    root = Path(root)
    reason = not_content(root)
    if reason:
        raise NotContent(root, reason)
    tips_dir = root / "tips"
    rows = {row["id"]: row for row in db.query("SELECT * FROM tips ORDER BY source, start, n")}
    live = {tip_id: row_to_tip(row) for tip_id, row in rows.items()}
    report = ExportReport()
    placed: set[str] = set()
    for path in sorted(tips_dir.glob("*.yaml")):
        name = str(path.relative_to(root))
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines(keepends=True)
        changed: list[tuple[_Entry, Tip]] = []
        conflicts: list[str] = []
        for entry in _entries(text, path.name):
            tip = live.get(entry.tip.id)
            if tip is None:
                continue
            placed.add(tip.id)
            in_file = tip_hash(entry.tip)
            if tip_hash(tip) == in_file:
                report.unchanged += 1
            elif Synced.of(rows[tip.id]["file_hash"]).known(in_file):
                changed.append((entry, tip))  # the entry is as careerbot last read or wrote it: the database is newer
            elif not edited(rows[tip.id]):
                report.kept.append((tip.id, name))  # edited by hand, not loaded yet; nothing newer here
            else:
                conflicts.append(tip.id)
        if conflicts:
            report.conflicts += [(tip_id, name) for tip_id in conflicts]
            continue
        for entry, tip in reversed(changed):  # from the bottom up, so earlier line numbers stay valid
            lines[entry.first:entry.last + 1] = entry.rewrite(lines, tip)
        report.updated += [tip.id for _, tip in changed]
        if changed:
            _write(db, path, "".join(lines), [tip for _, tip in changed], root, report)
    by_source: dict[str, list[Tip]] = {}
    for tip_id, tip in live.items():
        if tip_id in placed or (rows[tip_id]["origin"] == "content" and tip.status == "retired"):
            continue  # a content tip retired because its file entry was removed stays removed
        by_source.setdefault(tip.source, []).append(tip)
    for source, tips in sorted(by_source.items()):
        path = tips_dir / f"{source}.yaml"
        if str(path.relative_to(root)) in report.refused:
            continue  # not written this time: the conflict in it comes first
        text = path.read_text(encoding="utf-8") if path.exists() else _header(db, source)
        text = text.rstrip("\n") + "\n"
        for tip in tips:
            text += "\n" + "".join(tip_block(tip))
            report.added.append(tip.id)
        _write(db, path, text, tips, root, report)
    return report


def _field_lines(tip: Tip) -> dict[str, list[str]]:
    """Each key of a tip as the curated files write it (indented as inside a list item)."""
    fields = {"id": [f"  id: {_scalar(tip.id)}\n"], "title": [f"  title: {_scalar(tip.title)}\n"]}
    for key in ("tip", "quote"):
        wrapped = textwrap.wrap(getattr(tip, key), WRAP, break_long_words=False, break_on_hyphens=False)
        fields[key] = [f"  {key}: >-\n"] + [f"    {line}\n" for line in wrapped]
    fields |= {
        "speaker": [f"  speaker: {_scalar(tip.speaker)}\n"],
        "source": [f"  source: {_scalar(tip.source)}\n"],
        "start": [f'  start: "{stamp(tip.start)}"\n'],
        "end": [f'  end: "{stamp(tip.end)}"\n'],
        "topics": [f"  topics: [{', '.join(_scalar(t) for t in tip.topics)}]\n"],
        "questions": ["  questions:\n"] + [f"    - {_scalar(q)}\n" for q in tip.questions],
    }
    if tip.status != "active":
        fields["status"] = [f"  status: {tip.status}\n"]
    return fields


def tip_block(tip: Tip) -> list[str]:
    """A tip as the curated files write it (lines with newlines), proven to parse back to `tip`."""
    lines = [line for chunk in _field_lines(tip).values() for line in chunk]
    lines[0] = "- " + lines[0][2:]
    if _parses_to(lines, tip):
        return lines
    # Text a folded block cannot hold as is: let PyYAML choose the quoting.
    dumped = yaml.safe_dump([_file_dict(tip)], sort_keys=False, allow_unicode=True, width=WRAP)
    return dumped.splitlines(keepends=True)


def _same(key: str, old: Tip, new: Tip) -> bool:
    a, b = getattr(old, key), getattr(new, key)
    return round(a, 1) == round(b, 1) if key in ("start", "end") else a == b


def _file_dict(tip: Tip) -> dict:
    data = tip.model_dump()
    data["start"], data["end"] = stamp(tip.start), stamp(tip.end)
    if tip.status == "active":
        data.pop("status")
    return data


def _parses_to(lines: list[str], tip: Tip) -> bool:
    try:
        parsed = yaml.load("".join(lines), Loader=YAML_LOADER)  # noqa: S506 - a safe loader
        return tip_hash(Tip.model_validate(parsed[0])) == tip_hash(tip)
    except (yaml.YAMLError, ValidationError, TypeError, IndexError, KeyError, AttributeError):
        return False


def _scalar(value: str) -> str:
    return yaml.safe_dump(value, allow_unicode=True, width=1 << 30).removesuffix("...\n").strip()


def stamp(seconds: float) -> str:
    """`m:ss`, with tenths when the time has them (tips compare at 0.1 s)."""
    rounded = round(seconds, 1)
    whole = int(rounded)
    tenths = round((rounded - whole) * 10)
    return format_stamp(whole) + (f".{tenths}" if tenths else "")


def _indent(lines: list[str], indent: int) -> list[str]:
    return [" " * indent + line if line.strip() else line for line in lines]


def _entries(text: str, name: str) -> list[_Entry]:
    """Where each tip of a tips file starts and ends, and each of its keys, from PyYAML's node marks."""
    loader = YAML_LOADER(text)
    try:
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    except yaml.YAMLError as exc:
        raise ExportError(f"tips/{name}: invalid YAML; fix it (content check) before exporting") from exc
    finally:
        loader.dispose()
    if root is None:
        return []
    if not isinstance(root, yaml.SequenceNode) or root.flow_style:
        raise ExportError(f"tips/{name}: must be a block list of tips to be exported into")
    lines = text.splitlines()
    entries = []
    for node, item in zip(root.value, data, strict=True):
        dash = node.start_mark.index - 1
        while dash >= 0 and text[dash] in " \t\r\n":
            dash -= 1
        if dash < 0 or text[dash] != "-" or not isinstance(node, yaml.MappingNode) or node.flow_style:
            raise ExportError(f"tips/{name}: entry at line {node.start_mark.line + 1} is not a '- id: …' block")
        first = text.count("\n", 0, dash)
        indent = dash - (text.rfind("\n", 0, dash) + 1)
        last = first
        for n in range(first + 1, len(lines)):
            line = lines[n]
            if line.strip() and len(line) - len(line.lstrip()) <= indent:
                break
            if line.strip():
                last = n
        try:
            tip = Tip.model_validate(item)
        except ValidationError as exc:
            raise ExportError(f"tips/{name}: the entry at line {first + 1} is invalid; fix it first "
                              "(careerbot content check)") from exc
        keys = {str(k.value): k.start_mark.line for k, _ in node.value}
        entries.append(_Entry(first, last, indent, tip, keys))
    return entries


def _header(db: Database, source: str) -> str:
    row = db.execute("SELECT guest, title FROM episodes WHERE id = ?", [source]).fetchone()
    about = f" ({row[0]}, {_scalar(row[1])})" if row else ""
    return f"# Tips from {source}{about}.\n"


def _write(db: Database, path: Path, text: str, expected: list[Tip], root: Path, report: ExportReport) -> None:
    """Check the new text holds exactly the `expected` tips, replace the file atomically (keeping its
    mode; a new file gets the umask's), then record in the database that the file holds them."""
    try:
        items = yaml.load(text, Loader=YAML_LOADER) or []  # noqa: S506 - a safe loader
        parsed = {t.id: tip_hash(t) for t in (Tip.model_validate(item) for item in items)}
    except (yaml.YAMLError, ValidationError, TypeError) as exc:
        parsed = {"": str(exc)}
    wrong = [t.id for t in expected if parsed.get(t.id) != tip_hash(t)]
    if wrong:  # a bug here must never reach the files
        raise ExportError(f"{path.name}: export would not read back as the database's {', '.join(wrong)}; "
                          "nothing written")
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    with writing(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # the umask applies, as to any new file
        try:
            if path.exists():
                os.fchmod(fd, stat.S_IMODE(path.stat().st_mode))
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
                handle.write(text)
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
    with transaction(db):
        for tip in expected:  # a moderator's save in between keeps its version: only file_hash moves
            row = db.execute("SELECT file_hash FROM tips WHERE id = ?", [tip.id]).fetchone()
            if row is not None:
                synced = replace(Synced.of(row[0]), exported=tip_hash(tip))
                db.execute("UPDATE tips SET file_hash = ? WHERE id = ?", [str(synced), tip.id])
    name = str(path.relative_to(root))
    if name not in report.files:
        report.files.append(name)
