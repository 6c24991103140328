#!/usr/bin/env bash
# A fuzz target's smoke run (CTest, label fuzz): SECONDS of fuzzing from
# its committed seed corpus. New inputs go to WORKDIR (the build tree),
# never into the repository; a crash fails the test and leaves its input
# in WORKDIR/crash-*.
#   smoke.sh TARGET_BINARY CORPUS_DIR WORKDIR SECONDS
set -euo pipefail
bin=$1 corpus=$2 work=$3 seconds=$4
mkdir -p "$work/corpus"
exec "$bin" -max_total_time="$seconds" -timeout=30 -rss_limit_mb=2048 -max_len=8192 \
  -print_final_stats=1 -artifact_prefix="$work/" "$work/corpus" "$corpus"
