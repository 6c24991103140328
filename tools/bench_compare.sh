#!/usr/bin/env bash
# Runs two builds' benchmarks alternately in the same minutes and prints, per
# benchmark, the median wall time of each build over the rounds, the spread
# (min..max) and the ratio new/old. Use it for "no regression beyond 5%":
#   tools/bench_compare.sh OLD_BENCH_DIR NEW_BENCH_DIR [ROUNDS] [BENCH...]
# e.g. tools/bench_compare.sh /tmp/old/build/bench build/bench 5 sync_bench store_bench rpc_bench
# BENCH_FILTER (a --benchmark_filter regex) narrows the benchmarks run.
set -euo pipefail
old=$1 new=$2
rounds=${3:-5}
shift $(($# < 3 ? $# : 3))
benches=("$@")
((${#benches[@]})) || benches=(sync_bench store_bench rpc_bench)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

run() {  # run LABEL DIR BENCH: appends "label bench/name seconds" lines
  "$2/$3" --benchmark_filter="${BENCH_FILTER:-.}" 2>/dev/null |
    awk -v label="$1" '
      /^BM_/ && NF >= 5 {
        t = $2; u = $3
        s = (u == "ns") ? t / 1e9 : (u == "us") ? t / 1e6 : (u == "ms") ? t / 1e3 : t
        print label, $1, s
      }' >>"$out/times"
}

for ((r = 1; r <= rounds; r++)); do
  for b in "${benches[@]}"; do
    if ((r % 2)); then run old "$old" "$b"; run new "$new" "$b"
    else run new "$new" "$b"; run old "$old" "$b"; fi
  done
  echo "round $r of $rounds done" >&2
done

sort -k2,2 -k1,1 -k3,3g "$out/times" | awk '
  function flush(   mo, mn) {
    if (name == "") return
    mo = med("old"); mn = med("new")
    printf "%-50s old %s [%s..%s]  new %s [%s..%s]  new/old %.3f\n", name,
      h(mo), h(v["old",1]), h(v["old",c["old"]]), h(mn), h(v["new",1]), h(v["new",c["new"]]),
      (mo > 0 ? mn / mo : 0)
    delete v; delete c
  }
  function h(s) {
    if (s < 1e-3) return sprintf("%.2f us", s * 1e6)
    if (s < 1) return sprintf("%.3f ms", s * 1e3)
    return sprintf("%.3f s", s)
  }
  function med(l,   n) {
    n = c[l]
    if (!n) return 0
    if (n % 2) return v[l, (n + 1) / 2]
    return (v[l, n / 2] + v[l, n / 2 + 1]) / 2
  }
  $2 != name { flush(); name = $2 }
  { v[$1, ++c[$1]] = $3 }
  END { flush() }'
