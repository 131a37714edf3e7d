#!/usr/bin/env bash
# Regenerates sdks/java/generated/ (com.example.generated: the models, their JSON helper
# and AbstractOpenApiSchema) from openapi/openapi.json with openapi-generator's `java`
# generator, library `native` (Jackson annotations + jakarta.annotation, both packaged by
# Debian). Only models: the API classes and ApiClient need jackson-datatype-jsr310, which
# Debian does not package, and src/ is the transport anyway. supportUrlQuery=false drops
# the models' toUrlQueryString (it calls ApiClient); enumUnknownDefaultCase=true makes an
# enum value the SDK does not know parse as UNKNOWN_DEFAULT_OPEN_API instead of failing.
# JSON.java's ObjectMapper registers JavaTimeModule and RFC3339DateFormat (jsr310 and
# ApiClient's support files): the document has no date or date-time field (checked
# below), so those two lines are dropped. Deterministic: same document, same bytes.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
spec="${OPENAPI_DOCUMENT:-$root/openapi/openapi.json}"
gen="$root/.venv/bin/openapi-generator-cli"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

if grep -q '"format": *"date' "$spec"; then
  echo "generate.sh: the document has date/date-time fields; JSON.java would need jackson-datatype-jsr310" >&2
  exit 1
fi

"$gen" generate -i "$spec" -g java --library native -o "$tmp" \
  --additional-properties=hideGenerationTimestamp=true,openApiNullable=false,supportUrlQuery=false,enumUnknownDefaultCase=true,containerDefaultToNull=true,dateLibrary=legacy,useJakartaEe=true,invokerPackage=com.example.generated,modelPackage=com.example.generated.model \
  --name-mappings configuration=configuration \
  --global-property models,modelDocs=false,modelTests=false,supportingFiles=JSON.java:AbstractOpenApiSchema.java \
  > "$tmp/generator.log" 2>&1 || { cat "$tmp/generator.log" >&2; exit 1; }

json="$tmp/src/main/java/com/example/generated/JSON.java"
sed -i -e '/import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;/d' \
  -e '/\.defaultDateFormat(new RFC3339DateFormat())/d' -e '/\.addModule(new JavaTimeModule())/d' "$json"
if grep -q 'JavaTimeModule\|RFC3339' "$json"; then
  echo "generate.sh: JSON.java still names JavaTimeModule/RFC3339 (generator template changed?)" >&2
  exit 1
fi

rm -rf "$here/generated"
mkdir -p "$here/generated"
cp -R "$tmp/src/main/java/." "$here/generated/"
