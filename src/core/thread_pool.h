// ThreadPool: a fixed set of worker threads running submitted tasks in FIFO order.
//
// Used for CPU-bound work that one request can spread across cores (sealing the chunks of a large
// object). Tasks must not block waiting for other tasks of the same pool (that can deadlock when
// every worker waits). The destructor runs every task already submitted, then joins.
//
// Thread safety: Submit() may be called from any thread, including from a task.
#ifndef CAIRN_CORE_THREAD_POOL_H_
#define CAIRN_CORE_THREAD_POOL_H_

#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <thread>
#include <type_traits>
#include <vector>

namespace cairn::core {

class ThreadPool {
 public:
  // `threads` == 0 means one per hardware thread. When the system cannot start a thread, the
  // pool runs with those it could start; with none, Submit() runs tasks on the caller's thread.
  explicit ThreadPool(unsigned threads = 0);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  size_t size() const { return workers_.size(); }

  void Submit(std::function<void()> task);

  // Submits `fn` and returns a future for its result.
  template <typename Fn>
  auto Async(Fn fn) -> std::future<std::invoke_result_t<Fn>> {
    using R = std::invoke_result_t<Fn>;
    auto task = std::make_shared<std::packaged_task<R()>>(std::move(fn));
    std::future<R> future = task->get_future();
    Submit([task] { (*task)(); });
    return future;
  }

 private:
  void Run();

  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace cairn::core

#endif  // CAIRN_CORE_THREAD_POOL_H_
