#!/usr/bin/env bash
# Builds the Go SDK and runs its tests (go test) against SDK_API_URL/SDK_API_KEY, the
# stub at SDK_STUB_URL and the delivery in SDK_WEBHOOK_FIXTURE (see sdks/README.md).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bash "$here/install.sh"
cache="${TMPDIR:-/tmp}/example-go-sdk-cache"
export GOPROXY=off GOFLAGS=-mod=mod GOTOOLCHAIN=local GOTELEMETRY=off
export GOCACHE="${GOCACHE:-$cache/build}" GOPATH="${GOPATH:-$cache/path}"
cd "$here"
go vet ./...
go test -count=1 -v ./... 2>&1
