#include "rpc/gzip.h"

#include <zlib.h>

#include <limits>

namespace brs::rpc {
namespace {

constexpr int kGzipWindowBits = 15 + 16;  // 32 KiB window, gzip wrapper
constexpr size_t kChunk = 16384;

}  // namespace

StatusOr<std::string> GzipCompress(std::string_view in) {
  if (in.size() > std::numeric_limits<uInt>::max()) return ResourceExhausted("input too large");
  z_stream zs{};
  if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, kGzipWindowBits, 8,
                   Z_DEFAULT_STRATEGY) != Z_OK) {
    return Internal("deflateInit2 failed");
  }
  std::string out;
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    const size_t old = out.size();
    out.resize(old + kChunk);
    zs.next_out = reinterpret_cast<Bytef*>(out.data() + old);
    zs.avail_out = static_cast<uInt>(kChunk);
    rc = deflate(&zs, Z_FINISH);
    out.resize(old + kChunk - zs.avail_out);
    if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
      deflateEnd(&zs);
      return Internal("deflate failed");
    }
  }
  deflateEnd(&zs);
  return out;
}

StatusOr<std::string> GzipDecompress(std::string_view in, size_t max_out) {
  if (in.size() > std::numeric_limits<uInt>::max()) return ResourceExhausted("input too large");
  z_stream zs{};
  if (inflateInit2(&zs, kGzipWindowBits) != Z_OK) return Internal("inflateInit2 failed");
  std::string out;
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  for (;;) {
    const size_t old = out.size();
    const size_t room = max_out - old + 1;  // one extra byte detects overflow
    const size_t chunk = room < kChunk ? room : kChunk;
    out.resize(old + chunk);
    zs.next_out = reinterpret_cast<Bytef*>(out.data() + old);
    zs.avail_out = static_cast<uInt>(chunk);
    const int rc = inflate(&zs, Z_NO_FLUSH);
    out.resize(old + chunk - zs.avail_out);
    if (out.size() > max_out) {
      inflateEnd(&zs);
      return ResourceExhausted("decompressed message larger than limit");
    }
    if (rc == Z_STREAM_END) break;
    if (rc != Z_OK || (zs.avail_in == 0 && zs.avail_out != 0)) {
      inflateEnd(&zs);
      return InvalidArgument("invalid gzip data");
    }
  }
  const bool trailing = zs.avail_in != 0;
  inflateEnd(&zs);
  if (trailing) return InvalidArgument("trailing bytes after gzip data");
  return out;
}

}  // namespace brs::rpc
