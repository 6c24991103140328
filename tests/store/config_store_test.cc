#include "store/config_store.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "store/store_test_util.h"

namespace brs::store {
namespace {

using testing::TempDir;

std::string ReadText(const std::string& path) {
  auto r = PosixFileSystem::Instance().ReadFile(path);
  return r.ok() ? *r : std::string();
}

void WriteText(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << text;
}

std::string TestData(const std::string& name) {
  const char* dir = std::getenv("BRS_TEST_DATA");
  return std::string(dir ? dir : "tests/data") + "/store/" + name;
}

// Fails chosen steps of the atomic write.
class FaultyFileSystem : public PosixFileSystem {
 public:
  bool fail_write = false;
  bool fail_rename = false;
  bool fail_sync_dir = false;
  Status WriteFileSynced(const std::string& path, const std::string& data, unsigned mode) override {
    if (fail_write) {
      // Leave a torn temp file behind, as a failed fsync after a partial
      // write would.
      (void)PosixFileSystem::WriteFileSynced(path, data.substr(0, data.size() / 2), mode);
      return Internal("injected: fsync failed");
    }
    return PosixFileSystem::WriteFileSynced(path, data, mode);
  }
  Status Rename(const std::string& from, const std::string& to) override {
    if (fail_rename) return Internal("injected: rename failed");
    return PosixFileSystem::Rename(from, to);
  }
  Status SyncDir(const std::string& dir) override {
    if (fail_sync_dir) return Internal("injected: directory fsync failed");
    return PosixFileSystem::SyncDir(dir);
  }
};

std::unique_ptr<ConfigStore> OpenConfig(const std::string& path, bool create = false,
                                        FileSystem* fs = nullptr) {
  ConfigStore::Options o;
  o.path = path;
  o.create_if_missing = create;
  if (fs) o.fs = fs;
  auto s = ConfigStore::Open(o);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? std::move(s).value() : nullptr;
}

Status AddRepo(v1::Config& c, const std::string& id) {
  auto* r = c.add_repos();
  r->set_id(id);
  r->set_uri("/tmp/" + id);
  r->set_guid("guid-" + id);
  return Status::Ok();
}

TEST(ConfigStoreTest, LoadsBackrestConfigWithSyncSection) {
  TempDir dir;
  const std::string path = dir.File("config.json");
  std::filesystem::copy_file(TestData("backrest_config.json"), path);
  auto store = OpenConfig(path);
  ASSERT_NE(store, nullptr);
  auto c = store->Get();
  EXPECT_EQ(c->modno(), 12);
  EXPECT_EQ(c->version(), 6);
  EXPECT_EQ(c->instance(), "hub-instance");
  ASSERT_EQ(c->repos_size(), 1);
  EXPECT_TRUE(c->repos(0).shared());
  EXPECT_EQ(c->plans(0).retention().policy_time_bucketed().daily(), 7);
  const auto& mh = c->multihost();
  EXPECT_EQ(mh.identity().keyid(), "ed25519.Y2xpZW50a2V5aWRmb3J0ZXN0aW5nb25seTAxMjM0NTY3OA");
  ASSERT_EQ(mh.known_hosts_size(), 1);
  EXPECT_EQ(mh.known_hosts(0).instance_url(), "https://hub.example.com:9898");
  EXPECT_EQ(mh.known_hosts(0).permissions(0).type(),
            v1::Multihost::Permission::PERMISSION_READ_OPERATIONS);
  EXPECT_EQ(mh.known_hosts(0).initial_pairing_secret().size(), 64u);
  ASSERT_EQ(mh.authorized_clients_size(), 1);
  EXPECT_EQ(mh.authorized_clients(0).permissions(0).scopes(1), "!plan:secret");
  ASSERT_EQ(mh.pairing_tokens_size(), 1);
  EXPECT_EQ(mh.pairing_tokens(0).expires_at_unix(), 1767225600);
  EXPECT_EQ(mh.pairing_tokens(0).max_uses(), 1);
}

// Written by Backrest's own code (tools/backrest_config_gen).
TEST(ConfigStoreTest, LoadsConfigWrittenByBackrestItself) {
  TempDir dir;
  const std::string path = dir.File("config.json");
  std::filesystem::copy_file(TestData("backrest_generated_config.json"), path);
  auto store = OpenConfig(path);
  ASSERT_NE(store, nullptr);
  auto c = store->Get();
  EXPECT_EQ(c->modno(), 42);
  EXPECT_EQ(c->repos(0).prune_policy().schedule().clock(), v1::Schedule::CLOCK_LAST_RUN_TIME);
  EXPECT_DOUBLE_EQ(c->repos(0).check_policy().read_data_subset_percent(), 5);
  EXPECT_EQ(c->plans(0).retention().policy_keep_last_n(), 30);
  EXPECT_EQ(c->plans(0).backup_flags(0), "--exclude-caches");
  EXPECT_EQ(c->auth().users(0).password_bcrypt(), "JDJhJDEwJGFiYw==");
  const auto& mh = c->multihost();
  EXPECT_EQ(mh.identity().ed25519pub(), "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8");
  EXPECT_EQ(mh.known_hosts(0).instance_url(), "https://upstream:9898");
  EXPECT_EQ(mh.authorized_clients(0).permissions(1).type(),
            v1::Multihost::Permission::PERMISSION_RECEIVE_SHARED_REPOS);
  EXPECT_EQ(mh.pairing_tokens(0).created_at_unix(), 1760000000);
  EXPECT_EQ(mh.pairing_tokens(0).uses(), 1);
  // What we write reads back as the same config.
  auto ours = SerializeConfigJson(*c);
  ASSERT_TRUE(ours.ok());
  auto again = ParseConfigJson(*ours, "ours");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->SerializeAsString(), c->SerializeAsString());
}

// The other direction: Backrest's own loader (Go) reads what we write.
// Needs Go >= 1.26 and the Backrest checkout named in
// tools/backrest_config_gen/go.mod; skipped otherwise.
TEST(ConfigStoreTest, BackrestLoadsWhatWeWrite) {
  // tests/data -> the source tree (BRS_SOURCE_DIR does not reach the tests:
  // CTest's ENVIRONMENT list is cut at its first ';').
  const std::string tool =
      (std::filesystem::path(TestData("")).parent_path() / "../../../tools/backrest_config_gen")
          .lexically_normal()
          .string();
  if (!std::filesystem::exists(tool + "/go.mod")) GTEST_SKIP() << "no " << tool;
  std::string go = "/usr/local/go/bin/go";
  if (!std::filesystem::exists(go)) GTEST_SKIP() << "Go >= 1.26 not installed at " << go;
  if (!std::filesystem::exists("/work/ref/backrest/go.mod")) {
    GTEST_SKIP() << "no Backrest checkout for tools/backrest_config_gen";
  }
  TempDir dir;
  const std::string path = dir.File("config.json");
  std::filesystem::copy_file(TestData("backrest_config.json"), path);
  auto store = OpenConfig(path);
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->Update([](v1::Config& c) { return AddRepo(c, "added-by-us"); }).ok());
  const std::string out = dir.File("go_out.json");
  const std::string cmd = "cd '" + tool + "' && GOFLAGS=-mod=mod " + go + " run . -check '" + path +
                          "' > '" + out + "' 2>&1";
  int rc = std::system(cmd.c_str());
  ASSERT_EQ(rc, 0) << ReadText(out);
  // Backrest's re-serialization parses to the same config as ours.
  auto backrest_view = ParseConfigJson(ReadText(out), out);
  ASSERT_TRUE(backrest_view.ok()) << backrest_view.status().ToString();
  EXPECT_EQ(backrest_view->SerializeAsString(), store->Get()->SerializeAsString());
  EXPECT_EQ(backrest_view->multihost().authorized_clients(0).keyid(),
            "ed25519.bGFwdG9wbGFwdG9wbGFwdG9wbGFwdG9wbGFwdG9wbGE");
}

TEST(ConfigStoreTest, WritesJsonNamesThatReloadIdentically) {
  TempDir dir;
  const std::string path = dir.File("config.json");
  std::filesystem::copy_file(TestData("backrest_config.json"), path);
  auto store = OpenConfig(path);
  auto updated = store->Update([](v1::Config& c) {
    c.set_instance("renamed");
    return Status::Ok();
  });
  ASSERT_TRUE(updated.ok()) << updated.status().ToString();
  std::string text = ReadText(path);
  EXPECT_NE(text.find("\"sync\""), std::string::npos);
  EXPECT_NE(text.find("\"knownHosts\""), std::string::npos);
  EXPECT_NE(text.find("\"keyId\""), std::string::npos);
  EXPECT_EQ(text.find("multihost"), std::string::npos);
  auto reparsed = ParseConfigJson(text, path);
  ASSERT_TRUE(reparsed.ok());
  EXPECT_EQ(reparsed->SerializeAsString(), (*updated)->SerializeAsString());
}

// Fuzz finding (config_json, tests/fuzz/corpus/config_json/regress-*): an
// empty key with an object value left an unknown field in the parsed
// config, which JSON cannot write back (and peers would have been sent).
TEST(ConfigStoreTest, ParsedConfigKeepsNoUnknownFields) {
  auto c = ParseConfigJson(
      R"({"sync": {"authorizedClients": [{"instanceId": "inst-a", "Uses": 0, "": {}}]}})",
      "config.json");
  ASSERT_TRUE(c.ok()) << c.status().message();
  ASSERT_EQ(c->multihost().authorized_clients_size(), 1);
  EXPECT_EQ(c->multihost().authorized_clients(0).instance_id(), "inst-a");
  EXPECT_EQ(c->multihost()
                .authorized_clients(0)
                .GetReflection()
                ->GetUnknownFields(c->multihost().authorized_clients(0))
                .field_count(),
            0);
  auto json = SerializeConfigJson(*c);
  ASSERT_TRUE(json.ok());
  auto again = ParseConfigJson(*json, "again.json");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->SerializeAsString(), c->SerializeAsString());
}

TEST(ConfigStoreTest, CorruptJsonNamesFileAndPositionAndIsNeverOverwritten) {
  TempDir dir;
  const std::string path = dir.File("config.json");
  const std::string corrupt = "{\n  \"modno\": 3,\n  \"instance\": \"x\",,\n}\n";
  WriteText(path, corrupt);
  ConfigStore::Options o;
  o.path = path;
  o.create_if_missing = true;  // even then: a bad file is not replaced
  auto s = ConfigStore::Open(o);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), Code::kInvalidArgument);
  EXPECT_NE(s.status().message().find(path + ":3:19: invalid JSON: expected a string key"),
            std::string::npos)
      << s.status().message();
  EXPECT_EQ(ReadText(path), corrupt);
}

TEST(ConfigStoreTest, WrongTypeIsAnErrorNamingTheFile) {
  auto r = ParseConfigJson("{\"modno\": \"many\"}", "/etc/x/config.json");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("/etc/x/config.json"), std::string::npos);
}

TEST(ConfigStoreTest, ExternalCorruptionBlocksUpdateAndKeepsCurrent) {
  TempDir dir;
  const std::string path = dir.File("config.json");
  auto store = OpenConfig(path, /*create=*/true);
  ASSERT_TRUE(store->Update([](v1::Config& c) { return AddRepo(c, "r1"); }).ok());
  const std::string corrupt = "{\"modno\": 1, \"repos\": [";
  WriteText(path, corrupt);
  EXPECT_FALSE(store->Update([](v1::Config& c) { return AddRepo(c, "r2"); }).ok());
  EXPECT_EQ(ReadText(path), corrupt);
  auto reload = store->Reload();
  EXPECT_FALSE(reload.ok());
  EXPECT_EQ(store->Get()->repos_size(), 1);
}

TEST(ConfigStoreTest, MissingFileIsNotFoundUnlessAskedToCreate) {
  TempDir dir;
  ConfigStore::Options o;
  o.path = dir.File("sub/config.json");
  EXPECT_EQ(ConfigStore::Open(o).status().code(), Code::kNotFound);
  EXPECT_FALSE(std::filesystem::exists(o.path));
  o.create_if_missing = true;
  auto store = ConfigStore::Open(o);
  ASSERT_TRUE(store.ok());
  EXPECT_EQ((*store)->Get()->version(), kBackrestConfigVersion);
  EXPECT_TRUE((*store)->Get()->has_auth());
  EXPECT_FALSE((*store)->Get()->auth().disabled()) << "a new config must require authentication";
  EXPECT_TRUE(std::filesystem::exists(o.path));
  struct stat st {};
  ASSERT_EQ(::stat(o.path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST(ConfigStoreTest, UpdateBumpsModnoWrites0600AndNotifiesAfterWrite) {
  TempDir dir;
  const std::string path = dir.File("config.json");
  auto store = OpenConfig(path, true);
  ::chmod(path.c_str(), 0644);
  int calls = 0;
  store->Subscribe([&](const ConfigStore::ConfigPtr& c) {
    ++calls;
    // The file already holds what we are told about.
    auto on_disk = ParseConfigJson(ReadText(path), path);
    ASSERT_TRUE(on_disk.ok());
    EXPECT_EQ(on_disk->modno(), c->modno());
  });
  int32_t before = store->Get()->modno();
  auto r = store->Update([](v1::Config& c) { return AddRepo(c, "r1"); });
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)->modno(), before + 1);
  EXPECT_EQ(calls, 1);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  // No change -> no write, no bump, no notification.
  auto same = store->Update([](v1::Config&) { return Status::Ok(); });
  ASSERT_TRUE(same.ok());
  EXPECT_EQ((*same)->modno(), before + 1);
  EXPECT_EQ(calls, 1);
  // fn's error aborts.
  auto err = store->Update([](v1::Config& c) {
    AddRepo(c, "nope").ok();
    return PermissionDenied("refused");
  });
  EXPECT_EQ(err.status().code(), Code::kPermissionDenied);
  EXPECT_EQ(store->Get()->repos_size(), 1);
  EXPECT_EQ(calls, 1);
}

TEST(ConfigStoreTest, FailedFsyncOrRenameLeavesOldFileIntact) {
  TempDir dir;
  const std::string path = dir.File("config.json");
  FaultyFileSystem fs;
  auto store = OpenConfig(path, true, &fs);
  ASSERT_TRUE(store->Update([](v1::Config& c) { return AddRepo(c, "r1"); }).ok());
  const std::string good = ReadText(path);
  int calls = 0;
  store->Subscribe([&](const ConfigStore::ConfigPtr&) { ++calls; });

  fs.fail_write = true;
  EXPECT_FALSE(store->Update([](v1::Config& c) { return AddRepo(c, "r2"); }).ok());
  EXPECT_EQ(ReadText(path), good);
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
  EXPECT_EQ(store->Get()->repos_size(), 1);
  fs.fail_write = false;

  fs.fail_rename = true;
  EXPECT_FALSE(store->Update([](v1::Config& c) { return AddRepo(c, "r2"); }).ok());
  EXPECT_EQ(ReadText(path), good);
  EXPECT_EQ(store->Get()->repos_size(), 1);
  fs.fail_rename = false;
  EXPECT_EQ(calls, 0);

  // Directory fsync failing: the new file is in place and current, and the
  // caller is told it may not be durable.
  fs.fail_sync_dir = true;
  auto r = store->Update([](v1::Config& c) { return AddRepo(c, "r2"); });
  EXPECT_EQ(r.status().code(), Code::kInternal);
  EXPECT_EQ(store->Get()->repos_size(), 2);
  EXPECT_EQ(ParseConfigJson(ReadText(path), path)->repos_size(), 2);
  EXPECT_EQ(calls, 1);
}

TEST(ConfigStoreTest, ConcurrentUpdatersAcrossStoreInstancesLoseNothing) {
  TempDir dir;
  const std::string path = dir.File("config.json");
  auto a = OpenConfig(path, true);
  auto b = OpenConfig(path);  // a second "process" (the CLI) on the same file
  int32_t base = a->Get()->modno();
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      ConfigStore* s = t % 2 ? b.get() : a.get();
      for (int i = 0; i < 25; ++i) {
        auto r = s->Update([&](v1::Config& c) {
          return AddRepo(c, "t" + std::to_string(t) + "-" + std::to_string(i));
        });
        ASSERT_TRUE(r.ok()) << r.status().ToString();
      }
    });
  }
  for (auto& t : threads) t.join();
  auto final_config = ParseConfigJson(ReadText(path), path);
  ASSERT_TRUE(final_config.ok());
  EXPECT_EQ(final_config->repos_size(), 100);
  EXPECT_EQ(final_config->modno(), base + 100);
}

TEST(ConfigStoreTest, ReloadPicksUpExternalEdits) {
  TempDir dir;
  const std::string path = dir.File("config.json");
  auto daemon = OpenConfig(path, true);
  std::vector<int32_t> seen;
  daemon->Subscribe([&](const ConfigStore::ConfigPtr& c) { seen.push_back(c->modno()); });
  EXPECT_FALSE(*daemon->Reload());
  auto cli = OpenConfig(path);
  ASSERT_TRUE(cli->Update([](v1::Config& c) { return AddRepo(c, "from-cli"); }).ok());
  auto changed = daemon->Reload();
  ASSERT_TRUE(changed.ok());
  EXPECT_TRUE(*changed);
  EXPECT_EQ(daemon->Get()->repos(0).id(), "from-cli");
  EXPECT_EQ(seen, (std::vector<int32_t>{1}));
  EXPECT_FALSE(*daemon->Reload());
}

TEST(ConfigStoreTest, CallbackMayUpdate) {
  TempDir dir;
  auto store = OpenConfig(dir.File("config.json"), true);
  std::vector<int32_t> seen;
  store->Subscribe([&](const ConfigStore::ConfigPtr& c) {
    seen.push_back(c->modno());
    if (c->repos_size() == 1) {
      EXPECT_TRUE(store->Update([](v1::Config& x) { return AddRepo(x, "second"); }).ok());
    }
  });
  ASSERT_TRUE(store->Update([](v1::Config& c) { return AddRepo(c, "first"); }).ok());
  EXPECT_EQ(seen, (std::vector<int32_t>{1, 2}));
}

// A child process rewrites the config in a loop and is killed with SIGKILL
// at a random moment: the file must always be the old or the new version.
TEST(ConfigStoreTest, SigkillMidWriteNeverLeavesATornFile) {
  TempDir dir;
  const std::string path = dir.File("config.json");
  { OpenConfig(path, true); }
  int32_t base_modno = 0;
  int base_repos = 0;
  for (int round = 0; round < 12; ++round) {
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ConfigStore::Options o;
      o.path = path;
      auto s = ConfigStore::Open(o);
      if (!s.ok()) ::_exit(3);
      for (int i = 0;; ++i) {
        auto r = (*s)->Update([&](v1::Config& c) {
          // Big enough that a write takes a while.
          auto* repo = c.add_repos();
          repo->set_id("r" + std::to_string(c.repos_size()));
          repo->set_password(std::string(20000, 'p'));
          repo->set_guid("g");
          return Status::Ok();
        });
        if (!r.ok()) ::_exit(4);
      }
    }
    ::usleep(static_cast<useconds_t>(3000 + round * 2500));
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status)) << "child exited early with " << WEXITSTATUS(status);
    auto parsed = ParseConfigJson(ReadText(path), path);
    ASSERT_TRUE(parsed.ok()) << "round " << round << ": " << parsed.status().ToString();
    EXPECT_EQ(parsed->repos_size() - base_repos, parsed->modno() - base_modno)
        << "modno and content disagree";
    // The store opens and keeps working after the crash (stale .tmp too).
    auto store = OpenConfig(path);
    ASSERT_NE(store, nullptr);
    auto r = store->Update([](v1::Config& c) { return AddRepo(c, "after-crash"); });
    ASSERT_TRUE(r.ok());
    ASSERT_TRUE(store
                    ->Update([](v1::Config& c) {
                      c.mutable_repos()->RemoveLast();
                      return Status::Ok();
                    })
                    .ok());
    base_modno = store->Get()->modno();
    base_repos = store->Get()->repos_size();
  }
}

}  // namespace
}  // namespace brs::store
