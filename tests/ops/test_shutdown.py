"""SIGTERM while work is in flight: it finishes, nothing is lost, the process exits 0."""

from __future__ import annotations

import asyncio
import signal

import aiohttp


async def test_sigterm_during_a_reply_sends_it_then_stops(serve_proc, sink, db_file):
    serve = await serve_proc(db_file, STANDIN_SINK=sink.url, STANDIN_DELAY="1.0")
    await serve.wait_ready()
    async with aiohttp.ClientSession() as session:
        async with session.post(f"{serve.url}/standin/ask", json={"id": "r1", "text": "how do I find a mentor"}) as r:
            assert r.status == 200  # acked; the reply is still being prepared
        serve.signal(signal.SIGTERM)
        await asyncio.sleep(0.2)
        status, body = await serve.get("/readyz")
        assert status == 503 and body["stopping"] is True  # a load balancer stops sending work
        assert sink.replies == []
    assert await serve.wait() == 0, serve.output()
    assert [r["id"] for r in sink.replies] == ["r1"]
    assert sink.replies[0]["kind"] == "answer"
    [stopped] = serve.event("serve.stopped")
    assert stopped["drained"] is True and stopped["waited_for"] >= 1
    [request] = serve.event("request")
    assert request["platform"] == "standin" and request["command"] == "ask" and request["outcome"] == "answer"
    assert "how do I find a mentor" not in serve.output()  # no message bodies in the log


async def test_sigterm_during_an_http_request_answers_it(serve_proc, sink, db_file):
    serve = await serve_proc(db_file, STANDIN_SINK=sink.url, STANDIN_DELAY="1.0")
    await serve.wait_ready()
    async with aiohttp.ClientSession() as session:
        pending = asyncio.ensure_future(session.post(f"{serve.url}/standin/ask?sync=1",
                                                     json={"id": "r2", "text": "how do I find a mentor"}))
        while (await serve.get("/healthz"))[1]["in_flight"] < 1:  # the request is inside its handler now
            await asyncio.sleep(0.02)
        serve.signal(signal.SIGTERM)
        async with await pending as response:
            assert response.status == 200
            assert (await response.json())["kind"] == "answer"
    assert await serve.wait() == 0, serve.output()
    assert serve.event("serve.stopped")[0]["drained"] is True


async def test_second_signal_cuts_the_wait_short(serve_proc, sink, db_file):
    serve = await serve_proc(db_file, STANDIN_SINK=sink.url, STANDIN_DELAY="30")
    await serve.wait_ready()
    async with aiohttp.ClientSession() as session, \
            session.post(f"{serve.url}/standin/ask", json={"id": "r3", "text": "mentor"}) as r:
        assert r.status == 200
    serve.signal(signal.SIGTERM)
    while not serve.event("serve.stopping"):
        await asyncio.sleep(0.02)
    serve.signal(signal.SIGINT)
    assert await serve.wait(timeout=15) == 0, serve.output()
    assert serve.event("serve.forced")
    assert serve.event("serve.stopped")[0]["drained"] is False


async def test_sigterm_while_still_starting_stops_at_once(serve_proc, sink, db_file):
    serve = await serve_proc(db_file, STANDIN_SINK=sink.url, STANDIN_START_DELAY="60")
    while not serve.event("serve.listening"):  # the platform is still "connecting"
        assert serve.proc.returncode is None, serve.output()
        await asyncio.sleep(0.02)
    serve.signal(signal.SIGTERM)
    assert await serve.wait(timeout=15) == 0, serve.output()
    assert not serve.event("serve.started") and serve.event("serve.stopped")[0]["drained"] is True
