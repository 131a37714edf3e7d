#!/usr/bin/env bash
# Builds the .NET SDK with Mono's C# compiler (C# 7, as the .csproj's LangVersion), checks that
# the compile-time probes fail to compile, and runs the tests on Mono against SDK_API_URL,
# SDK_STUB_URL, SDK_WEBHOOK_FIXTURE and the shared pagination set (tests/sdks/test_dotnet.py). ReadmeTests
# compiles the README's csharp blocks with mcs against the SDK (SDK_DOTNET_DLL) and runs them.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bash "$here/install.sh"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
mcs -langversion:7 -target:library -warnaserror -nowarn:1591 -r:System.Net.Http.dll -out:"$out/Example.Api.dll" \
  "$here"/src/*.cs "$here"/generated/*.cs
mcs -langversion:7 -target:exe -r:System.Net.Http.dll -r:"$out/Example.Api.dll" -out:"$out/Tests.exe" "$here"/tests/Tests.cs

# Type safety, proven at compile time: the control compiles, every probe must not.
for probe in "$here"/tests/probes/*.cs; do
  if mcs -langversion:7 -r:"$out/Example.Api.dll" -out:"$out/probe.exe" "$probe" > "$out/probe.log" 2>&1; then
    [ "$(basename "$probe")" = control.cs ] && continue
    echo "compile-time probe $(basename "$probe") compiled: the SDK's types let the mistake through" >&2
    exit 1
  elif [ "$(basename "$probe")" = control.cs ]; then
    cat "$out/probe.log" >&2
    echo "the control probe does not compile" >&2
    exit 1
  fi
  echo "probe $(basename "$probe"): refused at compile time"
done

SDK_VECTORS="$here/../testdata/webhook-vectors.json" SDK_README="$here/README.md" SDK_DOTNET_DLL="$out/Example.Api.dll" MONO_ENV_OPTIONS="${MONO_ENV_OPTIONS:-}" \
  mono "$out/Tests.exe" "$@"
