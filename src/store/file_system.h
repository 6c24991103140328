// The file-system seam: the few POSIX calls the config and log stores make,
// behind an interface so tests can inject failures (a failed fsync, a failed
// rename) and prove that the old file survives.
#pragma once

#include <cstdint>
#include <string>

#include "base/status.h"

namespace brs::store {

// Identity of a file's current version: changes when the file is replaced
// or rewritten (inode, size, modification time).
struct FileStamp {
  uint64_t device = 0;
  uint64_t inode = 0;
  int64_t size = 0;
  int64_t mtime_ns = 0;
  bool operator==(const FileStamp&) const = default;
};

class FileSystem {
 public:
  virtual ~FileSystem() = default;
  // The whole file. NotFound when it does not exist.
  virtual StatusOr<std::string> ReadFile(const std::string& path) = 0;
  // NotFound when it does not exist.
  virtual StatusOr<FileStamp> Stat(const std::string& path) = 0;
  // Creates (or truncates) `path` with permission `mode`, writes `data`,
  // fsyncs and closes it. The file may be partly written on error.
  virtual Status WriteFileSynced(const std::string& path, const std::string& data,
                                 unsigned mode) = 0;
  // rename(2): atomically replaces `to`.
  virtual Status Rename(const std::string& from, const std::string& to) = 0;
  // fsyncs a directory, making renames and creations in it durable.
  virtual Status SyncDir(const std::string& dir) = 0;
  // unlink(2); OK when already absent.
  virtual Status Remove(const std::string& path) = 0;
  // mkdir -p with the given mode for created directories.
  virtual Status CreateDirs(const std::string& dir, unsigned mode) = 0;
};

// The real file system (POSIX).
class PosixFileSystem : public FileSystem {
 public:
  static PosixFileSystem& Instance();
  StatusOr<std::string> ReadFile(const std::string& path) override;
  StatusOr<FileStamp> Stat(const std::string& path) override;
  Status WriteFileSynced(const std::string& path, const std::string& data, unsigned mode) override;
  Status Rename(const std::string& from, const std::string& to) override;
  Status SyncDir(const std::string& dir) override;
  Status Remove(const std::string& path) override;
  Status CreateDirs(const std::string& dir, unsigned mode) override;
};

// An exclusive advisory lock (flock) on a lock file, held while the object
// lives. Serializes writers across processes (daemon and CLI).
class FileLock {
 public:
  // Blocks until the lock on `path` (created 0600 if absent) is held.
  static StatusOr<FileLock> Acquire(const std::string& path);
  // Takes the lock if free; Unavailable when another holder has it.
  static StatusOr<FileLock> TryAcquire(const std::string& path);
  FileLock(FileLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  FileLock& operator=(FileLock&&) = delete;
  FileLock(const FileLock&) = delete;
  ~FileLock();

 private:
  explicit FileLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace brs::store
