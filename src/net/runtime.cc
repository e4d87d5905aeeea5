#include "net/runtime.h"

#include <spdlog/spdlog.h>

namespace cairn::net {

Runtime::Runtime(unsigned threads) {
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  for (unsigned i = 0; i < threads; ++i) {
    // Concurrency hint 1: each context is only ever run by its one thread.
    contexts_.push_back(std::make_unique<boost::asio::io_context>(1));
  }
}

Runtime::~Runtime() { Stop(); }

boost::asio::io_context& Runtime::NextContext() {
  return *contexts_[next_.fetch_add(1, std::memory_order_relaxed) % contexts_.size()];
}

void Runtime::Start() {
  if (!threads_.empty()) return;
  for (auto& ctx : contexts_) {
    guards_.push_back(boost::asio::make_work_guard(*ctx));
    threads_.emplace_back([ctx = ctx.get()] {
      for (;;) {
        try {
          ctx->run();
          return;
        } catch (const std::exception& e) {
          // A handler that throws must not take the whole server down; log and keep serving.
          spdlog::error("uncaught exception in network thread: {}", e.what());
        }
      }
    });
  }
}

void Runtime::Stop() {
  guards_.clear();
  for (auto& ctx : contexts_) ctx->stop();
  for (auto& t : threads_) t.join();
  threads_.clear();
}

}  // namespace cairn::net
