// A small filesystem for disk-full tests: a tmpfs of a given size mounted
// at a path (needs root: error() says why not, and the test skips), and a
// filler file that leaves only so many bytes free.
#pragma once

#include <sys/mount.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

namespace brs::store::testing {

// A tmpfs of `bytes` at `path`, unmounted on destruction.
class SmallFs {
 public:
  SmallFs(const std::string& path, size_t bytes) : path_(path) {
    std::filesystem::create_directories(path);
    const std::string opts = "size=" + std::to_string(bytes) + ",mode=0700";
    if (::geteuid() != 0) {
      error_ = "not root (mounting a small tmpfs needs CAP_SYS_ADMIN)";
    } else if (::mount("tmpfs", path.c_str(), "tmpfs", 0, opts.c_str()) != 0) {
      error_ = std::string("mount -t tmpfs refused: ") + std::strerror(errno);
    } else {
      mounted_ = true;
    }
  }
  ~SmallFs() {
    if (mounted_) ::umount2(path_.c_str(), MNT_DETACH);
  }
  SmallFs(const SmallFs&) = delete;
  SmallFs& operator=(const SmallFs&) = delete;
  const std::string& error() const { return error_; }

 private:
  std::string path_, error_;
  bool mounted_ = false;
};

// Writes `path` until the filesystem of `dir` is full but `leave` bytes.
inline void FillLeaving(const std::string& path, const std::string& dir, uint64_t leave) {
  const auto space = std::filesystem::space(dir);
  const uint64_t n = space.available > leave ? space.available - leave : 0;
  std::ofstream f(path, std::ios::binary);
  const std::string block(64 << 10, 'x');
  for (uint64_t w = 0; w < n; w += block.size()) {
    f.write(block.data(), static_cast<std::streamsize>(std::min<uint64_t>(block.size(), n - w)));
  }
}

}  // namespace brs::store::testing
