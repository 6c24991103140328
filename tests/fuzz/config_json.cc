// Config JSON loading (store::ParseConfigJson: the strict syntax check that
// says where a document is broken, then protobuf JSON). Properties: a
// syntax error points inside the document; a config that loads serializes
// (SerializeConfigJson, as ConfigStore writes it) to JSON that loads back
// to the same config.
#include <google/protobuf/util/message_differencer.h>

#include "fuzz_util.h"
#include "store/config_store.h"
#include "store/json_syntax.h"

using namespace brs;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  store::JsonSyntaxError err;
  const bool syntax_ok = store::CheckJsonSyntax(text, &err, 64);
  if (!syntax_ok) {
    FUZZ_CHECK(err.offset <= text.size());
    FUZZ_CHECK(err.line >= 1 && err.column >= 1);
    FUZZ_CHECK(!err.message.empty());
  }
  auto config = store::ParseConfigJson(text, "config.json");
  if (!config.ok()) {
    FUZZ_CHECK(config.status().code() == Code::kInvalidArgument);
    FUZZ_CHECK(config.status().message().rfind("config.json", 0) == 0);
    return 0;
  }
  auto json = store::SerializeConfigJson(*config);
  FUZZ_CHECK(json.ok());
  auto again = store::ParseConfigJson(*json, "again.json");
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(google::protobuf::util::MessageDifferencer::Equals(*config, *again));
  return 0;
}
