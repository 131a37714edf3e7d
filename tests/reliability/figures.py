"""The reliability figures this suite measures, collected as the tests run and printed
at the end of the session (conftest.py's terminal summary; docs/reliability.md)."""

from __future__ import annotations

from collections import defaultdict
from threading import Lock

_lock = Lock()
FIGURES: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))


def add(section: str, name: str, amount: int = 1) -> None:
    with _lock:
        FIGURES[section][name] += amount


_seen: dict[tuple[str, str], set[str]] = defaultdict(set)


def add_unique(section: str, name: str, item: str) -> None:
    """Count distinct items (e.g. operations fuzzed)."""
    with _lock:
        if item not in _seen[(section, name)]:
            _seen[(section, name)].add(item)
            FIGURES[section][name] += 1


def lines() -> list[str]:
    order = ["fuzz", "bad input", "faults", "webhooks", "provisioning", "load", "isolation", "secrets"]
    out = []
    for section in sorted(FIGURES, key=lambda s: (order.index(s) if s in order else 99, s)):
        values = ", ".join(f"{k} {v}" for k, v in FIGURES[section].items())
        out.append(f"{section:>12}: {values}")
    return out
