"""Tip form latency on Slack: signed `view_submission`s -> bolt's answer, on localhost.

The form's checks (the Tip model, span inside the transcript, quote found in the span, known
topics) and the save run *before* the acknowledgement, because Slack shows `errors` or the
updated modal only from the acknowledgement itself: they must fit in Slack's 3 seconds. This
runs the real bolt app (HTTP mode) against the local fake Slack, with the bundled content in a
file database (WAL, as in production), and times N rounds of: preview a new tip, save it, and
preview an invalid one (errors shown).

    /work/venv/bin/python bench/bench_forms.py [-n 200]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402

from bench.bench_slack import summary  # noqa: E402
from bot.core.actors import ModeratorRules  # noqa: E402
from bot.core.service import CareerBot  # noqa: E402
from bot.corpus.files import read_content  # noqa: E402
from bot.corpus.loader import load_content  # noqa: E402
from bot.settings import load_settings  # noqa: E402
from bot.store import open_db  # noqa: E402
from tests.slack.fakes import FakeSlack, command_body, serve_slack, signed_headers, submission_body  # noqa: E402

SECRET = "bench-signing-secret-0123456789"
NEW_TIP = {
    "title": "Interview others to beat impostor syndrome",
    "tip": "Run mock interviews for other people: seeing them struggle too makes your own impostor syndrome fade.",
    "quote": "it also helps when you see others struggle and you realize that your imposter syndrome will "
             "actually disappear when you start to interview others",
    "episode": "000_7a926d4821475fb3", "span": "14:31-14:50", "topics": "impostor-syndrome interviews",
    "questions": "how do I get over impostor syndrome?\nshould I do mock interviews for others?\n"
                 "does interviewing people help my confidence?",
}
INVALID = NEW_TIP | {"span": "99:00-99:30", "topics": "basket-weaving"}


async def main(n: int) -> None:
    logging.basicConfig(level=logging.WARNING)
    fake = await FakeSlack().start()
    settings = load_settings(_env_file=None, slack_bot_token="xoxb-bench", slack_signing_secret=SECRET,
                             slack_app_token=None, slack_api_url=fake.api_url, discord_token=None,
                             slack_moderators=["UMOD"])
    workdir = tempfile.TemporaryDirectory()
    db = open_db(Path(workdir.name) / "bench.db")
    load_content(db, read_content(ROOT / "content"))
    bot = CareerBot(db, rules=ModeratorRules.from_settings(settings))
    frontend, runner, url = await serve_slack(settings, bot)
    timings: dict[str, list[float]] = {"preview (valid)": [], "save": [], "preview (errors)": []}

    async with aiohttp.ClientSession() as session:
        async def post(body: str) -> tuple[float, dict]:
            started = time.perf_counter()
            async with session.post(url, data=body.encode(), headers=signed_headers(SECRET, body)) as resp:
                text = await resp.text()
                assert resp.status == 200, (resp.status, text)
            return time.perf_counter() - started, json.loads(text) if text else {}

        await post(command_body("/tips", "add", fake.response_url("open"), user="UMOD"))
        view = (await fake.wait_for("views.open"))[0].args["view"]
        for i in range(n):
            fields = NEW_TIP | {"title": f"Interview others to beat impostor syndrome {i}"}
            took, answer = await post(submission_body(view, fields, user="UMOD"))
            assert answer.get("response_action") == "update", answer
            timings["preview (valid)"].append(took)
            took, answer = await post(submission_body(answer["view"], {}, user="UMOD"))
            assert answer == {"response_action": "clear"}, answer
            timings["save"].append(took)
            took, answer = await post(submission_body(view, INVALID, user="UMOD"))
            assert answer.get("response_action") == "errors", answer
            timings["preview (errors)"].append(took)
        await fake.wait_for("chat.postEphemeral", n)

    tips = db.execute("SELECT count(*) FROM tips WHERE origin = 'moderator'").fetchone()[0]
    print(f"Slack tip form, {n} rounds over HTTP on localhost ({tips} tips added); time until bolt's answer:")
    for name, values in timings.items():
        print(summary(name, values))
    await frontend.stop()
    await runner.cleanup()
    await fake.stop()
    db.conn.close()
    workdir.cleanup()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=200, help="rounds (default 200)")
    asyncio.run(main(parser.parse_args().n))
