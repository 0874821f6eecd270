"""Moderator subcommands: Discord reports the facts, `ModeratorRules` decides, refusals change nothing."""

from __future__ import annotations

import pytest

from bot.core.actors import Actor, ModeratorRules
from bot.core.service import SUBCOMMANDS
from bot.discord.embeds import render
from tests.discord.fakes import MANAGE_GUILD, MODERATOR_ROLE_ID
from tests.discord.helpers import EPHEMERAL, text_of

TIP = "find-mentors-through-communities-first"


def status(bot, tip: str = TIP) -> str:
    return bot.db.execute("SELECT status FROM tips WHERE id = ?", [tip]).fetchone()[0]


async def test_member_without_rights_is_refused_and_nothing_changes(fake_discord, interact, bot):
    audit_before = bot.db.execute("SELECT count(*) FROM audit").fetchone()
    payload = fake_discord.command("tips", "retire", id=TIP)
    [call] = await interact(payload)
    assert call.json["type"] == 4  # refused at once, no defer
    assert call.sent["flags"] & EPHEMERAL
    assert call.sent["content"] == "**Moderators only**"
    assert "Sorry, only moderators can use /tips retire. Nothing was changed." in text_of(call.sent)
    assert status(bot) == "active"
    assert bot.db.execute("SELECT count(*) FROM audit").fetchone() == audit_before


async def expect_accepted(fake_discord, interact, bot, member: dict, actor: Actor) -> None:
    payload = fake_discord.command("tips", "retire", id="no-such-tip", member=member)
    defer, reply = await interact(payload, n=2)
    assert defer.json == {"type": 5, "data": {"flags": EPHEMERAL}}  # acknowledged within 3 s
    assert reply.path.startswith("/webhooks/")
    assert reply.sent["flags"] & EPHEMERAL
    expected = bot.tips_command(actor, "retire no-such-tip")  # the core's own answer, whatever it is
    assert expected.kind != "refused"
    assert reply.sent["content"] == f"**{expected.title}**"


async def test_manage_server_permission_is_a_moderator(fake_discord, interact, bot):
    member = fake_discord.member(permissions=MANAGE_GUILD)
    await expect_accepted(fake_discord, interact, bot, member, Actor("discord", "m", can_manage_guild=True))


async def test_administrator_is_a_moderator(fake_discord, interact, bot):
    member = fake_discord.member(permissions=1 << 3)
    await expect_accepted(fake_discord, interact, bot, member, Actor("discord", "m", can_manage_guild=True))


async def test_configured_moderator_role_by_id(fake_discord, interact, bot, discord_client):
    bot.rules = ModeratorRules(discord_role=MODERATOR_ROLE_ID)
    member = fake_discord.member(roles=(MODERATOR_ROLE_ID,))
    await expect_accepted(fake_discord, interact, bot, member,
                          Actor("discord", "m", roles=frozenset({MODERATOR_ROLE_ID})))
    outsider = fake_discord.member(roles=("1100000000000000042",))
    [call] = await interact(fake_discord.command("tips", "retire", id=TIP, member=outsider))
    assert call.sent["content"] == "**Moderators only**"


async def test_configured_moderator_role_by_name_from_the_guild_cache(fake_discord, interact, bot, discord_client):
    assert bot.rules.discord_role == "moderators"
    discord_client._connection.parse_guild_create(fake_discord.guild_create({MODERATOR_ROLE_ID: "moderators"}))
    member = fake_discord.member(roles=(MODERATOR_ROLE_ID,))
    await expect_accepted(fake_discord, interact, bot, member,
                          Actor("discord", "m", roles=frozenset({"moderators"})))


async def test_moderator_retire_reaches_the_core(fake_discord, interact, bot):
    if "retire" not in SUBCOMMANDS:
        pytest.skip("the moderation subcommands have not landed yet")
    payload = fake_discord.command("tips", "retire", id=TIP, member=fake_discord.member(permissions=MANAGE_GUILD))
    await interact(payload, n=2)
    assert status(bot) != "active"


async def test_moderator_subcommands_carry_the_permission_hint(discord_client):
    tips = discord_client.tree.get_command("tips")
    for name in ("retire", "restore", "history", "revert", "stats"):
        command = tips.get_command(name)
        assert command.default_permissions is not None and command.default_permissions.manage_guild
        assert command.checks, f"/tips {name} has no moderator check"
    for name in ("topics", "topic", "help"):
        assert not tips.get_command(name).checks


@pytest.mark.parametrize("sub, options, text", [
    ("restore", {"id": TIP}, f"restore {TIP}"),
    ("history", {"id": TIP}, f"history {TIP}"),
    ("history", {}, "history"),  # every kind of change, numbered for /tips revert
    ("revert", {"change": 999_999}, "revert 999999"),
    ("stats", {}, "stats"),
])
async def test_each_moderator_subcommand_is_guarded_and_routed_to_the_core(fake_discord, interact, bot, sub, options,
                                                                          text):
    [refusal] = await interact(fake_discord.command("tips", sub, **options))
    assert refusal.sent["content"] == "**Moderators only**"
    moderator = fake_discord.member(permissions=MANAGE_GUILD)
    _defer, reply = await interact(fake_discord.command("tips", sub, member=moderator, **options), n=2)
    expected = bot.tips_command(Actor("discord", "m", can_manage_guild=True), text)
    assert expected.kind != "refused"
    assert reply.sent.get("content") == render(expected).content
