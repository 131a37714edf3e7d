#!/usr/bin/env bash
# Installs the Node SDK's toolchain (typescript, openapi-typescript, @types/node, pinned in
# package-lock.json) with `npm ci` on first use. Later runs are a no-op: the stamp records the
# hash of the lock file that node_modules was installed from, so a changed lock reinstalls.
set -euo pipefail
cd "$(dirname "$0")"

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  apt-get install -y --no-install-recommends nodejs npm
fi
major="$(node -p 'process.versions.node.split(".")[0]')"
if [ "$major" -lt 20 ]; then
  echo "sdks/node needs Node.js 20 or newer (found $(node --version))" >&2
  exit 1
fi

stamp=node_modules/.install-stamp
want="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi
npm ci --no-audit --no-fund --loglevel=error
echo "$want" > "$stamp"
