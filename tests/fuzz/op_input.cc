// The input of `ops add` / `ops update`: protobuf JSON operations, one
// object or JSON Lines (app::ParseOperationsInput, then Backrest's
// validation). Properties: an error names the input; every op returned is
// ready for the store (id and modno cleared for add, instance and start
// time filled in).
#include "app/op_input.h"

#include "fuzz_util.h"

using namespace brs;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::Input in(data, size);
  const uint8_t ctl = in.Byte();
  app::OpInputOptions o;
  o.source = "ops.jsonl";
  o.instance_id = "inst-a";
  o.now_ms = 1'700'000'000'000;
  o.update = ctl & 1;
  auto ops = app::ParseOperationsInput(in.Rest(), o);
  if (!ops.ok()) {
    FUZZ_CHECK(ops.status().code() == Code::kInvalidArgument);
    FUZZ_CHECK(ops.status().message().rfind("ops.jsonl", 0) == 0);
    return 0;
  }
  FUZZ_CHECK(!ops->empty());
  for (const auto& op : *ops) {
    FUZZ_CHECK(op.modno() == 0);
    if (!o.update) {
      FUZZ_CHECK(op.id() == 0);
      FUZZ_CHECK(!op.instance_id().empty());
      FUZZ_CHECK(op.unix_time_start_ms() != 0);
    }
  }
  return 0;
}
