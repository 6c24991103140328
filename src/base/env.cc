#include "base/env.h"

namespace brs {
namespace {

class SystemEnv final : public Env {
 public:
  WallTime NowWall() const override {
    return std::chrono::time_point_cast<Millis>(std::chrono::system_clock::now());
  }
  MonoTime NowMono() const override {
    return std::chrono::time_point_cast<Millis>(std::chrono::steady_clock::now());
  }
};

}  // namespace

const Env& Env::Default() {
  static const SystemEnv env;
  return env;
}

}  // namespace brs
