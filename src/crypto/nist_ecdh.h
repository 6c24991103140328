// Elliptic-curve Diffie-Hellman on NIST P-256 (OpenSSL's EC arithmetic) and
// P-384 (our own, p384.h, checked against OpenSSL in the tests), with raw encodings as the hybrid
// KEMs of draft-ietf-hpke-pq use them:
//   scalar  = big-endian, exactly EcScalarSize bytes, value in [1, n-1];
//   point   = SEC 1 uncompressed: 0x04 ‖ X ‖ Y, EcPointSize bytes;
//   secret  = the X coordinate of scalar·peer, EcScalarSize bytes.
//
// Every point that comes from outside is validated: exact length, the 0x04
// prefix (compressed 0x02/0x03 and the infinity encoding 0x00 are refused),
// coordinates below p, on the curve, not the point at infinity. Each failure
// is kInvalidArgument with a message naming the problem.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "base/encoding.h"
#include "base/secret.h"
#include "base/status.h"

namespace brs::crypto {

enum class NistCurve { kP256, kP384 };

// 32 for P-256, 48 for P-384.
size_t EcScalarSize(NistCurve curve);
// 65 for P-256, 97 for P-384.
size_t EcPointSize(NistCurve curve);

// OK when `scalar` has EcScalarSize bytes and its value is in [1, n-1];
// kInvalidArgument otherwise ("wrong length" / "zero" / "not below the
// group order").
Status CheckEcScalar(NistCurve curve, std::span<const uint8_t> scalar);

// OK when `point` is a valid uncompressed point (see above).
Status CheckEcPoint(NistCurve curve, std::span<const uint8_t> point);

// scalar·G, uncompressed. Errors: CheckEcScalar's.
StatusOr<Bytes> EcPublicPoint(NistCurve curve, std::span<const uint8_t> scalar);

// X coordinate of scalar·peer_point. Errors: CheckEcScalar's and
// CheckEcPoint's (for the peer point).
StatusOr<SecretBytes> EcdhSharedX(NistCurve curve, std::span<const uint8_t> scalar,
                                  std::span<const uint8_t> peer_point);

// An ephemeral key's public point and its shared secret with a peer.
struct EcEphemeral {
  Bytes public_point;    // scalar·G, uncompressed
  SecretBytes shared_x;  // X of scalar·peer_point
};
// EcPublicPoint and EcdhSharedX with the same scalar, in one step (for
// P-384, one field inversion less). Errors: theirs.
StatusOr<EcEphemeral> EcEphemeralExchange(NistCurve curve, std::span<const uint8_t> scalar,
                                          std::span<const uint8_t> peer_point);

}  // namespace brs::crypto
