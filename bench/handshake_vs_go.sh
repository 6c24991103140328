#!/usr/bin/env bash
# The session-start CPU of bench/crypto_handshake_bench.cc against Go's
# crypto/hpke + crypto/ed25519 (tools/govectors/bench_test.go), run
# alternately in the same minutes. Prints, per benchmark, the median time per
# operation over the rounds, the spread (min..max) and Go/C++ (above 1: we
# are faster), twice: wall time, then CPU time (user + system of the whole
# process, Go's garbage collector included), the fairer measure when other
# jobs load the machine:
#   bench/handshake_vs_go.sh [BENCH_DIR] [ROUNDS]     (default build/bench, 5)
# GO (default: go on PATH, else /usr/local/go/bin/go) must be >= 1.26.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bench_dir=${1:-build/bench}
rounds=${2:-5}
go=${GO:-$(command -v go || echo /usr/local/go/bin/go)}
names=(HubHandshakeShare HandshakeBothSides HubAccept HandshakeSign HandshakeVerify)
regex=$(IFS='|'; echo "${names[*]}")
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
[[ -x "$bench_dir/crypto_bench" ]] || { echo "no $bench_dir/crypto_bench (build first)" >&2; exit 1; }
"$go" version >/dev/null 2>&1 || { echo "Go not found (set GO=...)" >&2; exit 1; }
(cd "$here/../tools/govectors" && "$go" test -c -o "$out/gobench" >/dev/null)

run_cpp() {  # lines "cpp NAME wall-seconds cpu-seconds"
  "$bench_dir/crypto_bench" --benchmark_filter="^BM_($regex)\$" 2>/dev/null |
    awk 'function sec(t, u) { return (u == "ns") ? t / 1e9 : (u == "us") ? t / 1e6 : (u == "ms") ? t / 1e3 : t }
      /^BM_/ && NF >= 6 { sub(/^BM_/, "", $1); print "cpp", $1, sec($2, $3), sec($4, $5) }' >>"$out/times"
}
run_go() {  # lines "go NAME wall-seconds cpu-seconds"
  (cd "$here/../tools/govectors" && "$out/gobench" -test.run '^$' -test.bench "^Benchmark($regex)\$") |
    awk '/^Benchmark/ && $4 == "ns/op" && $6 == "cpu-ns/op" {
      n = $1; sub(/^Benchmark/, "", n); sub(/-[0-9]+$/, "", n)
      print "go", n, $3 / 1e9, $5 / 1e9 }' >>"$out/times"
}

for ((r = 1; r <= rounds; r++)); do
  if ((r % 2)); then run_cpp; run_go; else run_go; run_cpp; fi
  echo "round $r of $rounds done" >&2
done

report() {  # $1: the column of "$out/times" to report (3 wall, 4 CPU)
  awk -v col="$1" '{ print $1, $2, $col }' "$out/times" | sort -k2,2 -k1,1 -k3,3g | awk '
  function h(s) { return s < 1e-3 ? sprintf("%.1f us", s * 1e6) : sprintf("%.3f ms", s * 1e3) }
  function med(l,   n) {
    n = c[l]
    if (!n) return 0
    return (n % 2) ? v[l, (n + 1) / 2] : (v[l, n / 2] + v[l, n / 2 + 1]) / 2
  }
  function flush(   mc, mg) {
    if (name == "") return
    mc = med("cpp"); mg = med("go")
    printf "%-20s C++ %9s [%s..%s]  Go %9s [%s..%s]  Go/C++ %.2fx\n", name,
      h(mc), h(v["cpp", 1]), h(v["cpp", c["cpp"]]), h(mg), h(v["go", 1]), h(v["go", c["go"]]),
      (mc > 0 ? mg / mc : 0)
    delete v; delete c
  }
  $2 != name { flush(); name = $2 }
  { v[$1, ++c[$1]] = $3 }
  END { flush() }'
}

echo "wall time per operation (load average $(cut -d' ' -f1-3 /proc/loadavg)):"
report 3
echo "CPU time per operation:"
report 4
