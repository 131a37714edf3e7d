"""The Go SDK's own tests (sdks/go/sdk_test.go, `go test`) against this session's local
cloud, the scripted stub and a real signed delivery."""

from __future__ import annotations

from . import run_sdk_tests


def test_go_sdk(sdk_env):
    out = run_sdk_tests("go", sdk_env)
    assert "--- PASS: TestContractFlow" in out.stdout  # the flow ran, not skipped
