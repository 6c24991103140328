#include "app/data_dir.h"

#include <fcntl.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "base/encoding.h"

namespace brs::app {

std::string DefaultDataDir() {
  if (const char* env = std::getenv("BACKREST_SYNC_DATA"); env && *env) return env;
  const char* home = std::getenv("HOME");
  return std::string(home && *home ? home : ".") + "/.local/share/backrest-sync";
}

StatusOr<DataDir> ExistingDataDir(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return NotFound("data directory " + path + " does not exist; run `backrest-sync init --data " +
                    path + "` first");
  }
  DataDir d{path};
  if (::access(d.config().c_str(), F_OK) != 0) {
    return NotFound(d.config() + " does not exist; run `backrest-sync init --data " + path +
                    "` first");
  }
  return d;
}

StatusOr<std::unique_ptr<store::ConfigStore>> OpenConfig(const DataDir& dir) {
  store::ConfigStore::Options o;
  o.path = dir.config();
  return store::ConfigStore::Open(o);
}

StatusOr<crypto::Identity> LoadIdentity(const v1::Config& config) {
  if (!config.multihost().has_identity() || config.multihost().identity().keyid().empty()) {
    return FailedPrecondition("the config has no identity; run `backrest-sync init`");
  }
  auto id = crypto::Identity::FromPrivateKeyProto(config.multihost().identity());
  if (!id.ok())
    return FailedPrecondition("the config's identity is invalid: " + id.status().message());
  return id;
}

Status WriteFileAtomic(const std::string& path, const std::string& content, int mode) {
  const std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return Internal("cannot write " + tmp + ": " + std::strerror(errno));
  ::fchmod(fd, static_cast<mode_t>(mode));
  size_t off = 0;
  while (off < content.size()) {
    ssize_t n = ::write(fd, content.data() + off, content.size() - off);
    if (n <= 0) {
      ::close(fd);
      return Internal("cannot write " + tmp + ": " + std::strerror(errno));
    }
    off += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) return Internal("cannot sync " + tmp);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    return Internal("cannot rename " + tmp + ": " + std::strerror(errno));
  }
  return Status();
}

StatusOr<std::string> ReadFile(const std::string& path, size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound("cannot read " + path);
  std::string out;
  char buf[8192];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    out.append(buf, static_cast<size_t>(in.gcount()));
    if (out.size() > max_bytes) return ResourceExhausted(path + " is too large");
  }
  return out;
}

StatusOr<std::string> ReadAdminToken(const DataDir& dir) {
  BRS_ASSIGN_OR_RETURN(std::string t, ReadFile(dir.admin_token(), 4096));
  while (!t.empty() && (t.back() == '\n' || t.back() == '\r')) t.pop_back();
  if (t.empty()) return FailedPrecondition(dir.admin_token() + " is empty");
  return t;
}

StatusOr<std::string> EnsureAdminToken(const DataDir& dir) {
  auto existing = ReadAdminToken(dir);
  if (existing.ok()) return existing;
  uint8_t b[32];
  if (RAND_bytes(b, sizeof b) != 1) return Internal("RAND_bytes failed");
  std::string token = HexEncode(b, sizeof b);
  BRS_RETURN_IF_ERROR(WriteFileAtomic(dir.admin_token(), token + "\n", 0600));
  return token;
}

}  // namespace brs::app
