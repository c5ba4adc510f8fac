"""The load generator: concurrent web-chat conversations against a running gateway.

It runs in its own process (`python -m bot.bench.load`, a JSON spec on stdin, JSON results on
stdout), so that the gateway's event loop and the generator's never share a core's time
slices in one interpreter. Each conversation is one sender sending its messages one after the
other through `POST /webhooks/rest/webhook`; all conversations run at once.

    spec    {"url", "senders": [str], "messages": [[str, …] per sender], "timeout"}
    result  {"wall_s", "requests": [[seconds, status, {stage: ms}], …]}

Stage times come from the gateway's `Server-Timing` header (LTSA_SERVER_TIMING on).
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from typing import Any

import httpx

Request = tuple[float, int, dict[str, float]]


def server_timing(header: str) -> dict[str, float]:
    """{"nlu": 12.1, "total": 14.0, …} from a Server-Timing header (milliseconds)."""
    stages: dict[str, float] = {}
    for part in header.split(","):
        name, _, rest = part.strip().partition(";")
        if rest.startswith("dur="):
            try:
                stages[name] = float(rest[4:])
            except ValueError:
                continue
    return stages


async def _conversation(
    client: httpx.AsyncClient, sender: str, texts: list[str], out: list[Request]
) -> None:
    for text in texts:
        started = time.perf_counter()
        try:
            response = await client.post(
                "/webhooks/rest/webhook", json={"sender": sender, "message": text}
            )
            status = response.status_code
            if status == 200 and not response.json():
                status = 299  # answered with nothing: counted as a failure
            stages = server_timing(response.headers.get("server-timing", ""))
        except httpx.HTTPError:
            status, stages = 0, {}
        out.append((time.perf_counter() - started, status, stages))


async def generate(spec: dict[str, Any]) -> dict[str, Any]:
    """Runs every conversation of `spec` at once; returns the wall time and each request."""
    senders: list[str] = spec["senders"]
    limits = httpx.Limits(max_connections=len(senders), max_keepalive_connections=len(senders))
    out: list[Request] = []
    async with httpx.AsyncClient(
        base_url=spec["url"], timeout=spec.get("timeout", 60.0), limits=limits
    ) as client:
        started = time.perf_counter()
        await asyncio.gather(
            *(
                _conversation(client, sender, texts, out)
                for sender, texts in zip(senders, spec["messages"], strict=True)
            )
        )
        wall = time.perf_counter() - started
    return {"wall_s": wall, "requests": out}


def run_in_process(spec: dict[str, Any], timeout: float = 1800.0) -> dict[str, Any]:
    """Runs the generator in a child process and returns its results."""
    done = subprocess.run(
        [sys.executable, "-m", "bot.bench.load"],
        input=json.dumps(spec),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=True,
    )
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def main() -> None:
    spec = json.loads(sys.stdin.read())
    try:
        import uvloop
    except ImportError:
        print(json.dumps(asyncio.run(generate(spec))))
        return
    print(json.dumps(uvloop.run(generate(spec))))


if __name__ == "__main__":
    main()
