"""The Python SDK's own tests (sdks/python/test.sh: mypy --strict, then pytest) against
the session's local cloud, the scripted stub and a real webhook delivery."""

from __future__ import annotations

from . import run_sdk_tests


def test_python_sdk(sdk_env):
    run_sdk_tests("python", sdk_env)
