#include "crypto/keccak.h"

#include <bit>
#include <cstring>

#include "base/secret.h"

namespace brs::crypto {
namespace {

static_assert(std::endian::native == std::endian::little,
              "the byte view of the Keccak state assumes a little-endian host");

constexpr uint64_t kRoundConstants[24] = {
    0x0000000000000001ULL, 0x0000000000008082ULL, 0x800000000000808aULL, 0x8000000080008000ULL,
    0x000000000000808bULL, 0x0000000080000001ULL, 0x8000000080008081ULL, 0x8000000000008009ULL,
    0x000000000000008aULL, 0x0000000000000088ULL, 0x0000000080008009ULL, 0x000000008000000aULL,
    0x000000008000808bULL, 0x800000000000008bULL, 0x8000000000008089ULL, 0x8000000000008003ULL,
    0x8000000000008002ULL, 0x8000000000000080ULL, 0x000000000000800aULL, 0x800000008000000aULL,
    0x8000000080008081ULL, 0x8000000000008080ULL, 0x0000000080000001ULL, 0x8000000080008008ULL,
};

inline uint64_t Rol(uint64_t x, int n) { return std::rotl(x, n); }

// Lanes are indexed a[x + 5y]. One round = theta, rho+pi, chi, iota, with
// rho and pi fused as a single pass over the lanes; each step is written out
// in full and inlined so the compiler keeps the lanes in registers.

[[gnu::always_inline]] inline void Theta(uint64_t a[25]) {
  const uint64_t c0 = a[0] ^ a[5] ^ a[10] ^ a[15] ^ a[20];
  const uint64_t c1 = a[1] ^ a[6] ^ a[11] ^ a[16] ^ a[21];
  const uint64_t c2 = a[2] ^ a[7] ^ a[12] ^ a[17] ^ a[22];
  const uint64_t c3 = a[3] ^ a[8] ^ a[13] ^ a[18] ^ a[23];
  const uint64_t c4 = a[4] ^ a[9] ^ a[14] ^ a[19] ^ a[24];
  const uint64_t d0 = c4 ^ Rol(c1, 1);
  const uint64_t d1 = c0 ^ Rol(c2, 1);
  const uint64_t d2 = c1 ^ Rol(c3, 1);
  const uint64_t d3 = c2 ^ Rol(c4, 1);
  const uint64_t d4 = c3 ^ Rol(c0, 1);
  a[0] ^= d0;
  a[1] ^= d1;
  a[2] ^= d2;
  a[3] ^= d3;
  a[4] ^= d4;
  a[5] ^= d0;
  a[6] ^= d1;
  a[7] ^= d2;
  a[8] ^= d3;
  a[9] ^= d4;
  a[10] ^= d0;
  a[11] ^= d1;
  a[12] ^= d2;
  a[13] ^= d3;
  a[14] ^= d4;
  a[15] ^= d0;
  a[16] ^= d1;
  a[17] ^= d2;
  a[18] ^= d3;
  a[19] ^= d4;
  a[20] ^= d0;
  a[21] ^= d1;
  a[22] ^= d2;
  a[23] ^= d3;
  a[24] ^= d4;
}

// rho and pi: B[y, 2x+3y] = rot(A[x, y], r[x, y]).
[[gnu::always_inline]] inline void RhoPi(const uint64_t a[25], uint64_t b[25]) {
  b[0] = a[0];
  b[10] = Rol(a[1], 1);
  b[20] = Rol(a[2], 62);
  b[5] = Rol(a[3], 28);
  b[15] = Rol(a[4], 27);
  b[16] = Rol(a[5], 36);
  b[1] = Rol(a[6], 44);
  b[11] = Rol(a[7], 6);
  b[21] = Rol(a[8], 55);
  b[6] = Rol(a[9], 20);
  b[7] = Rol(a[10], 3);
  b[17] = Rol(a[11], 10);
  b[2] = Rol(a[12], 43);
  b[12] = Rol(a[13], 25);
  b[22] = Rol(a[14], 39);
  b[23] = Rol(a[15], 41);
  b[8] = Rol(a[16], 45);
  b[18] = Rol(a[17], 15);
  b[3] = Rol(a[18], 21);
  b[13] = Rol(a[19], 8);
  b[14] = Rol(a[20], 18);
  b[24] = Rol(a[21], 2);
  b[9] = Rol(a[22], 61);
  b[19] = Rol(a[23], 56);
  b[4] = Rol(a[24], 14);
}

[[gnu::always_inline]] inline void Chi(const uint64_t b[25], uint64_t a[25]) {
  a[0] = b[0] ^ (~b[1] & b[2]);
  a[1] = b[1] ^ (~b[2] & b[3]);
  a[2] = b[2] ^ (~b[3] & b[4]);
  a[3] = b[3] ^ (~b[4] & b[0]);
  a[4] = b[4] ^ (~b[0] & b[1]);
  a[5] = b[5] ^ (~b[6] & b[7]);
  a[6] = b[6] ^ (~b[7] & b[8]);
  a[7] = b[7] ^ (~b[8] & b[9]);
  a[8] = b[8] ^ (~b[9] & b[5]);
  a[9] = b[9] ^ (~b[5] & b[6]);
  a[10] = b[10] ^ (~b[11] & b[12]);
  a[11] = b[11] ^ (~b[12] & b[13]);
  a[12] = b[12] ^ (~b[13] & b[14]);
  a[13] = b[13] ^ (~b[14] & b[10]);
  a[14] = b[14] ^ (~b[10] & b[11]);
  a[15] = b[15] ^ (~b[16] & b[17]);
  a[16] = b[16] ^ (~b[17] & b[18]);
  a[17] = b[17] ^ (~b[18] & b[19]);
  a[18] = b[18] ^ (~b[19] & b[15]);
  a[19] = b[19] ^ (~b[15] & b[16]);
  a[20] = b[20] ^ (~b[21] & b[22]);
  a[21] = b[21] ^ (~b[22] & b[23]);
  a[22] = b[22] ^ (~b[23] & b[24]);
  a[23] = b[23] ^ (~b[24] & b[20]);
  a[24] = b[24] ^ (~b[20] & b[21]);
}

}  // namespace

void KeccakF1600(uint64_t a[25]) {
  for (int round = 0; round < 24; ++round) {
    Theta(a);
    uint64_t b[25];
    RhoPi(a, b);
    Chi(b, a);
    a[0] ^= kRoundConstants[round];
  }
}

Keccak::~Keccak() { SecureWipe(state_, sizeof state_); }

void Keccak::Absorb(std::span<const uint8_t> data) {
  uint8_t* s = bytes();
  size_t i = 0;
  // Whole lanes when aligned, for speed.
  while (i < data.size()) {
    if (pos_ == 0) {
      while (data.size() - i >= rate_) {
        for (size_t l = 0; l < rate_ / 8; ++l) {
          uint64_t lane;
          std::memcpy(&lane, data.data() + i + 8 * l, 8);
          state_[l] ^= lane;
        }
        KeccakF1600(state_);
        i += rate_;
      }
      if (i == data.size()) break;
    }
    size_t n = std::min(rate_ - pos_, data.size() - i);
    for (size_t j = 0; j < n; ++j) s[pos_ + j] ^= data[i + j];
    pos_ += n;
    i += n;
    if (pos_ == rate_) {
      KeccakF1600(state_);
      pos_ = 0;
    }
  }
}

void Keccak::Squeeze(std::span<uint8_t> out) {
  uint8_t* s = bytes();
  if (!squeezing_) {
    s[pos_] ^= domain_;
    s[rate_ - 1] ^= 0x80;
    KeccakF1600(state_);
    pos_ = 0;
    squeezing_ = true;
  }
  size_t i = 0;
  while (i < out.size()) {
    if (pos_ == rate_) {
      KeccakF1600(state_);
      pos_ = 0;
    }
    size_t n = std::min(rate_ - pos_, out.size() - i);
    std::memcpy(out.data() + i, s + pos_, n);
    pos_ += n;
    i += n;
  }
}

std::array<uint8_t, 32> Sha3_256(std::span<const uint8_t> data) {
  Keccak k = Keccak::Sha3_256();
  k.Absorb(data);
  std::array<uint8_t, 32> out;
  k.Squeeze(out);
  return out;
}

std::array<uint8_t, 64> Sha3_512(std::span<const uint8_t> data) {
  Keccak k = Keccak::Sha3_512();
  k.Absorb(data);
  std::array<uint8_t, 64> out;
  k.Squeeze(out);
  return out;
}

Bytes Shake128(std::span<const uint8_t> data, size_t out_len) {
  Keccak k = Keccak::Shake128();
  k.Absorb(data);
  Bytes out(out_len);
  k.Squeeze(out);
  return out;
}

Bytes Shake256(std::span<const uint8_t> data, size_t out_len) {
  Keccak k = Keccak::Shake256();
  k.Absorb(data);
  Bytes out(out_len);
  k.Squeeze(out);
  return out;
}

}  // namespace brs::crypto
