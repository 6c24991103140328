// SignedMessage as Backrest signs it: ed25519 over u64be(timestamp_millis)
// ‖ payload; a verifier refuses messages older than five minutes (or more
// than five minutes in the future: a clock too far ahead). Kept for
// completeness: sync protocol v3 itself does not send signed_message.
#pragma once

#include <cstdint>
#include <span>

#include "crypto/identity.h"
#include "v1/crypto.pb.h"

namespace brs::crypto {

inline constexpr int64_t kMaxSignedMessageAgeMillis = 5 * 60 * 1000;

StatusOr<v1::SignedMessage> SignMessage(const Identity& identity, std::span<const uint8_t> payload,
                                        int64_t now_millis);
// PermissionDenied for a wrong key ID, a bad signature or a stale message;
// InvalidArgument for empty fields.
Status VerifySignedMessage(const v1::SignedMessage& message, const v1::PublicKey& signer,
                           int64_t now_millis);

}  // namespace brs::crypto
