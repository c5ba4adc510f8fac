"""The NLU server the gateway starts: a trained Rasa model behind the two routes of Rasa's HTTP
API the gateway uses, with the texts that arrive together parsed as one batch. Runs inside
.venv-rasa (Python 3.10):

    python server.py --model MODEL [--host 127.0.0.1] [--port 5005] [--max-batch 32]

The token comes from NLU_SERVER_TOKEN (never the command line, which `ps` shows). Routes, with
Rasa's JSON:
    GET  /status?token=T        {"model_file", "model_id"} once the model is loaded
    POST /model/parse?token=T   {"text": "..."} -> Rasa's parse of the text
    GET  /                      "ok"

`rasa run --enable-api` parses one request after another, each at full cost. Here the texts
that arrived while a batch was parsed are read after it, and go together as the next batch
(at most --max-batch texts). Under load (the last batch had more than one text) a batch also
waits up to GATHER_MS after its first text for others to join. One text alone costs what it
costs in Rasa, and a text that comes alone is parsed at once; under load the cost per text
falls to a fraction (batching.py). A batch that fails is parsed again text by
text, so one bad text fails only its own request.

Texts are never logged.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hmac
import logging
import os
import sys
from pathlib import Path
from typing import Any

import batching  # beside this file (a script's own folder is on sys.path)
from aiohttp import web

log = logging.getLogger("nlu-server")
MAX_BODY = 64 * 1024  # a chat message is far shorter; the gateway cuts texts before this
MAX_TEXT = 4096
JOIN_TURNS = 3
# under load, a batch is let fill this long after its first text arrived; measured in
# `make bench`-like runs (texts at 20 and 100 conversations): 10 ms gave 142-155 msg/s where 0
# gave 113-141 and 20 gave 123-146 (longer waits cost more in latency than they save in CPU)
GATHER_MS = 10.0


class Batcher:
    """Collects texts to parse and parses them a batch at a time, in the event loop: while a
    batch is parsed, new requests wait in their sockets and all join the next one."""

    def __init__(self, agent: Any, max_batch: int, gather_ms: float = GATHER_MS) -> None:
        self.agent = agent
        self.max_batch = max_batch
        self.gather = gather_ms / 1000
        self.pending: list[tuple[str, asyncio.Future[dict[str, Any]]]] = []
        self.first_at = 0.0  # when the oldest pending text arrived (loop time)
        self.wake = asyncio.Event()
        self.filled = asyncio.Event()
        self.busy = False  # the last batch had company: more texts are likely on their way
        self.batches = 0
        self.parsed = 0

    async def parse(self, text: str) -> dict[str, Any]:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[dict[str, Any]] = loop.create_future()
        if not self.pending:
            self.first_at = loop.time()
        self.pending.append((text, future))
        self.wake.set()
        if len(self.pending) >= self.max_batch:
            self.filled.set()
        return await future

    async def _gathered(self) -> None:
        """Under load, lets the batch fill for up to `gather` seconds after its first text
        arrived: the model's fixed cost per batch is then shared by more texts. A text that
        comes alone (the last batch was one text too) is parsed at once."""
        if not self.busy or self.gather <= 0:
            return
        left = self.first_at + self.gather - asyncio.get_running_loop().time()
        if left > 0 and len(self.pending) < self.max_batch:
            self.filled.clear()
            # Python 3.10 (Rasa's): asyncio's own TimeoutError, not yet the built-in one
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self.filled.wait(), left)

    async def run(self) -> None:
        while True:
            await self.wake.wait()
            self.wake.clear()
            while self.pending:
                # requests that arrived during the last batch are in the sockets' buffers:
                # a few turns of the loop read them, and they join this batch
                for _ in range(JOIN_TURNS):
                    await asyncio.sleep(0)
                await self._gathered()
                batch = self.pending[: self.max_batch]
                del self.pending[: self.max_batch]
                if self.pending:  # texts left over have waited for this batch: no more
                    self.first_at = float("-inf")
                self.busy = len(batch) > 1
                results = self._parse([text for text, _ in batch])  # blocks the loop
                for (_, future), result in zip(batch, results, strict=True):
                    if future.done():  # its request was cancelled (the client went away)
                        continue
                    if isinstance(result, Exception):
                        future.set_exception(result)
                    else:
                        future.set_result(result)

    def _parse(self, texts: list[str]) -> list[dict[str, Any] | Exception]:
        self.batches += 1
        self.parsed += len(texts)
        try:
            return list(batching.parse_many(self.agent, texts))
        except Exception:
            if len(texts) == 1:
                log.exception("a text could not be parsed")
                return [RuntimeError("parse failed")]
            log.warning("a batch of %d failed; parsing its texts one by one", len(texts))
        results: list[dict[str, Any] | Exception] = []
        for text in texts:
            try:
                results.extend(batching.parse_many(self.agent, [text]))
            except Exception as exc:
                log.exception("a text could not be parsed")
                results.append(exc)
        return results


def make_app(agent: Any, model: Path, token: str, max_batch: int) -> web.Application:
    app = web.Application(client_max_size=MAX_BODY)
    batcher = Batcher(agent, max_batch)

    def authorised(request: web.Request) -> bool:
        given = request.query.get("token", "")
        return hmac.compare_digest(given.encode(), token.encode())

    async def status(request: web.Request) -> web.Response:
        if not authorised(request):
            return web.json_response({"error": "unauthorised"}, status=401)
        return web.json_response(
            {
                "model_file": model.name,
                "model_id": agent.model_id,
                "batches": batcher.batches,
                "parsed": batcher.parsed,
            }
        )

    async def parse(request: web.Request) -> web.Response:
        if not authorised(request):
            return web.json_response({"error": "unauthorised"}, status=401)
        try:
            body = await request.json()
        except (ValueError, UnicodeDecodeError):
            return web.json_response({"error": "the body is not JSON"}, status=400)
        text = body.get("text") if isinstance(body, dict) else None
        if not isinstance(text, str) or len(text) > MAX_TEXT:
            return web.json_response(
                {"error": f"text: a string of at most {MAX_TEXT}"}, status=400
            )
        try:
            return web.json_response(await batcher.parse(text))
        except Exception:
            return web.json_response({"error": "the text could not be parsed"}, status=500)

    async def hello(_request: web.Request) -> web.Response:
        return web.Response(text="ok")

    async def start_batcher(app: web.Application) -> Any:
        task = asyncio.create_task(batcher.run())
        yield
        task.cancel()

    app.router.add_get("/", hello)
    app.router.add_get("/status", status)
    app.router.add_post("/model/parse", parse)
    app.cleanup_ctx.append(start_batcher)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", required=True, type=Path)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5005)
    parser.add_argument("--max-batch", type=int, default=32)
    args = parser.parse_args()
    token = os.environ.get("NLU_SERVER_TOKEN", "")
    if not token:
        sys.exit("NLU_SERVER_TOKEN is not set")
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s"
    )
    for noisy in ("rasa", "tensorflow", "absl", "aiohttp.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)

    from rasa.core.agent import Agent

    batching.enable()
    agent = Agent.load(str(args.model))
    batching.parse_many(agent, ["halo", "paspor"])  # TensorFlow traces its functions now
    log.info("model %s loaded; serving on %s:%s", args.model.name, args.host, args.port)
    app = make_app(agent, args.model, token, max(1, args.max_batch))
    web.run_app(app, host=args.host, port=args.port, access_log=None, print=None)


if __name__ == "__main__":
    main()
