#include "crypto/handshake.h"

#include <openssl/sha.h>

namespace brs::crypto {
namespace {

constexpr std::string_view kBindLabel{"backrest-sync-handshake/v1\0", 27};

void AddLengthPrefixed(Bytes& out, const void* data, size_t len) {
  PutU32BE(out, static_cast<uint32_t>(len));
  const auto* p = static_cast<const uint8_t*>(data);
  out.insert(out.end(), p, p + len);
}

}  // namespace

std::array<uint8_t, 32> HandshakeBindDigest(std::string_view instance_id,
                                            std::string_view pairing_secret,
                                            std::span<const uint8_t> transcript) {
  Bytes input(kBindLabel.begin(), kBindLabel.end());
  PutU64BE(input, static_cast<uint64_t>(kHandshakeProtocolVersion));
  AddLengthPrefixed(input, instance_id.data(), instance_id.size());
  AddLengthPrefixed(input, pairing_secret.data(), pairing_secret.size());
  AddLengthPrefixed(input, transcript.data(), transcript.size());
  std::array<uint8_t, 32> out;
  SHA256(input.data(), input.size(), out.data());
  return out;
}

StatusOr<v1sync::SyncStreamItem::SyncActionHandshake> MakeHandshake(
    const Identity& identity, std::string_view instance_id, std::string_view pairing_secret,
    std::span<const uint8_t> transcript) {
  if (transcript.empty()) return InvalidArgument("handshake: empty transcript");
  auto digest = HandshakeBindDigest(instance_id, pairing_secret, transcript);
  BRS_ASSIGN_OR_RETURN(Bytes sig, identity.Sign(digest));
  v1sync::SyncStreamItem::SyncActionHandshake hs;
  hs.set_protocol_version(kHandshakeProtocolVersion);
  *hs.mutable_public_key() = identity.PublicKeyProto();
  hs.set_instance_id(std::string(instance_id));
  hs.set_pairing_secret(std::string(pairing_secret));
  hs.set_signature(std::string(AsStringView(sig)));
  return hs;
}

StatusOr<VerifiedHandshake> VerifyHandshake(const v1sync::SyncStreamItem::SyncActionHandshake& hs,
                                            std::span<const uint8_t> transcript) {
  if (hs.protocol_version() != kHandshakeProtocolVersion) {
    return InvalidArgument("handshake: unsupported protocol version " +
                           std::to_string(hs.protocol_version()) + " (want 3)");
  }
  if (hs.instance_id().empty()) return InvalidArgument("handshake: empty instance ID");
  if (hs.instance_id().size() > kMaxInstanceIdBytes) {
    return InvalidArgument("handshake: instance ID longer than 256 bytes");
  }
  if (hs.pairing_secret().size() > kMaxPairingSecretBytes) {
    return InvalidArgument("handshake: pairing secret longer than 1 KiB");
  }
  if (!hs.has_public_key()) return PermissionDenied("handshake: public key missing");
  if (transcript.empty()) return InvalidArgument("handshake: empty transcript");
  BRS_ASSIGN_OR_RETURN(Bytes pub, ParsePublicKeyProto(hs.public_key()));
  if (hs.signature().empty()) return PermissionDenied("handshake: signature missing");
  auto digest = HandshakeBindDigest(hs.instance_id(), hs.pairing_secret(), transcript);
  const auto* sig = reinterpret_cast<const uint8_t*>(hs.signature().data());
  Status st = VerifyEd25519(pub, digest, std::span<const uint8_t>(sig, hs.signature().size()));
  if (!st.ok()) return PermissionDenied("handshake: " + st.message());
  VerifiedHandshake out;
  out.key_id = hs.public_key().keyid();
  out.public_key = std::move(pub);
  out.instance_id = hs.instance_id();
  out.pairing_secret = hs.pairing_secret();
  return out;
}

}  // namespace brs::crypto
