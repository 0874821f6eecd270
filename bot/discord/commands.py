"""The slash commands. Each maps its typed options onto one `CareerBot` call and nothing more.

Adding a `/tips` subcommand is a few lines in `Tips`: declare the options, mark it
`@moderator_only` if it changes things, and pass the words on with `tips_text(...)`; the
core's subcommand registry (`bot.core.service.subcommand`) does the work and the wording.
Where the core has typed functions (the daily-hack schedule, `bot.core.subscriptions`), the
options go to them directly instead of being joined into text.
"""

from __future__ import annotations

import functools

import discord
from discord import app_commands

from bot.core import forms, subscriptions
from bot.discord.forms import open_form
from bot.discord.replies import NotModerator, actor_from, answer


def is_moderator(interaction: discord.Interaction) -> bool:
    """The real check: `ModeratorRules` (Manage Server, or the configured moderator role) decides."""
    if interaction.client.careerbot.is_moderator(actor_from(interaction)):
        return True
    raise NotModerator("moderators only")


def moderator_only(func):  # noqa: ANN001, ANN201 - a decorator for command callbacks
    """Manage Server as Discord's default (a hint Discord only honours on top-level commands) plus the check."""
    func = app_commands.default_permissions(manage_guild=True)(func)
    return app_commands.check(is_moderator)(func)


async def tips_text(interaction: discord.Interaction, *words: str | None) -> None:
    """Run `/tips <words…>` through the core's router (moderator writes: acknowledged first)."""
    text = " ".join(w.strip() for w in words if w and w.strip())
    await answer(interaction, lambda bot, actor: bot.tips_command(actor, text), defer=True)


@app_commands.command(name="ask", description="Ask a career question; get cited tips from our podcast episodes")
@app_commands.describe(question="Your question, in your own words")
async def ask(interaction: discord.Interaction, question: str) -> None:
    await answer(interaction, lambda bot, actor: bot.ask(question, actor))


@app_commands.command(name="hack", description="Today's career hack for this channel")
async def hack(interaction: discord.Interaction) -> None:
    await answer(interaction, lambda bot, actor: bot.hack(actor.channel))


class Tips(app_commands.Group):
    """`/tips …`: browsing for everyone, managing for moderators."""

    def __init__(self) -> None:
        super().__init__(name="tips", description="Browse career tips by topic; moderators manage them")

    @app_commands.command(description="List the topics and how many tips each has")
    async def topics(self, interaction: discord.Interaction) -> None:
        await answer(interaction, lambda bot, actor: bot.topics())

    @app_commands.command(description="Show the tips on one topic")
    @app_commands.describe(name="Topic (start typing to pick one)")
    async def topic(self, interaction: discord.Interaction, name: str) -> None:
        await answer(interaction, lambda bot, actor: bot.topic(name))

    @topic.autocomplete("name")
    async def topic_name(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        names = interaction.client.careerbot.topic_names(current or "")
        return [app_commands.Choice(name=n[:100], value=n[:100]) for n in names[:25]]

    @app_commands.command(name="help", description="What careerbot can do")
    async def help_(self, interaction: discord.Interaction) -> None:
        await answer(interaction, lambda bot, actor: bot.help(actor))

    # -- moderators ------------------------------------------------------------------------
    @app_commands.command(description="Add a tip: opens the form, previews, then saves (moderators)")
    @moderator_only
    async def add(self, interaction: discord.Interaction) -> None:
        await open_form(interaction, forms.add_form, label="tips add")

    @app_commands.command(description="Edit a tip: opens the form filled in (moderators)")
    @app_commands.describe(tip_id="The tip's id (start typing its id or title)")
    @app_commands.rename(tip_id="id")
    @moderator_only
    async def edit(self, interaction: discord.Interaction, tip_id: str) -> None:
        await open_form(interaction, lambda bot, actor: forms.edit_form(bot, actor, tip_id), label="tips edit")

    @app_commands.command(description="Retire a tip so it is no longer shown (moderators)")
    @app_commands.describe(tip_id="The tip's id (shown under each tip)")
    @app_commands.rename(tip_id="id")
    @moderator_only
    async def retire(self, interaction: discord.Interaction, tip_id: str) -> None:
        await tips_text(interaction, "retire", tip_id)

    @app_commands.command(description="Bring a retired tip back (moderators)")
    @app_commands.describe(tip_id="The tip's id")
    @app_commands.rename(tip_id="id")
    @moderator_only
    async def restore(self, interaction: discord.Interaction, tip_id: str) -> None:
        await tips_text(interaction, "restore", tip_id)

    @app_commands.command(description="The latest changes, or one tip's, with their numbers (moderators)")
    @app_commands.describe(tip_id="Only this tip's changes")
    @app_commands.rename(tip_id="id")
    @moderator_only
    async def history(self, interaction: discord.Interaction, tip_id: str | None = None) -> None:
        await tips_text(interaction, "history", tip_id)

    @app_commands.command(description="Undo a change: a tip's, a subscription's, a review decision, an added "
                                      "transcript (moderators)")
    @app_commands.describe(change="The change number, from /tips history")
    @moderator_only
    async def revert(self, interaction: discord.Interaction, change: app_commands.Range[int, 1]) -> None:
        await tips_text(interaction, "revert", str(change))

    @edit.autocomplete("tip_id")
    @retire.autocomplete("tip_id")
    @restore.autocomplete("tip_id")
    @history.autocomplete("tip_id")
    async def tip_id_choices(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        """Tip ids by id or title, for moderators only (members get no suggestions)."""
        choices = forms.tip_choices(interaction.client.careerbot, actor_from(interaction), current or "")
        return [app_commands.Choice(name=f"{title} · {tip_id}"[:100], value=tip_id[:100])
                for tip_id, title in choices[:25]]

    @app_commands.command(description="Review candidate tips from new episodes: accept, reject or skip "
                                      "(moderators)")
    @moderator_only
    async def review(self, interaction: discord.Interaction) -> None:
        await tips_text(interaction, "review")

    # -- the daily career hack ---------------------------------------------------------------
    @app_commands.command(description="Post a daily career hack in this channel (moderators)")
    @app_commands.describe(time="Local time, 24 h: 09:00, 17:30 (or 9am)",
                           timezone="IANA timezone, e.g. Europe/Berlin (start typing to pick one)",
                           days="daily, weekdays, weekends, or days like mon,wed,fri (new: daily; else kept)",
                           topics="Only tips on these topics, comma separated (start typing)")
    @moderator_only
    async def subscribe(self, interaction: discord.Interaction, time: str, timezone: str, days: str | None = None,
                        topics: str | None = None) -> None:
        await answer(interaction, lambda bot, actor: subscriptions.subscribe(bot, actor, time=time, timezone=timezone,
                                                                             days=days, topics=topics), defer=True)

    @subscribe.autocomplete("timezone")
    async def timezone_choices(self, interaction: discord.Interaction,
                               current: str) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=z, value=z) for z in timezone_names(current)]

    @subscribe.autocomplete("topics")
    async def topics_choices(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=t, value=t)
                for t in topic_list_choices(interaction.client.careerbot, current)]

    @app_commands.command(description="Stop the daily career hack in this channel (moderators)")
    @moderator_only
    async def unsubscribe(self, interaction: discord.Interaction) -> None:
        await answer(interaction, subscriptions.unsubscribe, defer=True)

    @app_commands.command(description="Pause the daily career hack in this channel, keeping its settings "
                                      "(moderators)")
    @moderator_only
    async def pause(self, interaction: discord.Interaction) -> None:
        await answer(interaction, subscriptions.pause, defer=True)

    @app_commands.command(description="Resume the paused daily career hack in this channel (moderators)")
    @moderator_only
    async def resume(self, interaction: discord.Interaction) -> None:
        await answer(interaction, subscriptions.resume, defer=True)

    @app_commands.command(description="This channel's daily career hack: settings and next post time")
    async def schedule(self, interaction: discord.Interaction) -> None:
        await answer(interaction, subscriptions.schedule)

    @app_commands.command(description="Usage and feedback statistics (moderators)")
    @moderator_only
    async def stats(self, interaction: discord.Interaction) -> None:
        await tips_text(interaction, "stats")


@functools.cache
def _timezones() -> tuple[str, ...]:
    return tuple(subscriptions.timezone_names())


def timezone_names(current: str, limit: int = 25) -> list[str]:
    """IANA names starting with what was typed (any case), then those containing it (`berlin`)."""
    typed = (current or "").strip().lower()
    starts = [z for z in _timezones() if z.lower().startswith(typed)]
    if len(starts) >= limit:
        return starts[:limit]
    contains = [z for z in _timezones() if typed in z.lower() and z not in starts]
    return (starts + contains)[:limit]


def topic_list_choices(bot, current: str, limit: int = 25) -> list[str]:  # noqa: ANN001 - a CareerBot
    """Complete the last topic of a comma-separated list (`mentors,inter` → `mentors,interviews`)."""
    done, _, last = (current or "").rpartition(",")
    head = f"{done}," if done else ""
    chosen = {t.strip().lower() for t in done.split(",")}
    return [head + name for name in bot.topic_names(last.strip()) if name not in chosen
            and len(head + name) <= 100][:limit]


def add_commands(tree: app_commands.CommandTree) -> None:
    tree.add_command(ask)
    tree.add_command(hack)
    tree.add_command(Tips())
