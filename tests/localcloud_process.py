"""`python -m localcloud` as a child process, for the tests that need the real thing."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from typing import IO

import requests

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(env: dict[str, str], log: IO[str], timeout: float) -> subprocess.Popen:
    """Start the local cloud on env's PORT; return once its /health answers (or raise
    with the end of its log). Its world is kept nowhere unless env says where
    (LOCAL_STATE_DIR; never the checkout's .localcloud/, which is `make run`'s)."""
    if "LOCAL_STATE_DIR" not in env:
        env = {**env, "LOCAL_PERSIST": "0"}
    proc = subprocess.Popen([sys.executable, "-m", "localcloud"], cwd=ROOT, env=env, stdout=log,
                            stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{env['PORT']}"
    deadline = time.monotonic() + timeout
    while True:
        try:
            if requests.get(f"{url}/health", timeout=2).status_code == 200:
                return proc
        except requests.RequestException:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            stop(proc)
            log.seek(0)
            raise RuntimeError("local cloud did not start:\n" + log.read()[-3000:])
        time.sleep(0.2)


def stop(proc: subprocess.Popen, timeout: float = 15) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
