"""/healthz, /readyz and /metrics of a running `careerbot serve`."""

from __future__ import annotations

import asyncio
import sqlite3

import aiohttp


async def test_health_and_readiness_follow_platform_and_database(serve_proc, sink, db_file):
    serve = await serve_proc(db_file, STANDIN_SINK=sink.url)
    ready = await serve.wait_ready()
    assert ready["database"] == "ok" and ready["platforms"] == {"standin": "connected"}
    assert ready["scheduler"] == "running"
    status, health = await serve.get("/healthz")
    assert status == 200 and health["status"] == "ok" and health["schema"] >= 1

    with sqlite3.connect(db_file) as other:  # someone breaks the database under the running bot
        other.execute("DROP TABLE tips")
    status, health = await serve.get("/healthz")
    assert status == 503 and health["database"].startswith("error: OperationalError") and "tips" in health["database"]
    status, ready = await serve.get("/readyz")
    assert status == 503 and ready["status"] == "not ready"
    status, metrics = await serve.get("/metrics")
    assert status == 200 and "careerbot_database_up 0.0" in metrics
    serve.signal()
    assert await serve.wait() == 0, serve.output()


async def test_not_ready_until_every_platform_is_connected(serve_proc, sink, db_file):
    serve = await serve_proc(db_file, STANDIN_SINK=sink.url, STANDIN_READY="0", CAREERBOT_SCHEDULER="false")
    while not serve.event("serve.started"):
        assert serve.proc.returncode is None, serve.output()
        await asyncio.sleep(0.05)
    log = serve.output()  # the search is warmed (Searcher.warm) after listening, before any platform starts
    assert log.index('"serve.listening"') < log.index('"serve.warmed"') < log.index('"serve.started"')
    assert serve.event("serve.started")[0]["gc_frozen"] > 10_000  # what starting made, out of the collector's way
    status, health = await serve.get("/healthz")
    assert status == 200 and health["platforms"] == {"standin": "connecting"}  # alive ...
    assert health["scheduler"] == "none"  # CAREERBOT_SCHEDULER=false: another process posts
    status, ready = await serve.get("/readyz")
    assert status == 503 and ready["platforms"] == {"standin": "connecting"}  # ... but not ready
    status, metrics = await serve.get("/metrics")
    assert 'careerbot_platform_connected{platform="standin"} 0.0' in metrics
    serve.signal()
    assert await serve.wait() == 0


async def test_metrics_count_and_time_requests(serve_proc, sink, db_file):
    serve = await serve_proc(db_file, STANDIN_SINK=sink.url)
    await serve.wait_ready()
    async with aiohttp.ClientSession() as session:
        for text in ("how do I find a mentor", "how do I find a mentor", "zzqx"):
            async with session.post(f"{serve.url}/standin/ask?sync=1", json={"id": "m", "text": text}) as r:
                assert r.status == 200
    status, metrics = await serve.get("/metrics")
    assert status == 200
    assert 'careerbot_requests_total{command="ask",outcome="answer",platform="standin"} 2.0' in metrics
    assert 'careerbot_requests_total{command="ask",outcome="no_answer",platform="standin"} 1.0' in metrics
    assert 'careerbot_request_seconds_count{command="ask",platform="standin"} 3.0' in metrics
    assert 'careerbot_platform_connected{platform="standin"} 1.0' in metrics
    assert "careerbot_database_up 1.0" in metrics
    assert "process_resident_memory_bytes" in metrics
    serve.signal()
    assert await serve.wait() == 0
    lines = serve.event("request")
    assert len(lines) == 3 and all({"platform", "command", "outcome", "latency_ms"} <= set(e) for e in lines)
