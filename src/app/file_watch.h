// FileWatch: tells an asio event loop when one file of a directory was
// written or replaced, without polling (Linux inotify). The daemon uses it
// to apply an edit of config.json made by another process, e.g. an
// operator's editor, as soon as it is saved.
//
// What counts: a writer closing the file (IN_CLOSE_WRITE) and a file renamed
// over it (IN_MOVED_TO, how ConfigStore and most editors save). Events for
// other names in the directory (config.json.tmp, config.json.lock) are
// ignored. The events read in one go give one call, so a burst of writes is
// one reload; an overflow of the kernel's event queue gives a call too
// (something may have changed). The watch is on the directory, so it
// survives the file being replaced.
#pragma once

#include <asio/io_context.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <functional>
#include <memory>
#include <string>

#include "base/status.h"

namespace brs::app {

class FileWatch : public std::enable_shared_from_this<FileWatch> {
 public:
  // Watches `dir` for changes of its file `name`; `on_change` runs on a
  // thread running `loop`. Errors name the directory and inotify's reason
  // (a missing directory, the per-user watch limit).
  static StatusOr<std::shared_ptr<FileWatch>> Start(asio::io_context& loop, const std::string& dir,
                                                    std::string name,
                                                    std::function<void()> on_change);
  FileWatch(const FileWatch&) = delete;
  FileWatch& operator=(const FileWatch&) = delete;
  // Stops watching: on_change is not called after Close (or destruction)
  // when called on the loop's thread or while the loop is not running.
  void Close();

 private:
  FileWatch(asio::io_context& loop, int fd, std::string name, std::function<void()> on_change);
  void Arm();
  // Reads every queued event; whether one concerns `name_`.
  bool Drain();

  asio::posix::stream_descriptor fd_;
  std::string name_;
  std::function<void()> on_change_;
};

}  // namespace brs::app
