// The dashboard's files (web/), built into the binary at build time
// (cmake/embed_files.cmake writes their bytes into a generated source).
#pragma once

#include <cstddef>
#include <string_view>

namespace brs::app {

struct WebAsset {
  std::string_view path;  // "/index.html", below web/
  std::string_view data;
};

extern const WebAsset kWebAssets[];
extern const size_t kWebAssetCount;

}  // namespace brs::app
