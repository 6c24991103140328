// Keccak (FIPS 202): SHA3-256, SHA3-512, SHAKE128 and SHAKE256, with
// incremental absorbing and squeezing (ML-KEM samples its matrix from a
// SHAKE128 stream read three bytes at a time).
//
// Keccak has no secret-dependent branches or table lookups: the permutation
// is the same sequence of operations whatever the input.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "base/encoding.h"

namespace brs::crypto {

class Keccak {
 public:
  static Keccak Sha3_256() { return Keccak(136, 0x06); }
  static Keccak Sha3_512() { return Keccak(72, 0x06); }
  static Keccak Shake128() { return Keccak(168, 0x1f); }
  static Keccak Shake256() { return Keccak(136, 0x1f); }

  ~Keccak();  // wipes the state
  Keccak(const Keccak&) = default;
  Keccak& operator=(const Keccak&) = default;

  // Absorbs more input. Must not be called after the first Squeeze.
  void Absorb(std::span<const uint8_t> data);
  // Pads (on the first call) and writes the next out.size() bytes of the
  // output stream. For SHA3, squeeze exactly the digest size once.
  void Squeeze(std::span<uint8_t> out);

 private:
  Keccak(size_t rate, uint8_t domain) : rate_(rate), domain_(domain) {}
  uint8_t* bytes() { return reinterpret_cast<uint8_t*>(state_); }

  uint64_t state_[25] = {};
  size_t rate_;
  size_t pos_ = 0;
  uint8_t domain_;
  bool squeezing_ = false;
};

// Keccak-f[1600] on 25 lanes.
void KeccakF1600(uint64_t state[25]);

std::array<uint8_t, 32> Sha3_256(std::span<const uint8_t> data);
std::array<uint8_t, 64> Sha3_512(std::span<const uint8_t> data);
Bytes Shake128(std::span<const uint8_t> data, size_t out_len);
Bytes Shake256(std::span<const uint8_t> data, size_t out_len);

}  // namespace brs::crypto
