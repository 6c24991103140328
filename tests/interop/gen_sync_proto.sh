# Sourced by run_sync_interop.sh: generates Go code for the project's protos
# (proto/v1sync, proto/v1, proto/types) into $work/syncgen, a module named
# brs/syncgen, and writes $work/go.work joining it with tests/interop/syncpeer
# (exported as GOWORK). protoc-gen-go is installed from the module proxy into
# $build/bin once, under the build dir's lock, and appears there atomically.
# In: $here, $build, $work, $go_bin (lib.sh). Nothing generated is committed,
# and nothing generated is shared between runs.
protoc_gen_go_version=v1.36.11

# install_protoc_gen_go: run under `locked`.
install_protoc_gen_go() {
  [[ -x $build/bin/protoc-gen-go ]] && return 0
  echo "installing protoc-gen-go $protoc_gen_go_version"
  local tmp
  tmp=$(mktemp -d "$build/bin.XXXXXX") || return 1
  GOWORK=off GOBIN=$tmp go_in "$here" install \
    "google.golang.org/protobuf/cmd/protoc-gen-go@$protoc_gen_go_version" &&
    mkdir -p "$build/bin" && mv "$tmp/protoc-gen-go" "$build/bin/protoc-gen-go"
  local rc=$?
  rm -rf "$tmp"
  return $rc
}

gen_sync_proto() {
  local src=$here/../../proto gen=$work/syncgen
  command -v protoc >/dev/null || { echo "FAIL: protoc not found (apt package protobuf-compiler)"; exit 1; }
  locked install_protoc_gen_go ||
    { echo "FAIL: go install protoc-gen-go"; exit 1; }
  mkdir -p "$gen"
  local files=() maps=() f
  for f in v1sync/syncservice.proto v1/config.proto v1/crypto.proto v1/operations.proto \
           v1/restic.proto types/value.proto; do
    files+=("$f")
    maps+=("--go_opt=M$f=brs/syncgen/$(dirname "$f")")
  done
  protoc -I "$src" --plugin=protoc-gen-go="$build/bin/protoc-gen-go" \
    --go_out="$gen" --go_opt=module=brs/syncgen "${maps[@]}" "${files[@]}" ||
    { echo "FAIL: protoc"; exit 1; }
  cat >"$gen/go.mod" <<MOD
module brs/syncgen

go 1.26.0

require google.golang.org/protobuf $protoc_gen_go_version
MOD
  cat >"$work/go.work" <<WORK
go 1.26.0

use (
	$here/syncpeer
	./syncgen
)
WORK
  export GOWORK=$work/go.work
}
