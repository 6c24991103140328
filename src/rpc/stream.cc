#include "rpc/stream.h"

#include "base/env.h"

namespace brs::rpc {

const std::string* FindHeader(const Headers& headers, std::string_view name) {
  for (const auto& [k, v] : headers) {
    if (k == name) return &v;
  }
  return nullptr;
}

int64_t SteadyNowMs() { return MonoMillis(Env::Default().NowMono()); }

}  // namespace brs::rpc
