"""reports/bench.md from a benchmark run: the machine, every figure against its target."""

from __future__ import annotations

import datetime as dt
from typing import Any

from bot.bench.suite import Results

# The targets of the issue (2 cores, PostgreSQL).
OUTSIDE_P50_MS, OUTSIDE_P99_MS = 5.0, 25.0
TEXTS_PER_S, BUTTONS_PER_S = 150.0, 1000.0
BROADCAST_SHARE = 0.95
RACE_P99_MS = 250.0


def _mark(ok: bool) -> str:
    return "✓" if ok else "✗"


def _ms(values: tuple[float, float, float]) -> str:
    return " / ".join(f"{v:.1f}" for v in values)


def _not_ok(results: Results) -> list[str]:
    """A line per scenario with requests that were not answered 200, and how they ended."""
    lines = []
    for r in [*results.scenarios, *results.multi]:
        other = {k: n for k, n in r.statuses.items() if k != "200"}
        if other:
            ends = ", ".join(f"{n} × {k}" for k, n in sorted(other.items()))
            lines.append(f"- {r.name}: {ends}")
    return ["Requests not answered with 200:", "", *lines, ""] if lines else []


def targets(results: Results) -> list[tuple[str, str, str, str]]:
    """(measure, target, measured, ✓/✗) rows."""
    rows: list[tuple[str, str, str, str]] = []
    for r in [*results.scenarios, *results.multi]:
        if r.name.endswith("repeated") or (r.kind == "button" and r.concurrency != 100):
            continue
        p50, _, p99 = r.outside_nlu
        rows.append(
            (
                f"gateway time outside NLU p50, {r.name}",
                "≤ 5 ms",
                f"{p50:.1f} ms",
                _mark(p50 <= OUTSIDE_P50_MS),
            )
        )
        rows.append(
            (
                f"gateway time outside NLU p99, {r.name}",
                "≤ 25 ms",
                f"{p99:.1f} ms",
                _mark(p99 <= OUTSIDE_P99_MS),
            )
        )
    throughput = {
        "text": ("text messages/s", "≥ 150/s", TEXTS_PER_S),
        "button": ("button presses/s", "≥ 1,000/s", BUTTONS_PER_S),
    }
    for kind, (label, target, least) in throughput.items():
        for r in [*results.scenarios, *results.multi]:
            if r.kind == kind and r.concurrency == 100:
                measured = f"{r.per_s:.0f}/s"
                rows.append((f"{label}, {r.name}", target, measured, _mark(r.per_s >= least)))
    b = results.broadcast
    if b:
        for platform in ("telegram", "whatsapp"):
            rate, limit = b.get(f"{platform}_per_s"), b.get(f"{platform}_limit")
            if isinstance(rate, int | float) and isinstance(limit, int | float) and limit:
                share = rate / limit
                rows.append(
                    (
                        f"broadcast, {platform}",
                        f"≥ 95 % of {limit:g}/s",
                        f"{rate:.1f}/s ({share:.0%})",
                        _mark(share >= BROADCAST_SHARE),
                    )
                )
    else:
        rows.append(
            (
                "broadcast throughput",
                "≥ 95 % of the limit",
                results.broadcast_note or "not run",
                "–",
            )
        )
    if results.race_50:
        p99 = float(results.race_50.get("own_p99_ms", 0.0))
        rows.append(
            (
                "booking attempt p99, 50 in flight (warmed up)",
                "≤ 250 ms",
                f"{p99:.0f} ms",
                _mark(p99 <= RACE_P99_MS),
            )
        )
    if results.race:
        race = results.race
        counts = ("booked", "seats_taken", "bookings", "errors")
        exact = tuple(race.get(k) for k in counts) == (30, 30, 30, 0)
        rows.append(
            (
                "booking race, 500 at once for 30 seats",
                "exactly 30, no error",
                f"{race.get('booked')} booked, {race.get('errors')} errors",
                _mark(exact),
            )
        )
    return rows


def _table(header: list[str], rows: list[list[Any]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return lines


def _path_lines(results: Results) -> list[str]:
    """What one message costs inside the gateway (`bot.bench.pathcost`)."""
    if not results.path:
        return []
    return [
        "## One message inside the gateway (`bot.bench.pathcost`)",
        "",
        "The real pipeline in the benchmark's own process on a fresh database, messages one "
        "after another from five known users, no HTTP; typed text is answered by a stand-in "
        "NLU that returns at once: four passport questions, and the held-out messages the web "
        "chat scenarios send, each read as its labelled intent, six from each new sender as in "
        "the x100 scenarios. Per message: transactions and "
        "SQL statements (SQLAlchemy events, and on PostgreSQL the statements sent straight "
        "through asyncpg: a known user's text stored in two single statements, and a press or "
        "the answer to a text in one transaction of plain statements), the process's CPU time "
        "(mean) and wall time (p50).",
        "",
        *_table(
            ["message", "transactions", "statements", "CPU ms", "wall ms p50"],
            [[kind, *cost.row()] for kind, cost in results.path.items()],
        ),
        "",
    ]


CPU_GROUPS = ("gateway", "Rasa", "load generator", "rest")


def _cpu_lines(results: Results) -> list[str]:
    """CPU per answered message, by process, and the throughput those costs allow."""
    measured = [r for r in [*results.scenarios, *results.multi] if r.cpu_ms]
    if not measured:
        return []
    cores = results.machine.cores
    rows = []
    for r in measured:
        total = sum(r.cpu_ms.get(group, 0.0) for group in CPU_GROUPS)
        ceiling = f"{cores * 1000 / total:.0f}" if total else "–"
        rows.append(
            [
                r.name,
                *(f"{r.cpu_ms.get(group, 0.0):.2f}" for group in CPU_GROUPS),
                f"{total:.2f}",
                ceiling,
                f"{r.per_s:.0f}",
            ]
        )
    return [
        "## CPU per message, by process",
        "",
        "Milliseconds of CPU (user + system, from `/proc`) each process group spent during the "
        "scenario, divided by the messages answered; *rest* is the rest of the machine's busy "
        "time (`/proc/stat`): PostgreSQL, the kernel's network stack, anything else running. "
        f"With every core busy, the machine can answer at most {cores} × 1,000 ms over the "
        "total per second (*ceiling*); a target above the ceiling needs less CPU per message, "
        "not less waiting.",
        "",
        *_table(["scenario", *CPU_GROUPS, "total", "ceiling msg/s", "measured msg/s"], rows),
        "",
    ]


def render(results: Results, finding: str) -> str:
    """The whole report as Markdown."""
    m = results.machine
    loads = ", ".join(f"{when} {a:.2f} / {b:.2f} / {c:.2f}" for when, (a, b, c) in m.loads)
    out = [
        "# Benchmarks",
        "",
        f"`make bench` (`ltsa bench`), {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC. Benchmarks "
        "report numbers and assert nothing; the targets are the issue's, for 2 cores with "
        "PostgreSQL. The gateway ran as `ltsa serve` (uvicorn) on a fresh PostgreSQL database "
        "with the real Rasa model; load came from another process (`bot.bench.load`, its own "
        "HTTP/1.1 client on asyncio).",
        "",
        "## Machine",
        "",
        *_table(
            ["CPU", "cores", "memory", "Python", "PostgreSQL", "system"],
            [[m.cpu, m.cores, f"{m.memory_gb} GB", m.python, m.postgres, m.system]],
        ),
        "",
        f"Load average (1 / 5 / 15 min): {loads}. The machine is shared with other developers: "
        "a busy moment shows in these numbers.",
        "",
        "## Against the targets",
        "",
        *_table(["measure", "target", "measured", ""], [list(r) for r in targets(results)]),
        "",
        "## Web chat end to end (`POST /webhooks/rest/webhook`)",
        "",
        "Milliseconds, p50 / p95 / p99. *End to end*: at the load generator. *Outside NLU*: the "
        "gateway's own time for the request (Server-Timing total minus the NLU stage). "
        "*NLU share*: NLU stage time over the gateway's time, summed over requests.",
        "",
        *_table(
            [
                "scenario",
                "conv.",
                "requests",
                "ok",
                "msg/s",
                "end to end",
                "outside NLU",
                "NLU",
                "NLU share",
                "cache hits",
            ],
            [
                [
                    r.name,
                    r.concurrency,
                    r.requests,
                    r.ok,
                    f"{r.per_s:.0f}",
                    _ms(r.e2e),
                    _ms(r.outside_nlu),
                    _ms(r.nlu),
                    f"{r.nlu_share:.0%}",
                    f"{r.cache_hits}/{r.cache_hits + r.cache_misses}",
                ]
                for r in [*results.scenarios, *results.multi]
            ],
        ),
        "",
        *_not_ok(results),
        f"Gateway start to healthy (Rasa loading its model): {results.gateway_ready_s} s.",
        "",
        *_cpu_lines(results),
        *_path_lines(results),
        "## Memory (RSS after the load, MB; peak in brackets)",
        "",
        *_table(["process", "RSS", "peak"], [[k, v[0], v[1]] for k, v in results.memory.items()]),
        "",
        "## Profile (py-spy, sampling the gateway under load)",
        "",
        finding,
    ]
    for name, profile in results.profiles.items():
        out += [
            "",
            f"**{name}**, {profile.samples} samples. Share of samples with a frame of:",
            "",
        ]
        out += _table(["part of the code", "share"], [[k, f"{v} %"] for k, v in profile.parts])
        out += ["", "Our functions on the stack (inclusive):", ""]
        out += _table(["function", "share"], [[f"`{k}`", f"{v} %"] for k, v in profile.ours])
        out += ["", "Running themselves (leaf frames):", ""]
        out += _table(["function", "share"], [[f"`{k}`", f"{v} %"] for k, v in profile.leaves])
    out += ["", "## Booking race (`bot.bench.booking_race`)", ""]
    for title, numbers in (
        ("500 at once for 30 seats, 4 processes", results.race),
        (
            "1,000 attempts for 200 seats, 50 in flight (2 processes x 25), fresh processes",
            results.race_50_cold,
        ),
        (
            "1,000 attempts for 200 seats, 50 in flight (2 processes x 25), each process "
            f"warmed up by {results.race_50.get('warm_up', 0)} presses on another session",
            results.race_50,
        ),
    ):
        if numbers:
            out += [
                f"{title}:",
                "",
                *_table(["measure", "value"], [[k, v] for k, v in numbers.items()]),
                "",
            ]
    out += ["## Broadcast (`bot.bench.broadcast`, fake platform APIs)", ""]
    if results.broadcast:
        out += _table(["measure", "value"], [[k, v] for k, v in results.broadcast.items()])
    else:
        out.append(results.broadcast_note or "not run")
    out += ["", '## Cold start of `make run` (until `/healthz` says `"nlu": "ok"`)', ""]
    out += _table(["case", "seconds"], [[k, v] for k, v in results.cold.items()])
    out += [
        "",
        "Without a model: empty models and cache folders and Rasa's training cache off, so "
        "`make run` trains the model first.",
    ]
    return "\n".join(out) + "\n"
