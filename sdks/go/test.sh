#!/usr/bin/env bash
# Builds the Go SDK and runs its tests (go test) against SDK_API_URL/SDK_API_KEY, the
# stub at SDK_STUB_URL and the delivery in SDK_WEBHOOK_FIXTURE (see sdks/README.md).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bash "$here/install.sh"
cache="${TMPDIR:-/tmp}/example-go-sdk-cache"
export GOPROXY=off GOFLAGS=-mod=mod GOTOOLCHAIN=local GOTELEMETRY=off
export GOCACHE="${GOCACHE:-$cache/build}" GOPATH="${GOPATH:-$cache/path}"
# The README's `replace` recipe, as printed, in a scratch module that uses the SDK.
app="$(mktemp -d)"
trap 'rm -rf "$app"' EXIT
(
  cd "$app"
  cat > main.go <<'GO'
package main

import (
	"fmt"

	example "github.com/example/example-go"
)

func main() { fmt.Println(example.Version, example.NewClient("sk_test_x") != nil) }
GO
  go mod init myapp 2>/dev/null
  go mod edit -require=github.com/example/example-go@v0.0.0 -replace=github.com/example/example-go="$here"
  go build ./...
  [ "$(./myapp)" = "$(cat "$here/../VERSION") true" ] || { echo "the replace recipe does not build an app" >&2; exit 1; }
)
cd "$here"
go vet ./...
# Type safety, proven at compile time: one `go vet -tags probe` run over probes/ (each probe a
# package behind the `probe` build tag); probes/control must have no error, every other probe one.
probe_log="$(mktemp)"
go vet -tags probe ./probes/... > "$probe_log" 2>&1 || true
for probe in probes/*/; do
  probe="${probe%/}"
  if grep -q "^vet: $probe/" "$probe_log"; then
    [ "$probe" = probes/control ] && { cat "$probe_log" >&2; exit 1; }
    echo "probe $probe: refused at compile time"
  elif [ "$probe" != probes/control ]; then
    cat "$probe_log" >&2
    echo "compile-time probe $probe compiled: the SDK's types let the mistake through" >&2
    exit 1
  fi
done
grep -q "^vet: probes/control/\|^# .*/probes/control$" "$probe_log" && { cat "$probe_log" >&2; exit 1; }
rm -f "$probe_log"
go test -count=1 -v ./... 2>&1
