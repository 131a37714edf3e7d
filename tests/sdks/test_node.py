"""The Node.js SDK's own tests (sdks/node/test: node --test, compiled by tsc --strict) against
the session's local cloud, the scripted stub and a real signed delivery."""

from __future__ import annotations

from . import run_sdk_tests


def test_node_sdk(sdk_env):
    out = run_sdk_tests("node", sdk_env)
    # node's runner prints its tally last: make sure tests ran, not just that the script exited 0
    assert "ℹ fail 0" in out.stdout and "ℹ pass 0" not in out.stdout, out.stdout[-5000:]
