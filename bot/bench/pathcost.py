"""What one message costs inside the gateway, without HTTP and without load: the real pipeline
in this process on a fresh database, messages one after another, counting transactions and
statements (SQLAlchemy events, and those sent straight through asyncpg by `bot.db.inbound` and
`bot.db.turns`) and the CPU time the process spends (`time.process_time`).

The typed text is answered by a stand-in NLU that returns at once (Rasa's own time is
measured end to end elsewhere), so the figure is the gateway's share of a text message: four
passport questions, and the held-out chat messages the end-to-end benchmark sends, each read
as the intent it is labelled with (a booking, a case, a question the bot cannot place…).
"""

from __future__ import annotations

import asyncio
import statistics
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event

from bot import crypto
from bot.bench.latency import BUTTONS, corpus
from bot.channels.base import Incoming
from bot.content import load_content
from bot.db.engine import Database
from bot.delivery import Delivery
from bot.pipeline import Pipeline
from bot.render import Renderer
from bot.services import prepare_database
from bot.settings import ROOT, load_settings
from nlu.client import Parse
from nlu.evaluate import heldout_examples
from nlu.langid import LanguageDetector

TEXTS = (
    "syarat bikin paspor buat kerja ke taiwan apa aja",
    "piye carane gawe paspor kanggo nyambut gawe",
    "abdi hoyong naros syarat paspor kanggo damel",
    "baramma carana ngurus paspor ghabay alako",
)


class InstantNlu:
    """Reads a held-out text as its labelled intent, any other as a passport question, at
    once."""

    def __init__(self) -> None:
        self.labels = {
            e.text: e.intent
            for folder in ("heldout", "heldout2")
            for e in heldout_examples(ROOT, folder=folder)
        }

    async def parse(self, text: str) -> Parse:
        return Parse(text=text, intent=self.labels.get(text, "faq/passport"), confidence=0.95)


@dataclass
class Cost:
    """Per message: transactions, statements, CPU milliseconds (mean), wall p50."""

    transactions: float
    statements: float
    cpu_ms: float
    wall_p50_ms: float

    def row(self) -> list[str]:
        return [
            f"{self.transactions:.1f}",
            f"{self.statements:.1f}",
            f"{self.cpu_ms:.2f}",
            f"{self.wall_p50_ms:.2f}",
        ]


async def _measure(url: str, messages: int) -> dict[str, Cost]:
    content = load_content(ROOT / "content")
    crypto.configure("bench-secret-key")
    db = Database(url, ROOT)
    await prepare_database(load_settings({"DATABASE_URL": url}), db, content)
    delivery = Delivery({}, default_language=content.default_language)
    pipeline = Pipeline(
        db,
        InstantNlu(),
        LanguageDetector.load(),
        Renderer(content),
        content.default_language,
        outbox=delivery,
        send=delivery.push,
    )
    counts = {"begin": 0, "statement": 0}

    def on_begin(_conn: Any) -> None:
        counts["begin"] += 1

    def on_statement(*_args: Any) -> None:
        counts["statement"] += 1

    engine = db.engine.sync_engine
    event.listen(engine, "begin", on_begin)
    event.listen(engine, "before_cursor_execute", on_statement)
    costs: dict[str, Cost] = {}
    try:
        kinds = (  # (kind, messages, new sender every n messages: 0, five known users)
            ("button press", BUTTONS, 0),
            ("typed text", TEXTS, 0),
            # as the web chat's x100 scenario sends them: six from each new sender
            ("typed text, held-out mix", tuple(corpus()[:messages]), 6),
        )
        for kind, sample, each in kinds:
            users = [f"{kind}-{i}" for i in range(5)]
            for user in users:  # known users, as in a conversation under way
                await pipeline.handle(Incoming("web", user, "/start"))
            counts.update(begin=0, statement=0)
            pool = db.direct
            before = (pool.transactions, pool.statements) if pool is not None else (0, 0)
            walls = []
            cpu = time.process_time()
            for i in range(messages):
                started = time.perf_counter()
                sender = f"{kind}-new-{i // each}" if each else users[i % 5]
                await pipeline.handle(Incoming("web", sender, sample[i % len(sample)]))
                walls.append((time.perf_counter() - started) * 1000)
            spent = (time.process_time() - cpu) * 1000
            # statements outside SQLAlchemy (bot.db.inbound, bot.db.turns), through asyncpg
            direct = (
                (pool.transactions - before[0], pool.statements - before[1])
                if pool is not None
                else (0, 0)
            )
            costs[kind] = Cost(
                (counts["begin"] + direct[0]) / messages,
                (counts["statement"] + direct[1]) / messages,
                spent / messages,
                statistics.median(walls),
            )
    finally:
        event.remove(engine, "begin", on_begin)
        event.remove(engine, "before_cursor_execute", on_statement)
        await db.dispose()
    return costs


def measure(url: str, messages: int = 300) -> dict[str, Cost]:
    """The cost of a button press and of a typed text, on the database at `url`."""
    return asyncio.run(_measure(url, messages))
