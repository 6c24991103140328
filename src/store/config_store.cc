#include "store/config_store.h"

#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>

#include <filesystem>

#include "store/json_syntax.h"

namespace brs::store {
namespace {

std::string DirOf(const std::string& path) {
  std::string dir = std::filesystem::path(path).parent_path().string();
  return dir.empty() ? "." : dir;
}

bool IsBlank(std::string_view s) {
  return s.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

}  // namespace

StatusOr<v1::Config> ParseConfigJson(std::string_view text, const std::string& path) {
  JsonSyntaxError err;
  if (!CheckJsonSyntax(text, &err)) {
    return InvalidArgument(path + ":" + std::to_string(err.line) + ":" +
                           std::to_string(err.column) + ": invalid JSON: " + err.message);
  }
  google::protobuf::util::JsonParseOptions opts;
  opts.ignore_unknown_fields = true;  // as Backrest's loader (DiscardUnknown)
  v1::Config config;
  auto st = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(text.data(), text.size()), &config, opts);
  if (!st.ok()) {
    return InvalidArgument(path + ": not a valid config: " + std::string(st.message()));
  }
  // Protobuf's JSON parser can leave unknown fields behind (an empty key
  // with an object value: fuzz finding, config_json); JSON cannot write them
  // back, and the config goes to peers as protobuf, so none are kept.
  config.DiscardUnknownFields();
  return config;
}

StatusOr<std::string> SerializeConfigJson(const v1::Config& config) {
  google::protobuf::util::JsonPrintOptions opts;
  opts.add_whitespace = true;
  opts.preserve_proto_field_names = false;  // json_names, as Backrest writes
  std::string out;
  auto st = google::protobuf::util::MessageToJsonString(config, &out, opts);
  if (!st.ok()) return Internal("serialize config: " + std::string(st.message()));
  if (out.empty() || out.back() != '\n') out.push_back('\n');
  return out;
}

v1::Config DefaultConfig() {
  v1::Config c;
  c.set_version(kBackrestConfigVersion);
  c.mutable_auth();  // present and empty: authentication required
  return c;
}

StatusOr<std::unique_ptr<ConfigStore>> ConfigStore::Open(Options options) {
  if (options.fs == nullptr) options.fs = &PosixFileSystem::Instance();
  std::unique_ptr<ConfigStore> store(new ConfigStore(std::move(options)));
  BRS_RETURN_IF_ERROR(store->Load());  // nobody subscribed yet: not notified
  return store;
}

ConfigStore::~ConfigStore() = default;

Status ConfigStore::Load() {
  std::lock_guard lock(mu_);
  bool changed = false;
  Status s = RefreshLocked(&changed);
  if (s.ok()) return Status::Ok();
  bool missing = s.code() == Code::kNotFound || s.code() == Code::kFailedPrecondition;
  if (!missing || !options_.create_if_missing) return s;
  // Missing or empty file, and asked to create: write the default, under
  // the cross-process lock, unless someone else created it meanwhile.
  BRS_RETURN_IF_ERROR(options_.fs->CreateDirs(DirOf(options_.path), 0700));
  BRS_ASSIGN_OR_RETURN(FileLock flock, FileLock::Acquire(options_.path + ".lock"));
  s = RefreshLocked(&changed);
  if (s.ok()) return s;
  if (s.code() != Code::kNotFound && s.code() != Code::kFailedPrecondition) return s;
  std::string bytes;
  BRS_RETURN_IF_ERROR(WriteLocked(DefaultConfig(), &bytes));
  last_bytes_ = bytes;
  SetCurrentLocked(std::make_shared<const v1::Config>(DefaultConfig()));
  return Status::Ok();
}

Status ConfigStore::RefreshLocked(bool* changed) {
  *changed = false;
  auto stamp = options_.fs->Stat(options_.path);
  if (!stamp.ok()) return stamp.status();
  if (stamp->size > static_cast<int64_t>(options_.max_file_bytes)) {
    return ResourceExhausted(options_.path + ": config file is " + std::to_string(stamp->size) +
                             " bytes, over the limit");
  }
  BRS_ASSIGN_OR_RETURN(std::string bytes, options_.fs->ReadFile(options_.path));
  if (current_ != nullptr && bytes == last_bytes_) return Status::Ok();
  if (IsBlank(bytes)) return FailedPrecondition(options_.path + ": config file is empty");
  BRS_ASSIGN_OR_RETURN(v1::Config parsed, ParseConfigJson(bytes, options_.path));
  last_bytes_ = std::move(bytes);
  SetCurrentLocked(std::make_shared<const v1::Config>(std::move(parsed)));
  *changed = true;
  return Status::Ok();
}

Status ConfigStore::WriteLocked(const v1::Config& config, std::string* bytes_out) {
  BRS_ASSIGN_OR_RETURN(std::string bytes, SerializeConfigJson(config));
  const std::string tmp = options_.path + ".tmp";
  Status s = options_.fs->WriteFileSynced(tmp, bytes, 0600);
  if (s.ok()) s = options_.fs->Rename(tmp, options_.path);
  if (!s.ok()) {
    (void)options_.fs->Remove(tmp);
    return s.WithContext("write config " + options_.path);
  }
  *bytes_out = std::move(bytes);
  s = options_.fs->SyncDir(DirOf(options_.path));
  if (!s.ok()) {
    return Internal("config " + options_.path + " replaced but not durable: " + s.message());
  }
  return Status::Ok();
}

void ConfigStore::SetCurrentLocked(ConfigPtr config) {
  {
    std::lock_guard cur(current_mu_);
    current_ = config;
  }
  subscribers_.Publish(std::move(config));
}

ConfigStore::ConfigPtr ConfigStore::Get() const {
  std::lock_guard cur(current_mu_);
  return current_;
}

ConfigStore::ConfigPtr ConfigStore::GetAfterPendingUpdates() {
  ++pending_waiters_;
  std::lock_guard lock(mu_);
  --pending_waiters_;
  return Get();
}

StatusOr<ConfigStore::ConfigPtr> ConfigStore::Update(const UpdateFn& fn) {
  StatusOr<ConfigPtr> result = [&]() -> StatusOr<ConfigPtr> {
    std::lock_guard lock(mu_);
    BRS_ASSIGN_OR_RETURN(FileLock flock, FileLock::Acquire(options_.path + ".lock"));
    bool external = false;
    Status s = RefreshLocked(&external);
    if (!s.ok() && s.code() != Code::kNotFound) return s;  // never overwrite a bad file
    ConfigPtr current = Get();
    v1::Config copy = *current;
    BRS_RETURN_IF_ERROR(fn(copy));
    if (google::protobuf::util::MessageDifferencer::Equals(copy, *current)) return current;
    copy.set_modno(current->modno() + 1);
    std::string bytes;
    Status w = WriteLocked(copy, &bytes);
    if (bytes.empty()) return w;  // not replaced: the old file and config stay
    last_bytes_ = std::move(bytes);
    auto next = std::make_shared<const v1::Config>(std::move(copy));
    SetCurrentLocked(next);
    if (!w.ok()) return w;
    return ConfigPtr(next);
  }();
  Notify();  // after the write, with no lock held; also covers an adopted external edit
  return result;
}

StatusOr<bool> ConfigStore::Reload() {
  bool changed = false;
  {
    std::lock_guard lock(mu_);
    BRS_RETURN_IF_ERROR(RefreshLocked(&changed));
  }
  if (changed) Notify();
  return changed;
}

ConfigStore::SubscriptionId ConfigStore::Subscribe(Callback callback) {
  return subscribers_.Subscribe(std::move(callback));
}

void ConfigStore::Unsubscribe(SubscriptionId id) { subscribers_.Unsubscribe(id); }

void ConfigStore::Notify() {
  // Each queued config is the whole state: a burst is coalesced into its newest.
  subscribers_.DeliverLatest(
      [](const Callback& callback, const ConfigPtr& config, uint64_t) { callback(config); });
}

}  // namespace brs::store
