#!/usr/bin/env bash
# Installs Debian's Mono (C# compiler mcs, runtime, System.Net.Http) on first use; a no-op once it is there.
set -euo pipefail
command -v mcs > /dev/null && command -v mono > /dev/null && exit 0
export DEBIAN_FRONTEND=noninteractive
if ! apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends mono-complete; then
  apt-get update
  apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends mono-complete
fi
