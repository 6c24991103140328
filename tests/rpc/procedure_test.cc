#include "rpc/procedure.h"

#include <gtest/gtest.h>

namespace brs::rpc {
namespace {

TEST(Procedure, Valid) {
  auto p = ParseProcedurePath("/v1sync.BackrestSyncService/Sync");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->service, "v1sync.BackrestSyncService");
  EXPECT_EQ(p->method, "Sync");
  auto q = ParseProcedurePath("/brs.test.v1.EchoService/Echo?x=1");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->service, "brs.test.v1.EchoService");
  EXPECT_EQ(q->method, "Echo");
}

TEST(Procedure, Invalid) {
  for (const char* p : {"", "/", "//", "/NoDot/M", "/a.B/", "/a.B/M/x", "a.B/M", "/a.B/M.x",
                        "/.B/M", "/a./M", "/a.B/M%20", "/a b.C/M"}) {
    EXPECT_EQ(ParseProcedurePath(p).status().code(), Code::kUnimplemented) << p;
  }
  EXPECT_FALSE(ParseProcedurePath("/a.B/" + std::string(257, 'M')).ok());
}

}  // namespace
}  // namespace brs::rpc
