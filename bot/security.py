"""Security checks of the repository itself, run by `make test` (scripts/check).

`ltsa security secrets` looks through every tracked file for credentials that must never be
committed: Telegram bot tokens, Meta access tokens, private keys, cloud keys, passwords in
URLs. A line may carry `allow-secret` when it holds a deliberately fake value (tests).

`ltsa security audit` runs pip-audit over the locked dependencies of both environments (the
gateway's uv.lock and Rasa's requirements.lock). pip-audit asks PyPI's vulnerability service
about each pinned version; packages the service cannot answer for are listed as not audited
(on a machine without that service, most of them) and do not fail the check; a known
vulnerability does.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bot.settings import ROOT

PATTERNS = {
    "Telegram bot token": re.compile(r"\b\d{8,10}:AA[A-Za-z0-9_-]{33}\b"),
    "Meta access token": re.compile(r"\bEAA[A-Za-z0-9]{60,}\b"),
    "private key": re.compile(r"-----BEGIN (?:RSA |EC |OPENSSH |DSA |)PRIVATE KEY-----"),
    "AWS access key": re.compile(r"\bAKIA[0-9A-Z]{16}\b"),
    "GitHub token": re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}\b"),
    "password in a URL": re.compile(
        r"\b[a-z+]+://[^/\s:@]+:(?!\{|\$|\*|x+@|password@)[^/\s@]{6,}@"
    ),
}
ALLOW = "allow-secret"
SKIP_SUFFIXES = {".png", ".jpg", ".ico", ".gz", ".lock", ".woff2", ".pdf"}


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    kind: str


def tracked_files(root: Path = ROOT) -> list[Path]:
    out = subprocess.run(
        ["git", "ls-files", "-z"],  # noqa: S607 - git from PATH
        cwd=root,
        capture_output=True,
        check=True,
    ).stdout.decode()
    return [root / name for name in out.split("\0") if name]


def scan_text(text: str, path: str) -> list[Finding]:
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        if ALLOW in line:
            continue
        found += [Finding(path, number, kind) for kind, rx in PATTERNS.items() if rx.search(line)]
    return found


def scan(files: list[Path], root: Path = ROOT) -> list[Finding]:
    """Every credential-looking line in `files`."""
    found: list[Finding] = []
    for path in files:
        if path.suffix in SKIP_SUFFIXES or not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        found += scan_text(text, str(path.relative_to(root)))
    return found


def secrets_command() -> int:
    files = tracked_files()
    found = scan(files)
    for f in found:
        print(f"{f.path}:{f.line}: looks like a {f.kind}")
    print(f"secrets: {len(files)} tracked files, {len(found)} findings")
    return 1 if found else 0


def _requirements() -> dict[str, str]:
    """Name of each environment -> its pinned requirements as text."""
    uv = ROOT / ".venv-tools" / "bin" / "uv"
    exported = subprocess.run(  # noqa: S603 - uv with fixed arguments
        [str(uv) if uv.exists() else "uv", "export", "--frozen", "--no-hashes", "-q"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    gateway = "\n".join(line for line in exported.splitlines() if not line.startswith("-e "))
    rasa = (ROOT / "nlu" / "rasa-env" / "requirements.lock").read_text(encoding="utf-8")
    return {"gateway (uv.lock)": gateway, "Rasa (nlu/rasa-env/requirements.lock)": rasa}


SYSTEM_CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")


@dataclass(frozen=True)
class AuditResult:
    pinned: int
    audited: int
    vulnerable: list[str]  # "name version: ID, ID"
    error: str = ""  # why pip-audit gave no answer at all (no service, no network)


def read_audit(pinned: int, returncode: int, stdout: str, stderr: str) -> AuditResult:
    """pip-audit's JSON report -> what was audited and what is vulnerable."""
    try:
        report = json.loads(stdout)
        dependencies = report["dependencies"]
    except (ValueError, KeyError, TypeError):
        lines = [line for line in stderr.splitlines() if line.strip()]
        why = lines[-1] if lines else f"pip-audit exited with {returncode} and no report"
        return AuditResult(pinned, 0, [], error=why[:300])
    vulnerable = [
        f"{dep['name']} {dep.get('version', '?')}: "
        + ", ".join(str(v.get("id", "?")) for v in dep["vulns"])
        for dep in dependencies
        if dep.get("vulns")
    ]
    audited = sum(1 for dep in dependencies if "skip_reason" not in dep)
    return AuditResult(pinned, audited, vulnerable)


def audit_command(timeout: int = 20) -> int:
    """pip-audit over both environments; fails on a known vulnerability.

    A package the vulnerability service cannot answer for (or a machine that cannot reach the
    service at all) is reported as not audited and does not fail the check."""
    env = dict(os.environ)
    if SYSTEM_CA_BUNDLE.exists():  # requests ignores the system store unless told
        env.setdefault("REQUESTS_CA_BUNDLE", str(SYSTEM_CA_BUNDLE))
    failed = False
    for name, requirements in _requirements().items():
        pinned = sum(1 for line in requirements.splitlines() if "==" in line)
        with tempfile.NamedTemporaryFile("w", suffix=".txt") as req:
            req.write(requirements)
            req.flush()
            result = subprocess.run(  # noqa: S603 - our own environment's pip-audit
                [
                    str(Path(sys.executable).parent / "pip-audit"),
                    "--progress-spinner=off",
                    f"--timeout={timeout}",
                    "--no-deps",
                    "--disable-pip",
                    "--format=json",
                    "-r",
                    req.name,
                ],
                capture_output=True,
                text=True,
                check=False,
                env=env,
            )
        audit = read_audit(pinned, result.returncode, result.stdout, result.stderr)
        print(
            f"audit {name}: {audit.pinned} pinned, {audit.audited} audited, "
            f"{audit.pinned - audit.audited} not answered for"
        )
        if audit.error:
            print(f"  the vulnerability service gave no answer: {audit.error}")
        for line in audit.vulnerable:
            print(f"  VULNERABLE {line}")
        failed = failed or bool(audit.vulnerable)
    return 1 if failed else 0
