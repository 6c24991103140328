# Shared by the interop scripts (sourced): finds Go >= 1.26 or skips (exit
# 77), and points GOPATH/GOCACHE into the build dir so a fresh machine needs
# only the toolchain and the module proxy.
# In: $build (absolute). Out: $go_bin, $go_version; exports GOPATH, GOCACHE,
# GOTOOLCHAIN, GOFLAGS.
#
# Concurrency (CTest runs several interop tests at once): the module cache
# and the build cache are Go's own and safe to share between concurrent go
# commands. Everything else a run writes -- generated code, go.work, the
# binaries it builds -- goes into its own $work (mktemp), and modules are
# never written back (-mod=readonly), so two runs share no file but the
# caches and the protoc-gen-go binary, which is installed once under a lock.

skip() { echo "SKIP: $*"; exit 77; }

go_bin=${BRS_GO:-}
if [[ -z $go_bin ]]; then
  go_bin=$(command -v go || true)
  [[ -z $go_bin && -x /usr/local/go/bin/go ]] && go_bin=/usr/local/go/bin/go
fi
[[ -n $go_bin && -x $go_bin ]] || skip "Go toolchain not found (need Go >= 1.26; set BRS_GO)"
go_version=$(GOTOOLCHAIN=local "$go_bin" env GOVERSION 2>/dev/null)
if [[ ! $go_version =~ ^go([0-9]+)\.([0-9]+) ]] ||
   (( BASH_REMATCH[1] < 1 || (BASH_REMATCH[1] == 1 && BASH_REMATCH[2] < 26) )); then
  skip "$go_bin is ${go_version:-unknown}; the interop peers need Go >= 1.26"
fi
export GOTOOLCHAIN=local
export GOPATH=$build/gopath GOCACHE=$build/gocache
export GOFLAGS="-modcacherw -buildvcs=false"

# go_in DIR ARGS...: `go ARGS` in DIR.
go_in() {
  local dir=$1; shift
  (cd "$dir" && "$go_bin" "$@")
}

# locked CMD...: CMD (a command or a shell function) in a subshell holding
# the build dir's lock, for the one step that writes a shared file (above).
locked() { ( flock 9 && "$@" ) 9>"$build/.go.lock"; }

# Servers started with start_server are SIGTERMed on exit.
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
}

# start_server NAME CMD... : starts a server that prints one line
# `listening host:port`, waits for it (15 s), sets $addr. Needs $work.
start_server() {
  local name=$1; shift
  local out=$work/$name.out
  "$@" >"$out" 2>"$work/$name.err" &
  local pid=$!
  pids+=("$pid")
  for _ in $(seq 150); do
    if read -r word addr <"$out" 2>/dev/null && [[ $word == listening && -n $addr ]]; then
      echo "$name: listening $addr"
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "FAIL: $name did not print 'listening host:port' within 15 s"
  cat "$out" "$work/$name.err"
  exit 1
}

# stop_server: SIGTERM the last started server; counts a failure unless it
# exits 0.
stop_server() {
  local pid=${pids[-1]}
  kill -TERM "$pid"
  if ! wait "$pid"; then
    echo "FAIL: server (pid $pid) did not exit 0 on SIGTERM"; failures=$((failures + 1))
  fi
  unset 'pids[-1]'
}
