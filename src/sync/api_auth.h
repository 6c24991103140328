// Authentication for the state service (SPEC §7): Backrest-compatible users
// over HTTP Basic, or a bearer token.
//
// Users come from the config's `auth` section: `passwordBcrypt` is standard
// base64 of a bcrypt hash ($2a$/$2b$/$2y$), as Backrest writes it, checked
// with the system's crypt (libxcrypt). `auth.disabled` lets every request
// through. Bearer tokens are secrets the daemon keeps in its data directory
// for the CLI; they are compared in constant time.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "v1/config.pb.h"

namespace brs::sync {

class ApiAuthenticator {
 public:
  ApiAuthenticator(v1::Auth auth, std::vector<std::string> bearer_tokens);

  // Checks an HTTP Authorization header value ("" when absent). Returns the
  // authenticated principal ("user:<name>", "token", or "anonymous" when
  // auth is disabled) or Unauthenticated with a reason that never contains
  // the presented secret.
  StatusOr<std::string> Authenticate(std::string_view authorization_header) const;

 private:
  v1::Auth auth_;
  std::vector<std::string> bearer_tokens_;
};

// Checks `password` against a Backrest `passwordBcrypt` value.
// InvalidArgument for a value that is not base64 of a bcrypt hash,
// Unauthenticated for a wrong password.
Status CheckBackrestPassword(std::string_view password_bcrypt_b64, std::string_view password);

// Makes a Backrest `passwordBcrypt` value for `password`: bcrypt $2a$ (the
// variant Go's x/crypto/bcrypt writes) at the given cost, base64-encoded.
StatusOr<std::string> MakeBackrestPassword(std::string_view password, int cost = 10);

}  // namespace brs::sync
