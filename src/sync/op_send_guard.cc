#include "sync/op_send_guard.h"

#include <algorithm>

#include "store/op_validation.h"
#include "sync/session_error.h"

namespace brs::sync {

bool OpSendGuard::Valid(const store::OpMetadata& m) {
  Status valid = store::ValidateOperation(m);
  if (valid.ok()) return true;
  Refused(m.id, valid);
  return false;
}

bool OpSendGuard::Valid(const v1::Operation& op) {
  Status valid = store::ValidateOperation(op);
  if (valid.ok()) return true;
  Refused(op.id(), valid);
  return false;
}

void OpSendGuard::Refused(int64_t id, const Status& why) {
  std::lock_guard lock(mu_);
  if (refused_++ == 0) first_refusal_ = "op " + std::to_string(id) + ": " + why.message();
}

std::optional<OpSendGuard::Notice> OpSendGuard::TakeNotice() {
  std::lock_guard lock(mu_);
  if (refused_ == 0) return std::nullopt;
  std::string notice = "connected; not sending " + std::to_string(refused_) + " local op" +
                       (refused_ == 1 ? "" : "s") +
                       " failing Backrest's validation (a Backrest hub ends the stream on "
                       "one), first " +
                       first_refusal_ + "; fix with `ops update` or remove with `ops delete`";
  Notice out{refused_, std::move(notice)};
  refused_ = 0;
  first_refusal_.clear();
  return out;
}

void OpSendGuard::OnHubRequest() {
  std::lock_guard lock(mu_);
  sent_min_.reset();
  sent_max_.reset();
}

void OpSendGuard::OnSent(int64_t min_id, int64_t max_id, MonoTime now) {
  std::lock_guard lock(mu_);
  sent_min_ = sent_min_ ? std::min(*sent_min_, min_id) : min_id;
  sent_max_ = sent_max_ ? std::max(*sent_max_, max_id) : max_id;
  sent_at_ = now;
}

Status OpSendGuard::ExplainEnd(const Status& why, MonoTime now) const {
  if (why.code() != Code::kUnavailable || why.message() != kPeerClosedStream) return why;
  std::lock_guard lock(mu_);
  if (!sent_min_ || now - sent_at_ > Millis(kEndWindowMs)) return why;
  std::string ops = *sent_min_ == *sent_max_
                        ? "op " + std::to_string(*sent_min_)
                        : "ops " + std::to_string(*sent_min_) + "–" + std::to_string(*sent_max_);
  return Disconnected("hub closed the stream after receiving " + ops +
                      "; it may have rejected one (see the hub's log)");
}

}  // namespace brs::sync
