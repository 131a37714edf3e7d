#!/usr/bin/env bash
# Regenerates sdks/dotnet/generated/Models.g.cs (every object, enum and request body) from
# openapi/openapi.json with codegen.py (why our own generator: see its docstring). Deterministic:
# same document, same bytes.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
spec="${OPENAPI_DOCUMENT:-$root/openapi/openapi.json}"
mkdir -p "$here/generated"
"$root/.venv/bin/python" "$here/codegen.py" "$spec" "$here/generated/Models.g.cs"
