#include "sync/api_auth.h"

#include <gtest/gtest.h>

#include "base/encoding.h"

namespace brs::sync {
namespace {

std::string B64(std::string_view s) {
  return Base64Encode(reinterpret_cast<const uint8_t*>(s.data()), s.size(),
                      Base64Alphabet::kStandard, Base64Padding::kPadded);
}

// OpenBSD's classic bcrypt test vector: password "U*U", cost 5.
constexpr char kKnownHash[] = "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW";

TEST(BackrestPassword, KnownBcryptVector) {
  EXPECT_TRUE(CheckBackrestPassword(B64(kKnownHash), "U*U").ok());
  EXPECT_EQ(CheckBackrestPassword(B64(kKnownHash), "U*V").code(), Code::kUnauthenticated);
  EXPECT_EQ(CheckBackrestPassword(kKnownHash, "U*U").code(), Code::kInvalidArgument);  // not base64
  EXPECT_EQ(CheckBackrestPassword(B64("$1$md5crypt"), "x").code(), Code::kInvalidArgument);
}

TEST(BackrestPassword, MakeThenCheck) {
  auto made = MakeBackrestPassword("hunter2", 4);
  ASSERT_TRUE(made.ok()) << made.status().ToString();
  auto raw = Base64Decode(*made, Base64Alphabet::kStandard, Base64Padding::kPadded);
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ(std::string(raw->begin(), raw->begin() + 7), "$2a$04$");
  EXPECT_TRUE(CheckBackrestPassword(*made, "hunter2").ok());
  EXPECT_FALSE(CheckBackrestPassword(*made, "hunter3").ok());
  EXPECT_FALSE(MakeBackrestPassword("x", 3).ok());
}

v1::Auth Users() {
  v1::Auth auth;
  auto* u = auth.add_users();
  u->set_name("admin");
  u->set_password_bcrypt(B64(kKnownHash));
  return auth;
}

TEST(ApiAuthenticator, BasicBearerAndDisabled) {
  ApiAuthenticator a(Users(), {"tok-123"});
  auto ok = a.Authenticate("Basic " + B64("admin:U*U"));
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, "user:admin");
  EXPECT_EQ(a.Authenticate("Basic " + B64("admin:wrong")).status().code(), Code::kUnauthenticated);
  EXPECT_EQ(a.Authenticate("Basic " + B64("nobody:U*U")).status().code(), Code::kUnauthenticated);
  EXPECT_EQ(a.Authenticate("Basic " + B64("no-colon")).status().code(), Code::kUnauthenticated);
  EXPECT_EQ(a.Authenticate("Basic !!!").status().code(), Code::kUnauthenticated);
  EXPECT_EQ(a.Authenticate("").status().code(), Code::kUnauthenticated);
  EXPECT_EQ(a.Authenticate("Digest x").status().code(), Code::kUnauthenticated);
  auto t = a.Authenticate("Bearer tok-123");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(*t, "token");
  auto bad = a.Authenticate("Bearer tok-124");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message().find("tok-124"), std::string::npos) << "secret echoed";
  EXPECT_FALSE(a.Authenticate("Bearer ").ok());

  ApiAuthenticator no_tokens(Users(), {""});
  EXPECT_FALSE(no_tokens.Authenticate("Bearer ").ok()) << "an empty token must never match";

  v1::Auth disabled;
  disabled.set_disabled(true);
  ApiAuthenticator open(disabled, {});
  EXPECT_TRUE(open.Authenticate("").ok());
}

}  // namespace
}  // namespace brs::sync
