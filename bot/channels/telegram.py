"""Telegram: updates in (parsed by python-telegram-bot), messages out through the Bot API.

Inbound (webhook or polling, `telegram_webhook.py`) becomes an `Incoming` for the pipeline:

    text                          as typed (commands like /menu included)
    button press                  callback_data "b:<message id>:<index>" -> that stored button's
                                  payload; a press on another user's message is refused; every
                                  callback query is answered (answerCallbackQuery)
    voice, video note, audio      /voice_note      sticker, GIF   /sticker
    location, venue               /location        contact card   /contact
    photo, document, video        the caption, with the file reference as an attachment (kept
                                  only while the user has an open case)
    edited message                /edited_message, once per message: an edit is not answered
                                  again (re-running a booking step from an old message would
                                  surprise); the user is asked to send it anew
    group and supergroup          only commands, mentions and replies to the bot are answered,
                                  with /group_chat: "write to me privately" (data stays private)
    anything else                 /unsupported_message; service messages and other update
                                  kinds are ignored

Outbound, from the outbox: plain text (no parse mode, so nothing needs escaping) cut below
4,096 UTF-16 units at paragraphs or lines, the buttons as an inline keyboard on the last part.
"""

from __future__ import annotations

import logging
import os
import re
import warnings
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from telegram import (
    Bot,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    MessageEntity,
    Update,
)
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.request import HTTPXRequest
from telegram.warnings import PTBDeprecationWarning

from bot.channels.base import Incoming, Outgoing
from bot.channels.split import split_text, utf16_length
from bot.channels.telegram_request import AiohttpRequest
from bot.db import channel_queries as cq
from bot.db.engine import Database
from bot.db.models import User
from bot.outbox import RetryLater, Undeliverable
from bot.pipeline import Pipeline
from bot.ratelimit import Limits
from bot.render import Renderer
from bot.settings import Settings

log = logging.getLogger(__name__)

CHANNEL = "telegram"
TEXT_LIMIT = 4000  # Telegram allows 4,096; a margin for what it counts differently
POLL_TIMEOUT = 30
ALLOWED_UPDATES = ("message", "edited_message", "callback_query")
_CALLBACK = re.compile(r"^b:(\d{1,18}):(\d{1,3})$")
_CHAT_ID = re.compile(r"-?[0-9]{1,20}")
_PRIVATE = "private"
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


def callback_data(message_id: int, index: int) -> str:
    """The callback_data of button `index` of stored message `message_id` (under 64 bytes)."""
    return f"b:{message_id}:{index}"


def attachment_of(message: Message) -> dict[str, Any] | None:
    """The file reference of a photo, document or video (never the file itself)."""
    if message.photo:
        photo = message.photo[-1]  # the largest size
        return {
            "kind": "photo",
            "file_id": photo.file_id,
            "file_unique_id": photo.file_unique_id,
            "file_size": photo.file_size,
            "mime_type": "image/jpeg",
        }
    media = message.document or message.video
    if media is None:
        return None
    return {
        "kind": "document" if message.document else "video",
        "file_id": media.file_id,
        "file_unique_id": media.file_unique_id,
        "file_size": media.file_size,
        "mime_type": media.mime_type,
        "file_name": media.file_name,
    }


def _kind_command(message: Message) -> str | None:
    """The payload-like text for a message that is not plain text, or None to ignore it."""
    if message.voice or message.video_note or message.audio:
        return "/voice_note"
    if message.sticker or message.animation:  # a GIF arrives as animation (and document)
        return "/sticker"
    if message.location or message.venue:
        return "/location"
    if message.contact:
        return "/contact"
    if message.effective_attachment is not None:  # polls, dice, games, stories, …
        return "/unsupported_message"
    return None  # service messages (pins, members joining, …)


def _addressed_to_bot(message: Message, username: str | None, bot_id: int | None) -> bool:
    """In a group: a command (not for another bot), a mention or a reply to the bot."""
    text = message.text or message.caption or ""
    if text.startswith("/"):
        target = text.split(maxsplit=1)[0].partition("@")[2]
        return not target or (username is not None and target.lower() == username.lower())
    if username is not None:
        mentions = message.parse_entities([MessageEntity.MENTION]).values()
        if any(m.lower() == f"@{username.lower()}" for m in mentions):
            return True
    reply = message.reply_to_message
    return bool(reply and reply.from_user and bot_id and reply.from_user.id == bot_id)


def incoming_of(
    message: Message, *, edited: bool, username: str | None = None, bot_id: int | None = None
) -> Incoming | None:
    """The pipeline's view of a Telegram message, or None when the bot should stay silent."""
    chat = str(message.chat.id)
    key = f"m{message.message_id}"
    if message.chat.type != _PRIVATE:
        if edited or not _addressed_to_bot(message, username, bot_id):
            return None
        return Incoming(CHANNEL, chat, "/group_chat", key, {"kind": "group"})
    if edited:  # one note per edited message, however often it is edited
        return Incoming(CHANNEL, chat, "/edited_message", f"e{message.message_id}", {})
    if message.text is not None:
        return Incoming(CHANNEL, chat, message.text, key, {"kind": "text"})
    attachment = attachment_of(message)
    if attachment is not None:
        attachment["caption"] = message.caption
        return Incoming(
            CHANNEL,
            chat,
            message.caption or "",
            key,
            {"kind": attachment["kind"], "attachment": attachment},
        )
    command = _kind_command(message)
    if command is None:
        return None
    return Incoming(CHANNEL, chat, command, key, {"kind": command[1:]})


def bodies_of(message: Outgoing) -> list[dict[str, Any]]:
    """Text parts below Telegram's limit; the buttons on the last part."""
    parts: list[dict[str, Any]] = [
        {"text": part} for part in split_text(message.text or "…", TEXT_LIMIT, utf16_length)
    ]
    if message.buttons and message.message_id is not None:
        parts[-1]["buttons"] = [
            {"text": b.title, "data": callback_data(message.message_id, i)}
            for i, b in enumerate(message.buttons)
        ]
    return parts


def retry_seconds(exc: RetryAfter) -> float:
    """The wait Telegram asked for, in seconds (an int or a timedelta, by PTB version)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class TelegramChannel:
    """The Telegram adapter: parses updates for the pipeline and sends outbox rows."""

    name = CHANNEL

    def __init__(
        self, settings: Settings, db: Database, pipeline: Pipeline, renderer: Renderer
    ) -> None:
        # PTB 22 warns on every flood error unless durations are opted in to timedelta
        # (its next major version's default); `retry_seconds` reads either form
        os.environ.setdefault("PTB_TIMEDELTA", "true")
        self.db = db
        self.pipeline = pipeline
        self.renderer = renderer
        self.secret = settings.telegram_webhook_secret
        self.limits = Limits(
            settings.telegram_rate, settings.telegram_chat_rate, settings.telegram_chat_burst
        )
        self.bot = Bot(
            settings.telegram_token,
            base_url=settings.telegram_api_base_url,
            request=AiohttpRequest(
                connection_pool_size=64,
                read_timeout=settings.platform_timeout,
                write_timeout=settings.platform_timeout,
            ),
            get_updates_request=HTTPXRequest(read_timeout=10.0),  # long polling: rare
        )
        self.username: str | None = None
        self.bot_id: int | None = None

    async def start(self) -> None:
        """Opens the HTTP client and learns the bot's username (for mentions in groups)."""
        try:
            await self.bot.initialize()
        except TelegramError as exc:  # the message of InvalidToken carries the token
            log.warning("Telegram getMe failed (%s); group mentions unknown", type(exc).__name__)
            return
        self.username, self.bot_id = self.bot.username, self.bot.id

    async def close(self) -> None:
        await self.bot.shutdown()

    def update_of(self, data: Mapping[str, Any]) -> Update | None:
        """An Update from webhook JSON, or None when PTB cannot read it."""
        try:
            return Update.de_json(dict(data), self.bot)
        except Exception:  # a shape PTB does not know: logged and acknowledged, not retried
            log.warning("Telegram update %s could not be parsed", data.get("update_id"))
            return None

    async def receive(self, update: Update) -> None:
        """Answers one update through the pipeline; the replies go out through the outbox."""
        if update.callback_query is not None:
            await self._press(update.callback_query)
            return
        message = update.message or update.edited_message
        if message is None:
            return  # other update kinds: nothing to answer
        incoming = incoming_of(
            message,
            edited=update.edited_message is not None,
            username=self.username,
            bot_id=self.bot_id,
        )
        if incoming is not None:
            await self.pipeline.handle(incoming)

    async def _press(self, query: CallbackQuery) -> None:
        """Resolves a button press against the stored message, answers the query, handles it."""
        presser = str(query.from_user.id)
        # a signed update can still be malformed: data that is not a string is no press
        match = _CALLBACK.match(query.data) if isinstance(query.data, str) else None
        async with self.db.transaction() as session:
            press = None
            if match is not None:
                press = await cq.press(session, CHANNEL, presser, int(match[1]), int(match[2]))
            language = press.language if press else await cq.language_of(session, CHANNEL, presser)
        if press is None:
            lang = language or self.pipeline.default_language
            await self._answer_query(query, self.renderer.text(lang, "channel.button_old"))
            return
        await self._answer_query(query, None)
        await self.pipeline.handle(
            Incoming(CHANNEL, presser, press.payload, f"c{query.id}", {"kind": "button"})
        )

    async def _answer_query(self, query: CallbackQuery, text: str | None) -> None:
        try:
            await self.bot.answer_callback_query(query.id, text=text, show_alert=bool(text))
        except TelegramError as exc:  # too old, or answered before (a redelivery)
            log.info("answerCallbackQuery failed: %s", type(exc).__name__)

    # --- the outbox side (bot.outbox.Platform) ---

    def recipient(self, user: User) -> str:
        return user.channel_user_id

    def bodies(self, message: Outgoing, language: str) -> list[dict[str, Any]]:
        return bodies_of(message)

    def window_open(self, last_inbound_at: datetime | None) -> bool:
        return True  # Telegram has no messaging window

    def notice(self, kind: str, language: str) -> dict[str, Any] | None:
        return None

    async def send(self, recipient: str, body: Mapping[str, Any]) -> str | None:
        """sendMessage; Telegram's errors mapped to retry, or refused for good."""
        buttons = body.get("buttons") or ()
        markup = (
            InlineKeyboardMarkup(
                [[InlineKeyboardButton(b["text"], callback_data=b["data"])] for b in buttons]
            )
            if buttons
            else None
        )
        if not _CHAT_ID.fullmatch(recipient):  # only a malformed update gives such a chat
            raise Undeliverable("telegram: the chat id is not a number")
        try:
            sent = await self.bot.send_message(
                chat_id=int(recipient),
                text=str(body["text"]),
                reply_markup=markup,
                link_preview_options=NO_PREVIEW,  # sources' links would fill a phone screen
            )
        except RetryAfter as exc:
            raise RetryLater("telegram: flood control (429)", retry_seconds(exc)) from exc
        except (BadRequest, Forbidden, ChatMigrated) as exc:
            raise Undeliverable(f"telegram: {type(exc).__name__}: {exc.message}") from exc
        except NetworkError as exc:  # 5xx, timeouts, connection errors
            raise RetryLater(f"telegram: {type(exc).__name__}: {exc.message}") from exc
        except TelegramError as exc:  # InvalidToken and the like: maybe fixed by a restart
            raise RetryLater(f"telegram: {type(exc).__name__}") from exc
        return str(sent.message_id)
