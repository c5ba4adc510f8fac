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
    on PostgreSQL both transactions are plain statements (bot.db.turns), an OPP booking too
    (bot.booking.direct); a turn that needs more (a case, another booking change): the ORM path
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from functools import partial
from typing import cast

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
from bot.db import turns
from bot.db.direct import Rollback, Transaction
from bot.db.engine import Database
from bot.db.models import Conversation as ConversationRow
from bot.db.models import User, change, utcnow
from bot.db.outage import DatabaseUnavailable, is_outage
from bot.db.turns import NeedsOrm, NoSession
from bot.delivery import Delivery
from bot.effects import apply_actions
from bot.flowstore import ContentStore, TurnStore
from bot.intake import outgoing
from bot.language import choose_language, language_offer
from bot.metrics import stage
from bot.render import Renderer
from bot.text import clean_text, nlu_text
from bot.understood import (
    Parser,
    Understood,
    drop,
    pressed_button,
    understand,
    with_staff_preference,
)
from flows import Conversation, dispatch
from flows.menu import main_menu
from nlu.langid import Detection, LanguageDetector

log = logging.getLogger(__name__)
NO_SESSION = cast(AsyncSession, NoSession())  # the direct path's: any use raises NeedsOrm


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
        outbox: Delivery | None = None,
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
        self.orm_turns = turns.OrmTurns()  # turns the direct path leaves to the ORM

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
                parsing.append(asyncio.create_task(understand(self.nlu, text)))

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
            understood = await understand(self.nlu, stored_text, interpret=not stored.with_person)
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
                turn = pressed.turn
                answered = q.Answered(turn.intent, turn.confidence, None, pressed.payload)
                begin = partial(
                    turns.begin_press,
                    channel=incoming.channel,
                    channel_user_id=incoming.user_id,
                    text=text,
                    dedupe_key=dedupe,
                    answered=answered,
                    now=utcnow(),
                )
                try:  # the seat promised on either path gone at the commit: taken in place
                    direct = await self._direct(begin, text, pressed, None, incoming.channel)
                    if direct is not None:
                        return direct
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

    async def _direct(
        self,
        begin: Callable[[Transaction], Awaitable[turns.TurnState | None]],
        text: str,
        understood: Understood,
        detection: Detection | None,
        channel: str,
        answered: q.Answered | None = None,
    ) -> list[Outgoing] | None:
        """A turn answered with plain statements on PostgreSQL (`bot.db.turns`), the same
        rows as `_reply` writes; None when it needs the ORM path (`begin` found nothing to
        answer, or the turn uses the database beyond the user's own conversation)."""
        intent = understood.turn.intent
        pool = self.db.direct
        if pool is None or not self.orm_turns.direct(intent):
            return None

        async def turn() -> tuple[list[Outgoing] | None, bool]:
            done: tuple[list[Outgoing] | None, bool] = (None, False)  # rolled back
            async with pool.transaction() as tx:
                state = await begin(tx)
                if state is None:
                    raise Rollback
                conv, user, message_id = state.conv, state.user, state.message_id
                try:
                    replies = await self._decide(
                        NO_SESSION, conv, user, message_id, text, understood, detection, tx
                    )
                except NeedsOrm:
                    self.orm_turns.needed(intent)
                    raise Rollback from None
                queue = self.outbox.outbox_rows if self.outbox is not None else None
                done = await turns.finish(tx, state, channel, replies, queue, answered, utcnow())
            return done

        try:
            answer, queued = await turn()
        except SeatGone:  # the OPP session filled meanwhile: read again, it is full now (or
            answer, queued = await turn()  # a seat freed since is promised once more)
        if answer is not None:
            self.orm_turns.sufficed(intent)
        if queued and self.outbox is not None:
            self.outbox.kick()  # after the commit: before it, the sender would not see the rows
        return answer

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
        language = detection.language if detection else None
        answered = q.Answered(turn.intent, turn.confidence, language, understood.payload)
        if defer_seats:  # not after SeatGone: that answer is a booking's, the ORM path's
            begin = partial(
                turns.begin_answer, user_id=user_id, message_id=message_id, again=redeliverable
            )
            direct = await self._direct(begin, text, understood, detection, channel, answered)
            if direct is not None:
                return direct
        async with self.db.transaction() as session:
            if defer_seats:  # an OPP seat's row is locked only from `settle` to the commit
                seats.defer_seats(session)
            conv, user, handled = await q.turn_state(session, user_id, message_id, lock=True)
            # a redelivery answered meanwhile (only a message with a platform id comes twice)
            if redeliverable and handled:
                return [outgoing(m) for m in await q.replies_to(session, message_id)]
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
        replies = await self._decide(session, conv, user, message_id, text, understood, detection)
        stored = await q.store_outbound(
            session, user.id, channel, replies, reply_to=message_id, language=user.language
        )
        if self.outbox is not None:
            await self.outbox.enqueue(session, user.id, stored)
        if answered is not None:
            await q.mark_handled(session, message_id, answered)
        await seats.settle(session)  # last: raises SeatGone, and all of this rolls back
        return stored

    async def _decide(
        self,
        session: AsyncSession,
        conv: ConversationRow,
        user: User,
        message_id: int,
        text: str,
        understood: Understood,
        detection: Detection | None,
        tx: Transaction | None = None,
    ) -> list[Outgoing]:
        """The answer to a stored message, the state it changes applied to `user`, `conv` and
        the session (the direct path gives a `NoSession`: a turn that uses it raises, and its
        transaction `tx`: OPP sessions are read and booked there)."""
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
        store = TurnStore(self.store.content, session, user.id, now, tx)
        actions = await dispatch(turn, view, store)
        # booking actions change seats here; their result picks what the user is told
        context = Context(user, now, self.renderer, self.calendar, self.send, tx)
        actions, booked = await resolve(session, actions, context)
        actions = await self.casework.resolve(session, actions, user, now)
        applied = await apply_actions(
            session, actions, user, conv, message_id, text, self.casework, self.clock(), tx
        )
        extra = {**booked, **applied}
        replies = self.renderer.render(actions, user.language or self.default_language, extra)
        offer = language_offer(choice, conv.slots)
        if offer is not None and conv.mode != "human":  # with a person the bot says nothing
            conv.slots = {**conv.slots, "_offered": offer.language}
            replies += self.renderer.render([offer.ask], offer.language)
        return replies

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
