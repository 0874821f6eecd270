"""Wiring shared by every entry point: settings -> database -> CareerBot."""

from __future__ import annotations

import logging

from bot.core.actors import ModeratorRules
from bot.core.service import CareerBot
from bot.settings import Settings

log = logging.getLogger(__name__)


def open_bot(settings: Settings, *, autoload: bool = True) -> CareerBot:
    """Open the database (migrating it) and, on first use, load the bundled content."""
    from bot.store import open_db

    db = open_db(settings.careerbot_db)
    if autoload and not db.execute("SELECT 1 FROM episodes LIMIT 1").fetchone():
        from bot.corpus.files import read_content
        from bot.corpus.loader import load_content

        report = load_content(db, read_content(settings.careerbot_content))
        log.info("loaded bundled content: %s", "; ".join(report.lines()[:2]))
    return CareerBot(db, rules=ModeratorRules.from_settings(settings))
