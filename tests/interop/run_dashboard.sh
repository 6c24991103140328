#!/usr/bin/env bash
# The dashboard in headless Chromium (tests/interop/dashboard).
#   run_dashboard.sh BUILD_DIR BINARY SCREENSHOT_DIR
# Exit 77 (CTest skip) without Go >= 1.26, without chromium (Debian's
# `chromium`, scripts/setup installs it) or without the binary.
set -u
here=$(cd "$(dirname "$0")" && pwd)
build=${1:?build dir}
bin=${2:-}
shots=${3:?screenshot dir}
mkdir -p "$build" && build=$(cd "$build" && pwd)
source "$here/lib.sh"
[[ -n $bin && -x $bin ]] || skip "backrest-sync not built"
bin=$(realpath "$bin")
chromium=${BRS_CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}
[[ -n $chromium ]] || skip "chromium not installed (scripts/setup installs Debian's chromium)"
mkdir -p "$shots" && shots=$(cd "$shots" && pwd)
BRS_BINARY=$bin BRS_CHROMIUM=$chromium BRS_SCREENSHOTS=$shots \
  go_in "$here" test -mod=readonly -count=1 -v -timeout 15m ./dashboard/
