"""One log line per request/post/change, never a token or a message body; counters and timings."""

from __future__ import annotations

import io
import json
import logging

import pytest

from bot.core.posting import PostError
from bot.core.reply import Reply
from bot.observability import (
    INFLIGHT,
    POSTS,
    REGISTRY,
    REQUESTS,
    ObservedPoster,
    configure_logging,
    log_change,
    observe,
    reset_logging,
)

SLACK_TOKEN = "xoxb-1111-2222-abcdefABCDEF"
DISCORD_TOKEN = "MTA5ODc2NTQzMjEwOTg3NjU0.GaBcDe.abcdefghijklmnopqrstuvwxyz0123"


@pytest.fixture
def lines():
    stream = io.StringIO()
    configure_logging("INFO", "json", secrets=["my-signing-secret-value"], stream=stream)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    reset_logging()


def count(metric: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(metric, labels) or 0.0


def test_one_line_per_request_with_platform_command_outcome_latency(lines):
    before = count("careerbot_requests_total", platform="slack", command="ask", outcome="answer")
    with observe("slack", "ask", user_id="U1", text="how do I negotiate my salary?") as obs:
        obs.reply(Reply("answer", "Tips"))
    [line] = lines()
    assert line["event"] == "request" and line["level"] == "info"
    assert {k: line[k] for k in ("platform", "command", "outcome", "user_id")} == {
        "platform": "slack", "command": "ask", "outcome": "answer", "user_id": "U1"}
    assert isinstance(line["latency_ms"], float) and "timestamp" in line
    assert line["text"] == "[29 chars]"  # the body is summarised, not logged
    assert count("careerbot_requests_total", platform="slack", command="ask", outcome="answer") == before + 1
    assert count("careerbot_request_seconds_count", platform="slack", command="ask") >= 1


def test_tokens_and_secrets_never_reach_the_log(lines):
    log = logging.getLogger("slack_bolt.somewhere")
    logging.getLogger("careerbot.test").warning("auth failed for %s / %s / my-signing-secret-value",
                                                SLACK_TOKEN, DISCORD_TOKEN)
    log.warning("library line with xapp-1-A111-222-abc")
    with observe("discord", "tips", token=DISCORD_TOKEN, body="<!channel> everyone look",
                 headers={"Authorization": f"Bearer {SLACK_TOKEN}"}, ids=[{"x": DISCORD_TOKEN}]):
        pass
    out = json.dumps(lines())
    for secret in (SLACK_TOKEN, DISCORD_TOKEN, "my-signing-secret-value", "xapp-1-A111", "everyone look"):
        assert secret not in out
    assert out.count("[redacted]") >= 7


def test_an_exception_is_an_error_line_and_is_not_swallowed(lines):
    with pytest.raises(ZeroDivisionError), observe("slack", "hack"):
        1 / 0  # noqa: B018
    [line] = lines()
    assert line["level"] == "error" and line["outcome"] == "error" and line["error"] == "ZeroDivisionError"
    assert "Traceback" in line["exception"]


async def test_observe_as_decorator_counts_in_flight(lines):
    seen = []

    @observe("discord", "ask")
    async def handler() -> Reply:
        seen.append(INFLIGHT.count)
        return Reply("no_answer")

    assert INFLIGHT.count == 0
    await handler()
    assert seen == [1] and INFLIGHT.count == 0
    assert lines()[-1]["outcome"] == "no_answer"


async def test_spawned_work_is_waited_for():
    import asyncio

    done = []

    async def reply_later() -> None:
        await asyncio.sleep(0.05)
        done.append(True)

    INFLIGHT.spawn(reply_later())
    assert INFLIGHT.count == 1
    assert await INFLIGHT.drain(5.0) is True and done == [True]
    INFLIGHT.spawn(asyncio.sleep(10))
    assert await INFLIGHT.drain(0.05) is False  # bounded: never waits forever
    for task in list(INFLIGHT._tasks):
        task.cancel()


class FlakyPoster:
    platform = "slack"

    def __init__(self, error: Exception | None) -> None:
        self.error = error

    async def post(self, channel_id: str, reply: Reply) -> str:
        if self.error:
            raise self.error
        return "1700000000.0001"


@pytest.mark.parametrize(("error", "outcome"), [
    (None, "sent"),
    (PostError("slack: ratelimited", retry_after=2.0), "retry"),
    (PostError("slack: channel_not_found", permanent=True), "failed"),
])
async def test_posts_are_logged_and_counted(lines, error, outcome):
    before = count("careerbot_posts_total", platform="slack", outcome=outcome)
    poster = ObservedPoster(FlakyPoster(error))
    assert poster.platform == "slack"
    if error is None:
        assert await poster.post("C1", Reply("hack", "Career hack")) == "1700000000.0001"
    else:
        with pytest.raises(PostError):
            await poster.post("C1", Reply("hack", "Career hack"))
    [line] = lines()
    assert line["event"] == "post" and line["outcome"] == outcome and line["channel_id"] == "C1"
    assert count("careerbot_posts_total", platform="slack", outcome=outcome) == before + 1
    assert INFLIGHT.count == 0


def test_changes_are_logged_and_counted(lines):
    log_change("discord", "retire", "tip", "ada-kaggle", "discord:7")
    [line] = lines()
    assert line["event"] == "change" and line["action"] == "retire" and line["entity_id"] == "ada-kaggle"
    assert count("careerbot_changes_total", platform="discord", action="retire") >= 1


def test_console_format_is_one_line_per_event():
    stream = io.StringIO()
    configure_logging("INFO", "console", stream=stream)
    try:
        with observe("slack", "ask"):
            pass
    finally:
        reset_logging()
    [line] = stream.getvalue().splitlines()
    assert "request" in line and "platform=slack" in line and "latency_ms=" in line


def test_unused_metric_names_stay_stable():
    # Dashboards and alerts depend on these names.
    names = {m.name for m in REGISTRY.collect()}
    assert {"careerbot_requests", "careerbot_request_seconds", "careerbot_posts", "careerbot_post_seconds",
            "careerbot_changes", "careerbot_platform_connected", "careerbot_database_up",
            "careerbot_in_flight", "process_resident_memory_bytes"} <= names
    assert REQUESTS._labelnames == ("platform", "command", "outcome") and POSTS._labelnames == ("platform", "outcome")


def test_a_moderator_change_through_the_bot_is_one_change_line(bot, lines):  # bot first: content load is not logged
    from bot.core.actors import Actor

    tip = bot.searcher.all_tips()[0].id
    before = count("careerbot_changes_total", platform="slack", action="retire")
    reply = bot.tips_command(Actor("slack", "UMOD", "C1"), f"retire {tip}")
    assert reply.kind != "refused", reply.text
    changes = [line for line in lines() if line["event"] == "change"]
    assert [(c["platform"], c["action"], c["entity_id"], c["actor"]) for c in changes] == [
        ("slack", "retire", tip, "slack:UMOD")]
    assert count("careerbot_changes_total", platform="slack", action="retire") == before + 1
