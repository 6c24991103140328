#include "app/auth_policy.h"

#include <arpa/inet.h>

#include <cstring>

#include "app/log.h"

namespace brs::app {

bool IsLoopbackListen(std::string_view listen) {
  const size_t colon = listen.rfind(':');
  if (colon == std::string_view::npos) return false;
  std::string host(listen.substr(0, colon));
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  in_addr v4{};
  if (::inet_pton(AF_INET, host.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;
  }
  in6_addr v6{};
  if (::inet_pton(AF_INET6, host.c_str(), &v6) != 1) return false;
  static const uint8_t kLoopback[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  static const uint8_t kMappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::memcmp(v6.s6_addr, kLoopback, 16) == 0) return true;
  return std::memcmp(v6.s6_addr, kMappedPrefix, 12) == 0 && v6.s6_addr[12] == 127;
}

Status CheckAuthDisabledAllowed(const v1::Auth& auth, std::string_view listen,
                                bool insecure_no_auth) {
  if (!auth.disabled() || insecure_no_auth || IsLoopbackListen(listen)) return Status();
  return FailedPrecondition(
      "config.json sets auth.disabled and --listen " + std::string(listen) +
      " is not a loopback address: anyone who reaches it could read the peers' configs "
      "(repo passwords included) and push config to clients. Remove auth.disabled (the CLI "
      "keeps working with DATA/admin.token), listen on 127.0.0.1, or pass --insecure-no-auth");
}

v1::Auth EffectiveAuth(const v1::Auth& configured, std::string_view listen, bool insecure_no_auth) {
  v1::Auth out = configured;
  if (!CheckAuthDisabledAllowed(configured, listen, insecure_no_auth).ok()) {
    out.set_disabled(false);
  }
  return out;
}

void LogAuthRefusal(const rpc::CallInfo& call, const Status& why) {
  LogWarn("API call refused",
          {{"method", call.path}, {"peer", call.peer}, {"reason", why.message()}});
}

}  // namespace brs::app
