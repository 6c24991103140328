#include "sync/api_auth.h"

#include <crypt.h>
#include <openssl/rand.h>

#include <cctype>
#include <memory>

#include "base/encoding.h"
#include "base/secret.h"

namespace brs::sync {
namespace {

constexpr size_t kMaxHeader = 8192;

bool StartsWithNoCase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[i])) !=
        std::tolower(static_cast<unsigned char>(prefix[i]))) {
      return false;
    }
  }
  return true;
}

bool IsBcryptHash(std::string_view h) {
  return h.size() == 60 && h[0] == '$' && h[1] == '2' &&
         (h[2] == 'a' || h[2] == 'b' || h[2] == 'y') && h[3] == '$';
}

}  // namespace

ApiAuthenticator::ApiAuthenticator(v1::Auth auth, std::vector<std::string> bearer_tokens)
    : auth_(std::move(auth)), bearer_tokens_(std::move(bearer_tokens)) {}

StatusOr<std::string> ApiAuthenticator::Authenticate(std::string_view header) const {
  if (auth_.disabled()) return std::string("anonymous");
  if (header.empty()) return Unauthenticated("credentials required (HTTP Basic or Bearer)");
  if (header.size() > kMaxHeader) return Unauthenticated("authorization header too long");

  if (StartsWithNoCase(header, "Bearer ")) {
    std::string_view token = header.substr(7);
    bool match = false;
    for (const std::string& t : bearer_tokens_) {
      match |= !t.empty() && ConstantTimeEqual(token, t);  // no early exit
    }
    if (match) return std::string("token");
    return Unauthenticated("invalid bearer token");
  }
  if (!StartsWithNoCase(header, "Basic ")) {
    return Unauthenticated("unsupported authorization scheme");
  }
  auto decoded = Base64Decode(header.substr(6), Base64Alphabet::kStandard, Base64Padding::kPadded);
  if (!decoded.ok()) return Unauthenticated("malformed basic credentials");
  SecretBytes creds(decoded->begin(), decoded->end());
  SecureWipe(decoded->data(), decoded->size());
  std::string_view text(reinterpret_cast<const char*>(creds.data()), creds.size());
  size_t colon = text.find(':');
  if (colon == std::string_view::npos) return Unauthenticated("malformed basic credentials");
  std::string_view name = text.substr(0, colon);
  std::string_view password = text.substr(colon + 1);
  for (const v1::User& user : auth_.users()) {
    if (user.name() != name) continue;
    Status s = CheckBackrestPassword(user.password_bcrypt(), password);
    if (s.ok()) return "user:" + user.name();
    return Unauthenticated("invalid user name or password");
  }
  return Unauthenticated("invalid user name or password");
}

Status CheckBackrestPassword(std::string_view password_bcrypt_b64, std::string_view password) {
  auto hash = Base64Decode(password_bcrypt_b64, Base64Alphabet::kStandard, Base64Padding::kPadded);
  if (!hash.ok()) return InvalidArgument("passwordBcrypt is not standard base64");
  std::string setting(hash->begin(), hash->end());
  if (!IsBcryptHash(setting)) return InvalidArgument("passwordBcrypt is not a bcrypt hash");
  if (password.size() > 1024 || password.find('\0') != std::string_view::npos) {
    return Unauthenticated("invalid password");
  }
  std::string phrase(password);
  auto data = std::make_unique<crypt_data>();
  const char* out = crypt_rn(phrase.c_str(), setting.c_str(), data.get(), sizeof(crypt_data));
  SecureWipe(phrase.data(), phrase.size());
  bool ok = out != nullptr && out[0] != '*' && ConstantTimeEqual(out, setting);
  SecureWipe(data.get(), sizeof(crypt_data));
  return ok ? Status::Ok() : Unauthenticated("invalid password");
}

StatusOr<std::string> MakeBackrestPassword(std::string_view password, int cost) {
  if (cost < 4 || cost > 31) return InvalidArgument("bcrypt cost must be 4..31");
  uint8_t random[16];
  if (RAND_bytes(random, sizeof random) != 1) return Internal("no randomness for the salt");
  char setting[CRYPT_GENSALT_OUTPUT_SIZE];
  if (!crypt_gensalt_rn("$2a$", static_cast<unsigned long>(cost), reinterpret_cast<char*>(random),
                        sizeof random, setting, sizeof setting)) {
    return Internal("crypt_gensalt failed");
  }
  std::string phrase(password);
  auto data = std::make_unique<crypt_data>();
  const char* out = crypt_rn(phrase.c_str(), setting, data.get(), sizeof(crypt_data));
  SecureWipe(phrase.data(), phrase.size());
  if (!out || out[0] == '*') return Internal("bcrypt failed");
  std::string hash(out);
  SecureWipe(data.get(), sizeof(crypt_data));
  return Base64Encode(reinterpret_cast<const uint8_t*>(hash.data()), hash.size(),
                      Base64Alphabet::kStandard, Base64Padding::kPadded);
}

}  // namespace brs::sync
