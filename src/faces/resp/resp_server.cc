#include "faces/resp/resp_server.h"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <cstdio>
#include <future>

namespace cairn::resp {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using unix_socket = asio::local::stream_protocol;

namespace {
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
constexpr size_t kReadChunk = 64 * 1024;
// A client that stops reading while pipelining: stop reading its commands until this drains.
constexpr size_t kBackpressureBytes = 8u << 20;
constexpr auto kBlockedRetry = std::chrono::milliseconds(100);
}  // namespace

struct RespServer::State {
  RespServerOptions options;
  RespService* service = nullptr;
  net::Runtime* runtime = nullptr;
  std::unique_ptr<tcp::acceptor> acceptor;
  std::unique_ptr<unix_socket::acceptor> unix_acceptor;
  uint16_t port = 0;
  std::atomic<bool> stopped{false};
};

namespace {

using State = RespServer::State;

// The connection's queue of bytes to send; filled by the reader and by publishers on any thread,
// drained by the writer coroutine.
class SocketOutbox : public Outbox, public std::enable_shared_from_this<SocketOutbox> {
 public:
  explicit SocketOutbox(asio::any_io_executor ex) : timer_(ex) {}
  bool Append(std::string bytes) override {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (closed_) return false;
      pending_ += bytes;
      size_ = pending_.size();
    }
    Wake();
    return true;
  }
  size_t pending() const override { return size_.load(); }
  // Writer side, on the connection's thread: an async write is in flight.
  bool writing() const { return writing_; }
  void set_writing(bool w) { writing_ = w; }
  void Close() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      closed_ = true;
    }
    Wake();
  }
  // Writer side: takes everything queued; empty means "wait" (unless closed).
  std::string Take(bool* closed) {
    std::lock_guard<std::mutex> lock(mutex_);
    std::string out;
    out.swap(pending_);
    size_ = 0;
    *closed = closed_;
    return out;
  }
  asio::steady_timer& timer() { return timer_; }

 private:
  void Wake() {
    // Asio objects belong to their executor's thread: cancel the timer there.
    asio::post(timer_.get_executor(), [w = weak_from_this()] {
      if (auto sp = w.lock()) sp->timer_.cancel();
    });
  }

  std::mutex mutex_;
  std::string pending_;
  std::atomic<size_t> size_{0};
  bool closed_ = false;
  bool writing_ = false;  // only touched on the connection's thread
  asio::steady_timer timer_;
};

template <typename Socket>
asio::awaitable<void> Writer(std::shared_ptr<Socket> sock, std::shared_ptr<SocketOutbox> outbox) {
  for (;;) {
    bool closed = false;
    std::string batch = outbox->Take(&closed);
    if (!batch.empty()) {
      outbox->set_writing(true);
      auto [ec, n] = co_await asio::async_write(*sock, asio::buffer(batch), kTuple);
      outbox->set_writing(false);
      if (ec) {
        outbox->Close();
        break;
      }
      continue;
    }
    if (closed) break;
    outbox->timer().expires_at(asio::steady_timer::time_point::max());
    co_await outbox->timer().async_wait(kTuple);
  }
  boost::system::error_code ignored;
  sock->shutdown(asio::socket_base::shutdown_send, ignored);
  sock->close(ignored);
}

template <typename Socket>
asio::awaitable<void> Serve(std::shared_ptr<State> st, Socket socket, std::string remote) {
  auto ex = co_await asio::this_coro::executor;
  auto sock = std::make_shared<Socket>(std::move(socket));
  {
    boost::system::error_code ignored;
    sock->non_blocking(true, ignored);
  }
  auto outbox = std::make_shared<SocketOutbox>(ex);
  std::shared_ptr<Connection> conn = st->service->Connect(outbox, remote);
  asio::co_spawn(ex, Writer(sock, outbox), asio::detached);
  net::RespParser parser(st->options.limits);
  std::unique_ptr<char[]> buf(new char[kReadChunk]);
  std::string in;
  size_t start = 0;
  asio::steady_timer pause(ex);
  bool close = false;
  std::string replies;
  std::vector<std::string> argv;
  std::string error;
  while (!close && !conn->closing()) {
    auto [ec, n] = co_await sock->async_read_some(asio::buffer(buf.get(), kReadChunk), kTuple);
    if (ec) break;
    in.append(buf.get(), n);
    replies.clear();
    for (;;) {
      size_t consumed = 0;
      auto outcome = parser.Parse(std::string_view(in).substr(start), &consumed, &argv, &error);
      if (outcome == net::RespParser::Outcome::kNeedMore) break;
      if (outcome == net::RespParser::Outcome::kError) {
        net::RespWriter w(&replies, 2);
        w.AppendError(error);
        close = true;
        break;
      }
      start += consumed;
      if (argv.empty()) continue;
      auto result = st->service->Dispatch(*conn, argv, &replies);
      if (result == RespService::Outcome::kBlocked) {
        int64_t timeout_ms = RespService::BlockingTimeoutMs(argv);
        // Send what is answered so far, then retry until data arrives or the timeout passes.
        if (!replies.empty()) {
          if (!st->service->Commit().ok()) {
            close = true;  // the writes are not durable: their replies are never sent
            replies.clear();
            break;
          }
          outbox->Append(std::move(replies));
        }
        replies.clear();
        auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
        // Woken when one of the command's keys is written; retried at least every
        // kBlockedRetry regardless (keys restored or renamed in may not announce themselves).
        auto wake_timer = std::make_shared<asio::steady_timer>(ex);
        auto woken = std::make_shared<std::atomic<bool>>(false);
        st->service->Block(*conn, argv, [wake_timer, woken] {
          woken->store(true);
          asio::post(wake_timer->get_executor(), [wake_timer] { wake_timer->cancel(); });
        });
        while (result == RespService::Outcome::kBlocked && !conn->closing()) {
          auto now = std::chrono::steady_clock::now();
          if (timeout_ms > 0 && now >= deadline) {
            st->service->BlockedTimeout(*conn, &replies);
            result = RespService::Outcome::kDone;
            break;
          }
          if (!woken->exchange(false)) {
            auto wait = std::chrono::steady_clock::duration(kBlockedRetry);
            if (timeout_ms > 0) wait = std::min(wait, deadline - now);
            wake_timer->expires_after(wait);
            co_await wake_timer->async_wait(kTuple);
          }
          if (st->stopped.load()) {
            close = true;
            break;
          }
          result = st->service->Dispatch(*conn, argv, &replies);
        }
        st->service->Unblock(*conn);
      }
      if (result == RespService::Outcome::kClose) {
        close = true;
        break;
      }
    }
    if (start == in.size()) {
      in.clear();
      start = 0;
    } else if (start > (1u << 20)) {
      in.erase(0, start);
      start = 0;
    }
    if (!replies.empty()) {
      // Writes are committed to the log (and synced under appendfsync always) before any reply
      // acknowledges them; when that fails, the replies are dropped and the connection closed.
      if (!st->service->Commit().ok()) break;
      if (!outbox->writing() && outbox->pending() == 0) {
        // Nothing queued before these replies: write them straight away (the socket is
        // non-blocking), saving the hand-off to the writer; what does not fit goes to the outbox.
        boost::system::error_code wec;
        size_t written = sock->write_some(asio::buffer(replies), wec);
        if (wec && wec != asio::error::would_block && wec != asio::error::try_again) break;
        replies.erase(0, wec ? 0 : written);
      }
      if (!replies.empty() && !outbox->Append(std::move(replies))) break;
    }
    while (!close && outbox->pending() > kBackpressureBytes && !conn->closing()) {
      pause.expires_after(std::chrono::milliseconds(1));
      co_await pause.async_wait(kTuple);
    }
  }
  st->service->Disconnect(conn);
  outbox->Close();
}

Status BindError(const std::string& where, const boost::system::error_code& ec) {
  if (ec == asio::error::address_in_use) return UnavailableError("resp: " + where + " is in use");
  return InvalidArgumentError("resp: cannot listen on " + where + ": " + ec.message());
}

asio::awaitable<void> AcceptTcp(std::shared_ptr<State> st) {
  for (;;) {
    auto [ec, socket] = co_await st->acceptor->async_accept(st->runtime->NextContext(), kTuple);
    if (st->stopped.load() || ec == asio::error::operation_aborted) co_return;
    if (ec) {
      asio::steady_timer t(co_await asio::this_coro::executor, std::chrono::milliseconds(50));
      co_await t.async_wait(kTuple);
      continue;
    }
    boost::system::error_code ig;
    socket.set_option(tcp::no_delay(true), ig);
    auto ep = socket.remote_endpoint(ig);
    std::string remote = ig ? "?" : ep.address().to_string() + ":" + std::to_string(ep.port());
    auto ex = socket.get_executor();
    asio::co_spawn(ex, Serve(st, std::move(socket), remote), asio::detached);
  }
}

asio::awaitable<void> AcceptUnix(std::shared_ptr<State> st) {
  for (;;) {
    auto [ec, socket] =
        co_await st->unix_acceptor->async_accept(st->runtime->NextContext(), kTuple);
    if (st->stopped.load() || ec == asio::error::operation_aborted) co_return;
    if (ec) {
      asio::steady_timer t(co_await asio::this_coro::executor, std::chrono::milliseconds(50));
      co_await t.async_wait(kTuple);
      continue;
    }
    auto ex = socket.get_executor();
    asio::co_spawn(ex, Serve(st, std::move(socket), std::string("unix")), asio::detached);
  }
}

}  // namespace

Result<std::unique_ptr<RespServer>> RespServer::Start(net::Runtime* runtime, RespService* service,
                                                      const RespServerOptions& options) {
  auto st = std::make_shared<State>();
  st->options = options;
  st->service = service;
  st->runtime = runtime;
  boost::system::error_code ec;
  auto address = asio::ip::make_address(options.address, ec);
  if (ec) return InvalidArgumentError("resp: invalid bind address '" + options.address + "'");
  tcp::endpoint endpoint(address, options.port);
  std::string where = options.address + ":" + std::to_string(options.port);
  st->acceptor = std::make_unique<tcp::acceptor>(runtime->context(0));
  if (st->acceptor->open(endpoint.protocol(), ec)) return BindError(where, ec);
  if (st->acceptor->set_option(asio::socket_base::reuse_address(true), ec)) {
    return BindError(where, ec);
  }
  if (st->acceptor->bind(endpoint, ec)) return BindError(where, ec);
  if (st->acceptor->listen(asio::socket_base::max_listen_connections, ec)) {
    return BindError(where, ec);
  }
  st->port = st->acceptor->local_endpoint().port();
  if (!options.unix_socket.empty()) {
    std::remove(options.unix_socket.c_str());  // a stale socket file from an earlier run
    st->unix_acceptor = std::make_unique<unix_socket::acceptor>(runtime->context(0));
    unix_socket::endpoint uep(options.unix_socket);
    if (st->unix_acceptor->open(uep.protocol(), ec) || st->unix_acceptor->bind(uep, ec) ||
        st->unix_acceptor->listen(asio::socket_base::max_listen_connections, ec)) {
      return BindError(options.unix_socket, ec);
    }
    asio::co_spawn(runtime->context(0), AcceptUnix(st), asio::detached);
    spdlog::info("resp: listening on unix:{}", options.unix_socket);
  }
  asio::co_spawn(runtime->context(0), AcceptTcp(st), asio::detached);
  spdlog::info("resp: listening on {}:{}", options.address, st->port);
  return std::unique_ptr<RespServer>(new RespServer(std::move(st)));
}

RespServer::~RespServer() { Stop(); }

uint16_t RespServer::port() const { return state_->port; }

void RespServer::Stop() {
  if (state_->stopped.exchange(true)) return;
  std::shared_ptr<State> st = state_;
  auto done = std::make_shared<std::promise<void>>();
  auto future = done->get_future();
  asio::post(st->runtime->context(0), [st, done] {
    boost::system::error_code ignored;
    st->acceptor->close(ignored);
    if (st->unix_acceptor) st->unix_acceptor->close(ignored);
    done->set_value();
  });
  if (future.wait_for(std::chrono::seconds(5)) != std::future_status::ready) {
    spdlog::warn("resp: acceptor close timed out (runtime not running?)");
  }
  if (!st->options.unix_socket.empty()) std::remove(st->options.unix_socket.c_str());
}

}  // namespace cairn::resp
