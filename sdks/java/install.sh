#!/usr/bin/env bash
# Installs what the Java SDK builds and tests with, from Debian, on first use: a JDK (17 here),
# Jackson and jakarta.annotation (the generated models' only dependencies) and JUnit 5's
# console launcher; Maven with the plugins pom.xml names (Debian's local Maven repository,
# /usr/share/maven-repo, so `mvn -o` builds offline). A no-op once they are there.
set -euo pipefail
jars=(jackson-databind jackson-core jackson-annotations jakarta-annotation-api junit-platform-console-standalone)
missing=0
command -v javac > /dev/null || missing=1
command -v mvn > /dev/null || missing=1
for plugin in maven-compiler-plugin/3.10.1 maven-jar-plugin/3.3.0 maven-resources-plugin/3.3.0 \
  maven-surefire-plugin/2.22.3 maven-install-plugin/3.1.0; do
  [ -d "/usr/share/maven-repo/org/apache/maven/plugins/$plugin" ] || missing=1
done
for jar in "${jars[@]}"; do
  [ -e "/usr/share/java/$jar.jar" ] || missing=1
done
[ "$missing" = 0 ] && exit 0
packages=(default-jdk-headless libjackson2-databind-java libjackson2-core-java libjackson2-annotations-java
  libjakarta-annotation-api-java junit5 maven libmaven-compiler-plugin-java libmaven-jar-plugin-java
  libmaven-resources-plugin-java libsurefire-java libmaven-install-plugin-java)
export DEBIAN_FRONTEND=noninteractive
if ! apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends "${packages[@]}"; then
  apt-get update
  apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends "${packages[@]}"
fi
