#!/usr/bin/env bash
# Runs the Ruby SDK's tests (minitest) against SDK_API_URL/SDK_API_KEY, the stub at
# SDK_STUB_URL and the delivery in SDK_WEBHOOK_FIXTURE (see sdks/README.md).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bash "$here/install.sh"
cd "$here"
ruby -w -Ilib -e 'require "example"' 2>&1 | { grep -v '/generated/' || true; } # warnings of the hand layer
exec ruby -Ilib test/test_example.rb --verbose
