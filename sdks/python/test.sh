#!/usr/bin/env bash
# Type-checks the SDK strictly, then runs its tests (against SDK_API_URL, SDK_STUB_URL and
# SDK_WEBHOOK_FIXTURE: see sdks/README.md). Only the SDK is importable: not the API's code.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$here"
export PYTHONPATH="$here"
export PYTHONDONTWRITEBYTECODE=1
echo ">> mypy --strict example_api tests"
"$root/.venv/bin/mypy" --strict --cache-dir=/dev/null --config-file pyproject.toml example_api tests
echo ">> pytest sdks/python/tests"
"$root/.venv/bin/python" -m pytest -p no:cacheprovider -q tests "$@"
