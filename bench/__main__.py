"""`make bench`: every performance figure of issue 8, each beside its comparison,
measured in one run; prints the table and writes bench/results.json.

Each phase runs in its own process (so one phase's imports, moto state or crash
cannot touch another's) under a share of a 9.5-minute budget:

    size        deployment size of every function asset and layer
    coldstart   handler import vs third-party floor: instructions (Valgrind; the verdict), wall-clock, peak RSS
    frame       one function's cold start on our frame vs FastAPI + Mangum vs no framework
    cpu         handler CPU vs a minimal handler (in-process moto)
    roundtrips  AWS calls and DynamoDB capacity per operation (in-process local cloud)
    load        throughput and latency over real HTTP against a local cloud
    pipeline    committed write -> webhook receiver: a burst and a paced rate (bench/pipeline.py)
    mix         the spec's request mix paced at 167/s, per endpoint beside the spec's table (bench/mix.py)
    fairness    another account's webhook latency while one account's 16 endpoints stall
    persistence the cost of keeping the local cloud's world (bench/persistence.py)
    deadlines   wall-clock bounds tests do not assert: webhook deadline, provisioning
    vending     token vending: a cold account's first write vs a warm one (bench/vending.py)
then the cost model (arithmetic on the above) and the targets.

    python -m bench [--quick] [--only size,cpu,...] [--out bench/results.json]
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib
import json
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import cost, discover, report

BUDGET_S = 570
# phase -> (arguments, arguments with --quick, longest it may take, time to keep for it)
PHASES: dict[str, tuple[list[str], list[str], int, int]] = {
    # (the times to keep add up to 500 s of the 570: every phase gets at least its share)
    "size": ([], [], 300, 10),
    "coldstart": (["--runs", "5"], ["--runs", "2"], 240, 90),
    "frame": (["--runs", "7"], ["--runs", "2"], 45, 15),
    "cpu": (["--requests", "30"], ["--requests", "12"], 60, 30),
    "roundtrips": ([], [], 150, 60),
    "load": (["--seconds", "7"], ["--seconds", "3"], 75, 40),  # ~65 s on a quiet machine (bench/load.py)
    # bench/pipeline.py: a burst of 300 and 8 s at 20/s, each in its own cloud, each followed until its
    # provisioning settles (30 s at most); ~95 s on a quiet machine
    "pipeline": (["--seconds", "8", "--settle-limit", "30"],
                 ["--seconds", "3", "--burst", "100", "--settle-limit", "20"], 120, 50),
    "mix": (["--seconds", "15"], ["--seconds", "5"], 75, 40),  # 48-60 s quiet; cut off at 60 s once (2026-12-08)
    "fairness": (["--seconds", "8"], ["--seconds", "4"], 75, 40),  # bench/fairness.py (issue 23)
    # bench/dashboard.py: two Valgrind counts at once (28-30 s at load 5-6; with --budget
    # they get all but 20 s of it, then n/a), then the wall clock and the page weights (~10 s)
    "dashboard": (["--runs", "3"], ["--runs", "2"], 90, 40),
    "vending": (["--accounts", "40"], ["--accounts", "10"], 90, 30),  # bench/vending.py (issue 23 item 5), ~28 s
    "deadlines": (["--runs", "3"], ["--runs", "1"], 45, 25),  # bench/deadlines.py
    # issue 21: load with and without a kept world, start time of 10,000 resources, kill -9
    # (bench/persistence.py, one chain of clouds: 84-130 s). Last: it takes what the others
    # leave (at 150 s it was cut off, and vending, after it, then had 5 s and was cut off too).
    "persistence": (["--seconds", "4", "--rounds", "1", "--kills", "1", "--crash-seconds", "4", "--starts", "1"],
                    ["--seconds", "2", "--rounds", "1", "--kills", "1", "--crash-seconds", "3", "--starts", "1",
                     "--resources", "2000"], 150, 30),
}
# Phases that print their own lines under the table (their module's render(result)).
OWN_LINES = ("pipeline", "mix", "vending")


def machine() -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        mem = int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3)
    except (ValueError, OSError):
        mem = None
    return {
        "cpu": cpu,
        "arch": platform.machine(),
        "cores": os.cpu_count(),
        "memory_gb": mem,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "load_before": _load(),
    }


def _load() -> str:
    try:
        return "/".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "?"


def _kill_group(proc: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def run_phase(name: str, args: list[str], timeout: float, command: list[str] | None = None) -> dict[str, Any]:
    out = Path(tempfile.mkstemp(prefix=f"bench-{name}-", suffix=".json")[1])
    err = tempfile.TemporaryFile(mode="w+")
    started = time.monotonic()
    load = _load()
    # The phase leads its own process group: a phase cut off by the budget is killed with
    # everything it started (its local clouds and their moto servers), and nothing a
    # finished phase left running outlives it.
    proc = subprocess.Popen(
        (command or [sys.executable, "-m", f"bench.{name}"]) + [str(out), *args],
        cwd=discover.ROOT, env=discover.env_for_children(), stdout=subprocess.DEVNULL, stderr=err,
        start_new_session=True,
    )
    try:
        try:
            proc.wait(timeout=max(5.0, timeout))
        finally:
            _kill_group(proc)
        if proc.returncode != 0:
            err.seek(0)
            tail = [ln for ln in err.read().strip().splitlines() if ln.strip()][-3:]
            return {"na": f"phase {name} failed (exit {proc.returncode}): " + " | ".join(tail)[-400:]}
        result = json.loads(out.read_text())
    except subprocess.TimeoutExpired:
        cut = f"phase {name} did not finish within its {timeout:.0f} s share of the budget"
        try:  # phases that write as they go leave what they measured
            partial = json.loads(out.read_text())
        except (OSError, ValueError):
            return {"na": cut}
        partial["cut_off"] = cut
        return partial
    finally:
        out.unlink(missing_ok=True)
        err.close()
    result["phase_seconds"] = round(time.monotonic() - started, 1)
    result["load_average_at_start"] = load
    return result


def phase_targets(name: str, result: dict[str, Any]) -> list[dict[str, Any]]:
    """The rows a phase adds to the Targets table: the `targets` list in its result
    ({"target", "subject", "figure", "verdict"} each), or, when the phase failed or was
    cut off before writing it, what its module's `targets(result)` makes of that (n/a
    rows, so a target does not vanish from the table with its phase)."""
    rows = result.get("targets")
    if isinstance(rows, list):
        return rows
    if "na" in result or "cut_off" in result:
        module = importlib.import_module(f"bench.{name}")
        if callable(getattr(module, "targets", None)):
            return module.targets(result)
    return []


def collect_targets(results: dict[str, Any], phases: list[str]) -> list[dict[str, Any]]:
    """report.evaluate's rows (issue 8's targets on the figures), then every phase's own."""
    rows = report.evaluate(results)
    for name in phases:
        if isinstance(results.get(name), dict):
            rows += phase_targets(name, results[name])
    return rows


def main(argv: list[str]) -> int:
    quick = "--quick" in argv
    only = set(argv[argv.index("--only") + 1].split(",")) if "--only" in argv else set(PHASES)
    out_path = Path(argv[argv.index("--out") + 1]) if "--out" in argv else discover.ROOT / "bench" / "results.json"
    started = time.monotonic()
    results: dict[str, Any] = {
        "started": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "git_commit": _git_commit(),
    }
    phases = [p for p in PHASES if p in only]
    for i, name in enumerate(phases):
        args, quick_args, longest, _ = PHASES[name]
        reserve = sum(PHASES[p][3] for p in phases[i + 1 :])
        timeout = min(longest, BUDGET_S - (time.monotonic() - started) - reserve)
        print(f">> bench: {name} (up to {timeout:.0f} s)", file=sys.stderr, flush=True)
        phase_args = list(quick_args if quick else args)
        if name in ("coldstart", "frame", "roundtrips", "dashboard"):  # they trim their own work to fit
            phase_args += ["--budget", str(max(20.0, timeout - 15))]
        results[name] = run_phase(name, phase_args, timeout)
    memory_mb, memory_source = discover.lambda_memory_mb()
    results["lambda_memory_mb"] = memory_mb
    results["lambda_memory_source"] = memory_source
    prices = cost.load_prices()
    results["prices"] = {k: prices[k] for k in ("region", "as_of", "source")}
    results["cost"] = cost.model(results.get("roundtrips"), results.get("cpu"), memory_mb, prices)
    results["cold_start_cost"] = cost.cold_start_options(prices, memory_mb, results.get("coldstart"))
    results["targets"] = collect_targets(results, phases)
    results["seconds"] = round(time.monotonic() - started, 1)
    results["machine"]["load_after"] = _load()
    table = report.render(results)
    if "dashboard" in results:  # its own lines (bench/dashboard.py)
        from bench import dashboard

        table += "\n\n" + dashboard.render(results["dashboard"])
    results["table"] = table
    out_path.write_text(json.dumps(results, indent=1, default=str))
    print(table)
    for name in OWN_LINES:
        if name in phases and "na" not in results.get(name, {"na": 1}):
            print(importlib.import_module(f"bench.{name}").render(results[name]))
    print(f"(written to {out_path.relative_to(discover.ROOT) if out_path.is_relative_to(discover.ROOT) else out_path})")
    return 0


def _git_commit() -> str | None:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=discover.ROOT, capture_output=True,
                              text=True, timeout=5).stdout.strip() or None
    except Exception:
        return None


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
