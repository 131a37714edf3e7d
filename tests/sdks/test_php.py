"""The PHP SDK's own tests (sdks/php/test.sh: PHPUnit, sdks/php/tests) against the session's local
cloud, the scripted stub and a real webhook delivery."""

from __future__ import annotations

from . import run_sdk_tests


def test_php_sdk(sdk_env):
    run_sdk_tests("php", sdk_env)
