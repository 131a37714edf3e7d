#!/usr/bin/env bash
# Runs the PHP SDK's tests (PHPUnit from Debian) against SDK_API_URL, SDK_STUB_URL and
# SDK_WEBHOOK_FIXTURE, as tests/sdks/test_php.py passes them.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
"$here/install.sh"
for f in "$here"/autoload.php "$here"/src/*.php "$here"/src/*/*.php; do
  php -l "$f" > /dev/null
done
exec phpunit --colors=never --do-not-cache-result --bootstrap "$here/tests/bootstrap.php" "$here/tests"
