#!/usr/bin/env bash
# Compiles the SDK and its tests with `tsc --strict` and runs them with node's test runner.
# Needs SDK_API_URL, SDK_API_KEY, SDK_STUB_URL and SDK_WEBHOOK_FIXTURE (tests/sdks/conftest.py).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
"$here/install.sh"
cd "$here"
rm -rf dist
node_modules/.bin/tsc -p tsconfig.json
node --test --test-reporter=spec dist/test/*.test.js
