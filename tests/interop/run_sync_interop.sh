#!/usr/bin/env bash
# The Go sync peer (tests/interop/syncpeer: stdlib crypto/hpke, ed25519,
# sha256) as an independent reference for SPEC §4 (key exchange) and §5
# (identity handshake, pairing).
#
#   run_sync_interop.sh go-selftest BUILD_DIR          its Go tests (fake hub, vectors)
#   run_sync_interop.sh hub         BUILD_DIR HUB_BIN  against `backrest-sync serve`
#   run_sync_interop.sh impostor    BUILD_DIR HUB_BIN [DIALS [SILENT_DIALS]]
#       the real client against `syncpeer hub` (another key at the known
#       host's URL): it must send no handshake and no pairing secret
#       (sync_impostor.sh); defaults 50 and 2
#
# Exit 77 (CTest skip) when Go >= 1.26 or the backrest-sync binary is absent.
# Go code for the project's protos is generated at run time into the run's
# own work dir (protoc + protoc-gen-go from the module proxy); nothing
# generated is committed or shared between concurrent runs (lib.sh).
set -u
here=$(cd "$(dirname "$0")" && pwd)
mode=${1:?mode}
build=${2:?build dir}
hub_bin=${3:-}
mkdir -p "$build" && build=$(cd "$build" && pwd)

source "$here/lib.sh"
source "$here/gen_sync_proto.sh"
source "$here/sync_impostor.sh"

failures=0 passes=0
work=$(mktemp -d "$build/sync.XXXXXX")
trap 'cleanup; rm -rf "$work"' EXIT

sync_peer=$work/syncpeer
build_sync_peer() {
  gen_sync_proto
  go_in "$here/syncpeer" build -o "$sync_peer" . || { echo "FAIL: go build of syncpeer"; exit 1; }
}

# expect NAME WANT ARGS...: runs syncpeer against the hub; WANT is "ok" (exit
# 0 and `handshake ok hub=$hub_keyid`) or a Connect code (exit 1 and
# `error <code>:`).
expect() {
  local name=$1 want=$2; shift 2
  local out rc
  out=$(timeout 60 "$sync_peer" --url "http://$addr" "$@" 2>&1); rc=$?
  local ok=0
  if [[ $want == ok ]]; then
    [[ $rc == 0 && $out == *"handshake ok hub=$hub_keyid"* ]] && ok=1
  else
    [[ $rc == 1 && $out == *"error $want:"* ]] && ok=1
  fi
  if (( ok )); then
    passes=$((passes + 1)); echo "ok   $name: $(head -c 300 <<<"$out" | tr '\n' ' ')"
  else
    failures=$((failures + 1)); echo "FAIL $name: want $want, got exit $rc: $out"
  fi
}

seed() { printf '%064x' "$1"; }

case $mode in
  go-selftest)
    gen_sync_proto
    go_in "$here/syncpeer" vet . && go_in "$here/syncpeer" test -count=1 .
    ;;
  hub)
    [[ -n $hub_bin ]] || skip "the backrest-sync target does not exist"
    [[ -x $hub_bin ]] || skip "backrest-sync not built at $hub_bin (build target backrest-sync)"
    build_sync_peer
    data=$work/hub
    init=$("$hub_bin" init --data "$data" --instance hub --json) || { echo "FAIL: init"; exit 1; }
    hub_keyid=${init#*\"keyid\":\"}; hub_keyid=${hub_keyid%%\"*}
    pair=$("$hub_bin" pair new --data "$data" --label syncpeer --max-uses 1 \
             --grant 'READ_OPERATIONS:*' --json) || { echo "FAIL: pair new"; exit 1; }
    token=${pair#*\"token\":\"}; token=${token%%\"*}
    rest=${token#*:}; secret=${rest%\#*}
    [[ ${token%%:*} == "$hub_keyid" && ${rest##*\#} == hub && ${#secret} == 64 ]] ||
      { echo "FAIL: token $token does not name the hub $hub_keyid"; exit 1; }

    "$hub_bin" serve --data "$data" --listen 127.0.0.1:0 >"$work/hub.out" 2>&1 &
    pids+=("$!")
    addr=
    for _ in $(seq 150); do
      info=$(cat "$data/daemon.json" 2>/dev/null) && [[ $info == *'"listen":"'* ]] && {
        addr=${info#*\"listen\":\"}; addr=${addr%%\"*}; break; }
      sleep 0.1
    done
    [[ -n $addr ]] || { echo "FAIL: hub did not start"; cat "$work/hub.out"; exit 1; }
    echo "hub $hub_keyid listening on $addr"

    A=(--identity-seed "$(seed 1)" --instance laptop)
    B=(--identity-seed "$(seed 2)" --instance desktop)
    expect "unknown key is refused" permission_denied "${A[@]}"
    expect "wrong pairing secret is refused" permission_denied "${A[@]}" --pairing-secret "$(seed 3)"
    expect "bad signature with the right secret is refused" permission_denied "${A[@]}" \
      --pairing-secret "$secret" --bad-signature
    expect "pairing with the token" ok "${A[@]}" --pairing-secret "$secret" --expect-hub-key "$hub_keyid"
    expect "paired client reconnects without the secret" ok "${A[@]}" --expect-hub-key "$hub_keyid"
    expect "used-up token pairs no one else" permission_denied "${B[@]}" --pairing-secret "$secret"
    expect "bad signature of a known client is refused" permission_denied "${A[@]}" --bad-signature
    expect "known key under another instance ID is refused" permission_denied \
      --identity-seed "$(seed 1)" --instance impostor
    expect "client refuses an unexpected hub key" permission_denied "${A[@]}" \
      --expect-hub-key "ed25519.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    expect "push 40 operations" ok "${A[@]}" --ops 40
    stored=$("$hub_bin" ops list --data "$data" --json 2>&1 | grep -c laptop)
    if (( stored >= 40 )); then
      passes=$((passes + 1)); echo "ok   hub stored $stored operations from laptop"
    else
      failures=$((failures + 1)); echo "FAIL hub stored $stored operations from laptop, want 40"
    fi
    # A peer that skips Backrest's validation: every 4th op of 40 (10 per
    # item) has a short snapshot_id. The hub refuses those alone and keeps
    # the 30 valid ones around them; the session goes on.
    expect "push 40 more, every 4th invalid" ok "${A[@]}" --ops 40 --first-id 1001 --invalid-every 4
    listed=$("$hub_bin" ops list --data "$data" --json 2>&1)
    stored=$(grep -c laptop <<<"$listed")
    if (( stored == 70 )) && ! grep -q deadbeef <<<"$listed"; then
      passes=$((passes + 1)); echo "ok   hub kept the 30 valid ops and refused the 10 invalid ones"
    else
      failures=$((failures + 1)); echo "FAIL hub stored $stored operations from laptop, want 70 (none invalid)"
    fi
    # config push to a client that refuses it as Backrest's does, by ending
    # the session: the push reports the refusal (exit 1) after --wait.
    "$sync_peer" --url "http://$addr" "${A[@]}" --refuse-set-config --timeout 30s \
      >"$work/refuse.out" 2>&1 &
    refuse_pid=$!
    laptop_keyid=
    for _ in $(seq 200); do
      line=$("$hub_bin" peers --data "$data" --json 2>/dev/null | grep '"peerInstanceId":"laptop"')
      if [[ $line == *CONNECTION_STATE_CONNECTED* ]]; then
        laptop_keyid=${line#*\"peerKeyid\":\"}; laptop_keyid=${laptop_keyid%%\"*}; break
      fi
      sleep 0.1
    done
    echo '[{"id":"pushed","guid":"g-pushed","uri":"/srv/pushed"}]' >"$work/push.json"
    out=$("$hub_bin" config push --data "$data" --peer "$laptop_keyid" --repos "$work/push.json" \
            --wait 3s 2>&1); rc=$?
    wait "$refuse_pid"; peer_rc=$?
    if [[ -n $laptop_keyid && $rc == 1 && $out == *"refused by $laptop_keyid"* &&
          $out == *"Backrest client refuses"* && $peer_rc == 0 ]] &&
       grep -q "set_config refused" "$work/refuse.out"; then
      passes=$((passes + 1)); echo "ok   config push refused by a client that ends the session"
    else
      failures=$((failures + 1))
      echo "FAIL config push to a refusing client: exit $rc: $out; peer exit $peer_rc: $(cat "$work/refuse.out")"
    fi
    # The hub's /metrics after all that, checked as `promtool check metrics`
    # does (prometheus/common's parser + client_golang's promlint), with the
    # series the sessions above must have moved.
    GOWORK=off go_in "$here" build -mod=readonly -o "$work/metricscheck" ./metricscheck ||
      { echo "FAIL: go build of metricscheck"; exit 1; }
    if "$work/metricscheck" --url "http://$addr/metrics" \
         --want 'backrest_sync_handshakes_total{role="hub",result="ok"}>=3' \
         --want 'backrest_sync_handshakes_total{role="hub",result="auth"}>=5' \
         --want 'backrest_sync_sessions_started_total>=10' \
         --want 'backrest_sync_sessions_ended_total>=1' \
         --want 'backrest_sync_ops_received_total>=70' \
         --want 'backrest_sync_ops_invalid_total{role="hub"}>=10' \
         --want 'backrest_sync_stream_received_bytes_total>=1000' \
         --want 'backrest_sync_stream_sent_bytes_total>=1000' \
         --want 'backrest_sync_ingest_latency_seconds_count>=1' \
         --want 'backrest_sync_peers{state="DISCONNECTED"}>=1'; then
      passes=$((passes + 1))
    else
      failures=$((failures + 1)); echo "FAIL /metrics"
    fi
    echo "$passes passed, $failures failed"
    (( failures == 0 ))
    ;;
  impostor)
    [[ -n $hub_bin ]] || skip "the backrest-sync target does not exist"
    [[ -x $hub_bin ]] || skip "backrest-sync not built at $hub_bin (build target backrest-sync)"
    build_sync_peer
    run_impostor_checks "${4:-50}" "${5:-2}"
    ;;
  *)
    echo "unknown mode $mode"; exit 2 ;;
esac
