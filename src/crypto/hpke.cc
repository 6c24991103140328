#include "crypto/hpke.h"

#include <limits>
#include <string>

namespace brs::crypto {
namespace {

constexpr std::string_view kHpkeVersion = "HPKE-v1";

HkdfHash HashFor(HpkeKdf kdf) {
  return kdf == HpkeKdf::kHkdfSha256 ? HkdfHash::kSha256 : HkdfHash::kSha384;
}

void Append(SecretBytes& out, std::span<const uint8_t> b) {
  out.insert(out.end(), b.begin(), b.end());
}
void Append(SecretBytes& out, std::string_view s) { out.insert(out.end(), s.begin(), s.end()); }

std::span<const uint8_t> AsSpan(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

}  // namespace

StatusOr<HpkeKdf> HpkeKdfFromId(uint16_t id) {
  switch (id) {
    case 0x0001:
      return HpkeKdf::kHkdfSha256;
    case 0x0002:
      return HpkeKdf::kHkdfSha384;
    default:
      return InvalidArgument("unsupported HPKE KDF id " + std::to_string(id));
  }
}

StatusOr<HpkeAead> HpkeAeadFromId(uint16_t id) {
  switch (id) {
    case 0x0001:
      return HpkeAead::kAes128Gcm;
    case 0x0002:
      return HpkeAead::kAes256Gcm;
    default:
      return InvalidArgument("unsupported HPKE AEAD id " + std::to_string(id));
  }
}

size_t HpkeKdfOutputSize(HpkeKdf kdf) { return HkdfHashSize(HashFor(kdf)); }
size_t HpkeAeadKeySize(HpkeAead aead) { return aead == HpkeAead::kAes128Gcm ? 16 : 32; }

Bytes HpkeSuiteId(const HpkeSuite& suite) {
  Bytes id = ToBytes("HPKE");
  id.push_back(static_cast<uint8_t>(suite.kem_id >> 8));
  id.push_back(static_cast<uint8_t>(suite.kem_id));
  const auto kdf = static_cast<uint16_t>(suite.kdf);
  id.push_back(static_cast<uint8_t>(kdf >> 8));
  id.push_back(static_cast<uint8_t>(kdf));
  const auto aead = static_cast<uint16_t>(suite.aead);
  id.push_back(static_cast<uint8_t>(aead >> 8));
  id.push_back(static_cast<uint8_t>(aead));
  return id;
}

Bytes KemSuiteId(uint16_t kem_id) {
  Bytes id = ToBytes("KEM");
  id.push_back(static_cast<uint8_t>(kem_id >> 8));
  id.push_back(static_cast<uint8_t>(kem_id));
  return id;
}

SecretBytes LabeledExtract(HpkeKdf kdf, std::span<const uint8_t> suite_id,
                           std::span<const uint8_t> salt, std::string_view label,
                           std::span<const uint8_t> ikm) {
  SecretBytes labeled_ikm;
  labeled_ikm.reserve(kHpkeVersion.size() + suite_id.size() + label.size() + ikm.size());
  Append(labeled_ikm, kHpkeVersion);
  Append(labeled_ikm, suite_id);
  Append(labeled_ikm, label);
  Append(labeled_ikm, ikm);
  return HkdfExtract(HashFor(kdf), salt, labeled_ikm);
}

StatusOr<SecretBytes> LabeledExpand(HpkeKdf kdf, std::span<const uint8_t> suite_id,
                                    std::span<const uint8_t> prk, std::string_view label,
                                    std::span<const uint8_t> info, size_t length) {
  if (length > 0xFFFF) return InvalidArgument("LabeledExpand: length above 65535");
  SecretBytes labeled_info;
  labeled_info.reserve(2 + kHpkeVersion.size() + suite_id.size() + label.size() + info.size());
  labeled_info.push_back(static_cast<uint8_t>(length >> 8));
  labeled_info.push_back(static_cast<uint8_t>(length));
  Append(labeled_info, kHpkeVersion);
  Append(labeled_info, suite_id);
  Append(labeled_info, label);
  Append(labeled_info, info);
  return HkdfExpand(HashFor(kdf), prk, labeled_info, length);
}

StatusOr<HpkeKeySchedule> HpkeKeyScheduleBase(const HpkeSuite& suite,
                                              std::span<const uint8_t> shared_secret,
                                              std::span<const uint8_t> info) {
  const Bytes suite_id = HpkeSuiteId(suite);
  const SecretBytes psk_id_hash = LabeledExtract(suite.kdf, suite_id, {}, "psk_id_hash", {});
  const SecretBytes info_hash = LabeledExtract(suite.kdf, suite_id, {}, "info_hash", info);
  SecretBytes context;      // mode ‖ psk_id_hash ‖ info_hash
  context.push_back(0x00);  // mode_base
  Append(context, psk_id_hash);
  Append(context, info_hash);
  // secret = LabeledExtract(shared_secret, "secret", psk) with psk = "".
  const SecretBytes secret = LabeledExtract(suite.kdf, suite_id, shared_secret, "secret", {});

  HpkeKeySchedule out;
  BRS_ASSIGN_OR_RETURN(out.key, LabeledExpand(suite.kdf, suite_id, secret, "key", context,
                                              HpkeAeadKeySize(suite.aead)));
  BRS_ASSIGN_OR_RETURN(out.base_nonce, LabeledExpand(suite.kdf, suite_id, secret, "base_nonce",
                                                     context, kAesGcmNonceSize));
  BRS_ASSIGN_OR_RETURN(out.exporter_secret, LabeledExpand(suite.kdf, suite_id, secret, "exp",
                                                          context, HpkeKdfOutputSize(suite.kdf)));
  return out;
}

StatusOr<HpkeContext> HpkeContext::Create(const HpkeSuite& suite,
                                          std::span<const uint8_t> shared_secret,
                                          std::span<const uint8_t> info) {
  BRS_ASSIGN_OR_RETURN(HpkeKeySchedule schedule, HpkeKeyScheduleBase(suite, shared_secret, info));
  BRS_ASSIGN_OR_RETURN(AesGcm aead, AesGcm::Create(schedule.key));
  return HpkeContext(suite, HpkeSuiteId(suite), std::move(schedule), std::move(aead));
}

void HpkeContext::ComputeNonce(uint8_t out[kAesGcmNonceSize]) const {
  // I2OSP(seq, Nn) XOR base_nonce; seq fits in the last 8 bytes.
  for (size_t i = 0; i < kAesGcmNonceSize; ++i) out[i] = schedule_.base_nonce[i];
  for (size_t i = 0; i < 8; ++i) {
    out[kAesGcmNonceSize - 1 - i] ^= static_cast<uint8_t>(seq_ >> (8 * i));
  }
}

StatusOr<Bytes> HpkeContext::Seal(std::span<const uint8_t> aad,
                                  std::span<const uint8_t> plaintext) {
  if (seq_ == std::numeric_limits<uint64_t>::max()) {
    return Status(Code::kOutOfRange, "HPKE sequence number exhausted");
  }
  uint8_t nonce[kAesGcmNonceSize];
  ComputeNonce(nonce);
  BRS_ASSIGN_OR_RETURN(Bytes ct, aead_.Seal(nonce, plaintext, aad));
  ++seq_;
  return ct;
}

StatusOr<Bytes> HpkeContext::Open(std::span<const uint8_t> aad,
                                  std::span<const uint8_t> ciphertext) {
  if (seq_ == std::numeric_limits<uint64_t>::max()) {
    return Status(Code::kOutOfRange, "HPKE sequence number exhausted");
  }
  uint8_t nonce[kAesGcmNonceSize];
  ComputeNonce(nonce);
  BRS_ASSIGN_OR_RETURN(Bytes pt, aead_.Open(nonce, ciphertext, aad));
  ++seq_;
  return pt;
}

StatusOr<SecretBytes> HpkeContext::Export(std::span<const uint8_t> exporter_context,
                                          size_t length) const {
  return LabeledExpand(suite_.kdf, suite_id_, schedule_.exporter_secret, "sec", exporter_context,
                       length);
}

StatusOr<SecretBytes> HpkeContext::Export(std::string_view exporter_context, size_t length) const {
  return Export(AsSpan(exporter_context), length);
}

}  // namespace brs::crypto
