"""`ltsa security secrets|audit`: no credential in the repository; no known-vulnerable pin."""

from __future__ import annotations

import argparse
from typing import Any

from bot import security


def register(sub: Any) -> None:
    parser = sub.add_parser("security", help="secret scan and dependency audit (make test)")
    commands = parser.add_subparsers(dest="security_command", required=True)
    commands.add_parser("secrets", help="credentials in tracked files").set_defaults(
        func=lambda _args: security.secrets_command()
    )
    audit = commands.add_parser("audit", help="pip-audit of both environments' locked pins")
    audit.add_argument("--timeout", type=int, default=20, help="seconds per request")
    audit.set_defaults(func=_audit)


def _audit(args: argparse.Namespace) -> int:
    return security.audit_command(args.timeout)
