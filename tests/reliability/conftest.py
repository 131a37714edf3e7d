"""Reliability and security suite (docs/reliability.md): shared helpers and the
summary printed at the end of `make test`."""

from __future__ import annotations

from . import figures


def pytest_runtest_logreport(report):
    """Failures of each harness, for the summary (a schemathesis failure is one test)."""
    if report.when == "call" and "tests/reliability/" in report.nodeid.replace("\\", "/"):
        section = {"test_fuzz": "fuzz", "test_faults": "faults", "test_load": "load",
                   "test_security": "isolation", "test_bad_input": "bad input",
                   "test_webhook_faults": "webhooks", "test_provisioning_faults": "provisioning"}
        for name, key in section.items():
            if name in report.nodeid:
                figures.add(key, "failed tests", 1 if report.failed else 0)


def pytest_terminal_summary(terminalreporter, exitstatus, config):  # noqa: ARG001
    lines = figures.lines()
    if not lines:
        return
    terminalreporter.section("reliability summary (docs/reliability.md)")
    for line in lines:
        terminalreporter.write_line(line)
