#!/usr/bin/env bash
# Regenerates sdks/php/generated/ (the models and the two support classes they need:
# ObjectSerializer and Configuration) from openapi/openapi.json with openapi-generator's
# `php` generator. The generator's API classes need Guzzle (Packagist), so they are not
# generated: src/ is the transport. Deterministic: same document, same bytes.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
spec="${OPENAPI_DOCUMENT:-$root/openapi/openapi.json}"
gen="$root/.venv/bin/openapi-generator-cli"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

"$gen" generate -i "$spec" -g php -o "$tmp" \
  --additional-properties=invokerPackage='Example\Generated',modelPackage=Model,hideGenerationTimestamp=true,srcBasePath=lib \
  --global-property models,modelDocs=false,modelTests=false,supportingFiles=ModelInterface.php:ObjectSerializer.php:Configuration.php \
  > "$tmp/generator.log" 2>&1 || { cat "$tmp/generator.log" >&2; exit 1; }

rm -rf "$here/generated"
mkdir -p "$here/generated"
cp -R "$tmp/lib/." "$here/generated/"
