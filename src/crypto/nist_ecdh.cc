#include "crypto/nist_ecdh.h"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/obj_mac.h>

#include <cstdlib>
#include <memory>
#include <string>

#include "crypto/p384.h"

namespace brs::crypto {
namespace {

struct BnCtxFree {
  void operator()(BN_CTX* c) const { BN_CTX_free(c); }
};
struct BnClearFree {
  void operator()(BIGNUM* b) const { BN_clear_free(b); }
};
struct PointClearFree {
  void operator()(EC_POINT* p) const { EC_POINT_clear_free(p); }
};
using BnCtxPtr = std::unique_ptr<BN_CTX, BnCtxFree>;
using BnPtr = std::unique_ptr<BIGNUM, BnClearFree>;
using PointPtr = std::unique_ptr<EC_POINT, PointClearFree>;

// The two groups, built once and then only read (EC_GROUP is safe to share
// between threads for read-only use).
const EC_GROUP* Group(NistCurve curve) {
  static const EC_GROUP* p256 = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
  static const EC_GROUP* p384 = EC_GROUP_new_by_curve_name(NID_secp384r1);
  const EC_GROUP* g = curve == NistCurve::kP256 ? p256 : p384;
  if (g == nullptr) std::abort();  // OpenSSL without NIST curves: unusable build.
  return g;
}

const char* CurveName(NistCurve curve) { return curve == NistCurve::kP256 ? "P-256" : "P-384"; }

// The group order, big-endian, EcScalarSize bytes.
const Bytes& Order(NistCurve curve) {
  static const Bytes* orders = [] {
    auto* o = new Bytes[2];
    for (NistCurve c : {NistCurve::kP256, NistCurve::kP384}) {
      Bytes& n = o[c == NistCurve::kP256 ? 0 : 1];
      n.resize(EcScalarSize(c));
      if (BN_bn2binpad(EC_GROUP_get0_order(Group(c)), n.data(), static_cast<int>(n.size())) !=
          static_cast<int>(n.size())) {
        std::abort();
      }
    }
    return o;
  }();
  return orders[curve == NistCurve::kP256 ? 0 : 1];
}

// Length and range [1, n-1] of a scalar; the comparisons do not branch on
// its bytes.
Status CheckScalar(NistCurve curve, std::span<const uint8_t> scalar) {
  if (scalar.size() != EcScalarSize(curve)) {
    return InvalidArgument(std::string(CurveName(curve)) + " scalar must be " +
                           std::to_string(EcScalarSize(curve)) + " bytes, got " +
                           std::to_string(scalar.size()));
  }
  const Bytes& n = Order(curve);
  unsigned any = 0, borrow = 0;
  for (size_t i = scalar.size(); i-- > 0;) {
    any |= scalar[i];
    const unsigned d = static_cast<unsigned>(scalar[i]) - n[i] - borrow;
    borrow = (d >> 8) & 1;
  }
  if (any == 0) return InvalidArgument(std::string(CurveName(curve)) + " scalar is zero");
  if (borrow == 0) {
    return InvalidArgument(std::string(CurveName(curve)) + " scalar is not below the group order");
  }
  return Status();
}

// A checked scalar as a constant-time BIGNUM (for OpenSSL's P-256).
StatusOr<BnPtr> ParseScalar(NistCurve curve, std::span<const uint8_t> scalar) {
  BRS_RETURN_IF_ERROR(CheckScalar(curve, scalar));
  BnPtr k(BN_secure_new());
  if (!k) return Internal("BN_secure_new failed");
  BN_set_flags(k.get(), BN_FLG_CONSTTIME);
  if (BN_bin2bn(scalar.data(), static_cast<int>(scalar.size()), k.get()) == nullptr) {
    return Internal("BN_bin2bn failed");
  }
  return k;
}

// Length and prefix of an uncompressed point.
Status CheckPointEncoding(NistCurve curve, std::span<const uint8_t> point) {
  const std::string name = CurveName(curve);
  if (point.size() != EcPointSize(curve)) {
    return InvalidArgument(name + " point must be " + std::to_string(EcPointSize(curve)) +
                           " bytes (uncompressed), got " + std::to_string(point.size()));
  }
  if (point[0] == 0x02 || point[0] == 0x03) {
    return InvalidArgument(name + " point is compressed; only uncompressed (0x04) is accepted");
  }
  if (point[0] == 0x00) return InvalidArgument(name + " point is the point at infinity");
  if (point[0] != 0x04) return InvalidArgument(name + " point does not start with 0x04");
  return Status();
}

// A P-384 point, validated by our own code (p384::IsValidPoint).
Status CheckP384Point(std::span<const uint8_t> point) {
  BRS_RETURN_IF_ERROR(CheckPointEncoding(NistCurve::kP384, point));
  if (!p384::IsValidPoint(point.data())) return InvalidArgument("P-384 point is not on the curve");
  return Status();
}

StatusOr<PointPtr> ParsePoint(NistCurve curve, std::span<const uint8_t> point, BN_CTX* ctx) {
  const std::string name = CurveName(curve);
  BRS_RETURN_IF_ERROR(CheckPointEncoding(curve, point));
  const EC_GROUP* group = Group(curve);
  PointPtr p(EC_POINT_new(group));
  if (!p) return Internal("EC_POINT_new failed");
  // oct2point refuses coordinates >= p and points off the curve.
  if (EC_POINT_oct2point(group, p.get(), point.data(), point.size(), ctx) != 1 ||
      EC_POINT_is_on_curve(group, p.get(), ctx) != 1) {
    return InvalidArgument(name + " point is not on the curve");
  }
  if (EC_POINT_is_at_infinity(group, p.get())) {
    return InvalidArgument(name + " point is the point at infinity");
  }
  return p;
}

}  // namespace

size_t EcScalarSize(NistCurve curve) { return curve == NistCurve::kP256 ? 32 : 48; }
size_t EcPointSize(NistCurve curve) { return 1 + 2 * EcScalarSize(curve); }

Status CheckEcScalar(NistCurve curve, std::span<const uint8_t> scalar) {
  return CheckScalar(curve, scalar);
}

Status CheckEcPoint(NistCurve curve, std::span<const uint8_t> point) {
  if (curve == NistCurve::kP384) return CheckP384Point(point);
  BnCtxPtr ctx(BN_CTX_new());
  if (!ctx) return Internal("BN_CTX_new failed");
  return ParsePoint(curve, point, ctx.get()).status();
}

StatusOr<Bytes> EcPublicPoint(NistCurve curve, std::span<const uint8_t> scalar) {
  if (curve == NistCurve::kP384) {
    BRS_RETURN_IF_ERROR(CheckScalar(curve, scalar));
    Bytes out(EcPointSize(curve));
    p384::BaseMult(scalar.data(), out.data());
    return out;
  }
  BRS_ASSIGN_OR_RETURN(BnPtr k, ParseScalar(curve, scalar));
  BnCtxPtr ctx(BN_CTX_secure_new());
  if (!ctx) return Internal("BN_CTX_new failed");
  const EC_GROUP* group = Group(curve);
  PointPtr r(EC_POINT_new(group));
  if (!r || EC_POINT_mul(group, r.get(), k.get(), nullptr, nullptr, ctx.get()) != 1) {
    return Internal("EC base-point multiplication failed");
  }
  Bytes out(EcPointSize(curve));
  if (EC_POINT_point2oct(group, r.get(), POINT_CONVERSION_UNCOMPRESSED, out.data(), out.size(),
                         ctx.get()) != out.size()) {
    return Internal("EC point encoding failed");
  }
  return out;
}

StatusOr<EcEphemeral> EcEphemeralExchange(NistCurve curve, std::span<const uint8_t> scalar,
                                          std::span<const uint8_t> peer_point) {
  EcEphemeral out;
  if (curve != NistCurve::kP384) {
    BRS_ASSIGN_OR_RETURN(out.public_point, EcPublicPoint(curve, scalar));
    BRS_ASSIGN_OR_RETURN(out.shared_x, EcdhSharedX(curve, scalar, peer_point));
    return out;
  }
  BRS_RETURN_IF_ERROR(CheckScalar(curve, scalar));
  BRS_RETURN_IF_ERROR(CheckP384Point(peer_point));
  out.public_point.resize(EcPointSize(curve));
  out.shared_x.resize(EcScalarSize(curve));
  if (!p384::BaseMultAndScalarMultX(scalar.data(), peer_point.data(), out.public_point.data(),
                                    out.shared_x.data())) {
    return InvalidArgument("ECDH result is infinity");
  }
  return out;
}

StatusOr<SecretBytes> EcdhSharedX(NistCurve curve, std::span<const uint8_t> scalar,
                                  std::span<const uint8_t> peer_point) {
  if (curve == NistCurve::kP384) {
    BRS_RETURN_IF_ERROR(CheckP384Point(peer_point));
    BRS_RETURN_IF_ERROR(CheckScalar(curve, scalar));
    SecretBytes out(EcScalarSize(curve));
    if (!p384::ScalarMultX(scalar.data(), peer_point.data(), out.data())) {
      return InvalidArgument("ECDH result is infinity");
    }
    return out;
  }
  BnCtxPtr ctx(BN_CTX_secure_new());
  if (!ctx) return Internal("BN_CTX_new failed");
  BRS_ASSIGN_OR_RETURN(PointPtr peer, ParsePoint(curve, peer_point, ctx.get()));
  BRS_ASSIGN_OR_RETURN(BnPtr k, ParseScalar(curve, scalar));
  const EC_GROUP* group = Group(curve);
  PointPtr r(EC_POINT_new(group));
  if (!r || EC_POINT_mul(group, r.get(), nullptr, peer.get(), k.get(), ctx.get()) != 1) {
    return Internal("ECDH multiplication failed");
  }
  // Prime-order curves: a valid point times a scalar in [1, n-1] is never
  // infinity; checked anyway.
  if (EC_POINT_is_at_infinity(group, r.get())) return InvalidArgument("ECDH result is infinity");
  BnPtr x(BN_secure_new());
  if (!x || EC_POINT_get_affine_coordinates(group, r.get(), x.get(), nullptr, ctx.get()) != 1) {
    return Internal("ECDH affine conversion failed");
  }
  SecretBytes out(EcScalarSize(curve));
  if (BN_bn2binpad(x.get(), out.data(), static_cast<int>(out.size())) !=
      static_cast<int>(out.size())) {
    return Internal("ECDH output encoding failed");
  }
  return out;
}

}  // namespace brs::crypto
