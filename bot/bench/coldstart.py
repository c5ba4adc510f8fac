"""Cold start: `make run` until `/healthz` says the NLU is ok, with and without a model.

With a model: the trained model is in `models/` (or the machine's cache): `make run` checks
the set-up, finds the model, starts the gateway and Rasa. Without one: the models folder and
the cache are empty temporary folders and Rasa's training cache is off
(`RASA_MAX_CACHE_SIZE=0`), so the model is trained from scratch first (minutes).
Each run has its own SQLite file and var/ folder; the service is stopped afterwards.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from pathlib import Path

from bot.bench.gateway import stop, wait_healthy
from bot.rasa_process import free_port
from bot.settings import ROOT

TRAIN_TIMEOUT = 1800.0


def make_run(with_model: bool) -> float:
    """Seconds from `make run` to a healthy service (NLU ok)."""
    with tempfile.TemporaryDirectory(prefix="ltsa-cold-") as tmp:
        work = Path(tmp)
        port = free_port(0)
        env = {
            **os.environ,
            "PORT": str(port),
            "DATABASE_URL": f"sqlite:///{work / 'ltsa.db'}",
            "LTSA_VAR_DIR": str(work / "var"),
            "LTSA_SECRET_KEY": "bench-secret-key",
            "RASA_PORT": str(free_port(0)),
            "LOG_LEVEL": "WARNING",
        }
        env.pop("RASA_URL", None)
        if not with_model:
            env |= {
                "LTSA_MODELS_DIR": str(work / "models"),
                "LTSA_CACHE_DIR": str(work / "cache"),
                "RASA_MAX_CACHE_SIZE": "0",
            }
        with (work / "make-run.log").open("ab") as log:
            started = time.monotonic()
            process = subprocess.Popen(
                ["make", "--no-print-directory", "run"],  # noqa: S607 - make from PATH
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
            try:
                wait_healthy(f"http://127.0.0.1:{port}", TRAIN_TIMEOUT, process)
                return round(time.monotonic() - started, 1)
            finally:
                stop(process)
