// ML-KEM through OpenSSL (>= 3.5), used by the top-level functions when the
// build found such an OpenSSL (CMake defines BRS_HAVE_OPENSSL_MLKEM). The
// built-in implementation stays compiled and tested in every build.
#if defined(BRS_HAVE_OPENSSL_MLKEM)

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <memory>

#include "crypto/mlkem.h"

namespace brs::crypto {
namespace {

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct CtxFree {
  void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using CtxPtr = std::unique_ptr<EVP_PKEY_CTX, CtxFree>;

const char* AlgName(MlKemParameterSet set) {
  return set == MlKemParameterSet::kMlKem768 ? "ML-KEM-768" : "ML-KEM-1024";
}

StatusOr<PkeyPtr> FromData(MlKemParameterSet set, const char* param, std::span<const uint8_t> key,
                           int selection) {
  CtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, AlgName(set), nullptr));
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) <= 0) return Internal("OpenSSL ML-KEM: fromdata");
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_octet_string(param, const_cast<uint8_t*>(key.data()), key.size()),
      OSSL_PARAM_construct_end()};
  EVP_PKEY* pkey = nullptr;
  if (EVP_PKEY_fromdata(ctx.get(), &pkey, selection, params) <= 0) {
    return InvalidArgument("ML-KEM key rejected");
  }
  return PkeyPtr(pkey);
}

}  // namespace

const char* MlKemBackendName() { return "openssl"; }

Status MlKemKeyGenFromSeed(MlKemParameterSet set, std::span<const uint8_t> seed, Bytes* ek,
                           SecretBytes* dk) {
  if (seed.size() != kMlKemSeedSize) return InvalidArgument("ML-KEM seed must be 64 bytes");
  CtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, AlgName(set), nullptr));
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) <= 0) return Internal("OpenSSL ML-KEM: keygen init");
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_ML_KEM_SEED,
                                        const_cast<uint8_t*>(seed.data()), seed.size()),
      OSSL_PARAM_construct_end()};
  if (EVP_PKEY_CTX_set_params(ctx.get(), params) <= 0) return Internal("OpenSSL ML-KEM: seed");
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_generate(ctx.get(), &raw) <= 0) return Internal("OpenSSL ML-KEM: keygen");
  PkeyPtr pkey(raw);
  const MlKemSizes sizes = MlKemSizesFor(set);
  ek->assign(sizes.encapsulation_key, 0);
  dk->assign(sizes.decapsulation_key, 0);
  size_t len = 0;
  if (EVP_PKEY_get_octet_string_param(pkey.get(), OSSL_PKEY_PARAM_PUB_KEY, ek->data(), ek->size(),
                                      &len) <= 0 ||
      len != ek->size()) {
    return Internal("OpenSSL ML-KEM: public key");
  }
  if (EVP_PKEY_get_octet_string_param(pkey.get(), OSSL_PKEY_PARAM_PRIV_KEY, dk->data(), dk->size(),
                                      &len) <= 0 ||
      len != dk->size()) {
    return Internal("OpenSSL ML-KEM: private key");
  }
  return Status();
}

Status MlKemEncapsulate(MlKemParameterSet set, std::span<const uint8_t> ek,
                        std::span<const uint8_t> m, Bytes* ct, SecretBytes* shared_secret) {
  const MlKemSizes sizes = MlKemSizesFor(set);
  if (ek.size() != sizes.encapsulation_key) {
    return InvalidArgument("ML-KEM encapsulation key has the wrong length");
  }
  if (!m.empty() && m.size() != kMlKemMessageSize) {
    return InvalidArgument("ML-KEM encapsulation randomness must be 32 bytes");
  }
  BRS_ASSIGN_OR_RETURN(PkeyPtr pkey,
                       FromData(set, OSSL_PKEY_PARAM_PUB_KEY, ek, EVP_PKEY_PUBLIC_KEY));
  CtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey.get(), nullptr));
  OSSL_PARAM params[] = {OSSL_PARAM_construct_octet_string(
                             OSSL_KEM_PARAM_IKME, const_cast<uint8_t*>(m.data()), m.size()),
                         OSSL_PARAM_construct_end()};
  if (!ctx || EVP_PKEY_encapsulate_init(ctx.get(), m.empty() ? nullptr : params) <= 0) {
    return Internal("OpenSSL ML-KEM: encapsulate init");
  }
  ct->assign(sizes.ciphertext, 0);
  shared_secret->assign(kMlKemSharedSecretSize, 0);
  size_t ct_len = ct->size(), ss_len = shared_secret->size();
  if (EVP_PKEY_encapsulate(ctx.get(), ct->data(), &ct_len, shared_secret->data(), &ss_len) <= 0) {
    return InvalidArgument("ML-KEM encapsulation failed (invalid key?)");
  }
  return Status();
}

Status MlKemDecapsulate(MlKemParameterSet set, std::span<const uint8_t> dk,
                        std::span<const uint8_t> ct, SecretBytes* shared_secret) {
  const MlKemSizes sizes = MlKemSizesFor(set);
  if (dk.size() != sizes.decapsulation_key) {
    return InvalidArgument("ML-KEM decapsulation key has the wrong length");
  }
  if (ct.size() != sizes.ciphertext)
    return InvalidArgument("ML-KEM ciphertext has the wrong length");
  BRS_ASSIGN_OR_RETURN(PkeyPtr pkey, FromData(set, OSSL_PKEY_PARAM_PRIV_KEY, dk, EVP_PKEY_KEYPAIR));
  CtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey.get(), nullptr));
  if (!ctx || EVP_PKEY_decapsulate_init(ctx.get(), nullptr) <= 0) {
    return Internal("OpenSSL ML-KEM: decapsulate init");
  }
  shared_secret->assign(kMlKemSharedSecretSize, 0);
  size_t ss_len = shared_secret->size();
  if (EVP_PKEY_decapsulate(ctx.get(), shared_secret->data(), &ss_len, ct.data(), ct.size()) <= 0) {
    return InvalidArgument("ML-KEM decapsulation failed");
  }
  return Status();
}

}  // namespace brs::crypto

#endif  // BRS_HAVE_OPENSSL_MLKEM
