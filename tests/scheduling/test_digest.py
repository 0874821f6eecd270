"""The weekly moderators' digest: posted once per week to the configured channel."""

from __future__ import annotations

from types import SimpleNamespace

from bot.core.actors import Actor

from .conftest import permanent, utc


def settings(channel: str | None) -> SimpleNamespace:
    return SimpleNamespace(careerbot_grace_hours=6.0, careerbot_moderators_channel=channel)


async def test_digest_goes_out_once_a_week(bot, poster, make_scheduler):
    bot.ask("how do I find a mentor", Actor("slack", "U1", "C1"))
    bot.ask("how do I bake bread", Actor("slack", "U1", "C1"))
    scheduler = make_scheduler(settings=settings("slack:CMODS"))
    assert await scheduler.post_digest(utc(2025, 3, 3, 9))
    assert not await scheduler.post_digest(utc(2025, 3, 5, 9))  # same week: never twice
    assert await scheduler.post_digest(utc(2025, 3, 10, 9))
    assert [channel for channel, _ in poster.sent] == ["CMODS", "CMODS"]
    reply = poster.sent[0][1]
    assert not reply.ephemeral and "digest" in reply.title.lower()
    assert "bake bread" in reply.text  # the unanswered question is a content gap


async def test_no_digest_without_a_channel_and_failures_are_recorded(bot, poster, make_scheduler):
    assert not await make_scheduler(settings=settings(None)).post_digest(utc(2025, 3, 3, 9))
    poster.failures["CMODS"] = [permanent()]
    assert not await make_scheduler(settings=settings("slack:CMODS")).post_digest(utc(2025, 3, 3, 9))
    status = bot.db.execute("SELECT status FROM posts WHERE channel = 'digest:slack:CMODS'").fetchone()[0]
    assert status == "failed" and poster.sent == []
