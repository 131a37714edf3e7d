"""The SDKs' tests (sdks/<lang>/test.sh), run by pytest against the local cloud of the
test session and the scripted stub (tests/sdks/conftest.py, tests/sdks/stub.py)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# What a test.sh may take (a first build of a JVM SDK is the slow one).
TIMEOUT_S = int(os.environ.get("SDK_TEST_TIMEOUT", "900"))
SHOWN = 30_000  # characters of output a failure shows (its end)


def run_sdk_tests(lang: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run sdks/<lang>/test.sh with the SDK environment; assert it passed, showing its
    output (stdout and stderr together) when it did not."""
    script = ROOT / "sdks" / lang / "test.sh"
    assert script.exists(), f"{script} is missing"
    out = subprocess.run(
        ["bash", str(script)],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=TIMEOUT_S,
    )
    print(out.stdout[-SHOWN:])
    assert out.returncode == 0, f"sdks/{lang}/test.sh exited {out.returncode}:\n{out.stdout[-SHOWN:]}"
    return out
