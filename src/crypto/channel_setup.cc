#include "crypto/channel_setup.h"

#include <openssl/evp.h>

#include <cstdlib>
#include <string>

#include "crypto/hpke_setup.h"

namespace brs::crypto {
namespace {

constexpr std::string_view kTranscriptDomain("backrest-sync-transport-transcript/v1\0", 38);

std::span<const uint8_t> AsSpan(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// Checks the common part of both establish items and returns the message.
StatusOr<const v1sync::SyncStreamItem::SyncEstablishSharedSecret*> ReadEstablish(
    const v1sync::SyncStreamItem& item) {
  if (!item.has_establish_shared_secret()) {
    return InvalidArgument("transport setup: expected establish_shared_secret as the first item");
  }
  const auto& e = item.establish_shared_secret();
  if (e.protocol_version() != kTransportProtocolVersion) {
    return InvalidArgument("transport setup: unsupported transport protocol version " +
                           std::to_string(e.protocol_version()) + " (want 1)");
  }
  return &e;
}

HpkeKdf TransportKdf() { return HpkeKdf::kHkdfSha256; }
HpkeAead TransportAead() { return HpkeAead::kAes256Gcm; }

struct SessionKeys {
  SecretBytes i2r;
  SecretBytes r2i;
};

StatusOr<SessionKeys> ExportSessionKeys(const HpkeContext& context) {
  SessionKeys keys;
  BRS_ASSIGN_OR_RETURN(keys.i2r, context.Export(kSessionKeyLabelI2R, kSessionKeySize));
  BRS_ASSIGN_OR_RETURN(keys.r2i, context.Export(kSessionKeyLabelR2I, kSessionKeySize));
  return keys;
}

}  // namespace

Transcript ComputeTranscript(std::span<const uint8_t> public_key, std::span<const uint8_t> enc) {
  Bytes input(kTranscriptDomain.begin(), kTranscriptDomain.end());
  input.reserve(input.size() + 12 + public_key.size() + enc.size());
  PutU32BE(input, kTransportProtocolVersion);
  for (auto part : {public_key, enc}) {
    PutU32BE(input, static_cast<uint32_t>(part.size()));
    input.insert(input.end(), part.begin(), part.end());
  }
  Transcript out{};
  unsigned int len = 0;
  if (EVP_Digest(input.data(), input.size(), out.data(), &len, EVP_sha256(), nullptr) != 1 ||
      len != out.size()) {
    std::abort();  // SHA-256 cannot fail; a wrong transcript must not be used.
  }
  return out;
}

v1sync::SyncStreamItem MakeEstablishRequest(std::span<const uint8_t> public_key) {
  v1sync::SyncStreamItem item;
  auto* e = item.mutable_establish_shared_secret();
  e->set_protocol_version(kTransportProtocolVersion);
  e->set_kem_public_key(public_key.data(), public_key.size());
  return item;
}

v1sync::SyncStreamItem MakeEstablishResponse(std::span<const uint8_t> enc) {
  v1sync::SyncStreamItem item;
  auto* e = item.mutable_establish_shared_secret();
  e->set_protocol_version(kTransportProtocolVersion);
  e->set_kem_encapsulation(enc.data(), enc.size());
  return item;
}

StatusOr<Bytes> ReadEstablishRequest(const v1sync::SyncStreamItem& item) {
  BRS_ASSIGN_OR_RETURN(const auto* e, ReadEstablish(item));
  const std::string& pk = e->kem_public_key();
  if (pk.empty())
    return InvalidArgument("transport setup: initiator did not send a KEM public key");
  if (pk.size() != kTransportPublicKeySize) {
    return InvalidArgument("transport setup: KEM public key must be 1665 bytes, got " +
                           std::to_string(pk.size()));
  }
  return Bytes(pk.begin(), pk.end());
}

StatusOr<Bytes> ReadEstablishResponse(const v1sync::SyncStreamItem& item) {
  BRS_ASSIGN_OR_RETURN(const auto* e, ReadEstablish(item));
  const std::string& enc = e->kem_encapsulation();
  if (enc.empty()) {
    return InvalidArgument("transport setup: responder did not send a KEM encapsulation");
  }
  if (enc.size() != kTransportEncSize) {
    return InvalidArgument("transport setup: KEM encapsulation must be 1665 bytes, got " +
                           std::to_string(enc.size()));
  }
  return Bytes(enc.begin(), enc.end());
}

StatusOr<ChannelInitiator> ChannelInitiator::Create() {
  BRS_ASSIGN_OR_RETURN(KemPrivateKey key, KemPrivateKey::Generate(kTransportKem));
  return ChannelInitiator(std::move(key));
}

StatusOr<ChannelInitiator> ChannelInitiator::FromSeed(std::span<const uint8_t> seed) {
  BRS_ASSIGN_OR_RETURN(KemPrivateKey key, KemPrivateKey::FromSeed(kTransportKem, seed));
  return ChannelInitiator(std::move(key));
}

StatusOr<Channel> ChannelInitiator::Finish(std::span<const uint8_t> enc) const {
  auto context = SetupBaseR(key_, TransportKdf(), TransportAead(), enc, AsSpan(kTransportInfo));
  if (!context.ok()) return context.status().WithContext("transport setup");
  BRS_ASSIGN_OR_RETURN(SessionKeys keys, ExportSessionKeys(*context));
  return Channel::Create(keys.i2r, keys.r2i, ComputeTranscript(public_key(), enc));
}

StatusOr<Channel> ChannelInitiator::FinishWithResponse(
    const v1sync::SyncStreamItem& response) const {
  BRS_ASSIGN_OR_RETURN(Bytes enc, ReadEstablishResponse(response));
  return Finish(enc);
}

StatusOr<ChannelResponder> ChannelResponder::Accept(std::span<const uint8_t> public_key,
                                                    std::span<const uint8_t> randomness) {
  auto setup = SetupBaseS(kTransportKem, TransportKdf(), TransportAead(), public_key,
                          AsSpan(kTransportInfo), randomness);
  if (!setup.ok()) return setup.status().WithContext("transport setup");
  BRS_ASSIGN_OR_RETURN(SessionKeys keys, ExportSessionKeys(setup->context));
  BRS_ASSIGN_OR_RETURN(Channel channel, Channel::Create(keys.r2i, keys.i2r,
                                                        ComputeTranscript(public_key, setup->enc)));
  return ChannelResponder(std::move(setup->enc), std::move(channel));
}

StatusOr<ChannelResponder> ChannelResponder::AcceptRequest(const v1sync::SyncStreamItem& request) {
  BRS_ASSIGN_OR_RETURN(Bytes pk, ReadEstablishRequest(request));
  return Accept(pk);
}

}  // namespace brs::crypto
