// LogStore: named logs (an operation's `logref`), each with an owner
// operation ID and an expiry time, written by appending and read back in
// chunks of at most 64 KiB (the unit of request_log / receive_log_data).
//
// Storage: blobs in SQLite, in chunks of at most kLogChunkBytes, with the
// metadata in the same database (may be the oplog's file). Why not files:
// one durability story (the WAL, synchronous=FULL) instead of a second one,
// a log and its metadata are created and deleted atomically (no orphan
// files after a crash), and a log name never becomes a path, so no name can
// escape a directory. Backrest also keeps finished logs as SQLite blobs.
// Names are still validated (see ValidateLogName) because they travel to
// peers and the UI.
//
// Bounds: a log holds at most Options::max_log_bytes (ResourceExhausted
// beyond, nothing of the refused append is written).
//
// Thread safety: all methods are thread safe. A LogWriter is used by one
// thread at a time and must not outlive its store. Readers see a log while
// it is written (every flushed chunk).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "base/env.h"
#include "base/status.h"
#include "store/sqlite_db.h"

namespace brs::store {

inline constexpr size_t kLogChunkBytes = 64 * 1024;

// 1..200 bytes of [A-Za-z0-9._+:-], not starting with '.', no "..".
// InvalidArgument otherwise (names like "../x", "a/b", "" are refused).
Status ValidateLogName(std::string_view name);

struct LogMetadata {
  std::string name;
  int64_t owner_opid = 0;
  int64_t expires_unix = 0;  // 0: never
  int64_t size = 0;          // bytes written so far
  bool finished = false;     // the writer was closed
};

class LogStore;

// Appends to one log. Data is buffered up to one chunk; Flush/Close store it.
class LogWriter {
 public:
  ~LogWriter();  // closes (errors ignored; call Close to see them)
  LogWriter(const LogWriter&) = delete;
  LogWriter& operator=(const LogWriter&) = delete;

  // Appends data; stores every full chunk. ResourceExhausted if the log
  // would exceed the size limit (then nothing of `data` is kept).
  Status Append(std::string_view data);
  // Stores the buffered partial chunk.
  Status Flush();
  // Flushes and marks the log finished. Further appends: FailedPrecondition.
  Status Close();

 private:
  friend class LogStore;
  LogWriter(LogStore* store, std::string name, int64_t next_seq)
      : store_(store), name_(std::move(name)), next_seq_(next_seq) {}
  LogStore* store_;
  std::string name_;
  int64_t next_seq_;
  int64_t size_ = 0;
  std::string buffer_;
  bool closed_ = false;
};

class LogStore {
 public:
  struct Options {
    std::string path;                  // SQLite file
    const Env* env = &Env::Default();  // log expiry is wall-clock time
    int64_t max_log_bytes = 64LL << 20;
  };
  static StatusOr<std::unique_ptr<LogStore>> Open(Options options);
  ~LogStore();

  // Creates an empty log and returns its writer. Expired logs are pruned
  // first. expires_unix = 0: never expires. AlreadyExists if the name is
  // taken; InvalidArgument for a bad name.
  StatusOr<std::unique_ptr<LogWriter>> Create(const std::string& name, int64_t owner_opid,
                                              int64_t expires_unix);
  // NotFound when absent.
  StatusOr<LogMetadata> GetMetadata(const std::string& name);
  // Calls fn with the log's content from byte `offset` on, in chunks of at
  // most `max_chunk` (<= kLogChunkBytes) bytes, in order; stops when fn
  // returns false. NotFound when the log does not exist.
  Status ReadChunks(const std::string& name, int64_t offset, size_t max_chunk,
                    const std::function<bool(std::string_view)>& fn);
  // The whole log (for tests and small logs).
  StatusOr<std::string> ReadAll(const std::string& name);
  // OK when absent.
  Status Delete(const std::string& name);
  // Deletes every log owned by this operation; returns how many.
  StatusOr<int64_t> DeleteByOwner(int64_t owner_opid);
  // Deletes logs whose expiry is set and in the past; returns how many.
  StatusOr<int64_t> DeleteExpired();
  // Names of all logs, sorted.
  StatusOr<std::vector<std::string>> List();

 private:
  friend class LogWriter;
  explicit LogStore(Options options) : options_(std::move(options)) {}
  Status StoreChunk(const std::string& name, int64_t seq, std::string_view data, bool finish);

  Options options_;
  std::mutex mu_;
  std::unique_ptr<SqliteDb> db_;
};

}  // namespace brs::store
