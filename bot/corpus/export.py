"""`careerbot content export`: write the live tips back into content/tips/*.yaml for review.

Files are edited in place: only the entries of tips that differ from the database are
rewritten, so comments, order and untouched tips stay byte for byte and the git diff shows
exactly what moderators changed. Tips made in chat are appended to `tips/<source>.yaml`.
Every file is checked before it is written: it must parse back into exactly the database's
tips, which is what lets `content load` right after an export report nothing changed.
"""

from __future__ import annotations

import os
import tempfile
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from pydantic import ValidationError
from sqlite_utils import Database

from bot.corpus import NotContent
from bot.corpus.files import YAML_LOADER, not_content, tip_hash
from bot.corpus.loader import row_to_tip
from bot.corpus.transcripts import format_stamp
from bot.models import Tip

WRAP = 104  # the width the curated files are folded at


class ExportError(Exception):
    """A tips file export cannot rewrite safely; nothing was written to it."""


@dataclass
class ExportReport:
    files: list[str] = field(default_factory=list)  # written, relative to the content dir
    updated: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    unchanged: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.files)

    def lines(self) -> list[str]:
        out = [f"tips: {len(self.updated)} updated, {len(self.added)} added, {self.unchanged} unchanged"]
        out += [f"  ~ {t}" for t in self.updated] + [f"  + {t}" for t in self.added]
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

    Raises `NotContent` for a directory that is not a content directory (nothing is written there)
    and `ExportError` for a tips file it cannot rewrite safely.
    """
    root = Path(root)
    reason = not_content(root)
    if reason:
        raise NotContent(root, reason)
    tips_dir = root / "tips"
    cursor = db.execute("SELECT * FROM tips ORDER BY source, start, n")
    names = [d[0] for d in cursor.description]
    live = [(row_to_tip(row), row["origin"]) for row in (dict(zip(names, r, strict=True)) for r in cursor)]
    by_id = {tip.id: tip for tip, _ in live}
    report = ExportReport()
    placed: set[str] = set()
    for path in sorted(tips_dir.glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines(keepends=True)
        changed: list[tuple[_Entry, Tip]] = []
        for entry in _entries(text, path.name):
            tip = by_id.get(entry.tip.id)
            if tip is None:
                continue
            placed.add(tip.id)
            if tip_hash(tip) == tip_hash(entry.tip):
                report.unchanged += 1
            else:
                changed.append((entry, tip))
        for entry, tip in reversed(changed):  # from the bottom up, so earlier line numbers stay valid
            lines[entry.first:entry.last + 1] = entry.rewrite(lines, tip)
        report.updated += [tip.id for _, tip in changed]
        if changed:
            _write(path, "".join(lines), [tip for _, tip in changed], root, report)
    by_source: dict[str, list[Tip]] = {}
    for tip, origin in live:
        if tip.id in placed or (origin == "content" and tip.status == "retired"):
            continue  # a content tip retired because its file entry was removed stays removed
        by_source.setdefault(tip.source, []).append(tip)
    for source, tips in sorted(by_source.items()):
        path = tips_dir / f"{source}.yaml"
        text = path.read_text(encoding="utf-8") if path.exists() else _header(db, source)
        text = text.rstrip("\n") + "\n"
        for tip in tips:
            text += "\n" + "".join(tip_block(tip))
            report.added.append(tip.id)
        _write(path, text, tips, root, report)
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


def _write(path: Path, text: str, expected: list[Tip], root: Path, report: ExportReport) -> None:
    """Check the new text holds exactly the `expected` tips, then replace the file atomically."""
    try:
        items = yaml.load(text, Loader=YAML_LOADER) or []  # noqa: S506 - a safe loader
        parsed = {t.id: tip_hash(t) for t in (Tip.model_validate(item) for item in items)}
    except (yaml.YAMLError, ValidationError, TypeError) as exc:
        parsed = {"": str(exc)}
    wrong = [t.id for t in expected if parsed.get(t.id) != tip_hash(t)]
    if wrong:  # a bug here must never reach the files
        raise ExportError(f"{path.name}: export would not read back as the database's {', '.join(wrong)}; "
                          "nothing written")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    name = str(path.relative_to(root))
    if name not in report.files:
        report.files.append(name)
