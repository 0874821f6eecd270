"""Answers: relevant cited tips, safe with any input, honest when nothing fits."""

from __future__ import annotations

import json

import pytest

from bot.core.search import MAX_QUERY_CHARS, overlaps
from bot.core.vocabulary import without_markup

OFF_TOPIC = [
    "how do I bake bread",
    "weather in Hamburg",
    "What's the best laptop for gaming?",
    "How do I cook pasta al dente?",
    "Tell me a joke about cats",
    "Which train goes from Berlin to Hamburg?",
    "How old is the universe?",
]

HOSTILE = [
    "salary AND",
    '"unbalanced',
    "c++",
    "()",
    "NEAR(mentor kaggle, 2)",
    "mentor*",
    "title:mentor OR -quote",
    "^kaggle",
    "{title quote}: x",
    "'; DROP TABLE tips; --",
    "🙂🚀🔥",
    "как найти ментора",
    "如何找到导师",
    "\x00\x01\x02 binary \xff\xfe",
    "<!channel> @everyone <@U123> how do I find a mentor",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_is_answered_safely(bot, member, text):
    reply = bot.ask(text, member)
    assert reply.kind in ("answer", "no_answer", "help")  # help: nothing in it to search for ("()", "🙂")
    answer = bot.searcher.ask(text)
    assert answer.answered == bool(answer.results)
    assert bot.db.execute("SELECT count(*) FROM tips").fetchone()[0] >= 40  # nothing was harmed


@pytest.mark.parametrize(("typed", "meant"), [
    ("<!channel> @everyone <@U0BOSS|boss> how do I find a mentor <https://x.y/z|this> https://a.b/c?d=1",
     "how do I find a mentor"),
    ("<@110000000000000005> <@&110000000000000077> <#1> <:pog:1> <t:1700000000:R> </ask:5> kaggle @here", "kaggle"),
    ("is a salary < 50k and > 30k ok for a first job, mail me@x.com", None),  # not markup: kept
])
def test_mentions_and_links_are_not_what_is_asked(bot, typed, meant):
    assert without_markup(typed) == (meant or " ".join(typed.split()))
    if meant:
        answer, plain = bot.searcher.ask(typed), bot.searcher.ask(meant)
        assert answer.answered and [c.id for c in answer.results] == [c.id for c in plain.results]
        assert answer.query == typed  # the contract echoes the question as asked


@pytest.mark.parametrize("text", ["@everyone", "<!channel> <@U0BOSS>", "@here https://example.com/jobs",
                                  "hi", "help", "thanks!", "what should I do?", "???"])
def test_nothing_to_search_for_gets_help_not_tips(bot, member, text):
    asked = bot.db.execute("SELECT count(*) FROM queries").fetchone()[0]
    assert bot.ask(text, member).kind == "help"
    assert not bot.searcher.ask(text).answered
    assert bot.db.execute("SELECT count(*) FROM queries").fetchone()[0] == asked  # not a question to review


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_empty_question_gets_help(bot, member, text):
    reply = bot.ask(text, member)
    assert reply.kind == "help" and "/ask" in reply.text
    assert not bot.searcher.ask(text).answered


def test_huge_question_is_truncated_with_a_note(bot, member):
    text = "how do I find a mentor " * 500  # ~11,500 characters
    answer = bot.searcher.ask(text)
    assert answer.note and "was long" in answer.note
    read = int(answer.note.split("first ")[1].split()[0])
    assert read <= MAX_QUERY_CHARS < len(text)
    assert answer.query == text  # the contract echoes the question as asked
    assert answer.answered and "mentor" in answer.results[0].title.lower()
    assert bot.ask(text, member).note == answer.note


@pytest.mark.parametrize("question", OFF_TOPIC)
def test_off_topic_questions_get_no_citations(bot, member, question):
    answer = bot.searcher.ask(question)
    assert not answer.answered and answer.results == []
    reply = bot.ask(question, member)
    assert reply.kind == "no_answer" and reply.cards == [] and len(reply.suggestions) >= 3


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("how do I find a mentor?", "mentor"),
        ("is it too late to switch careers at 40?", "ignore-age-and-career-change-stereotypes"),
        ("I keep scrolling instagram instead of studying", "cut-social-media-while-learning"),
        ("what is the STAR method for behavioral interviews", "structure-answers-with-star-format"),
        ("where can I get free GPUs to train models", "learn-ml-from-home-with-free-gpus"),
        # a topic's phrase ("feel like a fraud") still brings its synonyms (impostor, imposter, ...)
        ("how do I stop feeling like a fraud?", "validate-your-skills-in-real-interviews"),
        ("I haven't failed at anything in months, is that bad?", "treat-failures-like-a-child-learning"),
        # content/synonyms.yaml's groups for what members say in words no tip uses (none found without them)
        ("does picturing myself in the new job help?", "visualize-yourself-in-the-new-role"),
        ("I'm too long-winded when I describe my experience in interviews", "conduct-mock-interviews-as-interviewer"),
        ("I waffle on in interviews, help", "conduct-mock-interviews-as-interviewer"),
        ("drowning in free advice online, does a mentor help?", "mentor-as-lighthouse-in-advice-overload"),
    ],
)
def test_on_topic_questions_find_the_right_tip(bot, question, expected):
    answer = bot.searcher.ask(question)
    assert answer.answered
    assert any(expected in card.id for card in answer.results[:3]), [c.id for c in answer.results]



@pytest.mark.parametrize(
    "question",
    ["how do I find a mentor", "kaggle", "interview preparation", "impostor syndrome", "focus and deep work"],
)
def test_results_are_diverse(bot, question):
    results = bot.searcher.ask(question).results
    assert len(results) == 3
    for i, a in enumerate(results):
        for b in results[i + 1 :]:
            assert not overlaps(a, b), (a.id, b.id)


def test_passages_fill_in_when_tips_run_out(bot):
    bot.db.execute("UPDATE tips SET status = 'retired' WHERE id != 'what-kaggle-does-not-teach'")
    results = bot.searcher.ask("what does kaggle not teach you about production?", k=3).results
    kinds = [c.kind for c in results]
    assert "tip" in kinds
    passages = [c for c in results if c.kind == "passage"]
    assert passages
    for card in passages:
        assert card.title.startswith("From the conversation")
        assert card.end - card.start <= 300
        # the captions do not say who speaks: no one is credited, the citation is episode · time
        assert card.speaker == "" and card.citation == f"{card.episode} · {card.stamp}"


def test_retired_tips_are_never_cited(bot):
    tip_id = bot.searcher.ask("what is the STAR format").results[0].id
    bot.db.execute("UPDATE tips SET status = 'retired' WHERE id = ?", [tip_id])
    assert tip_id not in [c.id for c in bot.searcher.ask("what is the STAR format").results]


def test_a_change_from_another_connection_reaches_a_searcher_with_warm_caches(db_file):
    """Counts, the vocabulary, tips' rows and episode titles are cached per content generation (bumped by triggers)."""
    from bot.core.search import Searcher
    from bot.store import open_db

    reader, writer = open_db(db_file), open_db(db_file)
    searcher = Searcher(reader)
    first = searcher.ask("what is the STAR format").results[0]
    assert first.url is None
    writer.execute("UPDATE episodes SET title = 'Renamed', url = 'https://example.org/ep' WHERE id = ?", [first.source])
    writer.execute("UPDATE tips SET status = 'retired' WHERE id = ?", [first.id])
    writer.conn.commit()
    again = searcher.ask("what is the STAR format").results
    assert first.id not in [c.id for c in again]
    assert again[0].episode == "Renamed" and again[0].url.startswith("https://example.org/ep#t=")
    writer.execute("UPDATE tips SET title = 'Edited elsewhere' WHERE id = ?", [again[0].id])  # tips' rows are kept too
    writer.conn.commit()
    assert searcher.ask("what is the STAR format").results[0].title == "Edited elsewhere"
    writer.execute("INSERT INTO synonyms (terms) VALUES (?)", ['["zorblax", "star format"]'])
    writer.conn.commit()
    [unit] = searcher.vocabulary().units("zorblax")
    assert "star format" in unit.phrases and searcher.ask("zorblax format").answered
    reader.conn.close()
    writer.conn.close()


def test_words_in_most_tips_are_left_out_of_ranking_but_still_counted(bot):
    """bm25 gives a word in over half the rows no weight; ranking on it would only cost time."""
    from bot.core.vocabulary import Unit

    searcher = bot.searcher
    searcher.vocabulary()  # refreshes the row counts
    total = searcher._rows["tips"]
    units = [Unit("star format", ["star format"]), Unit("zzz", ["zzz"])]
    searcher._weigh(units)
    assert units[0].df > 0 and units[1].df == 0
    assert searcher._weighty([(["common"], total), (["rare", "rarer"], 3), (["absent"], 0)], "tips") == ["rare", "rarer"]
    assert searcher.ask("career data work time star format").results[0].id == searcher.ask("star format").results[0].id


def test_a_tip_whose_example_question_fits_outranks_a_louder_match(bot, monkeypatch):
    """"Mentoring platforms" has more matching words; the Kaggle tip has the question actually asked."""
    import bot.core.search as search

    question = "should I get experience on kaggle or on a volunteer project platform?"
    fit = search.FIT
    monkeypatch.setattr(search, "BIGRAMS", 0.0)  # "volunteer project" would decide it too
    monkeypatch.setattr(search, "FIT", 0.0)
    assert bot.searcher.ask(question).results[0].id == "mentoring-platforms-mentoring-club-mentorcruise"
    monkeypatch.setattr(search, "FIT", fit)
    assert bot.searcher.ask(question).results[0].id == "what-kaggle-teaches"
    monkeypatch.undo()
    best = bot.searcher.ask(question).results[0]
    assert best.id == "what-kaggle-teaches" and best.fit > 0.5


def test_the_tip_with_the_members_word_pairs_outranks_one_with_the_same_words_apart(bot, monkeypatch):
    """Both tips hold "small", "company", "academia", "first", "data scientist"; one says "first data scientist"."""
    import bot.core.search as search

    question = "should my first industry job be the first data scientist at a small company, straight from academia?"
    assert '"first data"' in search.word_pairs(question) and '"should my"' not in search.word_pairs(question)
    monkeypatch.setattr(search, "BIGRAMS", 0.0)
    without = bot.searcher.ask(question)
    assert without.results[0].id == "target-companies-with-people-from-your-field"
    monkeypatch.undo()
    found = bot.searcher.ask(question)
    assert found.results[0].id == "be-wary-of-first-data-scientist-roles"
    assert found.answered == without.answered  # pairs order the tips; they do not decide whether to answer


@pytest.mark.parametrize("question", ["How to say no to extra work so I have time to learn?", "how do I say no to my boss"])
def test_meaning_vouches_for_a_question_in_the_members_own_words(bot, monkeypatch, question):
    """"extra work", "boss": words no episode uses lower the known share; the word vectors' cosine with
    the saying-no tip is high enough to answer anyway (search.VOUCH). Without it, no answer."""
    import bot.core.search as search

    assert bot.searcher.ask(question).results[0].id == "learn-to-say-no"
    monkeypatch.setattr(search, "VOUCH", 0.0)
    assert not bot.searcher.ask(question).answered


def test_answer_contract_fields(bot):
    data = bot.searcher.ask("how do I deal with impostor syndrome").contract()
    assert set(data) == {"query", "answered", "results"}
    for result in data["results"]:
        assert list(result) == ["id", "kind", "title", "text", "quote", "speaker", "episode", "source",
                                "start", "end", "url", "score"]
        assert result["kind"] in ("tip", "passage")
        assert result["source"] in ("000_7a926d4821475fb3", "004_9e43fa320a18dfae")
        assert 0 <= result["start"] < result["end"] and result["end"] - result["start"] <= 300
    json.dumps(data)


def test_moment_links_when_the_episode_has_a_url(bot):
    bot.db.execute("UPDATE episodes SET url = 'https://www.youtube.com/watch?v=abc123' "
                   "WHERE id = '004_9e43fa320a18dfae'")
    card = bot.searcher.ask("what is the STAR format").results[0]
    assert card.url == f"https://www.youtube.com/watch?v=abc123&t={int(card.start)}s"
    bot.db.execute("UPDATE episodes SET url = 'https://example.org/ep4' WHERE id = '004_9e43fa320a18dfae'")
    assert bot.searcher.ask("what is the STAR format").results[0].url == f"https://example.org/ep4#t={int(card.start)}"


def test_topics_and_browsing(bot):
    reply = bot.topics()
    counts = {slug: n for slug, _, n in reply.data["topics"]}
    assert counts["mentors"] >= 5
    browse = bot.topic("mentors")
    assert browse.cards and all("mentors" in c.topics for c in browse.cards)
    # the tips mentoring is the main topic of come first, and the reply says how many there are
    assert all(c.topics[0] == "mentors" for c in browse.cards), [c.topics for c in browse.cards]
    assert browse.title == "Tips on Mentors and mentoring"  # the label from content/topics.yaml, not the slug
    assert f"The first 5 of {counts['mentors']} tips on Mentors and mentoring." in browse.text
    assert len(bot.topic("mentors", limit=10).cards) == 10
    unknown = bot.topic("<!channel> nonsense")
    assert unknown.kind == "no_answer" and unknown.suggestions


def test_queries_are_recorded_for_moderators(bot, member):
    bot.ask("how do I find a mentor", member)
    bot.ask("how do I bake bread", member)
    rows = bot.db.execute("SELECT query, answered FROM queries ORDER BY id").fetchall()
    assert rows == [("how do I find a mentor", 1), ("how do I bake bread", 0)]


def test_a_word_only_in_example_questions_is_not_what_the_corpus_speaks_of(bot):
    """Example questions show how members ask, not what the episodes cover: such a word counts as unknown."""
    searcher = bot.searcher
    bot.db.execute("UPDATE tips SET questions = questions || char(10) || 'is a zorblax good for practising this?' "
                   "WHERE id = 'structure-answers-with-star-format'")
    [unit] = searcher.vocabulary().units("zorblax")
    assert searcher._weigh([unit]) == 0.0 and unit.df == 1
    bot.db.execute("UPDATE tips SET tip = tip || ' A zorblax helps.' WHERE id = 'structure-answers-with-star-format'")
    [unit] = searcher.vocabulary().units("zorblax")
    assert searcher._weigh([unit]) == 1.0


@pytest.mark.parametrize("question", ["salary", "remote work"])
def test_a_short_question_a_tip_only_mentions_in_passing_is_not_answered(bot, question):
    """"salary" reaches a mentoring tip through "promotion", "remote work" a tip that says
    "remote-friendly work": wholly covered, yet neither tip is about it (title, questions, topics)."""
    assert not bot.searcher.ask(question).answered


@pytest.mark.parametrize(("question", "expected"), [("kaggle", "kaggle"), ("linkedin", "linkedin"),
                                                    ("where to do practice interviews?", "interview")])
def test_a_short_question_a_tip_is_about_is_answered(bot, question, expected):
    best = bot.searcher.ask(question).results[0]
    assert expected in (best.title + " ".join(best.topics) + best.text).lower()


def test_the_question_in_a_message_with_a_greeting_and_an_introduction_is_answered(bot, member):
    """The greeting and introduction hold words no episode uses ("Maria", "chemist", "Spain"); the
    question sentence alone is answered, and the reply says which sentence that was."""
    message = "Hi everyone! I'm Maria, a chemist from Spain. How do I find a mentor?"
    answer = bot.searcher.ask(message)
    assert answer.answered and answer.query == message
    assert "mentor" in answer.results[0].title.lower()
    assert answer.note == "I answered the question in your message: “How do I find a mentor?”"
    reply = bot.ask(message, member)
    assert reply.note == answer.note and reply.cards


@pytest.mark.parametrize("message", ["I love my sourdough starter. How do I bake bread?",
                                     "My cat is unwell. What should I do?"])
def test_an_off_topic_question_sentence_is_still_declined(bot, message):
    assert not bot.searcher.ask(message).answered


@pytest.mark.parametrize("question", ["how to deal with burnout", "tbh all my friends say network more fr, how?"])
def test_chat_filler_is_not_what_is_asked(bot, question):
    """"deal with", "fr" carry no topic: left in, they counted as words the corpus does not know."""
    answer = bot.searcher.ask(question)
    assert answer.answered and not {"deal", "fr"} & set(answer.units)


def test_a_passage_must_hold_most_of_the_question_to_fill_in(bot, monkeypatch):
    """"do I need to learn SQL": one tip is about SQL; passages on learning maths matched only
    "need" and "learn" and were shown beside it (search.PASSAGE_COVER)."""
    import bot.core.search as search

    question = "do I need to learn SQL"
    assert [c.id for c in bot.searcher.ask(question).results] == ["add-sql-and-algorithms-courses"]
    monkeypatch.setattr(search, "PASSAGE_COVER", 0.0)
    assert [c.kind for c in bot.searcher.ask(question).results][1:] == ["passage", "passage"]
