#include "crypto/signed_message.h"

namespace brs::crypto {
namespace {

Bytes SignedBytes(int64_t timestamp_millis, std::string_view payload) {
  Bytes out;
  out.reserve(8 + payload.size());
  PutU64BE(out, static_cast<uint64_t>(timestamp_millis));
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

}  // namespace

StatusOr<v1::SignedMessage> SignMessage(const Identity& identity, std::span<const uint8_t> payload,
                                        int64_t now_millis) {
  if (payload.empty()) return InvalidArgument("signed message: empty payload");
  std::string_view p(reinterpret_cast<const char*>(payload.data()), payload.size());
  BRS_ASSIGN_OR_RETURN(Bytes sig, identity.Sign(SignedBytes(now_millis, p)));
  v1::SignedMessage m;
  m.set_keyid(identity.key_id());
  m.set_payload(std::string(p));
  m.set_signature(std::string(AsStringView(sig)));
  m.set_timestampmillis(now_millis);
  return m;
}

Status VerifySignedMessage(const v1::SignedMessage& m, const v1::PublicKey& signer,
                           int64_t now_millis) {
  if (m.payload().empty()) return InvalidArgument("signed message: empty payload");
  if (m.signature().empty()) return InvalidArgument("signed message: empty signature");
  if (m.keyid().empty()) return InvalidArgument("signed message: empty key ID");
  BRS_ASSIGN_OR_RETURN(Bytes pub, ParsePublicKeyProto(signer));
  if (signer.keyid() != m.keyid()) {
    return PermissionDenied("signed message: key ID " + m.keyid() + " is not the signer's");
  }
  Bytes signed_bytes = SignedBytes(m.timestampmillis(), m.payload());
  const auto* sig = reinterpret_cast<const uint8_t*>(m.signature().data());
  BRS_RETURN_IF_ERROR(
      VerifyEd25519(pub, signed_bytes, std::span<const uint8_t>(sig, m.signature().size())));
  const int64_t age = now_millis - m.timestampmillis();
  if (age > kMaxSignedMessageAgeMillis) {
    return PermissionDenied("signed message is older than 5 minutes (clock out of sync?)");
  }
  if (age < -kMaxSignedMessageAgeMillis) {
    return PermissionDenied("signed message is dated more than 5 minutes ahead");
  }
  return Status();
}

}  // namespace brs::crypto
