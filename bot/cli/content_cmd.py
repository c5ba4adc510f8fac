"""`ltsa content …`: validate the content folder; what users asked that it did not answer."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
from typing import Any

from bot.content_check import check_content
from bot.db import feedback_queries as fq
from bot.db.engine import Database
from bot.settings import ROOT, load_settings


def register(sub: Any) -> None:
    content = sub.add_parser("content", help="validate and inspect content/")
    commands = content.add_subparsers(dest="content_command", required=True)
    check = commands.add_parser("check", help="schema, keys in every language, sources, dates")
    check.set_defaults(func=check_command)
    gaps = commands.add_parser("gaps", help="questions the content did not answer, with counts")
    gaps.add_argument("--days", type=int, default=30, help="look back this many days")
    gaps.add_argument("--limit", type=int, default=50, help="at most this many questions")
    gaps.set_defaults(func=gaps_command)
    feedback = commands.add_parser("feedback", help="helpful / not helpful presses per topic")
    feedback.set_defaults(func=feedback_command)


def check_command(args: argparse.Namespace) -> int:
    report = check_content(ROOT / "content")
    for warning in report.warnings:
        print(f"warning: {warning}")
    for error in report.errors:
        print(f"error: {error}")
    print("content: ok" if report.ok else f"content: {len(report.errors)} errors")
    return 0 if report.ok else 1


async def _gaps(days: int, limit: int) -> list[tuple[str, str, int, dt.datetime]]:
    db = Database(load_settings().database_url, ROOT)
    try:
        await db.migrate()
        since = dt.datetime.now(dt.UTC) - dt.timedelta(days=days)
        async with db.transaction() as session:
            return await fq.gap_counts(session, since, limit)
    finally:
        await db.dispose()


def gaps_command(args: argparse.Namespace) -> int:
    rows = asyncio.run(_gaps(args.days, args.limit))
    if not rows:
        print(f"no unanswered questions in the last {args.days} days")
        return 0
    print(f"{'times':>5}  {'reason':12}  {'last asked':16}  question")
    for question, reason, times, last in rows:
        print(f"{times:>5}  {reason:12}  {last:%Y-%m-%d %H:%M}  {question}")
    return 0


async def _feedback() -> dict[str, tuple[int, int]]:
    db = Database(load_settings().database_url, ROOT)
    try:
        await db.migrate()
        async with db.transaction() as session:
            return await fq.feedback_counts(session)
    finally:
        await db.dispose()


def feedback_command(args: argparse.Namespace) -> int:
    counts = asyncio.run(_feedback())
    if not counts:
        print("no feedback yet")
        return 0
    print(f"{'topic':28}  {'helpful':>7}  {'not':>5}")
    for topic, (yes, no) in counts.items():
        print(f"{topic:28}  {yes:>7}  {no:>5}")
    return 0
