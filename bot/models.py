"""The content's shapes, validated once here for files, chat forms and the CLI alike."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from bot.timestamps import parse_day, parse_stamp

NOUNS = {"topics": ("topic", "topics"), "questions": ("question", "questions")}


def plain(error: Mapping[str, Any]) -> str:
    """One validation error of these models (pydantic's ErrorDetails) in plain words, without the field's
    name: "at least one topic is needed" rather than "List should have at least 1 item after validation"."""
    kind, ctx, value = error["type"], error.get("ctx") or {}, error.get("input")
    field_name = str(error["loc"][-1]) if error.get("loc") else ""
    one, many = NOUNS.get(field_name, ("item", "items"))
    now = f" (now {len(value)})" if isinstance(value, str | list) else ""
    if kind == "missing":
        return "required"
    if kind == "too_short":
        least = ctx.get("min_length", 1)
        return f"at least one {one} is needed" if least == 1 else f"at least {least} {many} are needed{now}"
    if kind == "too_long":
        return f"at most {ctx.get('max_length')} {many}{now}"
    if kind == "string_too_short":
        return f"at least {ctx.get('min_length')} characters{now}"
    if kind == "string_too_long":
        return f"at most {ctx.get('max_length')} characters{now}"
    if kind in ("greater_than_equal", "greater_than"):
        return f"must be {ctx.get('ge', ctx.get('gt'))} or more"
    if kind == "literal_error":
        return f"must be {ctx.get('expected')}"
    if kind == "extra_forbidden":
        return "unknown field"
    if kind in ("string_type", "list_type", "float_type", "float_parsing", "dict_type", "model_type"):
        return {"string_type": "must be text", "list_type": "must be a list", "dict_type": "must be a mapping",
                "model_type": "must be a mapping"}.get(kind, "must be a number")
    return str(error["msg"]).removeprefix("Value error, ")


SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
STEM = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
MAX_SPAN_SECONDS = 180.0
QUOTE_MAX = 400


NAME_MIN, NAME_MAX = 2, 80


def _clean(value: object) -> object:
    return " ".join(value.split()) if isinstance(value, str) else value


def _name(value: str) -> str:
    """The one rule for a person's name, whether typed as a tip's speaker or an episode's guest or
    host: a guest's name is the default speaker of the episode's tips, so it must pass as one."""
    value = " ".join(value.split())
    if not NAME_MIN <= len(value) <= NAME_MAX:
        raise ValueError(f"a name must be {NAME_MIN} to {NAME_MAX} characters, not {len(value)}")
    return value


PersonName = Annotated[str, AfterValidator(_name)]


def _blank_is_none(value: object) -> object:
    """An optional field left blank (`--host ""`) is not given."""
    return None if isinstance(value, str) and not value.strip() else value


class Tip(BaseModel):
    """A curated tip: our summary plus the speaker's words from one cited span."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id: str = Field(min_length=3, max_length=80)
    title: str = Field(min_length=3, max_length=90)
    tip: str = Field(min_length=10, max_length=500)
    quote: str = Field(min_length=10, max_length=QUOTE_MAX)
    speaker: PersonName
    source: str
    start: float = Field(ge=0)
    end: float = Field(ge=0)
    topics: list[str] = Field(min_length=1, max_length=5)
    questions: list[str] = Field(min_length=3, max_length=10)
    status: Literal["active", "retired"] = "active"

    @field_validator("title", "tip", "quote", mode="before")
    @classmethod
    def _one_line(cls, value: object) -> object:
        return _clean(value)

    @field_validator("id")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not SLUG.match(value):
            raise ValueError("id must be a lowercase slug like 'find-a-mentor'")
        return value

    @field_validator("source")
    @classmethod
    def _stem(cls, value: str) -> str:
        if not STEM.match(value):
            raise ValueError("source must be a transcript file stem")
        return value

    @field_validator("start", "end", mode="before")
    @classmethod
    def _seconds(cls, value: object) -> float:
        return parse_stamp(value)  # type: ignore[arg-type]

    @field_validator("questions", mode="before")
    @classmethod
    def _questions(cls, value: object) -> object:
        if isinstance(value, str):
            value = [line for line in value.splitlines() if line.strip()]
        if isinstance(value, list):
            value = [_clean(q) for q in value]
            if any(not isinstance(q, str) or not 3 <= len(q) <= 200 for q in value):
                raise ValueError("each question must be 3-200 characters")
        return value

    @field_validator("topics", mode="before")
    @classmethod
    def _topics(cls, value: object) -> object:
        if isinstance(value, str):
            value = value.replace(",", " ").split()
        return value

    @model_validator(mode="after")
    def _span(self) -> Tip:
        if self.end <= self.start:
            raise ValueError("end must come after start")
        if self.end - self.start > MAX_SPAN_SECONDS:
            raise ValueError(f"span is {self.end - self.start:.0f} s; keep it to one focused span <= 180 s")
        return self


class Episode(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str = Field(min_length=1, max_length=200)
    guest: PersonName
    guest_role: str | None = None
    host: Annotated[PersonName | None, BeforeValidator(_blank_is_none)] = None
    summary: str | None = Field(default=None, max_length=400)
    url: str | None = None
    date: str | None = None

    @field_validator("url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value and not re.match(r"^https?://\S+$", value):
            raise ValueError("url must start with http:// or https://")
        return value or None

    @field_validator("date", mode="before")
    @classmethod
    def _date(cls, value: object) -> object:
        """YYYY-MM-DD of a day that exists (add-transcript's --date and episodes/*.yaml alike), by the
        CLI's rule and wording (`parse_day`)."""
        if value is None or value == "":
            return None
        return parse_day(str(value)).isoformat()


class Topic(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label: str
    terms: list[str] = []
