"""deploy/slack-manifest*.yaml: valid YAML with the fields (and limits) Slack's manifest schema v1 requires."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
SOCKET = DEPLOY / "slack-manifest.yaml"
HTTP = DEPLOY / "slack-manifest-http.yaml"
SCOPES = {"commands", "chat:write", "users:read", "usergroups:read"}  # what bot/slack calls need
URL = re.compile(r"^https?://")


def load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def length(value: object, low: int, high: int) -> bool:
    return isinstance(value, str) and low <= len(value) <= high


@pytest.mark.parametrize("path", [SOCKET, HTTP], ids=["socket", "http"])
def test_manifest_has_what_slack_requires(path):
    manifest = load(path)
    assert set(manifest) <= {"_metadata", "display_information", "features", "oauth_config", "settings"}
    assert manifest["_metadata"]["major_version"] == 1
    info = manifest["display_information"]
    assert set(info) <= {"name", "description", "background_color", "long_description"}
    assert length(info["name"], 1, 35)
    assert length(info["description"], 1, 140)
    assert length(info["long_description"], 175, 4000)
    assert re.fullmatch(r"#[0-9a-fA-F]{3}([0-9a-fA-F]{3})?", info["background_color"])

    features = manifest["features"]
    assert length(features["bot_user"]["display_name"], 1, 80)
    commands = features["slash_commands"]
    assert [c["command"] for c in commands] == ["/ask", "/hack", "/tips"]
    for command in commands:
        assert set(command) <= {"command", "url", "description", "usage_hint", "should_escape"}
        assert length(command["command"], 2, 32) and command["command"].startswith("/")
        assert length(command["description"], 1, 2000)
        assert length(command.get("usage_hint", "x"), 1, 1000)
    assert {c["command"] for c in commands if "usage_hint" in c} == {"/ask", "/tips"}

    scopes = manifest["oauth_config"]["scopes"]["bot"]
    assert set(scopes) == SCOPES and all(length(s, 1, 50) for s in scopes)

    settings = manifest["settings"]
    assert set(settings) <= {"interactivity", "org_deploy_enabled", "socket_mode_enabled", "token_rotation_enabled",
                             "event_subscriptions"}
    assert settings["interactivity"]["is_enabled"] is True


def test_socket_mode_manifest_needs_no_public_url():
    manifest = load(SOCKET)
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert all("url" not in c for c in manifest["features"]["slash_commands"])
    assert "request_url" not in manifest["settings"]["interactivity"]


def test_http_manifest_points_every_request_at_slack_events():
    manifest = load(HTTP)
    assert manifest["settings"]["socket_mode_enabled"] is False
    urls = [c["url"] for c in manifest["features"]["slash_commands"]]
    urls.append(manifest["settings"]["interactivity"]["request_url"])
    assert all(URL.match(u) and u.endswith("/slack/events") and len(u) <= 3000 for u in urls)
    assert len(set(urls)) == 1


async def test_every_manifest_command_is_handled_by_the_app(slack_http):
    for command in load(SOCKET)["features"]["slash_commands"]:
        status, _ = await slack_http.command(command["command"], "help")
        assert status == 200, command["command"]
    assert (await slack_http.command("/unknown", "help"))[0] == 404
