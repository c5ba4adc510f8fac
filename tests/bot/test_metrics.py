"""`GET /metrics`: request counts, latency and stage histograms, outbox depth; Server-Timing."""

from __future__ import annotations

from pathlib import Path

from bot.metrics import server_timing
from tests.conftest import running_app, service_settings


async def test_metrics_count_requests_and_time_the_pipeline_stages(tmp_path: Path) -> None:
    async with running_app(service_settings(tmp_path)) as client:
        assert (
            await client.post("/webhooks/rest/webhook", json={"sender": "m", "message": "/menu"})
        ).status_code == 200
        response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert (
        'ltsa_http_requests_total{method="POST",route="/webhooks/rest/webhook",status="200"}'
        in text
    )
    assert 'ltsa_http_request_seconds_bucket{le="0.005",route="/webhooks/rest/webhook"}' in text
    for stage in ("store", "answer"):
        assert f'ltsa_stage_seconds_count{{stage="{stage}"}}' in text
    assert 'ltsa_nlu_cache_lookups{result="hit"}' in text
    assert "process_resident_memory_bytes" in text


async def test_server_timing_is_sent_only_when_switched_on(tmp_path: Path) -> None:
    body = {"sender": "t", "message": "halo apa kabar"}  # typed: the NLU stage (down) is timed
    async with running_app(service_settings(tmp_path)) as client:
        plain = await client.post("/webhooks/rest/webhook", json=body)
    assert "server-timing" not in plain.headers
    settings = service_settings(tmp_path / "on", LTSA_SERVER_TIMING="true")
    async with running_app(settings) as client:
        timed = await client.post("/webhooks/rest/webhook", json=body)
    stages = dict(p.strip().split(";dur=") for p in timed.headers["server-timing"].split(","))
    assert {"store", "nlu", "language", "answer", "total"} <= set(stages)
    assert all(float(v) >= 0 for v in stages.values())
    assert float(stages["total"]) >= float(stages["store"]) + float(stages["answer"])


def test_server_timing_header_lists_each_stage_in_milliseconds() -> None:
    assert server_timing({"nlu": 0.0121}, 0.014) == b"nlu;dur=12.100, total;dur=14.000"
