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
echo ">> compile-time probes (one mypy --strict run): probes/control.py has no error, every other probe some"
probe_log="$(mktemp)"
"$root/.venv/bin/mypy" --strict --cache-dir=/dev/null --config-file pyproject.toml probes/*.py > "$probe_log" 2>&1 || true
for probe in probes/*.py; do
  if grep -q "^$probe:[0-9]*: error" "$probe_log"; then
    [ "$probe" = probes/control.py ] && { cat "$probe_log" >&2; exit 1; }
    echo "probe $probe: refused at type-check time"
  elif [ "$probe" != probes/control.py ]; then
    echo "compile-time probe $probe type-checks: the SDK's types let the mistake through" >&2
    exit 1
  fi
done
echo ">> pytest sdks/python/tests"
"$root/.venv/bin/python" -m pytest -p no:cacheprovider -q tests "$@"
