"""`ltsa telegram setup [URL]`: point Telegram at this gateway and set the bot's command menu.

setWebhook     {URL}/webhooks/telegram with TELEGRAM_WEBHOOK_SECRET as secret_token
               (URL defaults to LTSA_PUBLIC_URL; Telegram needs https)
setMyCommands  /start /menu /bahasa /petugas /hapus /privasi, described in Indonesian
--polling      instead of the webhook: delete it (for `ltsa serve --telegram-polling`)
"""

from __future__ import annotations

import argparse
import asyncio
import re
from typing import Any

from telegram import Bot, BotCommand
from telegram.error import TelegramError

from bot.channels.telegram import ALLOWED_UPDATES
from bot.content import load_content
from bot.render import Renderer
from bot.settings import ROOT, Settings, load_settings

COMMANDS = ("start", "menu", "bahasa", "petugas", "hapus", "privasi")
_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


class SetupError(Exception):
    """The settings or the URL do not allow the set-up."""


def register(sub: Any) -> None:
    telegram = sub.add_parser("telegram", help="the Telegram bot: webhook and command menu")
    commands = telegram.add_subparsers(dest="telegram_command", required=True)
    setup_parser = commands.add_parser("setup", help="call setWebhook and setMyCommands")
    setup_parser.add_argument("url", nargs="?", help="public https base URL (LTSA_PUBLIC_URL)")
    setup_parser.add_argument(
        "--polling", action="store_true", help="delete the webhook instead (polling mode)"
    )
    setup_parser.add_argument(
        "--drop-pending", action="store_true", help="forget updates Telegram still holds"
    )
    setup_parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    settings = load_settings()
    try:
        for line in asyncio.run(
            setup(settings, args.url, polling=args.polling, drop_pending=args.drop_pending)
        ):
            print(line)
    except SetupError as exc:
        print(f"error: {exc}")
        return 2
    except TelegramError as exc:  # its text never carries the token, its class name suffices
        print(f"error: Telegram refused: {type(exc).__name__}: {exc.message}")
        return 1
    return 0


def webhook_url(base: str) -> str:
    """The webhook address under a public base URL."""
    base = base.strip().rstrip("/")
    if not base.startswith("https://"):
        raise SetupError(f"Telegram sends webhooks only to https URLs, not {base or '(empty)'}")
    return f"{base}/webhooks/telegram"


async def setup(
    settings: Settings, url: str | None, *, polling: bool = False, drop_pending: bool = False
) -> list[str]:
    """Registers the webhook (or removes it) and the command menu; returns what was done."""
    if not settings.telegram_token:
        raise SetupError("TELEGRAM_TOKEN is unset (get one from @BotFather)")
    renderer = Renderer(load_content(ROOT / "content"))
    done: list[str] = []
    async with Bot(settings.telegram_token, base_url=settings.telegram_api_base_url) as bot:
        if polling:
            await bot.delete_webhook(drop_pending_updates=drop_pending)
            done.append("webhook deleted: run `ltsa serve --telegram-polling`")
        else:
            secret = settings.telegram_webhook_secret
            if not _SECRET.match(secret):
                raise SetupError(
                    "TELEGRAM_WEBHOOK_SECRET must be 1-256 characters of A-Z a-z 0-9 _ -"
                )
            target = webhook_url(url or settings.public_url)
            await bot.set_webhook(
                target,
                secret_token=secret,
                allowed_updates=list(ALLOWED_UPDATES),
                drop_pending_updates=drop_pending,
            )
            done.append(f"webhook: {target}")
        commands = [BotCommand(c, renderer.text("id", f"channel.command.{c}")) for c in COMMANDS]
        await bot.set_my_commands(commands)
        done.append("commands: " + " ".join(f"/{c}" for c in COMMANDS))
        done.append(f"bot: @{bot.username}")
    return done
