"""WhatsApp Cloud API: webhook verification and events in, outbox rows out.

    GET  /webhooks/whatsapp   hub.mode=subscribe and hub.verify_token=WHATSAPP_VERIFY_TOKEN ->
                              hub.challenge echoed; 403 otherwise
    POST /webhooks/whatsapp   X-Hub-Signature-256 = HMAC-SHA256(WHATSAPP_APP_SECRET, raw body),
                              else 403; messages answered through the pipeline, statuses
                              (sent, delivered, read, failed) recorded on the outbox rows

Who wrote: the stable business-scoped user id (`from_user_id`, `contacts[].user_id`) when
the payload has one, else the phone number (`from`, `contacts[].wa_id`); a user first known
by their number keeps their history when the id appears. Replies go to the number when it is
known (Meta's advice), else to the user id.

Messages: text as typed; a button or list reply as its id (a payload, or a stored reference);
a number typed under numbered options as that option; image, document, video as an
attachment; audio /voice_note, sticker /sticker, location /location, contacts /contact,
an edit /edited_message, other kinds /unsupported_message; reactions and system notices are
ignored. A message from the user opens the 24-hour window: messages held outside it are
released.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from bot.channels import whatsapp_api as api
from bot.channels.base import Incoming, Outgoing
from bot.channels.web import problem
from bot.db import channel_queries as cq
from bot.db import outbox_direct as od
from bot.db import outbox_queries as oq
from bot.db.engine import Database
from bot.db.models import User, utcnow
from bot.pipeline import Pipeline
from bot.ratelimit import Limits
from bot.render import Renderer
from bot.settings import Settings

log = logging.getLogger(__name__)

CHANNEL = "whatsapp"
WINDOW = timedelta(hours=24) - timedelta(minutes=5)  # a margin for clocks and queues
_COMMANDS = {
    "audio": "/voice_note",
    "sticker": "/sticker",
    "location": "/location",
    "contacts": "/contact",
    "edit": "/edited_message",
    "request_welcome": "/start",  # the user opened the chat for the first time
}
_IGNORED = frozenset({"reaction", "system", "revoke"})
_MEDIA = frozenset({"image", "document", "video"})

router = APIRouter()


def parse_templates(raw: str) -> dict[str, dict[str, str]]:
    """WHATSAPP_TEMPLATES: {"<kind>": {"<language>": "<name>[:<locale>]"}}."""
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise ValueError(f"WHATSAPP_TEMPLATES is not JSON: {exc}") from exc
    if not isinstance(data, dict) or not all(
        isinstance(v, dict) and all(isinstance(n, str) for n in v.values()) for v in data.values()
    ):
        raise ValueError('WHATSAPP_TEMPLATES must look like {"update": {"id": "ltsa_update"}}')
    return {str(kind): {str(k): str(v) for k, v in names.items()} for kind, names in data.items()}


def signature_ok(secret: str, body: bytes, header: str) -> bool:
    """True when X-Hub-Signature-256 is the HMAC-SHA256 of the raw body with the app secret."""
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), header.strip().encode())


@dataclass(frozen=True)
class Inbound:
    """One user message of a webhook, before the pipeline sees it."""

    identity: str
    phone: str | None
    message_id: str
    text: str
    reply_id: str | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)


def _str(value: object, limit: int = 128) -> str | None:
    return value if isinstance(value, str) and 0 < len(value) <= limit else None


def _dicts(value: object) -> list[dict[str, Any]]:
    """The objects of a JSON list (anything else in a payload is skipped)."""
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _contact_for(message: Mapping[str, Any], people: list[dict[str, Any]]) -> Mapping[str, Any]:
    for person in people:
        if person.get("user_id") and person.get("user_id") == message.get("from_user_id"):
            return person
        if person.get("wa_id") and person.get("wa_id") == message.get("from"):
            return person
    return people[0] if len(people) == 1 else {}


def inbound_of(message: Mapping[str, Any], contacts: list[dict[str, Any]]) -> Inbound | None:
    """A webhook message as our Inbound, or None for what is not answered."""
    contact = _contact_for(message, contacts)
    phone = _str(message.get("from")) or _str(contact.get("wa_id"))
    identity = _str(message.get("from_user_id")) or _str(contact.get("user_id")) or phone
    message_id = _str(message.get("id"), 200)
    kind = message.get("type")
    if identity is None or message_id is None or not isinstance(kind, str) or kind in _IGNORED:
        return None
    found = message.get(kind)
    content: dict[str, Any] = found if isinstance(found, dict) else {}

    def make(text: object, meta: Mapping[str, Any], reply_id: str | None = None) -> Inbound:
        return Inbound(identity, phone, message_id, _text(text), reply_id, meta)

    if kind == "text":
        return make(content.get("body"), {"kind": "text"})
    if kind == "interactive":
        reply = content.get("button_reply") or content.get("list_reply")
        if isinstance(reply, dict) and isinstance(reply.get("id"), str):
            return make(reply.get("title"), {"kind": "button"}, reply["id"])
    if kind == "button":  # a template's quick reply
        payload = _text(content.get("payload"))
        return make(
            content.get("text"), {"kind": "button"}, payload if payload.startswith("/") else None
        )
    if kind in _MEDIA and isinstance(content.get("id"), str):
        attachment = {
            "kind": "photo" if kind == "image" else kind,
            "file_id": content["id"],
            "mime_type": content.get("mime_type"),
            "file_name": content.get("filename"),
            "caption": content.get("caption"),
        }
        return make(content.get("caption"), {"kind": attachment["kind"], "attachment": attachment})
    return make(_COMMANDS.get(kind, "/unsupported_message"), {"kind": kind})


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


class WhatsAppChannel:
    """The WhatsApp adapter: parses webhook events for the pipeline and sends outbox rows."""

    name = CHANNEL

    def __init__(
        self,
        settings: Settings,
        db: Database,
        pipeline: Pipeline,
        renderer: Renderer,
        client: api.GraphClient | None = None,
    ) -> None:
        self.db = db
        self.pipeline = pipeline
        self.renderer = renderer
        self.app_secret = settings.whatsapp_app_secret
        self.verify_token = settings.whatsapp_verify_token
        self.phone_number_id = settings.whatsapp_phone_number_id
        self.templates = parse_templates(settings.whatsapp_templates)
        self.limits = Limits(
            settings.whatsapp_rate, settings.whatsapp_chat_rate, settings.whatsapp_chat_burst
        )
        self.client = client or api.GraphClient(
            settings.whatsapp_api_base_url,
            settings.whatsapp_api_version,
            settings.whatsapp_phone_number_id,
            settings.whatsapp_token,
            timeout=settings.platform_timeout,
        )
        self.on_release: Callable[[], None] | None = None  # kicks the sender

    async def close(self) -> None:
        await self.client.close()

    async def receive(self, event: Mapping[str, Any]) -> None:
        """Answers the messages of one webhook event and records its statuses."""
        for entry in _dicts(event.get("entry")):
            for change in _dicts(entry.get("changes")):
                value = change.get("value")
                if not isinstance(value, dict) or not self._ours(value):
                    continue
                await self._statuses(_dicts(value.get("statuses")))
                contacts = _dicts(value.get("contacts"))
                for message in _dicts(value.get("messages")):
                    inbound = inbound_of(message, contacts)
                    if inbound is not None:
                        await self._answer(inbound)

    def _ours(self, value: Mapping[str, Any]) -> bool:
        """Events of another phone number of the same Meta app are not for us."""
        metadata = value.get("metadata")
        number = metadata.get("phone_number_id") if isinstance(metadata, dict) else None
        return not self.phone_number_id or number in (None, self.phone_number_id)

    async def _answer(self, inbound: Inbound) -> None:
        async with self.db.transaction() as session:
            former = inbound.phone if inbound.phone != inbound.identity else None
            user = await cq.identify(
                session, CHANNEL, inbound.identity, address=inbound.phone, former=former
            )
            text = await self._resolve(session, user, inbound)
            # the window opens now, before held messages are released and claimed
            user.last_inbound_at = utcnow()
            released = await oq.release_held(session, user.id)
        if released and self.on_release is not None:
            self.on_release()
        await self.pipeline.handle(
            Incoming(CHANNEL, inbound.identity, text, inbound.message_id, inbound.metadata)
        )

    async def _resolve(self, session: AsyncSession, user: User, inbound: Inbound) -> str:
        """The text the pipeline sees: a reply id or a typed number resolved to its payload."""
        if inbound.reply_id is not None:
            if inbound.reply_id.startswith("/"):
                return inbound.reply_id
            ref = inbound.reply_id.split(":")
            if len(ref) == 3 and ref[0] == "b" and ref[1].isdigit() and ref[2].isdigit():
                press = await cq.press(session, CHANNEL, user.channel_user_id, *map(int, ref[1:]))
                if press is not None:
                    return press.payload
            return inbound.text
        typed = inbound.text.strip()
        if typed.isdigit() and len(typed) <= 2:
            last = await cq.last_buttons(session, user.id)
            options = last.buttons if last is not None and last.buttons else []
            if api.form_of(options) == "numbered" and 1 <= int(typed) <= len(options):
                return str(options[int(typed) - 1]["payload"])
        return inbound.text

    async def _statuses(self, statuses: list[dict[str, Any]]) -> None:
        if not statuses:
            return
        reports = []
        for status in statuses:
            if not _str(status.get("id"), 200):
                continue
            name = str(status.get("status", ""))
            errors = _dicts(status.get("errors"))
            error = errors[0] if errors else {}
            if name == "failed" and error.get("code") == api.REENGAGEMENT:
                name = "held"  # delivered once the user writes again
            detail = f"{error.get('code')}: {error.get('title', '')}" if error else None
            stamp = str(status.get("timestamp", ""))
            at = datetime.fromtimestamp(int(stamp), UTC) if stamp.isdigit() else utcnow()
            reports.append((str(status["id"]), name, at, detail))
        if self.db.direct is not None:  # PostgreSQL: a single statement each
            for report in reports:
                await od.record_status(self.db.direct, *report)
            return
        async with self.db.transaction() as session:
            for report in reports:
                await oq.record_status(session, *report)

    # --- the outbox side (bot.outbox.Platform) ---

    def recipient(self, user: User) -> str:
        return user.channel_address or user.channel_user_id

    def bodies(self, message: Outgoing, language: str) -> list[dict[str, Any]]:
        return api.bodies(
            message,
            hint=self.renderer.text(language, "channel.numbered_hint"),
            list_button=self.renderer.text(language, "channel.list_button"),
        )

    def window_open(self, last_inbound_at: datetime | None) -> bool:
        return last_inbound_at is not None and utcnow() - last_inbound_at < WINDOW

    def notice(self, kind: str, language: str) -> dict[str, Any] | None:
        """The template for `kind` (or "default") in `language` (or Indonesian)."""
        names = self.templates.get(kind) or self.templates.get("default") or {}
        value = names.get(language) or names.get("id")
        if not value:
            return None
        name, _, locale = value.partition(":")
        return api.template_body(name, locale or "id")

    async def send(self, recipient: str, body: Mapping[str, Any]) -> str | None:
        return await self.client.send(recipient, body)


def _channel(request: Request) -> WhatsAppChannel | None:
    channels = request.app.state.services.channels
    return channels.whatsapp if channels else None


@router.get("/webhooks/whatsapp")
async def whatsapp_verify(request: Request) -> Response:
    """Meta's webhook verification: the challenge echoed for the right verify token."""
    channel = _channel(request)
    if channel is None:
        return problem(404, "channel_off", "WhatsApp is off: WHATSAPP_TOKEN is unset")
    if not channel.verify_token:
        return problem(503, "verify_token_unset", "WHATSAPP_VERIFY_TOKEN is unset")
    params = request.query_params
    token = params.get("hub.verify_token", "")
    if params.get("hub.mode") != "subscribe" or not hmac.compare_digest(
        token.encode(), channel.verify_token.encode()
    ):
        return problem(403, "verification_failed", "wrong hub.mode or hub.verify_token")
    return PlainTextResponse(params.get("hub.challenge", "")[:200])


@router.post("/webhooks/whatsapp")
async def whatsapp_webhook(request: Request) -> Response:
    """Receives one signed WhatsApp event."""
    channel = _channel(request)
    if channel is None:
        return problem(404, "channel_off", "WhatsApp is off: WHATSAPP_TOKEN is unset")
    if not channel.app_secret:
        return problem(503, "app_secret_unset", "WHATSAPP_APP_SECRET is unset")
    body = await request.body()
    if not signature_ok(channel.app_secret, body, request.headers.get("x-hub-signature-256", "")):
        return problem(403, "bad_signature", "X-Hub-Signature-256 does not match the body")
    try:
        event = json.loads(body)
    except ValueError:
        return problem(400, "invalid_json", "the body must be a JSON object")
    if not isinstance(event, dict):
        return problem(422, "invalid_event", "the body must be a JSON object")
    await channel.receive(event)
    return JSONResponse({"ok": True})
