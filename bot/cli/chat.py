"""`ltsa chat`: talk to the bot in the terminal; buttons are numbered choices."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from typing import Any

from bot import services
from bot.channels.base import Incoming, Outgoing
from bot.settings import load_settings


def register(sub: Any) -> None:
    parser = sub.add_parser("chat", help="a conversation in the terminal")
    parser.add_argument(
        "--user", default=None, help="who you are to the bot (default: your login)"
    )
    parser.set_defaults(func=run)


def show(messages: list[Outgoing]) -> list[str]:
    """Prints replies; returns the payloads of the numbered buttons."""
    payloads: list[str] = []
    for message in messages:
        prefix = "petugas> " if message.sender == "staff" else "bot> "
        print(prefix + message.text.replace("\n", "\n     "))
        for button in message.buttons:
            payloads.append(button.payload)
            print(f"   [{len(payloads)}] {button.title}")
    return payloads


async def converse(user: str) -> None:
    svc = await services.start(load_settings())
    try:
        payloads: list[str] = []
        print("Ketik pesan (angka = pilih tombol, Ctrl-D = keluar).")
        while True:
            line = await asyncio.to_thread(sys.stdin.readline)
            if not line:
                break
            text = line.rstrip("\n")
            if text.strip().isdigit() and 0 < int(text.strip()) <= len(payloads):
                text = payloads[int(text.strip()) - 1]
            replies = await svc.pipeline.handle(Incoming("cli", user, text))
            payloads = show(replies)
    finally:
        await svc.close()


def run(args: argparse.Namespace) -> int:
    asyncio.run(converse(args.user or getpass.getuser()))
    return 0
