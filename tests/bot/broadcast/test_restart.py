"""The benchmark's path, small: a coordinator's announcement to 300 subscribers on Telegram
and WhatsApp through the real outbox and adapters against fake platform APIs, with the sender
and the broadcast worker replaced half-way: nobody gets it twice, nobody is left out. (The
rates are measured by `ltsa bench`, not asserted here.)"""

from __future__ import annotations

from bot.bench import broadcast
from bot.db.engine import Database
from tests.bot.console.conftest import plain_url


async def test_a_restart_half_way_loses_and_repeats_nothing(database: Database) -> None:
    report = await broadcast.run_async(
        plain_url(database), recipients=300, restart_at=0.5, limit_seconds=240
    )
    assert (report["duplicates"], report["lost"]) == (0, 0), report
    assert report["statuses"] == {"sent": 300}, report
    assert report["outbox_rows"] == 300, report
    assert 0 < report["restarted_after"] < 300, report  # the restart came mid-way
