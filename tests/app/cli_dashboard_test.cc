// The dashboard served by a real daemon, checked with curl over HTTP/1.1,
// h2c and TLS: its files (types, ETag, gzip, CSP) and its login (cookie
// flags, CSRF, logout, wrong passwords refused and logged without the
// password) and its live Events stream. The pages themselves are tested in Chromium
// (tests/interop/dashboard).
#include <gtest/gtest.h>

#include "app/cli_test_util.h"

namespace brs::app::testing {
namespace {

std::string Url(const std::string& address, bool tls = false) {
  std::string a = address;
  if (a.rfind("0.0.0.0:", 0) == 0) a = "127.0.0.1:" + a.substr(8);
  return (tls ? "https://" : "http://") + a;
}

// A Connect JSON call with curl: the response's head and body.
Result Call(const TempDir& dir, const std::string& base, const std::string& method,
            const std::string& body, const std::string& extra = "") {
  return Sh(dir, "curl -sS -k -D - " + extra + " -H 'content-type: application/json' --data '" +
                     body + "' " + base + method);
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

class CliDashboard : public ::testing::Test {
 protected:
  void SetUp() override {
    if (Sh(dir, "command -v curl").code != 0) GTEST_SKIP() << "curl not installed";
    ASSERT_EQ(Sh(dir, "$B init --data d --instance hub").code, 0);
    ASSERT_EQ(Sh(dir, "printf 'pw-right\\n' | $B user add alice --data d").code, 0);
  }
  TempDir dir;
};

TEST_F(CliDashboard, ServesItsFilesOverHttp1H2cAndTls) {
  Serve s(dir, "d");
  const std::string base = Url(s.address());
  for (const char* version : {"--http1.1", "--http2-prior-knowledge"}) {
    SCOPED_TRACE(version);
    auto r = Sh(dir, std::string("curl -sS -D - ") + version + " " + base + "/");
    ASSERT_EQ(r.code, 0) << r.err;
    const std::string head = Lower(r.out.substr(0, r.out.find("\r\n\r\n")));
    EXPECT_TRUE(Contains(head, " 200")) << head;
    EXPECT_TRUE(Contains(head, "content-type: text/html; charset=utf-8")) << head;
    EXPECT_TRUE(Contains(head, "content-security-policy: default-src 'none'; script-src 'self'"))
        << head;
    EXPECT_TRUE(Contains(head, "etag: \"")) << head;
    EXPECT_TRUE(Contains(r.out, "<script type=\"module\" src=\"/app.js\">"));
    auto js = Sh(dir, std::string("curl -sS -D - -H 'accept-encoding: gzip' ") + version + " " +
                          base + "/app.js");
    EXPECT_TRUE(Contains(Lower(js.out), "content-encoding: gzip")) << js.out.substr(0, 400);
    EXPECT_TRUE(Contains(Lower(js.out), "content-type: text/javascript")) << js.out.substr(0, 400);
    // Revalidation with the ETag: 304, no body.
    const std::string etag = head.substr(head.find("etag: ") + 6, 34);
    auto revalidated = Sh(dir, std::string("curl -sS -o /dev/null -w '%{http_code}' ") + version +
                                   " -H 'if-none-match: " + etag + "' " + base + "/");
    EXPECT_EQ(revalidated.out, "304") << etag;
  }
  s.Stop();

  ASSERT_EQ(Sh(dir,
               "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 "
               "-subj /CN=hub.example -keyout key.pem -out cert.pem")
                .code,
            0);
  Serve tls(dir, "d", "--tls-cert cert.pem --tls-key key.pem");
  const std::string tbase = Url(tls.address(), true);
  auto page = Sh(dir, "curl -sS -k -D - " + tbase + "/");
  EXPECT_TRUE(Contains(page.out, "<script type=\"module\"")) << page.err;
  auto login = Call(dir, tbase, "/brs.web.v1.Web/Login",
                    "{\"username\":\"alice\",\"password\":\"pw-right\"}");
  EXPECT_TRUE(Contains(Lower(login.out), "samesite=strict; max-age=43200; secure"))
      << "over TLS the cookie is Secure: " << login.out;
}

TEST_F(CliDashboard, LoginGivesACookieAndCsrfTokenTheAdminApiTakes) {
  Serve s(dir, "d");
  const std::string base = Url(s.address());
  // Nothing without credentials.
  auto anon = Call(dir, base, "/brs.admin.v1.Admin/Health", "{}");
  EXPECT_TRUE(Contains(anon.out, " 401")) << anon.out;

  auto wrong = Call(dir, base, "/brs.web.v1.Web/Login",
                    "{\"username\":\"alice\",\"password\":\"pw-wrong-secret\"}");
  EXPECT_TRUE(Contains(wrong.out, " 401")) << wrong.out;
  EXPECT_FALSE(Contains(Lower(wrong.out), "set-cookie"));

  auto login = Call(dir, base, "/brs.web.v1.Web/Login",
                    "{\"username\":\"alice\",\"password\":\"pw-right\"}", "-c jar");
  ASSERT_TRUE(Contains(login.out, " 200")) << login.out;
  const std::string lower = Lower(login.out);
  EXPECT_TRUE(Contains(lower, "set-cookie: brs_session=")) << login.out;
  EXPECT_TRUE(Contains(lower, "; path=/; httponly; samesite=strict; max-age=43200\r\n"))
      << "not Secure without TLS: " << login.out;
  const std::string csrf = JsonField(login.out.substr(login.out.find("\r\n\r\n")), "csrfToken");
  ASSERT_EQ(csrf.size(), 64u) << login.out;
  EXPECT_TRUE(Contains(login.out, "\"principal\":\"user:alice\"")) << login.out;

  auto health =
      Call(dir, base, "/brs.admin.v1.Admin/Health", "{}", "-b jar -H 'x-csrf-token: " + csrf + "'");
  EXPECT_TRUE(Contains(health.out, " 200")) << health.out;
  EXPECT_TRUE(Contains(health.out, "{\"nowMs\":\"")) << health.out;
  // The cookie alone (another site's form or fetch) is refused.
  auto no_csrf = Call(dir, base, "/brs.admin.v1.Admin/Health", "{}", "-b jar");
  EXPECT_TRUE(Contains(no_csrf.out, " 403")) << no_csrf.out;
  auto bad_csrf = Call(dir, base, "/brs.admin.v1.Admin/Health", "{}",
                       "-b jar -H 'x-csrf-token: " + std::string(64, 'a') + "'");
  EXPECT_TRUE(Contains(bad_csrf.out, " 403")) << bad_csrf.out;
  // A reload asks for the token again with the cookie.
  auto session = Call(dir, base, "/brs.web.v1.Web/Session", "{}", "-b jar");
  EXPECT_EQ(JsonField(session.out.substr(session.out.find("\r\n\r\n")), "csrfToken"), csrf);

  // The admin token is a login too.
  std::string token = Slurp(dir.File("d/admin.token"));
  token.resize(token.find('\n'));
  auto by_token = Call(dir, base, "/brs.web.v1.Web/Login",
                       "{\"username\":\"\",\"password\":\"" + token + "\"}");
  EXPECT_TRUE(Contains(by_token.out, "\"principal\":\"token\"")) << by_token.out;

  auto logout =
      Call(dir, base, "/brs.web.v1.Web/Logout", "{}", "-b jar -H 'x-csrf-token: " + csrf + "'");
  EXPECT_TRUE(Contains(Lower(logout.out), "set-cookie: brs_session=; path=/; httponly"))
      << logout.out;
  auto after =
      Call(dir, base, "/brs.admin.v1.Admin/Health", "{}", "-b jar -H 'x-csrf-token: " + csrf + "'");
  EXPECT_TRUE(Contains(after.out, " 401")) << "the session ended at the server: " << after.out;

  const std::string log = s.log();
  EXPECT_TRUE(Contains(log, "dashboard login for alice")) << log;
  EXPECT_FALSE(Contains(log, "pw-wrong-secret")) << "a password was logged";
  EXPECT_FALSE(Contains(log, token)) << "the token was logged";
}

TEST_F(CliDashboard, RepeatedWrongPasswordsAreThrottled) {
  Serve s(dir, "d");
  const std::string base = Url(s.address());
  for (int i = 0; i < 5; ++i) {
    auto r = Call(dir, base, "/brs.web.v1.Web/Login",
                  "{\"username\":\"alice\",\"password\":\"nope-secret\"}");
    EXPECT_TRUE(Contains(r.out, "\"code\":\"unauthenticated\"")) << i << r.out;
  }
  auto held = Call(dir, base, "/brs.web.v1.Web/Login",
                   "{\"username\":\"alice\",\"password\":\"pw-right\"}");
  EXPECT_TRUE(Contains(held.out, "\"code\":\"resource_exhausted\"")) << held.out;
  EXPECT_TRUE(Contains(s.log(), "dashboard login refused")) << s.log();
}

// The live stream the pages redraw from (JSON over HTTP/1.1, as fetch()
// reads it): "hello", then an "ops" message for an op added; the daemon's
// stop ends it with the end-of-stream message, not a cut connection.
TEST_F(CliDashboard, EventsStreamSendsEachChangeAndEndsWithTheDaemon) {
  Serve s(dir, "d");
  const std::string base = Url(s.address());
  auto login = Call(dir, base, "/brs.web.v1.Web/Login",
                    "{\"username\":\"alice\",\"password\":\"pw-right\"}", "-c jar");
  const std::string csrf = JsonField(login.out.substr(login.out.find("\r\n\r\n")), "csrfToken");
  ASSERT_EQ(csrf.size(), 64u) << login.out;
  // Without the CSRF header: refused.
  auto refused = Sh(dir,
                    "printf '\\0\\0\\0\\0\\2{}' > ev.bin && curl -sS --http1.1 -b jar -H "
                    "'content-type: application/connect+json' --data-binary @ev.bin " +
                        base + "/brs.web.v1.Web/Events");
  EXPECT_TRUE(Contains(refused.out, "permission_denied")) << refused.out;

  auto started =
      Sh(dir, "(curl -sSN --http1.1 -b jar -H 'x-csrf-token: " + csrf +
                  "' -H 'content-type: application/connect+json' --data-binary @ev.bin " + base +
                  "/brs.web.v1.Web/Events > events.out 2>&1; echo $? > curl.rc) "
                  ">/dev/null 2>&1 &");
  ASSERT_EQ(started.code, 0) << started.err;
  ASSERT_TRUE(WaitFor([&] {
    return Contains(Slurp(dir.File("events.out")), "\"kind\":\"hello\"");
  })) << Slurp(dir.File("events.out"));
  auto add =
      Sh(dir,
         "echo '{\"repoId\":\"repo1\",\"repoGuid\":\"g1\",\"planId\":\"daily\","
         "\"status\":\"STATUS_SUCCESS\",\"unixTimeStartMs\":\"1\"}' | $B ops add --data d -");
  ASSERT_EQ(add.code, 0) << add.err;
  ASSERT_TRUE(WaitFor([&] {
    return Contains(Slurp(dir.File("events.out")), "\"kind\":\"ops\",\"opCount\":\"1\"");
  })) << Slurp(dir.File("events.out"));

  EXPECT_EQ(s.Stop(), 0);
  ASSERT_TRUE(WaitFor([&] { return !Slurp(dir.File("curl.rc")).empty(); })) << "curl still runs";
  EXPECT_EQ(Slurp(dir.File("curl.rc")), "0\n");
  const std::string out = Slurp(dir.File("events.out"));
  const std::string end("\x02\0\0\0\x02{}", 7);
  ASSERT_GE(out.size(), end.size());
  EXPECT_EQ(out.substr(out.size() - end.size()), end) << "no end-of-stream message: " << out;
}

}  // namespace
}  // namespace brs::app::testing
