"""CPU per message by process in the benchmark report: read from /proc, turned into a
ceiling of messages per second."""

from __future__ import annotations

import os
import time

from bot.bench.latency import Result
from bot.bench.machine import Machine, busy_cpu_seconds, cpu_seconds
from bot.bench.report import _cpu_lines
from bot.bench.suite import Results


def test_a_process_cpu_time_grows_with_its_work_and_is_zero_once_it_is_gone() -> None:
    before, machine = cpu_seconds(os.getpid()), busy_cpu_seconds()
    until = time.process_time() + 0.2
    while time.process_time() < until:
        pass
    assert cpu_seconds(os.getpid()) - before >= 0.1
    assert busy_cpu_seconds() - machine >= 0.1
    assert cpu_seconds(2**22 + 12345) == 0.0  # above Linux's largest pid


def test_the_ceiling_is_the_cores_over_the_cpu_a_message_costs() -> None:
    machine = Machine(cpu="test", cores=2, memory_gb=1.0, python="3.11")
    scenario = Result(
        name="buttons x100",
        kind="button",
        concurrency=100,
        requests=1000,
        ok=1000,
        wall_s=4.0,
        e2e=(1.0, 2.0, 3.0),
        outside_nlu=(1.0, 2.0, 3.0),
        nlu=(0.0, 0.0, 0.0),
        nlu_share=0.0,
        cpu_ms={"gateway": 3.0, "Rasa": 0.0, "load generator": 0.4, "rest": 0.6},
    )
    lines = _cpu_lines(Results(machine, scenarios=[scenario]))
    assert "| buttons x100 | 3.00 | 0.00 | 0.40 | 0.60 | 4.00 | 500 | 250 |" in lines
    assert _cpu_lines(Results(machine)) == []
