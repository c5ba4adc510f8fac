"""pip-audit's report is read for vulnerabilities; an unreachable service is said, not hidden."""

from __future__ import annotations

import json

from bot.security import read_audit

REPORT = {
    "dependencies": [
        {
            "name": "jinja2",
            "version": "3.1.2",
            "vulns": [{"id": "GHSA-h5c8-rqwp-cp95", "fix_versions": ["3.1.3"], "aliases": []}],
        },
        {"name": "httpx", "version": "0.28.1", "vulns": []},
        {"name": "idna", "skip_reason": "Dependency not found on PyPI and could not be audited"},
    ],
    "fixes": [],
}


def test_a_vulnerable_pin_is_named_with_its_advisory() -> None:
    audit = read_audit(3, 1, json.dumps(REPORT), "")
    assert audit.vulnerable == ["jinja2 3.1.2: GHSA-h5c8-rqwp-cp95"]
    assert (audit.pinned, audit.audited, audit.error) == (3, 2, "")


def test_packages_the_service_cannot_answer_for_are_not_counted_as_audited() -> None:
    skipped = {"dependencies": [REPORT["dependencies"][2]], "fixes": []}
    audit = read_audit(1, 0, json.dumps(skipped), "")
    assert (audit.audited, audit.vulnerable, audit.error) == (0, [], "")


def test_no_report_at_all_is_an_error_with_the_reason_not_a_clean_audit() -> None:
    stderr = "Traceback ...\nrequests.exceptions.SSLError: certificate verify failed\n"
    audit = read_audit(101, 1, "", stderr)
    assert audit.audited == 0
    assert audit.vulnerable == []
    assert audit.error == "requests.exceptions.SSLError: certificate verify failed"
