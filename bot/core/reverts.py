"""Reverting changes that are not to tips: subscriptions, review decisions and added transcripts.

`moderation.revert` finds the change and checks the moderator rule. Each function here reads
the thing again inside one transaction and refuses, naming the later change and changing
nothing, unless it still reads as the change left it; then it puts it back and audits the
revert (action 'revert', `reverts` = the change) in that transaction.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from sqlite_utils import Database

from bot.core import subscriptions
from bot.core.actors import Actor
from bot.core.moderation import Change, Result, changed_since, episode_yaml, later_stands, set_status
from bot.core.reply import Reply, plural
from bot.core.service import CareerBot
from bot.corpus import review
from bot.corpus.files import TRANSCRIPT_SUFFIXES, NotWritable, file_hash, not_content, writing
from bot.corpus.loader import audit, remove_transcript
from bot.models import Episode
from bot.store import transaction


def _cannot(text: str) -> Result:
    return Result(False, Reply("error", "Can't revert", f"{text} Nothing was changed."))


def _done(title: str, text: str, change: int) -> Result:
    return Result(True, Reply("info", title, f"{text} (change #{change})", data={"change": change}),
                  change_id=change)


# -- subscriptions ---------------------------------------------------------------------------------
def revert_subscription(bot: CareerBot, actor: Actor, change: Change) -> Result:
    """Set a channel's daily hack back to the change's `before`: changed back, re-created, or removed."""
    channel = change.entity_id
    done = subscriptions.put_back(bot.db, channel, change.after, change.before, actor, change.id)
    if done is None:
        standing = later_stands(bot.db, change, f"The daily career hack of {channel}", "Revert that first.")
        return standing or changed_since(bot.db, change, f"The daily career hack of {channel}",
                                         "Revert the later change first.")
    if change.before is None:
        return _done("Reverted", f"{channel} no longer gets the daily career hack.", done)
    return _done("Reverted", f"{channel} is back to: {subscriptions.summary(change.before)}.", done)


# -- review decisions ------------------------------------------------------------------------------
def revert_review(bot: CareerBot, actor: Actor, change: Change) -> Result:
    """Reopen a decided candidate. Undoing an accept also retires the tip it made: tips are never
    deleted, and a retired tip is one `/tips restore` away."""
    item_id, before, after = int(change.entity_id), change.before or {}, change.after or {}
    if before.get("status") == "accepted":
        tip_id = before.get("tip_id")
        return _cannot(f"Change #{change.id} reopened candidate #{item_id} and retired tip {tip_id}. Accept the "
                       f"candidate again (/tips review accept {item_id} …), or bring the tip back with "
                       f"/tips restore {tip_id}.")
    with transaction(bot.db) as db:
        item = review.get(db, item_id)
        if item is None:
            return _cannot(f"Candidate #{item_id} is gone: its transcript was removed.")
        if not review.reads_as(item, after):
            return changed_since(db, change, f"Candidate #{item_id}", "Revert the later change first.")
        tip_id = after.get("tip_id")
        if tip_id:  # the tip must still be as the accept made it (its version then; older rows: v1)
            retired = set_status(db, actor, tip_id, "retired", after.get("tip_version", 1))
            if not retired.ok:
                return changed_since(db, change, f"Tip {tip_id}, made from candidate #{item_id},",
                                     f"Retire it yourself (/tips retire {tip_id}) if it should go; the candidate "
                                     "stays accepted.", on=("tip", tip_id))
        reopened = review.put_back(db, item_id, before)
        done = audit(db, actor.who, actor.platform, "revert", "review", str(item_id), review.state(item), reopened,
                     reverts=change.id)
    also = f" Tip {tip_id} is retired (kept: /tips restore {tip_id} brings it back)." if tip_id else ""
    return _done(f"Candidate #{item_id} reopened", f"Candidate #{item_id} is {reopened['status']} again.{also}", done)


# -- added transcripts -----------------------------------------------------------------------------
def revert_episode(bot: CareerBot, actor: Actor, change: Change) -> Result:
    """Take an added transcript out again: episode, cues, passages (so search), candidates and the two files.

    Refused while anything was built on it (a tip cites it, a candidate was accepted) or its files
    or stored copy changed since, so nothing but the addition itself is undone.
    """
    stem, added = change.entity_id, change.after or {}
    if change.action != "add-transcript":
        return _cannot(f"Change #{change.id} removed transcript {stem} and its files: add it again with "
                       "careerbot content add-transcript.")
    if bot.content_dir is None:
        return _cannot("The content directory (CAREERBOT_CONTENT), which holds the transcript's files, is not set.")
    meta = {key: added.get(key) for key in Episode.model_fields}
    root = Path(bot.content_dir).resolve()
    deleted: list[tuple[Path, bytes]] = []
    try:
        with transaction(bot.db) as db:
            refusal = _in_use(db, stem)
            if refusal is not None:
                return refusal
            digest = _stored_as_added(db, change, meta)
            if isinstance(digest, Result):
                return digest
            files = _files(root, stem, digest, meta)
            if isinstance(files, str):
                return _cannot(f"{files}: reverting would lose that. Put it back as it was added (e.g. git "
                               "checkout) to revert, or keep the transcript.")
            elsewhere = _not_here(root, stem, added, files)
            if elsewhere is not None:
                return _cannot(elsewhere)
            remove_transcript(db, stem)
            candidates = review.discard(db, stem)
            done = audit(db, actor.who, actor.platform, "revert", "episode", stem, added, None, reverts=change.id)
            for path in files:
                with writing(path):
                    data = path.read_bytes()
                    path.unlink()
                deleted.append((path, data))
    except BaseException as exc:
        for path, data in deleted:
            path.write_bytes(data)
        if isinstance(exc, NotWritable):
            return _cannot(f"{exc}: its files can't be removed here. Revert it where the content directory is "
                           "writable (a checkout of it, --content).")
        raise
    names = " and ".join(str(p.relative_to(root)) for p, _ in deleted)
    text = (f"Removed {stem}: its passages are no longer searched and its {plural(candidates, 'candidate tip')} "
            "left the review queue. "
            + (f"Deleted {names} from {root}: commit that." if names else f"Its files were already gone from {root}."))
    return _done("Transcript removed", text, done)


def written_files(stem: str, added: dict) -> list[str]:
    """The files `add_transcript` wrote for `stem`, relative to the content directory."""
    suffix = {"srt": ".srt", "vtt": ".vtt"}.get(str(added.get("format")), ".txt")
    return [f"transcripts/{stem}{suffix}", f"episodes/{stem}.yaml"]


def _not_here(root: Path, stem: str, added: dict, found: list[Path]) -> str | None:
    """Why the files `add_transcript` wrote, some of them missing from `root`, may well be elsewhere (so a
    revert here would leave them behind), or None: they were in this content directory and are gone."""
    missing = [name for name in written_files(stem, added) if root / name not in found]
    if not missing:
        return None
    wrote_to = added.get("content_dir")
    if not_content(root) is None and (wrote_to is None or Path(wrote_to) == root):
        return None  # removed from the directory they were written to: nothing is left behind
    where = f", which add-transcript wrote into {wrote_to}," if wrote_to and Path(wrote_to) != root else ""
    return (f"{' and '.join(missing)}{where} {'is' if len(missing) == 1 else 'are'} not in {root}, the content "
            "directory this revert looks in (--content, CAREERBOT_CONTENT); removing the transcript from the "
            f"database alone would leave {'it' if len(missing) == 1 else 'them'} behind. Run the revert with "
            f"--content {wrote_to or 'DIR'} (the directory holding them).")


def _in_use(db: Database, stem: str) -> Result | None:
    """Why the transcript must stay: tips that cite it (retired ones too) or candidates accepted from it."""
    tips = [f"{i} ({s})" for i, s in db.execute("SELECT id, status FROM tips WHERE source = ? ORDER BY id", [stem])]
    accepted = [f"#{n} as {t}" for n, t in db.execute(
        "SELECT id, tip_id FROM review_queue WHERE source = ? AND status = 'accepted' ORDER BY id", [stem])]
    if not tips and not accepted:
        return None
    uses = "; ".join(([f"tips cite it: {', '.join(tips)}"] if tips else [])
                     + ([f"candidates were accepted: {', '.join(accepted)}"] if accepted else []))
    return _cannot(f"Transcript {stem} is in use ({uses}). Tips are never deleted, so the episode they quote "
                   "stays: retire the tips that should not be shown (/tips retire <id>) and reject the candidates "
                   "you don't want (/tips review reject <n>).")


def _stored_as_added(db: Database, change: Change, meta: dict) -> str | Result:
    """The transcript file's hash from the stored episode's fingerprint (`[file hash, episode, corrections]`,
    as `add_transcript` and `content load` write it); a refusal when the episode is gone or was loaded
    again since with other metadata or corrections."""
    row = db.execute("SELECT file_hash FROM episodes WHERE id = ?", [change.entity_id]).fetchone()
    if row is None:
        return changed_since(db, change, f"Transcript {change.entity_id}", "It is no longer stored.")
    try:
        digest, loaded, corrections = json.loads(row[0])
    except (TypeError, ValueError):
        digest, loaded, corrections = None, None, None
    if loaded != meta or corrections or not isinstance(digest, str):
        return changed_since(db, change, f"Transcript {change.entity_id}",
                             "Its files were changed and loaded since (careerbot content load).")
    return digest


def _files(content_dir: Path, stem: str, digest: str, meta: dict) -> list[Path] | str:
    """The files `add_transcript` wrote that are still there, or which one was changed (or added) since."""
    found: list[Path] = []
    for path in sorted((content_dir / "transcripts").glob(f"{stem}.*")):
        if path.stem == stem and path.suffix.lower() in TRANSCRIPT_SUFFIXES:
            if file_hash(path.read_bytes()) != digest:
                return f"content/transcripts/{path.name} was changed since"
            found.append(path)
    episode = content_dir / "episodes" / f"{stem}.yaml"
    if episode.exists():
        if episode.read_bytes() != episode_yaml(meta):
            return f"content/episodes/{episode.name} was changed since"
        found.append(episode)
    if (content_dir / "corrections" / f"{stem}.yaml").exists():
        return f"content/corrections/{stem}.yaml was written since"
    return found


REVERTERS: dict[str, Callable[[CareerBot, Actor, Change], Result]] = {
    "subscription": revert_subscription,
    "review": revert_review,
    "episode": revert_episode,
}
