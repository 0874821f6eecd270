"""Wiring shared by every entry point: settings -> database -> CareerBot."""

from __future__ import annotations

import logging

from bot.core.actors import ModeratorRules
from bot.core.service import CareerBot
from bot.settings import Settings

log = logging.getLogger(__name__)


def open_bot(settings: Settings, *, autoload: bool = True, answer_only: bool = False) -> CareerBot:
    """Open the database (migrating it) and, on first use, load the bundled content.

    `answer_only` is for a process that answers one question and exits (`careerbot ask`): its bot
    works on the bare connection and ranks with one FTS5 query, so it never imports sqlite-utils
    or numpy (together about a third of that command's time). It cannot run `/tips` subcommands.
    """
    from bot.core.semantic import load_encoder
    from bot.store import connect

    encoder = load_encoder(settings.careerbot_semantic)
    conn = connect(settings.careerbot_db)
    first_load = autoload and not conn.execute("SELECT 1 FROM episodes LIMIT 1").fetchone()
    if first_load:
        from sqlite_utils import Database

        from bot.corpus.files import read_content
        from bot.corpus.loader import load_content

        report = load_content(Database(conn), read_content(settings.careerbot_content))
        log.info("loaded bundled content: %s", "; ".join(report.lines()[:2]))
    if answer_only:
        bot = CareerBot(conn, keep_scores=False, encoder=encoder)
    else:
        from sqlite_utils import Database

        bot = CareerBot(Database(conn), rules=ModeratorRules.from_settings(settings), encoder=encoder,
                        content_dir=settings.careerbot_content)
    if first_load:
        bot.searcher.embed()  # with the semantic extra, now rather than at the first question
    return bot
