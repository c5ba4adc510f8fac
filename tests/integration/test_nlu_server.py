"""The NLU server (nlu/rasa-env/server.py) with the trained model: texts parsed together in one
batch get exactly the JSON each gets alone (which is Rasa's own one-by-one parse), and bad
requests get a clear 4xx."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from bot.rasa_process import RasaSupervisor
from tests.conftest import ROOT

pytestmark = pytest.mark.rasa


def heldout_texts(per_language: int) -> list[str]:
    """The first texts of each language of a held-out set (never trained on)."""
    texts: list[str] = []
    for language in ("id", "jv", "su", "mad"):
        lines = (ROOT / "nlu" / "heldout6" / f"{language}.jsonl").read_text("utf-8").splitlines()
        texts += [json.loads(line)["text"] for line in lines[:per_language]]
    return texts


async def test_texts_parsed_in_batches_get_exactly_their_one_by_one_parse(
    rasa_server: RasaSupervisor,
) -> None:
    texts = heldout_texts(40)
    params = {"token": rasa_server.token}
    async with httpx.AsyncClient(base_url=rasa_server.url, timeout=60) as client:

        async def parse(text: str) -> dict[str, object]:
            response = await client.post("/model/parse", params=params, json={"text": text})
            assert response.status_code == 200
            return dict(response.json())

        alone = [await parse(text) for text in texts]  # one in flight: batches of one
        before = (await client.get("/status", params=params)).json()
        together = await asyncio.gather(*(parse(text) for text in texts))
        after = (await client.get("/status", params=params)).json()
        # right after batches the server lets a batch fill for a moment: a text that comes
        # alone is still parsed, once that moment is over
        lone = await parse(texts[0])
    assert together == alone
    assert lone == alone[0]
    batches = after["batches"] - before["batches"]
    assert after["parsed"] - before["parsed"] == len(texts)
    assert batches < len(texts) / 2, "texts sent together were parsed as batches"
    assert {p["intent"]["name"] for p in alone} > {"faq"}  # real parses, several intents


async def test_bad_requests_get_a_clear_refusal(rasa_server: RasaSupervisor) -> None:
    token = {"token": rasa_server.token}
    async with httpx.AsyncClient(base_url=rasa_server.url, timeout=30) as client:
        wrong = await client.post("/model/parse", params={"token": "x"}, json={"text": "halo"})
        missing = await client.get("/status")
        not_json = await client.post("/model/parse", params=token, content=b"{halo")
        no_text = await client.post("/model/parse", params=token, json={"txt": "halo"})
        not_text = await client.post("/model/parse", params=token, json=["halo"])
        huge = await client.post("/model/parse", params=token, json={"text": "a" * 100_000})
        ok = await client.post("/model/parse", params=token, json={"text": "halo\u200b\u202e"})
    assert (wrong.status_code, missing.status_code) == (401, 401)
    assert (not_json.status_code, no_text.status_code, not_text.status_code) == (400, 400, 400)
    assert huge.status_code == 413
    assert ok.status_code == 200 and ok.json()["intent"]["name"]
