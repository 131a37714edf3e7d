"""The .NET SDK's own tests (sdks/dotnet/test.sh: Mono's C# compiler, the compile-time probes,
then the tests on Mono) against the session's local cloud, the scripted stub and a real webhook
delivery."""

from __future__ import annotations

from . import run_sdk_tests


def test_dotnet_sdk(sdk_env):
    out = run_sdk_tests("dotnet", sdk_env)
    assert " passed, 0 failed" in out.stdout
    assert out.stdout.count("refused at compile time") == 5
