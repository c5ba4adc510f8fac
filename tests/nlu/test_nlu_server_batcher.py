"""The NLU server's batching (nlu/rasa-env/server.py) with a stand-in for the model: texts that
arrive together go as one batch (at most --max-batch), each caller gets its own text's parse,
and a text that cannot be parsed fails only its own request."""

from __future__ import annotations

import asyncio
import importlib.util
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest

from tests.conftest import ROOT

RASA_ENV = ROOT / "nlu" / "rasa-env"


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[ModuleType, list[list[str]]]]:
    monkeypatch.syspath_prepend(str(RASA_ENV))  # as the script runs: batching.py beside it
    spec = importlib.util.spec_from_file_location("nlu_server_under_test", RASA_ENV / "server.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    batches: list[list[str]] = []

    def parse_many(_agent: Any, texts: list[str]) -> list[dict[str, Any]]:
        batches.append(list(texts))
        if "boom" in texts:
            raise ValueError("the model failed on this text")
        return [{"text": t, "intent": {"name": "greet", "confidence": 1.0}} for t in texts]

    monkeypatch.setattr(module.batching, "parse_many", parse_many)
    yield module, batches


async def run_batcher(module: ModuleType, max_batch: int, texts: list[str]) -> list[Any]:
    batcher = module.Batcher(agent=None, max_batch=max_batch, gather_ms=0)
    runner = asyncio.create_task(batcher.run())
    try:
        return await asyncio.gather(*(batcher.parse(t) for t in texts), return_exceptions=True)
    finally:
        runner.cancel()


async def test_texts_that_arrive_together_are_one_batch_and_each_gets_its_own_parse(
    server: tuple[ModuleType, list[list[str]]],
) -> None:
    module, batches = server
    texts = [f"halo {i}" for i in range(10)]
    results = await run_batcher(module, 32, texts)
    assert [r["text"] for r in results] == texts
    assert batches == [texts]


async def test_batches_are_at_most_max_batch(server: tuple[ModuleType, list[list[str]]]) -> None:
    module, batches = server
    await run_batcher(module, 4, [f"t{i}" for i in range(10)])
    assert [len(b) for b in batches] == [4, 4, 2]


async def test_a_text_that_fails_fails_only_its_own_request(
    server: tuple[ModuleType, list[list[str]]],
) -> None:
    module, batches = server
    results = await run_batcher(module, 32, ["satu", "boom", "tiga"])
    assert results[0]["text"] == "satu" and results[2]["text"] == "tiga"
    assert isinstance(results[1], ValueError)
    assert batches == [["satu", "boom", "tiga"], ["satu"], ["boom"], ["tiga"]]


async def test_under_load_a_batch_fills_for_a_moment_and_a_lone_text_goes_at_once(
    server: tuple[ModuleType, list[list[str]]],
) -> None:
    module, batches = server
    batcher = module.Batcher(agent=None, max_batch=32, gather_ms=200)
    runner = asyncio.create_task(batcher.run())
    try:
        await batcher.parse("alone")  # nothing before it: parsed at once
        await asyncio.gather(batcher.parse("a"), batcher.parse("b"))  # together: load
        loop = asyncio.get_running_loop()
        started = loop.time()

        async def later(text: str, delay: float) -> Any:
            await asyncio.sleep(delay)
            return await batcher.parse(text)

        # after a batch of two, the next batch waits for company: all three join it
        await asyncio.gather(later("c", 0), later("d", 0.05), later("e", 0.1))
        waited = loop.time() - started
        await batcher.parse("f")  # the batch before had company: it waits the window, alone
        await batcher.parse("g")  # the last batch was one text: no wait
    finally:
        runner.cancel()
    assert batches == [["alone"], ["a", "b"], ["c", "d", "e"], ["f"], ["g"]]
    assert 0.1 <= waited < 1.0


async def test_a_full_batch_does_not_wait(server: tuple[ModuleType, list[list[str]]]) -> None:
    module, batches = server
    batcher = module.Batcher(agent=None, max_batch=3, gather_ms=60_000)
    runner = asyncio.create_task(batcher.run())
    try:
        await asyncio.gather(batcher.parse("a"), batcher.parse("b"))  # load: the next one waits
        await asyncio.wait_for(
            asyncio.gather(*(batcher.parse(t) for t in ("c", "d", "e"))), timeout=5
        )
    finally:
        runner.cancel()
    assert batches == [["a", "b"], ["c", "d", "e"]]
