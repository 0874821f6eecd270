"""The store: migrations, and one connection shared safely between threads."""

from __future__ import annotations

import threading

import pytest

from bot.store import LATEST, open_db, transaction, version


def test_a_new_database_is_at_the_latest_schema(tmp_path):
    db = open_db(tmp_path / "new.db")
    assert version(db) == LATEST
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert {"tips", "tips_fts", "passages_fts", "audit", "posts"} <= set(db.table_names())


def test_another_threads_statement_never_joins_a_transaction(db):
    """Thread B writes while thread A's transaction is open and then rolls back: B's row survives."""
    inside, written = threading.Event(), threading.Event()

    def other_thread():
        inside.wait(5)
        db.execute("INSERT INTO feedback (platform, tip_id, kind) VALUES ('slack', 'b', 'up')")
        written.set()

    worker = threading.Thread(target=other_thread)
    worker.start()
    with pytest.raises(RuntimeError), transaction(db):
        db.execute("INSERT INTO feedback (platform, tip_id, kind) VALUES ('slack', 'a', 'up')")
        inside.set()
        assert not written.wait(0.3)  # B waits for the transaction to end
        raise RuntimeError("roll back A")
    worker.join(5)
    assert [r[0] for r in db.execute("SELECT tip_id FROM feedback")] == ["b"]


def test_transactions_from_two_threads_do_not_collide(db):
    errors = []

    def writer(tag: str):
        try:
            for i in range(50):
                with transaction(db):
                    db.execute("INSERT INTO feedback (platform, tip_id, kind) VALUES ('x', ?, 'up')", [f"{tag}{i}"])
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(t,)) for t in "ab"]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert errors == []
    assert db.execute("SELECT count(*) FROM feedback").fetchone()[0] == 100
