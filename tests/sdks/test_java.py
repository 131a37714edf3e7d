"""The Java SDK's own tests (sdks/java/test.sh: JUnit 5, sdks/java/tests) against the session's local
cloud, the scripted stub and a real webhook delivery."""

from __future__ import annotations

from . import run_sdk_tests


def test_java_sdk(sdk_env):
    run_sdk_tests("java", sdk_env)
