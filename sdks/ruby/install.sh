#!/usr/bin/env bash
# Ruby from Debian (ruby 3.1, with minitest) on first use; a no-op once installed.
# The SDK needs nothing else: Net::HTTP, JSON and OpenSSL from the standard library.
set -euo pipefail
command -v ruby >/dev/null 2>&1 && ruby -e 'require "minitest"' 2>/dev/null && exit 0
export DEBIAN_FRONTEND=noninteractive
apt-get install -y --no-install-recommends ruby >/dev/null 2>&1 || {
  apt-get update -qq
  apt-get install -y --no-install-recommends ruby
}
ruby --version
