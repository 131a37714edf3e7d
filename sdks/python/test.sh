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
echo ">> compile-time probes (mypy --strict): probes/control.py passes, every other probe must not"
for probe in probes/*.py; do
  if "$root/.venv/bin/mypy" --strict --cache-dir=/dev/null --config-file pyproject.toml "$probe" > /dev/null 2>&1; then
    [ "$probe" = probes/control.py ] && continue
    echo "compile-time probe $probe type-checks: the SDK's types let the mistake through" >&2
    exit 1
  elif [ "$probe" = probes/control.py ]; then
    "$root/.venv/bin/mypy" --strict --cache-dir=/dev/null --config-file pyproject.toml "$probe" >&2 || true
    exit 1
  fi
  echo "probe $probe: refused at type-check time"
done
echo ">> pytest sdks/python/tests"
"$root/.venv/bin/python" -m pytest -p no:cacheprovider -q tests "$@"
