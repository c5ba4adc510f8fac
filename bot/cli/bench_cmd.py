"""`ltsa bench`: runs the benchmarks and writes reports/bench.md (what `make bench` calls).

ltsa bench [--only gateway|booking|broadcast|cold] [--quick] [--sqlite] [--rasa-processes N]

Every part gets a fresh database (`bot.bench.database`): a temporary PostgreSQL database on
the server at LTSA_BENCH_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/postgres)
when one answers, otherwise (or with --sqlite) a temporary SQLite file. The parts are those of
`bot.bench.suite`; the report (`bot.bench.report`) sets every figure against its target.
Benchmarks report numbers; the tests assert behaviour.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import Any

from bot.bench import report, suite
from bot.bench.profile import Profile
from bot.settings import ROOT

REPORT = ROOT / "reports" / "bench.md"
PARTS = ("gateway", "booking", "broadcast", "cold")


def register(sub: Any) -> None:
    """Adds `ltsa bench` to the command line."""
    bench = sub.add_parser("bench", help="run the benchmarks, write reports/bench.md")
    bench.add_argument("--only", choices=PARTS, default=None, help="one part of the run")
    bench.add_argument(
        "--quick", action="store_true", help="skip the cold start that trains a model (minutes)"
    )
    bench.add_argument("--sqlite", action="store_true", help="temporary SQLite, not PostgreSQL")
    bench.add_argument(
        "--rasa-processes", type=int, default=2, help="Rasa servers for the multi-server run"
    )
    bench.add_argument("--report", type=Path, default=REPORT, help="where the report goes")
    bench.set_defaults(func=bench_command)


def finding(profiles: dict[str, Profile]) -> str:
    """One paragraph on where the gateway's time went, read off the profiles."""
    if not profiles:
        return "py-spy could not sample the gateway (it needs ptrace); no profile this run."
    lines = []
    for name, profile in profiles.items():
        if not profile.samples:
            continue
        parts = ", ".join(f"{part} {share:.0f} %" for part, share in profile.parts[:3])
        leaf = profile.leaves[0] if profile.leaves else ("–", 0.0)
        lines.append(
            f"- {name}: of {profile.samples} samples, the stack held {parts}; the busiest "
            f"function running itself was `{leaf[0]}` ({leaf[1]:.0f} %)."
        )
    return "\n".join(lines) or "The profiles held no samples."


def bench_command(args: argparse.Namespace) -> int:
    """Runs the chosen parts of the benchmark and writes the report."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    results = suite.run_all(
        quick=args.quick, rasa_processes=args.rasa_processes, sqlite=args.sqlite, only=args.only
    )
    text = report.render(results, finding(results.profiles))
    args.report.parent.mkdir(parents=True, exist_ok=True)
    args.report.write_text(text, encoding="utf-8")
    for row in report.targets(results):
        print(" | ".join(row))
    print(f"wrote {args.report}")
    return 0
