"""Read the reviewable content directory into memory, with file-and-line errors.

Layout (all under `content/`):
  transcripts/<stem>.txt|.srt|.vtt   captions; the file stem is the transcript's id
  episodes/<stem>.yaml               title, guest, host, summary, url, date
  corrections/<stem>.yaml            mis-heard word -> meant, for that transcript
  tips/*.yaml                        curated tips (a YAML list per file)
  topics.yaml                        topic vocabulary: slug -> label, terms
  synonyms.yaml                      groups of interchangeable words and phrases
"""

from __future__ import annotations

import errno
import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from bot.corpus import NotContent
from bot.corpus.corrections import Corrections
from bot.corpus.transcripts import Cue, TranscriptError, read_transcript
from bot.models import Episode, Tip, Topic, plain

TRANSCRIPT_SUFFIXES = (".txt", ".srt", ".vtt")
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: same results, much faster
_TIMESTAMP = "tag:yaml.org,2002:timestamp"


class YAML_LOADER(_SAFE_LOADER):  # noqa: N801 - the name callers know
    """The safe loader, reading `2025-03-07` as the text it is: YAML's own date parsing would crash
    on `2025-13-01` (a ValueError, not a YAMLError), and dates are checked by the models instead."""

    yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != _TIMESTAMP]
        for first, resolvers in _SAFE_LOADER.yaml_implicit_resolvers.items()
    }


@dataclass
class Problem:
    """One thing wrong with the content, located as precisely as we can."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


@dataclass
class Transcript:
    stem: str
    path: Path
    cues: list[Cue]
    file_hash: str

    @property
    def format(self) -> str:
        return {".srt": "srt", ".vtt": "vtt"}.get(self.path.suffix.lower(), "seed")


@dataclass
class Content:
    root: Path
    topics: dict[str, Topic] = field(default_factory=dict)
    synonyms: list[list[str]] = field(default_factory=list)
    episodes: dict[str, Episode] = field(default_factory=dict)
    corrections: dict[str, Corrections] = field(default_factory=dict)
    transcripts: dict[str, Transcript] = field(default_factory=dict)
    tips: list[Tip] = field(default_factory=list)
    tip_files: dict[str, str] = field(default_factory=dict)  # tip id -> "tips/x.yaml#n"
    problems: list[Problem] = field(default_factory=list)


class NotWritable(Exception):
    """A file under the content directory could not be written or removed (how the shipped deployments
    run: a read-only root filesystem, `ProtectSystem=strict`). The caller changes nothing."""

    def __init__(self, path: Path, error: OSError) -> None:
        self.path, self.error = path, error
        read_only = error.errno in (errno.EROFS, errno.EACCES, errno.EPERM)
        reason = "the content directory is read-only here" if read_only else "can't write it"
        super().__init__(f"{path}: {reason} ({error.strerror or error})")


@contextmanager
def writing(path: Path) -> Iterator[None]:
    """Writing or removing `path` under the content directory: an OSError becomes `NotWritable`."""
    try:
        yield
    except OSError as exc:
        raise NotWritable(path, exc) from exc


def file_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


def tip_hash(tip: Tip | dict[str, Any]) -> str:
    """A fingerprint of a tip as a file or the database holds it, to spot edits made since a load."""
    data = tip.model_dump() if isinstance(tip, Tip) else dict(tip)
    keys = ("id", "title", "tip", "quote", "speaker", "source", "start", "end", "topics", "questions", "status")
    canonical = {k: data[k] for k in keys}
    canonical["start"], canonical["end"] = round(float(canonical["start"]), 1), round(float(canonical["end"]), 1)
    return file_hash(json.dumps(canonical, sort_keys=True, ensure_ascii=False).encode())


def _yaml(path: Path, root: Path, problems: list[Problem]) -> Any:
    rel = str(path.relative_to(root))
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=YAML_LOADER)  # noqa: S506 - a safe loader
    except UnicodeDecodeError:
        problems.append(Problem(rel, "not UTF-8 text"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{rel}:{mark.line + 1}" if mark else rel
        problems.append(Problem(where, f"invalid YAML: {getattr(exc, 'problem', exc)}"))
    return None


def _errors(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'tip'}: {plain(e)}" for e in exc.errors())


def not_content(root: Path) -> str | None:
    """Why `root` is not a content directory at all, or None. A content directory has topics.yaml and
    tips/*.yaml: loading one that has neither (an empty or wrong directory) would retire every tip."""
    if not root.is_dir():
        return "content directory not found"
    missing = [name for name, there in (("topics.yaml", (root / "topics.yaml").is_file()),
                                        ("tips/*.yaml", any((root / "tips").glob("*.yaml")))) if not there]
    return f"not a content directory (it has no {' and no '.join(missing)})" if missing else None


def read_content(root: Path) -> Content:
    """Read everything; problems are collected, never raised, so `check` can list them all.

    Only a directory that is not a content directory at all raises `NotContent`: one line, not
    a list of everything it lacks.
    """
    root = Path(root)
    content = Content(root=root)
    problems = content.problems
    reason = not_content(root)
    if reason:
        raise NotContent(root, reason)

    raw_topics = _yaml(root / "topics.yaml", root, problems) if (root / "topics.yaml").exists() else None
    for slug, value in (raw_topics or {}).items():
        try:
            content.topics[str(slug)] = Topic.model_validate(value)
        except ValidationError as exc:
            problems.append(Problem(f"topics.yaml#{slug}", _errors(exc)))

    synonyms_path = root / "synonyms.yaml"
    for i, group in enumerate((_yaml(synonyms_path, root, problems) if synonyms_path.exists() else None) or []):
        if isinstance(group, list) and len(group) >= 2 and all(isinstance(t, str) for t in group):
            content.synonyms.append([t.lower().strip() for t in group])
        else:
            problems.append(Problem(f"synonyms.yaml#{i + 1}", "each entry must be a list of two or more phrases"))

    for path in sorted((root / "transcripts").glob("*")):
        if path.suffix.lower() not in TRANSCRIPT_SUFFIXES:
            continue
        try:
            cues = read_transcript(path)
        except TranscriptError as exc:
            problems.append(Problem(f"transcripts/{exc.name}" + (f":{exc.line}" if exc.line else ""), exc.reason))
            continue
        content.transcripts[path.stem] = Transcript(path.stem, path, cues, file_hash(path.read_bytes()))

    for path in sorted((root / "episodes").glob("*.yaml")):
        data = _yaml(path, root, problems)
        try:
            content.episodes[path.stem] = Episode.model_validate(data or {})
        except ValidationError as exc:
            problems.append(Problem(f"episodes/{path.name}", _errors(exc)))

    for path in sorted((root / "corrections").glob("*.yaml")):
        data = _yaml(path, root, problems) or {}
        if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
            problems.append(Problem(f"corrections/{path.name}", "must map heard words to corrected words"))
            continue
        content.corrections[path.stem] = Corrections({str(k): v for k, v in data.items()})

    for path in sorted((root / "tips").glob("*.yaml")):
        data = _yaml(path, root, problems)
        if data is None:
            continue
        if not isinstance(data, list):
            problems.append(Problem(f"tips/{path.name}", "must be a YAML list of tips"))
            continue
        for n, item in enumerate(data, start=1):
            where = f"tips/{path.name}#{n}" + (f" ({item.get('id')})" if isinstance(item, dict) else "")
            try:
                tip = Tip.model_validate(item)
            except ValidationError as exc:
                problems.append(Problem(where, _errors(exc)))
                continue
            content.tips.append(tip)
            content.tip_files.setdefault(tip.id, where)
    if not content.tips and not any(p.where.startswith("tips/") for p in problems):
        raise NotContent(root, "not a content directory (its tips/*.yaml hold no tips)")
    return content
