#!/usr/bin/env bash
# stripe-node, pinned (package-lock.json), for the wire-compatibility check: a no-op once installed.
# stripe-python is pinned in requirements-dev.txt.
set -euo pipefail
cd "$(dirname "$0")"
stamp=node_modules/.install-stamp
want="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi
npm ci --no-audit --no-fund --loglevel=error
echo "$want" > "$stamp"
