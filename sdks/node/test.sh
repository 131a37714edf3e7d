#!/usr/bin/env bash
# Compiles the SDK and its tests with `tsc --strict` and runs them with node's test runner.
# Needs SDK_API_URL, SDK_API_KEY, SDK_STUB_URL and SDK_WEBHOOK_FIXTURE (tests/sdks/conftest.py).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
"$here/install.sh"
cd "$here"
rm -rf dist
node_modules/.bin/tsc -p tsconfig.json
# Type safety, proven at compile time: one tsc run over probes/; control.ts must have no error,
# every other probe at least one.
probe_log="$(mktemp)"
node_modules/.bin/tsc --noEmit --strict --target ES2022 --module commonjs --moduleResolution node --types node \
  probes/*.ts > "$probe_log" 2>&1 || true
for probe in probes/*.ts; do
  if grep -q "^$probe(" "$probe_log"; then
    [ "$probe" = probes/control.ts ] && { cat "$probe_log" >&2; exit 1; }
    echo "probe $probe: refused at compile time"
  elif [ "$probe" != probes/control.ts ]; then
    echo "compile-time probe $probe compiled: the SDK's types let the mistake through" >&2
    exit 1
  fi
done
node --test --test-reporter=spec dist/test/*.test.js
