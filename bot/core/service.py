"""`CareerBot`: the one object every front end talks to. Plain values in, `Reply` out."""

from __future__ import annotations

import datetime as dt
import importlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.core.actors import Actor, ModeratorRules
from bot.core.reply import Button, Reply, shorten
from bot.core.search import Answer, Searcher
from bot.core.vocabulary import STOPWORDS, without_markup

if TYPE_CHECKING:
    from bot.core.semantic import Encoder
    from bot.store import SQL

log = logging.getLogger(__name__)

ASK_HELP = (
    "Ask me a career question in your own words, for example:\n"
    "• /ask how do I find a mentor?\n"
    "• /ask I keep getting rejected without feedback, what can I do?\n"
    "• /ask is it too late to switch to data science at 35?\n"
    "Other commands: /hack for today's career hack, /tips topics to browse."
)
# The `/tips` commands every member has besides the registered ones (`CareerBot.tips_command` routes them).
MEMBER_TIPS = (
    ("topics", "List the topics and how many tips each has."),
    ("topic <name>", "Show the tips on one topic."),
    ("help", "Show this help."),
)
NEAR = 0.75  # how alike (difflib's ratio) a typed topic name and a known one must be to suggest it


@dataclass
class Subcommand:
    """A `/tips <name> …` subcommand. `run` gets the bot, the actor and the rest of the text."""

    name: str
    usage: str
    help: str
    run: Callable[[CareerBot, Actor, str], Reply]
    moderator: bool = False


SUBCOMMANDS: dict[str, Subcommand] = {}
SUBCOMMAND_MODULES = ("bot.core.moderation", "bot.core.subscriptions")


def load_subcommands() -> None:
    """Import the modules that register `/tips` subcommands; done on first use, so that
    `careerbot ask` does not pay for moderation and scheduling imports."""
    for name in SUBCOMMAND_MODULES:
        importlib.import_module(name)


def subcommand(name: str, usage: str, help: str, moderator: bool = False):  # noqa: A002
    """Register a `/tips` subcommand; moderation and scheduling modules add theirs this way."""

    def wrap(fn: Callable[[CareerBot, Actor, str], Reply]) -> Callable[[CareerBot, Actor, str], Reply]:
        SUBCOMMANDS[name] = Subcommand(name, usage, help, fn, moderator)
        return fn

    return wrap


def refused(action: str) -> Reply:
    return Reply("refused", "Moderators only",
                 f"Sorry, only moderators can {action}. Nothing was changed.", ephemeral=True)


@dataclass
class CareerBot:
    """Every member, moderator and scheduler action.

    `db` is a sqlite-utils Database, which the `/tips` subcommands need. A bot that only answers
    (`careerbot ask`, see bot.app.open_bot) may have the bare connection: answering only runs SQL.
    """

    db: SQL
    rules: ModeratorRules = field(default_factory=ModeratorRules)
    searcher: Searcher = field(init=False)
    today: Callable[[], dt.date] = field(default=lambda: dt.datetime.now(dt.UTC).date())
    now: Callable[[], dt.datetime] = field(default=lambda: dt.datetime.now(dt.UTC))  # the daily hack's clock
    keep_scores: bool = True  # see Searcher
    encoder: Encoder | None = None  # the semantic extra's, when installed (bot/core/semantic.py)
    content_dir: Path | None = None  # content/, where reverting an added transcript deletes its files

    def __post_init__(self) -> None:
        self.searcher = Searcher(self.db, keep_scores=self.keep_scores, encoder=self.encoder)

    # -- members -------------------------------------------------------------------------
    def ask(self, text: str, actor: Actor | None = None, k: int = 3, exclude: tuple[str, ...] = ()) -> Reply:
        query = " ".join((text or "").split())
        answer = self.searcher.ask(query, k=k + len(exclude))
        if answer.units:  # not a question with nothing to search for (it gets the help)
            answer.results = [c for c in answer.results if c.id not in exclude][:k]
            self._record_query(actor, query, answer)
        return self.answer_reply(answer)

    def answer_reply(self, answer: Answer) -> Reply:
        if not answer.units:  # "", "@everyone", "hi", "what should I do?": no word of it to search for
            return Reply("help", "How to ask", ASK_HELP)
        if not answer.results:
            suggested = self.suggesting(answer.query)
            return Reply(
                "no_answer",
                "No tip on that yet",
                "I couldn't find anything in our episodes that answers that, and I'd rather not guess. "
                + ("Try asking it another way, or pick a topic below." if suggested["suggestions"]
                   else "Try asking it another way."),
                note=answer.note,
                data={"query": answer.query},
                **suggested,
            )
        buttons = [Button("share", "Share to channel", style="primary"), Button("more", "Show more")]
        rated = next((c.id for c in answer.results if c.kind == "tip"), None)  # passages are not rated
        if rated:
            buttons += [Button("feedback_up", "👍", rated), Button("feedback_down", "👎", rated)]
        return Reply("answer", f"Tips for: {shorten(answer.query, 120)}", cards=answer.results, buttons=buttons,
                     note=answer.note, data={"query": answer.query, "shown": [c.id for c in answer.results]})

    def more(self, query: str, shown: list[str], actor: Actor | None = None) -> Reply:
        """The next tips for a question already answered, or "No more tips" when they are all shown."""
        reply = self.ask(query, actor, k=3, exclude=tuple(shown))
        if reply.kind != "answer":
            suggested = self.suggesting(query)
            return Reply("info", "No more tips", "That's everything I have on that question. Try asking it from "
                         + ("another angle, or pick a topic below." if suggested["suggestions"] else "another angle."),
                         **suggested)
        return reply

    def _topic_counts(self) -> list[tuple[str, str, int]]:
        """(slug, label, active tips) for every topic, most tips first."""
        return self.db.execute(
            "SELECT slug, label, (SELECT count(*) FROM tips WHERE status = 'active' "
            "AND (' ' || tips.topics || ' ') LIKE '% ' || topics.slug || ' %') AS n FROM topics ORDER BY n DESC, slug"
        ).fetchall()

    def topics(self) -> Reply:
        rows = self._topic_counts()
        lines = [f"• {slug} — {label} ({n} tip{'s' if n != 1 else ''})" for slug, label, n in rows if n]
        return Reply("topics", "Topics", "\n".join(lines) + "\n\nBrowse one with /tips topic <name>.",
                     data={"topics": [(slug, label, n) for slug, label, n in rows]})

    def _topic_slug(self, name: str) -> str | None:
        """The topic a member named ("Job search", "job-search"), if there is one."""
        slug = name.strip().lower().replace(" ", "-")
        return slug if self.db.execute("SELECT 1 FROM topics WHERE slug = ?", [slug]).fetchone() else None

    def topic(self, name: str, limit: int = 5) -> Reply:
        """A topic's first `limit` tips under its label; when it has more, how many, and how to find the one
        you need. A name that is no topic gets the nearest ones (`mentor`: mentors)."""
        slug = self._topic_slug(name)
        if slug is None:
            near = self.near_topics(name)
            text = f"There is no topic called “{shorten(name, 60)}”."
            if near:
                text += f" Did you mean {' or '.join(near)}?"
            return Reply("no_answer", "Unknown topic", text, **self.suggesting(first=near))
        label, total = next(((label, n) for s, label, n in self._topic_counts() if s == slug), (slug, 0))
        cards = self.searcher.browse(slug, limit=limit)
        if not cards:
            return Reply("no_answer", "No tips yet", f"No tips on {label} yet.",
                         **self.suggesting())
        total = max(total, len(cards))
        more = (f"The first {len(cards)} of {total} tips on {label}. Ask about what you need, e.g. "
                f"“/ask how do I …”, to get the ones that answer it.") if total > len(cards) else None
        return Reply("answer", f"Tips on {label}", text=more, cards=cards,
                     buttons=[Button("share", "Share to channel", style="primary")], data={"topic": slug})

    def topic_names(self, prefix: str = "") -> list[str]:
        prefix = prefix.strip().lower()
        return [s for (s,) in self.db.execute("SELECT slug FROM topics ORDER BY slug") if prefix in s][:25]

    def topic_suggestions(self, question: str = "", *, first: Sequence[str] = (), limit: int = 6) -> list[str]:
        """Topics to browse, each with tips: `first`, then those the question's words name (in its order),
        then the topics with the most tips."""
        return self.suggesting(question, first=first, limit=limit)["suggestions"]

    def suggesting(self, question: str = "", *, first: Sequence[str] = (), limit: int = 6) -> dict[str, Any]:
        """A reply's suggested topics (`topic_suggestions`): their slugs (what members type) and labels (what
        buttons show), from one count of the topics' tips."""
        counts = self._topic_counts()
        with_tips = [slug for slug, _, n in counts if n]
        named = self.named_topics(question) if question else []
        slugs = [slug for slug in dict.fromkeys([*first, *named, *with_tips]) if slug in with_tips][:limit]
        labels = {slug: label for slug, label, _ in counts}
        return {"suggestions": slugs, "labels": {slug: labels[slug] for slug in slugs}}

    def named_topics(self, text: str) -> list[str]:
        """The topics whose terms, label or slug the text uses ("a career change at 40": career-change, age)."""
        units = self.searcher.vocabulary().units(without_markup(text))
        return list(dict.fromkeys(topic for unit in units for topic in unit.topics))

    def near_topics(self, name: str, limit: int = 3) -> list[str]:
        """The topics (with tips) nearest a name that is none: a near spelling of a slug, a label or one of
        their words (`behavioral-interviews`, `mentor`, `interview`), or a term of the topic (`networking`).

        Best first; equally near ones in the order of `_topic_counts` (most tips first).
        """
        import difflib

        typed = " ".join(name.strip().lower().replace("-", " ").split())
        if not typed:
            return []
        named = set(self.named_topics(typed))
        scored: list[tuple[float, int, str]] = []
        for order, (slug, label, n) in enumerate(self._topic_counts()):
            if not n:
                continue
            spelled = slug.replace("-", " ")
            names = {spelled, label.lower(), *(w for w in f"{spelled} {label.lower()}".split()
                                               if len(w) > 1 and w not in STOPWORDS)}
            score = max(difflib.SequenceMatcher(None, typed, known).ratio() if len(known) > 3 else float(typed == known)
                        for known in names)  # a short word ("age") is near only when typed as it is
            if slug in named:
                score = max(score, NEAR)
            if score >= NEAR:
                scored.append((-score, order, slug))
        return [slug for _, _, slug in sorted(scored)[:limit]]

    def help(self, actor: Actor | None = None) -> Reply:
        """How to ask, the member's `/tips` commands, and the moderators' for a moderator (the one rule:
        `is_moderator`). Every front end shows this one reply; without an actor, the member's."""
        load_subcommands()
        lines = [ASK_HELP, "", "/tips commands:"]
        lines += [f"• /tips {usage}: {text}" for usage, text in MEMBER_TIPS]
        lines += [f"• /tips {s.usage}: {s.help}" for s in SUBCOMMANDS.values() if not s.moderator]
        if actor is not None and self.is_moderator(actor):
            lines += ["", "Moderator commands:"]
            lines += [f"• /tips {s.usage}: {s.help}" for s in SUBCOMMANDS.values() if s.moderator]
        return Reply("help", "careerbot help", "\n".join(lines))

    def needs_moderator(self, text: str) -> bool:
        """Whether the answer to `/tips <text>` depends on the moderator rule: a moderator subcommand, or the
        help (which lists the moderators' commands to moderators). Front ends that must ask their platform
        for a member's moderator facts (Slack) ask only then."""
        name = (text or "").strip().partition(" ")[0].lower()
        if name in ("", "help"):
            return True
        load_subcommands()
        sub = SUBCOMMANDS.get(name)
        return sub is not None and sub.moderator

    def hack(self, channel: str, date: dt.date | None = None) -> Reply:
        from bot.core.hack import hack_for, local_today

        date = date or local_today(self, channel)
        card = hack_for(self, channel, date)
        if card is None:
            return Reply("no_answer", "No career hack", "There are no active tips to choose from yet.")
        return Reply(
            "hack", f"Career hack for {date:%A, %d %B}", cards=[card],
            buttons=[Button("share", "Share to channel", style="primary"), Button("ask_followup", "Ask a follow-up"),
                     Button("feedback_up", "👍", card.id), Button("feedback_down", "👎", card.id)],
            data={"channel": channel, "date": date.isoformat()},
        )

    def feedback(self, actor: Actor, tip_id: str, kind: str, note: str | None = None) -> Reply:
        if kind not in ("up", "down", "flag"):
            return Reply("error", text="Unknown feedback.")
        exists = self.db.execute("SELECT 1 FROM tips WHERE id = ?", [tip_id]).fetchone()
        if not exists:
            return Reply("error", text="That tip no longer exists.")
        self.db.execute("INSERT INTO feedback (platform, user, tip_id, kind, note) VALUES (?, ?, ?, ?, ?)",
                        [actor.platform, actor.user_id, tip_id, kind, (note or "")[:500] or None])
        thanks = {"up": "Thanks, glad it helped!", "down": "Thanks, noted: we'll look at that tip.",
                  "flag": "Thanks for flagging it: a moderator will review that tip."}[kind]
        return Reply("info", text=thanks)

    # -- /tips routing -------------------------------------------------------------------
    def tips_command(self, actor: Actor, text: str) -> Reply:
        """Route `/tips <subcommand> …` for text front ends (Slack, console)."""
        name, _, rest = (text or "").strip().partition(" ")
        name = name.lower()
        if name in ("", "help"):
            return self.help(actor)
        if name == "topics":
            return self.topics()
        if name == "topic":
            return self.topic(rest) if rest.strip() else self.topics()
        load_subcommands()
        sub = SUBCOMMANDS.get(name)
        if sub is None and self._topic_slug(text):  # "/tips mentors": the topic, as "/tips topic mentors"
            return self.topic(text)
        if sub is None:
            return Reply("error", "Unknown command",
                         f"I don't know “/tips {shorten(name, 40)}”. Try /tips help.")
        if sub.moderator and not self.rules.is_moderator(actor):
            return refused(sub.help.rstrip(".").lower() if sub.help else f"use /tips {name}")
        return sub.run(self, actor, rest.strip())

    def is_moderator(self, actor: Actor) -> bool:
        return self.rules.is_moderator(actor)

    # -- bookkeeping ---------------------------------------------------------------------
    def _record_query(self, actor: Actor | None, query: str, answer: Answer) -> None:
        if actor is None:
            return
        self.db.execute(
            "INSERT INTO queries (platform, query, answered, top_id) VALUES (?, ?, ?, ?)",
            [actor.platform, query[:500], int(bool(answer.results)), answer.results[0].id if answer.results else None],
        )


