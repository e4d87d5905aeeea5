#include "apps/cairnd/daemon.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

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

// The engine's metadata (RocksDB) needs a real directory, so this test uses the real Env.
TEST(DaemonTest, SecondDaemonOnSameDataDirIsRefused) {
  core::Env* env = core::Env::Default();
  std::string dir = ::testing::TempDir() + "cairn-daemon-test-" + std::to_string(::getpid());
  Daemon first(TestOptions(dir), env);
  Status started = first.Start();
  ASSERT_TRUE(started.ok()) << started;
  Daemon second(TestOptions(dir), env);
  Status s = second.Start();
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_EQ(s.message(), "data directory " + dir + " is locked by another cairnd process (LOCK)");
  first.Stop();
  started = second.Start();
  EXPECT_TRUE(started.ok()) << started;
  second.Stop();
  std::filesystem::remove_all(dir);
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
