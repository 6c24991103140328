#include "crypto/ed25519_field.h"

namespace brs::crypto::ed25519 {
namespace {

// z^(2^250 - 1) and z^11, the common head of both chains.
void Pow2250m1(Fe& out, Fe& z11, const Fe& z) {
  Fe z2, z9, t, z5_0, z10_0, z20_0, z50_0, z100_0;
  FeSqr(z2, z);             // 2
  FeSqrN(t, z2, 2);         // 8
  FeMul(z9, t, z);          // 9
  FeMul(z11, z9, z2);       // 11
  FeSqr(t, z11);            // 22
  FeMul(z5_0, t, z9);       // 2^5 - 1
  FeSqrN(t, z5_0, 5);       //
  FeMul(z10_0, t, z5_0);    // 2^10 - 1
  FeSqrN(t, z10_0, 10);     //
  FeMul(z20_0, t, z10_0);   // 2^20 - 1
  FeSqrN(t, z20_0, 20);     //
  FeMul(t, t, z20_0);       // 2^40 - 1
  FeSqrN(t, t, 10);         //
  FeMul(z50_0, t, z10_0);   // 2^50 - 1
  FeSqrN(t, z50_0, 50);     //
  FeMul(z100_0, t, z50_0);  // 2^100 - 1
  FeSqrN(t, z100_0, 100);   //
  FeMul(t, t, z100_0);      // 2^200 - 1
  FeSqrN(t, t, 50);         //
  FeMul(out, t, z50_0);     // 2^250 - 1
}

}  // namespace

void FeInvert(Fe& r, const Fe& a) {
  Fe t, z11;
  Pow2250m1(t, z11, a);
  FeSqrN(t, t, 5);   // 2^255 - 32
  FeMul(r, t, z11);  // 2^255 - 21 = p - 2
}

void FePow22523(Fe& r, const Fe& a) {
  Fe t, z11;
  Pow2250m1(t, z11, a);
  FeSqrN(t, t, 2);  // 2^252 - 4
  FeMul(r, t, a);   // 2^252 - 3 = (p - 5) / 8
}

}  // namespace brs::crypto::ed25519
