// Backrest's ValidateOperation rules, and the store refusing every write
// that breaks one (nothing stored, no event).
#include "store/op_validation.h"

#include <gtest/gtest.h>

#include "store/invalid_ops.h"
#include "store/oplog_store.h"
#include "store/store_test_util.h"

namespace brs::store {
namespace {

using testing::InvalidOpCases;
using testing::MakeRemoteOp;
using testing::TempDir;

v1::Operation ValidOp() {
  v1::Operation op = MakeRemoteOp(7, 7, 3);
  op.set_snapshot_id(testing::ValidSnapshotId());
  return op;
}

TEST(OpValidation, EachRuleRefusesWithTheFieldName) {
  ASSERT_TRUE(ValidateOperation(ValidOp()).ok());
  for (const auto& c : InvalidOpCases()) {
    v1::Operation op = ValidOp();
    c.breaks(op);
    Status st = ValidateOperation(op);
    EXPECT_EQ(st.code(), Code::kInvalidArgument) << c.name;
    EXPECT_EQ(st.message().rfind(c.message, 0), 0u) << c.name << ": " << st.message();
    // The metadata overload (what manifests are built from) agrees.
    EXPECT_EQ(ValidateOperation(MetadataOf(op)).message(), st.message()) << c.name;
  }
}

TEST(OpValidation, SnapshotIdIsEmptyOrExactly64Characters) {
  v1::Operation op = ValidOp();
  op.clear_snapshot_id();
  EXPECT_TRUE(ValidateOperation(op).ok());
  for (size_t n : {1, 8, 63, 65, 128}) {
    op.set_snapshot_id(std::string(n, 'f'));
    Status st = ValidateOperation(op);
    EXPECT_FALSE(st.ok()) << n;
    EXPECT_NE(st.message().find("got " + std::to_string(n)), std::string::npos) << st.message();
  }
}

TEST(OpValidation, StoreAssignedFieldsAreLeftOutOnRequest) {
  v1::Operation op = ValidOp();
  op.set_id(0);
  op.set_modno(0);
  op.set_flow_id(0);
  EXPECT_TRUE(ValidateOperation(op, StoreAssigns::kIdModnoAndFlowId).ok());
  EXPECT_EQ(ValidateOperation(op, StoreAssigns::kModno).message(), "id is required");
  op.set_id(7);
  EXPECT_EQ(ValidateOperation(op, StoreAssigns::kModno).message(), "flow_id is required");
  op.set_flow_id(7);
  EXPECT_TRUE(ValidateOperation(op, StoreAssigns::kModno).ok());
  EXPECT_EQ(ValidateOperation(op).message(), "modno is required");
  // The other rules hold whatever the store assigns.
  op.set_snapshot_id("deadbeef");
  EXPECT_FALSE(ValidateOperation(op, StoreAssigns::kIdModnoAndFlowId).ok());
}

class StoreRefusal : public ::testing::Test {
 protected:
  void SetUp() override {
    OplogStore::Options o;
    o.path = dir_.File("oplog.db");
    auto s = OplogStore::Open(o);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
    events_ = 0;
    store_->Subscribe({}, [this](const OpEvent&) { ++events_; });
  }
  TempDir dir_;
  std::unique_ptr<OplogStore> store_;
  int events_ = 0;
};

TEST_F(StoreRefusal, EveryWriteRefusesAnInvalidOpAndStoresNothing) {
  std::vector<v1::Operation> existing{testing::MakeOp()};
  ASSERT_TRUE(store_->Add(existing).ok());
  const int events_before = events_;
  for (const auto& c : InvalidOpCases()) {
    // Add and Set assign id/modno/flow_id themselves; the rest must fail.
    if (!c.store_assigned) {
      std::vector<v1::Operation> add{testing::MakeOp(), testing::MakeOp()};
      c.breaks(add[1]);
      Status st = store_->Add(add);
      EXPECT_EQ(st.code(), Code::kInvalidArgument) << c.name;
      EXPECT_NE(st.message().find(c.message), std::string::npos) << c.name << st.message();
      std::vector<v1::Operation> set{testing::MakeOp()};
      c.breaks(set[0]);
      EXPECT_FALSE(store_->Set(set).ok()) << c.name;
    }
    std::vector<v1::Operation> update{existing[0]};
    c.breaks(update[0]);
    if (c.name != "no id" && c.name != "no modno") {  // Update needs the id, assigns the modno
      EXPECT_FALSE(store_->Update(update).ok()) << c.name;
    }
    if (c.name != "no modno") {  // a synced op without a modno gets one (as Backrest's Set)
      v1::Operation remote = ValidOp();
      c.breaks(remote);
      EXPECT_FALSE(store_->UpsertSynced("ed25519.peer", {ValidOp(), remote}).ok()) << c.name;
    }
  }
  EXPECT_EQ(*store_->Count({}), 1);
  EXPECT_EQ(events_, events_before);
  auto kept = store_->Get(existing[0].id());
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ(kept->modno(), existing[0].modno());
}

}  // namespace
}  // namespace brs::store
