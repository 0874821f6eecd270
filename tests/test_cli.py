"""The command line and the console front end, driven as a person (or another tool) would."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys

import pytest

from bot.console import Console

from .conftest import ROOT

TOKENS = ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "DISCORD_TOKEN")


def careerbot(tmp_path, *args: str, stdin: str | None = None, env: dict | None = None, python: tuple = ()):
    environment = {k: v for k, v in os.environ.items() if k not in TOKENS}
    environment |= {"CAREERBOT_DB": str(tmp_path / "cli.db"), "CAREERBOT_CONTENT": str(ROOT / "content")}
    environment |= env or {}
    return subprocess.run([sys.executable, *python, "-m", "bot", *args], input=stdin, capture_output=True,
                          text=True, env=environment, cwd=tmp_path, timeout=60)


def test_ask_json_contract(tmp_path):
    result = careerbot(tmp_path, "ask", "--json", "what is the STAR format?")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["query"] == "what is the STAR format?" and data["answered"] is True
    top = data["results"][0]
    assert top["source"] == "004_9e43fa320a18dfae" and top["kind"] == "tip"
    assert isinstance(top["start"], float) and isinstance(top["end"], float)


def test_ask_imports_only_what_answering_one_question_needs(tmp_path):
    """`careerbot ask` is a whole process within 0.5 s: no chat SDK, and no sqlite-utils or numpy
    (a serving bot's kept scores) once the database is loaded. -X importtime lists every import."""
    careerbot(tmp_path, "ask", "mentor")  # the first run loads the bundled content

    def imports(question: str, answer: str) -> set[str]:
        result = careerbot(tmp_path, "ask", question, python=("-X", "importtime"))
        assert answer in result.stdout
        return {line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines() if line.startswith("import time:")}

    imported = imports("how do I find a mentor", "Tips for: how do I find a mentor")
    assert "bot.core.search" in imported
    assert not imported & {"numpy", "sqlite_utils", "slack_bolt", "slack_sdk", "discord", "apscheduler", "rapidfuzz"}
    # nor, for an off-topic question, the English dictionary: a near word ("break") would not change the answer
    imported = imports("how do I bake bread", "No tip on that yet")
    assert "rapidfuzz" in imported and "spellchecker" not in imported


def test_ask_batch_answers_every_line_in_order(tmp_path):
    batch = tmp_path / "questions.txt"
    questions = ["how do I find a mentor", "How do I cook pasta al dente?", "", "salary AND \"unbalanced"]
    batch.write_text("\n".join(questions) + "\n")
    result = careerbot(tmp_path, "ask", "--json", "--batch", str(batch))
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["query"] for line in lines] == questions
    assert [line["answered"] for line in lines][:3] == [True, False, False]
    assert all(line["answered"] == bool(line["results"]) for line in lines)


def test_ask_json_echoes_a_very_long_question_unchanged(tmp_path):
    """The contract's `query` is the question as asked, however long (only its first 500 characters are
    searched): tools match answers to their questions by it, as `--batch` does line by line."""
    question = ("how do I find a mentor when I am shy and new to the field " * 200)[:10_000]
    result = careerbot(tmp_path, "ask", "--json", question)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert list(data) == ["query", "answered", "results"]
    assert data["query"] == question and len(data["query"]) == 10_000
    assert data["answered"] == bool(data["results"])


def test_readable_answer_and_abstention(tmp_path):
    result = careerbot(tmp_path, "ask", "how do I find a mentor")
    assert "“" in result.stdout and "—" in result.stdout and "Anastasia" in result.stdout
    result = careerbot(tmp_path, "ask", "weather in Hamburg")
    assert "No tip on that yet" in result.stdout and "\nTopics: " in result.stdout
    result = careerbot(tmp_path, "ask", "how do I find a mentr")
    assert "(I read “mentr” as “mentor”.)" in result.stdout and "Anastasia" in result.stdout
    result = careerbot(tmp_path, "ask", "@everyone <@U0BOSS>")  # only mentions: nothing was asked
    assert result.stdout.startswith("How to ask") and "/ask how do I find a mentor?" in result.stdout


def test_tips_topics_and_hack_json(tmp_path):
    tips = json.loads(careerbot(tmp_path, "tips", "--json").stdout)
    assert len(tips) >= 40 and {"id", "source", "start", "end", "quote", "speaker"} <= set(tips[0])
    topics = careerbot(tmp_path, "topics").stdout
    assert "mentors" in topics
    browse = json.loads(careerbot(tmp_path, "ask", "--topic", "mentors", "--json").stdout)
    assert browse["answered"] and all(r["kind"] == "tip" for r in browse["results"])
    hack = careerbot(tmp_path, "hack", "--json", "--date", "2026-03-02")  # no --channel: the console's /hack
    data = json.loads(hack.stdout)
    assert data["channel"] == "console:local" and data["date"] == "2026-03-02" and data["tip"]["id"]
    again = json.loads(careerbot(tmp_path, "hack", "--json", "--date", "2026-03-02").stdout)
    assert again == data


def test_content_check_and_load(tmp_path):
    check = careerbot(tmp_path, "content", "check")
    assert check.returncode == 0 and check.stdout.startswith("ok:")
    load = careerbot(tmp_path, "content", "load")
    assert load.returncode == 0 and "tips:" in load.stdout
    again = careerbot(tmp_path, "content", "load")
    assert "0 added, 0 updated, 0 retired" in again.stdout


def test_the_quickstart_run_command_opens_the_console(tmp_path):
    """`careerbot` with no tokens is the console, driven through its real input loop."""
    result = careerbot(tmp_path, stdin="/ask how do I find a mentor\n/topics\n/quit\n")
    assert result.returncode == 0, result.stderr
    assert "careerbot console" in result.stdout and "Tips for: how do I find a mentor" in result.stdout
    assert "mentors" in result.stdout and result.stdout.rstrip().endswith("bye")


def test_settings_errors_are_one_line(tmp_path):
    result = careerbot(tmp_path, "ask", "x", env={"SLACK_BOT_TOKEN": "not-a-token"})
    assert result.returncode == 2
    assert result.stderr.strip() == "error: SLACK_BOT_TOKEN: must be a bot token starting with xoxb-"


@pytest.fixture
def console(bot):
    out = io.StringIO()

    def run(*lines: str) -> str:
        Console(bot, stdin=io.StringIO("".join(line + "\n" for line in lines)), stdout=out).run()
        return out.getvalue()

    return run


def test_console_commands(console):
    output = console("/ask how do I find a mentor", "/more", "/hack", "/topics", "/tips topic mentors",
                     "/tips help", "", "/nonsense", "is impostor syndrome normal?", "/quit", "/ask never reached")
    assert output.count("Tips for:") == 3  # /ask, /more and the bare question
    assert "Career hack for" in output and "Topics" in output and "Tips on Mentors and mentoring" in output
    assert "Unknown command /nonsense" in output and "never reached" not in output
    assert output.rstrip().endswith("bye")


def test_console_help_is_the_one_help_and_lists_moderator_commands(console, bot):
    """The console's operator holds the database: a moderator by the one rule (`ModeratorRules`)."""
    output = console("/help", "/tips help", "/tips")
    helps = output.split("careerbot help\n")[1:]
    assert len(helps) == 3
    expected = bot.help(Console(bot).actor).text
    assert all(h.startswith(expected) for h in helps)
    assert "/tips topic <name>" in expected and "\nModerator commands:\n" in expected
    assert "/tips retire <id>" in expected


def test_console_topics_no_answer_and_near_misses(console):
    output = console("/tips topic mentors", "/tips topic mentor", "/topic behavioral-interviews",
                     "how long should I boil pasta during parental leave?")
    assert "Tips on Mentors and mentoring\n" in output
    assert "There is no topic called “mentor”. Did you mean mentors?\n\nTopics: mentors, " in output
    assert "Did you mean behavioural-interviews?\n\nTopics: behavioural-interviews, " in output
    assert ("No tip on that yet\nI couldn't find anything in our episodes that answers that, and I'd rather "
            "not guess. Try asking it another way, or pick a topic below.\n\nTopics: parenting, ") in output


def test_console_more_says_when_everything_was_shown(console):
    """As Slack and Discord do (one rule, CareerBot.more): not "No tip on that yet" after tips were shown."""
    output = console("/ask what is STAR", *["/more"] * 6)
    assert "No more tips" in output and "That's everything I have on that question" in output
    assert "No tip on that yet" not in output


def test_console_more_shows_new_tips(console):
    output = console("/ask how do I find a mentor", "/more")
    first, second = output.split("Tips for:")[1:3]
    titles = lambda block: {line for line in block.splitlines() if line[:2] in ("1.", "2.", "3.")}  # noqa: E731
    assert titles(first).isdisjoint(titles(second))


def test_console_survives_end_of_input(console):
    assert console("/ask how do I find a mentor").rstrip().endswith("bye")


def test_console_subscribe_refuses_empty_values_and_keeps_what_is_not_given(console):
    """The rules of `careerbot schedule add` (subscriptions.save), through the console's input loop."""
    output = console("/tips subscribe 09:00 Europe/Berlin weekdays mentors", "/tips subscribe 09:00 UTC topics:,",
                     "/tips subscribe 09:00 UTC days:", "/tips subscribe 10:00 Europe/Berlin", "/tips schedule")
    assert "No topics given" in output and "No days given" in output and output.count("Nothing was saved.") == 2
    assert "Changed: time 09:00 → 10:00." in output
    assert "Schedule: every weekday (Mon–Fri) at 10:00 (Europe/Berlin), on mentors." in output


def test_console_schedule_says_no_post_is_made_without_a_scheduler(console):
    """The console runs no scheduler (and none posts to it): no promised "Next post" time."""
    output = console("/tips subscribe 09:00 Europe/Berlin weekdays", "/tips schedule")
    assert output.count("Next post: none. The console runs no scheduler, so nothing is posted here") == 2
    assert "/hack shows the tip of the day" in output and "\nNext post: Monday" not in output


def test_global_options_work_after_the_command_too(tmp_path):
    """`careerbot ask … --db x.db` as well as `careerbot --db x.db ask …`; a contradiction is refused."""
    other = tmp_path / "other.db"
    result = careerbot(tmp_path, "ask", "--json", "how do I find a mentor", "--db", str(other))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["answered"] and other.exists() and not (tmp_path / "cli.db").exists()
    content = careerbot(tmp_path, "content", "check", "--content", str(tmp_path / "nowhere"))
    assert content.returncode == 1 and "nowhere: content directory not found" in content.stderr
    listed = careerbot(tmp_path, "schedule", "list", "--db", str(other))
    assert listed.returncode == 0 and "no subscriptions" in listed.stdout
    both = careerbot(tmp_path, "--db", str(other), "ask", "mentor", "--db", str(tmp_path / "third.db"))
    assert both.returncode == 2 and "--db given twice" in both.stderr
    assert careerbot(tmp_path, "--db", str(other), "ask", "mentor", "--db", str(other)).returncode == 0
