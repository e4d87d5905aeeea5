// Contract tests run against every Env implementation (PosixEnv in a temporary directory and
// MemEnv), so the in-memory Env used by fast tests behaves like the real one.
#include "core/env/env.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>

namespace cairn::core {
namespace {

class EnvContractTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    if (GetParam()) {
      env_ = Env::Default();
      char tmpl[] = "/tmp/cairn_env_test_XXXXXX";
      ASSERT_NE(mkdtemp(tmpl), nullptr);
      dir_ = tmpl;
    } else {
      mem_ = NewMemEnv();
      env_ = mem_.get();
      dir_ = "/memdir";
      ASSERT_TRUE(env_->CreateDir(dir_).ok());
    }
  }
  void TearDown() override {
    if (GetParam()) std::filesystem::remove_all(dir_);
  }
  std::string P(const std::string& name) { return JoinPath(dir_, name); }

  std::unique_ptr<Env> mem_;
  Env* env_ = nullptr;
  std::string dir_;
};

TEST_P(EnvContractTest, WriteReadPositionalAndAppend) {
  auto f = env_->OpenFile(P("a"), OpenOptions{.create = true});
  ASSERT_TRUE(f.ok()) << f.status();
  File& file = **f;
  ASSERT_TRUE(file.Append(AsBytes("hello")).ok());
  ASSERT_TRUE(file.Append(AsBytes(" world")).ok());
  ASSERT_TRUE(file.WriteAt(0, AsBytes("J")).ok());
  ASSERT_TRUE(file.WriteAt(20, AsBytes("!")).ok());  // extends with a hole of zeros
  EXPECT_EQ(file.Size().value(), 21u);
  uint8_t buf[32];
  auto n = file.ReadAt(0, MutableByteSpan(buf, sizeof(buf)));
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 21u);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(buf), 11), "Jello world");
  EXPECT_EQ(buf[15], 0);
  EXPECT_EQ(file.ReadAt(100, MutableByteSpan(buf, 4)).value(), 0u);
  ASSERT_TRUE(file.Truncate(5).ok());
  ASSERT_TRUE(file.Sync().ok());
  ASSERT_TRUE(file.SyncAll().ok());
  ASSERT_TRUE(file.Close().ok());
  ASSERT_TRUE(file.Close().ok());  // idempotent
  EXPECT_EQ(file.Append(AsBytes("x")).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(ReadFileToString(env_, P("a")).value(), "Jello");
}

TEST_P(EnvContractTest, OpenModes) {
  EXPECT_EQ(env_->OpenFile(P("missing"), {}).status().code(), StatusCode::kNotFound);
  ASSERT_TRUE(env_->OpenFile(P("x"), OpenOptions{.create = true}).ok());
  EXPECT_EQ(env_->OpenFile(P("x"), OpenOptions{.create = true, .exclusive = true}).status().code(),
            StatusCode::kAlreadyExists);
  auto ro = env_->OpenFile(P("x"), OpenOptions{.read_only = true});
  ASSERT_TRUE(ro.ok());
  EXPECT_FALSE((*ro)->Append(AsBytes("no")).ok());
}

TEST_P(EnvContractTest, DirectoriesRenameDelete) {
  ASSERT_TRUE(CreateDirs(env_, P("d1/d2/d3")).ok());
  ASSERT_TRUE(env_->CreateDir(P("d1")).ok());  // exists: fine
  ASSERT_TRUE(WriteFileAtomically(env_, P("d1/f"), AsBytes("one")).ok());
  ASSERT_TRUE(WriteFileAtomically(env_, P("d1/f"), AsBytes("two")).ok());
  EXPECT_EQ(ReadFileToString(env_, P("d1/f")).value(), "two");
  EXPECT_EQ(env_->ListDir(P("d1")).value(), (std::vector<std::string>{"d2", "f"}));
  ASSERT_TRUE(env_->RenameFile(P("d1/f"), P("d1/g")).ok());
  EXPECT_FALSE(env_->FileExists(P("d1/f")));
  EXPECT_EQ(env_->GetFileSize(P("d1/g")).value(), 3u);
  ASSERT_TRUE(env_->SyncDir(P("d1")).ok());
  ASSERT_TRUE(env_->DeleteFile(P("d1/g")).ok());
  EXPECT_EQ(env_->DeleteFile(P("d1/g")).code(), StatusCode::kNotFound);
  EXPECT_FALSE(env_->DeleteDir(P("d1")).ok());  // not empty
  ASSERT_TRUE(env_->DeleteDir(P("d1/d2/d3")).ok());
  EXPECT_EQ(env_->ListDir(P("nope")).status().code(), StatusCode::kNotFound);
}

TEST_P(EnvContractTest, LockIsExclusive) {
  auto lock = env_->LockFile(P("LOCK"));
  ASSERT_TRUE(lock.ok()) << lock.status();
  auto second = env_->LockFile(P("LOCK"));
  EXPECT_EQ(second.status().code(), StatusCode::kUnavailable);
  lock->reset();
  EXPECT_TRUE(env_->LockFile(P("LOCK")).ok());
}

TEST_P(EnvContractTest, ClockAndRandom) {
  uint64_t a = env_->NowMicros();
  env_->SleepForMicros(2000);
  EXPECT_GE(env_->NowMicros() - a, 2000u);
  EXPECT_GT(env_->UnixMicros(), 1'600'000'000'000'000u);
  uint8_t r1[16] = {}, r2[16] = {};
  env_->RandomBytes(MutableByteSpan(r1, 16));
  env_->RandomBytes(MutableByteSpan(r2, 16));
  EXPECT_NE(std::memcmp(r1, r2, 16), 0);
}

INSTANTIATE_TEST_SUITE_P(Envs, EnvContractTest, ::testing::Values(true, false),
                         [](const auto& info) { return info.param ? "Posix" : "Mem"; });

TEST(PathTest, JoinAndDirName) {
  EXPECT_EQ(JoinPath("a", "b"), "a/b");
  EXPECT_EQ(JoinPath("a/", "b"), "a/b");
  EXPECT_EQ(DirName("a/b/c"), "a/b");
  EXPECT_EQ(DirName("c"), ".");
  EXPECT_EQ(DirName("/c"), "/");
}

}  // namespace
}  // namespace cairn::core
