#include "app/op_input.h"

#include <google/protobuf/util/json_util.h>

#include <algorithm>

#include "store/op_validation.h"

namespace brs::app {
namespace {

Status ParseOne(std::string_view json, const std::string& where, const OpInputOptions& options,
                v1::Operation* op) {
  auto st = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(json.data(), json.size()), op);
  if (!st.ok()) {
    return InvalidArgument(where +
                           ": not a v1.Operation in protobuf JSON: " + std::string(st.message()));
  }
  if (!op->original_instance_keyid().empty()) {
    return InvalidArgument(where + ": originalInstanceKeyid is set " +
                           (options.update ? "(an op synced from a peer is changed on that peer)"
                                           : "(only ops received from peers have one; the daemon "
                                             "stores those)"));
  }
  if (options.update) {
    // The op as it will be: only the modno is the store's.
    if (op->id() == 0) return InvalidArgument(where + ": id is required (the op to update)");
    op->set_modno(0);
    Status valid = store::ValidateOperation(*op, store::StoreAssigns::kModno);
    if (!valid.ok()) return InvalidArgument(where + ": " + valid.message());
    return Status();
  }
  if (op->instance_id().empty()) op->set_instance_id(options.instance_id);
  if (op->unix_time_start_ms() == 0) op->set_unix_time_start_ms(options.now_ms);
  op->set_id(0);
  op->set_modno(0);
  // Backrest's rules, but for the IDs the store is about to assign.
  Status valid = store::ValidateOperation(*op, store::StoreAssigns::kIdModnoAndFlowId);
  if (!valid.ok()) return InvalidArgument(where + ": " + valid.message());
  return Status();
}

bool Blank(std::string_view s) { return s.find_first_not_of(" \t\r\n") == std::string_view::npos; }

}  // namespace

StatusOr<std::vector<v1::Operation>> ParseOperationsInput(std::string_view text,
                                                          const OpInputOptions& options) {
  if (Blank(text)) return InvalidArgument(options.source + ": no operations in the input");
  std::vector<v1::Operation> ops;
  // One object, possibly pretty-printed over many lines.
  {
    v1::Operation op;
    if (google::protobuf::util::JsonStringToMessage(
            google::protobuf::StringPiece(text.data(), text.size()), &op)
            .ok()) {
      // A single line is still named by its line number.
      const size_t first = text.find_first_not_of(" \t\r\n");
      const size_t last = text.find_last_not_of(" \t\r\n");
      const bool one_line = text.substr(first, last - first + 1).find('\n') == text.npos;
      const size_t line =
          1 + static_cast<size_t>(std::count(text.begin(), text.begin() + first, '\n'));
      BRS_RETURN_IF_ERROR(
          ParseOne(text, one_line ? options.source + ":" + std::to_string(line) : options.source,
                   options, &op));
      ops.push_back(std::move(op));
      return ops;
    }
  }
  // JSON Lines.
  size_t line_no = 0, at = 0;
  while (at <= text.size()) {
    size_t end = text.find('\n', at);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(at, end - at);
    ++line_no;
    at = end + 1;
    if (Blank(line)) continue;
    v1::Operation op;
    BRS_RETURN_IF_ERROR(
        ParseOne(line, options.source + ":" + std::to_string(line_no), options, &op));
    ops.push_back(std::move(op));
  }
  return ops;
}

}  // namespace brs::app
