"""`SlackPoster` (the scheduler's chat.postMessage) against the fake Web API: retries and error mapping."""

from __future__ import annotations

import pytest

from bot.core.posting import PostError
from bot.slack.app import web_client
from bot.slack.poster import SlackPoster
from tests.slack.conftest import slack_settings_for
from tests.slack.fakes import buttons, message_texts


@pytest.fixture
def poster(slack_settings):
    return SlackPoster(web_client(slack_settings))


async def test_post_sends_blocks_with_fallback_text_and_returns_the_ts(poster, fake_slack, slack_bot):
    reply = slack_bot.hack("slack:C9")
    ts = await poster.post("C9", reply)
    [call] = fake_slack.calls_to("chat.postMessage")
    assert call.args["channel"] == "C9" and ts
    assert call.headers["Authorization"] == "Bearer xoxb-test-token"
    assert reply.cards[0].title in "\n".join(message_texts(call.args))
    assert call.args["text"]  # the notification fallback
    assert "share" not in buttons(call.args)  # already in the channel
    assert {"feedback_up", "feedback_down", "ask_followup"} <= set(buttons(call.args))


async def test_a_429_is_retried_after_retry_after_then_succeeds(poster, fake_slack, slack_bot):
    fake_slack.fail("chat.postMessage", status=429, retry_after=0)
    assert await poster.post("C9", slack_bot.hack("slack:C9"))
    assert len(fake_slack.calls_to("chat.postMessage")) == 2


async def test_a_transient_500_is_retried(poster, fake_slack, slack_bot):
    fake_slack.fail("chat.postMessage", status=500, body="upstream hiccup")
    assert await poster.post("C9", slack_bot.hack("slack:C9"))
    assert len(fake_slack.calls_to("chat.postMessage")) == 2


async def test_retries_are_bounded_and_report_retry_after(poster, fake_slack, slack_bot):
    fake_slack.fail("chat.postMessage", status=429, retry_after=0, times=10)
    with pytest.raises(PostError) as caught:
        await poster.post("C9", slack_bot.hack("slack:C9"))
    assert not caught.value.permanent and caught.value.retry_after == 0
    assert len(fake_slack.calls_to("chat.postMessage")) == 4  # the first try and three retries


async def test_persistent_5xx_is_transient(poster, fake_slack, slack_bot):
    fake_slack.fail("chat.postMessage", status=503, times=10)
    with pytest.raises(PostError) as caught:
        await poster.post("C9", slack_bot.hack("slack:C9"))
    assert not caught.value.permanent and caught.value.retry_after is None
    assert len(fake_slack.calls_to("chat.postMessage")) == 3


@pytest.mark.parametrize("error", ["channel_not_found", "not_in_channel", "is_archived", "account_inactive",
                                   "invalid_auth", "missing_scope"])
async def test_gone_channels_and_bad_tokens_are_permanent(poster, fake_slack, slack_bot, error):
    fake_slack.error("chat.postMessage", error)
    with pytest.raises(PostError) as caught:
        await poster.post("C9", slack_bot.hack("slack:C9"))
    assert caught.value.permanent and error in str(caught.value)
    assert len(fake_slack.calls_to("chat.postMessage")) == 1


async def test_other_api_errors_are_not_permanent(poster, fake_slack, slack_bot):
    fake_slack.error("chat.postMessage", "msg_too_long")
    with pytest.raises(PostError) as caught:
        await poster.post("C9", slack_bot.hack("slack:C9"))
    assert not caught.value.permanent


async def test_unreachable_slack_is_a_transient_post_error(slack_bot, fake_slack, slack_settings):
    await fake_slack.stop()
    with pytest.raises(PostError) as caught:
        await SlackPoster(web_client(slack_settings)).post("C9", slack_bot.hack("slack:C9"))
    assert not caught.value.permanent


async def test_slack_api_url_without_trailing_slash_works(fake_slack, slack_bot):
    settings = slack_settings_for(fake_slack, slack_api_url=fake_slack.api_url.rstrip("/"))
    assert await SlackPoster(web_client(settings)).post("C9", slack_bot.hack("slack:C9"))
    assert fake_slack.calls_to("chat.postMessage")[0].path == "/api/chat.postMessage"
