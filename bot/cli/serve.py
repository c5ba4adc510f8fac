"""`ltsa serve`: the gateway (and its Rasa server) in the foreground."""

from __future__ import annotations

import argparse
import logging
from typing import Any

import uvicorn

from bot import workers
from bot.app import create_app
from bot.settings import load_settings

log = logging.getLogger(__name__)


def register(sub: Any) -> None:
    parser = sub.add_parser("serve", help="run the service on 127.0.0.1:$PORT")
    parser.add_argument("--port", type=int, help="override PORT")
    parser.add_argument(
        "--telegram-polling",
        action="store_true",
        help="fetch Telegram updates with getUpdates instead of a webhook (TELEGRAM_POLLING)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    overrides: dict[str, object] = {"port": args.port} if args.port else {}
    if args.telegram_polling:
        overrides["telegram_polling"] = True
    settings = load_settings(None, **overrides)
    if settings.gateway_workers > 1:
        if settings.database_url.startswith("postgresql"):
            return workers.serve(settings)
        log.warning("GATEWAY_WORKERS needs PostgreSQL; with SQLite the gateway keeps one")
    app = create_app(settings)
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level.lower(),
        access_log=False,  # paths carry sender ids; requests are counted in /metrics instead
        timeout_graceful_shutdown=10,
    )
    return 0
