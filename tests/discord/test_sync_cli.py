"""`careerbot discord sync [--guild ID]`: registers the command tree on demand, against the fake REST."""

from __future__ import annotations

import asyncio
import subprocess
import sys

from click.testing import CliRunner

from bot.cli import cli
from tests.discord.fakes import APP_ID, GUILD_ID, TOKEN


def run_cli(args: list[str], env: dict[str, str]):
    return CliRunner().invoke(cli, args, env=env, catch_exceptions=False)


def sync_env(fake, tmp_path) -> dict[str, str]:
    return {"DISCORD_TOKEN": TOKEN, "DISCORD_API_URL": fake.api_url, "CAREERBOT_DB": str(tmp_path / "sync.db")}


async def test_sync_registers_global_commands(fake_discord, tmp_path):
    result = await asyncio.to_thread(run_cli, ["discord", "sync"], sync_env(fake_discord, tmp_path))
    assert result.exit_code == 0, result.output
    assert "synced 3 commands" in result.output
    [put] = fake_discord.calls_to("PUT", rf"^/applications/{APP_ID}/commands$")
    commands = {c["name"]: c for c in put.json}
    assert set(commands) == {"ask", "hack", "tips"}
    assert [o["name"] for o in commands["ask"]["options"]] == ["question"]
    subs = {o["name"]: o for o in commands["tips"]["options"]}
    assert {"topics", "topic", "help", "retire", "restore", "history", "revert", "stats"} <= set(subs)
    assert [(o["name"], o["type"], o.get("min_value")) for o in subs["revert"]["options"]] == [("change", 4, 1)]
    assert subs["topic"]["options"][0]["autocomplete"] is True
    assert [o["name"] for o in subs["retire"]["options"]] == ["id"]
    # Members use /tips too, so Discord's permission default stays open; the check guards moderator subcommands.
    assert commands["tips"]["default_member_permissions"] is None


async def test_sync_to_one_guild(fake_discord, tmp_path):
    args = ["discord", "sync", "--guild", GUILD_ID]
    result = await asyncio.to_thread(run_cli, args, sync_env(fake_discord, tmp_path))
    assert result.exit_code == 0, result.output
    assert f"server {GUILD_ID}" in result.output
    [put] = fake_discord.calls_to("PUT", rf"^/applications/{APP_ID}/guilds/{GUILD_ID}/commands$")
    assert {c["name"] for c in put.json} == {"ask", "hack", "tips"}
    assert not fake_discord.calls_to("PUT", rf"^/applications/{APP_ID}/commands$")


async def test_sync_without_token_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    result = await asyncio.to_thread(run_cli, ["discord", "sync"], {"CAREERBOT_DB": str(tmp_path / "x.db")})
    assert result.exit_code != 0
    assert "DISCORD_TOKEN" in result.output


def test_careerbot_ask_does_not_import_discord():
    code = "import sys, bot.cli; assert 'discord' not in sys.modules, 'discord imported'; print('ok')"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "ok", done.stderr
