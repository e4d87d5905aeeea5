#include "apps/cairnd/daemon.h"

#include <gtest/gtest.h>

namespace cairn::cairnd {
namespace {

DaemonOptions TestOptions(const std::string& dir) {
  DaemonOptions o;
  o.data_dir = dir;
  o.s3_port = o.resp_port = o.rpc_port = 0;
  o.api_port = 0;
  o.threads = 1;
  return o;
}

TEST(DaemonTest, SecondDaemonOnSameDataDirIsRefused) {
  auto env = core::NewMemEnv();
  Daemon first(TestOptions("/data"), env.get());
  ASSERT_TRUE(first.Start().ok());
  Daemon second(TestOptions("/data"), env.get());
  Status s = second.Start();
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_EQ(s.message(), "data directory /data is locked by another cairnd process (LOCK)");
  first.Stop();
  EXPECT_TRUE(second.Start().ok());
}

TEST(DaemonTest, DataDirThatIsAFileIsUnusable) {
  auto env = core::NewMemEnv();
  ASSERT_TRUE(core::WriteFileAtomically(env.get(), "/file", AsBytes("x")).ok());
  Daemon d(TestOptions("/file"), env.get());
  Status s = d.Start();
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("data directory /file is unusable"), std::string_view::npos) << s;
}

}  // namespace
}  // namespace cairn::cairnd
