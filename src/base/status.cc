#include "base/status.h"

#include <array>

namespace brs {
namespace {
constexpr std::array<std::string_view, 17> kNames = {
    "ok",        "canceled",       "unknown",           "invalid_argument",   "deadline_exceeded",
    "not_found", "already_exists", "permission_denied", "resource_exhausted", "failed_precondition",
    "aborted",   "out_of_range",   "unimplemented",     "internal",           "unavailable",
    "data_loss", "unauthenticated"};
}  // namespace

std::string_view CodeName(Code code) {
  auto i = static_cast<size_t>(code);
  return i < kNames.size() ? kNames[i] : std::string_view("unknown");
}

Code CodeFromName(std::string_view name) {
  for (size_t i = 1; i < kNames.size(); ++i) {
    if (kNames[i] == name) return static_cast<Code>(i);
  }
  return Code::kUnknown;
}

std::string Status::ToString() const {
  if (ok()) return "ok";
  std::string s(CodeName(code_));
  s += ": ";
  s += message_;
  return s;
}

Status Status::WithContext(std::string_view context) const {
  if (ok()) return *this;
  std::string m(context);
  m += ": ";
  m += message_;
  Status out(code_, std::move(m));
  out.details_ = details_;
  return out;
}

Status Status::WithDetails(std::vector<StatusDetail> details) const {
  Status out = *this;
  if (ok() || details.empty()) {
    out.details_.reset();
  } else {
    out.details_ = std::make_shared<const std::vector<StatusDetail>>(std::move(details));
  }
  return out;
}

const std::vector<StatusDetail>& Status::details() const {
  static const std::vector<StatusDetail> kNone;
  return details_ ? *details_ : kNone;
}

}  // namespace brs
