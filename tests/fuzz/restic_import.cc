// `restic snapshots --json` import (app::ParseResticSnapshots), the repo ID
// of `restic cat config --json` and RFC 3339 times. Properties: an
// imported snapshot is an index-snapshot op with a 64-hex snapshot ID, the
// plan and instance filled in, and an end not before its start.
#include "app/restic_import.h"

#include "fuzz_util.h"

using namespace brs;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::Input in(data, size);
  const uint8_t ctl = in.Byte();
  std::string_view text = in.Rest();
  app::ResticImportOptions o;
  o.repo_id = "repo1";
  o.repo_guid = std::string(64, 'a');
  o.plan_id = (ctl & 1) ? "plan1" : "";
  o.instance_id = "inst-a";
  auto ops = app::ParseResticSnapshots(text, o);
  if (ops.ok()) {
    for (const auto& op : *ops) {
      FUZZ_CHECK(op.has_operation_index_snapshot());
      const auto& snap = op.operation_index_snapshot().snapshot();
      FUZZ_CHECK(snap.id().size() == 64);
      FUZZ_CHECK(!op.plan_id().empty());
      FUZZ_CHECK(!op.instance_id().empty());
      FUZZ_CHECK(op.repo_id() == "repo1");
    }
  } else {
    FUZZ_CHECK(ops.status().code() == Code::kInvalidArgument);
  }
  auto id = app::ParseResticConfigId(text);
  if (id.ok()) FUZZ_CHECK(!id->empty());
  auto ms = app::ParseRfc3339Millis(text.substr(0, 64));
  (void)ms;
  return 0;
}
