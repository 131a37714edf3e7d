"""Phase 1: cold start per function. Median import time of its handler module in a
fresh interpreter with compiled bytecode present, beside the floor: a fresh
interpreter importing only the third-party modules that function's code imports.
Also the peak RSS of each process.

The interpreter is laid out as Lambda lays it out: the function's folder first (a
fresh copy with no __pycache__, as in the deployed asset, imported as `handler`), then
the shared layer, then the dependency layer, then the runtime's boto3 (from the venv).
Layers come from `make build` (build/layers/shared, build/host-deps: this machine's
twin of the aarch64 dependency layer, with the same unchecked-hash .pyc), or, when
they were not built, from the sources and the venv with their ordinary .pyc.

Which third-party modules a function needs is found, not listed: a discovery process
imports the handler with `__import__` wrapped and records every import statement our
code (the handler and resource_api) makes of a module outside the standard library;
the floor process replays exactly those statements.

    python -m bench.coldstart OUT.json [--runs N]
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import discover

ROOT = discover.ROOT

DISCOVER = r"""
import builtins, json, sys
paths = json.loads(sys.argv[1]); sys.path[0:0] = paths
ours = ("handler", "resource_api")
seen = []
real = builtins.__import__
def record(name, globals=None, locals=None, fromlist=(), level=0):
    importer = (globals or {}).get("__name__", "")
    if level == 0 and (importer == "handler" or importer.split(".")[0] in ours):
        top = name.split(".")[0]
        if top not in sys.stdlib_module_names and top not in ours and top != "__future__":
            entry = [name, sorted(fromlist or ())]
            if entry not in seen:
                seen.append(entry)
    return real(name, globals, locals, fromlist, level)
builtins.__import__ = record
import handler
print(json.dumps(seen))
"""

TIME_HANDLER = r"""
import json, resource, sys, time
sys.path[0:0] = json.loads(sys.argv[1])
t0, c0 = time.perf_counter(), time.process_time()
import handler
t1, c1 = time.perf_counter(), time.process_time()
print(json.dumps({"ms": (t1 - t0) * 1000, "cpu_ms": (c1 - c0) * 1000,
                  "rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""

TIME_FLOOR = r"""
import json, resource, sys, time
sys.path[0:0] = json.loads(sys.argv[1])
imports = json.loads(sys.argv[2])
t0, c0 = time.perf_counter(), time.process_time()
for name, fromlist in imports:
    __import__(name, fromlist=fromlist)
t1, c1 = time.perf_counter(), time.process_time()
print(json.dumps({"ms": (t1 - t0) * 1000, "cpu_ms": (c1 - c0) * 1000,
                  "rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def lambda_env() -> dict[str, str]:
    """The environment a deployed function starts with (what matters to imports)."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "TABLE_NAME": "resource-api",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "POWERTOOLS_SERVICE_NAME": "resource-api",
        "POWERTOOLS_LOG_LEVEL": "INFO",
        "STAGE": "production",
        # Lambda hands the execution role's credentials to the function in these. A
        # function that builds its AWS clients at init reads them then; without them
        # botocore would walk its credential chain to the EC2 metadata service (a network
        # call off this machine). Placeholders: nothing here calls AWS.
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_SESSION_TOKEN": "bench",
    }


def build_layers() -> str:
    """Bring build/ up to date with `python -m infra.build --host-twin` when the project has it."""
    if not (ROOT / "infra" / "build.py").is_file():
        return "no infra/build.py: layers taken from the sources and the venv"
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "infra.build", "--host-twin"], cwd=ROOT, env=discover.env_for_children(),
            capture_output=True, text=True, timeout=300,
        )
    except subprocess.TimeoutExpired:
        return "python -m infra.build --host-twin timed out"
    if proc.returncode != 0:
        return f"python -m infra.build --host-twin failed: {(proc.stderr or proc.stdout).strip()[-300:]}"
    return "python -m infra.build --host-twin (up to date or rebuilt)"


def layer_paths() -> tuple[list[str], str]:
    shared = ROOT / "build" / "layers" / "shared" / "python"
    host_deps = ROOT / "build" / "host-deps" / "python"
    if shared.is_dir() and host_deps.is_dir():
        return [str(shared), str(host_deps)], "build/layers/shared + build/host-deps (unchecked-hash .pyc, as shipped)"
    import compileall

    compileall.compile_dir(str(discover.SHARED_SRC), quiet=1)
    return [str(discover.SHARED_SRC)], "layers/shared/python + venv site-packages (ordinary .pyc; make build not run)"


def _spawn(script: str, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-E", "-s", "-B", "-c", script, *args],
        env=lambda_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tempfile.gettempdir(),
    )


def _result(proc: subprocess.Popen) -> dict[str, Any]:
    out, err = proc.communicate(timeout=120)
    if proc.returncode != 0:
        raise RuntimeError(err.strip().splitlines()[-1] if err.strip() else f"exit {proc.returncode}")
    return json.loads(out.strip().splitlines()[-1])


def _pair(handler_paths: list[str], layers: list[str], imports_key: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """A handler import and its floor, started together: whatever the machine is doing
    meanwhile, both see it."""
    a = _spawn(TIME_HANDLER, json.dumps(handler_paths))
    b = _spawn(TIME_FLOOR, json.dumps(layers), imports_key)
    try:
        return _result(a), _result(b)
    finally:
        for proc in (a, b):
            if proc.poll() is None:
                proc.kill()


def summarise(functions: dict[str, dict[str, Any]], layout: str, build_note: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, entry in functions.items():
        row: dict[str, Any] = {"kind": entry["kind"]}
        if "na" in entry or not entry.get("samples"):
            row["na"] = entry.get("na", "no sample before the phase's time ran out")
            out[name] = row
            continue
        n = min(len(entry["samples"]), len(entry["floor_samples"]))
        mine, base = entry["samples"][:n], entry["floor_samples"][:n]
        ms = statistics.median(s["ms"] for s in mine)
        floor_ms = statistics.median(s["ms"] for s in base)
        cpu = statistics.median(s["cpu_ms"] for s in mine)
        floor_cpu = statistics.median(s["cpu_ms"] for s in base)
        row.update(
            import_ms=round(ms, 1),
            floor_ms=round(floor_ms, 1),
            ratio=round(ms / floor_ms, 3) if floor_ms else None,
            import_cpu_ms=round(cpu, 1),
            floor_cpu_ms=round(floor_cpu, 1),
            cpu_ratio=round(cpu / floor_cpu, 3) if floor_cpu else None,
            rss_mb=round(statistics.median(s["rss_kb"] for s in mine) / 1024, 1),
            floor_rss_mb=round(statistics.median(s["rss_kb"] for s in base) / 1024, 1),
            import_ms_samples=[round(s["ms"], 1) for s in mine],
            floor_ms_samples=[round(s["ms"], 1) for s in base],
            third_party_imports=[f"from {n_} import {', '.join(f)}" if f else f"import {n_}" for n_, f in entry["imports"]],
        )
        out[name] = row
    rounds = [len(e["samples"]) for e in functions.values() if "samples" in e]
    return {"runs": min(rounds) if rounds else 0, "runs_max": max(rounds) if rounds else 0, "layout": layout, "build": build_note,
            "python": sys.version.split()[0], "functions": out}


def run(runs: int, budget: float | None = None, out_path: str | None = None) -> dict[str, Any]:
    begun = time.monotonic()
    build_note = build_layers()
    layers, layout = layer_paths()
    work = Path(tempfile.mkdtemp(prefix="bench-coldstart-"))
    try:
        functions: dict[str, dict[str, Any]] = {}
        for fn in discover.functions():
            asset = work / fn.name
            shutil.copytree(fn.folder, asset, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
            functions[fn.name] = {"kind": fn.kind, "paths": [str(asset), *layers]}
        names = list(functions)
        for i in range(0, len(names), 2):  # discovery, two processes at a time
            procs = {n: _spawn(DISCOVER, json.dumps(functions[n]["paths"])) for n in names[i : i + 2]}
            for name, proc in procs.items():
                try:
                    out, err = proc.communicate(timeout=120)
                    if proc.returncode != 0:
                        raise RuntimeError(err.strip().splitlines()[-1] if err.strip() else f"exit {proc.returncode}")
                    functions[name]["imports"] = json.loads(out.strip().splitlines()[-1])
                except Exception as exc:
                    functions[name]["na"] = f"handler does not import: {exc}"[:300]
                    if proc.poll() is None:
                        proc.kill()
        for entry in functions.values():
            if "imports" in entry:
                key = json.dumps(sorted(entry["imports"]))
                entry["floor_key"] = key
                entry["samples"] = []
                entry["floor_samples"] = []
        # Rounds interleave every function and every floor, so machine noise hits all alike.
        # With a time budget, stop early (after at least 2 rounds) rather than be cut off.
        started = time.monotonic()
        for round_number in range(runs):
            if budget and round_number >= 2:
                per_round = (time.monotonic() - started) / round_number
                if time.monotonic() - begun + per_round > budget:
                    break
            for name, entry in functions.items():
                if "samples" in entry:
                    try:
                        mine, base = _pair(entry["paths"], layers, entry["floor_key"])
                    except Exception as exc:
                        entry["na"] = f"import failed: {exc}"[:300]
                        entry.pop("samples")
                        continue
                    entry["samples"].append(mine)
                    entry["floor_samples"].append(base)
                    if out_path:  # what a cut-off run still reports
                        with open(out_path, "w") as f:
                            json.dump({**summarise(functions, layout, build_note), "partial": True}, f)
        return summarise(functions, layout, build_note)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main(argv: list[str]) -> int:
    runs = 9
    if "--runs" in argv:
        runs = int(argv[argv.index("--runs") + 1])
    budget = float(argv[argv.index("--budget") + 1]) if "--budget" in argv else None
    result = run(runs, budget, argv[0])
    with open(argv[0], "w") as f:
        json.dump(result, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
