#!/usr/bin/env bash
# Instructions per operation of the hub's share of a session start and its
# parts (bench/handshake_profile.cc), counted by callgrind: a measure that
# the machine's load does not move, for before/after comparisons.
#   bench/handshake_callgrind.sh [BENCH_DIR] [ITERATIONS]   (default build/bench, 20)
# Valgrind's CPU lacks ADX, so the portable P-384 multiplication is what
# runs under it (the counts compare code, not the MULX path's speed).
set -euo pipefail
bench_dir=${1:-build/bench}
n=${2:-20}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
[[ -x "$bench_dir/handshake_profile" ]] || { echo "no $bench_dir/handshake_profile (build first)" >&2; exit 1; }
valgrind --tool=callgrind --callgrind-out-file="$out/cg" "$bench_dir/handshake_profile" "$n" >/dev/null 2>"$out/log" ||
  { cat "$out/log" >&2; exit 1; }
callgrind_annotate --inclusive=yes --threshold=100 "$out/cg" 2>/dev/null |
  awk -v n="$n" '/::Profile[A-Za-z0-9]+\(/ {
      ir = $1; gsub(",", "", ir)
      name = $0; sub(/.*::Profile/, "", name); sub(/\(.*/, "", name)
      if (!seen[name]++) printf "%-14s %12.0f instructions/op\n", name, ir / n }'
