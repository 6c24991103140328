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

// Parses and range-checks a scalar into a constant-time BIGNUM.
StatusOr<BnPtr> ParseScalar(NistCurve curve, std::span<const uint8_t> scalar) {
  if (scalar.size() != EcScalarSize(curve)) {
    return InvalidArgument(std::string(CurveName(curve)) + " scalar must be " +
                           std::to_string(EcScalarSize(curve)) + " bytes, got " +
                           std::to_string(scalar.size()));
  }
  BnPtr k(BN_secure_new());
  if (!k) return Internal("BN_secure_new failed");
  BN_set_flags(k.get(), BN_FLG_CONSTTIME);
  if (BN_bin2bn(scalar.data(), static_cast<int>(scalar.size()), k.get()) == nullptr) {
    return Internal("BN_bin2bn failed");
  }
  if (BN_is_zero(k.get()))
    return InvalidArgument(std::string(CurveName(curve)) + " scalar is zero");
  if (BN_cmp(k.get(), EC_GROUP_get0_order(Group(curve))) >= 0) {
    return InvalidArgument(std::string(CurveName(curve)) + " scalar is not below the group order");
  }
  return k;
}

StatusOr<PointPtr> ParsePoint(NistCurve curve, std::span<const uint8_t> point, BN_CTX* ctx) {
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
  return ParseScalar(curve, scalar).status();
}

Status CheckEcPoint(NistCurve curve, std::span<const uint8_t> point) {
  BnCtxPtr ctx(BN_CTX_new());
  if (!ctx) return Internal("BN_CTX_new failed");
  return ParsePoint(curve, point, ctx.get()).status();
}

StatusOr<Bytes> EcPublicPoint(NistCurve curve, std::span<const uint8_t> scalar) {
  BRS_ASSIGN_OR_RETURN(BnPtr k, ParseScalar(curve, scalar));
  if (curve == NistCurve::kP384) {
    Bytes out(EcPointSize(curve));
    p384::BaseMult(scalar.data(), out.data());
    return out;
  }
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

StatusOr<SecretBytes> EcdhSharedX(NistCurve curve, std::span<const uint8_t> scalar,
                                  std::span<const uint8_t> peer_point) {
  BnCtxPtr ctx(BN_CTX_secure_new());
  if (!ctx) return Internal("BN_CTX_new failed");
  BRS_ASSIGN_OR_RETURN(PointPtr peer, ParsePoint(curve, peer_point, ctx.get()));
  BRS_ASSIGN_OR_RETURN(BnPtr k, ParseScalar(curve, scalar));
  if (curve == NistCurve::kP384) {
    SecretBytes out(EcScalarSize(curve));
    if (!p384::ScalarMultX(scalar.data(), peer_point.data(), out.data())) {
      return InvalidArgument("ECDH result is infinity");
    }
    return out;
  }
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
