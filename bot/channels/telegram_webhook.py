"""How Telegram updates arrive: our webhook route, or a getUpdates loop (`--telegram-polling`).

    POST /webhooks/telegram   X-Telegram-Bot-Api-Secret-Token must equal
                              TELEGRAM_WEBHOOK_SECRET (403 otherwise); 404 when Telegram is
                              off, 503 when the secret is unset; 200 once the reply is stored

Both feed `TelegramChannel.receive`, so a redelivered update (same message id) is answered
once. Polling moves its offset past an update only once it is stored and answered.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from telegram.error import Conflict, InvalidToken, RetryAfter, TelegramError

from bot.channels.telegram import ALLOWED_UPDATES, POLL_TIMEOUT, TelegramChannel, retry_seconds
from bot.channels.web import problem

log = logging.getLogger(__name__)

SECRET_HEADER = "x-telegram-bot-api-secret-token"  # noqa: S105 - a header name

router = APIRouter()


@router.post("/webhooks/telegram")
async def telegram_webhook(request: Request) -> Response:
    """Receives one Telegram update."""
    channels = request.app.state.services.channels
    channel: TelegramChannel | None = channels.telegram if channels else None
    if channel is None:
        return problem(404, "channel_off", "Telegram is off: TELEGRAM_TOKEN is unset")
    if not channel.secret:
        return problem(503, "secret_unset", "TELEGRAM_WEBHOOK_SECRET is unset")
    given = request.headers.get(SECRET_HEADER, "")
    if not hmac.compare_digest(given.encode(), channel.secret.encode()):
        return problem(403, "wrong_secret", f"{SECRET_HEADER} is missing or wrong")
    try:
        data = json.loads(await request.body())
    except ValueError:  # also bad UTF-8
        return problem(400, "invalid_json", "the body must be a JSON object")
    if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
        return problem(422, "invalid_update", "an update is a JSON object with an update_id")
    update = channel.update_of(data)
    if update is not None:
        await channel.receive(update)
    return JSONResponse({"ok": True})


async def poll(channel: TelegramChannel) -> None:
    """Fetches updates with getUpdates and answers them, until cancelled."""
    await _delete_webhook(channel)
    offset: int | None = None
    failures = 0
    while True:
        try:
            updates = await channel.bot.get_updates(
                offset=offset, timeout=POLL_TIMEOUT, allowed_updates=list(ALLOWED_UPDATES)
            )
            failures = 0
        except RetryAfter as exc:
            await asyncio.sleep(retry_seconds(exc))
            continue
        except (Conflict, InvalidToken) as exc:  # a webhook is set, another poller, bad token
            log.error("Telegram polling: %s; retrying in 60 s", type(exc).__name__)
            await asyncio.sleep(60)
            continue
        except TelegramError as exc:  # network errors, 5xx
            failures += 1
            log.warning("Telegram polling: %s", type(exc).__name__)
            await asyncio.sleep(min(60.0, 2.0**failures))
            continue
        for update in updates:
            try:
                await channel.receive(update)
            except Exception:  # the database is away: the update is fetched again
                log.exception("Telegram polling: update %s not answered", update.update_id)
                await asyncio.sleep(2)
                break
            offset = update.update_id + 1


async def _delete_webhook(channel: TelegramChannel) -> None:
    """getUpdates refuses to work while a webhook is set."""
    try:
        await channel.bot.delete_webhook(drop_pending_updates=False)
    except TelegramError as exc:
        log.warning("Telegram deleteWebhook failed: %s", type(exc).__name__)
