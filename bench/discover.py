"""What there is to measure, found rather than listed: the functions of the route
table, the authorizer, and every other folder under functions/ with a handler.py
(stream processor, webhook delivery, a dashboard, ... as they are added). A new
function is measured with no change here.

A function may say more about itself in `functions/<name>/bench.json` (not shipped:
infra/functions.py leaves it out of the asset):

    {"kind": "http",                                  # how the report groups it (default:
                                                      #  http for a route, authorizer, else event)
     "floor_includes": ["fastapi", "starlette", "mangum"],
     "why": "the dashboard is a FastAPI app: FastAPI is its framework by design"}

`floor_includes` names the web frameworks its cold-start floor may hold. Without it a
framework its code imports (FRAMEWORKS: what issue 16 took off the API functions) is
kept out of the floor and counts as the function's own import cost, so bringing one
back into an API function shows in its ratio instead of hiding in its floor.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FUNCTIONS = ROOT / "functions"
SHARED_SRC = ROOT / "layers" / "shared" / "python"
REQUIREMENTS = ROOT / "layers" / "deps" / "requirements.txt"
BUILD = ROOT / "build"
DECLARATION = "bench.json"
FRAMEWORKS = ("fastapi", "starlette", "mangum")


@dataclass(frozen=True)
class Function:
    name: str
    kind: str  # "http" (a row of the route table), "authorizer", or "event" (everything else)
    method: str | None = None
    path: str | None = None
    floor_includes: tuple[str, ...] = field(default=())

    @property
    def folder(self) -> Path:
        return FUNCTIONS / self.name


def declaration(name: str) -> dict[str, Any]:
    """functions/<name>/bench.json, or {} (a malformed one is an error, not ignored)."""
    path = FUNCTIONS / name / DECLARATION
    if not path.is_file():
        return {}
    data = json.loads(path.read_text())
    unknown = set(data) - {"kind", "floor_includes", "measured_by", "why"}
    if unknown or not isinstance(data.get("floor_includes", []), list):
        raise ValueError(f"functions/{name}/{DECLARATION}: unknown keys {sorted(unknown)} or floor_includes not a list")
    return data


def _function(name: str, kind: str, method: str | None = None, path: str | None = None) -> Function:
    declared = declaration(name)
    return Function(name, declared.get("kind", kind), method, path, tuple(declared.get("floor_includes", ())))


def functions() -> list[Function]:
    from resource_api import routes

    out: list[Function] = []
    seen: set[str] = set()
    for route in routes.ROUTES:
        if route.function not in seen and (FUNCTIONS / route.function / "handler.py").is_file():
            out.append(_function(route.function, "http", route.method, route.path))
            seen.add(route.function)
    authorizer = getattr(routes, "AUTHORIZER_FUNCTION", "authorizer")
    if (FUNCTIONS / authorizer / "handler.py").is_file():
        out.append(_function(authorizer, "authorizer"))
        seen.add(authorizer)
    for folder in sorted(FUNCTIONS.iterdir()) if FUNCTIONS.is_dir() else []:
        # A function that declares another phase measures it (`measured_by`: the dashboard,
        # with a layer of its own, is bench/dashboard.py's) is not counted here.
        if folder.name not in seen and (folder / "handler.py").is_file() and not declaration(folder.name).get("measured_by"):
            out.append(_function(folder.name, "event"))
    return out


def floor_imports(imports: list[list[Any]], floor_includes: tuple[str, ...] | list[str] = ()
                  ) -> tuple[list[list[Any]], list[list[Any]]]:
    """A function's discovered third-party imports split into its floor and what is kept
    out of it: an import of a web framework (FRAMEWORKS) the function did not declare."""
    floor, kept_out = [], []
    for entry in imports:
        top = entry[0].split(".")[0]
        (kept_out if top in FRAMEWORKS and top not in floor_includes else floor).append(entry)
    return floor, kept_out


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
