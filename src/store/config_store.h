// ConfigStore: Backrest's config.json (v1::Config as protobuf JSON with the
// json_names, so a Backrest file with its "sync" section loads as is).
//
// Reading follows Backrest's loader: unknown JSON fields are ignored (and so
// are not written back). A file that does not parse is never overwritten:
// Open/Reload/Update fail with an error naming the file and, for a syntax
// error, the line and column.
//
// Writing: Update runs a function on a copy of the config; if the copy
// differs it bumps `modno`, writes `<path>.tmp` (mode 0600) and fsyncs it,
// renames it over `<path>`, fsyncs the directory, then swaps the in-memory
// config and notifies subscribers. A crash at any point leaves either the old
// or the new file, never a torn one.
//
// Concurrency: Update calls in one process serialize on a mutex; across
// processes (the daemon and the CLI) they serialize on flock(`<path>.lock`).
// Before applying a function, Update re-reads the file under that lock and
// adopts a changed version, so an edit made by another process is never
// lost. Reload() picks up such an edit outside of an update.
//
// Subscribers are called after the file was written (never with a lock
// held), with the newest config, in modno order; a rapid series of changes
// may be coalesced into one call with the latest config. Callbacks may call
// Get, Update and Reload; an update made from inside a callback is delivered
// after that callback returns.
//
// All methods are thread safe.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "base/status.h"
#include "store/file_system.h"
#include "store/subscriber_list.h"
#include "v1/config.pb.h"

namespace brs::store {

// Backrest's current config format version (its migration count).
inline constexpr int32_t kBackrestConfigVersion = 6;

// Parses config JSON. `path` only names the source in errors:
// "<path>:<line>:<column>: <problem>" for syntax errors,
// "<path>: <protobuf's message>" for a value of the wrong type.
StatusOr<v1::Config> ParseConfigJson(std::string_view text, const std::string& path);
// Protobuf JSON with json_names, indented by two spaces, ending in a newline.
StatusOr<std::string> SerializeConfigJson(const v1::Config& config);
// The config of a new install: Backrest's format version, no repos or
// plans, and an empty `auth` section, so authentication is required
// (secure by default; disabling it is the operator's explicit choice,
// `auth.disabled`). The identity is not generated here (that needs
// crypto): the app layer adds it.
v1::Config DefaultConfig();

class ConfigStore {
 public:
  struct Options {
    std::string path;  // config.json
    FileSystem* fs = &PosixFileSystem::Instance();
    // When the file is missing (or empty), write DefaultConfig() to it
    // instead of failing with NotFound.
    bool create_if_missing = false;
    size_t max_file_bytes = 16 << 20;
  };
  using ConfigPtr = std::shared_ptr<const v1::Config>;
  using UpdateFn = std::function<Status(v1::Config&)>;
  using Callback = std::function<void(const ConfigPtr&)>;
  using SubscriptionId = uint64_t;

  // Loads the file. NotFound when missing and !create_if_missing;
  // InvalidArgument (file, position) when it does not parse.
  static StatusOr<std::unique_ptr<ConfigStore>> Open(Options options);
  ~ConfigStore();

  // The current config; never null. Cheap (shared, immutable).
  ConfigPtr Get() const;
  // The config once every Update in flight in this process has finished:
  // waits for the update lock, so a change being written (e.g. a pairing
  // whose fsync is under way) is seen. Must not be called from inside an
  // update function.
  ConfigPtr GetAfterPendingUpdates();
  // Callers waiting in GetAfterPendingUpdates now (for tests).
  int pending_update_waiters() const { return pending_waiters_.load(); }

  // Read-modify-write transaction. `fn` gets a copy of the newest config
  // (re-read from disk if another process changed it); an error from fn
  // aborts (nothing written) and is returned. If the copy differs from the
  // current config, modno is bumped and the file replaced as described
  // above. Returns the resulting config (the unchanged one when fn changed
  // nothing). fn must not call Update itself.
  // Errors: fn's error; the parse error of an externally changed file (not
  // overwritten); I/O errors from writing (the old file then stays in
  // place); Internal "not durable" when only the directory fsync failed
  // (the new file is in place and is the current config).
  StatusOr<ConfigPtr> Update(const UpdateFn& fn);

  // Re-reads the file; when its content differs from the current config's,
  // adopts it and notifies subscribers. Returns whether it changed. A
  // missing or unparsable file is an error and the current config is kept.
  StatusOr<bool> Reload();

  SubscriptionId Subscribe(Callback callback);
  // After it returns the callback is not called again, except a call
  // already running on the calling thread.
  void Unsubscribe(SubscriptionId id);

  const std::string& path() const { return options_.path; }

 private:
  explicit ConfigStore(Options options) : options_(std::move(options)) {}
  Status Load();
  // Reads the file and, if it differs from last_bytes_, parses it into
  // current_. mu_ held. Sets *changed.
  Status RefreshLocked(bool* changed);
  Status WriteLocked(const v1::Config& config, std::string* bytes_out);
  // Makes `config` the current one and queues it for the subscribers. mu_
  // held (so the queue is in modno order).
  void SetCurrentLocked(ConfigPtr config);
  void Notify();

  Options options_;
  std::mutex mu_;  // serializes Load/Update/Reload; guards last_bytes_
  std::atomic<int> pending_waiters_{0};
  std::string last_bytes_;

  mutable std::mutex current_mu_;
  ConfigPtr current_;

  SubscriberList<ConfigPtr, Callback> subscribers_;
};

}  // namespace brs::store
