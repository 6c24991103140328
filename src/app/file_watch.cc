#include "app/file_watch.h"

#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace brs::app {

StatusOr<std::shared_ptr<FileWatch>> FileWatch::Start(asio::io_context& loop,
                                                      const std::string& dir, std::string name,
                                                      std::function<void()> on_change) {
  const int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) return Internal(std::string("inotify_init1: ") + std::strerror(errno));
  if (::inotify_add_watch(fd, dir.c_str(), IN_CLOSE_WRITE | IN_MOVED_TO) < 0) {
    const int err = errno;
    ::close(fd);
    return Internal("cannot watch " + dir + " for changes: " + std::strerror(err));
  }
  std::shared_ptr<FileWatch> watch(new FileWatch(loop, fd, std::move(name), std::move(on_change)));
  watch->Arm();
  return watch;
}

FileWatch::FileWatch(asio::io_context& loop, int fd, std::string name,
                     std::function<void()> on_change)
    : fd_(loop, fd), name_(std::move(name)), on_change_(std::move(on_change)) {}

void FileWatch::Close() {
  on_change_ = nullptr;
  asio::error_code ignored;
  fd_.close(ignored);
}

void FileWatch::Arm() {
  // A handler queued before Close (or destruction) finds the watch gone.
  fd_.async_wait(asio::posix::stream_descriptor::wait_read,
                 [weak = weak_from_this()](const asio::error_code& ec) {
                   auto self = weak.lock();
                   if (!self || ec || !self->fd_.is_open()) return;
                   if (self->Drain() && self->on_change_) self->on_change_();
                   if (self->fd_.is_open()) self->Arm();
                 });
}

bool FileWatch::Drain() {
  alignas(struct inotify_event) char buf[8192];
  bool hit = false;
  for (;;) {
    const ssize_t n = ::read(fd_.native_handle(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return hit;  // EAGAIN: all read
    for (ssize_t at = 0; at + static_cast<ssize_t>(sizeof(struct inotify_event)) <= n;) {
      const auto* ev = reinterpret_cast<const struct inotify_event*>(buf + at);
      // The name is NUL-padded to `len` bytes.
      if ((ev->mask & IN_Q_OVERFLOW) != 0 || (ev->len > 0 && name_ == ev->name)) hit = true;
      at += static_cast<ssize_t>(sizeof(struct inotify_event) + ev->len);
    }
  }
}

}  // namespace brs::app
