"""Settings from the environment and `.env`, validated once at start (see .env.example).

msgspec converts and checks the values (types, ranges, patterns) and python-dotenv reads `.env`:
both import in a fraction of the time pydantic-settings took, which every `careerbot ask` paid.
`load_settings` is the way in: it reads the sources, converts them and checks them, and any problem
is one `SettingsError` line naming the variable (`PORT: must be between 1 and 65535`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Annotated, Any, get_args, get_origin

import msgspec
from msgspec import Meta

PACKAGE_CONTENT = Path(__file__).resolve().parent.parent / "content"


def default_content_dir() -> Path:
    """`./content` when run from a checkout, else the content next to the installed package."""
    here = Path.cwd() / "content"
    return here if (here / "topics.yaml").exists() else PACKAGE_CONTENT


class Secret:
    """A token or secret: `get_secret_value()` gives it; repr and str (so logs and tracebacks) show stars."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get_secret_value(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    def __str__(self) -> str:
        return "**********"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


def one_of(*choices: str, any_case: bool = False) -> Meta:
    """A str constraint: exactly one of `choices` (in any letter case if `any_case`)."""
    return Meta(pattern=("(?i)" if any_case else "") + f"^({'|'.join(choices)})$",
                extra={"means": "must be one of " + ", ".join(choices) + (" (any case)" if any_case else "")})


# Empty is allowed (as before: the default applies only when the variable is absent, and "" means "not set").
URL = Meta(pattern=r"^((https?|wss?)://|$)", extra={"means": "must be an http(s):// or ws(s):// URL"})


class Settings(msgspec.Struct, kw_only=True):
    """Every setting; the environment variable is the field name in upper case. Build with `load_settings`."""

    careerbot_db: Annotated[Path, Meta(description="SQLite database file")] = Path("careerbot.db")
    careerbot_content: Annotated[Path, Meta(description="content directory")] = msgspec.field(
        default_factory=default_content_dir)

    slack_bot_token: Secret | None = None
    slack_signing_secret: Secret | None = None
    slack_app_token: Secret | None = None
    slack_api_url: Annotated[str, URL] = "https://slack.com/api/"
    slack_moderators: Annotated[list[str], Meta(description="comma-separated in the environment")] = []
    slack_moderator_group: str | None = None
    slack_admins_are_moderators: bool = True

    discord_token: Secret | None = None
    discord_api_url: Annotated[str, URL] = "https://discord.com/api/v10"
    discord_gateway_url: Annotated[str, URL] | None = None
    discord_moderator_role: str | None = None

    port: Annotated[int, Meta(ge=1, le=65535)] = 3000
    host: str = "0.0.0.0"
    careerbot_grace_hours: Annotated[float, Meta(ge=0)] = 6.0
    careerbot_moderators_channel: str | None = None
    log_level: Annotated[str, one_of("debug", "info", "warning", "error", "critical", any_case=True)] = "INFO"
    log_format: Annotated[str, one_of("console", "json")] = "console"
    careerbot_shutdown_seconds: Annotated[float, Meta(ge=0), Meta(
        description="how long shutdown waits for in-flight replies and posts")] = 20.0
    careerbot_scheduler: Annotated[bool, Meta(description="run the daily-hack scheduler in this process")] = True
    careerbot_semantic: Annotated[str, one_of("auto", "on", "off"), Meta(
        description="blend sentence embeddings into answers (needs careerbot[semantic])")] = "auto"

    @property
    def slack_enabled(self) -> bool:
        return self.slack_bot_token is not None

    @property
    def discord_enabled(self) -> bool:
        return self.discord_token is not None


class SettingsError(Exception):
    """A one-line, human message naming the setting that is wrong."""


def _token(prefix: str, kind: str) -> Callable[[str], str | None]:
    return lambda value: None if value.startswith(prefix) else f"must be {kind} starting with {prefix}"


def _opaque(value: str) -> str | None:
    if any(c.isspace() for c in value) or len(value) < 8:
        return "looks malformed (too short or contains spaces)"
    return None


# What each secret must look like: the problem with `value`, or None. Messages never quote the value.
SECRET_CHECKS: dict[str, Callable[[str], str | None]] = {
    "slack_bot_token": _token("xoxb-", "a bot token"),
    "slack_signing_secret": _opaque,
    "slack_app_token": _token("xapp-", "an app-level token"),
    "discord_token": _opaque,
}

# The spellings of a bool that pydantic accepted from the environment, in any case.
BOOL_WORDS = {word: flag for flag, words in ((True, ("1", "true", "t", "yes", "y", "on")),
                                             (False, ("0", "false", "f", "no", "n", "off"))) for word in words}


def _read(env_file: str | os.PathLike[str] | None) -> dict[str, Any]:
    """The settings `.env` and then the environment set, by field name (variable names in any case)."""
    names = set(Settings.__struct_fields__)
    found: dict[str, Any] = {}
    sources: list[Mapping[str, str | None]] = []
    if env_file is not None and Path(env_file).expanduser().is_file():
        from dotenv import dotenv_values  # only when there is a file: `careerbot ask` rarely has one

        try:
            sources.append(dotenv_values(Path(env_file).expanduser(), encoding="utf-8"))
        except UnicodeDecodeError as exc:  # e.g. Latin-1, or UTF-16 from a Windows editor
            raise SettingsError(f"{env_file}: not UTF-8 text (byte {exc.object[exc.start]:#04x} at offset "
                                f"{exc.start}); save it as UTF-8") from None
        except OSError as exc:
            raise SettingsError(f"{env_file}: cannot be read ({exc.strerror or exc})") from None
    sources.append(os.environ)
    for source in sources:
        found.update((key.lower(), value) for key, value in source.items()
                     if key.lower() in names and value is not None)  # None: a bare NAME line in .env
    return found


def _base(kind: Any) -> Any:
    """The type under `Annotated[...]`."""
    return get_args(kind)[0] if get_origin(kind) is Annotated else kind


def _prepare(values: dict[str, Any]) -> dict[str, Any]:
    """Text from the environment made ready for msgspec, in field order: bool spellings, numbers without
    surrounding spaces, comma-separated lists, and secrets (empty means not set; otherwise checked here
    and wrapped in `Secret`)."""
    ready: dict[str, Any] = {}
    for field in msgspec.structs.fields(Settings):
        if field.name not in values:
            continue
        value, kind = values[field.name], _base(field.type)
        if isinstance(value, Secret):  # passed to load_settings: checked like any other
            value = value.get_secret_value()
        if isinstance(value, str):
            if kind is bool:
                value = BOOL_WORDS.get(value.lower(), value)
            elif kind in (int, float):
                value = value.strip()
            elif get_origin(kind) is list:
                value = [part.strip() for part in value.split(",") if part.strip()]
            elif Secret in get_args(kind):
                if not value:
                    value = None
                elif problem := SECRET_CHECKS.get(field.name, lambda _: None)(value):
                    raise SettingsError(f"{field.name.upper()}: {problem}")
                else:
                    value = Secret(value)
        ready[field.name] = value
    return ready


def _decode(kind: type, value: Any) -> Any:
    """msgspec's hook for the types it does not know: Path, and Secret (already wrapped by `_prepare`)."""
    if isinstance(value, kind):
        return value
    if kind is Path and isinstance(value, str | os.PathLike):
        return Path(value)
    raise ValueError("must be a path" if kind is Path else "must be text")


TYPE_WORDS = {"int": "an integer", "float": "a number", "bool": "true or false", "str": "text",
              "array": "a list"}


def _message(exc: msgspec.ValidationError) -> str:
    """msgspec's "Expected `int` <= 65535 - at `$.port`" as "PORT: must be between 1 and 65535"."""
    detail, _, where = str(exc).rpartition(" - at ")
    match = re.match(r"`\$\.(\w+)", where)
    if not match:
        return f"settings: {exc}"
    name = match.group(1)
    if got := re.match(r"Expected `(\w+)`, got", detail):
        detail = f"must be {TYPE_WORDS.get(got.group(1), got.group(1))}"
    elif detail.startswith("Expected"):  # a constraint: say it from the field's own Meta
        detail = _constraint(name) or detail
    return f"{name.upper()}: {detail}"


def _constraint(name: str) -> str | None:
    field = next(f for f in msgspec.structs.fields(Settings) if f.name == name)
    kind = next((k for k in (field.type, *get_args(field.type)) if get_origin(k) is Annotated), None)
    for meta in get_args(kind)[1:] if kind else ():
        if meta.pattern:
            return meta.extra.get("means") if meta.extra else f"must match {meta.pattern}"
        if meta.ge is not None and meta.le is not None:
            return f"must be between {meta.ge} and {meta.le}"
        if meta.ge is not None:
            return f"must be greater than or equal to {meta.ge}"
    return None


def load_settings(_env_file: str | os.PathLike[str] | None = ".env", **overrides: Any) -> Settings:
    """Settings from `overrides` (by field name), else the environment (any case), else `_env_file`
    (None: no file), else the defaults. Unknown names are ignored. A problem is a `SettingsError`."""
    values = _read(_env_file)
    values.update((name, value) for name, value in overrides.items() if name in Settings.__struct_fields__)
    try:
        settings = msgspec.convert(_prepare(values), Settings, strict=False, dec_hook=_decode)
    except msgspec.ValidationError as exc:
        raise SettingsError(_message(exc)) from None
    if settings.slack_bot_token and not (settings.slack_app_token or settings.slack_signing_secret):
        raise SettingsError("SLACK_SIGNING_SECRET: required for HTTP mode (or set SLACK_APP_TOKEN for Socket Mode)")
    if settings.slack_app_token and not settings.slack_bot_token:
        raise SettingsError("SLACK_BOT_TOKEN: required with SLACK_APP_TOKEN")
    if settings.careerbot_moderators_channel:  # a bare id would leave the weekly digest unposted, silently
        from bot.core.subscriptions import ScheduleError, parse_channel  # the channel-key rule; only when set

        try:
            parse_channel(settings.careerbot_moderators_channel)
        except ScheduleError as exc:
            raise SettingsError(f"CAREERBOT_MODERATORS_CHANNEL: {exc}") from None
    return settings
