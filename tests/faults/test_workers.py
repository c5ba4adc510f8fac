"""GATEWAY_WORKERS: several gateway processes on one port, on PostgreSQL. Every request is
answered, the metrics add up over the workers, a killed worker is replaced, SIGTERM stops all."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.conftest import _drop_postgres, _postgres_database
from tests.faults.conftest import Served, serve
from tests.helpers import closed_port

WEBHOOK = "/webhooks/rest/webhook"


def workers_of(parent: int) -> list[int]:
    """The worker processes of the gateway (not multiprocessing's resource tracker)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:
            continue
        if int(stat[1]) == parent and b"spawn_main" in command:
            found.append(int(entry.name))
    return sorted(found)


def wait_for(condition: object, within: float = 30.0) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.2)
    raise AssertionError("not within the time")


def press(url: str, sender: str, presses: int) -> list[int]:
    statuses = []
    with httpx.Client(base_url=url, timeout=30) as client:
        for _ in range(presses):
            response = client.post(WEBHOOK, json={"sender": sender, "message": "/ask_menu"})
            assert response.status_code != 200 or response.json(), "answered with nothing"
            statuses.append(response.status_code)
    return statuses


def answered(url: str) -> float:
    text = httpx.get(f"{url}/metrics", timeout=10).text
    pattern = re.compile(
        r'^ltsa_http_requests_total\{(?=[^}]*route="/webhooks/rest/webhook")(?=[^}]*status="200")'
        r"[^}]*\} (\S+)$",
        re.MULTILINE,
    )
    return sum(float(v) for v in pattern.findall(text))


@pytest.fixture
def gateway(tmp_path: Path) -> Iterator[Served]:
    url, name = asyncio.run(_postgres_database())
    env = {
        "DATABASE_URL": url,
        "GATEWAY_WORKERS": "2",
        "LTSA_VAR_DIR": str(tmp_path / "var"),
        "LTSA_SECRET_KEY": "test-secret-key",
        "RASA_URL": f"http://127.0.0.1:{closed_port()}",  # buttons need no NLU
        "RASA_TOKEN": "t",
    }
    served = serve(env, tmp_path / "gateway.log")
    try:
        yield served
    finally:
        if served.process.poll() is None:  # the parent stops its workers
            served.process.terminate()
            served.process.wait(timeout=60)
        asyncio.run(_drop_postgres(name))


def test_two_workers_answer_every_press_and_count_them_together(gateway: Served) -> None:
    wait_for(lambda: len(workers_of(gateway.process.pid)) == 2)
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda i: press(gateway.url, f"w-{i}", 10), range(8)))
    assert [s for statuses in results for s in statuses] == [200] * 80
    assert answered(gateway.url) == 80  # from either worker: the sum of both


def test_a_killed_worker_is_replaced_and_sigterm_stops_them_all(gateway: Served) -> None:
    wait_for(lambda: len(workers_of(gateway.process.pid)) == 2)
    first, second = workers_of(gateway.process.pid)
    os.kill(first, signal.SIGKILL)
    wait_for(lambda: len(set(workers_of(gateway.process.pid)) - {first}) == 2)
    assert second in workers_of(gateway.process.pid)
    assert press(gateway.url, "after-kill", 10) == [200] * 10
    workers = workers_of(gateway.process.pid)
    gateway.process.send_signal(signal.SIGTERM)
    assert gateway.process.wait(timeout=60) == 0
    assert not [pid for pid in workers if Path(f"/proc/{pid}").exists()]
