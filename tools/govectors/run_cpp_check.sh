#!/usr/bin/env bash
# CTest driver: C++ writes vectors, Go verifies them. Exit 77 (skipped) when
# Go >= 1.26 is not installed.
#   run_cpp_check.sh <writer-binary> <env-var-name> <go-test-regex> <build-dir>
set -euo pipefail
writer=$1 var=$2 regex=$3 build=$4
here=$(cd "$(dirname "$0")" && pwd)
GO=${GO:-$(command -v go || echo /usr/local/go/bin/go)}
if ! [ -x "$GO" ] && ! command -v "$GO" >/dev/null 2>&1; then
  echo "SKIP: Go is not installed (Go >= 1.26 needed for the cross-check)"; exit 77
fi
ver=$("$GO" env GOVERSION 2>/dev/null | sed 's/^go//')
major=${ver%%.*}; rest=${ver#*.}; minor=${rest%%.*}
if [ -z "$ver" ] || [ "$major" -lt 1 ] || { [ "$major" -eq 1 ] && [ "$minor" -lt 26 ]; }; then
  echo "SKIP: Go $ver is older than 1.26"; exit 77
fi
out="$build/$(basename "$writer").json"
"$writer" "$out"
export GOCACHE="$build/go-cache" GOFLAGS=-mod=mod GOTOOLCHAIN=local
export "$var=$out"
cd "$here"
"$GO" test -count=1 -run "$regex" .
