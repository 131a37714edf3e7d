"""Reliability and security suite (docs/reliability.md): shared helpers and the
summary printed at the end of `make test`."""

from __future__ import annotations

from . import figures


def pytest_terminal_summary(terminalreporter, exitstatus, config):  # noqa: ARG001
    lines = figures.lines()
    if not lines:
        return
    terminalreporter.section("reliability summary (docs/reliability.md)")
    for line in lines:
        terminalreporter.write_line(line)
