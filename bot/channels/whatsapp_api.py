"""WhatsApp Cloud API: the message bodies for our replies, and a thin aiohttp client to send them.

The form follows the options (Meta's limits):

    no options                      text, cut below 4,096 characters
    ≤ 3, titles ≤ 20 characters     reply buttons (body ≤ 1,024; earlier parts as text)
    ≤ 10, titles ≤ 24 characters    a list message (rows under one "Pilih" button)
    more, or longer titles          numbered text; the user answers with the number

A reply id is the button's payload when it fits (256 characters for buttons, 200 for list
rows), else "b:<message id>:<index>", resolved against the stored message.

What sending raises (see `bot.outbox`): 429 and Meta's rate-limit codes, 5xx and network
errors -> RetryLater (honouring Retry-After); 131047 (more than 24 hours since the user
wrote) -> WindowClosed; other 4xx -> Undeliverable.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from typing import Any

import aiohttp

from bot.channels.base import Button, Outgoing
from bot.channels.split import split_text
from bot.outbox import RetryLater, Undeliverable, WindowClosed

log = logging.getLogger(__name__)

TEXT_LIMIT = 4096
INTERACTIVE_LIMIT = 1024
MAX_BUTTONS, BUTTON_TITLE, BUTTON_ID = 3, 20, 256
MAX_ROWS, ROW_TITLE, ROW_ID = 10, 24, 200
LIST_BUTTON = 20
RATE_LIMIT_CODES = frozenset({4, 80007, 130429, 131048, 131056})
TRANSIENT_CODES = frozenset({1, 2, 131000, 131016, 190})  # 190: token expired, fixed by staff
REENGAGEMENT = 131047


def form_of(buttons: Sequence[Button] | Sequence[Mapping[str, str]]) -> str:
    """text | buttons | list | numbered, from the number and length of the options."""
    titles = [b.title if isinstance(b, Button) else str(b["title"]) for b in buttons]
    if not titles:
        return "text"
    if len(titles) <= MAX_BUTTONS and all(len(t) <= BUTTON_TITLE for t in titles):
        return "buttons"
    if len(titles) <= MAX_ROWS and all(len(t) <= ROW_TITLE for t in titles):
        return "list"
    return "numbered"


def reply_ids(message: Outgoing, limit: int) -> list[str]:
    """The id WhatsApp echoes back for each option: the payload, or a stored reference."""
    payloads = [b.payload for b in message.buttons]
    unique = len(set(payloads)) == len(payloads)
    return [
        p if unique and len(p) <= limit else f"b:{message.message_id}:{i}"
        for i, p in enumerate(payloads)
    ]


def text_body(text: str) -> dict[str, Any]:
    return {"type": "text", "text": {"body": text, "preview_url": False}}


def template_body(name: str, locale: str) -> dict[str, Any]:
    """An approved template without parameters."""
    return {"type": "template", "template": {"name": name, "language": {"code": locale}}}


def bodies(message: Outgoing, *, hint: str, list_button: str) -> list[dict[str, Any]]:
    """The bodies (minus the recipient) that deliver one stored message, in order."""
    form = form_of(message.buttons)
    text = message.text or "…"
    if form == "numbered":
        numbered = "\n".join(f"{i}. {b.title}" for i, b in enumerate(message.buttons, 1))
        text = f"{text}\n\n{numbered}\n\n{hint}"
    if form in {"text", "numbered"}:
        return [text_body(part) for part in split_text(text, TEXT_LIMIT)]
    parts = split_text(text, TEXT_LIMIT)
    if len(parts[-1]) > INTERACTIVE_LIMIT:
        parts = parts[:-1] + split_text(parts[-1], INTERACTIVE_LIMIT)
    *head, last = parts
    if form == "buttons":
        ids = reply_ids(message, BUTTON_ID)
        action: dict[str, Any] = {
            "buttons": [
                {"type": "reply", "reply": {"id": i, "title": b.title}}
                for i, b in zip(ids, message.buttons, strict=True)
            ]
        }
    else:
        ids = reply_ids(message, ROW_ID)
        rows = [{"id": i, "title": b.title} for i, b in zip(ids, message.buttons, strict=True)]
        action = {"button": list_button[:LIST_BUTTON], "sections": [{"rows": rows}]}
    interactive = {"type": form.removesuffix("s"), "body": {"text": last}, "action": action}
    return [*(text_body(p) for p in head), {"type": "interactive", "interactive": interactive}]


def addressed(recipient: str, body: Mapping[str, Any]) -> dict[str, Any]:
    """The full request: a phone number goes in `to`, a business-scoped user id in
    `recipient` (users who chose a WhatsApp username may have no number)."""
    key = "to" if recipient.isdigit() else "recipient"
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        key: recipient,
        **body,
    }


class GraphClient:
    """POST {base}/{version}/{phone number id}/messages with the bearer token.

    Through aiohttp, as the NLU client: a broadcast sends 80 messages a second, and httpx's
    connection pool cost about 2 ms of the gateway's CPU per request (aiohttp: a tenth).
    The session is opened on first use, in the event loop that sends."""

    def __init__(
        self,
        base_url: str,
        version: str,
        phone_number_id: str,
        token: str,
        *,
        timeout: float = 10.0,
    ) -> None:
        self.url = f"{base_url.rstrip('/')}/{version}/{phone_number_id}/messages"
        self.headers = {"Authorization": f"Bearer {token}"}
        self.timeout = timeout
        self._session: aiohttp.ClientSession | None = None

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                headers=self.headers,
                timeout=aiohttp.ClientTimeout(total=self.timeout),
                connector=aiohttp.TCPConnector(limit=64),
            )
        return self._session

    async def send(self, recipient: str, body: Mapping[str, Any]) -> str | None:
        """Sends one message; returns its wamid. Raises RetryLater, WindowClosed, Undeliverable."""
        try:
            async with self._http().post(self.url, json=addressed(recipient, body)) as response:
                status, raw = response.status, await response.read()
                retry_after = _retry_after(response.headers.get("Retry-After", ""))
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise RetryLater(f"whatsapp: {type(exc).__name__}") from exc
        data = _json(raw)
        if 200 <= status < 300:
            messages = data.get("messages") if isinstance(data, dict) else None
            if isinstance(messages, list) and messages and isinstance(messages[0], dict):
                return str(messages[0].get("id") or "") or None
            return None
        error = data.get("error") if isinstance(data, dict) else None
        error = error if isinstance(error, dict) else {}
        code = error.get("code")
        reason = f"whatsapp {status} code {code}: {error.get('message', '')}"
        if status == 429 or code in RATE_LIMIT_CODES:
            raise RetryLater(reason, retry_after)
        if code == REENGAGEMENT:
            raise WindowClosed(reason)
        if status >= 500 or code in TRANSIENT_CODES:
            raise RetryLater(reason, retry_after)
        raise Undeliverable(reason)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None


def _retry_after(value: str) -> float | None:
    """Retry-After in seconds, when the response has one."""
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None  # an HTTP date: the backoff is good enough
