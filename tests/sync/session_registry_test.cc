// The hub's table of live sessions: displacement and the session numbers
// that decide whose end is recorded.
#include "sync/session_registry.h"

#include <gtest/gtest.h>

#include "sync/fake_hub_session.h"

namespace brs::sync {
namespace {

using testing::FakeHubSession;

TEST(SessionRegistry, NewerSessionDisplacesOlder) {
  SessionRegistry reg;
  auto a = std::make_shared<FakeHubSession>();
  auto b = std::make_shared<FakeHubSession>();
  const uint64_t na = reg.Register("k", a);
  EXPECT_FALSE(a->terminated);
  const uint64_t nb = reg.Register("k", b);
  EXPECT_GT(nb, na);
  EXPECT_TRUE(a->terminated);
  EXPECT_EQ(a->ended.code(), Code::kUnavailable);
  EXPECT_EQ(a->ended.message(), "displaced by newer connection");
  EXPECT_FALSE(b->terminated);
  EXPECT_FALSE(reg.IsCurrent("k", na));
  EXPECT_TRUE(reg.IsCurrent("k", nb));
  // The displaced session's end is not current: it records nothing and
  // leaves its successor in place.
  std::vector<bool> recorded;
  reg.End("k", na, [&](bool current) { recorded.push_back(current); });
  EXPECT_EQ(reg.Find("k"), b);
  reg.End("k", nb, [&](bool current) { recorded.push_back(current); });
  EXPECT_EQ(recorded, (std::vector<bool>{false, true}));
  EXPECT_EQ(reg.Find("k"), nullptr);
  EXPECT_EQ(reg.size(), 0u);
}

}  // namespace
}  // namespace brs::sync
