"""bot/settings.py's own rules: where values come from, how text becomes values, and what errors say."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.settings import Secret, Settings, SettingsError, load_settings

TOKEN = "xoxb-1234-very-secret-token"
SIGNING = "signing-secret-0123456789"


@pytest.fixture(autouse=True)
def clean(tmp_path, monkeypatch):
    """No setting from the outer environment (in any case), and a working directory without a .env."""
    for name in list(os.environ):
        if name.lower() in Settings.__struct_fields__:
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def error(**env: str) -> str:
    with pytest.MonkeyPatch.context() as mp:
        for name, value in env.items():
            mp.setenv(name, value)
        with pytest.raises(SettingsError) as caught:
            load_settings()
    return str(caught.value)


def test_defaults(tmp_path):
    settings = load_settings()
    assert settings.careerbot_db == Path("careerbot.db") and settings.port == 3000
    assert settings.slack_moderators == [] and settings.slack_admins_are_moderators is True
    assert settings.slack_bot_token is None and not settings.slack_enabled and not settings.discord_enabled
    assert settings.log_level == "INFO" and settings.careerbot_grace_hours == 6.0


@pytest.mark.parametrize(("word", "value"), [
    ("true", True), ("false", False), ("TRUE", True), ("False", False), ("1", True), ("0", False),
    ("yes", True), ("no", False), ("Yes", True), ("NO", False), ("on", True), ("off", False),
    ("ON", True), ("Off", False), ("t", True), ("f", False), ("y", True), ("n", False),
])
def test_bool_spellings(monkeypatch, word, value):
    monkeypatch.setenv("CAREERBOT_SCHEDULER", word)
    monkeypatch.setenv("SLACK_ADMINS_ARE_MODERATORS", word)
    settings = load_settings()
    assert settings.careerbot_scheduler is value and settings.slack_admins_are_moderators is value


@pytest.mark.parametrize("word", ["maybe", "2", "", "ja"])
def test_other_bool_words_are_refused(word):
    assert error(CAREERBOT_SCHEDULER=word) == "CAREERBOT_SCHEDULER: must be true or false"


def test_variable_names_in_any_case(monkeypatch):
    monkeypatch.setenv("port", "8081")
    monkeypatch.setenv("Log_Level", "debug")
    settings = load_settings()
    assert settings.port == 8081 and settings.log_level == "debug"


def test_text_becomes_typed_values(monkeypatch):
    for name, value in {"PORT": " 8080 ", "CAREERBOT_GRACE_HOURS": "2.5", "CAREERBOT_DB": "data/bot.db",
                        "SLACK_MODERATORS": " U1, U2 ,,U3 ", "CAREERBOT_SHUTDOWN_SECONDS": "0"}.items():
        monkeypatch.setenv(name, value)
    settings = load_settings()
    assert settings.port == 8080 and settings.careerbot_grace_hours == 2.5
    assert settings.careerbot_db == Path("data/bot.db") and settings.slack_moderators == ["U1", "U2", "U3"]
    assert settings.careerbot_shutdown_seconds == 0.0


def test_dotenv_in_the_working_directory_and_the_environment_wins(tmp_path, monkeypatch):
    (tmp_path / ".env").write_text("# comment\nPORT=4000\nhost=127.0.0.1\nLOG_FORMAT=json\nNOT_A_SETTING=1\n"
                                   "DISCORD_MODERATOR_ROLE\n")
    monkeypatch.setenv("PORT", "5000")
    monkeypatch.setenv("SOMETHING_ELSE", "ignored")
    settings = load_settings()
    assert settings.port == 5000  # the environment overrides .env
    assert settings.host == "127.0.0.1" and settings.log_format == "json"  # the rest of .env still applies
    assert settings.discord_moderator_role is None  # a bare NAME line is no value
    assert load_settings(_env_file=None).host == "0.0.0.0"


def test_dotenv_is_read_from_the_working_directory_only(tmp_path, monkeypatch):
    (tmp_path / ".env").write_text("PORT=4000\n")
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    assert load_settings().port == 3000


def test_overrides_beat_the_environment_and_dotenv(tmp_path, monkeypatch):
    (tmp_path / ".env").write_text("CAREERBOT_DB=from-dotenv.db\nPORT=4000\n")
    monkeypatch.setenv("CAREERBOT_DB", "from-env.db")
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-1-abcdefgh")
    monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)
    settings = load_settings(careerbot_db=tmp_path / "given.db", careerbot_content="content", port=4001,
                             slack_app_token=None, slack_signing_secret=SIGNING, slack_moderators=["U9"],
                             not_a_setting=1)
    assert settings.careerbot_db == tmp_path / "given.db" and settings.careerbot_content == Path("content")
    assert settings.port == 4001 and settings.slack_app_token is None and settings.slack_moderators == ["U9"]
    assert settings.slack_signing_secret.get_secret_value() == SIGNING


def test_overrides_are_validated_too():
    with pytest.raises(SettingsError, match="^SLACK_BOT_TOKEN: must be a bot token starting with xoxb-$"):
        load_settings(slack_bot_token="not-a-token")
    with pytest.raises(SettingsError, match="^PORT: must be between 1 and 65535$"):
        load_settings(port=0)


def test_secrets_are_masked_and_given_on_request(monkeypatch):
    monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SIGNING)
    monkeypatch.setenv("DISCORD_TOKEN", "discord-secret-token")
    settings = load_settings()
    assert settings.slack_enabled and settings.discord_enabled
    assert settings.slack_bot_token.get_secret_value() == TOKEN
    for text in (repr(settings), str(settings), repr(settings.slack_bot_token), f"{settings.discord_token}"):
        assert TOKEN not in text and SIGNING not in text and "discord-secret-token" not in text
    assert "**********" in repr(settings)
    assert settings.slack_bot_token == Secret(TOKEN) and settings.slack_bot_token != Secret("xoxb-other")


def test_empty_secrets_are_not_set(monkeypatch):
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "DISCORD_TOKEN"):
        monkeypatch.setenv(name, "")
    settings = load_settings()
    assert settings.slack_bot_token is settings.slack_app_token is settings.discord_token is None
    assert not settings.slack_enabled and not settings.discord_enabled


@pytest.mark.parametrize(("env", "line"), [
    ({"DISCORD_TOKEN": "has a space in it"}, "DISCORD_TOKEN: looks malformed (too short or contains spaces)"),
    ({"SLACK_BOT_TOKEN": "xapp-secret-value"}, "SLACK_BOT_TOKEN: must be a bot token starting with xoxb-"),
    ({"SLACK_BOT_TOKEN": TOKEN, "SLACK_APP_TOKEN": "xoxb-secret-value"},
     "SLACK_APP_TOKEN: must be an app-level token starting with xapp-"),
    ({"DISCORD_TOKEN": "discord-secret-token", "PORT": "discord-secret-token"}, "PORT: must be an integer"),
])
def test_errors_never_echo_a_secret(env, line):
    message = error(**env)
    assert message == line
    assert not any(value in message for value in env.values())


@pytest.mark.parametrize(("env", "line"), [
    ({"PORT": "0"}, "PORT: must be between 1 and 65535"),
    ({"PORT": "3.5"}, "PORT: must be an integer"),
    ({"CAREERBOT_GRACE_HOURS": "soon"}, "CAREERBOT_GRACE_HOURS: must be a number"),
    ({"CAREERBOT_GRACE_HOURS": "-2"}, "CAREERBOT_GRACE_HOURS: must be greater than or equal to 0"),
    ({"CAREERBOT_SEMANTIC": "maybe"}, "CAREERBOT_SEMANTIC: must be one of auto, on, off"),
    ({"LOG_LEVEL": "loud"}, "LOG_LEVEL: must be one of debug, info, warning, error, critical (any case)"),
    ({"SLACK_API_URL": "slack.com/api"}, "SLACK_API_URL: must be an http(s):// or ws(s):// URL"),
    ({"DISCORD_GATEWAY_URL": "gateway.discord.gg"}, "DISCORD_GATEWAY_URL: must be an http(s):// or ws(s):// URL"),
])
def test_errors_read_as_one_line_naming_the_variable(env, line):
    assert error(**env) == line


def test_empty_urls_are_allowed_as_before(monkeypatch):
    monkeypatch.setenv("DISCORD_GATEWAY_URL", "")
    assert load_settings().discord_gateway_url == ""
