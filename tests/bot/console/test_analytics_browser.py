"""The analytics page in real Chromium (Debian's, at /usr/bin/chromium) against `ltsa serve`:
a month of made-up traffic (messages on three channels in four languages, intents, questions
not understood, FAQ feedback, bookings with attendance, cases) is charted for an LTSA admin.

Saves reports/analytics.png (desktop) and reports/analytics-phone.png.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import random
from collections.abc import Callable, Iterator

import pytest
from playwright.async_api import Browser, ConsoleMessage, expect
from sqlalchemy import select

from bot.booking.directory import sync_directory
from bot.content import load_content
from bot.db import queries as q
from bot.db.engine import Database
from bot.db.models import (
    Booking,
    Case,
    ContentGap,
    FaqFeedback,
    Ltsa,
    Message,
    OppSession,
    utcnow,
)
from tests.bot.console.browser import add_staff, need_chromium, service_env, serving
from tests.conftest import ROOT, TEST_SECRET_KEY

pytestmark = pytest.mark.browser

REPORTS = ROOT / "reports"
WAIT = 30_000  # ms: every wait is bounded
EMAIL, PASSWORD = "admin@ltsa.test", "kata sandi admin yang panjang"
INTENTS = [
    ("faq/passport", 9),
    ("faq/documents_required", 7),
    ("book_opp", 6),
    ("greet", 6),
    ("faq/placement_costs", 4),
    ("nlu_fallback", 4),
    ("human_request", 3),
    ("faq/bpjs_membership", 3),
    ("ask_opp_schedule", 2),
    ("report_exploitation", 1),
    ("subscribe", 1),
]
QUESTIONS = ["kartu kuning itu apa", "gaji di taiwan berapa", "bisa berangkat umur 17"]


async def seed(url: str) -> None:
    """A month of traffic, written straight into the service's database."""
    rng = random.Random(7)
    db = Database(url, ROOT)
    await db.migrate()
    now = utcnow()
    async with db.transaction() as session:
        content = load_content(ROOT / "content")
        await sync_directory(session, content, slot_minutes=30, slot_capacity=2, demo=False)
        users = []
        for i in range(60):
            user = await q.user_for(session, ("telegram", "whatsapp", "web")[i % 3], f"u{i}")
            user.language = ("id", "jv", "su", "mad", "id")[i % 5]
            user.ltsa_slug = "ponorogo"
            users.append(user)
        await session.flush()
        weights = [w for _, w in INTENTS]
        for day in range(30):
            at = now - dt.timedelta(days=29 - day, hours=rng.randint(0, 8))
            for _ in range(rng.randint(8, 30) + day // 2):
                user = rng.choice(users)
                intent = rng.choices([i for i, _ in INTENTS], weights)[0]
                typed = intent not in {"greet", "subscribe"}
                message = Message(
                    user_id=user.id,
                    direction="in",
                    sender="user",
                    channel=user.channel,
                    text=rng.choice(QUESTIONS) if intent == "nlu_fallback" else "…",
                    payload=None if typed else f"/{intent}",
                    language=user.language,
                    intent=intent,
                    handled=True,
                    created_at=at,
                )
                session.add(message)
                await session.flush()
                if intent == "nlu_fallback" or rng.random() < 0.03:
                    reason = "fallback" if intent == "nlu_fallback" else "out_of_scope"
                    session.add(
                        ContentGap(
                            message_id=message.id,
                            question=message.text,
                            reason=reason,
                            language=user.language,
                            nearest=[],
                            created_at=at,
                        )
                    )
                if intent.startswith("faq/") and rng.random() < 0.4:
                    session.add(
                        FaqFeedback(
                            user_id=user.id,
                            topic=intent.split("/")[1],
                            helpful=rng.random() < 0.75,
                            language=user.language,
                            created_at=at,
                        )
                    )
        ltsa = (await session.scalars(select(Ltsa.id).where(Ltsa.slug == "ponorogo"))).one()
        for week in range(5):
            starts = now - dt.timedelta(days=7 * week + 1)
            opp = OppSession(
                ltsa_id=ltsa, starts_at=starts, place="Disnaker", capacity=30, seats_taken=0
            )
            session.add(opp)
            await session.flush()
            for n in range(rng.randint(6, 20)):
                status = "no_show" if rng.random() < 0.15 + 0.04 * week else "attended"
                session.add(
                    Booking(
                        code=f"OPP-{week}{n:03d}",
                        kind="opp" if n % 4 else "desk",
                        user_id=None,
                        ltsa_id=ltsa,
                        opp_session_id=opp.id,
                        starts_at=starts,
                        status=status,
                        created_at=starts - dt.timedelta(days=rng.randint(1, 6)),
                    )
                )
        kinds = ["human_request"] * 8 + ["protection"] * 4 + ["family"] * 3 + ["emergency"]
        for i, kind in enumerate(kinds):
            opened = now - dt.timedelta(days=rng.randint(0, 28), hours=rng.randint(0, 6))
            answered = opened + dt.timedelta(minutes=rng.randint(3, 90)) if i % 5 else None
            session.add(
                Case(
                    number=f"K2612-{i:04d}",
                    user_id=users[i].id,
                    kind=kind,
                    reason="user_request",
                    priority="normal",
                    status="closed" if answered else "open",
                    ltsa_slug="ponorogo",
                    created_at=opened,
                    first_response_at=answered,
                )
            )
    await db.dispose()


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    """`ltsa serve` with its own SQLite database, seeded with a month of traffic."""
    need_chromium()
    tmp = tmp_path_factory.mktemp("analytics")
    # TEST_SECRET_KEY: the texts this test writes are readable
    env = service_env(tmp, TEST_SECRET_KEY, LTSA_DEMO_DATA="false")
    account = ["--email", EMAIL, "--name", "Admin LTSA", "--role", "ltsa_admin"]
    add_staff(env, *account, "--password", PASSWORD)
    asyncio.run(seed(env["DATABASE_URL"]))
    with serving(env, tmp) as url:
        yield url, env


def _collect_errors(errors: list[str]) -> Callable[[ConsoleMessage], None]:
    def on_message(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(message.text)

    return on_message


async def test_the_analytics_page_charts_a_month_of_traffic(
    service: tuple[str, dict[str, str]], browser: Browser
) -> None:
    url, _ = service
    REPORTS.mkdir(exist_ok=True)
    for name, viewport in (("analytics", (1280, 900)), ("analytics-phone", (390, 844))):
        context = await browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
        page = await context.new_page()
        errors: list[str] = []
        page.on("console", _collect_errors(errors))
        await page.goto(f"{url}/console/login")
        await page.fill("#email", EMAIL)
        await page.fill("#password", PASSWORD)
        await page.click("button[type=submit]")
        await expect(page.locator("h1")).to_have_text("Antrean kasus", timeout=WAIT)
        await page.get_by_role("link", name="Analitik").click()
        await expect(page.locator("h1")).to_have_text("Analitik", timeout=WAIT)
        await expect(page.locator(".chart svg")).to_have_count(10, timeout=WAIT)
        await expect(page.locator("table.small")).to_contain_text(QUESTIONS[0], timeout=WAIT)
        await page.screenshot(path=str(REPORTS / f"{name}.png"), full_page=True)
        assert errors == []  # no CSP violation: the charts use no inline styles or scripts
        await context.close()
