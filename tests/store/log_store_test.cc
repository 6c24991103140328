#include "store/log_store.h"

#include <gtest/gtest.h>

#include "base/fake_env.h"
#include "store/store_test_util.h"

namespace brs::store {
namespace {

using testing::TempDir;

std::unique_ptr<LogStore> OpenLogs(const std::string& path, const Env* env,
                                   int64_t max_bytes = 64LL << 20) {
  LogStore::Options o;
  o.path = path;
  o.env = env;
  o.max_log_bytes = max_bytes;
  auto s = LogStore::Open(o);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return std::move(s).value();
}

std::string Pattern(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + (i * 7 + i / 13) % 26);
  return s;
}

TEST(LogStoreTest, WritesAndReadsInChunksOfAtMost64KiB) {
  TempDir dir;
  FakeEnv clock;
  auto logs = OpenLogs(dir.File("logs.db"), &clock);
  const std::string data = Pattern(200000);
  {
    auto w = logs->Create("op-1-backup.log", 1, 0);
    ASSERT_TRUE(w.ok());
    for (size_t off = 0; off < data.size(); off += 999) {
      ASSERT_TRUE((*w)->Append(std::string_view(data).substr(off, 999)).ok());
    }
    // Readers see flushed chunks while the log is being written.
    auto partial = logs->GetMetadata("op-1-backup.log");
    ASSERT_TRUE(partial.ok());
    EXPECT_FALSE(partial->finished);
    EXPECT_EQ(partial->size, 3 * 65536);
    ASSERT_TRUE((*w)->Close().ok());
    EXPECT_EQ((*w)->Append("x").code(), Code::kFailedPrecondition);
  }
  auto meta = logs->GetMetadata("op-1-backup.log");
  ASSERT_TRUE(meta.ok());
  EXPECT_TRUE(meta->finished);
  EXPECT_EQ(meta->size, 200000);
  EXPECT_EQ(meta->owner_opid, 1);

  std::vector<size_t> sizes;
  std::string back;
  ASSERT_TRUE(logs->ReadChunks("op-1-backup.log", 0, kLogChunkBytes,
                               [&](std::string_view c) {
                                 sizes.push_back(c.size());
                                 back.append(c);
                                 return true;
                               })
                  .ok());
  EXPECT_EQ(back, data);
  for (size_t n : sizes) EXPECT_LE(n, kLogChunkBytes);
  EXPECT_EQ(sizes.size(), 4u);

  // From an offset, in small chunks, stopping early.
  std::string tail;
  int n = 0;
  ASSERT_TRUE(logs->ReadChunks("op-1-backup.log", 70000, 1000,
                               [&](std::string_view c) {
                                 EXPECT_LE(c.size(), 1000u);
                                 tail.append(c);
                                 return ++n < 5;
                               })
                  .ok());
  EXPECT_EQ(tail, data.substr(70000, 5000));
  EXPECT_EQ(logs->ReadChunks("missing", 0, 10, [](std::string_view) { return true; }).code(),
            Code::kNotFound);
}

TEST(LogStoreTest, ExpiredLogsAreDeleted) {
  TempDir dir;
  FakeEnv clock;
  auto logs = OpenLogs(dir.File("logs.db"), &clock);
  const int64_t now = UnixSeconds(clock.NowWall());
  ASSERT_TRUE((*logs->Create("short", 1, now + 60))->Close().ok());
  ASSERT_TRUE((*logs->Create("long", 2, now + 3600))->Close().ok());
  ASSERT_TRUE((*logs->Create("forever", 3, 0))->Close().ok());
  EXPECT_EQ(*logs->DeleteExpired(), 0);
  clock.Advance(Millis(120 * 1000));
  EXPECT_EQ(*logs->DeleteExpired(), 1);
  EXPECT_EQ(logs->GetMetadata("short").status().code(), Code::kNotFound);
  clock.Advance(Millis(7200 * 1000));
  // Creating a log prunes expired ones too.
  ASSERT_TRUE((*logs->Create("next", 4, 0))->Close().ok());
  EXPECT_EQ(*logs->List(), (std::vector<std::string>{"forever", "next"}));
  EXPECT_EQ(*logs->DeleteByOwner(3), 1);
  EXPECT_EQ(*logs->List(), (std::vector<std::string>{"next"}));
}

TEST(LogStoreTest, NamesAreValidated) {
  TempDir dir;
  auto logs = OpenLogs(dir.File("logs.db"), &Env::Default());
  const std::vector<std::string> bad_names = {"",
                                              "../etc/passwd",
                                              "a/b",
                                              "..",
                                              ".hidden",
                                              "a\\b",
                                              "x..y",
                                              std::string("nul\0x", 5),
                                              std::string(201, 'a'),
                                              "sp ace"};
  for (const std::string& bad : bad_names) {
    EXPECT_EQ(logs->Create(bad, 1, 0).status().code(), Code::kInvalidArgument) << bad;
  }
  EXPECT_TRUE(logs->Create("op-12_flow:3+x.log", 1, 0).ok());
  EXPECT_EQ(logs->Create("op-12_flow:3+x.log", 1, 0).status().code(), Code::kAlreadyExists);
}

TEST(LogStoreTest, SizeIsBounded) {
  TempDir dir;
  auto logs = OpenLogs(dir.File("logs.db"), &Env::Default(), 100000);
  auto w = std::move(logs->Create("big", 1, 0)).value();
  ASSERT_TRUE(w->Append(Pattern(90000)).ok());
  EXPECT_EQ(w->Append(Pattern(20000)).code(), Code::kResourceExhausted);
  ASSERT_TRUE(w->Append(Pattern(10000)).ok());
  ASSERT_TRUE(w->Close().ok());
  EXPECT_EQ(logs->GetMetadata("big")->size, 100000);
  EXPECT_EQ(logs->ReadAll("big")->size(), 100000u);
}

TEST(LogStoreTest, DeletedWhileWritingIsReported) {
  TempDir dir;
  auto logs = OpenLogs(dir.File("logs.db"), &Env::Default());
  auto w = std::move(logs->Create("victim", 1, 0)).value();
  ASSERT_TRUE(logs->Delete("victim").ok());
  ASSERT_TRUE(w->Append("hello").ok());  // buffered
  EXPECT_FALSE(w->Close().ok());
  EXPECT_EQ(logs->GetMetadata("victim").status().code(), Code::kNotFound);
}

}  // namespace
}  // namespace brs::store
