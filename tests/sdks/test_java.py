"""The Java SDK's own tests (JUnit 5, sdks/java/tests) against the local cloud, the stub and a real delivery."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "sdks" / "java" / "test.sh"


def test_java_sdk(sdk_env):
    result = subprocess.run(
        ["bash", str(SCRIPT)], env={**os.environ, **sdk_env}, capture_output=True, text=True, timeout=900
    )
    print(result.stdout)
    assert result.returncode == 0, f"sdks/java/test.sh exited {result.returncode}\n{result.stdout}\n{result.stderr}"
