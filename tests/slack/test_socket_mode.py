"""Socket Mode: apps.connections.open hands out the fake's websocket; envelopes in, acks and answers out."""

from __future__ import annotations

import json

import pytest
from aiohttp import web

from bot.settings import SettingsError
from bot.slack.frontend import EVENTS_PATH, SlackFrontend
from tests.slack.conftest import slack_settings_for
from tests.slack.fakes import action_payload, command_fields, message_texts

MENTOR = "how do I find a mentor?"


async def test_socket_mode_command_and_button(fake_slack, slack_bot):
    settings = slack_settings_for(fake_slack, slack_app_token="xapp-1-test", slack_signing_secret=None)
    web_app = web.Application()
    frontend = SlackFrontend(settings, slack_bot, web_app)
    assert not any(r.resource and r.resource.canonical == EVENTS_PATH for r in web_app.router.routes())
    assert not frontend.ready()
    await frontend.start()
    try:
        await fake_slack.wait_connected()
        assert frontend.ready()
        [opened] = fake_slack.calls_to("apps.connections.open")
        assert opened.headers["Authorization"] == "Bearer xapp-1-test"

        fields = command_fields("/ask", MENTOR, fake_slack.response_url("s1"), channel="C7")
        await fake_slack.push({"envelope_id": "env-1", "type": "slash_commands", "payload": fields,
                               "accepts_response_payload": True})
        ack = await fake_slack.wait_socket_frame("env-1")
        assert ack == {"envelope_id": "env-1"}
        [answer] = await fake_slack.wait_for("response")
        assert answer.args["response_type"] == "ephemeral"
        assert slack_bot.ask(MENTOR).cards[0].title in "\n".join(message_texts(answer.args))

        share = next(e["value"] for b in answer.args["blocks"] if b["type"] == "actions"
                     for e in b["elements"] if e["action_id"] == "share")
        payload = action_payload("share", share, fake_slack.response_url("s2"), channel="C7")
        await fake_slack.push({"envelope_id": "env-2", "type": "interactive", "payload": payload,
                               "accepts_response_payload": False})
        assert await fake_slack.wait_socket_frame("env-2") == {"envelope_id": "env-2"}
        shared = (await fake_slack.wait_for("response", 2))[1].args
        assert shared["response_type"] == "in_channel"
        assert json.loads(share)["ids"][0] in {c.id for c in slack_bot.ask(MENTOR).cards}
    finally:
        await frontend.stop()
    assert not frontend.ready()


@pytest.mark.parametrize(("method", "setting"), [("apps.connections.open", "SLACK_APP_TOKEN"),
                                               ("auth.test", "SLACK_BOT_TOKEN")])
async def test_a_rejected_token_stops_start_with_a_one_line_error(fake_slack, slack_bot, method, setting):
    settings = slack_settings_for(fake_slack, slack_app_token="xapp-1-test", slack_signing_secret=None)
    fake_slack.error(method, "invalid_auth")
    frontend = SlackFrontend(settings, slack_bot, web.Application())
    try:
        with pytest.raises(SettingsError, match=f"^{setting}: rejected by Slack \\(invalid_auth\\)$"):
            await frontend.start()
        assert not frontend.ready()
    finally:
        await frontend.stop()
