"""Client of the Rasa NLU server (`POST /model/parse`), and the parse result the service uses.

Procedure questions are Rasa retrieval intents: DIET predicts `faq`, the ResponseSelector the
topic. The client folds both into one ranking over full intent names, P(faq/topic) =
P(faq) * P(topic | faq), so "the two likeliest intents" and the confidence threshold mean the
same thing for every intent. A second classifier in the model (`nlu/components/intent_tfidf.py`,
TF-IDF and a logistic regression) ranks the full intents too; the two rankings are mixed,
RASA_WEIGHT × Rasa's + (1 − RASA_WEIGHT) × its own.

Several servers (RASA_PROCESSES) share the load: each parse goes to the least busy one.
Repeated texts within NLU_CACHE_SECONDS are answered from a small in-memory cache.

Errors: every failure to reach or read the server raises `NluUnavailable`.

HTTP goes through aiohttp: on loopback, with 32 requests in flight, a request cost the gateway
0.2 ms of CPU with aiohttp against 2.3-2.4 ms with httpx, and a text message makes one.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from nlu.gazetteer import Gazetteer

log = logging.getLogger(__name__)

FALLBACK_INTENT = "nlu_fallback"
# Below this confidence the bot asks with the two likeliest intents (tuned in reports/nlu.md).
THRESHOLD = 0.45
# Rasa's share of the mixed ranking; the TF-IDF classifier has the rest. Chosen on the
# out-of-fold predictions of cross-validation (reports/nlu.md): from 0.2 to 0.5 every language
# gains 2–4 points over Rasa alone; at 0.3 id +3.0, jv +2.5, su +4.1, mad +1.9, and protection
# recall 0.977 -> 0.980.
RASA_WEIGHT = 0.3


class NluUnavailable(Exception):
    """The Rasa server could not be reached or gave no usable answer."""


@dataclass(frozen=True)
class ParsedEntity:
    entity: str
    value: str
    start: int
    end: int


@dataclass(frozen=True)
class Parse:
    """What the NLU understood of one text."""

    text: str
    intent: str  # full name (faq/passport), or nlu_fallback below the threshold
    confidence: float
    ranking: tuple[tuple[str, float], ...] = ()
    entities: tuple[ParsedEntity, ...] = ()
    source: str = "rasa"  # rasa | rule | lexicon
    # the alarm detector's second opinion (nlu/components/alarm.py): the likeliest of
    # emergency/report_* and the probability that the text is one of them
    alarm: tuple[str, float] | None = None

    @property
    def top(self) -> str:
        """The likeliest intent even when below the threshold."""
        return self.ranking[0][0] if self.ranking else self.intent

    def as_json(self, language: str | None) -> dict[str, Any]:
        return {
            "text": self.text,
            "language": language,
            "intent": self.intent,
            "confidence": round(self.confidence, 4),
            "entities": [
                {"entity": e.entity, "value": e.value, "start": e.start, "end": e.end}
                for e in self.entities
            ],
        }


def rasa_ranking(result: dict[str, Any]) -> list[tuple[str, float]]:
    """Rasa's ranking over full intent names, from DIET's intents and the response selector."""
    ranking: list[tuple[str, float]] = []
    # config.yml names the retrieval intent ("faq"); a ResponseSelector without
    # retrieval_intent (Rasa's default pipeline) answers under "default"
    selectors = result.get("response_selector") or {}
    selector = selectors.get("faq") or selectors.get("default") or {}
    topics = [
        (str(r.get("intent_response_key")), float(r.get("confidence", 0.0)))
        for r in selector.get("ranking") or []
        if r.get("intent_response_key")
    ]
    for item in result.get("intent_ranking") or []:
        name, confidence = str(item.get("name")), float(item.get("confidence", 0.0))
        if name == FALLBACK_INTENT:
            continue
        if name == "faq":
            ranking.extend((topic, confidence * p) for topic, p in topics)
        else:
            ranking.append((name, confidence))
    return ranking


def combine_ranking(
    result: dict[str, Any], weight: float = RASA_WEIGHT
) -> list[tuple[str, float]]:
    """One ranking over full intent names: Rasa's, mixed with the TF-IDF classifier's when the
    model has it (`weight`: Rasa's share), likeliest first."""
    rasa = rasa_ranking(result)
    second = result.get("tfidf_ranking")
    if isinstance(second, list) and second and weight < 1.0:
        mixed: dict[str, float] = {name: weight * p for name, p in rasa}
        for item in second:
            if isinstance(item, dict) and "name" in item:
                name = str(item["name"])
                share = (1.0 - weight) * float(item.get("confidence", 0.0))
                mixed[name] = mixed.get(name, 0.0) + share
        rasa = list(mixed.items())
    rasa.sort(key=lambda pair: pair[1], reverse=True)
    return rasa


def to_parse(
    result: dict[str, Any], threshold: float, gazetteer: Gazetteer, weight: float = RASA_WEIGHT
) -> Parse:
    """A Parse from Rasa's JSON: mixed ranking, threshold, normalised entities."""
    text = str(result.get("text", ""))
    ranking = combine_ranking(result, weight)
    top, confidence = ranking[0] if ranking else (FALLBACK_INTENT, 0.0)
    intent = top if confidence >= threshold else FALLBACK_INTENT
    raw = [
        ParsedEntity(str(e["entity"]), str(e.get("value", "")), int(e["start"]), int(e["end"]))
        for e in result.get("entities") or []
        if {"entity", "start", "end"} <= e.keys()
    ]
    return Parse(
        text=text,
        intent=intent,
        confidence=confidence,
        ranking=tuple(ranking[:10]),
        entities=tuple(gazetteer.normalise(text, raw)),
        alarm=alarm_of(result),
    )


def alarm_of(result: dict[str, Any]) -> tuple[str, float] | None:
    """The alarm detector's (intent, score) from Rasa's JSON; None from a model without it."""
    alarm = result.get("alarm")
    if not isinstance(alarm, dict):
        return None
    try:
        return str(alarm["intent"]), float(alarm["score"])
    except (KeyError, TypeError, ValueError):
        return None


@dataclass
class _Server:
    """One Rasa server: its HTTP client, parses in flight, when it last failed."""

    url: str
    client: aiohttp.ClientSession | None = None
    in_flight: int = 0
    down_since: float | None = None


@dataclass
class RasaClient:
    """Parses texts with one or more Rasa servers (the least busy one answers); a server that
    failed is skipped for `retry_after` seconds; a text parsed less than `cache_seconds` ago
    is answered from memory (repeated texts need no parse)."""

    url: str
    token: str
    gazetteer: Gazetteer
    threshold: float = THRESHOLD
    timeout: float = 3.0
    retry_after: float = 2.0
    extra_urls: tuple[str, ...] = ()  # more servers with the same token (RASA_PROCESSES)
    cache_seconds: float = 0.0
    cache_size: int = 10_000
    cache_hits: int = field(default=0, init=False)
    cache_misses: int = field(default=0, init=False)
    _servers: list[_Server] = field(default_factory=list, init=False, repr=False)
    _cache: OrderedDict[str, tuple[float, Parse]] = field(
        default_factory=OrderedDict, init=False, repr=False
    )

    def __post_init__(self) -> None:
        self._servers = [_Server(u) for u in (self.url, *self.extra_urls)]

    def _http(self, server: _Server) -> aiohttp.ClientSession:
        if server.client is None or server.client.closed:
            server.client = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.timeout),
                connector=aiohttp.TCPConnector(limit=32),
            )
        return server.client

    @property
    def available(self) -> bool:
        """False right after every server failed; the next call after `retry_after` s tries."""
        return any(s.down_since is None for s in self._servers)

    def _pick(self) -> _Server | None:
        """The least busy server that did not fail in the last `retry_after` seconds."""
        now = time.monotonic()
        ready = [
            s
            for s in self._servers
            if s.down_since is None or now - s.down_since >= self.retry_after
        ]
        return min(ready, key=lambda s: s.in_flight) if ready else None

    def _cached(self, text: str) -> Parse | None:
        if self.cache_seconds <= 0:
            return None
        found = self._cache.get(text)
        if found is not None and time.monotonic() - found[0] < self.cache_seconds:
            self._cache.move_to_end(text)
            self.cache_hits += 1
            return found[1]
        self.cache_misses += 1
        return None

    def _remember(self, text: str, parse: Parse) -> None:
        if self.cache_seconds <= 0:
            return
        self._cache[text] = (time.monotonic(), parse)
        self._cache.move_to_end(text)
        while len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)

    async def parse(self, text: str) -> Parse:
        """The NLU's reading of `text`; raises NluUnavailable when Rasa cannot answer."""
        cached = self._cached(text)
        if cached is not None:
            return cached
        server = self._pick()
        if server is None:
            raise NluUnavailable("Rasa was down a moment ago")
        server.in_flight += 1
        try:
            async with self._http(server).post(
                f"{server.url.rstrip('/')}/model/parse",
                params={"token": self.token},
                json={"text": text},
            ) as response:
                response.raise_for_status()
                result = await response.json()
        except (TimeoutError, aiohttp.ClientError, ValueError) as exc:
            if server.down_since is None:
                log.warning("Rasa NLU unavailable at %s: %s", server.url, type(exc).__name__)
            server.down_since = time.monotonic()
            raise NluUnavailable(str(exc)) from exc
        finally:
            server.in_flight -= 1
        if server.down_since is not None:
            log.info("Rasa NLU is back at %s", server.url)
        server.down_since = None
        parse = to_parse(result, self.threshold, self.gazetteer)
        self._remember(text, parse)
        return parse

    async def ping(self) -> bool:
        """True when a server answers its status route with a loaded model."""
        results = [await self._ping(server) for server in self._servers]
        return any(results)

    async def _ping(self, server: _Server) -> bool:
        try:
            async with self._http(server).get(
                f"{server.url.rstrip('/')}/status", params={"token": self.token}
            ) as response:
                ok = response.status == 200 and bool((await response.json()).get("model_file"))
        except (TimeoutError, aiohttp.ClientError, ValueError):
            return False
        if ok:
            server.down_since = None
        return ok

    async def close(self) -> None:
        for server in self._servers:
            if server.client is not None:
                await server.client.close()
                server.client = None
