#!/bin/sh
# CTest driver: writes C++ channel setups with cpp_channel_vectors, then has
# Go's crypto/hpke verify them (tools/govectors/cpp_check_test.go).
# Exits 77 (CTest SKIP_RETURN_CODE) when Go >= 1.26 is not available.
#   cpp_channel_check.sh TOOL SOURCE_DIR WORK_DIR
set -eu
tool=$1 src=$2 work=$3
go=$(command -v go 2>/dev/null || true)
[ -n "$go" ] || go=/usr/local/go/bin/go
if [ ! -x "$go" ]; then
  echo "SKIP: Go >= 1.26 not found (PATH or /usr/local/go/bin/go)"
  exit 77
fi
version=$("$go" env GOVERSION 2>/dev/null | sed 's/^go//')
major=${version%%.*}
rest=${version#*.}
minor=${rest%%.*}
case "$major.$minor" in
  *[!0-9.]*|.*) echo "SKIP: cannot read Go version '$version'"; exit 77 ;;
esac
if [ "$major" -lt 1 ] || { [ "$major" -eq 1 ] && [ "$minor" -lt 26 ]; }; then
  echo "SKIP: Go $version < 1.26 (crypto/hpke is needed)"
  exit 77
fi
mkdir -p "$work"
"$tool" "$work/cpp_channel_vectors.json" 16
cd "$src/tools/govectors"
export GOFLAGS=-mod=mod GOCACHE="$work/gocache" GOPATH="$work/gopath" GOTOOLCHAIN=local
export BRS_CPP_CHANNEL_VECTORS="$work/cpp_channel_vectors.json"
exec "$go" test -count=1 -run 'TestCppChannelVectors' .
