#include "models/kv/kv_store.h"

#include <gtest/gtest.h>

#include "models/kv/internal/test_util.h"

namespace cairn::kv {
namespace {

using TestClock = internal::ClockEnv;

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

TEST(KvStoreTest, WatchVersionsChangeOnWritesAndAreFreedWhenTheLastWatcherStops) {
  KvStore store(KvOptions{});
  std::vector<std::string> set = {"set", "k", "v"};
  uint64_t a = store.KeyVersion(0, "k");
  uint64_t b = store.KeyVersion(0, "k");  // a second watcher of the same key
  EXPECT_EQ(a, b);
  ASSERT_EQ(store.Execute(0, set).str, "OK");
  bool aborted = false;
  store.ExecuteAll(0, {set}, {{"k", a}}, 0, &aborted);
  EXPECT_TRUE(aborted);  // written since it was watched
  EXPECT_EQ(store.WatchedKeys(), 1u);
  store.Unwatch(0, "k");
  EXPECT_EQ(store.WatchedKeys(), 1u);  // one watcher left
  store.Unwatch(0, "k");
  EXPECT_EQ(store.WatchedKeys(), 0u);
  store.Unwatch(0, "k");  // an extra Unwatch is harmless
  for (int i = 0; i < 1000; ++i) {
    std::string key = "w" + std::to_string(i);
    uint64_t v = store.KeyVersion(0, key);
    store.ExecuteAll(0, {{"set", key, "x"}}, {{key, v}}, 0, &aborted);
    EXPECT_FALSE(aborted);
    store.Unwatch(0, key);
  }
  EXPECT_EQ(store.WatchedKeys(), 0u);  // nothing accumulates
}

}  // namespace
}  // namespace cairn::kv
