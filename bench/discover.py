"""What there is to measure, found rather than listed: the functions of the route
table, the authorizer, and every other folder under functions/ (stream processor,
webhook delivery, provisioning steps, ... as they are added)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FUNCTIONS = ROOT / "functions"
SHARED_SRC = ROOT / "layers" / "shared" / "python"
REQUIREMENTS = ROOT / "layers" / "deps" / "requirements.txt"
BUILD = ROOT / "build"


@dataclass(frozen=True)
class Function:
    name: str
    kind: str  # "http" (a row of the route table), "authorizer", or "event" (everything else)
    method: str | None = None
    path: str | None = None

    @property
    def folder(self) -> Path:
        return FUNCTIONS / self.name


def functions() -> list[Function]:
    from resource_api import routes

    out: list[Function] = []
    seen: set[str] = set()
    for route in routes.ROUTES:
        if route.function not in seen and (FUNCTIONS / route.function / "handler.py").is_file():
            out.append(Function(route.function, "http", route.method, route.path))
            seen.add(route.function)
    authorizer = getattr(routes, "AUTHORIZER_FUNCTION", "authorizer")
    if (FUNCTIONS / authorizer / "handler.py").is_file():
        out.append(Function(authorizer, "authorizer"))
        seen.add(authorizer)
    for folder in sorted(FUNCTIONS.iterdir()) if FUNCTIONS.is_dir() else []:
        # The dashboard has a layer of its own and a phase of its own (bench/dashboard.py).
        if folder.name not in seen and folder.name != "dashboard" and (folder / "handler.py").is_file():
            out.append(Function(folder.name, "event"))
    return out


def routes_matching(pattern: str) -> list:
    """Route table rows whose path or function matches a regular expression."""
    from resource_api import routes

    rx = re.compile(pattern)
    return [r for r in routes.ROUTES if rx.search(r.path) or rx.search(r.function)]


def lambda_memory_mb() -> tuple[int, str]:
    """The memory the functions are configured with, read from the CDK app."""
    for path in sorted((ROOT / "infra").glob("*.py")) if (ROOT / "infra").is_dir() else []:
        m = re.search(r"(memory_size|MEMORY_MB)\s*=\s*(\d+)", path.read_text())
        if m:
            return int(m.group(2)), f"{path.relative_to(ROOT)} ({m.group(1)}={m.group(2)})"
    return 512, "default assumed (no memory_size found in infra/)"


def layer_dirs() -> dict[str, Path]:
    """Built layers (make build), if present: name -> folder holding python/."""
    out = {}
    for name in ("shared", "deps"):
        folder = BUILD / "layers" / name
        if (folder / "python").is_dir():
            out[name] = folder
    return out


def env_for_children() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(SHARED_SRC)])
    return env
