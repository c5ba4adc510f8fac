"""The load generator: concurrent web-chat conversations against a running gateway.

It speaks HTTP/1.1 over one keep-alive connection per conversation itself (`Connection`),
as cheaply as it can: the generator shares the machine's cores with the gateway. It runs in
its own process (`python -m bot.bench.load`, a JSON spec on stdin, JSON results on
stdout), so that the gateway's event loop and the generator's never share a core's time
slices in one interpreter. Each conversation is one sender sending its messages one after the
other through `POST /webhooks/rest/webhook`; all conversations run at once.

    spec    {"url", "senders": [str], "messages": [[str, …] per sender], "timeout"}
    result  {"wall_s", "requests": [[seconds, status, {stage: ms}], …],
             "errors": {exception name: count}}   (a request that got no answer: status 0)

Stage times come from the gateway's `Server-Timing` header (LTSA_SERVER_TIMING on).
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from typing import Any
from urllib.parse import urlsplit

WEBHOOK = "/webhooks/rest/webhook"
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


class Connection:
    """One keep-alive HTTP/1.1 connection, the generator's own and nothing more: POST a JSON
    body, read the status, headers and a Content-Length body. (With httpx the generator
    spent more CPU than the gateway it measured, on the same two cores.)"""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, path: str, body: bytes) -> tuple[int, dict[str, str], bytes]:
        if self.writer is None or self.reader is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        self.writer.write(
            f"POST {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        head = (await self.reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        status = int(head[0].split(" ", 2)[1])
        headers = {}
        for line in head[1:]:
            name, _, value = line.partition(":")
            if name:
                headers[name.strip().lower()] = value.strip()
        if "content-length" not in headers:
            raise ConnectionError("a response without Content-Length")
        content = await self.reader.readexactly(int(headers["content-length"]))
        if headers.get("connection", "").lower() == "close":
            self.close()
        return status, headers, content

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def _conversation(
    url: str,
    sender: str,
    texts: list[str],
    out: list[Request],
    errors: dict[str, int],
    limit_s: float,
) -> None:
    connection = Connection(url)
    for text in texts:
        body = json.dumps({"sender": sender, "message": text}).encode()
        started = time.perf_counter()
        try:
            async with asyncio.timeout(limit_s):
                status, headers, content = await connection.post(WEBHOOK, body)
            if status == 200 and not json.loads(content):
                status = 299  # answered with nothing: counted as a failure
            stages = server_timing(headers.get("server-timing", ""))
        except (OSError, TimeoutError, ValueError, asyncio.IncompleteReadError) as exc:
            status, stages = 0, {}  # no answer: which kind is reported
            errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1
            connection.close()
        out.append((time.perf_counter() - started, status, stages))
    connection.close()


async def generate(spec: dict[str, Any]) -> dict[str, Any]:
    """Runs every conversation of `spec` at once; returns the wall time and each request."""
    senders: list[str] = spec["senders"]
    out: list[Request] = []
    errors: dict[str, int] = {}
    timeout = float(spec.get("timeout", 60.0))
    started = time.perf_counter()
    await asyncio.gather(
        *(
            _conversation(spec["url"], sender, texts, out, errors, timeout)
            for sender, texts in zip(senders, spec["messages"], strict=True)
        )
    )
    wall = time.perf_counter() - started
    return {"wall_s": wall, "requests": out, "errors": errors}


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
