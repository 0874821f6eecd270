"""`DiscordPoster`: what the scheduler gets back from Discord, success or the kind of failure."""

from __future__ import annotations

import pytest

from bot.core.posting import PostError
from bot.discord.poster import DiscordPoster
from tests.discord.fakes import CHANNEL_ID
from tests.discord.helpers import assert_no_pings, footers

MESSAGES = rf"^/channels/{CHANNEL_ID}/messages$"


@pytest.fixture
def poster(discord_client):
    return DiscordPoster(discord_client)


@pytest.fixture
def hack(bot):
    reply = bot.hack(f"discord:{CHANNEL_ID}")
    reply.cards[0].quote = "@everyone read this <@&110000000000000077>"  # content can't ping either
    return reply


async def test_post_sends_a_public_message_with_feedback_buttons(fake_discord, poster, hack):
    ref = await poster.post(CHANNEL_ID, hack)
    [call] = fake_discord.calls_to("POST", MESSAGES)
    assert ref == call.message["id"]
    assert_no_pings(call)
    assert not call.sent.get("flags")
    assert footers(call.sent) == [hack.cards[0].id]
    tip = hack.cards[0].id
    assert call.custom_ids == ["cb:followup", f"cb:fb:up:{tip}", f"cb:fb:down:{tip}"]  # no Share on a public post


@pytest.mark.parametrize("status, code, message", [(403, 50001, "Missing Access"), (404, 10003, "Unknown Channel")])
async def test_bot_removed_or_channel_gone_is_permanent(fake_discord, poster, hack, status, code, message):
    fake_discord.fail_next("POST", MESSAGES, status, {"message": message, "code": code})
    with pytest.raises(PostError) as caught:
        await poster.post(CHANNEL_ID, hack)
    assert caught.value.permanent
    assert message in str(caught.value)


async def test_server_error_is_transient(fake_discord, poster, hack):
    fake_discord.fail_next("POST", MESSAGES, 503, {"message": "Service Unavailable", "code": 0})
    with pytest.raises(PostError) as caught:
        await poster.post(CHANNEL_ID, hack)
    assert not caught.value.permanent
    assert caught.value.retry_after is None


async def test_long_rate_limit_is_handed_to_the_scheduler(fake_discord, poster, hack):
    fake_discord.rate_limit_next("POST", MESSAGES, retry_after=120.0)
    with pytest.raises(PostError) as caught:
        await poster.post(CHANNEL_ID, hack)
    assert not caught.value.permanent
    assert caught.value.retry_after == 120.0


async def test_short_rate_limit_is_waited_out(fake_discord, poster, hack):
    fake_discord.rate_limit_next("POST", MESSAGES, retry_after=0.05)
    ref = await poster.post(CHANNEL_ID, hack)
    assert [c.status for c in fake_discord.calls_to("POST", MESSAGES)] == [429, 200]
    assert ref


async def test_not_a_channel_id_is_permanent(poster, hack):
    with pytest.raises(PostError) as caught:
        await poster.post("general", hack)
    assert caught.value.permanent
