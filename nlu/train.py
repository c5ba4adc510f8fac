"""Training the Rasa NLU model, only when its data or config changed.

The training input (every `nlu/<lang>/*.yml`, the synonyms generated from the gazetteer, and
`config.yml`) is staged into one folder and hashed; the model is `models/nlu-<hash>.tar.gz`.
A model with that hash is reused from `models/` or from the cache folder (shared by clones on
one machine, e.g. CI); otherwise Rasa trains it in its own environment.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from nlu.gazetteer import Gazetteer

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
TRAINING_LANGUAGES = ("id", "jv", "su", "mad")


@dataclass(frozen=True)
class TrainingInput:
    """The staged training folder, the config, and their hash."""

    data_dir: Path
    config: Path
    digest: str

    @property
    def model_name(self) -> str:
        return f"nlu-{self.digest[:16]}"


def rasa_env(root: Path = ROOT) -> dict[str, str]:
    """Environment for Rasa commands: telemetry off, caches under var/, quiet TensorFlow."""
    return {
        **os.environ,
        "RASA_TELEMETRY_ENABLED": "false",
        "RASA_CACHE_DIRECTORY": str(root / "var" / "rasa" / "cache"),
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "PYTHONWARNINGS": "ignore",
        "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
        "PYTHONPATH": str(root),  # our own components (nlu.components) for config.yml
    }


def rasa_bin(root: Path = ROOT) -> Path:
    return root / ".venv-rasa" / "bin" / "rasa"


def rasa_python(root: Path = ROOT) -> Path:
    """The Python of Rasa's environment (for nlu/rasa-env's scripts)."""
    return root / ".venv-rasa" / "bin" / "python"


def training_files(
    root: Path = ROOT, languages: tuple[str, ...] = TRAINING_LANGUAGES
) -> list[Path]:
    return [p for lang in languages for p in sorted((root / "nlu" / lang).glob("*.yml"))]


def stage(
    staging: Path,
    root: Path = ROOT,
    config: Path | None = None,
    files: list[Path] | None = None,
) -> TrainingInput:
    """Copies the training data (plus synonyms) into `staging` and hashes it with the config."""
    config = config or root / "config.yml"
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    digest = hashlib.sha256()
    digest.update(config.read_bytes())
    sources = files if files is not None else training_files(root)
    for path in sources:
        name = f"{path.parent.name}_{path.name}"
        data = path.read_bytes()
        (staging / name).write_bytes(data)
        digest.update(name.encode() + b"\0" + data)
    synonyms = Gazetteer.load(root / "nlu" / "shared" / "gazetteer.yml").rasa_synonyms()
    (staging / "synonyms.yml").write_text(synonyms, encoding="utf-8")
    digest.update(synonyms.encode())
    digest.update((root / "nlu" / "rasa-env" / "requirements.lock").read_bytes())
    for component in sorted((root / "nlu" / "components").glob("*.py")):
        digest.update(component.name.encode() + b"\0" + component.read_bytes())
    return TrainingInput(staging, config, digest.hexdigest())


def run_rasa_train(inp: TrainingInput, out_dir: Path, root: Path = ROOT) -> Path:
    """Runs `rasa train nlu`; returns the model file. Raises CalledProcessError on failure."""
    out_dir.mkdir(parents=True, exist_ok=True)
    command = [
        str(rasa_bin(root)),
        "train",
        "nlu",
        "--config",
        str(inp.config),
        "--nlu",
        str(inp.data_dir),
        "--out",
        str(out_dir),
        "--fixed-model-name",
        inp.model_name,
        "--quiet",
    ]
    log.info("training the NLU model %s", inp.model_name)
    started = time.monotonic()
    subprocess.run(command, check=True, env=rasa_env(root), cwd=root)  # noqa: S603
    log.info("trained %s in %.0f s", inp.model_name, time.monotonic() - started)
    return out_dir / f"{inp.model_name}.tar.gz"


def ensure_model(
    models_dir: Path, cache_dir: Path, root: Path = ROOT, force: bool = False
) -> tuple[Path, str]:
    """The model for the current data and config, trained only if no copy exists.

    Returns (model path, how it was obtained: "present" | "cache" | "trained").
    """
    inp = stage(root / "var" / "rasa" / "training", root)
    model = models_dir / f"{inp.model_name}.tar.gz"
    cached = cache_dir / "models" / model.name
    if model.exists() and not force:
        return model, "present"
    models_dir.mkdir(parents=True, exist_ok=True)
    if cached.exists() and not force:
        shutil.copyfile(cached, model)
        return model, "cache"
    trained = run_rasa_train(inp, models_dir, root)
    cached.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(trained, cached.with_suffix(".part"))
    cached.with_suffix(".part").replace(cached)
    return trained, "trained"


def current_model(models_dir: Path, root: Path = ROOT) -> Path | None:
    """The model matching the current data and config, if it has been trained."""
    inp = stage(root / "var" / "rasa" / "staging-check", root)
    model = models_dir / f"{inp.model_name}.tar.gz"
    return model if model.exists() else None
