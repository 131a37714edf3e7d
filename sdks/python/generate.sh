#!/usr/bin/env bash
# Regenerates example_api/_generated/models.py from openapi/openapi.json (make sdks).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
py="$root/.venv/bin/python"
[ -x "$py" ] || py="$(command -v python3)"
"$py" "$here/codegen.py" "$root/openapi/openapi.json" "$here/example_api/_generated/models.py"
