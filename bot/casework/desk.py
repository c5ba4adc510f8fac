"""What staff do with a case; the console's routes call these and nothing else.

Each function runs in the caller's transaction, checks `policy` first, records a case event
and an audit entry, and tells the user through `Pusher.push` (the web chat fetches it; on
Telegram and WhatsApp the outbox sends it). Taking a case gives the conversation to the worker
(`Conversation.mode = "human"`): the bot is silent until the case is closed.

    CaseworkError
     ├── NotAllowed     the staff member's role, LTSA or gender does not allow it
     └── WrongState     the case is not in a state for it (closed, not taken, empty text)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from bot.casework import policy
from bot.casework.rules import CaseRules
from bot.channels.base import Outgoing
from bot.db import queries as q
from bot.db import staff_queries as sq
from bot.db.models import Case, CaseEvent, CaseNote, Staff, User, utcnow
from bot.render import Renderer
from flows.actions import Action, Say
from flows.menu import main_menu

MAX_TEXT = 4000
OUTCOMES = ("resolved", "referred", "no_response", "duplicate", "other")


class CaseworkError(Exception):
    """A case action that cannot be done; `code` names it for the console."""

    code = "casework_error"


class NotAllowed(CaseworkError):
    code = "not_allowed"


class WrongState(CaseworkError):
    code = "wrong_state"


class Pusher(Protocol):
    """`bot.delivery.Delivery`: stores messages for a user and queues them for their channel."""

    async def push(
        self, session: AsyncSession, user: User, messages: Sequence[Outgoing], *, kind: str
    ) -> list[Outgoing]: ...


class WebPusher:
    """Stores pushed messages only (the web chat and terminal fetch them; no outbox)."""

    async def push(
        self, session: AsyncSession, user: User, messages: Sequence[Outgoing], *, kind: str
    ) -> list[Outgoing]:
        return await q.store_outbound(
            session,
            user.id,
            user.channel,
            messages,
            reply_to=None,
            language=user.language,
            delivery="push",
        )


def actor(staff: Staff) -> str:
    return f"staff:{staff.id}"


class CaseDesk:
    """Take, assign, take over, reply, note, close; and taking over a bot conversation."""

    def __init__(
        self, rules: CaseRules, renderer: Renderer, pusher: Pusher, default_language: str = "id"
    ) -> None:
        self.rules = rules
        self.renderer = renderer
        self.pusher = pusher
        self.default_language = default_language

    async def notify(
        self,
        session: AsyncSession,
        user: User,
        actions: Sequence[Action],
        kind: str,
        **params: str,
    ) -> None:
        """Tells the user something from content, in their language, on their channel."""
        language = user.language or self.default_language
        messages = self.renderer.render(actions, language, params)
        await self.pusher.push(session, user, messages, kind=kind)

    async def _give(
        self, session: AsyncSession, case: Case, staff: Staff, event: str, by: Staff, ip: str
    ) -> None:
        """The case and the conversation go to `staff`; the user hears a person joined."""
        first = case.assignee_id is None
        case.assignee_id = staff.id
        case.status = "assigned"
        detail = {"to": staff.id} if by.id != staff.id else {}
        session.add(CaseEvent(case_id=case.id, kind=event, actor=actor(by), detail=detail))
        sq.audit(session, by, event, case_number=case.number, ip=ip, **detail)
        conv = await q.conversation_for(session, case.user_id, lock=True)
        conv.mode = "human"
        conv.flow = conv.state = None
        user = await session.get_one(User, case.user_id)
        if first:
            await self.notify(session, user, [Say("handoff.joined")], "case_taken")

    async def take(self, session: AsyncSession, staff: Staff, case: Case, ip: str) -> None:
        """The staff member takes the case (a supervisor may take it from a colleague)."""
        if not policy.can_take(staff, case):
            raise NotAllowed("this case cannot be taken by you")
        event = "taken" if case.assignee_id is None else "taken_over"
        await self._give(session, case, staff, event, staff, ip)

    async def assign(
        self, session: AsyncSession, by: Staff, case: Case, to: Staff, ip: str
    ) -> None:
        """A supervisor gives the case to a staff member (or moves it to another)."""
        if not policy.supervises(by) or not policy.can_see(by, case) or case.status == "closed":
            raise NotAllowed("only a supervisor may assign this case")
        if not policy.can_be_assigned(to, case):
            raise NotAllowed("this staff member cannot be given the case")
        event = "assigned" if case.assignee_id is None else "reassigned"
        await self._give(session, case, to, event, by, ip)

    async def reply(
        self, session: AsyncSession, staff: Staff, case: Case, text: str, ip: str
    ) -> None:
        """Sends the worker's words to the user, marked as coming from staff."""
        body = text.strip()
        if not policy.can_reply(staff, case):
            raise NotAllowed("take the case before replying")
        if not body or len(body) > MAX_TEXT:
            raise WrongState(f"a reply has 1 to {MAX_TEXT} characters")
        user = await session.get_one(User, case.user_id)
        stored = await self.pusher.push(
            session, user, [Outgoing(body, sender="staff")], kind="staff_reply"
        )
        now = utcnow()
        case.first_response_at = case.first_response_at or now
        case.last_response_at = now
        detail = {"message_id": stored[0].message_id} if stored else {}
        session.add(CaseEvent(case_id=case.id, kind="reply", actor=actor(staff), detail=detail))
        sq.audit(session, staff, "reply", case_number=case.number, ip=ip)

    async def note(
        self, session: AsyncSession, staff: Staff, case: Case, text: str, ip: str
    ) -> None:
        """Adds an internal note, which the user never sees."""
        body = text.strip()
        if not policy.can_note(staff, case):
            raise NotAllowed("you cannot see this case")
        if not body or len(body) > MAX_TEXT:
            raise WrongState(f"a note has 1 to {MAX_TEXT} characters")
        session.add(CaseNote(case_id=case.id, staff_id=staff.id, text=body, created_at=utcnow()))
        session.add(CaseEvent(case_id=case.id, kind="note", actor=actor(staff)))
        sq.audit(session, staff, "note", case_number=case.number, ip=ip)

    async def close(
        self, session: AsyncSession, staff: Staff, case: Case, outcome: str, ip: str
    ) -> None:
        """Closes the case with an outcome; the user is told and the bot answers again."""
        if not policy.can_close(staff, case):
            raise NotAllowed("only the assignee or a supervisor may close this case")
        if outcome not in OUTCOMES:
            raise WrongState(f"outcome must be one of {', '.join(OUTCOMES)}")
        number = case.number
        sq.audit(session, staff, "close", case_number=number, ip=ip, outcome=outcome)
        user = await session.get_one(User, case.user_id)
        await self.rules.close(session, case, outcome=outcome, actor=actor(staff), now=utcnow())
        await self.notify(
            session, user, [main_menu("handoff.closed")], "case_closed", case_number=number
        )

    async def take_over_conversation(
        self, session: AsyncSession, staff: Staff, user: User, ip: str
    ) -> Case:
        """A supervisor takes a conversation from the bot: a case is opened and theirs."""
        if not policy.supervises(staff):
            raise NotAllowed("only a supervisor may take over a conversation")
        if staff.ltsa_slug is not None and user.ltsa_slug not in (None, staff.ltsa_slug):
            raise NotAllowed("this conversation belongs to another LTSA")
        case = await q.open_case(
            session,
            user,
            kind="human_request",
            reason="takeover",
            priority="normal",
            language=user.language,
        )
        if case.ltsa_slug is None:
            case.ltsa_slug = user.ltsa_slug or self.rules.settings.default_ltsa
        if case.status != "closed" and case.assignee_id == staff.id:
            return case
        if not policy.can_take(staff, case):
            raise NotAllowed("this case cannot be taken by you")
        event = "taken_over" if case.assignee_id is not None else "taken"
        await self._give(session, case, staff, event, staff, ip)
        return case
