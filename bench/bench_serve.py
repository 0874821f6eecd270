"""`careerbot serve` resources: start-up time to ready and resident memory, both platforms on the fakes.

Starts `python -m bot serve` as a subprocess with Slack (HTTP mode) and Discord (gateway) pointed at
the local fakes from the tests (127.0.0.1 only), on a fresh copy of the bundled database. Measures,
over several runs: time from spawn to /healthz answering (HTTP up) and to /readyz 200 (database ok,
Slack and Discord connected); resident memory (VmRSS, VmHWM) when ready, then again after a burst
of slash commands on both platforms. Prints one table.

    /work/venv/bin/python bench/bench_serve.py [--runs 5] [--requests 200]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.discord.fakes import TOKEN as DISCORD_TOKEN  # noqa: E402
from tests.discord.fakes import FakeDiscord  # noqa: E402
from tests.slack.fakes import FakeSlack, command_body, signed_headers  # noqa: E402

SECRET = "bench-signing-secret-0123456789"
QUESTIONS = ["how do I find a mentor?", "should I do kaggle competitions?", "how do I prepare for interviews?",
             "is it too late to switch to data science?", "what is the airspeed of a swallow"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def memory_kb(pid: int) -> dict[str, int]:
    """VmRSS (resident now) and VmHWM (peak resident) from /proc."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0])
    return fields


async def prepare_db(folder: Path) -> Path:
    """The bundled content loaded once; each run gets its own copy."""
    path = folder / "template.db"
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "--db", str(path), "content", "load",
                                                cwd=folder, stdout=asyncio.subprocess.DEVNULL)
    assert await proc.wait() == 0
    return path


async def one_run(template: Path, folder: Path, requests: int) -> dict[str, float]:
    slack, discord = await FakeSlack().start(), await FakeDiscord().start()
    db = folder / f"run-{time.monotonic_ns()}.db"
    shutil.copy(template, db)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_", "CAREERBOT_"))}
    env.update(CAREERBOT_DB=str(db), PORT=str(port), HOST="127.0.0.1", LOG_LEVEL="WARNING",
               SLACK_BOT_TOKEN="xoxb-bench-token", SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=slack.api_url,
               DISCORD_TOKEN=DISCORD_TOKEN, DISCORD_API_URL=discord.api_url, DISCORD_GATEWAY_URL=discord.gateway_url)
    url = f"http://127.0.0.1:{port}"
    began = time.perf_counter()
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "serve", cwd=folder, env=env,
                                                stdin=asyncio.subprocess.DEVNULL,
                                                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
    result: dict[str, float] = {}
    try:
        async with aiohttp.ClientSession() as session:
            while "ready_s" not in result:
                assert proc.returncode is None, "serve exited"
                try:
                    async with session.get(f"{url}/readyz") as response:
                        result.setdefault("http_s", time.perf_counter() - began)
                        if response.status == 200:
                            result["ready_s"] = time.perf_counter() - began
                except aiohttp.ClientConnectionError:
                    pass
                await asyncio.sleep(0.01)
            mem = memory_kb(proc.pid)
            result["rss_ready_mb"] = mem["VmRSS"] / 1024
            for i in range(requests):  # half Slack (signed HTTP), half Discord (gateway dispatch)
                question = QUESTIONS[i % len(QUESTIONS)]
                if i % 2:
                    body = command_body("/ask", question, slack.response_url(f"r{i}"))
                    async with session.post(f"{url}/slack/events", data=body.encode(),
                                            headers=signed_headers(SECRET, body)) as response:
                        assert response.status == 200
                else:
                    interaction = discord.command("ask", question=question)
                    await discord.dispatch("INTERACTION_CREATE", interaction)
                    await discord.wait_replies(interaction, 1, timeout=10)
            await slack.wait_for("response", requests // 2, timeout=60)
            mem = memory_kb(proc.pid)
            result["rss_after_mb"] = mem["VmRSS"] / 1024
            result["peak_mb"] = mem["VmHWM"] / 1024
        stop_began = time.perf_counter()
        proc.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(proc.wait(), 30) == 0
        result["stop_s"] = time.perf_counter() - stop_began
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        await slack.stop()
        await discord.stop()
    return result


async def main(runs: int, requests: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        template = await prepare_db(folder)
        results = [await one_run(template, folder, requests) for _ in range(runs)]
    print(f"careerbot serve, Slack (HTTP) + Discord (gateway) on the local fakes; {runs} runs, "
          f"{requests} /ask commands per run after ready; python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    print(f"{'measure':34} {'median':>8} {'min':>8} {'max':>8}")
    for key, label in (("http_s", "spawn -> HTTP answering (s)"), ("ready_s", "spawn -> /readyz 200 (s)"),
                       ("rss_ready_mb", "resident memory when ready (MiB)"),
                       ("rss_after_mb", f"resident after {requests} commands (MiB)"),
                       ("peak_mb", "peak resident (MiB)"), ("stop_s", "SIGTERM -> exit (s)")):
        values = [r[key] for r in results]
        print(f"{label:34} {statistics.median(values):8.2f} {min(values):8.2f} {max(values):8.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    asyncio.run(main(args.runs, args.requests))
