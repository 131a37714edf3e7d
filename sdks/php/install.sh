#!/usr/bin/env bash
# Installs PHP 8.2 with curl, PHPUnit and Composer from Debian on first use; a no-op once they are there.
set -euo pipefail
if command -v php > /dev/null && command -v phpunit > /dev/null && command -v composer > /dev/null && php -r 'exit(extension_loaded("curl") ? 0 : 1);'; then
  exit 0
fi
packages=(php-cli php-curl php-mbstring phpunit composer)
export DEBIAN_FRONTEND=noninteractive
if ! apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends "${packages[@]}"; then
  apt-get update
  apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends "${packages[@]}"
fi
