"""OPP sessions and desk days in the console over HTTP, on SQLite and PostgreSQL: the list,
creating and cancelling sessions, the attendee list of a chat booking, attendance, cancelling
with waitlist promotion (the promoted person reads it in the web chat), CSV, roles, LTSAs, CSRF."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from sqlalchemy import select

from bot.booking import opening
from bot.booking.directory import add_session
from bot.booking.seats import Attendee, book_desk, book_opp
from bot.db import queries as q
from bot.db.models import AuditEntry, Booking, OppSession, utcnow
from nlu.dates import TZ
from tests.bot.console.conftest import Console

CODE = re.compile(r"\bOPP-[A-HJKMNP-Z2-9]{4}\b")


@pytest.fixture
def console_env() -> dict[str, str]:
    """No demo sessions: each test makes the sessions it needs."""
    return {"LTSA_DEMO_DATA": "0"}


def soon(days: int = 3, hour: int = 9) -> dt.datetime:
    """A start `days` days from today, Asia/Jakarta."""
    day = dt.datetime.now(TZ).date() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour), tzinfo=TZ)


async def new_session(
    console: Console, ltsa: str = "ponorogo", capacity: int = 30, days: int = 3
) -> int:
    async with console.db.transaction() as session:
        opp = await add_session(session, ltsa, soon(days), capacity, "Aula Disnaker")
        return opp.id


def buttons(replies: list[dict[str, object]]) -> list[str]:
    found = replies[-1].get("buttons") or []
    assert isinstance(found, list)
    return [str(b["payload"]) for b in found]


async def book_in_chat(console: Console, sender: str, name: str) -> str:
    """Books the first OPP session of Ponorogo through the web chat, pressing the buttons;
    returns the code, or "" when the user went on the waitlist."""
    await console.say(sender, '/change_language{"language":"id"}')
    replies = await console.say(sender, '/book_opp{"ltsa":"ponorogo"}')
    replies = await console.say(sender, buttons(replies)[0])  # the session, or the waitlist
    replies = await console.say(sender, buttons(replies)[0])  # consent
    replies = await console.say(sender, name)
    replies = await console.say(sender, buttons(replies)[0])  # yes
    text = "\n".join(str(r["text"]) for r in replies)
    found = CODE.search(text)
    assert found or "daftar tunggu" in text, text
    return found.group(0) if found else ""


async def booking(console: Console, code: str) -> Booking:
    async with console.db.transaction() as session:
        found = await session.scalar(select(Booking).where(Booking.code == code))
        assert found is not None
        return found


async def actions(console: Console) -> set[str]:
    async with console.db.transaction() as session:
        return set(await session.scalars(select(AuditEntry.action)))


async def test_sessions_are_listed_and_created_with_the_service_of_ltsa_opp_add(
    console: Console,
) -> None:
    await console.add_staff("ketua@ltsa.test", role="supervisor", ltsa_slug="ponorogo")
    boss = await console.login("ketua@ltsa.test")
    empty = await boss.get("/console/sessions")
    assert empty.status_code == 200 and "Belum ada sesi OPP" in empty.text
    assert 'href="/console/sessions">Sesi OPP</a>' in empty.text  # in the navigation
    start = soon(5)
    form = {"date": start.date().isoformat(), "time": "09:30", "capacity": "20"}
    made = await console.post(
        boss, "/console/sessions", **form, place="Aula Disnaker", language="jv"
    )
    assert made.status_code == 303
    page = await boss.get(made.headers["location"])
    assert "Sesi OPP dibuat." in page.text and "Basa Jawa" in page.text
    async with console.db.transaction() as session:
        opp = (await session.scalars(select(OppSession))).one()
    assert opp.starts_at == start.replace(minute=30)
    assert (opp.capacity, opp.place, opp.language, opp.seats_taken) == (
        20,
        "Aula Disnaker",
        "jv",
        0,
    )
    listing = await boss.get("/console/sessions")
    assert "Aula Disnaker" in listing.text and "0 / 20" in listing.text
    assert "09.30</a>" in listing.text  # Asia/Jakarta wall time

    again = await console.post(boss, "/console/sessions", **form, language="id")
    assert again.status_code == 422 and "sudah punya sesi OPP" in again.text
    past = {**form, "date": (start.date() - dt.timedelta(days=30)).isoformat()}
    refused = await console.post(boss, "/console/sessions", **past, language="id")
    assert refused.status_code == 422 and "sudah lewat" in refused.text
    odd = await console.post(boss, "/console/sessions", **{**form, "capacity": "0"}, language="id")
    assert odd.status_code == 422 and "antara 1 dan" in odd.text
    offered = await console.say("u1", '/book_opp{"ltsa":"ponorogo"}')
    assert f'/opp_step{{"session":{opp.id}}}' in buttons(offered)  # bookable in the chat at once
    assert {"view_sessions", "create_session"} <= await actions(console)


async def test_a_chat_booking_is_on_the_attendee_list_and_attendance_is_marked(
    console: Console,
) -> None:
    session_id = await new_session(console)
    code = await book_in_chat(console, "u1", "Siti Aminah")
    await console.add_staff("sari@ltsa.test", ltsa_slug="ponorogo")
    worker = await console.login("sari@ltsa.test")
    listing = await worker.get("/console/sessions")
    assert "1 / 30" in listing.text
    page = await worker.get(f"/console/sessions/{session_id}")
    assert page.status_code == 200
    row = page.text[page.text.index(code) :]
    assert "Siti Aminah" in row and "terdaftar" in row and "sendiri" in row and "web" in row
    assert "Batalkan</button>" not in page.text, "a case worker does not cancel bookings"
    held = await booking(console, code)
    mark = f"/console/sessions/{session_id}/bookings/{held.id}/mark"
    marked = await console.post(worker, mark, status="attended")
    assert marked.status_code == 303 and "done=marked" in marked.headers["location"]
    assert (await booking(console, code)).status == "attended"
    page = await worker.get(f"/console/sessions/{session_id}")
    assert "Kehadiran dicatat." not in page.text  # only right after the action
    assert "hadir" in page.text[page.text.index(code) :]
    await console.post(worker, mark, status="no_show")
    assert (await booking(console, code)).status == "no_show"
    await console.post(worker, mark, status="booked")  # the mark taken back
    assert (await booking(console, code)).status == "booked"
    assert (await console.post(worker, mark, status="maybe")).status_code == 409
    assert {"view_session", "mark_attendance"} <= await actions(console)


async def test_cancelling_a_booking_gives_the_seat_to_the_waitlist_who_is_told(
    console: Console,
) -> None:
    session_id = await new_session(console, capacity=1)
    code = await book_in_chat(console, "u1", "Siti Aminah")
    assert await book_in_chat(console, "u2", "Budi Santoso") == ""  # full: waitlisted
    await console.add_staff("sari@ltsa.test", ltsa_slug="ponorogo")
    await console.add_staff("ketua@ltsa.test", role="supervisor", ltsa_slug="ponorogo")
    boss = await console.login("ketua@ltsa.test")
    page = await boss.get(f"/console/sessions/{session_id}")
    waitlist = page.text[page.text.index("Daftar tunggu</h2>") :]
    assert "Budi Santoso" in waitlist and "Tidak ada yang menunggu" not in waitlist
    held = await booking(console, code)
    cancel = f"/console/sessions/{session_id}/bookings/{held.id}/cancel"
    worker = await console.login("sari@ltsa.test")
    assert (await console.post(worker, cancel)).status_code == 403
    before = await console.pushed("u2")

    done = await console.post(boss, cancel)
    assert done.status_code == 303 and "done=promoted" in done.headers["location"]
    assert (await booking(console, code)).status == "cancelled"
    told = await console.pushed("u2", after=before[-1]["id"] if before else 0)
    new_code = CODE.search(told[-1]["text"])
    assert new_code and "Kabar baik!" in told[-1]["text"], told
    promoted = await booking(console, new_code.group(0))
    assert (promoted.attendee_name, promoted.status) == ("Budi Santoso", "booked")
    page = await boss.get(done.headers["location"])
    assert "diberikan ke orang pertama di daftar tunggu" in page.text
    assert "Tidak ada yang menunggu" in page.text and "1 terisi dari 1" in page.text
    assert (await console.post(boss, cancel)).status_code == 409  # cancelled already
    assert "cancel_booking" in await actions(console)


async def test_the_attendee_csv_is_safe_from_spreadsheet_formulas(console: Console) -> None:
    session_id = await new_session(console)
    code = await book_in_chat(console, "u1", "Siti Aminah")
    async with console.db.transaction() as session:
        villager = await q.user_for(session, "web", "kopi-1")
        evil = Attendee(villager.id, "=HYPERLINK(evil)", "id", "coordinator", for_other=True)
        result = await book_opp(session, session_id, evil, utcnow())
        assert result.booking is not None
    await console.add_staff("sari@ltsa.test", ltsa_slug="ponorogo")
    worker = await console.login("sari@ltsa.test")
    export = await worker.get(f"/console/sessions/{session_id}/attendees.csv")
    assert export.status_code == 200
    assert export.headers["content-type"].startswith("text/csv")
    assert "attachment" in export.headers["content-disposition"]
    table = list(csv.reader(io.StringIO(export.text)))
    assert table[0] == ["code", "name", "status", "start", "channel", "booked_by_coordinator"]
    by_code = {row[0]: row for row in table[1:]}
    assert by_code[code][1:3] == ["Siti Aminah", "booked"]
    assert by_code[code][3] == soon().strftime("%Y-%m-%d %H:%M")
    assert by_code[result.booking.code][1] == "'=HYPERLINK(evil)"
    assert by_code[result.booking.code][5] == "yes"
    assert "export_attendees" in await actions(console)


async def test_a_session_is_cancelled_only_while_nobody_is_booked(console: Console) -> None:
    empty = await new_session(console, days=4)
    taken = await new_session(console, days=5)
    async with console.db.transaction() as session:
        user = await q.user_for(session, "web", "u9")
        assert (await book_opp(session, taken, Attendee(user.id, "Ani", "id"), utcnow())).booking
    await console.add_staff("admin@ltsa.test", role="ltsa_admin", ltsa_slug="ponorogo")
    admin = await console.login("admin@ltsa.test")
    refused = await console.post(admin, f"/console/sessions/{taken}/cancel")
    assert refused.status_code == 409
    assert "masih punya 1 pendaftar" in refused.text and "satu per satu" in refused.text
    done = await console.post(admin, f"/console/sessions/{empty}/cancel")
    assert done.status_code == 303
    async with console.db.transaction() as session:
        statuses = {o.id: o.status for o in await session.scalars(select(OppSession))}
    assert statuses == {empty: "cancelled", taken: "scheduled"}
    listing = await admin.get("/console/sessions")
    assert "Sesi OPP dibatalkan." in (await admin.get(done.headers["location"])).text
    assert "dibatalkan" in listing.text
    offered = await console.say("u1", '/book_opp{"ltsa":"ponorogo"}')
    assert f'/opp_step{{"session":{empty}}}' not in buttons(offered)
    assert "cancel_session" in await actions(console)


async def test_roles_and_ltsas_limit_what_staff_see_and_do(console: Console) -> None:
    ponorogo = await new_session(console)
    blitar = await new_session(console, ltsa="blitar")
    code = await book_in_chat(console, "u1", "Siti Aminah")
    held = await booking(console, code)
    await console.add_staff("sari@ltsa.test", ltsa_slug="ponorogo")
    await console.add_staff("blitar@ltsa.test", role="supervisor", ltsa_slug="blitar")
    await console.add_staff("kopi@ltsa.test", role="coordinator", ltsa_slug="ponorogo")
    await console.add_staff("pusat@ltsa.test", role="supervisor")  # every LTSA
    worker = await console.login("sari@ltsa.test")
    form = {"date": soon(9).date().isoformat(), "time": "08:00", "capacity": "10"}
    assert (
        await console.post(worker, "/console/sessions", **form, language="id")
    ).status_code == 403
    assert (await console.post(worker, f"/console/sessions/{ponorogo}/cancel")).status_code == 403
    assert "Buat sesi" not in (await worker.get("/console/sessions")).text
    assert (await worker.get(f"/console/sessions/{blitar}")).status_code == 404

    other = await console.login("blitar@ltsa.test")
    listing = await other.get("/console/sessions")
    assert f"/console/sessions/{ponorogo}" not in listing.text
    assert f"/console/sessions/{blitar}" in listing.text
    for path in (f"/console/sessions/{ponorogo}", f"/console/sessions/{ponorogo}/attendees.csv"):
        assert (await other.get(path)).status_code == 404
    mark = f"/console/sessions/{ponorogo}/bookings/{held.id}/mark"
    assert (await console.post(other, mark, status="attended")).status_code == 404
    cancel = f"/console/sessions/{ponorogo}/bookings/{held.id}/cancel"
    assert (await console.post(other, cancel)).status_code == 404
    assert (await console.post(other, f"/console/sessions/{ponorogo}/cancel")).status_code == 404
    assert (await booking(console, code)).status == "booked"

    coordinator = await console.login("kopi@ltsa.test")
    for path in ("/console/sessions", f"/console/sessions/{ponorogo}", "/console/desks"):
        assert (await coordinator.get(path)).status_code == 403
    assert "/console/sessions" not in (await coordinator.get("/console/cases")).text

    everywhere = await console.login("pusat@ltsa.test")
    listing = await everywhere.get("/console/sessions")
    assert f"/console/sessions/{ponorogo}" in listing.text
    assert f"/console/sessions/{blitar}" in listing.text
    assert '<select name="ltsa"' in listing.text  # chooses the LTSA of a new session


async def test_every_post_needs_the_forms_token(console: Console) -> None:
    session_id = await new_session(console)
    code = await book_in_chat(console, "u1", "Siti Aminah")
    held = await booking(console, code)
    await console.add_staff("ketua@ltsa.test", role="supervisor", ltsa_slug="ponorogo")
    boss = await console.login("ketua@ltsa.test")
    form = {"date": soon(9).date().isoformat(), "time": "08:00", "capacity": "10"}
    assert (await boss.post("/console/sessions", data=form)).status_code == 403
    forged = {"status": "attended", "csrf": "guess"}
    mark = f"/console/sessions/{session_id}/bookings/{held.id}/mark"
    assert (await boss.post(mark, data=forged)).status_code == 403
    token = await console.token(boss)
    elsewhere = await boss.post(
        f"/console/sessions/{session_id}/bookings/{held.id}/cancel",
        data={"csrf": token},
        headers={"Origin": "http://evil.test"},
    )
    assert elsewhere.status_code == 403
    assert (await booking(console, code)).status == "booked"
    async with console.db.transaction() as session:
        assert len(list(await session.scalars(select(OppSession)))) == 1


async def open_day(console: Console) -> dt.date:
    """The next day Ponorogo takes desk appointments (not today)."""
    async with console.db.transaction() as session:
        ltsa = await opening.ltsa_row(session, "ponorogo")
        assert ltsa is not None
        day = dt.datetime.now(TZ).date()
        while True:
            day += dt.timedelta(days=1)
            if (await opening.check_day(session, ltsa, day, utcnow())).refusal is None:
                return day


async def test_a_desk_day_shows_its_slots_and_people_and_marks_attendance(
    console: Console,
) -> None:
    day = await open_day(console)
    at = dt.datetime.combine(day, dt.time(9), tzinfo=TZ)
    async with console.db.transaction() as session:
        user = await q.user_for(session, "web", "u1")
        who = Attendee(user.id, "Siti Aminah", "id")
        result = await book_desk(session, "ponorogo", "disnaker", at, who, utcnow())
        assert result.booking is not None
        code, booking_id = result.booking.code, result.booking.id
    await console.add_staff("sari@ltsa.test", ltsa_slug="ponorogo")
    await console.add_staff("blitar@ltsa.test", ltsa_slug="blitar")
    worker = await console.login("sari@ltsa.test")
    today = await worker.get("/console/desks")
    assert today.status_code == 200 and 'value="ponorogo/disnaker"' in today.text
    assert 'value="blitar/' not in today.text
    query = {"desk": "ponorogo/disnaker", "day": day.isoformat()}
    page = await worker.get("/console/desks", params=query)
    assert page.status_code == 200 and "Disnaker" in page.text
    slot = page.text[page.text.index("<b>09.00</b>") :]
    assert slot.index(code) < slot.index("Siti Aminah") < slot.index("</tr>")
    assert "1 / 2" in slot[: slot.index("</tr>")]
    assert "<b>08.00</b>" in page.text and "kosong" in page.text  # a free slot too
    marked = await console.post(
        worker, f"/console/desks/bookings/{booking_id}/mark", status="attended"
    )
    assert marked.status_code == 303
    assert "desk=ponorogo%2Fdisnaker" in marked.headers["location"]
    assert f"day={day.isoformat()}" in marked.headers["location"]
    assert (await booking(console, code)).status == "attended"
    export = await worker.get("/console/desks/day.csv", params=query)
    table = list(csv.reader(io.StringIO(export.text)))
    assert [row[:3] for row in table[1:]] == [[code, "Siti Aminah", "attended"]]

    other = await console.login("blitar@ltsa.test")
    assert (await other.get("/console/desks", params=query)).status_code == 404
    assert (await other.get("/console/desks/day.csv", params=query)).status_code == 404
    refused = await console.post(
        other, f"/console/desks/bookings/{booking_id}/mark", status="no_show"
    )
    assert refused.status_code == 404
    assert {"view_desk_day", "export_desk_day", "mark_attendance"} <= await actions(console)
