# Sourced by run_sync_interop.sh (mode `impostor`): a client that joined a
# hub with a pairing token must not give the token's secret to a hub with
# another key at the known host's URL (SPEC §5: our client verifies the hub's
# handshake before it sends its own).
#
#   1. `syncpeer hub` (another key, the genuine hub's instance ID) sends its
#      handshake unprompted; the real client `serve`s against it for DIALS
#      streams: no stream may carry a client handshake or a secret.
#   2. The same with --silent (no hub handshake): the client must not send
#      its handshake first; each stream then lasts the client's handshake
#      timeout (15 s), so SILENT_DIALS is small.
#   3. Control: the genuine `backrest-sync serve` hub with the same token (so
#      neither impostor used it up) pairs the client: it reaches CONNECTED.
#
# Dials are driven by SIGHUP (`serve` redials its known hosts at once) each
# time the impostor reports a finished stream, so the client's back-off does
# not set the pace. In: $hub_bin, $sync_peer, $work, lib.sh.

# client_serve NAME: starts `serve` on the client data dir; sets $client_pid.
client_serve() {
  "$hub_bin" serve --data "$work/client" --listen 127.0.0.1:0 --retry-delay 1 \
    >"$work/$1.log" 2>&1 &
  client_pid=$!
  pids+=("$client_pid")
}

# forget_pid PID: no longer SIGTERMed on exit (it was reaped).
forget_pid() {
  local p keep=()
  for p in "${pids[@]}"; do [[ $p == "$1" ]] || keep+=("$p"); done
  pids=("${keep[@]}")
}

# catches_hup PID: the process has installed its SIGHUP handler (/proc SigCgt,
# bit 0 = signal 1), so a SIGHUP redials instead of killing it. (`serve`
# starts dialing before it installs its handlers.)
catches_hup() {
  local mask
  mask=$(awk '$1 == "SigCgt:" {print $2}' "/proc/$1/status" 2>/dev/null)
  [[ -n $mask ]] && (( 0x$mask & 1 ))
}

# stop_pid PID: SIGTERM and reap (a failure unless it exits 0).
stop_pid() {
  kill -TERM "$1" 2>/dev/null
  wait "$1" || { echo "FAIL: pid $1 did not exit 0 on SIGTERM"; failures=$((failures + 1)); }
  forget_pid "$1"
}

# impostor_round NAME DIALS DEADLINE_S [--silent]: one impostor, the client
# joined to it, DIALS streams; checks the impostor's summary.
impostor_round() {
  local name=$1 dials=$2 deadline=$3; shift 3
  start_server "$name" "$sync_peer" hub --listen 127.0.0.1:0 --identity-seed "$(seed 7)" \
    --instance hub --dials "$dials" "$@"
  local imp_pid=${pids[-1]} out=$work/$name.out
  "$hub_bin" join "$token" --url "http://$addr" --data "$work/client" --replace >/dev/null ||
    { echo "FAIL: join"; exit 1; }
  local t0=$SECONDS seen=0 n
  client_serve "client-$name"
  # Each finished stream (a line `dial N ...`) triggers the next dial.
  while kill -0 "$imp_pid" 2>/dev/null; do
    n=$(grep -c '^dial ' "$out")
    if (( n > seen )) && catches_hup "$client_pid"; then
      seen=$n
      kill -HUP "$client_pid"
    fi
    if ! kill -0 "$client_pid" 2>/dev/null; then
      echo "FAIL $name: the client's serve exited"; cat "$work/client-$name.log"; exit 1
    fi
    if (( SECONDS - t0 > deadline )); then
      echo "FAIL $name: $seen of $dials dials within ${deadline} s"
      cat "$out" "$work/client-$name.log"; exit 1
    fi
    sleep 0.05
  done
  local imp_rc=0
  wait "$imp_pid" || imp_rc=$?
  forget_pid "$imp_pid"
  stop_pid "$client_pid"
  local secrets handshakes
  secrets=$(awk '$1 == "secrets_received" {print $2}' "$out")
  handshakes=$(awk '$1 == "handshakes_received" {print $2}' "$out")
  n=$(grep -c '^dial ' "$out")
  echo "$name: $n dials in $((SECONDS - t0)) s, handshakes_received ${handshakes:-?}," \
    "secrets_received ${secrets:-?}"
  if (( imp_rc != 0 || n != dials )) || [[ -z $secrets ]]; then
    failures=$((failures + 1)); echo "FAIL $name: impostor exit $imp_rc, $n of $dials dials"
    cat "$out" "$work/$name.err"
  elif [[ $secrets != 0 ]]; then
    failures=$((failures + 1))
    echo "FAIL $name: the client sent its pairing secret to an impostor hub in $secrets of $n dials"
    grep -m 3 'secret=yes' "$out"
  elif [[ $handshakes != 0 ]]; then
    failures=$((failures + 1))
    echo "FAIL $name: the client sent its handshake to an unverified hub in $handshakes of $n dials"
    grep -m 3 'handshake=yes' "$out"
  else
    passes=$((passes + 1)); echo "ok   $name: no handshake, no secret"
  fi
}

# control_round: the genuine hub pairs the client with the same token.
control_round() {
  "$hub_bin" serve --data "$work/hub" --listen 127.0.0.1:0 >"$work/hub.log" 2>&1 &
  local hub_pid=$! hub_addr= info
  pids+=("$hub_pid")
  for _ in $(seq 150); do
    info=$(cat "$work/hub/daemon.json" 2>/dev/null) && [[ $info == *'"listen":"'* ]] && {
      hub_addr=${info#*\"listen\":\"}; hub_addr=${hub_addr%%\"*}; break; }
    sleep 0.1
  done
  [[ -n $hub_addr ]] || { echo "FAIL: hub did not start"; cat "$work/hub.log"; exit 1; }
  "$hub_bin" join "$token" --url "http://$hub_addr" --data "$work/client" --replace >/dev/null ||
    { echo "FAIL: join"; exit 1; }
  client_serve client-control
  local state=
  for _ in $(seq 600); do
    state=$("$hub_bin" peers --data "$work/client" --json 2>/dev/null)
    [[ $state == *CONNECTION_STATE_CONNECTED* ]] && break
    sleep 0.1
  done
  if [[ $state == *CONNECTION_STATE_CONNECTED* ]]; then
    passes=$((passes + 1)); echo "ok   control: the genuine hub paired the client with the same token"
  else
    failures=$((failures + 1)); echo "FAIL control: client state $state"
    cat "$work/client-control.log" "$work/hub.log"
  fi
  stop_pid "$client_pid"
  stop_pid "$hub_pid"
}

run_impostor_checks() {
  local dials=$1 silent_dials=$2
  "$hub_bin" init --data "$work/hub" --instance hub >/dev/null || { echo "FAIL: init hub"; exit 1; }
  local pair
  pair=$("$hub_bin" pair new --data "$work/hub" --label laptop --max-uses 1 --json) ||
    { echo "FAIL: pair new"; exit 1; }
  token=${pair#*\"token\":\"}; token=${token%%\"*}
  "$hub_bin" init --data "$work/client" --instance laptop >/dev/null ||
    { echo "FAIL: init client"; exit 1; }
  impostor_round impostor "$dials" $((30 + 2 * dials))
  impostor_round impostor-silent "$silent_dials" $((30 + 20 * silent_dials)) --silent
  control_round
  echo "$passes passed, $failures failed"
  (( failures == 0 ))
}
