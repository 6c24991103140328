// The project's ML-KEM (FIPS 203). Coefficients are kept fully reduced in
// [0, q) as uint16_t; every reduction is arithmetic (Barrett by
// multiply-shift, conditional subtraction by mask), so no branch or index
// depends on a secret.
#include <openssl/rand.h>

#include <array>
#include <cstring>

#include "crypto/keccak.h"
#include "crypto/mlkem.h"

namespace brs::crypto::builtin {
namespace {

constexpr int kN = 256;
constexpr uint32_t kQ = 3329;
constexpr int kMaxK = 4;

using Poly = std::array<uint16_t, kN>;

struct Params {
  int k;
  int eta1;
  int eta2;
  int du;
  int dv;
  size_t ek_size, dk_size, ct_size;
};

Params ParamsFor(MlKemParameterSet set) {
  if (set == MlKemParameterSet::kMlKem768) return Params{3, 2, 2, 10, 4, 1184, 2400, 1088};
  return Params{4, 2, 2, 11, 5, 1568, 3168, 1568};
}

// floor(a / q) for a < 2^24, by multiply-shift (exact in that range).
inline uint32_t DivQ(uint32_t a) {
  return static_cast<uint32_t>((static_cast<uint64_t>(a) * 20642679u) >> 36);
}
// a - q when a >= q, for a < 2q; by mask.
inline uint16_t CSubQ(uint32_t a) {
  uint32_t r = a - kQ;
  uint32_t mask = 0u - (r >> 31);  // all ones when a < q
  return static_cast<uint16_t>(r + (kQ & mask));
}
inline uint16_t Reduce(uint32_t a) { return static_cast<uint16_t>(a - DivQ(a) * kQ); }
// a mod q for a < 2^27 (sums of up to eight products of reduced values).
inline uint16_t ReduceWide(uint32_t a) {
  uint32_t quotient = static_cast<uint32_t>((static_cast<uint64_t>(a) * 165141429u) >> 39);
  return static_cast<uint16_t>(a - quotient * kQ);
}
inline uint16_t AddQ(uint16_t a, uint16_t b) { return CSubQ(uint32_t{a} + b); }
inline uint16_t SubQ(uint16_t a, uint16_t b) { return CSubQ(uint32_t{a} + kQ - b); }
inline uint16_t MulQ(uint16_t a, uint16_t b) { return Reduce(uint32_t{a} * b); }

constexpr uint32_t PowMod(uint32_t base, uint32_t e) {
  uint32_t r = 1;
  for (uint32_t i = 0; i < e; ++i) r = r * base % kQ;
  return r;
}
constexpr uint32_t BitRev7(uint32_t i) {
  uint32_t r = 0;
  for (int b = 0; b < 7; ++b) r |= ((i >> b) & 1) << (6 - b);
  return r;
}
struct Tables {
  uint16_t zetas[128];   // 17^BitRev7(i)
  uint16_t gammas[128];  // 17^(2 BitRev7(i) + 1)
};
constexpr Tables MakeTables() {
  Tables t{};
  for (uint32_t i = 0; i < 128; ++i) {
    t.zetas[i] = static_cast<uint16_t>(PowMod(17, BitRev7(i)));
    t.gammas[i] = static_cast<uint16_t>(PowMod(17, 2 * BitRev7(i) + 1));
  }
  return t;
}
constexpr Tables kTables = MakeTables();

void Ntt(Poly& f) {
  int i = 1;
  for (int len = 128; len >= 2; len >>= 1) {
    for (int start = 0; start < kN; start += 2 * len) {
      const uint16_t zeta = kTables.zetas[i++];
      for (int j = start; j < start + len; ++j) {
        uint16_t t = MulQ(zeta, f[j + len]);
        f[j + len] = SubQ(f[j], t);
        f[j] = AddQ(f[j], t);
      }
    }
  }
}

void InvNtt(Poly& f) {
  int i = 127;
  for (int len = 2; len <= 128; len <<= 1) {
    for (int start = 0; start < kN; start += 2 * len) {
      const uint16_t zeta = kTables.zetas[i--];
      for (int j = start; j < start + len; ++j) {
        uint16_t t = f[j];
        f[j] = AddQ(t, f[j + len]);
        f[j + len] = MulQ(zeta, SubQ(f[j + len], t));
      }
    }
  }
  for (auto& c : f) c = MulQ(c, 3303);  // 128^-1 mod q
}

// Products in the NTT domain, accumulated without reduction: each term of
// a base-case product is < q^2, and a row of at most four pairs sums to
// < 8 q^2 < 2^27, reduced once at the end (ReduceWide).
using WidePoly = std::array<uint32_t, kN>;

void MulAccWide(WidePoly& acc, const Poly& a, const Poly& b) {
  for (int i = 0; i < 128; ++i) {
    const uint32_t a0 = a[2 * i], a1 = a[2 * i + 1], b0 = b[2 * i], b1 = b[2 * i + 1];
    acc[2 * i] += a0 * b0 + uint32_t{Reduce(a1 * b1)} * kTables.gammas[i];
    acc[2 * i + 1] += a0 * b1 + a1 * b0;
  }
}

void ReduceWidePoly(const WidePoly& acc, Poly& out) {
  for (int i = 0; i < kN; ++i) out[i] = ReduceWide(acc[i]);
}

// out = sum_j a[j] ∘ b[j] for j < k.
template <typename RowA>
void DotNtt(int k, RowA row_a, const Poly* b, Poly& out) {
  WidePoly acc{};
  for (int j = 0; j < k; ++j) MulAccWide(acc, row_a(j), b[j]);
  ReduceWidePoly(acc, out);
}

void AddPoly(Poly& a, const Poly& b) {
  for (int i = 0; i < kN; ++i) a[i] = AddQ(a[i], b[i]);
}

// Compress_d / Decompress_d (FIPS 203 §4.2.1).
inline uint16_t Compress(uint16_t x, int d) {
  uint32_t a = (uint32_t{x} << d) + kQ / 2;
  return static_cast<uint16_t>(DivQ(a) & ((1u << d) - 1));
}
inline uint16_t Decompress(uint16_t y, int d) {
  return static_cast<uint16_t>((uint32_t{y} * kQ + (1u << (d - 1))) >> d);
}

// ByteEncode_d of 256 d-bit values, little-endian bit order.
void ByteEncode(const Poly& f, int d, uint8_t* out) {
  uint64_t acc = 0;
  int bits = 0;
  size_t o = 0;
  for (int i = 0; i < kN; ++i) {
    acc |= uint64_t{f[i]} << bits;
    bits += d;
    while (bits >= 8) {
      out[o++] = static_cast<uint8_t>(acc);
      acc >>= 8;
      bits -= 8;
    }
  }
}

// ByteDecode_d: 256 values of d bits (not reduced).
void ByteDecode(const uint8_t* in, int d, Poly& f) {
  uint64_t acc = 0;
  int bits = 0;
  size_t p = 0;
  const uint32_t mask = (1u << d) - 1;
  for (int i = 0; i < kN; ++i) {
    while (bits < d) {
      acc |= uint64_t{in[p++]} << bits;
      bits += 8;
    }
    f[i] = static_cast<uint16_t>(acc & mask);
    acc >>= d;
    bits -= d;
  }
}

// Algorithm 7: uniform sampling of an NTT-domain polynomial from
// SHAKE128(rho ‖ j ‖ i). Branches only on the public stream.
void SampleNtt(const uint8_t rho[32], uint8_t j, uint8_t i, Poly& out) {
  Keccak xof = Keccak::Shake128();
  uint8_t seed[34];
  std::memcpy(seed, rho, 32);
  seed[32] = j;
  seed[33] = i;
  xof.Absorb(seed);
  uint8_t block[168];
  int n = 0;
  while (n < kN) {
    xof.Squeeze(block);
    for (int p = 0; p + 3 <= 168 && n < kN; p += 3) {
      uint16_t d1 = static_cast<uint16_t>(block[p] | ((block[p + 1] & 0x0f) << 8));
      uint16_t d2 = static_cast<uint16_t>((block[p + 1] >> 4) | (block[p + 2] << 4));
      if (d1 < kQ) out[n++] = d1;
      if (d2 < kQ && n < kN) out[n++] = d2;
    }
  }
}

// Algorithm 8 with PRF_eta(s, b) = SHAKE256(s ‖ b, 64 eta).
void SampleCbd(const uint8_t s[32], uint8_t b, int eta, Poly& out) {
  uint8_t in[33];
  std::memcpy(in, s, 32);
  in[32] = b;
  uint8_t buf[64 * 3];
  Keccak prf = Keccak::Shake256();
  prf.Absorb(in);
  prf.Squeeze(std::span<uint8_t>(buf, 64 * static_cast<size_t>(eta)));
  if (eta == 2) {
    // Four bits per coefficient: two bytes' worth of nibbles.
    for (int i = 0; i < kN / 2; ++i) {
      const uint32_t byte = buf[i];
      const uint32_t lo_x = (byte & 1) + ((byte >> 1) & 1),
                     lo_y = ((byte >> 2) & 1) + ((byte >> 3) & 1);
      const uint32_t hi_x = ((byte >> 4) & 1) + ((byte >> 5) & 1),
                     hi_y = ((byte >> 6) & 1) + ((byte >> 7) & 1);
      out[2 * i] = CSubQ(lo_x + kQ - lo_y);
      out[2 * i + 1] = CSubQ(hi_x + kQ - hi_y);
    }
    SecureWipe(buf, sizeof buf);
    SecureWipe(in, sizeof in);
    return;
  }
  for (int i = 0; i < kN; ++i) {
    uint32_t x = 0, y = 0;
    for (int j = 0; j < eta; ++j) {
      int bx = 2 * i * eta + j, by = 2 * i * eta + eta + j;
      x += (buf[bx >> 3] >> (bx & 7)) & 1;
      y += (buf[by >> 3] >> (by & 7)) & 1;
    }
    out[i] = CSubQ(x + kQ - y);
  }
  SecureWipe(buf, sizeof buf);
  SecureWipe(in, sizeof in);
}

// Secret polynomial vectors live here and are wiped on destruction.
struct PolyVec {
  Poly p[kMaxK];
  ~PolyVec() { SecureWipe(p, sizeof p); }
};
struct Matrix {
  Poly a[kMaxK][kMaxK];
};

void ExpandA(const uint8_t rho[32], int k, Matrix& m) {
  for (int i = 0; i < k; ++i) {
    for (int j = 0; j < k; ++j) {
      SampleNtt(rho, static_cast<uint8_t>(j), static_cast<uint8_t>(i), m.a[i][j]);
    }
  }
}

// K-PKE.Encrypt(ek_pke, m, r) (Algorithm 14).
void PkeEncrypt(const Params& P, const uint8_t* ek, const uint8_t m[32], const uint8_t r[32],
                uint8_t* ct) {
  const int k = P.k;
  PolyVec t_hat;
  for (int i = 0; i < k; ++i) {
    ByteDecode(ek + 384 * i, 12, t_hat.p[i]);
    for (auto& c : t_hat.p[i]) c = CSubQ(c);  // (checked < q by the caller)
  }
  Matrix a;
  ExpandA(ek + 384 * k, k, a);
  uint8_t n = 0;
  PolyVec y, e1;
  Poly e2;
  for (int i = 0; i < k; ++i) SampleCbd(r, n++, P.eta1, y.p[i]);
  for (int i = 0; i < k; ++i) SampleCbd(r, n++, P.eta2, e1.p[i]);
  SampleCbd(r, n++, P.eta2, e2);
  for (int i = 0; i < k; ++i) Ntt(y.p[i]);

  PolyVec u;
  for (int i = 0; i < k; ++i) {
    DotNtt(
        k, [&](int j) -> const Poly& { return a.a[j][i]; }, y.p, u.p[i]);  // A^T
    InvNtt(u.p[i]);
    AddPoly(u.p[i], e1.p[i]);
  }
  Poly v;
  DotNtt(
      k, [&](int j) -> const Poly& { return t_hat.p[j]; }, y.p, v);
  InvNtt(v);
  AddPoly(v, e2);
  Poly mu;
  ByteDecode(m, 1, mu);
  for (auto& c : mu) c = Decompress(c, 1);
  AddPoly(v, mu);

  for (int i = 0; i < k; ++i) {
    for (auto& c : u.p[i]) c = Compress(c, P.du);
    ByteEncode(u.p[i], P.du, ct + 32 * P.du * i);
  }
  for (auto& c : v) c = Compress(c, P.dv);
  ByteEncode(v, P.dv, ct + 32 * P.du * k);
  SecureWipe(e2.data(), sizeof e2);
  SecureWipe(v.data(), sizeof v);
  SecureWipe(mu.data(), sizeof mu);
}

// K-PKE.Decrypt(dk_pke, c) (Algorithm 15).
void PkeDecrypt(const Params& P, const uint8_t* dk_pke, const uint8_t* ct, uint8_t m[32]) {
  const int k = P.k;
  PolyVec u, s_hat;
  for (int i = 0; i < k; ++i) {
    ByteDecode(ct + 32 * P.du * i, P.du, u.p[i]);
    for (auto& c : u.p[i]) c = Decompress(c, P.du);
    Ntt(u.p[i]);
    ByteDecode(dk_pke + 384 * i, 12, s_hat.p[i]);
    for (auto& c : s_hat.p[i]) c = CSubQ(c);
  }
  Poly v;
  ByteDecode(ct + 32 * P.du * k, P.dv, v);
  for (auto& c : v) c = Decompress(c, P.dv);
  Poly w;
  DotNtt(
      k, [&](int j) -> const Poly& { return s_hat.p[j]; }, u.p, w);
  InvNtt(w);
  for (int i = 0; i < kN; ++i) w[i] = Compress(SubQ(v[i], w[i]), 1);
  ByteEncode(w, 1, m);
  SecureWipe(w.data(), sizeof w);
}

// FIPS 203 §7.2: every 12-bit value of ek's t encoding is < q.
bool EkModulusOk(const Params& P, const uint8_t* ek) {
  Poly f;
  for (int i = 0; i < P.k; ++i) {
    ByteDecode(ek + 384 * i, 12, f);
    for (uint16_t c : f) {
      if (c >= kQ) return false;
    }
  }
  return true;
}

}  // namespace

namespace {

Status KeyGen(MlKemParameterSet set, std::span<const uint8_t> seed, bool draft, Bytes* ek,
              SecretBytes* dk) {
  if (seed.size() != kMlKemSeedSize) {
    return InvalidArgument("ML-KEM seed must be 64 bytes, got " + std::to_string(seed.size()));
  }
  const Params P = ParamsFor(set);
  const int k = P.k;
  uint8_t g_in[33];
  std::memcpy(g_in, seed.data(), 32);
  g_in[32] = static_cast<uint8_t>(k);
  // FIPS 203: (rho, sigma) = G(d ‖ k); the draft hashed d alone.
  auto g = Sha3_512(std::span<const uint8_t>(g_in, draft ? 32 : 33));
  const uint8_t* rho = g.data();
  const uint8_t* sigma = g.data() + 32;

  Matrix a;
  ExpandA(rho, k, a);
  PolyVec s, e;
  uint8_t n = 0;
  for (int i = 0; i < k; ++i) SampleCbd(sigma, n++, P.eta1, s.p[i]);
  for (int i = 0; i < k; ++i) SampleCbd(sigma, n++, P.eta1, e.p[i]);
  for (int i = 0; i < k; ++i) {
    Ntt(s.p[i]);
    Ntt(e.p[i]);
  }
  ek->assign(P.ek_size, 0);
  dk->assign(P.dk_size, 0);
  for (int i = 0; i < k; ++i) {
    Poly t;
    DotNtt(
        k, [&](int j) -> const Poly& { return a.a[i][j]; }, s.p, t);
    AddPoly(t, e.p[i]);
    ByteEncode(t, 12, ek->data() + 384 * i);
    ByteEncode(s.p[i], 12, dk->data() + 384 * i);
  }
  std::memcpy(ek->data() + 384 * k, rho, 32);
  // dk = dk_pke ‖ ek ‖ H(ek) ‖ z
  uint8_t* p = dk->data() + 384 * k;
  std::memcpy(p, ek->data(), ek->size());
  p += ek->size();
  auto h = Sha3_256(*ek);
  std::memcpy(p, h.data(), 32);
  std::memcpy(p + 32, seed.data() + 32, 32);
  SecureWipe(g.data(), g.size());
  SecureWipe(g_in, sizeof g_in);
  return Status();
}

}  // namespace

Status MlKemKeyGenFromSeed(MlKemParameterSet set, std::span<const uint8_t> seed, Bytes* ek,
                           SecretBytes* dk) {
  return KeyGen(set, seed, /*draft=*/false, ek, dk);
}

Status MlKemKeyGenFromSeedDraft(MlKemParameterSet set, std::span<const uint8_t> seed, Bytes* ek,
                                SecretBytes* dk) {
  return KeyGen(set, seed, /*draft=*/true, ek, dk);
}

Status MlKemEncapsulate(MlKemParameterSet set, std::span<const uint8_t> ek,
                        std::span<const uint8_t> m_in, Bytes* ct, SecretBytes* shared_secret) {
  const Params P = ParamsFor(set);
  if (ek.size() != P.ek_size) {
    return InvalidArgument("ML-KEM encapsulation key must be " + std::to_string(P.ek_size) +
                           " bytes, got " + std::to_string(ek.size()));
  }
  if (!m_in.empty() && m_in.size() != kMlKemMessageSize) {
    return InvalidArgument("ML-KEM encapsulation randomness must be 32 bytes");
  }
  if (!EkModulusOk(P, ek.data())) {
    return InvalidArgument("ML-KEM encapsulation key fails the modulus check");
  }
  uint8_t g_in[64];  // m ‖ H(ek)
  if (m_in.empty()) {
    if (RAND_bytes(g_in, 32) != 1) return Internal("RAND_bytes failed");
  } else {
    std::memcpy(g_in, m_in.data(), 32);
  }
  auto h = Sha3_256(ek);
  std::memcpy(g_in + 32, h.data(), 32);
  auto g = Sha3_512(g_in);  // K ‖ r
  ct->assign(P.ct_size, 0);
  PkeEncrypt(P, ek.data(), g_in, g.data() + 32, ct->data());
  shared_secret->assign(g.begin(), g.begin() + 32);
  SecureWipe(g.data(), g.size());
  SecureWipe(g_in, sizeof g_in);
  return Status();
}

Status MlKemDecapsulate(MlKemParameterSet set, std::span<const uint8_t> dk,
                        std::span<const uint8_t> ct, SecretBytes* shared_secret) {
  const Params P = ParamsFor(set);
  const int k = P.k;
  if (dk.size() != P.dk_size) {
    return InvalidArgument("ML-KEM decapsulation key must be " + std::to_string(P.dk_size) +
                           " bytes, got " + std::to_string(dk.size()));
  }
  if (ct.size() != P.ct_size) {
    return InvalidArgument("ML-KEM ciphertext must be " + std::to_string(P.ct_size) +
                           " bytes, got " + std::to_string(ct.size()));
  }
  const uint8_t* dk_pke = dk.data();
  const uint8_t* ek = dk.data() + 384 * k;
  const uint8_t* h = ek + P.ek_size;
  const uint8_t* z = h + 32;
  auto h_check = Sha3_256(std::span<const uint8_t>(ek, P.ek_size));
  if (!ConstantTimeEqual(h_check.data(), 32, h, 32)) {
    return InvalidArgument("ML-KEM decapsulation key fails the hash check");
  }
  uint8_t g_in[64];  // m' ‖ h
  PkeDecrypt(P, dk_pke, ct.data(), g_in);
  std::memcpy(g_in + 32, h, 32);
  auto g = Sha3_512(g_in);  // K' ‖ r'
  // K̄ = J(z ‖ c)
  uint8_t k_bar[32];
  Keccak j = Keccak::Shake256();
  j.Absorb(std::span<const uint8_t>(z, 32));
  j.Absorb(ct);
  j.Squeeze(k_bar);
  Bytes ct2(P.ct_size);
  PkeEncrypt(P, ek, g_in, g.data() + 32, ct2.data());
  // Select K' when c == c', else K̄, without branching.
  uint8_t diff = 0;
  for (size_t i = 0; i < P.ct_size; ++i) diff |= static_cast<uint8_t>(ct[i] ^ ct2[i]);
  // mask = 0xff when diff == 0
  uint8_t mask = static_cast<uint8_t>((static_cast<uint32_t>(diff) - 1) >> 8);
  shared_secret->assign(32, 0);
  for (int i = 0; i < 32; ++i) {
    (*shared_secret)[i] = static_cast<uint8_t>((g[i] & mask) | (k_bar[i] & ~mask));
  }
  SecureWipe(g.data(), g.size());
  SecureWipe(g_in, sizeof g_in);
  SecureWipe(k_bar, sizeof k_bar);
  return Status();
}

}  // namespace brs::crypto::builtin
