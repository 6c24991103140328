#include "base/encoding.h"

#include <gtest/gtest.h>

#include "base/secret.h"

namespace brs {
namespace {

TEST(Hex, RoundTripAndRejects) {
  Bytes b = {0x00, 0x7f, 0x80, 0xff};
  EXPECT_EQ(HexEncode(b), "007f80ff");
  auto d = HexDecode("007F80ff");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(*d, b);
  EXPECT_EQ(HexDecode("abc").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(HexDecode("zz").status().code(), Code::kInvalidArgument);
  EXPECT_TRUE(HexDecode("").ok());
}

struct B64Case {
  const char* raw;
  const char* std_nopad;
  const char* std_pad;
};

TEST(Base64, Rfc4648Vectors) {
  const B64Case cases[] = {{"", "", ""},           {"f", "Zg", "Zg=="},
                           {"fo", "Zm8", "Zm8="},  {"foo", "Zm9v", "Zm9v"},
                           {"foob", "Zm9vYg", "Zm9vYg=="}, {"fooba", "Zm9vYmE", "Zm9vYmE="},
                           {"foobar", "Zm9vYmFy", "Zm9vYmFy"}};
  for (const auto& c : cases) {
    Bytes raw = ToBytes(c.raw);
    EXPECT_EQ(Base64Encode(raw, Base64Alphabet::kStandard, Base64Padding::kNone), c.std_nopad);
    EXPECT_EQ(Base64Encode(raw, Base64Alphabet::kStandard, Base64Padding::kPadded), c.std_pad);
    auto d1 = Base64Decode(c.std_nopad, Base64Alphabet::kStandard, Base64Padding::kNone);
    ASSERT_TRUE(d1.ok()) << c.std_nopad;
    EXPECT_EQ(*d1, raw);
    auto d2 = Base64Decode(c.std_pad, Base64Alphabet::kStandard, Base64Padding::kPadded);
    ASSERT_TRUE(d2.ok()) << c.std_pad;
    EXPECT_EQ(*d2, raw);
  }
}

TEST(Base64, UrlAlphabetDiffersFromStandard) {
  Bytes b = {0xfb, 0xff, 0xbf};
  EXPECT_EQ(Base64Encode(b, Base64Alphabet::kStandard, Base64Padding::kNone), "+/+/");
  EXPECT_EQ(Base64Encode(b, Base64Alphabet::kUrl, Base64Padding::kNone), "-_-_");
  EXPECT_FALSE(Base64Decode("+/+/", Base64Alphabet::kUrl, Base64Padding::kNone).ok());
  EXPECT_FALSE(Base64Decode("-_-_", Base64Alphabet::kStandard, Base64Padding::kNone).ok());
}

TEST(Base64, RejectsMalformed) {
  auto S = Base64Alphabet::kStandard;
  EXPECT_FALSE(Base64Decode("Zg==", S, Base64Padding::kNone).ok());   // padding not allowed
  EXPECT_FALSE(Base64Decode("Zg", S, Base64Padding::kPadded).ok());   // padding missing
  EXPECT_FALSE(Base64Decode("Z", S, Base64Padding::kNone).ok());      // impossible length
  EXPECT_FALSE(Base64Decode("Zh", S, Base64Padding::kNone).ok());     // non-zero trailing bits
  EXPECT_FALSE(Base64Decode("Zm9v\n", S, Base64Padding::kNone).ok()); // whitespace
  EXPECT_FALSE(Base64Decode("Zm*v", S, Base64Padding::kNone).ok());
}

TEST(BigEndian, PutGet) {
  Bytes b;
  PutU32BE(b, 0x01020304);
  PutU64BE(b, 0x0102030405060708ull);
  ASSERT_EQ(b.size(), 12u);
  EXPECT_EQ(GetU32BE(b.data()), 0x01020304u);
  EXPECT_EQ(GetU64BE(b.data() + 4), 0x0102030405060708ull);
}

TEST(Secret, ConstantTimeEqual) {
  EXPECT_TRUE(ConstantTimeEqual("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEqual("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEqual("abc", "abcd"));
  EXPECT_TRUE(ConstantTimeEqual("", ""));
  uint8_t buf[4] = {1, 2, 3, 4};
  SecureWipe(buf, sizeof buf);
  EXPECT_EQ(buf[0] | buf[1] | buf[2] | buf[3], 0);
}

TEST(Status, CodesAndMacros) {
  EXPECT_EQ(CodeName(Code::kPermissionDenied), "permission_denied");
  EXPECT_EQ(CodeFromName("unauthenticated"), Code::kUnauthenticated);
  EXPECT_EQ(CodeFromName("nonsense"), Code::kUnknown);
  EXPECT_EQ(CodeName(static_cast<Code>(99)), "unknown");
  auto fails = []() -> StatusOr<int> { return NotFound("nope"); };
  auto user = [&]() -> Status {
    BRS_ASSIGN_OR_RETURN(int v, fails());
    (void)v;
    return Status::Ok();
  };
  Status s = user().WithContext("lookup");
  EXPECT_EQ(s.code(), Code::kNotFound);
  EXPECT_EQ(s.ToString(), "not_found: lookup: nope");
  StatusOr<int> bad{Status::Ok()};  // an OK status holds no value: an error
  EXPECT_FALSE(bad.ok());
}

}  // namespace
}  // namespace brs

namespace brs {
namespace {
TEST(Secret, SecretBytesBehavesLikeAVector) {
  SecretBytes s(32, 0xab);
  s.resize(1000, 0xcd);  // reallocation wipes the old block
  EXPECT_EQ(s[0], 0xab);
  EXPECT_EQ(s[999], 0xcd);
}
}  // namespace
}  // namespace brs

namespace brs {
namespace {
TEST(JsonEscape, EscapesQuotesBackslashesAndControls) {
  EXPECT_EQ(JsonEscape("a\"b\\c\nd\te\x01 ü"), "a\\\"b\\\\c\\nd\\te\\u0001 ü");
  EXPECT_EQ(JsonEscape(""), "");
}
}  // namespace
}  // namespace brs
