"""A wrong setting stops `careerbot serve` with one line naming it (exit 2), never a traceback."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import cli
from tests.ops.conftest import DROP, clean_env

CASES = [
    ({"SLACK_BOT_TOKEN": "garbage-not-a-token"}, "SLACK_BOT_TOKEN", "xoxb-"),
    ({"SLACK_BOT_TOKEN": "xoxb-1-abcdefgh"}, "SLACK_SIGNING_SECRET", "required"),
    ({"SLACK_APP_TOKEN": "xapp-1-abcdefgh"}, "SLACK_BOT_TOKEN", "required"),
    ({"SLACK_BOT_TOKEN": "xoxb-1-abcdefgh", "SLACK_APP_TOKEN": "xoxb-wrong-kind"}, "SLACK_APP_TOKEN", "xapp-"),
    ({"SLACK_BOT_TOKEN": "xoxb-1-abcdefgh", "SLACK_SIGNING_SECRET": "has a space"}, "SLACK_SIGNING_SECRET", "malformed"),
    ({"DISCORD_TOKEN": "short"}, "DISCORD_TOKEN", "malformed"),
    ({"DISCORD_TOKEN": "abcdefghijkl", "DISCORD_API_URL": "discord.com/api"}, "DISCORD_API_URL", "URL"),
    ({"PORT": "eighty"}, "PORT", "integer"),
    ({"PORT": "70000"}, "PORT", "65535"),
    ({"LOG_FORMAT": "xml"}, "LOG_FORMAT", "one of console, json"),
    ({"LOG_LEVEL": "loud"}, "LOG_LEVEL", "debug"),
    ({"CAREERBOT_SHUTDOWN_SECONDS": "-1"}, "CAREERBOT_SHUTDOWN_SECONDS", "greater than"),
    ({"CAREERBOT_MODERATORS_CHANNEL": "C0123ABCD"}, "CAREERBOT_MODERATORS_CHANNEL", "write slack:C0123ABC"),
]


def run_serve(tmp_path, **env: str) -> subprocess.CompletedProcess[str]:
    """`python -m bot serve` as a real process, in a directory without a .env."""
    env.setdefault("CAREERBOT_DB", str(tmp_path / "careerbot.db"))
    return subprocess.run([sys.executable, "-m", "bot", "serve"], cwd=tmp_path, env=clean_env(**env),
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)


def invoke_serve(tmp_path, monkeypatch, **env: str) -> subprocess.CompletedProcess[str]:
    """The same command in this process (the same code path, a second faster)."""
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith(DROP):
            monkeypatch.delenv(name)
    env.setdefault("CAREERBOT_DB", str(tmp_path / "careerbot.db"))
    result = CliRunner().invoke(cli, ["serve"], env=env, input="")
    return subprocess.CompletedProcess(["serve"], result.exit_code, result.stdout, result.stderr)


@pytest.mark.parametrize(("env", "name", "hint"), CASES, ids=[c[1] + "-" + "-".join(c[0].values())[:20] for c in CASES])
def test_bad_setting_is_one_line_naming_it(tmp_path, monkeypatch, env, name, hint):
    if env in (CASES[0][0], CASES[7][0]):  # two as real processes, the rest through click in-process
        result = run_serve(tmp_path, **env)
    else:
        result = invoke_serve(tmp_path, monkeypatch, **env)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"error: {name}: ") and hint in lines[0]
    for variable, value in env.items():  # a secret is never echoed back
        secret = variable.endswith(("_TOKEN", "_SECRET"))
        if secret and len(value) > 6 and not value.startswith(("xoxb-1-", "abcdefghijkl")):
            assert value not in result.stderr
    assert not (tmp_path / "careerbot.db").exists()  # validated before anything is touched


@pytest.mark.parametrize("kind", ["not-sqlite", "directory", "newer-schema"])
def test_unusable_database_is_one_line(tmp_path, monkeypatch, kind):
    path = tmp_path / "careerbot.db"
    if kind == "not-sqlite":
        path.write_text("this is not a database\n" * 100)
    elif kind == "directory":
        path.mkdir()
    else:
        import sqlite3

        with sqlite3.connect(path) as conn:
            conn.execute("PRAGMA user_version = 999")
    if kind == "newer-schema":
        result = run_serve(tmp_path, CAREERBOT_DB=str(path))
    else:
        result = invoke_serve(tmp_path, monkeypatch, CAREERBOT_DB=str(path))
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: CAREERBOT_DB: {path}: "), result.stderr
    if kind == "newer-schema":
        assert "v999 is newer" in lines[0]


def test_dotenv_file_is_read_and_validated(tmp_path, monkeypatch):
    (tmp_path / ".env").write_text("# a comment\nDISCORD_TOKEN=tiny\n")
    result = invoke_serve(tmp_path, monkeypatch)
    assert result.returncode == 2 and result.stderr.startswith("error: DISCORD_TOKEN: ")


@pytest.mark.parametrize("encoding", ["latin-1", "utf-16"])  # an old editor; Windows' "Unicode"
def test_a_dotenv_file_that_is_not_utf8_is_one_line(tmp_path, monkeypatch, encoding):
    (tmp_path / ".env").write_bytes("# café settings\nPORT=3000\n".encode(encoding))
    result = invoke_serve(tmp_path, monkeypatch)
    assert result.returncode == 2 and result.stderr.splitlines() == [result.stderr.strip()], result.stderr
    assert result.stderr.startswith("error: .env: not UTF-8 text") and "save it as UTF-8" in result.stderr


def test_env_example_documents_every_setting():
    from bot.settings import Settings

    root = Path(__file__).resolve().parent.parent.parent
    documented = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", (root / ".env.example").read_text(), re.M))
    assert documented == {name.upper() for name in Settings.__struct_fields__}


async def test_token_rejected_by_the_platform_is_one_line(serve_proc, fake_slack, db_file):
    from tests.ops.conftest import slack_env

    fake_slack.error("auth.test", "invalid_auth")
    serve = await serve_proc(db_file, script=None, **slack_env(fake_slack))
    assert await serve.wait() == 2
    assert serve.output().splitlines()[-1] == "error: SLACK_BOT_TOKEN: rejected by Slack (invalid_auth)"
    assert "Traceback" not in serve.output() and "xoxb-ops-test-token" not in serve.output()


async def test_port_in_use_is_one_line(serve_proc, sink, db_file):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        serve = await serve_proc(db_file, port=taken.getsockname()[1], STANDIN_SINK=sink.url)
        assert await serve.wait() == 2
    last = serve.output().splitlines()[-1]
    assert last == f"error: PORT: cannot listen on 127.0.0.1:{serve.port}: Address already in use"
