#include "core/env/fault_env.h"

#include <gtest/gtest.h>

namespace cairn::core {
namespace {

class FaultEnvTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = NewMemEnv();
    ASSERT_TRUE(base_->CreateDir("/db").ok());
    env_ = std::make_unique<FaultEnv>(base_.get(), 42);
  }
  std::unique_ptr<File> Open(const std::string& path) {
    auto f = env_->OpenFile(path, OpenOptions{.create = true});
    EXPECT_TRUE(f.ok()) << f.status();
    return std::move(f).value();
  }
  std::string Read(const std::string& path) {
    auto s = ReadFileToString(base_.get(), path);
    return s.ok() ? *s : "<" + s.status().ToString() + ">";
  }

  std::unique_ptr<Env> base_;
  std::unique_ptr<FaultEnv> env_;
};

TEST_F(FaultEnvTest, CrashDropsUnsyncedBytes) {
  auto f = Open("/db/log");
  ASSERT_TRUE(f->Append(AsBytes("durable")).ok());
  ASSERT_TRUE(f->Sync().ok());
  ASSERT_TRUE(env_->SyncDir("/db").ok());
  ASSERT_TRUE(f->Append(AsBytes("-lost")).ok());
  ASSERT_TRUE(f->WriteAt(0, AsBytes("D")).ok());  // overwrite inside the synced region
  EXPECT_EQ(Read("/db/log"), "Durable-lost");
  ASSERT_TRUE(env_->SimulateCrash().ok());
  EXPECT_EQ(Read("/db/log"), "durable");
  // Handles from before the crash are dead.
  EXPECT_EQ(f->Append(AsBytes("x")).code(), StatusCode::kFailedPrecondition);
}

TEST_F(FaultEnvTest, CrashRemovesFilesWhoseDirectoryWasNotSynced) {
  auto f = Open("/db/new");
  ASSERT_TRUE(f->Append(AsBytes("data")).ok());
  ASSERT_TRUE(f->Sync().ok());  // data synced, but the directory entry is not
  ASSERT_TRUE(env_->SimulateCrash().ok());
  EXPECT_FALSE(base_->FileExists("/db/new"));
}

TEST_F(FaultEnvTest, UnsyncedRenameIsUndone) {
  auto f = Open("/db/a.tmp");
  ASSERT_TRUE(f->Append(AsBytes("v1")).ok());
  ASSERT_TRUE(f->Sync().ok());
  ASSERT_TRUE(env_->SyncDir("/db").ok());
  ASSERT_TRUE(env_->RenameFile("/db/a.tmp", "/db/a").ok());
  ASSERT_TRUE(env_->SimulateCrash().ok());
  EXPECT_TRUE(base_->FileExists("/db/a.tmp"));
  EXPECT_FALSE(base_->FileExists("/db/a"));
}

TEST_F(FaultEnvTest, WriteFileAtomicallySurvivesCrash) {
  ASSERT_TRUE(WriteFileAtomically(env_.get(), "/db/MANIFEST", AsBytes("v1")).ok());
  ASSERT_TRUE(env_->SimulateCrash().ok());
  EXPECT_EQ(Read("/db/MANIFEST"), "v1");
}

TEST_F(FaultEnvTest, TornTailKeepsAPrefix) {
  auto f = Open("/db/log");
  ASSERT_TRUE(env_->SyncDir("/db").ok());
  ASSERT_TRUE(f->Append(AsBytes("AAAA")).ok());
  ASSERT_TRUE(f->Sync().ok());
  std::string tail(1000, 'B');
  ASSERT_TRUE(f->Append(AsBytes(tail)).ok());
  ASSERT_TRUE(env_->SimulateCrash(CrashOptions{.torn_tail = true}).ok());
  std::string after = Read("/db/log");
  ASSERT_GE(after.size(), 4u);
  EXPECT_LE(after.size(), 1004u);
  EXPECT_EQ(after.substr(0, 4), "AAAA");
  EXPECT_EQ(after.substr(4), std::string(after.size() - 4, 'B'));
}

TEST_F(FaultEnvTest, InjectedErrorsReachTheCaller) {
  auto f = Open("/db/seg");
  env_->InjectFault(FaultRule{.op = FaultOp::kWrite, .kind = FaultKind::kIoError});
  Status s = f->Append(AsBytes("x"));
  EXPECT_EQ(s.code(), StatusCode::kIoError);
  EXPECT_NE(s.message().find("injected"), std::string_view::npos);
  EXPECT_TRUE(f->Append(AsBytes("y")).ok());  // times = 1: only once

  env_->InjectFault(FaultRule{.op = FaultOp::kWrite, .kind = FaultKind::kNoSpace});
  EXPECT_EQ(f->Append(AsBytes("z")).code(), StatusCode::kResourceExhausted);

  env_->InjectFault(FaultRule{.op = FaultOp::kSync, .kind = FaultKind::kSyncFailure});
  EXPECT_EQ(f->Sync().code(), StatusCode::kIoError);

  env_->InjectFault(FaultRule{.op = FaultOp::kOpen, .kind = FaultKind::kIoError});
  EXPECT_EQ(env_->OpenFile("/db/other", OpenOptions{.create = true}).status().code(),
            StatusCode::kIoError);

  env_->InjectFault(FaultRule{.op = FaultOp::kRead, .kind = FaultKind::kIoError});
  uint8_t buf[4];
  EXPECT_EQ(f->ReadAt(0, MutableByteSpan(buf, 4)).status().code(), StatusCode::kIoError);

  env_->InjectFault(FaultRule{.op = FaultOp::kRename, .kind = FaultKind::kIoError});
  EXPECT_EQ(env_->RenameFile("/db/seg", "/db/seg2").code(), StatusCode::kIoError);

  env_->InjectFault(FaultRule{.op = FaultOp::kSyncDir, .kind = FaultKind::kIoError});
  EXPECT_EQ(env_->SyncDir("/db").code(), StatusCode::kIoError);

  env_->InjectFault(FaultRule{.op = FaultOp::kDelete, .kind = FaultKind::kIoError});
  EXPECT_EQ(env_->DeleteFile("/db/seg").code(), StatusCode::kIoError);
  EXPECT_EQ(env_->faults_fired(), 8);
}

TEST_F(FaultEnvTest, TornWriteLeavesAPrefixAndFails) {
  auto f = Open("/db/seg");
  env_->InjectFault(FaultRule{.op = FaultOp::kWrite, .kind = FaultKind::kTornWrite});
  EXPECT_EQ(f->Append(AsBytes("0123456789")).code(), StatusCode::kIoError);
  EXPECT_EQ(Read("/db/seg"), "01234");
}

TEST_F(FaultEnvTest, RulesFilterByPathAndSkip) {
  auto a = Open("/db/a.log");
  auto b = Open("/db/b.sst");
  env_->InjectFault(
      FaultRule{.op = FaultOp::kWrite, .path_contains = ".sst", .skip = 2, .times = -1});
  EXPECT_TRUE(a->Append(AsBytes("1")).ok());
  EXPECT_TRUE(b->Append(AsBytes("1")).ok());
  EXPECT_TRUE(b->Append(AsBytes("2")).ok());
  EXPECT_FALSE(b->Append(AsBytes("3")).ok());
  EXPECT_FALSE(b->Append(AsBytes("4")).ok());  // forever
  EXPECT_TRUE(a->Append(AsBytes("2")).ok());
  env_->ClearFaults();
  EXPECT_TRUE(b->Append(AsBytes("5")).ok());
}

TEST_F(FaultEnvTest, FailedSyncLeavesDataUnsynced) {
  auto f = Open("/db/log");
  ASSERT_TRUE(env_->SyncDir("/db").ok());
  ASSERT_TRUE(f->Append(AsBytes("abc")).ok());
  env_->InjectFault(FaultRule{.op = FaultOp::kSync, .kind = FaultKind::kSyncFailure});
  EXPECT_FALSE(f->Sync().ok());
  ASSERT_TRUE(env_->SimulateCrash().ok());
  EXPECT_EQ(Read("/db/log"), "");
}

}  // namespace
}  // namespace cairn::core
