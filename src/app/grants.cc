#include "app/grants.h"

#include "sync/permissions.h"

namespace brs::app {

StatusOr<Permissions> ParseGrantFlags(const std::vector<std::string>& flags) {
  Permissions out;
  for (const auto& f : flags) {
    auto p = sync::ParsePermissionFlag(f);
    if (!p.ok()) return InvalidArgument("--grant " + f + ": " + p.status().message());
    *out.Add() = std::move(*p);
  }
  // The scopes must build a valid set too (the daemon refuses otherwise).
  auto set = sync::PermissionSet::FromProto(out);
  if (!set.ok()) return InvalidArgument("--grant: " + set.status().message());
  if (out.empty()) {
    auto* p = out.Add();
    p->set_type(v1::Multihost::Permission::PERMISSION_READ_OPERATIONS);
    p->add_scopes()->assign(1, '*');  // (GCC 12 -Wrestrict false positive on "*")
  }
  return out;
}

std::string PermissionsText(const Permissions& permissions) {
  std::string out;
  for (const auto& p : permissions) {
    if (!out.empty()) out += " ";
    std::string type = v1::Multihost::Permission::Type_Name(p.type());
    if (type.rfind("PERMISSION_", 0) == 0) type = type.substr(11);
    out += type;
    for (int i = 0; i < p.scopes_size(); ++i) out += (i ? "," : ":") + p.scopes(i);
  }
  return out.empty() ? "-" : out;
}

}  // namespace brs::app
