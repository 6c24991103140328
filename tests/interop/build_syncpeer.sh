#!/usr/bin/env bash
# Builds the Go sync peer (tests/interop/syncpeer) to OUT, for tests that
# drive it themselves (tests/app/net_fault_go_test.cc: a Backrest-compatible
# client through the fault proxy).
#
#   build_syncpeer.sh BUILD_DIR OUT
#
# Exit 77 with `SKIP: <reason>` where Go >= 1.26 is absent (lib.sh).
set -u
here=$(cd "$(dirname "$0")" && pwd)
build=${1:?build dir}
out=${2:?output path}
mkdir -p "$build" && build=$(cd "$build" && pwd)

source "$here/lib.sh"
source "$here/gen_sync_proto.sh"

work=$(mktemp -d "$build/peerbuild.XXXXXX")
trap 'rm -rf "$work"' EXIT
gen_sync_proto
go_in "$here/syncpeer" build -o "$out" . || { echo "FAIL: go build of syncpeer"; exit 1; }
echo "built $out"
