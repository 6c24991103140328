// The input of `ops add`: operations as protobuf JSON (v1.Operation, the
// field names of Backrest's API, e.g. {"repoId":"r","planId":"p",…}), either
// one object (which may span lines) or JSON Lines (one object per line,
// blank lines ignored).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "v1/operations.pb.h"

namespace brs::app {

struct OpInputOptions {
  std::string source = "stdin";  // how errors name the input ("ops.jsonl")
  std::string instance_id;       // filled in where instanceId is empty
  int64_t now_ms = 0;            // filled in where unixTimeStartMs is 0
  // `ops update`: each op is a whole op with its "id"; nothing is filled
  // in, the modno is cleared (the store bumps it).
  bool update = false;
};

// Parsed ops ready for OplogStore::Add: id and modno cleared (the store
// assigns them), instance and start time filled in, and each checked
// against Backrest's validation (store/op_validation.h; with `update`:
// ready for OplogStore::Update, see OpInputOptions). InvalidArgument naming the input and line
// ("ops.jsonl:2: …") for the first op that does not parse or validate, or
// for an input without any op.
StatusOr<std::vector<v1::Operation>> ParseOperationsInput(std::string_view text,
                                                          const OpInputOptions& options);

}  // namespace brs::app
