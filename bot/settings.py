"""Settings from the environment and `.env`, validated once at start (see .env.example)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PACKAGE_CONTENT = Path(__file__).resolve().parent.parent / "content"


def default_content_dir() -> Path:
    """`./content` when run from a checkout, else the content next to the installed package."""
    here = Path.cwd() / "content"
    return here if (here / "topics.yaml").exists() else PACKAGE_CONTENT


def _csv(value: object) -> object:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    careerbot_db: Path = Field(default=Path("careerbot.db"), description="SQLite database file")
    careerbot_content: Path = Field(default_factory=default_content_dir, description="content directory")

    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"
    slack_moderators: Annotated[list[str], NoDecode] = []
    slack_moderator_group: str | None = None
    slack_admins_are_moderators: bool = True

    discord_token: SecretStr | None = None
    discord_api_url: str = "https://discord.com/api/v10"
    discord_gateway_url: str | None = None
    discord_moderator_role: str | None = None

    port: int = Field(default=3000, ge=1, le=65535)
    host: str = "0.0.0.0"
    careerbot_grace_hours: float = Field(default=6.0, ge=0)
    careerbot_moderators_channel: str | None = None
    log_level: str = Field(default="INFO", pattern="(?i)^(debug|info|warning|error|critical)$")
    log_format: str = Field(default="console", pattern="^(console|json)$")
    careerbot_shutdown_seconds: float = Field(default=20.0, ge=0, description="how long shutdown waits for in-flight replies and posts")
    careerbot_scheduler: bool = Field(default=True, description="run the daily-hack scheduler in this process")
    careerbot_semantic: str = Field(default="auto", pattern="^(auto|on|off)$",
                                    description="blend sentence embeddings into answers (needs careerbot[semantic])")

    @field_validator("slack_moderators", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        return _csv(value)

    @field_validator("slack_bot_token")
    @classmethod
    def _bot_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and value.get_secret_value() and not value.get_secret_value().startswith("xoxb-"):
            raise ValueError("must be a bot token starting with xoxb-")
        return value or None

    @field_validator("slack_app_token")
    @classmethod
    def _app_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and value.get_secret_value() and not value.get_secret_value().startswith("xapp-"):
            raise ValueError("must be an app-level token starting with xapp-")
        return value or None

    @field_validator("slack_signing_secret", "discord_token")
    @classmethod
    def _secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value():
            return None
        secret = value.get_secret_value()
        if any(c.isspace() for c in secret) or len(secret) < 8:
            raise ValueError("looks malformed (too short or contains spaces)")
        return value

    @field_validator("slack_api_url", "discord_api_url", "discord_gateway_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value and not value.startswith(("http://", "https://", "ws://", "wss://")):
            raise ValueError("must be an http(s):// or ws(s):// URL")
        return value

    @property
    def slack_enabled(self) -> bool:
        return self.slack_bot_token is not None

    @property
    def discord_enabled(self) -> bool:
        return self.discord_token is not None


class SettingsError(Exception):
    """A one-line, human message naming the setting that is wrong."""


def load_settings(**overrides: object) -> Settings:
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]).upper() if first["loc"] else "settings"
        raise SettingsError(f"{name}: {first['msg'].removeprefix('Value error, ')}") from None
    if settings.slack_bot_token and not (settings.slack_app_token or settings.slack_signing_secret):
        raise SettingsError("SLACK_SIGNING_SECRET: required for HTTP mode (or set SLACK_APP_TOKEN for Socket Mode)")
    if settings.slack_app_token and not settings.slack_bot_token:
        raise SettingsError("SLACK_BOT_TOKEN: required with SLACK_APP_TOKEN")
    return settings
