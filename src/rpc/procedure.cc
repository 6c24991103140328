#include "rpc/procedure.h"

namespace brs::rpc {
namespace {

constexpr size_t kMaxPart = 256;

bool ValidPart(std::string_view s) {
  if (s.empty() || s.size() > kMaxPart) return false;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

StatusOr<Procedure> ParseProcedurePath(std::string_view path) {
  path = path.substr(0, path.find('?'));
  if (path.size() < 2 || path.front() != '/')
    return Status(Code::kUnimplemented, "no such procedure");
  path.remove_prefix(1);
  const auto slash = path.find('/');
  if (slash == std::string_view::npos) return Status(Code::kUnimplemented, "no such procedure");
  std::string_view service = path.substr(0, slash);
  std::string_view method = path.substr(slash + 1);
  if (!ValidPart(service) || !ValidPart(method) || method.find('.') != std::string_view::npos ||
      service.find('.') == std::string_view::npos || service.front() == '.' ||
      service.back() == '.') {
    return Status(Code::kUnimplemented, "no such procedure");
  }
  return Procedure{std::string(service), std::string(method)};
}

}  // namespace brs::rpc
