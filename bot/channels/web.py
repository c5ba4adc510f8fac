"""Web chat: the Rasa REST channel contract, later messages, and the chat page at `/`.

    POST /webhooks/rest/webhook   {"sender", "message", "metadata"?}
                                  -> [{"recipient_id", "text", "buttons"?}]
    GET  /webhooks/rest/messages  ?sender=S&after=ID -> messages pushed later (staff, reminders)

Bad requests get a 4xx with a JSON reason; a message is never lost once accepted.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TypeGuard

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, JSONResponse, Response

from bot.channels.base import Incoming, Outgoing
from bot.db import queries as q
from bot.text import storable_id

CHANNEL = "web"
MAX_SENDER = 128
WEB = Path(__file__).resolve().parent.parent / "web"

router = APIRouter()


def problem(status: int, error: str, detail: str) -> JSONResponse:
    """A 4xx answer that says what was wrong."""
    return JSONResponse({"error": error, "detail": detail}, status_code=status)


def rest_message(recipient: str, message: Outgoing) -> dict[str, Any]:
    item: dict[str, Any] = {"recipient_id": recipient, "text": message.text}
    if message.buttons:
        item["buttons"] = [{"title": b.title, "payload": b.payload} for b in message.buttons]
    if message.message_id is not None:
        item["message_id"] = message.message_id
    if message.sender != "bot":
        item["sender"] = message.sender
    return item


def _sender_ok(sender: object) -> TypeGuard[str]:
    return (
        isinstance(sender, str)
        and bool(sender.strip())
        and len(sender) <= MAX_SENDER
        and storable_id(sender)
    )


def parse_body(raw: bytes) -> tuple[Incoming | None, JSONResponse | None]:
    """The Incoming of a REST webhook body, or the 4xx that explains why there is none."""
    try:
        body = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        return None, problem(400, "invalid_encoding", "the body must be UTF-8")
    except ValueError:
        return None, problem(400, "invalid_json", "the body must be a JSON object")
    if not isinstance(body, dict):
        return None, problem(422, "invalid_body", "the body must be a JSON object")
    sender = body.get("sender")
    if not _sender_ok(sender):
        return None, problem(
            422,
            "invalid_sender",
            f"sender must be a non-empty string of at most {MAX_SENDER} characters, "
            "without control characters",
        )
    message = body.get("message", "")
    if message is None:
        message = ""
    if not isinstance(message, str):
        return None, problem(422, "invalid_message", "message must be a string")
    metadata = body.get("metadata")
    message_id = metadata.get("message_id") if isinstance(metadata, dict) else None
    if isinstance(message_id, str) and not storable_id(message_id):
        return None, problem(
            422, "invalid_message_id", "metadata.message_id must not hold control characters"
        )
    return (
        Incoming(
            channel=CHANNEL,
            user_id=sender.strip(),
            text=message,
            message_id=str(message_id)[:100] if isinstance(message_id, str | int) else None,
        ),
        None,
    )


@router.post("/webhooks/rest/webhook")
async def rest_webhook(request: Request) -> Response:
    """Answers one web-chat message."""
    incoming, error = parse_body(await request.body())
    if incoming is None:
        return error or problem(400, "invalid_body", "no message")
    replies = await request.app.state.services.pipeline.handle(incoming)
    return JSONResponse([rest_message(incoming.user_id, r) for r in replies])


@router.get("/webhooks/rest/messages")
async def rest_messages(request: Request, sender: str = "", after: str = "0") -> Response:
    """Messages sent to a web-chat user after message `after`."""
    if not _sender_ok(sender):
        return problem(422, "invalid_sender", "sender is required, without control characters")
    if not after.isdigit() or len(after) > 18:
        return problem(422, "invalid_after", "after must be a message id (a whole number)")
    async with request.app.state.services.db.transaction() as session:
        messages = await q.pushed_after(session, CHANNEL, sender.strip(), int(after))
    return JSONResponse(
        [
            {
                "id": m.id,
                "recipient_id": sender.strip(),
                "text": m.text,
                "sender": m.sender,
                "timestamp": m.created_at.isoformat(),
                **({"buttons": m.buttons} if m.buttons else {}),
            }
            for m in messages
        ]
    )


@router.get("/", include_in_schema=False)
async def chat_page() -> FileResponse:
    """The web chat page."""
    return FileResponse(WEB / "chat.html", media_type="text/html; charset=utf-8")


@router.get("/chat.js", include_in_schema=False)
async def chat_script() -> FileResponse:
    return FileResponse(WEB / "chat.js", media_type="text/javascript; charset=utf-8")
