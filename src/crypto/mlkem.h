// ML-KEM (FIPS 203), parameter sets ML-KEM-768 and ML-KEM-1024.
//
// Keys are made from the 64-byte seed d‖z (KeyGen_internal), so a hybrid
// KEM can derive them deterministically; encapsulation takes the 32-byte
// message m for tests (Encaps_internal) or draws it at random; decapsulation
// uses implicit rejection (a bad ciphertext yields J(z‖c), not an error).
//
// The built-in implementation (namespace builtin) is constant time in its
// secret-dependent paths: no branches or memory indices depend on secret
// data; compression uses multiply-shift instead of division; the
// re-encryption check compares whole buffers and selects the key with a
// mask. When the project is built against OpenSSL >= 3.5 the top-level
// functions use OpenSSL's ML-KEM instead; the built-in one stays available
// and tested.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "base/encoding.h"
#include "base/secret.h"
#include "base/status.h"

namespace brs::crypto {

enum class MlKemParameterSet { kMlKem768, kMlKem1024 };

struct MlKemSizes {
  size_t encapsulation_key;
  size_t decapsulation_key;
  size_t ciphertext;
};
MlKemSizes MlKemSizesFor(MlKemParameterSet set);

inline constexpr size_t kMlKemSeedSize = 64;  // d ‖ z
inline constexpr size_t kMlKemSharedSecretSize = 32;
inline constexpr size_t kMlKemMessageSize = 32;

// KeyGen_internal(d, z). InvalidArgument unless the seed has 64 bytes.
Status MlKemKeyGenFromSeed(MlKemParameterSet set, std::span<const uint8_t> seed, Bytes* ek,
                           SecretBytes* dk);
// Encaps. `m` empty: 32 random bytes; else exactly 32 bytes
// (Encaps_internal). InvalidArgument for a wrong-length ek or m, or an ek
// that fails the modulus check (FIPS 203 §7.2).
Status MlKemEncapsulate(MlKemParameterSet set, std::span<const uint8_t> ek,
                        std::span<const uint8_t> m, Bytes* ct, SecretBytes* shared_secret);
// Decaps with implicit rejection. InvalidArgument for a wrong-length dk or
// ct, or a dk whose embedded hash H(ek) does not match (FIPS 203 §7.3).
Status MlKemDecapsulate(MlKemParameterSet set, std::span<const uint8_t> dk,
                        std::span<const uint8_t> ct, SecretBytes* shared_secret);

// The project's own implementation, whatever the build uses.
namespace builtin {
Status MlKemKeyGenFromSeed(MlKemParameterSet set, std::span<const uint8_t> seed, Bytes* ek,
                           SecretBytes* dk);
Status MlKemEncapsulate(MlKemParameterSet set, std::span<const uint8_t> ek,
                        std::span<const uint8_t> m, Bytes* ct, SecretBytes* shared_secret);
Status MlKemDecapsulate(MlKemParameterSet set, std::span<const uint8_t> dk,
                        std::span<const uint8_t> ct, SecretBytes* shared_secret);
// Key generation of the FIPS 203 *draft* (August 2023): (rho, sigma) =
// G(d) instead of G(d ‖ k). Never used on the wire; it exists so the
// draft-era C2SP/CCTV vector files (tests/data/ml-kem, and the accumulated
// hashes quoted in SPEC §9) can still check everything else.
Status MlKemKeyGenFromSeedDraft(MlKemParameterSet set, std::span<const uint8_t> seed, Bytes* ek,
                                SecretBytes* dk);
}  // namespace builtin

// Which implementation the top-level functions use: "builtin" or "openssl".
const char* MlKemBackendName();

}  // namespace brs::crypto
