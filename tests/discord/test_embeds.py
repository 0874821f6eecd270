"""Rendering a Reply for Discord: escaping in one place, and Discord's size limits."""

from __future__ import annotations

from bot.core.reply import Button, Card, Reply
from bot.discord.embeds import escape, render, safe_url
from bot.discord.replies import view_for


def card(n: int, size: int = 100, url: str | None = None) -> Card:
    return Card(f"tip-{n}", "tip", "T" * size, "x " * size, "q " * size, "Speaker", "Episode", "src",
                125.0, 130.0, url)


def test_escape_neutralises_mentions_and_markdown():
    text = "@everyone @here <@110000000000000005> <@&110000000000000077> **b** _i_ `c` ~~s~~ ||x|| [l](https://x.y)"
    out = escape(text, 500)
    assert "@everyone" not in out and "@here" not in out
    assert "<@\u200b110000000000000005>" in out and "<@\u200b&110000000000000077>" in out
    for raw in ("**b**", "_i_", "`c`", "~~s~~", "||x||"):
        assert raw not in out
    assert "\\[l](" in out  # no masked link


def test_escape_line_starts_and_limit():
    assert escape("# big\n> quote\n- item\n1. first", 100) == "\\# big\n\\> quote\n\\- item\n\\1. first"
    out = escape("a" * 5000, 256)
    assert len(out) == 256 and out.endswith("…")
    assert not escape("*" * 300, 256).endswith("\\…")


def test_safe_url_only_plain_web_links():
    assert safe_url("javascript:alert(1)") is None
    assert safe_url("https://x.y/a b") is None
    assert safe_url("https://x.y/a_(b)") == "https://x.y/a_%28b%29"
    assert safe_url(None) is None


def test_render_keeps_within_discord_limits():
    reply = Reply("answer", "Q" * 3000, text="t" * 9000, note="n" * 3000,
                  cards=[card(n, size=1500) for n in range(15)])
    message = render(reply)
    assert len(message.content) <= 2000
    assert 1 <= len(message.embeds) <= 10
    assert sum(len(e) for e in message.embeds) <= 6000
    for embed in message.embeds:
        assert len(embed.title or "") <= 256
        assert len(embed.description or "") <= 4096


def test_card_cites_speaker_episode_and_linked_stamp():
    [embed] = render(Reply("answer", cards=[card(1, url="https://example.org/ep#t=125")])).embeds
    assert embed.url == "https://example.org/ep#t=125"
    assert embed.description.endswith("— Speaker · Episode · [2:05](https://example.org/ep#t=125)")
    assert embed.footer.text == "tip tip-1"
    [plain] = render(Reply("answer", cards=[card(2)])).embeds
    assert plain.url is None and plain.description.endswith("· 2:05")


def test_passages_are_labelled_once_and_credited_to_no_one():
    """The captions do not say whether the host or the guest speaks: the title names the conversation."""
    passage = Card("passage-7", "passage", "From the conversation with Ana", "", "we talked", "", "Ep", "s", 5, 9)
    [embed] = render(Reply("answer", cards=[passage])).embeds
    assert embed.title == "From the conversation with Ana"
    assert embed.description.endswith("— Ep · 0:05")
    assert embed.footer.text == "passage passage-7"


async def test_buttons_custom_ids_fit_discord():
    long_id = "x" * 200
    reply = Reply("answer", buttons=[Button("share", "Share"), Button("more", "More"),
                                     Button("feedback_up", "👍", long_id), Button("feedback_down", "👎", "ok-id"),
                                     Button("unknown", "?")])
    view = view_for(reply, "1234", ephemeral=True)
    ids = [item.custom_id for item in view.children]
    assert ids == ["cb:share", "cb:more:1234", "cb:fb:down:ok-id"]  # a too-long id loses its button
    assert all(len(i) <= 100 for i in ids)
    public = view_for(reply, None, ephemeral=False)
    assert [item.custom_id for item in public.children] == ["cb:fb:down:ok-id"]
    assert view_for(Reply("info"), None, ephemeral=True) is None
