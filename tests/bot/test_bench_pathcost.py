"""The benchmark's in-process measure of one message counts what the pipeline does."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.bench import pathcost
from bot.bench.machine import describe
from bot.bench.report import render
from bot.bench.suite import Results
from tests.conftest import migrated_postgres


def test_a_press_is_one_transaction_and_typed_text_two(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/bench.db"
    costs = pathcost.measure(url, messages=8)
    assert costs["button press"].transactions == 1.0
    assert costs["typed text"].transactions == 2.0
    # the held-out messages: at least the same two, more where a turn needs more
    assert costs["typed text, held-out mix"].transactions >= 2.0
    assert all(c.statements >= 2 and c.cpu_ms > 0 for c in costs.values())
    report = render(Results(describe(), path=costs), "")
    assert "## One message inside the gateway" in report
    assert "| button press | 1.0 |" in report


async def test_on_postgresql_the_statements_sent_through_asyncpg_are_counted() -> None:
    async with migrated_postgres() as db:
        url = db.url.set(drivername="postgresql").render_as_string(hide_password=False)
        costs = await asyncio.to_thread(pathcost.measure, url, 8)
    # a press: one transaction of plain statements (state and press, replies)
    assert costs["button press"].transactions == 1.0
    assert costs["button press"].statements >= 2.0
    # the read of who answers and the store (each its own), then the answer's transaction
    assert costs["typed text"].transactions == 3.0
