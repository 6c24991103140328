#!/usr/bin/env bash
# run.sh ROLE WORK CONFIG SKIP_REASON [PROGRAM]: runs the Connect
# conformance runner (connectrpc.com/conformance's connectconformance,
# installed with `go install` into WORK) against PROGRAM, our server or
# client under test, with the features declared in CONFIG. Exit 77 (skip)
# with SKIP_REASON when the program could not be built (no Go >= 1.26).
set -euo pipefail
role=$1 work=$2 config=$3 reason=$4 program=${5:-}
version=v1.0.7
if [[ -z $program ]]; then
  echo "SKIP: ${reason:-the conformance programs were not built}"
  exit 77
fi
go_bin=${BRS_GO:-$(command -v go || echo /usr/local/go/bin/go)}
export GOTOOLCHAIN=local GOPATH=$work/gopath GOCACHE=$work/gocache GOBIN=$work/bin
export GOFLAGS="-modcacherw -buildvcs=false"
runner=$work/bin/connectconformance
if [[ ! -x $runner ]]; then
  ( flock 9 && [[ -x $runner ]] ||
      "$go_bin" install "connectrpc.com/conformance/cmd/connectconformance@$version" ) 9>"$work/.install.lock"
fi
start=$(date +%s)
# -v prints each failure with its reason; the last lines give the counts.
# ROLE.known_failing (next to CONFIG), when there, lists cases that must
# fail (the runner fails the run if one of them passes).
known=()
known_file=$(dirname "$config")/$role.known_failing
if [[ -f $known_file ]]; then known=(--known-failing "@$known_file"); fi
"$runner" --mode "$role" --conf "$config" "${known[@]}" --trace -v -- "$program"
echo "conformance $role: $(( $(date +%s) - start )) s"
