"""The benchmark's load generator reads what the gateway answers, and counts what it did not."""

from __future__ import annotations

import asyncio
import json

from bot.bench.load import generate

ANSWER = json.dumps([{"recipient_id": "x", "text": "halo"}]).encode()


async def _serve(replies: list[bytes]) -> tuple[asyncio.Server, list[int]]:
    """A server answering each request with the next of `replies` (a connection per list)."""
    connections: list[int] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(1)
        while replies:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except asyncio.IncompleteReadError:
                break
            length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
            await reader.readexactly(length)
            reply = replies.pop(0)
            writer.write(reply)
            await writer.drain()
            if b"Connection: close" in reply or b"Content-Length" not in reply:
                break
        writer.close()

    return await asyncio.start_server(handle, "127.0.0.1", 0), connections


def _response(body: bytes, *extra: str) -> bytes:
    headers = "".join(f"{h}\r\n" for h in extra)
    return (
        f"HTTP/1.1 200 OK\r\nContent-Length: {len(body)}\r\n"
        f"server-timing: nlu;dur=12.5, total;dur=20.0\r\n{headers}\r\n"
    ).encode() + body


async def test_answers_stage_times_a_closed_connection_and_what_went_wrong() -> None:
    replies = [
        _response(ANSWER),
        _response(ANSWER, "Connection: close"),  # the next request needs a new connection
        _response(b"[]"),  # answered with nothing: a failure
        b"HTTP/1.1 200 OK\r\n\r\n[]",  # no Content-Length: no answer it can read
    ]
    server, connections = await _serve(replies)
    port = server.sockets[0].getsockname()[1]
    async with server:
        result = await generate(
            {
                "url": f"http://127.0.0.1:{port}",
                "senders": ["a"],
                "messages": [["/menu"] * 4],
                "timeout": 5,
            }
        )
    statuses = [status for _, status, _ in result["requests"]]
    assert statuses == [200, 200, 299, 0]
    assert result["requests"][0][2] == {"nlu": 12.5, "total": 20.0}
    assert result["errors"] == {"ConnectionError": 1}
    assert len(connections) == 2
