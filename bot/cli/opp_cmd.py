"""`ltsa opp …`: OPP sessions for LTSA staff.

ltsa opp add --ltsa SLUG --start ISO --capacity N [--place …] [--language id]
ltsa opp list [--ltsa SLUG]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
from typing import Any

from bot.booking import staff
from bot.booking.directory import (
    MAX_CAPACITY,
    SessionRefused,
    add_session,
    session_refusal,
    sync_directory,
)
from bot.content import load_content
from bot.db.engine import Database
from bot.settings import ROOT, load_settings
from nlu.dates import TZ


def register(sub: Any) -> None:
    """Adds `ltsa opp add|list` to the command line."""
    opp = sub.add_parser("opp", help="OPP sessions: add, list")
    commands = opp.add_subparsers(dest="opp_command", required=True)
    add = commands.add_parser("add", help="create an OPP session")
    add.add_argument("--ltsa", required=True, help="LTSA slug, e.g. ponorogo")
    add.add_argument(
        "--start",
        required=True,
        help="start, ISO 8601 (2026-12-09T08:00; Asia/Jakarta if no zone)",
    )
    add.add_argument("--capacity", required=True, type=int, help="seats")
    add.add_argument("--place", default=None, help="where (default: the LTSA's name)")
    add.add_argument("--language", default="id", help="language of delivery (default: id)")
    add.set_defaults(func=add_command)
    listing = commands.add_parser("list", help="upcoming sessions with seats taken")
    listing.add_argument("--ltsa", default=None, help="only this LTSA")
    listing.set_defaults(func=list_command)


REFUSALS = {
    "capacity": f"--capacity must be between 1 and {MAX_CAPACITY}",
    "past": "--start is in the past",
    "taken": "the LTSA already has a session starting then",
}


def parse_start(text: str) -> dt.datetime:
    """An ISO start time; without a zone it is Asia/Jakarta."""
    start = dt.datetime.fromisoformat(text)
    return start if start.tzinfo else start.replace(tzinfo=TZ)


async def _database() -> Database:
    settings = load_settings()
    db = Database(settings.database_url, ROOT)
    await db.migrate()
    async with db.transaction() as session:
        await sync_directory(
            session,
            load_content(ROOT / "content"),
            slot_minutes=settings.slot_minutes,
            slot_capacity=settings.slot_capacity,
            demo=False,
        )
    return db


async def _add(args: argparse.Namespace, start: dt.datetime) -> int:
    db = await _database()
    try:
        async with db.transaction() as session:
            opp = await add_session(
                session, args.ltsa, start, args.capacity, args.place, args.language
            )
            return opp.id
    finally:
        await db.dispose()


def add_command(args: argparse.Namespace) -> int:
    """Creates one OPP session; 2 for bad arguments or an unknown LTSA."""
    try:
        start = parse_start(args.start)
    except ValueError:
        print(f"error: --start {args.start!r} is not an ISO date and time")
        return 2
    refusal = session_refusal(start, args.capacity, dt.datetime.now(dt.UTC))
    if refusal is not None:
        print(f"error: {REFUSALS[refusal]}")
        return 2
    try:
        session_id = asyncio.run(_add(args, start))
    except LookupError:
        print(f"error: unknown LTSA {args.ltsa!r} (see content/ltsa/)")
        return 2
    except SessionRefused as refused:
        print(f"error: {REFUSALS[refused.reason]}")
        return 2
    except Exception as exc:  # the database refused (the same start added meanwhile, …)
        print(f"error: could not add the session: {type(exc).__name__}")
        return 1
    print(
        f"OPP session {session_id}: {args.ltsa} {start.astimezone(TZ):%Y-%m-%d %H:%M} WIB, "
        f"{args.capacity} seats"
    )
    return 0


async def _list(ltsa: str | None) -> list[tuple[int, str, str, str, int, int, str]]:
    db = await _database()
    try:
        async with db.transaction() as session:
            return [
                (
                    opp.id,
                    slug,
                    f"{opp.starts_at.astimezone(TZ):%Y-%m-%d %H:%M}",
                    opp.place,
                    opp.seats_taken,
                    opp.capacity,
                    opp.status,
                )
                for opp, slug in await staff.sessions(session, ltsa)
            ]
    finally:
        await db.dispose()


def list_command(args: argparse.Namespace) -> int:
    """Prints the upcoming OPP sessions with their seats."""
    rows = asyncio.run(_list(args.ltsa))
    if not rows:
        print("no upcoming OPP sessions")
        return 0
    print(f"{'id':>5}  {'ltsa':16}  {'start (WIB)':16}  {'seats':>7}  {'status':10}  place")
    for sid, slug, start, place, taken, capacity, status in rows:
        print(f"{sid:>5}  {slug:16}  {start:16}  {taken:>3}/{capacity:<3}  {status:10}  {place}")
    return 0
