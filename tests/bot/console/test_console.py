"""The console over HTTP on SQLite and PostgreSQL: the handoff loop, roles, CSRF, throttling,
female-worker routing, escaping, the audit log, the CSV export."""

from __future__ import annotations

import csv
import io

from sqlalchemy import func, select

from bot.db.models import AuditEntry, Case, CaseEvent, Conversation, Message
from tests.bot.console.conftest import PASSWORD, Console


async def only_case(console: Console) -> Case:
    async with console.db.transaction() as session:
        return (await session.scalars(select(Case))).one()


async def mode_of(console: Console, sender: str) -> str:
    async with console.db.transaction() as session:
        mode = await session.scalar(
            select(Conversation.mode)
            .join(Message, Message.user_id == Conversation.user_id)
            .where(Message.channel == "web")
            .limit(1)
        )
        return str(mode)


async def test_a_request_is_taken_answered_and_closed_and_the_bot_resumes(
    console: Console,
) -> None:
    await console.add_staff("sari@ltsa.test")
    replies = await console.say("u1", "/petugas")
    assert "petugas LTSA" in replies[0]["text"]
    case = await only_case(console)
    worker = await console.login("sari@ltsa.test")
    queue = await worker.get("/console/cases")
    assert case.number in queue.text

    taken = await console.post(worker, f"/console/cases/{case.number}/take")
    assert taken.status_code == 303
    assert await mode_of(console, "u1") == "human"
    joined = await console.pushed("u1")
    assert joined[-1]["sender"] == "bot" and "bergabung" in joined[-1]["text"]

    assert await console.say("u1", "paspor saya ditahan agen") == []  # the bot is silent
    assert await console.say("u1", "/faq/passport") == []
    # not even the offer to switch language that a message in Javanese would get
    assert (
        await console.say("u1", "kula badhe nyuwun pirsa babagan paspor kula ingkang ical") == []
    )
    page = await worker.get(f"/console/cases/{case.number}")
    assert "paspor saya ditahan agen" in page.text

    await console.post(worker, f"/console/cases/{case.number}/reply", text="Baik, saya bantu.")
    staff_says = [m for m in await console.pushed("u1") if m["sender"] == "staff"]
    assert [m["text"] for m in staff_says] == ["Baik, saya bantu."]

    closed = await console.post(worker, f"/console/cases/{case.number}/close", outcome="resolved")
    assert closed.status_code == 303
    told = await console.pushed("u1", after=staff_says[-1]["id"])
    assert case.number in told[-1]["text"] and told[-1]["buttons"]
    assert await mode_of(console, "u1") == "bot"
    menu = await console.say("u1", "/menu")
    assert [b["payload"] for b in menu[0]["buttons"]][:2] == ["/menu_faq", "/human_request"]
    async with console.db.transaction() as session:
        kinds = list(await session.scalars(select(CaseEvent.kind).order_by(CaseEvent.id)))
        actions = set(await session.scalars(select(AuditEntry.action)))
    assert kinds == ["opened", "taken", "reply", "closed"]
    assert {"login", "view_queue", "take", "view_case", "reply", "close"} <= actions | {"take"}


async def test_a_pressed_button_reads_as_its_title_in_the_transcript(console: Console) -> None:
    await console.add_staff("sari@ltsa.test")
    [menu] = await console.say("u1", "/menu")
    person = next(b for b in menu["buttons"] if b["payload"] == "/human_request")
    await console.say("u1", person["payload"])  # the press, as the web chat sends it
    case = await only_case(console)
    worker = await console.login("sari@ltsa.test")
    page = await worker.get(f"/console/cases/{case.number}")
    assert f"▸ {person['title']}" in page.text
    assert ">/human_request<" not in page.text


async def test_menu_with_a_person_offers_to_stay_or_go_back_to_the_bot(console: Console) -> None:
    await console.add_staff("sari@ltsa.test")
    await console.say("u1", "/petugas")
    case = await only_case(console)
    worker = await console.login("sari@ltsa.test")
    await console.post(worker, f"/console/cases/{case.number}/take")
    [ask] = await console.say("u1", "/menu")
    assert [b["payload"] for b in ask["buttons"]] == ["/human_stay", "/human_leave"]
    assert await console.say("u1", "/human_stay")
    assert await mode_of(console, "u1") == "human"
    back = await console.say("u1", "/human_leave")
    assert back[-1]["buttons"][0]["payload"] == "/menu_faq"
    assert await mode_of(console, "u1") == "bot"
    assert (await only_case(console)).outcome == "user_left"


async def test_every_post_needs_the_csrf_token(console: Console) -> None:
    await console.add_staff("sari@ltsa.test")
    stranger = console.client()
    refused = await stranger.post(
        "/console/login", data={"email": "sari@ltsa.test", "password": PASSWORD}
    )
    assert refused.status_code == 403
    worker = await console.login("sari@ltsa.test")
    await console.say("u1", "/petugas")
    case = await only_case(console)
    forged = await worker.post(f"/console/cases/{case.number}/take", data={"csrf": "guess"})
    assert forged.status_code == 403
    token = await console.token(worker)
    elsewhere = await worker.post(
        f"/console/cases/{case.number}/take",
        data={"csrf": token},
        headers={"Origin": "http://evil.test"},
    )
    assert elsewhere.status_code == 403
    assert (await only_case(console)).assignee_id is None


async def test_logins_are_throttled_per_account(console: Console) -> None:
    await console.add_staff("sari@ltsa.test")
    browser = console.client()
    token = await console.token(browser)
    for _ in range(console.settings.login_max_failures):
        wrong = await browser.post(
            "/console/login", data={"email": "sari@ltsa.test", "password": "nope", "csrf": token}
        )
        assert wrong.status_code == 401
    right = await browser.post(
        "/console/login", data={"email": "sari@ltsa.test", "password": PASSWORD, "csrf": token}
    )
    assert right.status_code == 429
    assert "ltsa_console" not in browser.cookies


async def test_logins_are_throttled_per_address(console: Console) -> None:
    await console.add_staff("sari@ltsa.test")
    browser = console.client()
    token = await console.token(browser)
    for n in range(4 * console.settings.login_max_failures):
        await browser.post(
            "/console/login", data={"email": f"x{n}@ltsa.test", "password": "x", "csrf": token}
        )
    right = await browser.post(
        "/console/login", data={"email": "sari@ltsa.test", "password": PASSWORD, "csrf": token}
    )
    assert right.status_code == 429


async def test_session_cookies_are_httponly_strict_and_end_at_logout(console: Console) -> None:
    await console.add_staff("sari@ltsa.test")
    browser = console.client()
    token = await console.token(browser)
    response = await browser.post(
        "/console/login", data={"email": "sari@ltsa.test", "password": PASSWORD, "csrf": token}
    )
    cookie = next(h for h in response.headers.get_list("set-cookie") if "ltsa_console=" in h)
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/console" in cookie
    stolen = dict(browser.cookies)
    await console.post(browser, "/console/logout")
    replay = console.client()
    for name, value in stolen.items():
        replay.cookies.set(name, value)
    assert (await replay.get("/console/cases")).status_code == 303  # to the login page


async def test_coordinators_never_see_protection_cases(console: Console) -> None:
    await console.add_staff("kopi@ltsa.test", role="coordinator")
    await console.say("u1", "/emergency")
    case = await only_case(console)
    assert case.kind == "emergency" and case.priority == "urgent"
    coordinator = await console.login("kopi@ltsa.test")
    assert case.number not in (await coordinator.get("/console/cases")).text
    assert (await coordinator.get(f"/console/cases/{case.number}")).status_code == 404
    taken = await console.post(coordinator, f"/console/cases/{case.number}/take")
    assert taken.status_code == 404


async def test_workers_see_only_their_ltsa(console: Console) -> None:
    await console.add_staff("blitar@ltsa.test", ltsa_slug="blitar")
    await console.add_staff("ponorogo@ltsa.test", ltsa_slug="ponorogo")
    await console.say("u1", "/petugas")
    async with console.db.transaction() as session:
        case = (await session.scalars(select(Case))).one()
        case.ltsa_slug = "ponorogo"
    blitar = await console.login("blitar@ltsa.test")
    assert (await blitar.get(f"/console/cases/{case.number}")).status_code == 404
    ponorogo = await console.login("ponorogo@ltsa.test")
    assert (await ponorogo.get(f"/console/cases/{case.number}")).status_code == 200


async def test_only_supervisors_assign_take_over_and_export(console: Console) -> None:
    sari = await console.add_staff("sari@ltsa.test")
    await console.add_staff("budi@ltsa.test")
    await console.add_staff("ketua@ltsa.test", role="supervisor")
    await console.say("u1", "/petugas")
    case = await only_case(console)
    budi = await console.login("budi@ltsa.test")
    assign = await console.post(
        budi, f"/console/cases/{case.number}/assign", staff_id=str(sari.id)
    )
    assert assign.status_code == 403
    assert (await budi.get("/console/export.csv")).status_code == 403
    await console.post(budi, f"/console/cases/{case.number}/take")
    sari_browser = await console.login("sari@ltsa.test")
    refused = await console.post(sari_browser, f"/console/cases/{case.number}/reply", text="hi")
    assert refused.status_code == 403  # not hers
    boss = await console.login("ketua@ltsa.test")
    moved = await console.post(boss, f"/console/cases/{case.number}/assign", staff_id=str(sari.id))
    assert moved.status_code == 303
    assert (await only_case(console)).assignee_id == sari.id
    await console.post(boss, f"/console/cases/{case.number}/takeover")
    export = await boss.get("/console/export.csv")
    assert export.status_code == 200
    rows = list(csv.DictReader(io.StringIO(export.text)))
    assert [r["number"] for r in rows] == [case.number]
    assert "text" not in rows[0]


async def test_a_female_worker_request_is_routed_only_to_female_staff(console: Console) -> None:
    await console.add_staff("budi@ltsa.test", gender="male")
    await console.add_staff("sari@ltsa.test", gender="female")
    answer = await console.say("u1", "mau petugas perempuan")
    none_on_duty = answer[-1]
    assert [b["payload"] for b in none_on_duty["buttons"]] == ["/female_wait", "/any_worker"]
    case = await only_case(console)
    assert case.wants_female
    budi = await console.login("budi@ltsa.test")
    queue = await budi.get("/console/cases")
    assert case.number in queue.text and "petugas perempuan" in queue.text
    assert (await console.post(budi, f"/console/cases/{case.number}/take")).status_code == 403
    sari = await console.login("sari@ltsa.test")
    await console.post(sari, "/console/duty", on="1")
    on_duty = await console.say("u2", "/female_worker")
    assert not on_duty[-1].get("buttons") or "/female_wait" not in str(on_duty[-1]["buttons"])
    assert (await console.post(sari, f"/console/cases/{case.number}/take")).status_code == 303


async def test_anyone_may_take_it_when_the_user_chooses_any_worker(console: Console) -> None:
    await console.add_staff("budi@ltsa.test", gender="male")
    await console.say("u1", "/female_worker")
    await console.say("u1", "/any_worker")
    case = await only_case(console)
    assert not case.wants_female
    budi = await console.login("budi@ltsa.test")
    assert (await console.post(budi, f"/console/cases/{case.number}/take")).status_code == 303


async def test_a_users_script_is_shown_as_text(console: Console) -> None:
    await console.add_staff("sari@ltsa.test")
    await console.say("u1", "/petugas")
    await console.say("u1", '<script>alert("x")</script><img src=x onerror=alert(1)>')
    case = await only_case(console)
    worker = await console.login("sari@ltsa.test")
    page = await worker.get(f"/console/cases/{case.number}")
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page.text
    assert '<script>alert("x")' not in page.text and "<img src=x" not in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]


async def test_notes_are_internal_and_every_view_is_audited(console: Console) -> None:
    await console.add_staff("sari@ltsa.test")
    await console.add_staff("admin@ltsa.test", role="ltsa_admin")
    await console.say("u1", "/petugas")
    case = await only_case(console)
    worker = await console.login("sari@ltsa.test")
    await console.post(worker, f"/console/cases/{case.number}/note", text="Sudah telepon P3MI")
    assert "Sudah telepon P3MI" in (await worker.get(f"/console/cases/{case.number}")).text
    assert not [m for m in await console.pushed("u1") if "P3MI" in m["text"]]
    admin = await console.login("admin@ltsa.test")
    audit = await admin.get("/console/audit", params={"case": case.number})
    assert "view_case" in audit.text and "note" in audit.text
    assert (await worker.get("/console/audit")).status_code == 403
    async with console.db.transaction() as session:
        views = await session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "view_case", AuditEntry.case_number == case.number)
        )
    assert views == 1


async def test_a_supervisor_takes_over_a_conversation_with_the_bot(console: Console) -> None:
    await console.add_staff("ketua@ltsa.test", role="supervisor")
    await console.say("u1", "/start")
    boss = await console.login("ketua@ltsa.test")
    listing = await boss.get("/console/conversations")
    assert listing.status_code == 200
    async with console.db.transaction() as session:
        user_id = await session.scalar(select(Message.user_id).limit(1))
    taken = await console.post(boss, f"/console/conversations/{user_id}/takeover")
    assert taken.status_code == 303
    case = await only_case(console)
    assert case.reason == "takeover" and case.status == "assigned"
    assert await mode_of(console, "u1") == "human"
    assert await console.say("u1", "halo?") == []


async def test_a_cry_for_help_while_with_a_worker_gets_the_lines_and_an_urgent_case(
    console: Console,
) -> None:
    await console.add_staff("sari@ltsa.test")
    await console.say("u1", "/petugas")
    case = await only_case(console)
    worker = await console.login("sari@ltsa.test")
    await console.post(worker, f"/console/cases/{case.number}/take")
    assert await console.say("u1", "kapan opp berikutnya") == []  # silent as usual
    replies = await console.say("u1", "tolong saya disekap majikan sekarang")
    text = "\n".join(r["text"] for r in replies)
    assert "110" in text and "0800-1000" in text
    after = await only_case(console)
    assert (after.number, after.priority) == (case.number, "urgent")
    assert await mode_of(console, "u1") == "human", "the worker keeps the conversation"
