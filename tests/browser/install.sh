#!/usr/bin/env bash
# The browser the dashboard tests drive (tests/browser): Debian's Chromium, installed on
# first use like the SDK toolchains (sdks/*/install.sh). Playwright itself is the pinned
# `playwright` of requirements-dev.txt; its own browser download is not used.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then exit 0; fi
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
echo ">> installing chromium (Debian package) for the dashboard's browser tests"
$SUDO apt-get -o DPkg::Lock::Timeout=600 update
$SUDO apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends chromium
