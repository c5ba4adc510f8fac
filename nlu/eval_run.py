"""Running evaluations: train a model on some examples, parse others with it, time the training.

Models are trained by `rasa train nlu` in Rasa's own environment and parsed in batch by
`nlu/rasa-env/parse_batch.py` (no server per model). Rasa's training cache is disabled so two
configurations never share a trained component by accident.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nlu.client import RASA_WEIGHT, Parse, to_parse
from nlu.evaluate import Example, rasa_training_yaml
from nlu.gazetteer import Gazetteer
from nlu.rules import rule_parse
from nlu.train import ROOT, rasa_env, rasa_python
from nlu.understand import ALARM_THRESHOLD, PROTECTION_BIAS, with_safety_net

_STEP = re.compile(
    r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d).*?(Starting to train|Finished training) component '(\w+)'"
)


@dataclass
class Training:
    """A trained model and where its training time went."""

    model: Path
    seconds: float
    components: dict[str, float] = field(default_factory=dict)


def component_times(log: str) -> dict[str, float]:
    """Seconds per pipeline component, from Rasa's training log."""
    started: dict[str, dt.datetime] = {}
    spent: dict[str, float] = {}
    for line in log.splitlines():
        match = _STEP.search(line)
        if not match:
            continue
        stamp = dt.datetime.strptime(match.group(1), "%Y-%m-%d %H:%M:%S")
        name = match.group(3)
        if match.group(2).startswith("Starting"):
            started[name] = stamp
        elif name in started:
            spent[name] = spent.get(name, 0.0) + (stamp - started.pop(name)).total_seconds()
    return spent


def train(examples: Sequence[Example], config: Path, work: Path, name: str) -> Training:
    """Trains a model on `examples` with `config` under `work`."""
    data = work / f"{name}-data"
    if data.exists():
        shutil.rmtree(data)
    data.mkdir(parents=True)
    (data / "nlu.yml").write_text(rasa_training_yaml(examples), encoding="utf-8")
    (data / "synonyms.yml").write_text(Gazetteer.load().rasa_synonyms(), encoding="utf-8")
    env = {**rasa_env(ROOT), "RASA_MAX_CACHE_SIZE": "0", "LOG_LEVEL": "INFO"}
    command = [
        str(ROOT / ".venv-rasa" / "bin" / "rasa"),
        "train",
        "nlu",
        "--config",
        str(config),
        "--nlu",
        str(data),
        "--out",
        str(work),
        "--fixed-model-name",
        name,
    ]
    started = time.monotonic()
    result = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True)  # noqa: S603
    seconds = time.monotonic() - started
    if result.returncode != 0:
        raise RuntimeError(f"rasa train failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    return Training(
        work / f"{name}.tar.gz", seconds, component_times(result.stdout + result.stderr)
    )


def raw_batch(model: Path, texts: Sequence[str]) -> list[dict[str, Any]]:
    """Rasa's own JSON for each text, parsed with a model file."""
    lines = "".join(json.dumps({"text": t}, ensure_ascii=False) + "\n" for t in texts)
    script = ROOT / "nlu" / "rasa-env" / "parse_batch.py"
    result = subprocess.run(  # noqa: S603
        [str(rasa_python(ROOT)), str(script), str(model)],
        input=lines,
        env=rasa_env(ROOT),
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    raw = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    if len(raw) != len(texts):
        raise RuntimeError(f"parsed {len(raw)} of {len(texts)} texts:\n{result.stderr[-2000:]}")
    return raw


def parses_of(
    texts: Sequence[str],
    raw: Sequence[dict[str, Any]],
    threshold: float,
    bias: float = PROTECTION_BIAS,
    alarm_threshold: float = ALARM_THRESHOLD,
    weight: float = RASA_WEIGHT,
) -> list[Parse]:
    """Our NLU's reading of each text from Rasa's JSON: rules, the mixed ranking, the danger
    net (`weight`: Rasa's share of the ranking)."""
    gazetteer = Gazetteer.load()
    return [
        with_safety_net(
            text,
            rule_parse(text) or to_parse(item, threshold, gazetteer, weight),
            bias,
            alarm_threshold,
        )
        for text, item in zip(texts, raw, strict=True)
    ]


def parse_batch(
    model: Path,
    texts: Sequence[str],
    threshold: float,
    bias: float = PROTECTION_BIAS,
    alarm_threshold: float = ALARM_THRESHOLD,
) -> list[Parse]:
    """Our NLU's reading of each text with a model file: rules, the model, the danger net."""
    return parses_of(texts, raw_batch(model, texts), threshold, bias, alarm_threshold)
