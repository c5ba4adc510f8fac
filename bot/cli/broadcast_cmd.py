"""`ltsa broadcast …`: announcements from the server, for LTSA staff.

ltsa broadcast send --ltsa SLUG [--village V] --text-file F [--dry-run]
ltsa broadcast status [--ltsa SLUG]

`send` queues the announcement in the database; the running service's broadcast worker sends
it within the platforms' limits (to the subscribers of the village, or of the whole LTSA).
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
from typing import Any

from bot import crypto
from bot.broadcast import BadBroadcast, Target, create, latest, reconcile
from bot.broadcast.queue import clean_text
from bot.community.subscriptions import audience_size
from bot.content import load_content
from bot.db.engine import Database
from bot.settings import ROOT, load_settings
from flows.community_steps import validate_village
from nlu.dates import TZ


def register(sub: Any) -> None:
    """Adds `ltsa broadcast send|status` to the command line."""
    broadcast = sub.add_parser("broadcast", help="announcements to subscribers: send, status")
    commands = broadcast.add_subparsers(dest="broadcast_command", required=True)
    send = commands.add_parser("send", help="queue an announcement (the service sends it)")
    send.add_argument("--ltsa", required=True, help="LTSA slug, e.g. ponorogo")
    send.add_argument("--village", default="", help="only this village's subscribers")
    send.add_argument("--text-file", required=True, type=Path, help="the text, UTF-8")
    send.add_argument("--dry-run", action="store_true", help="say how many it reaches, only")
    send.set_defaults(func=send_command)
    status = commands.add_parser("status", help="the latest announcements and their progress")
    status.add_argument("--ltsa", default=None, help="only this LTSA")
    status.set_defaults(func=status_command)


async def _database() -> Database:
    settings = load_settings()
    crypto.configure(settings.secret_key)  # the text is encrypted at rest like messages
    db = Database(settings.database_url, ROOT)
    await db.migrate()
    return db


async def _send(target: Target, text: str, dry_run: bool) -> tuple[int | None, int]:
    db = await _database()
    try:
        async with db.transaction() as session:
            if dry_run:
                return None, await audience_size(session, target.ltsa, target.village)
            broadcast = await create(session, target, text, source="cli", created_by="cli")
            return broadcast.id, broadcast.total
    finally:
        await db.dispose()


def send_command(args: argparse.Namespace) -> int:
    """Queues one announcement; 2 for a bad LTSA, village or text."""
    if args.ltsa not in load_content(ROOT / "content").ltsa:
        print(f"error: unknown LTSA {args.ltsa!r} (see content/ltsa/)")
        return 2
    village = validate_village(args.village) if args.village else ""
    if village is None:
        print(f"error: --village {args.village!r} is not a village name")
        return 2
    try:
        text = clean_text(args.text_file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        print(f"error: cannot read {args.text_file}: {type(exc).__name__}")
        return 2
    except BadBroadcast as exc:
        print(f"error: {exc}")
        return 2
    where = f"{args.ltsa}, village {village}" if village else f"{args.ltsa}, whole district"
    broadcast_id, total = asyncio.run(_send(Target(args.ltsa, village), text, args.dry_run))
    if broadcast_id is None:
        print(f"would reach {total} subscriber(s) ({where})")
    else:
        print(f"broadcast {broadcast_id} queued for {total} subscriber(s) ({where})")
    return 0


async def _status(ltsa: str | None) -> list[str]:
    db = await _database()
    try:
        async with db.transaction() as session:
            await reconcile(session)
            found = await latest(session, ltsa=ltsa, limit=20)
    finally:
        await db.dispose()
    return [
        f"{b.id:>5}  {b.created_at.astimezone(TZ):%Y-%m-%d %H:%M}  {b.ltsa_slug:<14} "
        f"{b.village or '(district)':<16} {b.source:<11} {b.status:<9} "
        f"sent {p.sent}/{b.total}, waiting {p.waiting}, failed {p.failed}"
        for b, p in found
    ]


def status_command(args: argparse.Namespace) -> int:
    """Prints the latest broadcasts with their progress."""
    lines = asyncio.run(_status(args.ltsa))
    print("\n".join(lines) if lines else "no broadcasts yet")
    return 0
