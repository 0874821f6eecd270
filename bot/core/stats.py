"""What members ask and what they think of the tips: `/tips stats`, `careerbot stats` and the
weekly moderators' digest (posted to CAREERBOT_MODERATORS_CHANNEL by the scheduler)."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field

from sqlite_utils import Database

from bot.core.reply import Reply, shorten
from bot.core.service import CareerBot

SHOW = 10  # rows per section: keeps a chat message well under the platforms' limits


@dataclass
class Stats:
    days: int
    questions: int = 0
    answered: int = 0
    top_questions: list[tuple[str, int]] = field(default_factory=list)
    unanswered: list[tuple[str, int]] = field(default_factory=list)
    negative: list[tuple[str, str, int, int]] = field(default_factory=list)  # id, title, down, up
    flagged: list[tuple[str, str, int, list[str]]] = field(default_factory=list)  # id, title, flags, notes


def _since(days: int) -> str:
    return (dt.datetime.now(dt.UTC) - dt.timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


def collect(db: Database, days: int = 30, limit: int = SHOW) -> Stats:
    """The figures for the last `days` days."""
    since = _since(days)
    out = Stats(days)
    out.questions, out.answered = db.execute(
        "SELECT count(*), coalesce(sum(answered), 0) FROM queries WHERE at >= ?", [since]
    ).fetchone()
    grouped = (
        "SELECT min(query), count(*) AS n FROM queries WHERE at >= ? {extra} "
        "GROUP BY lower(trim(query, ' ?!.')) ORDER BY n DESC, max(at) DESC LIMIT ?"
    )
    out.top_questions = db.execute(grouped.format(extra=""), [since, limit]).fetchall()
    out.unanswered = db.execute(grouped.format(extra="AND answered = 0"), [since, limit]).fetchall()
    out.negative = db.execute(
        "SELECT f.tip_id, coalesce(t.title, f.tip_id), sum(f.kind = 'down') AS down, sum(f.kind = 'up') AS up "
        "FROM feedback f LEFT JOIN tips t ON t.id = f.tip_id WHERE f.at >= ? AND f.kind IN ('up', 'down') "
        "GROUP BY f.tip_id HAVING down > 0 ORDER BY down - up DESC, down DESC LIMIT ?",
        [since, limit],
    ).fetchall()
    flagged = db.execute(
        "SELECT f.tip_id, coalesce(t.title, f.tip_id), count(*) AS n FROM feedback f "
        "LEFT JOIN tips t ON t.id = f.tip_id WHERE f.at >= ? AND f.kind = 'flag' "
        "GROUP BY f.tip_id ORDER BY n DESC LIMIT ?",
        [since, limit],
    ).fetchall()
    for tip_id, title, n in flagged:
        notes = [note for (note,) in db.execute(
            "SELECT note FROM feedback WHERE tip_id = ? AND kind = 'flag' AND at >= ? AND note IS NOT NULL "
            "ORDER BY at DESC LIMIT 3", [tip_id, since])]
        out.flagged.append((tip_id, title, n, notes))
    return out


def render(figures: Stats, title: str) -> Reply:
    lines = [f"Last {figures.days} days: {figures.questions} question{'s' if figures.questions != 1 else ''}, "
             f"{figures.questions - figures.answered} without an answer."]

    def section(heading: str, rows: list[str], empty: str) -> None:
        lines.append("")
        lines.append(heading)
        lines.extend(rows or [f"  {empty}"])

    section("Most asked:", [f"  {n}× {shorten(q, 100)}" for q, n in figures.top_questions], "nothing asked yet")
    section("No answer (content gaps):", [f"  {n}× {shorten(q, 100)}" for q, n in figures.unanswered], "none")
    section("Negative feedback:",
            [f"  {tip_id} “{shorten(t, 60)}”: {down} 👎, {up} 👍" for tip_id, t, down, up in figures.negative],
            "none")
    flagged = []
    for tip_id, t, n, notes in figures.flagged:
        flagged.append(f"  {tip_id} “{shorten(t, 60)}”: flagged {n}×")
        flagged += [f"      “{shorten(note, 100)}”" for note in notes]
    section("Flagged as wrong or outdated:", flagged, "none")
    lines.append("")
    lines.append("Fix a tip with /tips edit <id>, or retire it with /tips retire <id>.")
    return Reply("info", title, "\n".join(lines), data={"stats": asdict(figures)})


def stats(bot: CareerBot, days: int = 30) -> Reply:
    """`/tips stats`: the last 30 days (the caller checks the actor is a moderator)."""
    return render(collect(bot.db, days), "careerbot stats")


def stats_digest(bot: CareerBot) -> Reply:
    """The weekly digest for the moderators' channel: the same figures for the last 7 days."""
    reply = render(collect(bot.db, 7), "Weekly careerbot digest for moderators")
    reply.ephemeral = False
    return reply
