"""A real Rasa server with the trained model, shared by the integration tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.rasa_process import RasaSupervisor
from bot.settings import load_settings
from nlu.train import ensure_model
from tests.conftest import ROOT


@pytest.fixture(scope="session")
async def rasa_server(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[RasaSupervisor]:
    settings = load_settings()
    model, _how = ensure_model(settings.models_dir, settings.cache_dir, ROOT)
    log_dir: Path = tmp_path_factory.mktemp("rasa-log")
    supervisor = RasaSupervisor(model, ROOT, 5105, log_dir)
    await supervisor.start()
    try:
        assert await supervisor.wait_ready(240), (log_dir / "rasa.log").read_text()[-3000:]
        yield supervisor
    finally:
        await supervisor.stop()
