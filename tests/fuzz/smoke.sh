#!/usr/bin/env bash
# A fuzz target's smoke run (CTest, label fuzz): SECONDS of fuzzing from
# its committed seed corpus. New inputs go to WORKDIR (the build tree),
# never into the repository; a crash fails the test and leaves its input
# in WORKDIR/crash-*. The target's temp files go to a scratch dir of this
# run's own (BRS_FUZZ_TMPDIR, under /dev/shm), removed at the end.
#   smoke.sh TARGET_BINARY CORPUS_DIR WORKDIR SECONDS
set -euo pipefail
bin=$1 corpus=$2 work=$3 seconds=$4
mkdir -p "$work/corpus"
scratch_root=/dev/shm
[ -d "$scratch_root" ] && [ -w "$scratch_root" ] || scratch_root=$work
scratch=$(mktemp -d "$scratch_root/brs-fuzz-smoke.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
BRS_FUZZ_TMPDIR=$scratch "$bin" -max_total_time="$seconds" -timeout=30 -rss_limit_mb=2048 \
  -max_len=8192 -print_final_stats=1 -artifact_prefix="$work/" "$work/corpus" "$corpus"
