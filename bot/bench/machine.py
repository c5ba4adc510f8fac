"""The machine a benchmark ran on: CPU, cores, memory, load, Python, PostgreSQL."""

from __future__ import annotations

import os
import platform
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Machine:
    """What the report says about the machine; load averages are sampled during the run."""

    cpu: str
    cores: int
    memory_gb: float
    python: str
    postgres: str = "(not used)"
    system: str = field(default_factory=platform.platform)
    loads: list[tuple[str, tuple[float, float, float]]] = field(default_factory=list)

    def sample_load(self, moment: str) -> None:
        """Remembers the 1, 5 and 15 minute load averages at `moment`."""
        self.loads.append((moment, os.getloadavg()))


def describe() -> Machine:
    """This machine, its load now."""
    machine = Machine(_cpu_model(), os.cpu_count() or 1, _memory_gb(), platform.python_version())
    machine.sample_load("start")
    return machine


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory_gb() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return 0.0


def rss_mb(pid: int) -> tuple[float, float]:
    """(resident, peak resident) memory of a process in MB; zeros when it is gone."""
    values = {"VmRSS": 0.0, "VmHWM": 0.0}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key = line.split(":", 1)[0]
            if key in values:
                values[key] = int(line.split()[1]) / 1024
    except OSError:
        pass
    return round(values["VmRSS"], 1), round(values["VmHWM"], 1)


def children(pid: int) -> list[int]:
    """The direct child processes of `pid`."""
    found: list[int] = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            text = (task / "children").read_text().split()
            found.extend(int(p) for p in text)
    except OSError:
        pass
    return found


def command_of(pid: int) -> str:
    """The command line of a process ("" when it is gone)."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
    except OSError:
        return ""


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process has used so far; 0 when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def busy_cpu_seconds() -> float:
    """CPU time the whole machine has been busy so far, summed over cores (/proc/stat: user,
    nice, system, irq, softirq)."""
    try:
        first = Path("/proc/stat").read_text().splitlines()[0].split()
    except (OSError, IndexError):
        return 0.0
    user, nice, system, _idle, _iowait, irq, softirq = (int(v) for v in first[1:8])
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")
