"""The Go SDK's own tests (sdks/go/sdk_test.go, `go test`) against this session's local
cloud, the scripted stub and a real signed delivery; the README's examples run as written
(readme_test.go) and the compile-time probes (probes/) are refused."""

from __future__ import annotations

from . import run_sdk_tests


def test_go_sdk(sdk_env):
    out = run_sdk_tests("go", sdk_env)
    assert "--- PASS: TestContractFlow" in out.stdout  # the flow ran, not skipped
    assert "--- PASS: TestReadmeExamplesRun" in out.stdout  # the README's blocks ran as one program
    for probe in ("misspelt_parameter", "wrong_type", "misspelt_field", "unknown_enum", "wrong_enum", "wrong_event_object"):
        assert f"probe probes/{probe}: refused at compile time" in out.stdout
