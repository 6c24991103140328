#include "crypto/hybrid_kem.h"

#include <openssl/rand.h>

#include <algorithm>
#include <optional>
#include <string>

#include "crypto/hpke.h"
#include "crypto/keccak.h"
#include "crypto/mlkem.h"
#include "crypto/nist_ecdh.h"

namespace brs::crypto {
namespace {

constexpr size_t kPqMessageSize = 32;  // ML-KEM encapsulation randomness m

struct KemInfo {
  KemId id;
  std::string_view name;
  MlKemParameterSet pq;
  std::optional<NistCurve> curve;  // hybrids only
};

KemInfo InfoFor(KemId kem) {
  switch (kem) {
    case KemId::kMlKem768:
      return {kem, "ML-KEM-768", MlKemParameterSet::kMlKem768, std::nullopt};
    case KemId::kMlKem1024:
      return {kem, "ML-KEM-1024", MlKemParameterSet::kMlKem1024, std::nullopt};
    case KemId::kMlKem768P256:
      return {kem, "MLKEM768-P256", MlKemParameterSet::kMlKem768, NistCurve::kP256};
    case KemId::kMlKem1024P384:
      break;
  }
  return {KemId::kMlKem1024P384, "MLKEM1024-P384", MlKemParameterSet::kMlKem1024, NistCurve::kP384};
}

std::span<const uint8_t> AsSpan(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

Status WrongLength(const KemInfo& info, std::string_view what, size_t want, size_t got) {
  return InvalidArgument(std::string(info.name) + " " + std::string(what) + " must be " +
                         std::to_string(want) + " bytes, got " + std::to_string(got));
}

// SHA3-256(ss_PQ ‖ ss_T ‖ ct_T ‖ pk_T ‖ label): the draft's combiner.
SecretBytes CombineSecrets(const KemInfo& info, std::span<const uint8_t> ss_pq,
                           std::span<const uint8_t> ss_t, std::span<const uint8_t> ct_t,
                           std::span<const uint8_t> pk_t) {
  SecretBytes input;
  input.reserve(ss_pq.size() + ss_t.size() + ct_t.size() + pk_t.size() + info.name.size());
  input.insert(input.end(), ss_pq.begin(), ss_pq.end());
  input.insert(input.end(), ss_t.begin(), ss_t.end());
  input.insert(input.end(), ct_t.begin(), ct_t.end());
  input.insert(input.end(), pk_t.begin(), pk_t.end());
  const auto label = AsSpan(info.name);
  input.insert(input.end(), label.begin(), label.end());
  const auto digest = Sha3_256(input);
  SecretBytes out(digest.begin(), digest.end());
  return out;
}

}  // namespace

StatusOr<KemId> KemIdFromWire(uint16_t id) {
  switch (id) {
    case 0x0041:
      return KemId::kMlKem768;
    case 0x0042:
      return KemId::kMlKem1024;
    case 0x0050:
      return KemId::kMlKem768P256;
    case 0x0051:
      return KemId::kMlKem1024P384;
    default:
      return InvalidArgument("unsupported HPKE KEM id " + std::to_string(id));
  }
}

std::string_view KemName(KemId kem) { return InfoFor(kem).name; }

KemSizes KemSizesFor(KemId kem) {
  const KemInfo info = InfoFor(kem);
  const MlKemSizes pq = MlKemSizesFor(info.pq);
  if (!info.curve) {
    return {kMlKemSeedSize, pq.encapsulation_key, pq.ciphertext, kMlKemSharedSecretSize,
            kPqMessageSize};
  }
  const size_t point = EcPointSize(*info.curve);
  return {32, pq.encapsulation_key + point, pq.ciphertext + point, 32,
          kPqMessageSize + EcScalarSize(*info.curve)};
}

StatusOr<KemPrivateKey> KemPrivateKey::FromSeed(KemId kem, std::span<const uint8_t> seed) {
  const KemInfo info = InfoFor(kem);
  const KemSizes sizes = KemSizesFor(kem);
  if (seed.size() != sizes.seed)
    return WrongLength(info, "private key seed", sizes.seed, seed.size());

  KemPrivateKey key;
  key.kem_ = kem;
  key.seed_.assign(seed.begin(), seed.end());
  Bytes ek;
  if (!info.curve) {
    BRS_RETURN_IF_ERROR(MlKemKeyGenFromSeed(info.pq, seed, &ek, &key.pq_decapsulation_key_));
    key.public_key_ = std::move(ek);
    return key;
  }

  // SHAKE256(seed): 64 bytes of ML-KEM seed, then scalar candidates. For
  // P-384 a candidate is out of range with probability ~2^-190, for P-256
  // ~2^-32; read 4 candidates, and more in the (astronomically rare) case
  // that none fits.
  const size_t scalar_size = EcScalarSize(*info.curve);
  for (size_t candidates = 4;; candidates *= 2) {
    const size_t stream_len = kMlKemSeedSize + candidates * scalar_size;
    Bytes stream_plain = Shake256(seed, stream_len);
    SecretBytes stream(stream_plain.begin(), stream_plain.end());
    SecureWipe(stream_plain.data(), stream_plain.size());
    for (size_t c = 0; c < candidates; ++c) {
      std::span<const uint8_t> scalar(stream.data() + kMlKemSeedSize + c * scalar_size,
                                      scalar_size);
      if (!CheckEcScalar(*info.curve, scalar).ok()) continue;
      BRS_RETURN_IF_ERROR(
          MlKemKeyGenFromSeed(info.pq, std::span<const uint8_t>(stream.data(), kMlKemSeedSize), &ek,
                              &key.pq_decapsulation_key_));
      BRS_ASSIGN_OR_RETURN(Bytes point, EcPublicPoint(*info.curve, scalar));
      key.ec_scalar_.assign(scalar.begin(), scalar.end());
      key.public_key_ = std::move(ek);
      key.public_key_.insert(key.public_key_.end(), point.begin(), point.end());
      return key;
    }
    if (candidates > (1u << 16)) return Internal("no valid EC scalar in the SHAKE256 stream");
  }
}

StatusOr<KemPrivateKey> KemPrivateKey::Generate(KemId kem) {
  SecretBytes seed(KemSizesFor(kem).seed);
  if (RAND_bytes(seed.data(), static_cast<int>(seed.size())) != 1) {
    return Internal("RAND_bytes failed");
  }
  return FromSeed(kem, seed);
}

StatusOr<KemPrivateKey> KemPrivateKey::Derive(KemId kem, std::span<const uint8_t> ikm) {
  const size_t seed_size = KemSizesFor(kem).seed;
  constexpr std::string_view kLabel = "DeriveKeyPair";
  const Bytes suite_id = KemSuiteId(static_cast<uint16_t>(kem));
  SecretBytes input(ikm.begin(), ikm.end());
  const auto version = AsSpan("HPKE-v1");
  input.insert(input.end(), version.begin(), version.end());
  input.insert(input.end(), suite_id.begin(), suite_id.end());
  input.push_back(0);
  input.push_back(static_cast<uint8_t>(kLabel.size()));
  const auto label = AsSpan(kLabel);
  input.insert(input.end(), label.begin(), label.end());
  input.push_back(static_cast<uint8_t>(seed_size >> 8));
  input.push_back(static_cast<uint8_t>(seed_size));
  Bytes seed_plain = Shake256(input, seed_size);
  SecretBytes seed(seed_plain.begin(), seed_plain.end());
  SecureWipe(seed_plain.data(), seed_plain.size());
  return FromSeed(kem, seed);
}

StatusOr<SecretBytes> KemPrivateKey::Decapsulate(std::span<const uint8_t> enc) const {
  const KemInfo info = InfoFor(kem_);
  const KemSizes sizes = KemSizesFor(kem_);
  if (enc.size() != sizes.enc) return WrongLength(info, "encapsulation", sizes.enc, enc.size());
  const size_t ct_pq_size = MlKemSizesFor(info.pq).ciphertext;
  const auto ct_pq = enc.subspan(0, ct_pq_size);
  if (!info.curve) {
    SecretBytes ss;
    BRS_RETURN_IF_ERROR(MlKemDecapsulate(info.pq, pq_decapsulation_key_, ct_pq, &ss));
    return ss;
  }
  const auto ct_t = enc.subspan(ct_pq_size);
  const auto pk_t =
      std::span<const uint8_t>(public_key_).subspan(MlKemSizesFor(info.pq).encapsulation_key);
  // The ECDH validates the peer's point before anything secret is used.
  auto ss_t = EcdhSharedX(*info.curve, ec_scalar_, ct_t);
  if (!ss_t.ok()) return ss_t.status().WithContext(std::string(info.name) + " encapsulation");
  SecretBytes ss_pq;
  BRS_RETURN_IF_ERROR(MlKemDecapsulate(info.pq, pq_decapsulation_key_, ct_pq, &ss_pq));
  return CombineSecrets(info, ss_pq, *ss_t, ct_t, pk_t);
}

StatusOr<KemEncapsulation> KemEncapsulate(KemId kem, std::span<const uint8_t> public_key,
                                          std::span<const uint8_t> randomness) {
  const KemInfo info = InfoFor(kem);
  const KemSizes sizes = KemSizesFor(kem);
  if (public_key.size() != sizes.public_key) {
    return WrongLength(info, "public key", sizes.public_key, public_key.size());
  }
  const size_t ek_size = MlKemSizesFor(info.pq).encapsulation_key;
  const auto ek = public_key.subspan(0, ek_size);

  std::span<const uint8_t> m;  // empty: ML-KEM draws its own
  std::span<const uint8_t> scalar_candidates;
  if (!randomness.empty()) {
    if (!info.curve) {
      if (randomness.size() != kPqMessageSize) {
        return WrongLength(info, "encapsulation randomness", kPqMessageSize, randomness.size());
      }
    } else {
      const size_t scalar_size = EcScalarSize(*info.curve);
      if (randomness.size() < sizes.encap_randomness ||
          (randomness.size() - kPqMessageSize) % scalar_size != 0) {
        return InvalidArgument(std::string(info.name) +
                               " encapsulation randomness must be 32 + k*" +
                               std::to_string(scalar_size) + " bytes (k >= 1), got " +
                               std::to_string(randomness.size()));
      }
      scalar_candidates = randomness.subspan(kPqMessageSize);
    }
    m = randomness.subspan(0, kPqMessageSize);
  }

  KemEncapsulation out;
  if (!info.curve) {
    BRS_RETURN_IF_ERROR(MlKemEncapsulate(info.pq, ek, m, &out.enc, &out.shared_secret));
    return out;
  }

  const NistCurve curve = *info.curve;
  const size_t scalar_size = EcScalarSize(curve);
  const auto pk_t = public_key.subspan(ek_size);
  // Validate the recipient's point before spending any randomness on it.
  if (Status s = CheckEcPoint(curve, pk_t); !s.ok()) {
    return s.WithContext(std::string(info.name) + " public key");
  }

  SecretBytes scalar;
  if (!scalar_candidates.empty()) {
    for (size_t off = 0; off < scalar_candidates.size(); off += scalar_size) {
      auto c = scalar_candidates.subspan(off, scalar_size);
      if (CheckEcScalar(curve, c).ok()) {
        scalar.assign(c.begin(), c.end());
        break;
      }
    }
    if (scalar.empty()) {
      return InvalidArgument(std::string(info.name) +
                             " encapsulation randomness has no EC scalar in range");
    }
  } else {
    scalar.resize(scalar_size);
    do {
      if (RAND_bytes(scalar.data(), static_cast<int>(scalar.size())) != 1) {
        return Internal("RAND_bytes failed");
      }
    } while (!CheckEcScalar(curve, scalar).ok());
  }

  BRS_ASSIGN_OR_RETURN(EcEphemeral ec, EcEphemeralExchange(curve, scalar, pk_t));
  Bytes ct_pq;
  SecretBytes ss_pq;
  BRS_RETURN_IF_ERROR(MlKemEncapsulate(info.pq, ek, m, &ct_pq, &ss_pq));
  out.shared_secret = CombineSecrets(info, ss_pq, ec.shared_x, ec.public_point, pk_t);
  out.enc = std::move(ct_pq);
  out.enc.insert(out.enc.end(), ec.public_point.begin(), ec.public_point.end());
  return out;
}

}  // namespace brs::crypto
