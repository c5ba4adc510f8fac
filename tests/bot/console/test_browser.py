"""The whole handoff loop in real Chromium (Debian's, at /usr/bin/chromium), against the service
running for real (`ltsa serve` on a free port, SQLite, the NLU down so that typed text degrades
to buttons): a user asks for a person in the web chat, a case worker logs in, takes the case and
replies, the user reads it in the chat page, the worker closes the case, the bot answers again.

Saves reports/console-queue.png and reports/console-case.png (desktop) and their -phone twins;
the attendee list of an OPP session, reports/console-sessions.png and its -phone twin.
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from playwright.async_api import Browser, Page, expect

from nlu.dates import TZ
from tests.bot.console.browser import LTSA, add_staff, need_chromium, service_env, serving
from tests.conftest import ROOT

pytestmark = pytest.mark.browser

REPORTS = ROOT / "reports"
WAIT = 20_000  # ms: every wait is bounded
EMAIL, PASSWORD = "sari@ltsa.test", "kata sandi yang panjang"
SCRIPT = '<script>alert("x")</script> tolong saya'


@dataclass(frozen=True)
class Service:
    url: str
    env: dict[str, str]


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """`ltsa serve` in a subprocess with its own SQLite database and var/."""
    need_chromium()
    tmp = tmp_path_factory.mktemp("service")
    env = service_env(tmp, "browser-test-secret", NLU_TIMEOUT="1")
    account = ["--email", EMAIL, "--name", "Sari Wulandari", "--role", "case_worker"]
    add_staff(env, *account, "--gender", "female", "--password", PASSWORD)
    with serving(env, tmp) as url:
        yield Service(url, env)


async def log_in(page: Page, service: Service) -> None:
    await page.goto(f"{service.url}/console/login")
    await page.fill("#email", EMAIL)
    await page.fill("#password", PASSWORD)
    await page.click("button[type=submit]")
    await expect(page.locator("h1")).to_have_text("Antrean kasus", timeout=WAIT)


async def send(chat: Page, text: str) -> None:
    await chat.fill("#text", text)
    await chat.press("#text", "Enter")


def others_in_the_queue(service: Service) -> None:
    """An emergency and a request for a female worker, from other users (for the queue)."""
    for sender, message in (("wa-keluarga", "/emergency"), ("tg-ani", "/female_worker")):
        response = httpx.post(
            f"{service.url}/webhooks/rest/webhook",
            json={"sender": sender, "message": message},
            timeout=30,
        )
        assert response.status_code == 200


async def test_a_user_reaches_a_case_worker_and_back_to_the_bot(
    service: Service, browser: Browser
) -> None:
    others_in_the_queue(service)
    dialogs: list[str] = []
    user_context = await browser.new_context(viewport={"width": 390, "height": 844})
    chat = await user_context.new_page()
    chat.on("dialog", lambda d: dialogs.append(d.message))
    await chat.goto(f"{service.url}/")
    await send(chat, "halo")
    await chat.get_by_role("button", name="Bicara dgn petugas").click()
    await expect(chat.locator(".msg.bot").last).to_contain_text("petugas LTSA", timeout=WAIT)
    found = re.search(r"K\d{4}-\d{4}", await chat.locator(".msg.bot").last.inner_text())
    assert found, "the handoff answer names the case"
    case_number = found.group(0)

    worker_context = await browser.new_context(viewport={"width": 1280, "height": 900})
    console = await worker_context.new_page()
    console.on("dialog", lambda d: d.accept())
    await log_in(console, service)
    numbers = console.locator("a.number")
    await expect(numbers).to_have_count(3, timeout=WAIT)
    first = await numbers.first.inner_text()
    await expect(console.locator("tr", has=console.locator(f"text={first}"))).to_contain_text(
        "darurat"
    )  # emergencies first
    number = console.get_by_role("link", name=case_number)
    REPORTS.mkdir(exist_ok=True)
    await console.screenshot(path=str(REPORTS / "console-queue.png"), full_page=True)
    await number.click()
    await console.get_by_role("button", name="Ambil kasus").click()
    await expect(console.locator(".facts")).to_contain_text("bot diam", timeout=WAIT)
    await expect(chat.locator(".msg.bot").last).to_contain_text("bergabung", timeout=WAIT)

    bot_messages = await chat.locator(".msg.bot").count()
    await send(chat, SCRIPT)
    await expect(console.locator(".transcript .msg.user .text").last).to_have_text(
        SCRIPT, timeout=WAIT
    )
    assert await chat.locator(".msg.bot").count() == bot_messages, await chat.locator(
        ".msg.bot"
    ).all_inner_texts()  # the bot stayed silent

    await console.select_option("#canned", label="Salam pembuka")
    await expect(console.locator("#reply-text")).to_have_value(
        "Halo, saya petugas LTSA. Saya sudah membaca pesan Anda. "
        "Boleh ceritakan apa yang bisa saya bantu?"
    )
    await console.fill("#reply-text", "Halo, saya Sari dari LTSA. Anda sekarang di mana?")
    await console.get_by_role("button", name="Kirim ke pengguna").click()
    staff_reply = chat.locator(".msg.staff")
    await expect(staff_reply).to_contain_text("Anda sekarang di mana?", timeout=WAIT)
    assert await staff_reply.get_attribute("data-label") == "Petugas"
    await console.screenshot(path=str(REPORTS / "console-case.png"), full_page=True)
    await phone_screenshots(browser, service, case_number)

    await console.select_option("#outcome", "resolved")
    await console.get_by_role("button", name="Tutup kasus").click()
    await expect(console.locator(".facts")).to_contain_text("selesai", timeout=WAIT)
    await expect(chat.locator(".msg.bot").last).to_contain_text(case_number, timeout=WAIT)
    await send(chat, "menu")
    await expect(chat.get_by_role("button", name="Tanya prosedur").last).to_be_visible(
        timeout=WAIT
    )
    assert dialogs == []  # the user's <script> never ran, in the chat or the console


async def phone_screenshots(browser: Browser, service: Service, case_number: str) -> None:
    """The queue and the case on a phone-sized screen."""
    phone = await browser.new_context(viewport={"width": 390, "height": 844})
    page = await phone.new_page()
    await log_in(page, service)
    await page.screenshot(path=str(REPORTS / "console-queue-phone.png"), full_page=True)
    await page.goto(f"{service.url}/console/cases/{case_number}")
    await expect(page.locator("h1")).to_contain_text(case_number, timeout=WAIT)
    await page.screenshot(path=str(REPORTS / "console-case-phone.png"), full_page=True)
    await phone.close()


def book_in_chat(service: Service, sender: str, name: str, choose: str) -> str:
    """Goes through the web chat's OPP booking buttons, taking the session button that shows
    `choose` (a time, or "waitlist"); returns the last answer."""

    def say(message: str) -> list[dict[str, object]]:
        response = httpx.post(
            f"{service.url}/webhooks/rest/webhook",
            json={"sender": sender, "message": message},
            timeout=30,
        )
        assert response.status_code == 200
        return list(response.json())

    def first_button(replies: list[dict[str, object]], choose: str = "") -> str:
        found = replies[-1].get("buttons")
        assert isinstance(found, list) and found, replies
        return next(
            str(b["payload"]) for b in found if choose in str(b["title"]) + str(b["payload"])
        )

    say('/change_language{"language":"id"}')
    replies = say('/book_opp{"ltsa":"ponorogo"}')
    replies = say(first_button(replies, choose))  # the session, or its waitlist
    replies = say(first_button(replies))  # consent
    replies = say(first_button(say(name)))  # yes
    return "\n".join(str(r["text"]) for r in replies)


def a_full_session_with_a_waitlist(service: Service) -> None:
    """`ltsa opp add` a session of two seats tomorrow at 06.30; two people book it in the web
    chat, a third waits."""
    start = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).astimezone(TZ)
    at = f"{start:%Y-%m-%d}T06:30"
    added = subprocess.run(
        [LTSA, "opp", "add", "--ltsa", "ponorogo", "--start", at, "--capacity", "2"],
        env=service.env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert added.returncode == 0, added.stdout + added.stderr
    for sender, name in (("web-siti", "Siti Aminah"), ("web-budi", "Budi Santoso")):
        assert "Pendaftaran berhasil" in book_in_chat(service, sender, name, "06.30")
    assert "daftar tunggu" in book_in_chat(service, "web-dewi", "Dewi Lestari", "waitlist")


async def test_the_attendee_list_of_an_opp_session(service: Service, browser: Browser) -> None:
    """Attendance marked in a full session with a waitlist; saves reports/console-sessions.png
    and reports/console-sessions-phone.png."""
    a_full_session_with_a_waitlist(service)
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    page.on("dialog", lambda d: d.accept())
    await log_in(page, service)
    await page.get_by_role("link", name="Sesi OPP").click()
    await expect(page.locator("h1")).to_have_text("Sesi OPP", timeout=WAIT)
    await page.locator("table.sessions a.number", has_text="06.30").click()
    await expect(page.locator("h1")).to_contain_text("06.30", timeout=WAIT)
    siti = page.locator("table.attendees tr", has_text="Siti Aminah")
    await siti.get_by_role("button", name="Hadir").click()
    await expect(page.locator(".note.done")).to_have_text("Kehadiran dicatat.", timeout=WAIT)
    await expect(siti.locator(".badge.status")).to_have_text("hadir")
    await expect(page.locator("table.waitlist")).to_contain_text("Dewi Lestari")
    REPORTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(REPORTS / "console-sessions.png"), full_page=True)
    url = page.url.split("?")[0]
    phone = await browser.new_context(viewport={"width": 390, "height": 844})
    small = await phone.new_page()
    await log_in(small, service)
    await small.goto(url)
    await expect(small.locator("table.attendees")).to_contain_text("Budi Santoso", timeout=WAIT)
    await small.screenshot(path=str(REPORTS / "console-sessions-phone.png"), full_page=True)
    await phone.close()
    await context.close()
