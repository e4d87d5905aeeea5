#include "core/thread_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <set>

namespace cairn::core {
namespace {

TEST(ThreadPoolTest, RunsEveryTaskAndReturnsResults) {
  ThreadPool pool(3);
  EXPECT_EQ(pool.size(), 3u);
  std::vector<std::future<int>> results;
  for (int i = 0; i < 100; ++i) results.push_back(pool.Async([i] { return i * i; }));
  for (int i = 0; i < 100; ++i) EXPECT_EQ(results[i].get(), i * i);
}

TEST(ThreadPoolTest, UsesSeveralThreads) {
  ThreadPool pool(2);
  std::mutex m;
  std::set<std::thread::id> seen;
  std::atomic<int> waiting{0};
  std::vector<std::future<void>> done;
  // Two tasks that each wait for the other to start can only finish on two threads.
  for (int i = 0; i < 2; ++i) {
    done.push_back(pool.Async([&] {
      ++waiting;
      while (waiting.load() < 2) std::this_thread::yield();
      std::lock_guard<std::mutex> lock(m);
      seen.insert(std::this_thread::get_id());
    }));
  }
  for (auto& f : done) f.get();
  EXPECT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen.count(std::this_thread::get_id()), 0u);
}

TEST(ThreadPoolTest, DestructorRunsPendingTasks) {
  std::atomic<int> ran{0};
  {
    ThreadPool pool(1);
    for (int i = 0; i < 50; ++i) pool.Submit([&] { ++ran; });
  }
  EXPECT_EQ(ran.load(), 50);
}

}  // namespace
}  // namespace cairn::core
