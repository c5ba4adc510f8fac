"""Where the gateway spends its time: py-spy samples a running gateway, this sums them up.

`record(pid, seconds)` runs `py-spy record --format raw` (collapsed stacks, one line per
distinct stack with its sample count) without pausing the process; `summarise` gives the
share of samples per part of the code (inclusive: a frame anywhere in the stack) and the
functions that were running themselves (the leaf frames).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from bot.settings import ROOT


# Which part of the code a frame belongs to, by its file path. py-spy writes paths short
# ("sqlalchemy/orm/session.py", "bot/pipeline.py") or in full ("/usr/lib/.../json/decoder.py"):
# a package's folder follows "(" or "/".
def _folder(names: str) -> re.Pattern[str]:
    return re.compile(rf"[(/]({names})/")


PARTS = (
    ("gateway: pipeline and flows", _folder("bot|flows")),
    ("NLU client, language detection", _folder("nlu|langdetect")),
    ("SQLAlchemy", _folder("sqlalchemy")),
    ("asyncpg driver", _folder("asyncpg")),
    ("FastAPI, Starlette, uvicorn", _folder("fastapi|starlette|uvicorn|httptools")),
    ("httpx (to Rasa)", _folder("httpx|httpcore|anyio|h11")),
    ("encryption", _folder("cryptography")),
    ("JSON", _folder("json")),
)
OURS = _folder("bot|flows|nlu")
_FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>[^:()]+)(?::\d+)?\)$")


@dataclass(frozen=True)
class Profile:
    """Samples, share per part of the code, and the busiest leaf functions."""

    samples: int
    parts: list[tuple[str, float]]
    leaves: list[tuple[str, float]]
    ours: list[tuple[str, float]]


def record(pid: int, seconds: int, out: Path, rate: int = 250) -> Path | None:
    """Samples process `pid` for `seconds`; the raw profile, or None when py-spy can't."""
    spy = shutil.which("py-spy") or str(ROOT / ".venv" / "bin" / "py-spy")
    command = [spy, "record", "--pid", str(pid), "--duration", str(seconds)]
    command += ["--rate", str(rate), "--format", "raw", "--nonblocking", "-o", str(out)]
    try:
        subprocess.run(  # noqa: S603 - py-spy from our environment
            command, check=True, capture_output=True, timeout=seconds + 60
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out if out.exists() else None


def _short(frame: str) -> str:
    match = _FRAME.match(frame.strip())
    if match is None:
        return frame.strip()
    path = match["file"]
    for marker in ("/site-packages/", str(ROOT) + "/"):
        if marker in path:
            path = path.split(marker, 1)[1]
    return f"{match['func']} ({path})"


def summarise(raw: Path, top: int = 8) -> Profile:
    """Sums a raw py-spy profile by part of the code and by leaf function."""
    parts: Counter[str] = Counter()
    leaves: Counter[str] = Counter()
    ours: Counter[str] = Counter()
    total = 0
    for line in raw.read_text(errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not count_text.isdigit():
            continue
        count = int(count_text)
        frames = stack.split(";")
        total += count
        for name, pattern in PARTS:
            if any(pattern.search(f) for f in frames):
                parts[name] += count
        leaves[_short(frames[-1])] += count
        own = {_short(f) for f in frames if OURS.search(f)}
        for frame in own:
            ours[frame] += count
    if total == 0:
        return Profile(0, [], [], [])

    def shares(counter: Counter[str], n: int) -> list[tuple[str, float]]:
        return [(k, round(100 * v / total, 1)) for k, v in counter.most_common(n)]

    return Profile(total, shares(parts, len(PARTS)), shares(leaves, top), shares(ours, top))
