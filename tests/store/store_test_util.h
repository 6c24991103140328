// Helpers shared by the store tests: a temporary directory removed at the
// end of the test, and valid operations to store.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>

#include "v1/operations.pb.h"

namespace brs::store::testing {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "brs_store_XXXXXX").string();
    char* p = ::mkdtemp(tmpl.data());
    EXPECT_NE(p, nullptr);
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string File(const std::string& name) const { return path_ + "/" + name; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// A local op that passes ValidateOperation once the store gives it an id.
inline v1::Operation MakeOp(const std::string& plan = "plan1", const std::string& repo = "repo1",
                            int64_t start_ms = 1700000000000) {
  v1::Operation op;
  op.set_repo_id(repo);
  op.set_repo_guid("guid-" + repo);
  op.set_plan_id(plan);
  op.set_instance_id("inst-a");
  op.set_unix_time_start_ms(start_ms);
  op.set_status(v1::STATUS_SUCCESS);
  op.set_display_message("backup");
  return op;
}

// An op as a client would send it: its own id, flow id and modno.
inline v1::Operation MakeRemoteOp(int64_t id, int64_t flow_id, int64_t modno,
                                  const std::string& plan = "plan1") {
  v1::Operation op = MakeOp(plan);
  op.set_id(id);
  op.set_flow_id(flow_id);
  op.set_modno(modno);
  op.set_instance_id("client-inst");
  return op;
}

}  // namespace brs::store::testing
