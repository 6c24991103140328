#!/usr/bin/env bash
# RPC interop between the Go peer (tests/interop/rpcpeer, connect-go) and the
# C++ peer (rpc_test_peer), per tests/interop/README.md (the EchoService contract).
#
#   run_rpc_interop.sh go-selftest BUILD_DIR            go test ./... in tests/interop
#   run_rpc_interop.sh go-client   BUILD_DIR CPP_PEER   Go client  -> C++ server
#   run_rpc_interop.sh cpp-client  BUILD_DIR CPP_PEER   C++ client -> Go server
#   run_rpc_interop.sh bench       BUILD_DIR [CPP_PEER] bidi msgs/s, 256-byte messages
#
# The client/server runs cover h2c and TLS, Connect and gRPC, gzip on and off.
# Exit 77 (CTest SKIP_RETURN_CODE) when Go >= 1.26 or the C++ peer is absent.
# The Go peer is built into the run's own work dir under BUILD_DIR, with
# GOPATH/GOCACHE in BUILD_DIR, so a fresh machine only needs the Go toolchain
# and the module proxy, and concurrent runs share only Go's caches (lib.sh).
# Env: BRS_GO (go binary), BRS_INTEROP_N (bidi messages per call, default
# 5000), BRS_BENCH_N (messages per bench run, default 100000), BRS_BENCH_REPS
# (default 10).
set -u
here=$(cd "$(dirname "$0")" && pwd)
mode=${1:?mode}
build=${2:?build dir}
cpp=${3:-}
mkdir -p "$build" && build=$(cd "$build" && pwd)

source "$here/lib.sh"

build_go_peer() {
  echo "building the Go peer with $go_version (modules via ${GOPROXY:-$("$go_bin" env GOPROXY)})"
  go_in "$here" build -o "$go_peer" ./rpcpeer ||
    { echo "FAIL: go build of tests/interop/rpcpeer"; exit 1; }
}

need_cpp() {
  [[ -n $cpp ]] || skip "no C++ peer given (build target rpc_test_peer, tools/rpc_test_peer)"
  [[ -x $cpp ]] || skip "rpc_test_peer not built at $cpp (build target rpc_test_peer)"
}

failures=0 passes=0
# run_matrix CLIENT_BIN SERVER_NAME SERVER_BIN
run_matrix() {
  local client=$1 sname=$2 server=$3
  local n=${BRS_INTEROP_N:-5000}
  for transport in h2c tls; do
    local tls_args=() ca_args=() scheme=http
    if [[ $transport == tls ]]; then
      tls_args=(--tls-cert "$work/cert.pem" --tls-key "$work/key.pem")
      ca_args=(--ca "$work/cert.pem"); scheme=https
    fi
    start_server "$sname-$transport" "$server" serve --listen 127.0.0.1:0 "${tls_args[@]}"
    for protocol in connect grpc; do
      for gz in "" --gzip; do
        local label="$transport protocol=$protocol ${gz:-no-gzip}"
        echo "== $label: $(basename "$client") call -> $sname"
        if timeout 180 "$client" call --url "$scheme://$addr" --protocol "$protocol" $gz \
             "${ca_args[@]}" --test all --n "$n"; then
          passes=$((passes + 1))
        else
          echo "FAIL: $label (exit $?)"; failures=$((failures + 1))
        fi
      done
    done
    stop_server
  done
  echo "$passes passed, $failures failed"
  (( failures == 0 ))
}

work=$(mktemp -d "$build/run.XXXXXX")
trap 'cleanup; rm -rf "$work"' EXIT
go_peer=$work/rpcpeer
# tests/interop is one module (not a workspace); its go.mod/go.sum are
# complete and never rewritten.
export GOWORK=off GOFLAGS="$GOFLAGS -mod=readonly"

case $mode in
  go-selftest)
    go_in "$here" vet ./... && go_in "$here" test -count=1 ./...
    ;;
  go-client)
    need_cpp; build_go_peer
    "$go_peer" gencert --dir "$work" >/dev/null || exit 1
    run_matrix "$go_peer" cpp "$cpp"
    ;;
  cpp-client)
    need_cpp; build_go_peer
    "$go_peer" gencert --dir "$work" >/dev/null || exit 1
    run_matrix "$cpp" go "$go_peer"
    ;;
  bench)
    build_go_peer
    reps=${BRS_BENCH_REPS:-10} n=${BRS_BENCH_N:-100000}
    # bench_pair NAME CLIENT SERVER: median and spread of REPS runs.
    bench_pair() {
      local name=$1 client=$2 server=$3 rates=()
      start_server "bench-${name//\//-}" "$server" serve --listen 127.0.0.1:0
      for _ in $(seq "$reps"); do
        local r
        r=$("$client" bench --url "http://$addr" --test bidi --n "$n" --size 256 | awk '$1=="msgs_per_sec"{print $2}')
        [[ -n $r ]] || { echo "FAIL: bench $name"; exit 1; }
        rates+=("$r")
      done
      stop_server
      printf '%s\n' "${rates[@]}" | sort -g | awk -v name="$name" -v n="$n" '
        { v[NR] = $1 }
        END { med = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
              printf "bidi %-22s 256 B x %d, %d runs: median %.0f msgs/s each way (min %.0f, max %.0f)\n",
                     name, n, NR, med, v[1], v[NR] }'
    }
    bench_pair "go-client/go-server" "$go_peer" "$go_peer"
    if [[ -n $cpp && -x $cpp ]]; then
      bench_pair "cpp-client/go-server" "$cpp" "$go_peer"
      bench_pair "go-client/cpp-server" "$go_peer" "$cpp"
      bench_pair "cpp-client/cpp-server" "$cpp" "$cpp"
    fi
    ;;
  *)
    echo "unknown mode $mode"; exit 2 ;;
esac
