"""The console front end: the same commands and replies as the chat platforms, as text."""

from __future__ import annotations

import sys
from typing import TextIO

from bot.core.actors import Actor
from bot.core.reply import Reply
from bot.core.service import CareerBot

BANNER = (
    "careerbot console: type /ask <question>, /hack, /topics, /tips help, or just a question. "
    "/quit (or Ctrl-D) leaves."
)


class Console:
    """Reads one command per line and prints the reply; remembers the last answer for /more."""

    def __init__(self, bot: CareerBot, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout) -> None:
        self.bot, self.stdin, self.stdout = bot, stdin, stdout
        self.actor = Actor("console", "local", "local", name="console")
        self.last: Reply | None = None

    def handle(self, line: str) -> Reply | None:
        line = line.strip()
        if not line:
            return None
        command, _, rest = line.partition(" ")
        command = command.lower()
        if command in ("/quit", "/exit"):
            raise EOFError
        if command == "/ask":
            reply = self.bot.ask(rest, self.actor)
        elif command == "/hack":
            reply = self.bot.hack(self.actor.channel)
        elif command == "/topics":
            reply = self.bot.topics()
        elif command == "/topic":
            reply = self.bot.topic(rest)
        elif command == "/tips":
            reply = self.bot.tips_command(self.actor, rest)
        elif command == "/more":
            if self.last is None or "query" not in self.last.data:
                reply = Reply("info", text="Ask something first, then /more shows further tips.")
            else:
                shown = list(self.last.data.get("shown", []))
                reply = self.bot.more(self.last.data["query"], shown, self.actor)
                reply.data["shown"] = shown + [c.id for c in reply.cards]
        elif command in ("/help", "/?"):
            reply = self.bot.help(self.actor)
        elif command.startswith("/"):
            reply = Reply("error", text=f"Unknown command {command[:30]}. Try /help.")
        else:
            reply = self.bot.ask(line, self.actor)
        if reply.kind == "answer" and "query" in reply.data:
            self.last = reply
        return reply

    def run(self) -> None:
        print(BANNER, file=self.stdout)
        while True:
            self.stdout.write("> ")
            self.stdout.flush()
            line = self.stdin.readline()
            if not line:
                break
            try:
                reply = self.handle(line)
            except EOFError:
                break
            except Exception as exc:  # noqa: BLE001 - the console must survive a bad command
                reply = Reply("error", text=f"Something went wrong: {exc.__class__.__name__}. Nothing was changed.")
            if reply is not None:
                print(reply.as_text(), file=self.stdout)
        print("bye", file=self.stdout)
