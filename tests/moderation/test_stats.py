"""`/tips stats`, `careerbot stats` and the weekly digest: questions, content gaps, feedback, flags."""

from __future__ import annotations

from bot.core.stats import collect, stats, stats_digest

TIP = "choose-a-supportive-social-circle"


def test_stats_from_real_questions_and_feedback(bot, member, discord_member):
    asked = [("How do I find a mentor?", 1)] * 3 + [("how do I find a mentor", 1),
             ("what is the best pasta recipe for dinner tonight?", 0),
             ("What is the best pasta recipe for dinner tonight", 0),
             ("<!channel> @everyone which crypto coin should I buy", 0)]
    for query, answered in asked:  # as CareerBot.ask records them (search quality is not under test here)
        bot.db.execute("INSERT INTO queries (platform, query, answered) VALUES ('slack', ?, ?)", [query, answered])
    for kind in ("down", "down", "up"):
        bot.feedback(member, TIP, kind)
    bot.feedback(member, "ignore-age-and-career-change-stereotypes", "up")
    bot.feedback(discord_member, TIP, "flag", "This is outdated: ODS moved")
    bot.db.execute("INSERT INTO queries (at, platform, query, answered) VALUES ('2000-01-01T00:00:00Z', 'slack', "
                   "'an ancient question', 0)")

    figures = collect(bot.db, days=30)
    assert figures.top_questions[0] == ("How do I find a mentor?", 4)  # case and trailing ? don't split it
    assert figures.questions == 7 and figures.questions - figures.answered == 3
    assert [q for q, _ in figures.unanswered] == ["What is the best pasta recipe for dinner tonight",
                                                  "<!channel> @everyone which crypto coin should I buy"]
    assert figures.negative == [(TIP, "Cut back on naysayers and find a supportive circle", 2, 1)]
    assert figures.flagged == [(TIP, "Cut back on naysayers and find a supportive circle", 1,
                                ["This is outdated: ODS moved"])]

    reply = stats(bot)
    assert reply.kind == "info" and "Most asked:" in reply.text and "4× How do I find a mentor?" in reply.text
    assert "No answer (content gaps):" in reply.text and "an ancient question" not in reply.text
    assert "<!channel> @everyone" in reply.text  # raw: renderers escape it, as for every Reply
    assert f"{TIP} “Cut back on naysayers and find a supportive circle”: 2 👎, 1 👍" in reply.text
    assert "This is outdated: ODS moved" in reply.text


def test_digest_covers_the_last_week_and_is_posted_publicly(bot, member):
    bot.db.execute("INSERT INTO queries (at, platform, query, answered) VALUES "
                   "(strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-10 days'), 'slack', 'last month question', 0)")
    bot.ask("how do I find a mentor?", member)
    digest = stats_digest(bot)
    assert digest.title.startswith("Weekly") and not digest.ephemeral
    assert "Last 7 days: 1 question" in digest.text and "last month question" not in digest.text
    assert "last month question" in stats(bot).text


def test_empty_stats(bot):
    text = stats(bot).text
    assert "0 questions" in text and "nothing asked yet" in text
