#include "models/kv/kv_store.h"

#include <gtest/gtest.h>

namespace cairn::kv {
namespace {

class TestClock : public core::EnvWrapper {
 public:
  TestClock() : core::EnvWrapper(core::Env::Default()) {}
  uint64_t UnixMicros() override { return now_ms * 1000; }
  uint64_t now_ms = 1'700'000'000'000;
};

TEST(KvStoreTest, ActiveExpirySweepsTheWholeKeyspaceInSlices) {
  TestClock clock;
  KvOptions o;
  o.env = &clock;
  o.shards = 4;
  KvStore store(o);
  for (int i = 0; i < 2000; ++i) {
    std::vector<std::string> set = {"set", "k" + std::to_string(i), "v", "px",
                                    i % 2 == 0 ? "1000" : "100000"};
    ASSERT_EQ(store.Execute(0, set).str, "OK");
  }
  clock.now_ms += 5000;  // the even keys are now expired, but nobody reads them
  EXPECT_EQ(store.DbSize(0), 2000u);
  size_t removed = 0;
  for (int cycle = 0; cycle < 10000 && removed < 1000; ++cycle) {
    size_t r = store.ExpireCycle(64);
    EXPECT_LE(r, 1000u);
    removed += r;
  }
  EXPECT_EQ(removed, 1000u);
  EXPECT_EQ(store.DbSize(0), 1000u);
  EXPECT_EQ(store.ExpireCycle(1 << 20), 0u);  // nothing left to expire
  std::vector<std::string> get = {"get", "k1"};
  EXPECT_EQ(store.Execute(0, get).str, "v");
}

}  // namespace
}  // namespace cairn::kv
