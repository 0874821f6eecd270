"""`SlackPoster`: the scheduler's way to put a Reply in a Slack channel (chat.postMessage)."""

from __future__ import annotations

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.posting import PostError
from bot.core.reply import Reply
from bot.slack.blocks import render

# Errors that will not go away by retrying: the channel or the installation is gone.
PERMANENT = frozenset({
    "channel_not_found", "not_in_channel", "is_archived", "account_inactive", "invalid_auth",
    "missing_scope", "token_revoked", "not_authed", "team_access_not_granted", "restricted_action",
})


def post_error(exc: SlackApiError) -> PostError:
    """Map a Slack Web API failure to what the scheduler should do about it."""
    response = exc.response
    data = response.data if isinstance(response.data, dict) else {}
    error = str(data.get("error") or f"http_{response.status_code}")
    if response.status_code == 429 or error == "ratelimited":
        retry_after = (response.headers or {}).get("Retry-After") or (response.headers or {}).get("retry-after")
        try:
            seconds = float(retry_after[0] if isinstance(retry_after, list) else retry_after)
        except (TypeError, ValueError):
            seconds = 1.0
        return PostError(f"slack: ratelimited ({error})", retry_after=seconds)
    return PostError(f"slack: {error}", permanent=error in PERMANENT)


class SlackPoster:
    platform = "slack"

    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client

    async def post(self, channel_id: str, reply: Reply) -> str:
        """Post `reply` publicly; returns the message ts. Raises `PostError` (permanent or not)."""
        message = render(reply, public=True)
        try:
            response = await self.client.chat_postMessage(
                channel=channel_id, text=message["text"], blocks=message["blocks"],
                unfurl_links=False, unfurl_media=False,
            )
        except SlackApiError as exc:
            raise post_error(exc) from exc
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise PostError(f"slack: unreachable ({exc.__class__.__name__})") from exc
        return str(response.get("ts") or "")
