"""The path of one message: store it, understand it, let the flows decide, store and return the
answer. Every channel calls `Pipeline.handle`; nothing else answers users.

    typed text:
        store inbound (bot.intake; a redelivered one gets the answer given before): someone
            known on PostgreSQL in one statement, else in a transaction, the NLU parsing meanwhile
        the language (explicit choice wins)
        in one transaction with the conversation locked:
            flows.dispatch -> actions; apply them (state, language, LTSA, case); render;
            store replies; mark the message answered
    a button press of someone known (no NLU, nothing to wait for between the two):
        in one transaction with the conversation locked: store it as answered, then as above
        (an answer that fails rolls it all back: the press is then stored on its own and
        answered or apologised for, like typed text)
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable
from functools import partial
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from bot import intake
from bot.booking import seats
from bot.booking.ics import CalendarLinks
from bot.booking.push import Push, push
from bot.booking.resolve import Context, resolve
from bot.booking.seats import SeatGone
from bot.casework.hours import OfficeHours
from bot.casework.rules import CaseRules
from bot.channels.base import Incoming, Outgoing
from bot.db import queries as q
from bot.db.engine import Database
from bot.db.models import Conversation as ConversationRow
from bot.db.models import User, change
from bot.db.outage import DatabaseUnavailable, is_outage
from bot.effects import apply_actions
from bot.flowstore import ContentStore, TurnStore
from bot.intake import outgoing
from bot.language import LanguageChoice, choose_language
from bot.metrics import stage
from bot.render import Renderer
from bot.text import clean_text, nlu_text
from bot.understood import Understood, drop, pressed_button, with_staff_preference
from flows import Conversation, Entity, Turn, dispatch, payload
from flows.actions import (
    Ask,
    Option,
)
from flows.menu import main_menu
from nlu.client import NluUnavailable, Parse
from nlu.danger import danger_match
from nlu.langid import Detection, LanguageDetector

log = logging.getLogger(__name__)


class Parser(Protocol):
    """What the pipeline needs of the NLU."""

    async def parse(self, text: str) -> Parse: ...


class Outbox(Protocol):
    """Queues stored replies for a platform, in the transaction that stored them."""

    async def enqueue(
        self, session: AsyncSession, user_id: int, messages: list[Outgoing]
    ) -> None: ...


class Pipeline:
    """Handles one incoming message and returns the replies (already stored)."""

    def __init__(
        self,
        db: Database,
        nlu: Parser,
        detector: LanguageDetector,
        renderer: Renderer,
        default_language: str = "id",
        clock: Callable[[], dt.datetime] | None = None,
        calendar: CalendarLinks | None = None,
        send: Push = push,
        outbox: Outbox | None = None,
        casework: CaseRules | None = None,
    ) -> None:
        self.db = db
        self.outbox = outbox
        self.nlu = nlu
        self.detector = detector
        self.renderer = renderer
        self.store = ContentStore(renderer.content)
        self.default_language = default_language
        self.clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self.calendar = calendar
        self.send = send  # messages to other users (a seat freed from the waitlist)
        # handoff routing, office hours, erasure; the bot is silent while a person has the chat
        self.casework = casework or CaseRules(OfficeHours.of(renderer.content.ltsa))

    async def handle(self, incoming: Incoming) -> list[Outgoing]:
        """Stores the message, answers it, stores and returns the answer."""
        text = clean_text(incoming.text)
        dedupe = (
            intake.dedupe_key(incoming.channel, incoming.user_id, incoming.message_id)
            if incoming.message_id
            else None
        )
        pressed = pressed_button(text)
        attachment = isinstance(incoming.metadata.get("attachment"), dict)
        if pressed is not None and not attachment:
            answered = await self._press(incoming, text, dedupe, pressed)
            if answered is not None:
                return answered
        # typed text: Rasa parses it while it is stored, once the bot is known to have the chat
        # (a case worker's chat never goes to the NLU); a redelivery drops that parse
        parsing: list[asyncio.Task[Understood]] = []

        def parse_early(mode: str) -> None:
            if pressed is None and not attachment and mode != "human":
                parsing.append(asyncio.create_task(self.understand(text)))

        try:
            with stage("store"):
                stored = await intake.store(self.db, incoming, text, dedupe, parse_early)
        except Exception as exc:  # not stored: no reply may pretend it was
            drop(parsing)
            if is_outage(exc):
                raise DatabaseUnavailable(str(exc)) from exc
            raise
        # stored but never answered (a crash before the answer): answered now
        if stored.answered is not None:
            drop(parsing)
            log.info("redelivered message %s answered from the store", stored.message_id)
            return stored.answered
        stored_text = stored.text
        detection: Detection | None
        if parsing:
            detection = self._detect(stored_text)  # while Rasa still parses
            understood = await parsing[0]
        else:
            understood = await self.understand(stored_text, nlu=not stored.with_person)
            detection = None if understood.turn.is_button else self._detect(stored_text)
        understood = with_staff_preference(understood)
        try:
            with stage("answer"):
                answer = partial(
                    self._answer,
                    stored.user_id,
                    stored.message_id,
                    stored_text,
                    understood,
                    detection,
                    incoming.channel,
                    dedupe is not None,
                )
                try:
                    return await answer()
                except SeatGone:  # the promised seat went to someone else: answer again
                    return await answer(defer_seats=False)
        except Exception as exc:
            if is_outage(exc):  # stored but not answered: its redelivery is answered
                raise DatabaseUnavailable(str(exc)) from exc
            log.exception("could not answer message %s", stored.message_id)
            return await self._apologise(stored.user_id, stored.message_id, incoming.channel)

    async def _press(
        self, incoming: Incoming, text: str, dedupe: str | None, pressed: Understood
    ) -> list[Outgoing] | None:
        """A button press of someone the service knows, stored and answered in one
        transaction (no NLU between the two); None when it takes the usual path (a first
        contact, a redelivery not yet answered, an answer that failed: it is then stored on
        its own and answered or apologised for there)."""
        try:
            with stage("answer"):
                try:
                    return await self._press_once(incoming, text, dedupe, pressed)
                except SeatGone:
                    return await self._press_once(
                        incoming, text, dedupe, pressed, defer_seats=False
                    )
        except Exception as exc:  # rolled back: the press is stored apart and answered again
            if is_outage(exc):
                raise DatabaseUnavailable(str(exc)) from exc
            log.exception("a button press failed in one transaction; stored on its own")
            return None

    async def _press_once(
        self,
        incoming: Incoming,
        text: str,
        dedupe: str | None,
        pressed: Understood,
        *,
        defer_seats: bool = True,
    ) -> list[Outgoing] | None:
        turn = pressed.turn
        answered = q.Answered(turn.intent, turn.confidence, None, pressed.payload)
        async with self.db.transaction() as session:
            if defer_seats:
                seats.defer_seats(session)
            state = await q.press_state(session, incoming.channel, incoming.user_id)
            if state is None:
                return None
            user, conv = state
            message, duplicate = await q.store_inbound(
                session, user, incoming.channel, text, dedupe, answered
            )
            if duplicate:
                previous = await q.replies_to(session, message.id)
                return [outgoing(m) for m in previous] if message.handled or previous else None
            return await self._reply(
                session, conv, user, message.id, text, pressed, incoming.channel, None
            )

    async def understand(self, text: str, *, nlu: bool = True) -> Understood:
        """A Turn from a button payload or command, or from the NLU (degraded when it is down);
        `nlu=False`: typed text is not interpreted (a case worker reads it)."""
        pressed = pressed_button(text)
        if pressed is not None:
            return pressed
        if not nlu:
            # a cry for help is still recognised (the lexicon is local and cheap): the worker's
            # case becomes urgent and the user gets the lines at once
            danger = "emergency" if danger_match(text) else None
            return Understood(Turn(text=text, intent=danger, nlu_available=False), None)
        clean = nlu_text(text)
        if not any(ch.isalnum() for ch in clean):
            return Understood(
                Turn(
                    text=text, intent="empty_message" if not clean else "no_words", confidence=1.0
                ),
                None,
            )
        try:
            with stage("nlu"):
                parse = await self.nlu.parse(clean)
        except NluUnavailable:
            return Understood(Turn(text=text, intent="nlu_fallback", nlu_available=False), None)
        turn = Turn(
            text=text,
            intent=parse.intent,
            confidence=parse.confidence,
            ranking=parse.ranking,
            entities=tuple(Entity(e.entity, e.value) for e in parse.entities),
        )
        return Understood(turn, None)

    def _detect(self, text: str) -> Detection:
        with stage("language"):
            return self.detector.detect(nlu_text(text))

    async def _answer(
        self,
        user_id: int,
        message_id: int,
        text: str,
        understood: Understood,
        detection: Detection | None,
        channel: str,
        redeliverable: bool = True,
        *,
        defer_seats: bool = True,
    ) -> list[Outgoing]:
        turn = understood.turn
        async with self.db.transaction() as session:
            if defer_seats:  # an OPP seat's row is locked only from `settle` to the commit
                seats.defer_seats(session)
            conv, user, handled = await q.turn_state(session, user_id, message_id, lock=True)
            # a redelivery answered meanwhile (only a message with a platform id comes twice)
            if redeliverable and handled:
                return [outgoing(m) for m in await q.replies_to(session, message_id)]
            answered = q.Answered(
                turn.intent,
                turn.confidence,
                detection.language if detection else None,
                understood.payload,
            )
            return await self._reply(
                session, conv, user, message_id, text, understood, channel, detection, answered
            )

    async def _reply(
        self,
        session: AsyncSession,
        conv: ConversationRow,
        user: User,
        message_id: int,
        text: str,
        understood: Understood,
        channel: str,
        detection: Detection | None,
        answered: q.Answered | None = None,
    ) -> list[Outgoing]:
        """Decides, stores and queues the answer to a stored message, in the caller's
        transaction, with the conversation locked; `answered`: what to record on the message
        (None: recorded when it was stored)."""
        turn = understood.turn
        if conv.flow and user.language:
            # an answer inside a flow (a name, a village, a date) says nothing of the
            # language the person wants: "Siti Aminah" must not switch it
            detection = None
        choice = choose_language(
            user.language, user.language_source, detection, self.default_language
        )
        change(user, language=choice.language, language_source=choice.source)
        view = Conversation(
            flow=conv.flow,
            state=conv.state,
            slots=dict(conv.slots),
            ltsa=user.ltsa_slug,
            misses=conv.misses,
            mode=conv.mode,
        )
        now = self.clock()
        store = TurnStore(self.store.content, session, user.id, now)
        actions = await dispatch(turn, view, store)
        # booking actions change seats here; their result picks what the user is told
        context = Context(user, now, self.renderer, self.calendar, self.send)
        actions, booked = await resolve(session, actions, context)
        actions = await self.casework.resolve(session, actions, user, now)
        applied = await apply_actions(
            session, actions, user, conv, message_id, text, self.casework, self.clock()
        )
        extra = {**booked, **applied}
        replies = self.renderer.render(actions, user.language or self.default_language, extra)
        if conv.mode != "human":  # with a person the bot says nothing, not even this
            replies += self._language_offer(choice, conv)
        stored = await q.store_outbound(
            session, user.id, channel, replies, reply_to=message_id, language=user.language
        )
        if self.outbox is not None:
            await self.outbox.enqueue(session, user.id, stored)
        if answered is not None:
            await q.mark_handled(session, message_id, answered)
        await seats.settle(session)  # last: raises SeatGone, and all of this rolls back
        return stored

    def _language_offer(self, choice: LanguageChoice, conv: ConversationRow) -> list[Outgoing]:
        """Offers to switch to the language the user seems to write in (once per language)."""
        if choice.offer is None or conv.slots.get("_offered") == choice.offer:
            return []
        conv.slots = {**conv.slots, "_offered": choice.offer}
        ask = Ask(
            "language.offer",
            (Option("language.offer_yes", payload("change_language", language=choice.offer)),),
        )
        return self.renderer.render([ask], choice.offer)

    async def _apologise(self, user_id: int, message_id: int, channel: str) -> list[Outgoing]:
        """When answering failed: a short apology with the menu, stored like any reply."""
        replies = self.renderer.render([main_menu("system.error")], self.default_language)
        try:
            async with self.db.transaction() as session:
                stored = await q.store_outbound(
                    session, user_id, channel, replies, reply_to=message_id, language=None
                )
                if self.outbox is not None:
                    await self.outbox.enqueue(session, user_id, stored)
                return stored
        except Exception:
            log.exception("could not store the apology for message %s", message_id)
            return replies
