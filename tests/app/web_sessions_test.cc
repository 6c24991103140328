#include "app/web_sessions.h"

#include <gtest/gtest.h>

#include "base/fake_env.h"

namespace brs::app {
namespace {

using std::chrono::minutes;

TEST(WebSessions, ASessionNeedsItsCsrfToken) {
  FakeEnv env;
  WebSessions s(&env);
  auto a = s.Create("user:alice");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->id.size(), 64u);
  EXPECT_EQ(a->csrf.size(), 64u);
  EXPECT_NE(a->id, a->csrf);
  auto ok = s.Check(a->id, a->csrf);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->principal, "user:alice");
  EXPECT_EQ(s.Check(a->id, "").status().code(), Code::kPermissionDenied);
  std::string wrong = a->csrf;
  wrong.back() = wrong.back() == '0' ? '1' : '0';
  EXPECT_EQ(s.Check(a->id, wrong).status().code(), Code::kPermissionDenied);
  EXPECT_EQ(s.Check(a->csrf, a->csrf).status().code(), Code::kUnauthenticated);
  EXPECT_EQ(s.Check("", "").status().code(), Code::kUnauthenticated);
  auto b = s.Create("token");
  ASSERT_TRUE(b.ok());
  EXPECT_NE(a->id, b->id);
  EXPECT_EQ(s.Check(a->id, b->csrf).status().code(), Code::kPermissionDenied)
      << "another session's token";
}

TEST(WebSessions, ExpireWhenIdleAndAfterTheirLifetime) {
  FakeEnv env;
  WebSessionOptions o;
  o.ttl = minutes(30);
  o.max_lifetime = minutes(120);
  WebSessions s(&env, o);
  auto a = s.Create("token");
  ASSERT_TRUE(a.ok());
  env.Advance(minutes(29));
  EXPECT_TRUE(s.Find(a->id).has_value()) << "used: its idle time starts again";
  env.Advance(minutes(29));
  EXPECT_TRUE(s.Check(a->id, a->csrf).ok());
  env.Advance(minutes(30));
  EXPECT_FALSE(s.Find(a->id).has_value()) << "idle for the ttl";
  EXPECT_EQ(s.size(), 0u);

  auto b = s.Create("token");
  ASSERT_TRUE(b.ok());
  for (int i = 0; i < 5; ++i) {
    env.Advance(minutes(20));
    EXPECT_TRUE(s.Find(b->id).has_value()) << i;
  }
  env.Advance(minutes(20));
  EXPECT_FALSE(s.Find(b->id).has_value()) << "past its lifetime, however busy";
}

TEST(WebSessions, RemoveEndsASessionAndTheOldestGoesFirstWhenFull) {
  FakeEnv env;
  WebSessionOptions o;
  o.max_sessions = 2;
  WebSessions s(&env, o);
  auto a = s.Create("a"), b = s.Create("b");
  ASSERT_TRUE(a.ok() && b.ok());
  env.Advance(minutes(1));
  EXPECT_TRUE(s.Find(a->id).has_value());  // b is now the least recently used
  auto c = s.Create("c");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(s.size(), 2u);
  EXPECT_TRUE(s.Find(a->id).has_value());
  EXPECT_FALSE(s.Find(b->id).has_value());
  s.Remove(a->id);
  EXPECT_FALSE(s.Find(a->id).has_value());
  EXPECT_TRUE(s.Find(c->id).has_value());
}

TEST(WebSessions, WrongPasswordsAreThrottledPerUserForAWindow) {
  FakeEnv env;
  WebSessionOptions o;
  o.max_failures = 3;
  o.failure_window = minutes(1);
  WebSessions s(&env, o);
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(s.AdmitLogin("alice").ok()) << i;
    s.RecordFailure("alice");
  }
  EXPECT_EQ(s.AdmitLogin("alice").code(), Code::kResourceExhausted);
  EXPECT_TRUE(s.AdmitLogin("bob").ok()) << "another user is not held back";
  env.Advance(std::chrono::seconds(59));
  EXPECT_EQ(s.AdmitLogin("alice").code(), Code::kResourceExhausted);
  env.Advance(std::chrono::seconds(1));
  EXPECT_TRUE(s.AdmitLogin("alice").ok()) << "the window has passed";
  s.RecordFailure("alice");
  s.RecordSuccess("alice");
  s.RecordFailure("alice");
  s.RecordFailure("alice");
  EXPECT_TRUE(s.AdmitLogin("alice").ok()) << "a success resets the count";
}

TEST(WebSessions, CookieValueFindsTheNamedCookie) {
  EXPECT_EQ(CookieValue("a=1; brs_session=abc; b=2", "brs_session"), "abc");
  EXPECT_EQ(CookieValue("brs_session=x", "brs_session"), "x");
  EXPECT_EQ(CookieValue("xbrs_session=x; other=1", "brs_session"), "");
  EXPECT_EQ(CookieValue("", "brs_session"), "");
}

}  // namespace
}  // namespace brs::app
