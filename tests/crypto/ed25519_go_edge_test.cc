// Our Ed25519 verifier against Go's crypto/ed25519 on edge cases (small-order
// A and R, non-canonical encodings of A and R, S >= L), the verdicts written
// by Go (tools/govectors -ed25519-edge, tests/data/ed25519_edge_go.json):
// Backrest peers verify with Go, so a signature one side accepts and the
// other refuses would split the fleet.
#include <gtest/gtest.h>

#include <string>

#include "crypto/ed25519.h"
#include "crypto/identity.h"
#include "crypto/test_json.h"

namespace brs::crypto {
namespace {

using testing::Field;
using testing::HexField;

TEST(Ed25519GoEdgeCases, OurVerifierAgreesWithGoOnEachCase) {
  const auto doc = testing::LoadJson(testing::TestDataPath("ed25519_edge_go.json"));
  const auto& cases = Field(doc, "cases").list_value().values();
  ASSERT_GE(cases.size(), 500);
  int accepted = 0, small_order_accepted = 0, s_not_below_l = 0, non_canonical = 0;
  for (const auto& c : cases) {
    const std::string note = Field(c, "note").string_value();
    SCOPED_TRACE(note);
    const Bytes pub = HexField(c, "public_key"), msg = HexField(c, "message"),
                sig = HexField(c, "signature");
    ASSERT_EQ(pub.size(), 32u);
    ASSERT_EQ(sig.size(), 64u);
    const bool go = Field(c, "go_valid").bool_value();
    EXPECT_EQ(ed25519::Verify(pub.data(), msg, sig.data()), go);
    EXPECT_EQ(VerifyEd25519(pub, msg, sig).ok(), go);
    accepted += go;
    small_order_accepted += go && note.find("order") != std::string::npos;
    s_not_below_l +=
        note.find("S = L") != std::string::npos || note.find("+ 1L") != std::string::npos;
    non_canonical += note.find("not canonical") != std::string::npos;
  }
  // The file covers what it claims: accepted small-order cases (Go's
  // cofactorless check accepts some), S at and above L, non-canonical points.
  EXPECT_GT(small_order_accepted, 10);
  EXPECT_GT(accepted, small_order_accepted);
  EXPECT_GT(s_not_below_l, 20);
  EXPECT_GT(non_canonical, 100);
}

}  // namespace
}  // namespace brs::crypto
