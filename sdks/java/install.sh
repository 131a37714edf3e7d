#!/usr/bin/env bash
# Installs what the Java SDK builds and tests with, from Debian, on first use: a JDK (17 here),
# Jackson and jakarta.annotation (the generated models' only dependencies) and JUnit 5's
# console launcher. A no-op once they are there.
set -euo pipefail
jars=(jackson-databind jackson-core jackson-annotations jakarta-annotation-api junit-platform-console-standalone)
missing=0
command -v javac > /dev/null || missing=1
for jar in "${jars[@]}"; do
  [ -e "/usr/share/java/$jar.jar" ] || missing=1
done
[ "$missing" = 0 ] && exit 0
packages=(default-jdk-headless libjackson2-databind-java libjackson2-core-java libjackson2-annotations-java
  libjakarta-annotation-api-java junit5)
export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y --no-install-recommends "${packages[@]}"; then
  apt-get update
  apt-get install -y --no-install-recommends "${packages[@]}"
fi
