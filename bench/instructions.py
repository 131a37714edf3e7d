"""Instruction counts of a Python process under Valgrind: the deterministic cost figure.

Wall-clock time on a shared 2-core machine moves by 10-60% from run to run with what
the other processes do; the number of instructions a process executes does not. Each
count runs one fresh interpreter under

    valgrind --tool=cachegrind --cache-sim=no

(instruction counting only, no cache model: about 5-7 s for a handler's import) with
PYTHONHASHSEED=0 (string hashes, hence dict and set probing, fixed) and the bytecode
already compiled (the layers' .pyc from `make build`; the function's own folder is
compiled from source, as in the deployed asset). Valgrind places memory the same way
on every run, so what is left to vary is only what reads the clock or the random
source: about 1e-7 of a count.

Note: `python -E` (and `-I`) ignore PYTHONHASHSEED, so the counted processes run with
`-s -B -P` and an explicit environment instead; with `-E` the same import varies by
~1e-3. `-P` keeps the current directory off sys.path: a `-c` process would otherwise
list it (/tmp, whose contents change all the time) on its first import, another ~1e-3.

    count_forks(script, args, env)  -> instructions of each child a script forks
    jobs()                          -> how many counts to run at once (the cores, at most 2)
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from typing import Any

PID_REFS = re.compile(r"^==(\d+)== I\s+refs:\s+([\d,]+)", re.M)
ERRORS = re.compile(r"^BENCH-ERROR (\d+) (.*)$", re.M)
FLAGS = ["-s", "-B", "-P"]  # not -E: it would ignore PYTHONHASHSEED; -P: no cwd (/tmp, always changing) on sys.path


def unavailable() -> str | None:
    """Why counts cannot be taken here, or None."""
    if os.environ.get("BENCH_NO_VALGRIND"):
        return "BENCH_NO_VALGRIND is set"
    if not shutil.which("valgrind"):
        return ("valgrind is not installed (apt-get install valgrind; `make bench` installs it when it can): "
                "the instruction counts, which the import targets gate on, are n/a")
    return None


def jobs() -> int:
    """Counts run in parallel: each is one busy core, so at most the machine's cores."""
    try:
        return max(1, int(os.environ["BENCH_VALGRIND_JOBS"]))
    except (KeyError, ValueError):
        return max(1, min(2, os.cpu_count() or 1))


def command(script: str, args: list[str], python: str | None = None) -> list[str]:
    return ["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null",
            python or sys.executable, *FLAGS, "-c", script, *args]


def count_forks(script: str, args: list[str], env: dict[str, str], timeout: float = 600,
                python: str | None = None, stdin: str = "") -> dict[str, Any]:
    """Run a script that forks children (each exits with os._exit) under Valgrind.
    Valgrind follows a fork into the child, which starts with its parent's count and
    reports its own total when it exits; the script prints on stdout a JSON object whose
    values are children's pids. Returns {"out": that object, "counts": {pid: total},
    "errors": {pid: message}} for children that wrote `BENCH-ERROR <pid> <message>`."""
    env = {**env, "PYTHONHASHSEED": "0"}
    proc = subprocess.run(command(script, args, python), env=env, capture_output=True, text=True,
                          timeout=timeout, cwd=tempfile.gettempdir(), input=stdin)
    if proc.returncode != 0 or not proc.stdout.strip():
        lines = [ln for ln in proc.stderr.splitlines() if ln.strip() and not ln.startswith("==")]
        raise RuntimeError((lines[-1] if lines else f"valgrind exit {proc.returncode}")[:300])
    return {
        "out": json.loads(proc.stdout.strip().splitlines()[-1]),
        "counts": {int(pid): int(n.replace(",", "")) for pid, n in PID_REFS.findall(proc.stderr)},
        "errors": {int(pid): msg for pid, msg in ERRORS.findall(proc.stderr)},
    }


def spread(values: list[int]) -> float:
    """(max - min) / min of repeated counts of one thing."""
    return (max(values) - min(values)) / min(values) if values and min(values) else 0.0
