"""`build_client`: the discord.py client with careerbot's command tree and buttons."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
import yarl
from discord import app_commands
from discord.gateway import DiscordWebSocket
from discord.http import Route

from bot.discord.commands import add_commands
from bot.discord.forms import FORM_ITEMS, Drafts, on_modal_submit
from bot.discord.replies import DYNAMIC_ITEMS, AnswerMemory, on_command_error

if TYPE_CHECKING:
    from bot.core.service import CareerBot
    from bot.settings import Settings

# Slash commands and buttons arrive as interactions whatever the intents; GUILDS (not privileged)
# keeps roles cached so a moderator role can be configured by name as well as by id.
INTENTS = discord.Intents(guilds=True)
DISCORD_GATEWAY = "wss://gateway.discord.gg/"


def point_at(settings: Settings) -> None:
    """Send REST calls to DISCORD_API_URL and the gateway connection to DISCORD_GATEWAY_URL.

    discord.py keeps both as class attributes (pinned 2.7.1: `Route.BASE`, and
    `DiscordWebSocket.DEFAULT_GATEWAY`, which a plain `Client` connects to without asking
    `GET /gateway/bot`), so they are process-wide: one Discord per process.
    """
    Route.BASE = settings.discord_api_url.rstrip("/")
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.discord_gateway_url or DISCORD_GATEWAY)


class CommandTree(app_commands.CommandTree):
    async def on_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        await on_command_error(interaction, error)


class CareerClient(discord.Client):
    """A plain `Client` (one gateway connection) that knows the `CareerBot` it serves."""

    def __init__(self, settings: Settings | None, careerbot: CareerBot | None, **options) -> None:  # noqa: ANN003
        options.setdefault("intents", INTENTS)
        options.setdefault("allowed_mentions", discord.AllowedMentions.none())
        # A 429 longer than this raises `RateLimited` instead of sleeping: the scheduler retries later.
        options.setdefault("max_ratelimit_timeout", 30.0)
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False  # no voice here: no warning
        super().__init__(**options)
        self.settings = settings
        self.careerbot = careerbot
        self.answers = AnswerMemory()
        self.drafts = Drafts()  # tip forms between their preview and Save
        self.tree = CommandTree(self)
        add_commands(self.tree)

    async def setup_hook(self) -> None:
        self.add_dynamic_items(*DYNAMIC_ITEMS, *FORM_ITEMS)

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """Tip form submits: their modals are not kept in the view store (see bot/discord/forms.py)."""
        if interaction.type is discord.InteractionType.modal_submit:
            await on_modal_submit(interaction)


def build_client(settings: Settings | None, bot: CareerBot | None, **options) -> CareerClient:  # noqa: ANN003
    """The client for `bot`, talking to the Discord (or proxy, or fake) that `settings` names."""
    if settings is not None:
        point_at(settings)
    return CareerClient(settings, bot, **options)
