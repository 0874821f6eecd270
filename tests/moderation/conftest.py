"""Moderation fixtures: actors on both platforms, a valid new tip, transcripts made on the spot,
and the real CLI run in-process against a temp database and a copy of content/."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest
from click.testing import CliRunner

from bot.cli import cli
from bot.core.actors import Actor

from ..conftest import CONTENT

SOURCE = "000_7a926d4821475fb3"
TOKENS = ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "DISCORD_TOKEN", "CAREERBOT_DB",
          "CAREERBOT_CONTENT")


@pytest.fixture
def mod():
    return Actor("slack", "UMOD", "C1")


@pytest.fixture
def discord_mod():
    return Actor("discord", "42", "900", roles=frozenset({"moderators"}))


@pytest.fixture
def discord_member():
    return Actor("discord", "43", "900", roles=frozenset({"members"}))


# Form fields for a tip the curated files don't have; the quote is in the transcript at 14:31-14:50.
NEW_TIP = {
    "title": "Interview others to beat impostor syndrome",
    "tip": "Run mock interviews for other people: seeing them struggle too makes your own impostor "
           "syndrome fade.",
    "quote": "it also helps when you see others struggle and you realize that your imposter syndrome will "
             "actually disappear when you start to interview others",
    "speaker": "",
    "episode": SOURCE,
    "span": "14:31-14:50",
    "topics": "impostor-syndrome interviews",
    "questions": "how do I get over impostor syndrome?\nshould I do mock interviews for others?\n"
                 "does interviewing people help my confidence?",
}


@pytest.fixture
def new_tip():
    return dict(NEW_TIP)


ADVICE = [
    "my advice is that you should build small projects and make sure you finish every one of them",
    "the key is to practice every single day and try to write about what you learned",
    "i recommend you build an origami portfolio early because you need to get feedback on your folding",
]
CHAT = [
    "we talked about the weather in dublin and the coffee at the office",
    "then the meeting moved to another room on the second floor",
    "the train was late again that morning so everyone arrived at ten",
]


def cues(minutes: int = 6, every: float = 5.0) -> list[tuple[float, float, str]]:
    """Captions: two minutes of small talk, then advice, then small talk again."""
    out, t, n = [], 0.0, 0
    while t < minutes * 60:
        pool = ADVICE if 120 <= t < 240 else CHAT
        out.append((t, t + every - 0.5, pool[n % len(pool)]))
        t += every
        n += 1
    return out


def _srt_time(seconds: float) -> str:
    ms = round(seconds * 1000)
    return f"{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d},{ms % 1000:03d}"


def write_srt(path):
    blocks = [f"{i}\n{_srt_time(s)} --> {_srt_time(e)}\n{text}\n" for i, (s, e, text) in enumerate(cues(), 1)]
    path.write_text("\n".join(blocks), encoding="utf-8")
    return path


def write_vtt(path):
    blocks = [f"{_srt_time(s).replace(',', '.')} --> {_srt_time(e).replace(',', '.')}\n{text}\n"
              for s, e, text in cues()]
    path.write_text("WEBVTT\n\n" + "\n".join(blocks), encoding="utf-8")
    return path


class Cli:
    """`careerbot …` in-process, against its own database file and content copy."""

    def __init__(self, tmp_path) -> None:
        self.db = tmp_path / "careerbot.db"
        self.content = tmp_path / "content"
        shutil.copytree(CONTENT, self.content)
        self.runner = CliRunner()

    def __call__(self, *args: str, input: str | None = None, ok: bool = True):  # noqa: A002
        result = self.runner.invoke(cli, ["--db", str(self.db), "--content", str(self.content), *args],
                                    input=input, env={k: None for k in TOKENS}, catch_exceptions=False)
        if ok:
            assert result.exit_code == 0, result.output
        return result


@pytest.fixture
def run(tmp_path):
    return Cli(tmp_path)


META = {"title": "Advice from the office", "guest": "Dana Example", "host": "Alexey Grigorev",
        "url": "https://www.youtube.com/watch?v=abc123"}


@pytest.fixture
def content_dir(tmp_path):
    """A copy of content/, for commands that write into it (adding a transcript, reverting that)."""
    target = tmp_path / "content"
    shutil.copytree(CONTENT, target)
    return target


def write_seed(path):
    """The bundled transcripts' own format: `m:ss text` lines."""
    lines = [f"{int(s) // 60}:{int(s) % 60:02d} {text}" for s, _, text in cues()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def read_only():
    """`read_only(path)` makes a directory unwritable until the test ends, as the shipped deployments run
    content/ (compose `read_only: true`, systemd `ProtectSystem=strict`): a read-only bind mount when
    running as root (which file modes don't stop), else the directories' write bits taken away."""
    undo = []

    def make(path) -> None:
        if os.geteuid() != 0:
            dirs = [path, *(p for p in path.rglob("*") if p.is_dir())]
            for d in dirs:
                d.chmod(0o555)
            undo.append(lambda: [d.chmod(0o755) for d in dirs])
            return
        for args in (["mount", "--bind", path, path], ["mount", "-o", "remount,ro,bind", path, path]):
            done = subprocess.run(args, capture_output=True, check=False)
            if done.returncode != 0:
                if undo:
                    undo.pop()()
                pytest.skip(f"as root, a read-only directory needs a bind mount: {done.stderr.decode().strip()}")
            if not undo:
                undo.append(lambda: subprocess.run(["umount", path], check=True))

    yield make
    for step in reversed(undo):
        step()
