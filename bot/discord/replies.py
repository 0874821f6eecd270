"""Interactions in, replies out: who is asking, how a `Reply` is sent, and what each button does.

Buttons are `DynamicItem`s: their custom_id carries what the handler needs (`cb:fb:up:<tip id>`),
so they keep working after a restart. "Show more" keeps the question in a small in-memory
memory keyed by the answer's interaction id; after a restart it asks the member to ask again.
"""

from __future__ import annotations

import logging
import re
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands, ui

from bot.core.actors import Actor
from bot.core.reply import Button, Reply
from bot.core.service import refused
from bot.discord.embeds import escape, render
from bot.observability import observe

if TYPE_CHECKING:
    from bot.core.service import CareerBot

log = logging.getLogger(__name__)

Work = Callable[["CareerBot", Actor], Reply]
FAILED = Reply("error", "Something went wrong",
               "Sorry, I couldn't do that just now. Nothing was changed; please try again in a moment.")
EXPIRED = Reply("info", "That answer has expired",
                "I only remember recent answers for “Show more”. Ask again with /ask.")


# -- who is asking ----------------------------------------------------------------------
def actor_from(interaction: discord.Interaction) -> Actor:
    """The member's facts as Discord reports them; `ModeratorRules` decides what they mean."""
    user = interaction.user
    perms = interaction.permissions
    roles: set[str] = set()
    if isinstance(user, discord.Member):
        for role_id in user._roles:  # ids from the payload; names when the guild is cached
            roles.add(str(role_id))
            role = user.guild.get_role(role_id)
            if role is not None:
                roles.add(role.name)
    return Actor(
        "discord", str(user.id), str(interaction.channel_id or interaction.guild_id or ""),
        name=getattr(user, "display_name", str(user.id)),
        can_manage_guild=perms.manage_guild or perms.administrator,
        roles=frozenset(roles),
    )


# -- "Show more" memory -----------------------------------------------------------------
class AnswerMemory:
    """The last `size` answers' question and shown tip ids, keyed by the answer's interaction id."""

    def __init__(self, size: int = 2000) -> None:
        self.size = size
        self._items: OrderedDict[str, tuple[str, list[str]]] = OrderedDict()

    def remember(self, key: str, query: str, shown: list[str]) -> None:
        self._items[key] = (query, list(shown))
        self._items.move_to_end(key)
        while len(self._items) > self.size:
            self._items.popitem(last=False)

    def recall(self, key: str) -> tuple[str, list[str]] | None:
        return self._items.get(key)

    def __len__(self) -> int:
        return len(self._items)


# -- sending ----------------------------------------------------------------------------
async def send_reply(interaction: discord.Interaction, reply: Reply, *, ephemeral: bool | None = None) -> None:
    """Answer the interaction (or follow up if it was deferred or answered) with `reply` rendered."""
    ephemeral = reply.ephemeral if ephemeral is None else ephemeral
    key = str(interaction.id)
    if reply.kind == "answer" and "query" in reply.data:
        interaction.client.answers.remember(key, reply.data["query"], reply.data.get("shown", []))
    message = render(reply)
    view = view_for(reply, key, ephemeral=ephemeral)
    kwargs: dict[str, Any] = {"content": message.content, "embeds": message.embeds,
                              "allowed_mentions": discord.AllowedMentions.none(), "ephemeral": ephemeral}
    if view is not None:
        kwargs["view"] = view
    if interaction.response.is_done():
        await interaction.followup.send(**kwargs)
    else:
        await interaction.response.send_message(**kwargs)


async def answer(interaction: discord.Interaction, work: Work, *, defer: bool = False,
                 label: str | None = None) -> None:
    """Run `work` against the core and send its reply; any failure becomes a visible error.

    `defer` acknowledges first (Discord allows 3 seconds) for work that may take longer,
    such as moderator writes waiting on the database; the reply then arrives as a followup.
    """
    with observe("discord", label or _what(interaction)) as obs:
        try:
            if defer and not interaction.response.is_done():
                await interaction.response.defer(ephemeral=True, thinking=True)
            reply = work(interaction.client.careerbot, actor_from(interaction))
        except Exception:
            log.exception("discord: %s failed", _what(interaction))
            reply = FAILED
        obs.reply(reply)
        await send_safely(interaction, reply)


async def send_safely(interaction: discord.Interaction, reply: Reply) -> None:
    try:
        await send_reply(interaction, reply)
    except Exception:
        log.exception("discord: could not send the reply to %s", _what(interaction))
        if reply is not FAILED:
            try:
                await send_reply(interaction, FAILED, ephemeral=True)
            except Exception:  # noqa: BLE001 - nothing left to tell the member with
                log.exception("discord: could not send the error reply either")


async def on_command_error(interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
    """The tree's error handler: a refused moderator command, or a failure, always gets an answer."""
    if isinstance(error, NotModerator):
        name = interaction.command.qualified_name if interaction.command else "that command"
        reply = refused(f"use /{name}")
    elif isinstance(error, app_commands.CommandNotFound | app_commands.CommandSignatureMismatch):
        log.warning("discord: Discord sent a command this version doesn't have (%s): run `careerbot discord sync`",
                    error)
        reply = Reply("error", "Unknown command", "That command has changed or is no longer available. "
                      "Try /tips help for what I can do now.")
    else:
        log.error("discord: %s failed", _what(interaction), exc_info=error)
        reply = FAILED
    if interaction.type is discord.InteractionType.autocomplete:
        return
    await send_safely(interaction, reply)


class NotModerator(app_commands.CheckFailure):
    """Raised by the moderator check; turned into the core's "Moderators only" reply."""


def _what(interaction: discord.Interaction) -> str:
    """A fixed-set name for logs and metrics: the command's name or the button kind, never user text."""
    if interaction.command is not None:
        return interaction.command.qualified_name
    custom_id = str((interaction.data or {}).get("custom_id", ""))
    return {"share": "share", "more": "more", "fb": "feedback", "followup": "followup"}.get(
        custom_id.split(":")[1] if custom_id.startswith("cb:") else "", interaction.type.name)


# -- buttons ----------------------------------------------------------------------------
class ShareButton(ui.DynamicItem[ui.Button], template=r"cb:share"):
    """Posts the (ephemeral) answer it sits on to the channel, credited to whoever shared it."""

    def __init__(self, label: str = "Share to channel") -> None:
        super().__init__(ui.Button(label=label, style=discord.ButtonStyle.primary, custom_id="cb:share"))

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: ui.Button, match: re.Match[str], /):
        return cls(item.label or "Share to channel")

    async def callback(self, interaction: discord.Interaction) -> None:
        message = interaction.message
        if message is None or not message.embeds:
            await send_safely(interaction, Reply("error", text="There is nothing to share on that message."))
            return
        who = escape(getattr(interaction.user, "display_name", "someone"), 80)
        content = "\n".join(filter(None, [message.content, f"_Shared by {who}_"]))
        with observe("discord", "share") as obs:
            try:
                await interaction.response.send_message(
                    content=content, embeds=message.embeds, view=public_view(message) or discord.utils.MISSING,
                    allowed_mentions=discord.AllowedMentions.none(), ephemeral=False,
                )
            except Exception:
                log.exception("discord: sharing failed")
                obs.outcome = "error"
                await send_safely(interaction, Reply("error", "Couldn't share that", "I couldn't post in this "
                                                     "channel; do I have permission to send messages here?"))


class MoreButton(ui.DynamicItem[ui.Button], template=r"cb:more:(?P<key>[0-9]{1,25})"):
    """The next few tips for the same question."""

    def __init__(self, key: str, label: str = "Show more") -> None:
        self.key = key
        super().__init__(ui.Button(label=label, style=discord.ButtonStyle.secondary, custom_id=f"cb:more:{key}"))

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: ui.Button, match: re.Match[str], /):
        return cls(match["key"], item.label or "Show more")

    async def callback(self, interaction: discord.Interaction) -> None:
        remembered = interaction.client.answers.recall(self.key)
        await answer(interaction, lambda bot, actor: _more(bot, actor, remembered))


def _more(bot: CareerBot, actor: Actor, remembered: tuple[str, list[str]] | None) -> Reply:
    if remembered is None:
        return EXPIRED
    query, shown = remembered
    reply = bot.more(query, shown, actor)
    if reply.kind == "answer":
        reply.data["shown"] = shown + [c.id for c in reply.cards]
    return reply


class FeedbackButton(ui.DynamicItem[ui.Button], template=r"cb:fb:(?P<kind>up|down|flag):(?P<tip>[\w.:-]{1,88})"):
    """👍 / 👎 on a tip, recorded in the feedback table."""

    def __init__(self, kind: str, tip_id: str, label: str) -> None:
        self.kind, self.tip_id = kind, tip_id
        super().__init__(ui.Button(label=label, style=discord.ButtonStyle.secondary, custom_id=feedback_id(kind, tip_id)))

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: ui.Button, match: re.Match[str], /):
        return cls(match["kind"], match["tip"], item.label or match["kind"])

    async def callback(self, interaction: discord.Interaction) -> None:
        await answer(interaction, lambda bot, actor: bot.feedback(actor, self.tip_id, self.kind))


def feedback_id(kind: str, tip_id: str) -> str:
    return f"cb:fb:{kind}:{tip_id}"


class FollowupButton(ui.DynamicItem[ui.Button], template=r"cb:followup"):
    """Opens a small form to ask a question about the tip just shown."""

    def __init__(self, label: str = "Ask a follow-up") -> None:
        super().__init__(ui.Button(label=label, style=discord.ButtonStyle.secondary, custom_id="cb:followup"))

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: ui.Button, match: re.Match[str], /):
        return cls(item.label or "Ask a follow-up")

    async def callback(self, interaction: discord.Interaction) -> None:
        try:
            await interaction.response.send_modal(FollowupModal())
        except Exception:
            log.exception("discord: could not open the follow-up form")
            await send_safely(interaction, FAILED)


class FollowupModal(ui.Modal, title="Ask a follow-up"):
    question = ui.Label(text="Your question",
                        component=ui.TextInput(style=discord.TextStyle.paragraph, max_length=1000,
                                               placeholder="e.g. how do I find a mentor?"))

    def __init__(self) -> None:
        super().__init__(timeout=600)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        text = self.question.component.value  # type: ignore[union-attr]
        await answer(interaction, lambda bot, actor: bot.ask(text, actor), label="followup ask")

    async def on_error(self, interaction: discord.Interaction, error: Exception) -> None:
        log.error("discord: follow-up form failed", exc_info=error)
        await send_safely(interaction, FAILED)


DYNAMIC_ITEMS = (ShareButton, MoreButton, FeedbackButton, FollowupButton)


def button_item(button: Button, key: str | None, *, ephemeral: bool) -> ui.DynamicItem | None:
    """The Discord button for a core `Button`, or None when it does not apply here."""
    if button.action == "share":
        return ShareButton(button.label) if ephemeral else None
    if button.action == "more":
        return MoreButton(key, button.label) if key else None
    if button.action in ("feedback_up", "feedback_down"):
        kind = button.action.removeprefix("feedback_")
        ok = re.fullmatch(FeedbackButton.__discord_ui_compiled_template__, feedback_id(kind, button.value))
        return FeedbackButton(kind, button.value, button.label) if ok else None
    if button.action == "ask_followup":
        return FollowupButton(button.label)
    from bot.discord.forms import form_button  # the moderators' buttons (forms imports this module)

    return form_button(button)


def view_for(reply: Reply, key: str | None, *, ephemeral: bool) -> ui.View | None:
    items = [item for b in reply.buttons if (item := button_item(b, key, ephemeral=ephemeral)) is not None]
    return _view(items)


def public_view(message: discord.Message) -> ui.View | None:
    """The buttons of a shared message: feedback and follow-up stay, Share and Show more go."""
    items: list[ui.DynamicItem] = []
    for row in message.components:
        for child in getattr(row, "children", []):
            custom_id = getattr(child, "custom_id", None) or ""
            if match := FeedbackButton.__discord_ui_compiled_template__.fullmatch(custom_id):
                items.append(FeedbackButton(match["kind"], match["tip"], child.label or match["kind"]))
            elif custom_id == "cb:followup":
                items.append(FollowupButton(child.label or "Ask a follow-up"))
    return _view(items)


def _view(items: list[ui.DynamicItem]) -> ui.View | None:
    if not items:
        return None
    view = ui.View(timeout=None)
    for item in items[:25]:
        view.add_item(item)
    # Stopped views are not kept in discord.py's view store: the registered DynamicItems
    # dispatch every click, so sent messages cost no memory and survive restarts.
    view.stop()
    return view
