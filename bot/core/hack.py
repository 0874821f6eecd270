"""Which tip a channel gets on a date. (Placeholder rotation; replaced by the daily-hack work.)"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import TYPE_CHECKING

from bot.core.reply import Card, moment_url

if TYPE_CHECKING:
    from bot.core.service import CareerBot


def hack_for(bot: CareerBot, channel: str, date: dt.date) -> Card | None:
    rows = bot.db.execute(
        'SELECT t.id, t.title, t.tip, t.quote, t.speaker, t.source, t.start, t."end", t.topics, e.title, e.url '
        "FROM tips t LEFT JOIN episodes e ON e.id = t.source WHERE t.status = 'active' ORDER BY t.id"
    ).fetchall()
    if not rows:
        return None
    seed = int(hashlib.sha256(f"{channel}|{date.isoformat()}".encode()).hexdigest(), 16)
    tid, title, tip, quote, speaker, source, start, end, topics, episode, url = rows[seed % len(rows)]
    return Card(tid, "tip", title, tip, quote, speaker, episode or source, source, start, end,
                moment_url(url, start), topics=topics.split())
