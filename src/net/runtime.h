// Runtime: the server's threads. One boost::asio::io_context per thread (by default one per
// core), each run by its own thread, so a connection's handlers always run on the same thread
// and need no locking among themselves. Acceptors hand new connections to the contexts in turn
// (NextContext()), which spreads connections across cores without SO_REUSEPORT (which would let
// a second process silently share our port).
//
// Thread safety: NextContext() and context() may be called from any thread after construction;
// Start() and Stop() from the owning thread only.
#ifndef CAIRN_NET_RUNTIME_H_
#define CAIRN_NET_RUNTIME_H_

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

namespace cairn::net {

class Runtime {
 public:
  // `threads` == 0 means one per hardware thread.
  explicit Runtime(unsigned threads = 0);
  ~Runtime();  // calls Stop()
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  size_t size() const { return contexts_.size(); }
  boost::asio::io_context& context(size_t i) { return *contexts_[i]; }
  // Round-robin over the contexts.
  boost::asio::io_context& NextContext();

  // Starts one thread per context. Idempotent.
  void Start();
  // Stops every context and joins the threads. Pending handlers are abandoned. Idempotent.
  void Stop();

 private:
  using WorkGuard = boost::asio::executor_work_guard<boost::asio::io_context::executor_type>;
  std::vector<std::unique_ptr<boost::asio::io_context>> contexts_;
  std::vector<WorkGuard> guards_;
  std::vector<std::thread> threads_;
  std::atomic<size_t> next_{0};
};

}  // namespace cairn::net

#endif  // CAIRN_NET_RUNTIME_H_
