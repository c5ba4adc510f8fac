"""Case work on SQLite and PostgreSQL: office hours, escalation (once, with several
processes), erasure with an open protection case, retention, encryption at rest."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from bot.casework import Casework, build
from bot.casework.hours import OfficeHours
from bot.content import Content
from bot.db import queries as q
from bot.db.engine import Database
from bot.db.models import Case, CaseEvent, CaseNote, Message, User
from bot.pipeline import Pipeline
from bot.render import Renderer
from bot.settings import load_settings
from nlu.client import RasaClient
from nlu.langid import LanguageDetector
from nlu.understand import Understander
from tests.conftest import ROOT
from tests.helpers import Chat, said

JAKARTA = dt.timezone(dt.timedelta(hours=7))
SATURDAY = dt.datetime(2026, 3, 7, 10, 0, tzinfo=JAKARTA)  # LTSA offices are closed
TUESDAY = dt.datetime(2026, 3, 10, 10, 0, tzinfo=JAKARTA)  # open 08.00-15.00


MakePipeline = Callable[[dt.datetime], Pipeline]


@pytest.fixture
def make_pipeline(
    database: Database, nlu_down: RasaClient, detector: LanguageDetector, renderer: Renderer
) -> MakePipeline:
    """The pipeline with its clock stopped at a moment."""

    def make(moment: dt.datetime) -> Pipeline:
        utc = moment.astimezone(dt.UTC)
        return Pipeline(database, Understander(nlu_down), detector, renderer, clock=lambda: utc)

    return make


def casework(database: Database, content: Content, renderer: Renderer, tmp_path: Path) -> Casework:
    settings = load_settings(
        {"DATABASE_URL": "sqlite://", "LTSA_SECRET_KEY": "k", "LTSA_VAR_DIR": str(tmp_path)}
    )
    return build(settings, database, content, renderer, None)


async def cases(database: Database) -> list[Case]:
    async with database.transaction() as session:
        return list(await session.scalars(select(Case).order_by(Case.id)))


def test_office_hours_come_from_the_ltsa_file_minus_holidays(content: Content) -> None:
    hours = OfficeHours.of(content.ltsa)
    ponorogo = hours.schedule("ponorogo")
    assert ponorogo.is_open(TUESDAY)
    assert not ponorogo.is_open(SATURDAY)
    assert ponorogo.next_opening(SATURDAY) == dt.datetime(2026, 3, 9, 8, 0, tzinfo=JAKARTA)
    assert not ponorogo.is_open(dt.datetime(2026, 8, 17, 9, 0, tzinfo=JAKARTA))  # Independence
    assert hours.schedule(None).is_open(TUESDAY)  # the default for an unknown LTSA


async def test_out_of_hours_the_user_hears_when_and_gets_the_hotlines(
    make_pipeline: MakePipeline, renderer: Renderer
) -> None:
    chat = Chat(make_pipeline(SATURDAY))
    await chat.send("/petugas")
    assert "di luar jam kerja" in chat.text()
    assert "Senin, 9 Maret 2026 08.00" in chat.text()
    assert all(number in chat.text() for number in ("0800-1000", "SAPA 129", "110"))
    assert said(renderer, "id", "handoff.female_offer") in chat.text()
    weekday = Chat(make_pipeline(TUESDAY), user="u2")
    await weekday.send("/petugas")
    assert "di luar jam kerja" not in weekday.text()


async def test_a_normal_case_escalates_after_the_pickup_time_of_office_hours(
    make_pipeline: MakePipeline, database: Database
) -> None:
    await Chat(make_pipeline(SATURDAY)).send("/petugas")
    await Chat(make_pipeline(SATURDAY), user="u2").send("/emergency")
    normal, urgent = await cases(database)
    assert normal.escalate_at == dt.datetime(2026, 3, 9, 8, 30, tzinfo=JAKARTA)
    assert urgent.escalate_at == SATURDAY + dt.timedelta(minutes=30)  # urgent: any time


async def test_an_untaken_case_is_escalated_once_with_the_hotlines(
    make_pipeline: MakePipeline,
    database: Database,
    content: Content,
    renderer: Renderer,
    tmp_path: Path,
) -> None:
    await Chat(make_pipeline(TUESDAY)).send("/petugas")
    work = casework(database, content, renderer, tmp_path)
    early = await work.sweeper.run_once(TUESDAY + dt.timedelta(minutes=10))
    assert early.escalated == 0
    later = TUESDAY + dt.timedelta(minutes=31)
    assert (await work.sweeper.run_once(later)).escalated == 1
    assert (await work.sweeper.run_once(later + dt.timedelta(hours=1))).escalated == 0
    [case] = await cases(database)
    assert case.escalated_at == later
    async with database.transaction() as session:
        events = list(
            await session.scalars(select(CaseEvent.kind).where(CaseEvent.case_id == case.id))
        )
        pushed = list(await session.scalars(select(Message).where(Message.delivery == "push")))
    assert events.count("escalated") == 1
    assert len(pushed) == 1 and "0800-1000" in pushed[0].text and case.number in pushed[0].text


async def test_two_processes_escalate_each_case_once(
    make_pipeline: MakePipeline,
    database: Database,
    content: Content,
    renderer: Renderer,
    tmp_path: Path,
) -> None:
    pipeline = make_pipeline(TUESDAY)
    for n in range(12):
        await Chat(pipeline, user=f"u{n}").send("/petugas")
    second_db = Database(database.url.render_as_string(hide_password=False), ROOT)
    try:
        one = casework(database, content, renderer, tmp_path)
        two = casework(second_db, content, renderer, tmp_path)
        later = TUESDAY + dt.timedelta(hours=1)
        counts = await asyncio.gather(
            one.sweeper.escalate(later), two.sweeper.escalate(later), one.sweeper.escalate(later)
        )
    finally:
        await second_db.dispose()
    assert sum(counts) == 12
    async with database.transaction() as session:
        escalations = await session.scalar(
            select(func.count()).select_from(CaseEvent).where(CaseEvent.kind == "escalated")
        )
        notices = await session.scalar(
            select(func.count()).select_from(Message).where(Message.delivery == "push")
        )
    assert escalations == 12 and notices == 12


async def test_erasing_without_a_case_removes_the_messages_and_profile(
    pipeline: Pipeline, renderer: Renderer
) -> None:
    chat = Chat(pipeline)
    for step in ("/start", "/faq/passport", "/hapus"):
        await chat.send(step)
    assert said(renderer, "id", "privacy.delete_confirm") in chat.text()
    async with pipeline.db.transaction() as session:
        before = await q.count_messages(session)
    assert before == 7  # nothing is erased before the user confirms
    await chat.press("Ya, hapus semua")
    assert said(renderer, "id", "privacy.erased") in chat.text()
    async with pipeline.db.transaction() as session:
        left = list(await session.scalars(select(Message)))
        user = (await session.scalars(select(User))).one()
    assert [m.text for m in left] == [chat.text()]  # only the confirmation, to be delivered
    assert user.ltsa_slug is None


async def test_erasing_keeps_what_an_open_protection_case_needs_until_it_closes(
    pipeline: Pipeline,
    renderer: Renderer,
    database: Database,
    content: Content,
    tmp_path: Path,
) -> None:
    chat = Chat(pipeline)
    await chat.send("/emergency")
    await chat.send("saya dikurung majikan")
    await chat.send("/hapus")
    await chat.press("Ya, hapus semua")
    assert said(renderer, "id", "privacy.erased_kept") in chat.text()
    [case] = await cases(database)
    async with database.transaction() as session:
        texts = list(await session.scalars(select(Message.text)))
        user = (await session.scalars(select(User))).one()
    assert "saya dikurung majikan" in texts and user.erase_requested_at is not None
    work = casework(database, content, renderer, tmp_path)
    async with database.transaction() as session:
        row = await session.get_one(Case, case.id)
        await work.rules.close(
            session, row, outcome="resolved", actor="staff:1", now=dt.datetime.now(dt.UTC)
        )
    async with database.transaction() as session:
        assert await q.count_messages(session) == 0
        assert await session.scalar(select(func.count()).select_from(Case)) == 0


async def test_retention_erases_silent_users_but_not_open_cases(
    pipeline: Pipeline, database: Database, content: Content, renderer: Renderer, tmp_path: Path
) -> None:
    await Chat(pipeline, user="old").send("/start")
    await Chat(pipeline, user="waiting").send("/petugas")
    await Chat(pipeline, user="recent").send("/start")
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=400)
    async with database.transaction() as session:
        for user in await session.scalars(select(User).where(User.channel_user_id != "recent")):
            user.created_at = long_ago
            for message in await session.scalars(
                select(Message).where(Message.user_id == user.id)
            ):
                message.created_at = long_ago
    work = casework(database, content, renderer, tmp_path)
    assert await work.sweeper.expire(dt.datetime.now(dt.UTC)) == 1
    async with database.transaction() as session:
        remaining = set(await session.scalars(select(User.channel_user_id)))
    assert remaining == {"waiting", "recent"}


async def test_message_texts_and_notes_are_encrypted_at_rest(
    pipeline: Pipeline, database: Database
) -> None:
    await Chat(pipeline).send("/emergency")
    await Chat(pipeline).send("nomor paspor saya A1234567")
    [case] = await cases(database)
    async with database.transaction() as session:
        session.add(CaseNote(case_id=case.id, staff_id=None, text="rumah aman di Blitar"))
    async with database.engine.connect() as conn:
        stored = list((await conn.execute(text("SELECT text FROM messages"))).scalars())
        notes = list((await conn.execute(text("SELECT text FROM case_notes"))).scalars())
    assert stored and all(value.startswith("enc:v1:") for value in stored + notes)
    assert not any("A1234567" in value or "Blitar" in value for value in stored + notes)
    async with database.transaction() as session:
        readable = list(await session.scalars(select(Message.text)))
    assert "nomor paspor saya A1234567" in readable
