#!/usr/bin/env bash
# Builds the SDK's jar with Maven (pom.xml, offline), compiles its tests with javac (Debian's jars only) and
# runs the tests with JUnit 5's console launcher against SDK_API_URL, SDK_STUB_URL and
# SDK_WEBHOOK_FIXTURE, as tests/sdks/test_java.py passes them. ReadmeTest compiles the README's java blocks
# against the jar (-Dsdk.classpath) and runs them against the local cloud.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
"$here/install.sh"
lib=/usr/share/java
cp="$lib/jackson-databind.jar:$lib/jackson-core.jar:$lib/jackson-annotations.jar:$lib/jakarta-annotation-api.jar"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
# The SDK's jar, built by Maven from pom.xml offline (Debian's local Maven repository), as a user builds it.
mvn -o -q -Dmaven.repo.local=/usr/share/maven-repo -f "$here/pom.xml" package
main="$here/target/example-java-$(cat "$here/../VERSION").jar"
# Type safety, proven at compile time: one javac run over probes/; Control.java must have no error,
# every other probe at least one (a misspelt or mistyped parameter, a misspelt field, an unknown enum value).
javac -nowarn -encoding UTF-8 -d "$out/probes" -cp "$cp:$main" "$here"/probes/*.java > "$out/probes.log" 2>&1 || true
for probe in "$here"/probes/*.java; do
  if grep -q "^$probe:[0-9]*: error" "$out/probes.log"; then
    [ "$(basename "$probe")" = Control.java ] && { cat "$out/probes.log" >&2; exit 1; }
    echo "probe $(basename "$probe"): refused at compile time"
  elif [ "$(basename "$probe")" != Control.java ]; then
    echo "compile-time probe $(basename "$probe") compiled: the SDK's types let the mistake through" >&2
    exit 1
  fi
done
javac -nowarn -encoding UTF-8 -d "$out/test" -cp "$cp:$main:$lib/junit-platform-console-standalone.jar" \
  $(find "$here/tests" -name '*.java')
exec java -Dsdk.vectors="$here/../testdata/webhook-vectors.json" -Dsdk.readme="$here/README.md" -Dsdk.classpath="$cp:$main" -jar "$lib/junit-platform-console-standalone.jar" --disable-banner --disable-ansi-colors --details=tree \
  --class-path "$cp:$main:$out/test" --select-package com.example --fail-if-no-tests
