#!/usr/bin/env bash
# Runs the PHP SDK's tests (PHPUnit from Debian) against SDK_API_URL, SDK_STUB_URL and
# SDK_WEBHOOK_FIXTURE, as tests/sdks/test_php.py passes them.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
"$here/install.sh"
for f in "$here"/autoload.php "$here"/src/*.php "$here"/src/*/*.php; do
  php -l "$f" > /dev/null
done
# The Composer manifest (`composer require example/example-php`): valid, and its PSR-4 autoloader
# loads the hand layer and the generated models (offline: no dependency outside PHP itself).
export COMPOSER_HOME="${COMPOSER_HOME:-$(mktemp -d)}" COMPOSER_NO_INTERACTION=1 COMPOSER_DISABLE_NETWORK=1
composer validate --strict --no-check-publish --working-dir="$here"
# The README's recipe, as printed: a new project requiring this checkout through a path repository.
app="$(mktemp -d)"
trap 'rm -rf "$app"' EXIT
(
  cd "$app"
  echo '{}' > composer.json
  composer config repositories.example path "$here"
  composer require --quiet --no-audit example/example-php:@dev
  php -r 'require "vendor/autoload.php"; exit(class_exists("Example\\Client") && class_exists("Example\\Generated\\Model\\Resource") ? 0 : 1);' \
    || { echo "composer's autoloader does not load the SDK" >&2; exit 1; }
)
phpunit --colors=never --do-not-cache-result --bootstrap "$here/tests/bootstrap.php" "$here/tests"
