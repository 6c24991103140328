// FileWatch on a real directory: the watched file's writes and renames over
// it reach the event loop; other files of the directory do not.
#include "app/file_watch.h"

#include <gtest/gtest.h>
#include <stdio.h>

#include <chrono>

#include "app/cli_test_util.h"

namespace {

using brs::app::FileWatch;
using brs::app::testing::Spit;
using brs::app::testing::TempDir;

// Runs `loop` until `calls` reaches `want` or 20 s passed.
bool RunUntil(asio::io_context& loop, const int& calls, int want) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (calls < want && std::chrono::steady_clock::now() < deadline) {
    loop.restart();
    loop.run_one_for(std::chrono::milliseconds(100));
  }
  return calls >= want;
}

TEST(FileWatch, CallsOnceForEachSavedVersionOfTheFileOnly) {
  TempDir dir;
  asio::io_context loop;
  int calls = 0;
  auto watch = FileWatch::Start(loop, dir.path(), "config.json", [&] { ++calls; });
  ASSERT_TRUE(watch.ok()) << watch.status().ToString();

  // Another file first, then the watched one: the events arrive in order, so
  // once the watched file's call came, a call for the other would have too.
  Spit(dir.File("config.json.tmp"), "{}");
  Spit(dir.File("config.json.lock"), "");
  Spit(dir.File("config.json"), "{\"modno\":1}");
  ASSERT_TRUE(RunUntil(loop, calls, 1));
  EXPECT_EQ(calls, 1);

  // Saved by renaming a temporary file over it (ConfigStore, editors).
  Spit(dir.File("config.json.tmp"), "{\"modno\":2}");
  ASSERT_EQ(::rename(dir.File("config.json.tmp").c_str(), dir.File("config.json").c_str()), 0);
  ASSERT_TRUE(RunUntil(loop, calls, 2));

  // After Close nothing more (its descriptor is gone), checked once a second
  // watch saw the next write.
  (*watch)->Close();
  int second = 0;
  auto other = FileWatch::Start(loop, dir.path(), "config.json", [&] { ++second; });
  ASSERT_TRUE(other.ok());
  Spit(dir.File("config.json"), "{\"modno\":3}");
  ASSERT_TRUE(RunUntil(loop, second, 1));
  EXPECT_EQ(calls, 2);
}

TEST(FileWatch, AMissingDirectoryIsAnError) {
  TempDir dir;
  asio::io_context loop;
  auto watch = FileWatch::Start(loop, dir.File("nope"), "config.json", [] {});
  ASSERT_FALSE(watch.ok());
  EXPECT_NE(watch.status().message().find("nope"), std::string::npos) << watch.status().message();
}

}  // namespace
