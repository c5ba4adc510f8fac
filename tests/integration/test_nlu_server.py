"""The NLU server (nlu/rasa-env/server.py) with the trained model: texts parsed together in one
batch get the JSON each gets alone (which is Rasa's own one-by-one parse), and bad requests get
a clear 4xx.

"The same JSON" allows the confidences to differ in the seventh significant digit: on some
CPUs TensorFlow's matrix products of a batch add up in another order than those of one text
(seen on an AMD EPYC: 159 of 160 texts differed there, by at most a few parts in 10^7, with the
same intents, responses and rankings); on others every float is identical.
"""

from __future__ import annotations

import asyncio
import json
import math

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


def same_parse(one: object, other: object) -> bool:
    """The same JSON, floats equal to a few parts in a million."""
    if isinstance(one, float) and isinstance(other, float):
        return math.isclose(one, other, rel_tol=1e-5, abs_tol=1e-7)
    if isinstance(one, dict) and isinstance(other, dict):
        return one.keys() == other.keys() and all(same_parse(one[k], other[k]) for k in one)
    if isinstance(one, list) and isinstance(other, list):
        return len(one) == len(other) and all(map(same_parse, one, other))
    return type(one) is type(other) and one == other


def test_the_comparison_allows_float_noise_only() -> None:
    parse = {"intent": {"name": "greet", "confidence": 0.9870011806488037}, "entities": []}
    noisy = {"intent": {"name": "greet", "confidence": 0.9870011806488037 + 3e-8}, "entities": []}
    assert same_parse(parse, noisy)
    assert not same_parse(parse, {**parse, "intent": {"name": "thanks", "confidence": 0.987}})
    assert not same_parse(parse, {**parse, "intent": {"name": "greet", "confidence": 0.986}})
    assert not same_parse(parse, {**parse, "entities": [{"entity": "country"}]})


async def test_texts_parsed_in_batches_get_their_one_by_one_parse(
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
    assert same_parse(together, alone)
    assert same_parse(lone, alone[0])
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
