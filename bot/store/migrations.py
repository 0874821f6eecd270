"""Schema migrations, numbered by SQLite's `user_version`.

Append a function to MIGRATIONS to change the schema; never edit a released one.
A database from an older version upgrades in place when it is opened.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlite_utils import Database

    from bot.store import SQL

TIP_FTS_COLUMNS = ["title", "questions", "tip", "topics", "quote", "context"]

# A tip's `context` is the conversation it cites (the cues overlapping its span), kept by triggers so
# every path that adds or moves a tip (loading, moderators, reverts) indexes the speaker's own words.
CONTEXT = """(SELECT coalesce(group_concat(c.text, ' '), '') FROM cues c
               WHERE c.source = new.source AND c."end" > new.start AND c.start <= new."end")"""


def _v1_initial(db: Database) -> None:
    db.executescript(
        """
        CREATE TABLE IF NOT EXISTS episodes (
            id TEXT PRIMARY KEY,            -- transcript file stem
            title TEXT NOT NULL,
            guest TEXT NOT NULL,
            guest_role TEXT,
            host TEXT,
            summary TEXT,
            url TEXT,
            date TEXT,
            format TEXT NOT NULL DEFAULT 'seed',
            file_hash TEXT,
            duration REAL NOT NULL DEFAULT 0,
            corrections TEXT NOT NULL DEFAULT '{}',   -- JSON heard -> meant
            loaded_at TEXT
        );
        CREATE TABLE IF NOT EXISTS cues (
            source TEXT NOT NULL REFERENCES episodes(id) ON DELETE CASCADE,
            idx INTEGER NOT NULL,
            start REAL NOT NULL,
            "end" REAL NOT NULL,
            text TEXT NOT NULL,             -- as captioned
            PRIMARY KEY (source, idx)
        );
        CREATE TABLE IF NOT EXISTS passages (
            id INTEGER PRIMARY KEY,
            source TEXT NOT NULL REFERENCES episodes(id) ON DELETE CASCADE,
            start REAL NOT NULL,
            "end" REAL NOT NULL,
            text TEXT NOT NULL              -- corrected, searchable
        );
        CREATE INDEX IF NOT EXISTS passages_source ON passages(source, start);
        CREATE TABLE IF NOT EXISTS topics (
            slug TEXT PRIMARY KEY,
            label TEXT NOT NULL,
            terms TEXT NOT NULL DEFAULT '[]'          -- JSON list
        );
        CREATE TABLE IF NOT EXISTS synonyms (
            id INTEGER PRIMARY KEY,
            terms TEXT NOT NULL                       -- JSON list of equivalent phrases
        );
        CREATE TABLE IF NOT EXISTS tips (
            n INTEGER PRIMARY KEY,          -- stable rowid for the FTS index
            id TEXT NOT NULL UNIQUE,
            title TEXT NOT NULL,
            tip TEXT NOT NULL,
            quote TEXT NOT NULL,
            speaker TEXT NOT NULL,
            source TEXT NOT NULL,
            start REAL NOT NULL,
            "end" REAL NOT NULL,
            topics TEXT NOT NULL,           -- space-separated slugs
            questions TEXT NOT NULL,        -- one per line
            status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'retired')),
            version INTEGER NOT NULL DEFAULT 1,
            origin TEXT NOT NULL DEFAULT 'content',   -- 'content' (from files) or 'moderator'
            file_hash TEXT,                 -- hash of the file version last loaded
            created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
            updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
            updated_by TEXT,
            context TEXT NOT NULL DEFAULT ''  -- the cited conversation, filled by triggers
        );
        CREATE TABLE IF NOT EXISTS audit (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
            actor TEXT NOT NULL,
            platform TEXT NOT NULL,
            action TEXT NOT NULL,
            entity TEXT NOT NULL,
            entity_id TEXT NOT NULL,
            before TEXT,                    -- JSON
            after TEXT,                     -- JSON
            reverts INTEGER REFERENCES audit(id)
        );
        CREATE INDEX IF NOT EXISTS audit_entity ON audit(entity, entity_id);
        CREATE TABLE IF NOT EXISTS subscriptions (
            channel TEXT PRIMARY KEY,       -- 'slack:C123', 'discord:456', 'console:local'
            platform TEXT NOT NULL,
            channel_id TEXT NOT NULL,
            time TEXT NOT NULL,             -- HH:MM local
            timezone TEXT NOT NULL,
            days TEXT NOT NULL DEFAULT 'daily',
            topics TEXT NOT NULL DEFAULT '',
            paused INTEGER NOT NULL DEFAULT 0,
            created_by TEXT,
            created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
            failures INTEGER NOT NULL DEFAULT 0,
            failing_since TEXT,
            last_error TEXT
        );
        CREATE TABLE IF NOT EXISTS posts (
            id INTEGER PRIMARY KEY,
            channel TEXT NOT NULL,
            date TEXT NOT NULL,             -- the channel's local date
            tip_id TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'claimed',   -- claimed, sent, failed, skipped
            claimed_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
            sent_at TEXT,
            attempts INTEGER NOT NULL DEFAULT 0,
            message_ref TEXT,
            error TEXT,
            UNIQUE (channel, date)
        );
        CREATE TABLE IF NOT EXISTS feedback (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
            platform TEXT NOT NULL,
            user TEXT,
            tip_id TEXT NOT NULL,
            kind TEXT NOT NULL,             -- up, down, flag
            note TEXT
        );
        CREATE TABLE IF NOT EXISTS queries (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
            platform TEXT NOT NULL,
            query TEXT NOT NULL,
            answered INTEGER NOT NULL,
            top_id TEXT
        );
        CREATE TABLE IF NOT EXISTS review_queue (
            id INTEGER PRIMARY KEY,
            source TEXT NOT NULL,
            start REAL NOT NULL,
            "end" REAL NOT NULL,
            text TEXT NOT NULL,
            score REAL NOT NULL DEFAULT 0,
            status TEXT NOT NULL DEFAULT 'pending',   -- pending, accepted, rejected, skipped
            decided_by TEXT,
            decided_at TEXT,
            tip_id TEXT
        );
        """
    )
    db.executescript(
        f"""
        CREATE TRIGGER IF NOT EXISTS tips_context_insert AFTER INSERT ON tips BEGIN
            UPDATE tips SET context = {CONTEXT} WHERE n = new.n;
        END;
        CREATE TRIGGER IF NOT EXISTS tips_context_move AFTER UPDATE OF source, start, "end" ON tips BEGIN
            UPDATE tips SET context = {CONTEXT} WHERE n = new.n;
        END;
        """
    )
    for table, columns in (("tips", TIP_FTS_COLUMNS), ("passages", ["text"])):
        if not db[table].detect_fts():
            db[table].enable_fts(columns, fts_version="FTS5", create_triggers=True, tokenize="porter")


SEARCHED_TABLES = ("tips", "passages", "episodes", "topics", "synonyms")


def _v2_generation(db: Database) -> None:
    """A counter bumped by every change to what search reads, so searchers can cache safely.

    Document frequencies, the vocabulary and episode titles are cached per generation; triggers
    (not callers) bump it, so a change from any path or process is seen by the next question.
    """
    db.executescript(
        """
        CREATE TABLE IF NOT EXISTS generation (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            n INTEGER NOT NULL
        );
        INSERT OR IGNORE INTO generation (id, n) VALUES (1, 0);
        """
    )
    for table in SEARCHED_TABLES:
        for event in ("INSERT", "UPDATE", "DELETE"):
            db.execute(
                f"CREATE TRIGGER IF NOT EXISTS {table}_generation_{event.lower()} AFTER {event} ON {table} "
                "BEGIN UPDATE generation SET n = n + 1 WHERE id = 1; END"
            )


def _v3_tip_vectors(db: Database) -> None:
    """Sentence embeddings of tips' texts, by a digest of model and text (bot/core/semantic.py).

    Keyed by text, not by tip: an edited tip gets new vectors, an unchanged one keeps its own,
    and a database without the semantic extra simply leaves the table empty.
    """
    db.execute("CREATE TABLE IF NOT EXISTS tip_vectors (digest TEXT PRIMARY KEY, vector BLOB NOT NULL)")


def _v4_spoken_words(db: Database) -> None:
    """The words the conversations use, with how often: what a mistyped word may be read as (bot/core/spelling.py).

    Kept by `store_transcript` (bot/corpus/loader.py), the one place passages are written; filled
    here from the passages already stored.
    """
    from bot.corpus.loader import count_words

    db.execute("CREATE TABLE IF NOT EXISTS spoken_words (word TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID")
    count_words(db, (text for (text,) in db.execute("SELECT text FROM passages").fetchall()))


def _v5_tip_word_vectors(db: Database) -> None:
    """The tips' texts as distilled word vectors, by a digest of vectors and text (bot/core/word_vectors.py).

    Kept by `load_content` (bot/corpus/loader.py); filled here for the tips already stored. A text
    missing (a tip edited since) is encoded when asked about, which costs a question about 1 ms.
    """
    from bot.core import word_vectors

    db.execute("CREATE TABLE IF NOT EXISTS tip_word_vectors (digest TEXT PRIMARY KEY, vector BLOB NOT NULL)")
    word_vectors.store_tips(db, word_vectors.shared())


MIGRATIONS: list[Callable[[Database], None]] = [
    _v1_initial, _v2_generation, _v3_tip_vectors, _v4_spoken_words, _v5_tip_word_vectors,
]
LATEST = len(MIGRATIONS)


class SchemaError(RuntimeError):
    """The database cannot be used by this version of careerbot."""


def version(db: SQL) -> int:
    return db.execute("PRAGMA user_version").fetchone()[0]


def migrate(db: Database) -> list[int]:
    """Apply every migration newer than the database; return the versions applied.

    Migrations are written to be idempotent, so one interrupted half-way is simply run again.
    """
    applied = []
    current = version(db)
    if current > LATEST:
        raise SchemaError(f"database schema v{current} is newer than this careerbot (v{LATEST}); upgrade careerbot")
    for number in range(current + 1, LATEST + 1):
        MIGRATIONS[number - 1](db)
        db.execute(f"PRAGMA user_version = {number}")
        applied.append(number)
    return applied
