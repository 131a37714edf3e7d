#!/usr/bin/env bash
# Regenerates sdks/ruby/generated (module Example::Models: every object and request
# body) from openapi/openapi.json. Deterministic: same document, same bytes.
#
# Models only: the `ruby` generator's transport needs the faraday or typhoeus gems
# (rubygems.org), which this SDK does not depend on; the hand layer (lib/) speaks
# Net::HTTP from the standard library. Example::Models keeps generated names
# (Error, a union titled Object) out of the SDK's own namespace; the two unions get
# distinct names (as the PHP and Java SDKs do).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
gen="$root/.venv/bin/openapi-generator-cli"
out="$here/generated"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

"$gen" generate -i "$root/openapi/openapi.json" -g ruby -o "$tmp" \
  --additional-properties gemName=example,moduleName=Example::Models,gemVersion="$(cat "$here/../VERSION")",hideGenerationTimestamp=true \
  --model-name-mappings Object=EventDataObject,Body=BatchOperationResultBody \
  --global-property models,supportingFiles=api_model_base.rb,modelTests=false,modelDocs=false \
  >"$tmp/generator.log" 2>&1 || { cat "$tmp/generator.log" >&2; exit 1; }

# Lenient parsing: the generated setters refuse values outside the document's enums,
# patterns and ranges and a missing required field, and enum classes raise on an unknown
# value. An answer from a newer (or pinned older) API version must still load, and the
# server validates every request anyway (typed errors): keep the value as sent
# (valid? / list_invalid_properties still report).
for f in "$tmp"/lib/example/models/*.rb; do
  sed -i -E \
    -e "s/^( *)fail ArgumentError, [\"']invalid value for .*$/\1nil # lenient: kept as sent/" \
    -e "s/^( *)fail ArgumentError, '[a-z_0-9]+ cannot be nil'$/\1nil # lenient: a missing field stays nil/" \
    -e 's/^( *)raise "Invalid ENUM value #\{value\} for class #[A-Za-z0-9]+"$/\1value # lenient: an unknown value is kept as sent/' \
    "$f"
done

rm -rf "$out"
mkdir -p "$out"
cp "$tmp/lib/example/api_model_base.rb" "$out/"
cp -r "$tmp/lib/example/models" "$out/models"
