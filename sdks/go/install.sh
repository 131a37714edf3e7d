#!/usr/bin/env bash
# The Go toolchain from Debian (golang-go, Go 1.19) on first use; a no-op once installed.
# The SDK needs nothing else: its go.mod has no requires (standard library only).
set -euo pipefail
command -v go >/dev/null 2>&1 && exit 0
export DEBIAN_FRONTEND=noninteractive
apt-get install -y --no-install-recommends golang-go >/dev/null 2>&1 || {
  apt-get update -qq
  apt-get install -y --no-install-recommends golang-go
}
go version
