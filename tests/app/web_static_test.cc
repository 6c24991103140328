#include "app/web_static.h"

#include <gtest/gtest.h>

#include <string>

#include "rpc/gzip.h"

namespace brs::app {
namespace {

const std::string kHtml = "<!doctype html><p>" + std::string(2000, 'x') + "</p>";
const WebAsset kAssets[] = {{"/index.html", kHtml}, {"/app.js", "export {};"}, {"/a.css", "p{}"}};

const std::string* Header(const rpc::HttpResponse& r, const std::string& name) {
  return rpc::FindHeader(r.headers, name);
}

// Issue #12 §4: a first visit downloads at most 200 KB (the built-in
// files, gzipped as served).
TEST(WebStatic, TheDashboardsFilesWeighAtMost200KBGzipped) {
  const WebStatic files(kWebAssets, kWebAssetCount);
  EXPECT_GE(files.paths().size(), 5u);
  EXPECT_GT(files.gzipped_bytes(), 0u);
  EXPECT_LE(files.gzipped_bytes(), 200u * 1000u);
}

TEST(WebStatic, ContentTypesFollowTheExtension) {
  EXPECT_EQ(WebContentType("/index.html"), "text/html; charset=utf-8");
  EXPECT_EQ(WebContentType("/app.js"), "text/javascript; charset=utf-8");
  EXPECT_EQ(WebContentType("/style.css"), "text/css; charset=utf-8");
  EXPECT_EQ(WebContentType("/logo.svg"), "image/svg+xml");
  EXPECT_EQ(WebContentType("/data.bin"), "application/octet-stream");
}

TEST(WebStatic, ServesIndexAtRootWithSecurityHeaders) {
  WebStatic s(kAssets, 3);
  auto paths = s.paths();
  EXPECT_EQ(paths.size(), 4u);
  auto r = s.Serve("/", {});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, kHtml);
  EXPECT_EQ(r.content_type, "text/html; charset=utf-8");
  ASSERT_NE(Header(r, "content-security-policy"), nullptr);
  EXPECT_NE(Header(r, "content-security-policy")->find("script-src 'self'"), std::string::npos);
  EXPECT_NE(Header(r, "content-security-policy")->find("frame-ancestors 'none'"),
            std::string::npos);
  EXPECT_EQ(*Header(r, "x-content-type-options"), "nosniff");
  EXPECT_EQ(*Header(r, "cache-control"), "no-cache");
  EXPECT_EQ(Header(r, "content-encoding"), nullptr) << "not asked for gzip";
  EXPECT_EQ(s.Serve("/nope.js", {}).status, 404);
  EXPECT_EQ(s.Serve("/app.js", {}).content_type, "text/javascript; charset=utf-8");
}

TEST(WebStatic, GzipWhenAcceptedAndSmaller) {
  WebStatic s(kAssets, 3);
  auto r = s.Serve("/index.html", {{"accept-encoding", "deflate, gzip;q=0.8"}});
  ASSERT_NE(Header(r, "content-encoding"), nullptr);
  EXPECT_EQ(*Header(r, "content-encoding"), "gzip");
  EXPECT_LT(r.body.size(), kHtml.size());
  auto plain = rpc::GzipDecompress(r.body, 1 << 20);
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(*plain, kHtml);
  EXPECT_EQ(Header(s.Serve("/index.html", {{"accept-encoding", "gzip;q=0"}}), "content-encoding"),
            nullptr);
  // Too small to gain from gzip: sent plain.
  EXPECT_EQ(Header(s.Serve("/a.css", {{"accept-encoding", "gzip"}}), "content-encoding"), nullptr);
  EXPECT_TRUE(AcceptsGzip("GZIP"));
  EXPECT_TRUE(AcceptsGzip("br, *"));
  EXPECT_FALSE(AcceptsGzip("br, deflate"));
  EXPECT_FALSE(AcceptsGzip("gzip; q=0.000"));
  EXPECT_TRUE(AcceptsGzip("gzip; q=0.1"));
  EXPECT_LT(s.gzipped_bytes(), kHtml.size());
}

TEST(WebStatic, EtagRevalidationAnswers304) {
  WebStatic s(kAssets, 3);
  auto first = s.Serve("/app.js", {});
  ASSERT_NE(Header(first, "etag"), nullptr);
  const std::string etag = *Header(first, "etag");
  EXPECT_EQ(etag.front(), '"');
  auto again = s.Serve("/app.js", {{"if-none-match", "\"other\", " + etag}});
  EXPECT_EQ(again.status, 304);
  EXPECT_TRUE(again.body.empty());
  EXPECT_EQ(s.Serve("/app.js", {{"if-none-match", "\"other\""}}).status, 200);
  EXPECT_NE(*Header(s.Serve("/a.css", {}), "etag"), etag) << "another file, another ETag";
}

}  // namespace
}  // namespace brs::app
