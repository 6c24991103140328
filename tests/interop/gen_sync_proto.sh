# Sourced by run_sync_interop.sh: generates Go code for the project's protos
# (proto/v1sync, proto/v1, proto/types) into $build/syncgen, a module named
# brs/syncgen, with protoc-gen-go installed from the module proxy into
# $build/bin; then writes $build/go.work joining it with tests/interop/syncpeer.
# In: $here, $build, $go_bin (lib.sh). Nothing generated is committed.
protoc_gen_go_version=v1.36.11

gen_sync_proto() {
  local src=$here/../../proto gen=$build/syncgen
  command -v protoc >/dev/null || { echo "FAIL: protoc not found (apt package protobuf-compiler)"; exit 1; }
  if [[ ! -x $build/bin/protoc-gen-go ]]; then
    echo "installing protoc-gen-go $protoc_gen_go_version"
    GOWORK=off GOBIN=$build/bin go_locked "$here" install \
      "google.golang.org/protobuf/cmd/protoc-gen-go@$protoc_gen_go_version" ||
      { echo "FAIL: go install protoc-gen-go"; exit 1; }
  fi
  rm -rf "$gen" && mkdir -p "$gen"
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
  cat >"$build/go.work" <<WORK
go 1.26.0

use (
	$here/syncpeer
	./syncgen
)
WORK
  export GOWORK=$build/go.work
}
