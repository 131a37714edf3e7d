#!/usr/bin/env bash
# Regenerates the .NET SDK (sdks/dotnet/generated/, package Example.Api) from
# openapi/openapi.json with openapi-generator's `csharp` generator (library httpclient,
# net8.0). Generated only: no .NET SDK or NuGet on this machine, so nothing here builds or
# tests it (see README.md). Deterministic: same document, same bytes (a fixed
# packageGuid: the generator would otherwise draw a new project GUID each run).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
spec="${OPENAPI_DOCUMENT:-$root/openapi/openapi.json}"
gen="$root/.venv/bin/openapi-generator-cli"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

"$gen" generate -i "$spec" -g csharp --library httpclient -o "$tmp/out" \
  --additional-properties=packageName=Example.Api,targetFramework=net8.0,hideGenerationTimestamp=true,nullableReferenceTypes=true,packageVersion="$(cat "$here/../VERSION")",packageGuid={9F3C6B52-3E0A-4D3A-9B7E-6A1D2C4E5F70} \
  --global-property apiTests=false,modelTests=false \
  > "$tmp/generator.log" 2>&1 || { cat "$tmp/generator.log" >&2; exit 1; }

rm -rf "$here/generated"
mkdir -p "$here/generated"
# git_push.sh and the CI files are about publishing the generator's own repository layout.
rm -f "$tmp/out/git_push.sh" "$tmp/out/.travis.yml" "$tmp/out/appveyor.yml"
rm -rf "$tmp/out/.github"
cp -R "$tmp/out/." "$here/generated/"
