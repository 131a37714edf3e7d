#!/usr/bin/env bash
# Compiles the generated models, the SDK and its tests with javac (Debian's jars only) and
# runs the tests with JUnit 5's console launcher against SDK_API_URL, SDK_STUB_URL and
# SDK_WEBHOOK_FIXTURE, as tests/sdks/test_java.py passes them.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
"$here/install.sh"
lib=/usr/share/java
cp="$lib/jackson-databind.jar:$lib/jackson-core.jar:$lib/jackson-annotations.jar:$lib/jakarta-annotation-api.jar"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
javac -nowarn -encoding UTF-8 -d "$out/main" -cp "$cp" $(find "$here/generated" "$here/src" -name '*.java')
javac -nowarn -encoding UTF-8 -d "$out/test" -cp "$cp:$out/main:$lib/junit-platform-console-standalone.jar" \
  $(find "$here/tests" -name '*.java')
exec java -Dsdk.vectors="$here/../testdata/webhook-vectors.json" -jar "$lib/junit-platform-console-standalone.jar" --disable-banner --disable-ansi-colors --details=tree \
  --class-path "$cp:$out/main:$out/test" --select-package com.example --fail-if-no-tests
