#!/usr/bin/env bash
# The fleet page's time to interactive in headless Chromium at fleet scale
# (issue #12 §4): builds the 1 000-instance hub (build/bench/dashboard_fleet,
# kept in $BRS_DASHBOARD_FLEET, default /tmp/dashboard-bench-fleet, for the
# next run), serves it, and runs tests/interop/dashboard's
# TestFleetPageInteractive, which prints the median and spread of 11 visits.
#   bench/dashboard_browser.sh [BUILD_DIR]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-$here/../build}" && pwd)
bin=$build/backrest-sync
fleet=${BRS_DASHBOARD_FLEET:-/tmp/dashboard-bench-fleet}
chromium=${BRS_CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}
[[ -n $chromium ]] || { echo "chromium not installed (scripts/setup installs it)" >&2; exit 1; }
ninja -C "$build" backrest-sync dashboard_fleet >/dev/null
if [[ ! -e $fleet/oplog.sqlite ]]; then
  rm -rf "$fleet"
  echo "building the fleet in $fleet (about a minute)" >&2
  "$build/bench/dashboard_fleet" "$fleet"
fi
rm -f "$fleet/daemon.json"
"$bin" serve --data "$fleet" --listen 127.0.0.1:0 >>"$fleet/serve.log" 2>&1 &
serve=$!
trap 'kill -TERM $serve 2>/dev/null; wait $serve 2>/dev/null' EXIT
for _ in $(seq 600); do
  [[ -s $fleet/daemon.json ]] && break
  sleep 0.1
done
listen=$(sed -n 's/.*"listen":"\([^"]*\)".*/\1/p' "$fleet/daemon.json")
[[ -n $listen ]] || { echo "the hub did not start (see $fleet/serve.log)" >&2; exit 1; }
source "$here/../tests/interop/lib.sh"
BRS_BENCH_URL=http://$listen BRS_BENCH_TOKEN=$(cat "$fleet/admin.token") BRS_CHROMIUM=$chromium \
  go_in "$here/../tests/interop" test -mod=readonly -count=1 -v -run TestFleetPageInteractive ./dashboard/
