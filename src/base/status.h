// Status and StatusOr: errors as values. No exception crosses a module
// boundary; every fallible function returns one of these.
//
// The codes are the Connect/gRPC codes (same names, same numbers), so a
// Status can be sent as a Connect error without translation.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace brs {

enum class Code : int {
  kOk = 0,
  kCanceled = 1,
  kUnknown = 2,
  kInvalidArgument = 3,
  kDeadlineExceeded = 4,
  kNotFound = 5,
  kAlreadyExists = 6,
  kPermissionDenied = 7,
  kResourceExhausted = 8,
  kFailedPrecondition = 9,
  kAborted = 10,
  kOutOfRange = 11,
  kUnimplemented = 12,
  kInternal = 13,
  kUnavailable = 14,
  kDataLoss = 15,
  kUnauthenticated = 16,
};

// Connect's string for a code ("permission_denied"); "unknown" for values
// outside the table.
std::string_view CodeName(Code code);
// Parses a Connect code string; kUnknown when it is not one.
Code CodeFromName(std::string_view name);

// One error detail, as Connect and gRPC carry them (a google.protobuf.Any):
// the message's full type name ("google.rpc.RetryInfo", no type URL prefix)
// and its serialized bytes.
struct StatusDetail {
  std::string type;
  std::string value;
  bool operator==(const StatusDetail&) const = default;
};

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  // "invalid_argument: <message>", or "ok".
  std::string ToString() const;

  // Returns a copy with "context: " put before the message.
  Status WithContext(std::string_view context) const;

  // Error details (optional, usually none): a copy of this error carrying
  // `details`; an OK status carries none.
  Status WithDetails(std::vector<StatusDetail> details) const;
  const std::vector<StatusDetail>& details() const;

 private:
  Code code_ = Code::kOk;
  std::string message_;
  // Shared and immutable: copying a Status stays cheap.
  std::shared_ptr<const std::vector<StatusDetail>> details_;
};

inline Status InvalidArgument(std::string m) { return {Code::kInvalidArgument, std::move(m)}; }
inline Status NotFound(std::string m) { return {Code::kNotFound, std::move(m)}; }
inline Status PermissionDenied(std::string m) { return {Code::kPermissionDenied, std::move(m)}; }
inline Status Internal(std::string m) { return {Code::kInternal, std::move(m)}; }
inline Status Unavailable(std::string m) { return {Code::kUnavailable, std::move(m)}; }
inline Status FailedPrecondition(std::string m) {
  return {Code::kFailedPrecondition, std::move(m)};
}
inline Status DataLoss(std::string m) { return {Code::kDataLoss, std::move(m)}; }
inline Status ResourceExhausted(std::string m) { return {Code::kResourceExhausted, std::move(m)}; }
inline Status Unauthenticated(std::string m) { return {Code::kUnauthenticated, std::move(m)}; }

// A value or the Status saying why there is none. Construct from either.
template <typename T>
class [[nodiscard]] StatusOr {
 public:
  StatusOr(T value) : v_(std::move(value)) {}        // NOLINT: implicit by design
  StatusOr(Status status) : v_(std::move(status)) {  // NOLINT
    if (std::get<Status>(v_).ok()) v_ = Status(Code::kInternal, "StatusOr built from OK status");
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  // The error; OK when a value is held.
  Status status() const { return ok() ? Status() : std::get<Status>(v_); }

  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace brs

// Returns early from the enclosing function when `expr` (a Status) is an error.
#define BRS_RETURN_IF_ERROR(expr)              \
  do {                                         \
    ::brs::Status brs_status_ = (expr);        \
    if (!brs_status_.ok()) return brs_status_; \
  } while (0)

#define BRS_CONCAT_INNER_(a, b) a##b
#define BRS_CONCAT_(a, b) BRS_CONCAT_INNER_(a, b)
// `BRS_ASSIGN_OR_RETURN(auto x, Fn());` declares x from a StatusOr, or returns its error.
#define BRS_ASSIGN_OR_RETURN(lhs, expr) \
  BRS_ASSIGN_OR_RETURN_IMPL_(BRS_CONCAT_(brs_statusor_, __LINE__), lhs, expr)
#define BRS_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                               \
  if (!tmp.ok()) return tmp.status();              \
  lhs = std::move(tmp).value()
