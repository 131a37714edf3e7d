#!/usr/bin/env bash
# Regenerates src/generated/openapi.ts (the types of every schema, path and operation) from the
# repository's OpenAPI document with the pinned openapi-typescript. Deterministic: same document,
# same bytes (no timestamps). OPENAPI=path overrides the document.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
doc="${OPENAPI:-$root/openapi/openapi.json}"
"$here/install.sh"
cd "$here"
mkdir -p src/generated
node_modules/.bin/openapi-typescript "$doc" --output src/generated/openapi.ts --alphabetize --default-non-nullable false --silent
