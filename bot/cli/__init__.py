"""`ltsa`: the command line of the LTSA Assistant.

ltsa serve [--telegram-polling]     the service (what `make run` ends with)
ltsa chat                           a conversation in the terminal
ltsa nlu train|parse|eval|langid    the NLU model and language identification
ltsa content check|gaps             validate content; questions the content did not answer
ltsa opp add|list                   OPP sessions (staff)
ltsa staff add|list                 console accounts (case workers, supervisors, admins)
ltsa telegram setup [URL]           Telegram webhook and command menu
ltsa broadcast send|status          announcements to subscribers (the service sends them)
ltsa bench [--only NAME]            the benchmarks; writes reports/bench.md
ltsa security secrets|audit         secret scan, dependency audit (make test runs both)
ltsa settings                       every setting with its default and help
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from bot.cli import (
    bench_cmd,
    broadcast_cmd,
    chat,
    content_cmd,
    nlu_cmd,
    opp_cmd,
    security_cmd,
    serve,
    staff_cmd,
    telegram_cmd,
)
from bot.settings import describe


def _settings_command(args: argparse.Namespace) -> int:
    for env, default, help_text in describe():
        print(f"{env:28} {default or '(unset)':32} {help_text}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ltsa", description="LTSA Assistant")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True)
    serve.register(sub)
    chat.register(sub)
    nlu_cmd.register(sub)
    content_cmd.register(sub)
    opp_cmd.register(sub)
    staff_cmd.register(sub)
    telegram_cmd.register(sub)
    broadcast_cmd.register(sub)
    bench_cmd.register(sub)
    security_cmd.register(sub)
    settings = sub.add_parser("settings", help="list the settings and their defaults")
    settings.set_defaults(func=_settings_command)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    # httpx logs every request URL at INFO, and Bot API URLs carry the bot token
    logging.getLogger("httpx").setLevel(logging.WARNING)
    return int(args.func(args) or 0)
