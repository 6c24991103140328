#include "app/daemon_link.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

namespace brs::app {

StatusOr<DaemonInfo> ReadDaemonInfo(const DataDir& dir) {
  auto text = ReadFile(dir.daemon_info(), 4096);
  if (!text.ok()) return NotFound("no daemon.json in " + dir.path);
  google::protobuf::Struct s;
  if (!google::protobuf::util::JsonStringToMessage(*text, &s).ok()) {
    return InvalidArgument(dir.daemon_info() + " is not JSON");
  }
  DaemonInfo info;
  const auto& f = s.fields();
  if (auto it = f.find("listen"); it != f.end() && it->second.has_string_value()) {
    info.listen = it->second.string_value();
  }
  if (auto it = f.find("tls"); it != f.end() && it->second.has_bool_value()) {
    info.tls = it->second.bool_value();
  }
  if (auto it = f.find("tls_cert"); it != f.end() && it->second.has_string_value()) {
    info.tls_cert = it->second.string_value();
  }
  if (auto it = f.find("pid"); it != f.end() && it->second.has_number_value()) {
    info.pid = static_cast<int64_t>(it->second.number_value());
  }
  if (info.listen.empty()) return InvalidArgument(dir.daemon_info() + " has no listen address");
  // A wildcard bind is reached on loopback.
  if (info.listen.rfind("0.0.0.0:", 0) == 0) info.listen = "127.0.0.1:" + info.listen.substr(8);
  if (info.listen.rfind("[::]:", 0) == 0) info.listen = "[::1]:" + info.listen.substr(5);
  return info;
}

std::optional<DaemonLink> FindDaemon(const DataDir& dir) {
  auto info = ReadDaemonInfo(dir);
  if (!info.ok()) return std::nullopt;
  auto token = ReadAdminToken(dir);
  if (!token.ok()) return std::nullopt;
  rpc::ClientOptions o;
  o.base_url = std::string(info->tls ? "https://" : "http://") + info->listen;
  o.connect_timeout_ms = 3'000;
  o.pinned_cert_file = info->tls_cert;
  auto client = rpc::Client::Create(o);
  if (!client.ok()) return std::nullopt;
  return DaemonLink{o.base_url, std::move(*client), {{"authorization", "Bearer " + *token}}};
}

StatusOr<DaemonLink> RequireDaemon(const DataDir& dir) {
  auto d = FindDaemon(dir);
  if (!d) {
    return Unavailable("no running daemon for " + dir.path +
                       " (start it with `backrest-sync serve --data " + dir.path + "`)");
  }
  return std::move(*d);
}

}  // namespace brs::app
