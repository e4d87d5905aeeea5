#include "net/http_server.h"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <chrono>
#include <future>
#include <type_traits>

namespace cairn::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {
// A connection is served on either stream; Serve() and its helpers are templates over the two,
// so the plain instantiation is exactly the code it was before TLS existed.
using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;
template <typename Stream>
constexpr bool kIsTls = std::is_same_v<Stream, TlsStream>;

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
// Bodies move in pieces of this size: each socket operation arms the idle timer (a timerfd
// syscall), so larger pieces mean fewer syscalls per byte.
constexpr size_t kStreamChunk = 1024 * 1024;
// Streamed response bodies up to this size are gathered and sent with the headers.
constexpr uint64_t kInlineBody = 64 * 1024;
}  // namespace

struct HttpServer::State {
  HttpServerOptions options;
  HttpStreamHandler handler;
  Runtime* runtime = nullptr;
  std::unique_ptr<tcp::acceptor> acceptor;
  uint16_t port = 0;
  std::atomic<bool> stopped{false};
  core::Histogram* latency = nullptr;
  std::unique_ptr<asio::ssl::context> tls_context;  // null: plain HTTP
  core::Counter* tls_handshake_failures = nullptr;
};

namespace {

using State = HttpServer::State;

void CountRequest(State* st, int status, std::chrono::steady_clock::time_point start) {
  if (st->options.metrics == nullptr) return;
  st->options.metrics
      ->GetCounter("cairn_http_requests_total", "HTTP requests answered, by server and status.",
                   {{"server", st->options.name}, {"code", std::to_string(status)}})
      ->Increment();
  if (st->latency != nullptr) {
    st->latency->Observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
}

using BodyParser = http::request_parser<http::buffer_body>;

HttpRequest ToHead(const BodyParser& parser, const std::string& remote) {
  const auto& req = parser.get();
  HttpRequest r;
  r.method = std::string(req.method_string());
  r.target = std::string(req.target());
  size_t q = r.target.find('?');
  r.path = r.target.substr(0, q);
  if (q != std::string::npos) r.query = r.target.substr(q + 1);
  for (const auto& field : req) {
    r.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  if (!parser.chunked()) r.content_length = parser.content_length().value_or(0);
  r.remote_address = remote;
  return r;
}

// Adapts a whole-body HttpHandler to the streaming interface.
class BufferingSink : public BodySink {
 public:
  BufferingSink(const HttpHandler* handler, HttpRequest head)
      : handler_(handler), request_(std::move(head)) {}
  Status Write(ByteSpan data) override {
    request_.body.append(reinterpret_cast<const char*>(data.data()), data.size());
    return Status();
  }
  void Finish(const Status& body_status, HttpResponse* response) override {
    if (!body_status.ok()) {
      response->Set(400, "text/plain; charset=utf-8", body_status.ToString() + "\n");
      return;
    }
    (*handler_)(request_, response);
  }

 private:
  const HttpHandler* handler_;
  HttpRequest request_;
};

template <typename Message>
void CopyHeaders(const HttpResponse& resp, Message* msg) {
  for (const auto& [k, v] : resp.headers) msg->set(k, v);
}

// Lingering close: the client may still be sending a body we did not read. Closing with unread
// input makes the kernel send RST, which can destroy our response before the client reads it,
// so half-close and drain (bounded in bytes and time) first.
// Over TLS, a close_notify goes first (the shutdown ends at the peer's own close_notify, its close,
// application data it still sends, or the deadline); what follows is drained undecrypted.
template <typename Stream>
asio::awaitable<void> LingeringClose(Stream& stream) {
  beast::tcp_stream& tcp_stream = beast::get_lowest_layer(stream);
  if constexpr (kIsTls<Stream>) {
    tcp_stream.expires_after(std::chrono::seconds(2));
    co_await stream.async_shutdown(kTuple);
  }
  beast::error_code ignored;
  tcp_stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  tcp_stream.expires_after(std::chrono::seconds(2));
  std::unique_ptr<char[]> sink(new char[64 * 1024]);
  for (size_t drained = 0; drained < (64u << 20);) {
    auto [rec, rn] =
        co_await tcp_stream.async_read_some(asio::buffer(sink.get(), 64 * 1024), kTuple);
    if (rec) break;
    drained += rn;
  }
}

// Arms the connection's deadline (on the TCP stream under any TLS layer).
template <typename Stream>
void ExpiresAfter(Stream& stream, uint32_t seconds) {
  beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(seconds));
}

// Writes a short plain-text error and tells the caller to close the connection.
template <typename Stream>
asio::awaitable<void> SendError(Stream& stream, State* st, unsigned version, int status,
                                std::string text) {
  http::response<http::string_body> res{static_cast<http::status>(status), version};
  res.set(http::field::content_type, "text/plain; charset=utf-8");
  res.set(http::field::connection, "close");
  res.body() = std::move(text);
  res.prepare_payload();
  ExpiresAfter(stream, st->options.idle_timeout_seconds);
  auto [ec, n] = co_await http::async_write(stream, res, kTuple);
  if (ec) co_return;
  co_await LingeringClose(stream);
}

// Streams resp.body_source; returns false when the connection must be closed.
template <typename Stream>
asio::awaitable<bool> WriteStreamed(Stream& stream, State* st, unsigned version, bool keep_alive,
                                    HttpResponse& resp) {
  http::response<http::buffer_body> res{static_cast<http::status>(resp.status), version};
  CopyHeaders(resp, &res);
  res.content_length(resp.content_length);
  res.keep_alive(keep_alive);
  res.body().data = nullptr;
  res.body().more = true;
  http::response_serializer<http::buffer_body> sr{res};
  ExpiresAfter(stream, st->options.idle_timeout_seconds);
  auto [hec, hn] = co_await http::async_write_header(stream, sr, kTuple);
  if (hec) co_return false;
  std::unique_ptr<uint8_t[]> chunk(new uint8_t[kStreamChunk]);
  uint64_t sent = 0;
  for (;;) {
    Result<size_t> n = resp.body_source(MutableByteSpan(chunk.get(), kStreamChunk));
    if (!n.ok()) {
      // Headers are gone already: the only honest signal left is to cut the connection.
      spdlog::warn("{}: response body failed after {} bytes: {}", st->options.name, sent,
                   n.status().ToString());
      co_return false;
    }
    sent += *n;
    res.body().data = *n ? chunk.get() : nullptr;
    res.body().size = *n;
    res.body().more = *n != 0;
    ExpiresAfter(stream, st->options.idle_timeout_seconds);
    auto [ec, w] = co_await http::async_write(stream, sr, kTuple);
    if (ec == http::error::need_buffer) ec = {};
    if (ec) co_return false;
    if (*n == 0) break;
  }
  co_return sent == resp.content_length&& keep_alive;
}

// The peer is gone, or (TLS) the session cannot carry another byte: nothing to answer.
bool IsConnectionEnd(const beast::error_code& ec) {
  return ec == http::error::end_of_stream || ec == asio::error::eof ||
         ec == asio::error::connection_reset || ec == beast::error::timeout ||
         ec == asio::error::operation_aborted || ec == asio::ssl::error::stream_truncated ||
         ec.category() == asio::error::get_ssl_category();
}

void SetInternalError(HttpResponse* response) {
  *response = HttpResponse();
  response->Set(500, "text/plain; charset=utf-8", "internal error\n");
}

template <typename Stream>
Stream MakeStream(State* st, tcp::socket socket) {
  if constexpr (kIsTls<Stream>) {
    return Stream(std::move(socket), *st->tls_context);
  } else {
    return Stream(std::move(socket));
  }
}

// The server's half of the TLS handshake, bounded by tls_handshake_timeout_seconds. A client that
// fails it (one speaking plain HTTP, say) is dropped without an answer.
asio::awaitable<bool> Handshake(TlsStream& stream, State* st, const std::string& remote) {
  ExpiresAfter(stream, st->options.tls_handshake_timeout_seconds);
  auto [ec] = co_await stream.async_handshake(asio::ssl::stream_base::server, kTuple);
  if (!ec) co_return true;
  if (st->tls_handshake_failures != nullptr) st->tls_handshake_failures->Increment();
  spdlog::debug("{}: TLS handshake with {} failed: {}", st->options.name, remote, ec.message());
  co_return false;
}

template <typename Stream>
asio::awaitable<void> Serve(std::shared_ptr<State> st, tcp::socket socket) {
  beast::error_code ep_ec;
  auto ep = socket.remote_endpoint(ep_ec);
  std::string remote = ep_ec ? "?" : ep.address().to_string() + ":" + std::to_string(ep.port());
  Stream stream = MakeStream<Stream>(st.get(), std::move(socket));
  if constexpr (kIsTls<Stream>) {
    if (!co_await Handshake(stream, st.get(), remote)) co_return;
  }
  beast::flat_buffer buffer;
  std::unique_ptr<uint8_t[]> body_buf;
  bool linger = false;  // unread body left: answer, then drain before closing
  for (;;) {
    ExpiresAfter(stream, st->options.idle_timeout_seconds);
    BodyParser parser;
    parser.header_limit(st->options.max_header_bytes);
    parser.body_limit(st->options.max_body_bytes);
    auto [ec, n] = co_await http::async_read_header(stream, buffer, parser, kTuple);
    if (ec) {
      if (IsConnectionEnd(ec)) break;
      if (ec == http::error::header_limit) {
        co_await SendError(stream, st.get(), 11, 431, "request header too large\n");
      } else if (ec == http::error::body_limit) {  // Content-Length over the limit
        co_await SendError(stream, st.get(), 11, 413, "request body too large\n");
      } else {
        co_await SendError(stream, st.get(), 11, 400, "bad request: " + ec.message() + "\n");
      }
      break;
    }
    auto start = std::chrono::steady_clock::now();
    unsigned version = parser.get().version();
    auto length = parser.content_length();
    if (length && *length > st->options.max_body_bytes) {
      co_await SendError(stream, st.get(), version, 413, "request body too large\n");
      break;
    }
    bool keep_alive = parser.get().keep_alive();
    bool expect_continue = beast::iequals(parser.get()[http::field::expect], "100-continue");
    HttpRequest head = ToHead(parser, remote);
    const std::string method = head.method;
    HttpResponse response;
    std::unique_ptr<BodySink> sink;
    try {
      sink = st->handler(head, &response);
    } catch (const std::exception& e) {
      spdlog::error("{}: handler for {} {} threw: {}", st->options.name, head.method, head.path,
                    e.what());
      SetInternalError(&response);
    }
    if (sink) {
      if (expect_continue && !parser.is_done()) {
        http::response<http::empty_body> cont{http::status::continue_, version};
        auto [cec, cn] = co_await http::async_write(stream, cont, kTuple);
        if (cec) break;
      }
      if (!body_buf) body_buf.reset(new uint8_t[kStreamChunk]);
      Status body_status;
      bool vanished = false;
      auto deliver = [&](ByteSpan piece) {
        try {
          body_status = sink->Write(piece);
        } catch (const std::exception& e) {
          spdlog::error("{}: body sink for {} {} threw: {}", st->options.name, head.method,
                        head.path, e.what());
          body_status = InternalError("body sink threw");
        }
        return body_status.ok();
      };
      if (!parser.chunked() && length) {
        // A Content-Length body: read it straight from the socket into body_buf, never past its
        // end (a pipelined next request stays in `buffer`), without the parser's extra copy.
        uint64_t remaining = *length;
        if (remaining > 0 && buffer.size() > 0) {
          size_t n = static_cast<size_t>(std::min<uint64_t>(buffer.size(), remaining));
          auto data = buffer.data();
          bool ok = deliver(ByteSpan(static_cast<const uint8_t*>(data.data()), n));
          buffer.consume(n);
          remaining -= n;
          if (!ok) remaining = 0;
        }
        while (remaining > 0 && body_status.ok()) {
          size_t want = static_cast<size_t>(std::min<uint64_t>(remaining, kStreamChunk));
          ExpiresAfter(stream, st->options.idle_timeout_seconds);
          auto [rec, rn] =
              co_await stream.async_read_some(asio::buffer(body_buf.get(), want), kTuple);
          if (rec) {
            vanished = true;  // the client went away or stalled mid-body
            break;
          }
          remaining -= rn;
          deliver(ByteSpan(body_buf.get(), rn));
        }
      }
      while (!vanished && body_status.ok() && !parser.is_done() && parser.chunked()) {
        parser.get().body().data = body_buf.get();
        parser.get().body().size = kStreamChunk;
        ExpiresAfter(stream, st->options.idle_timeout_seconds);
        auto [bec, bn] = co_await http::async_read(stream, buffer, parser, kTuple);
        if (bec == http::error::need_buffer) bec = {};
        size_t got = kStreamChunk - parser.get().body().size;
        if (bec == http::error::body_limit) {
          co_await SendError(stream, st.get(), version, 413, "request body too large\n");
          vanished = true;
          break;
        }
        if (bec) {
          if (!IsConnectionEnd(bec)) {
            co_await SendError(stream, st.get(), version, 400,
                               "bad request: " + bec.message() + "\n");
          }
          vanished = true;
          break;
        }
        if (got == 0) continue;
        if (!deliver(ByteSpan(body_buf.get(), got))) break;
      }
      if (vanished) break;  // the sink is destroyed without Finish
      try {
        sink->Finish(body_status, &response);
      } catch (const std::exception& e) {
        spdlog::error("{}: body sink for {} {} threw: {}", st->options.name, head.method, head.path,
                      e.what());
        SetInternalError(&response);
      }
      sink.reset();
      if (!body_status.ok()) linger = true;
    } else if (!parser.is_done()) {
      // Answered without the body. Discard a small announced body so the connection stays
      // usable; otherwise (or when the client waits for 100-continue) close after answering.
      if (!expect_continue && length && *length <= 64 * 1024) {
        std::unique_ptr<uint8_t[]> discard(new uint8_t[64 * 1024]);
        while (!parser.is_done()) {
          parser.get().body().data = discard.get();
          parser.get().body().size = 64 * 1024;
          auto [dec, dn] = co_await http::async_read(stream, buffer, parser, kTuple);
          if (dec == http::error::need_buffer) dec = {};
          if (dec) break;
        }
        if (!parser.is_done()) break;
      } else {
        linger = true;
      }
    }
    if (linger) keep_alive = false;
    CountRequest(st.get(), response.status, start);
    if (method == "HEAD") {
      http::response<http::empty_body> res{static_cast<http::status>(response.status), version};
      CopyHeaders(response, &res);
      res.content_length(response.body_source ? response.content_length : response.body.size());
      res.keep_alive(keep_alive);
      ExpiresAfter(stream, st->options.idle_timeout_seconds);
      http::response_serializer<http::empty_body> sr{res};
      auto [wec, wn] = co_await http::async_write_header(stream, sr, kTuple);
      if (wec || !keep_alive) break;
      continue;
    }
    if (response.body_source && response.content_length <= kInlineBody) {
      // A small streamed body goes out with its headers in one write (one syscall).
      std::string body(response.content_length, '\0');
      size_t filled = 0;
      bool failed = false;
      while (filled < body.size()) {
        Result<size_t> n = response.body_source(MutableByteSpan(
            reinterpret_cast<uint8_t*>(body.data()) + filled, body.size() - filled));
        if (!n.ok() || *n == 0) {
          spdlog::warn("{}: response body failed after {} bytes: {}", st->options.name, filled,
                       n.ok() ? std::string("ended early") : n.status().ToString());
          failed = true;
          break;
        }
        filled += *n;
      }
      if (failed) break;  // headers not sent yet, but the status promised a body: cut
      response.body = std::move(body);
      response.body_source = nullptr;
    }
    if (response.body_source) {
      if (!co_await WriteStreamed(stream, st.get(), version, keep_alive, response)) break;
      continue;
    }
    http::response<http::string_body> res{static_cast<http::status>(response.status), version};
    CopyHeaders(response, &res);
    res.keep_alive(keep_alive);
    res.body() = std::move(response.body);
    res.prepare_payload();
    ExpiresAfter(stream, st->options.idle_timeout_seconds);
    auto [wec, wn] = co_await http::async_write(stream, res, kTuple);
    if (wec || !keep_alive) break;
  }
  if (linger) {
    co_await LingeringClose(stream);
  } else if constexpr (kIsTls<Stream>) {
    // close_notify, then wait (briefly) for the client's close: an HTTPS client that reads to the
    // end of the connection must not see it cut short.
    ExpiresAfter(stream, 2);
    co_await stream.async_shutdown(kTuple);
  } else {
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }
}

asio::awaitable<void> AcceptLoop(std::shared_ptr<State> st) {
  for (;;) {
    auto [ec, socket] = co_await st->acceptor->async_accept(st->runtime->NextContext(), kTuple);
    if (st->stopped.load()) co_return;
    if (ec) {
      if (ec == asio::error::operation_aborted) co_return;
      // EMFILE and friends: back off briefly instead of spinning.
      spdlog::warn("{}: accept failed: {}", st->options.name, ec.message());
      asio::steady_timer timer(co_await asio::this_coro::executor, std::chrono::milliseconds(50));
      co_await timer.async_wait(kTuple);
      continue;
    }
    // Responses go out as separate writes (headers, then body pieces): without TCP_NODELAY,
    // Nagle's algorithm holds a small body back until the client's delayed ACK, ~40 ms.
    beast::error_code nodelay_ec;
    socket.set_option(tcp::no_delay(true), nodelay_ec);
    auto exec = socket.get_executor();
    if (st->tls_context) {
      asio::co_spawn(exec, Serve<TlsStream>(st, tcp::socket(std::move(socket))), asio::detached);
    } else {
      asio::co_spawn(exec, Serve<PlainStream>(st, tcp::socket(std::move(socket))), asio::detached);
    }
  }
}

Status BindError(const HttpServerOptions& o, const beast::error_code& ec) {
  std::string where = o.address + ":" + std::to_string(o.port);
  if (ec == asio::error::address_in_use) {
    return UnavailableError(o.name + " port " + where + " is already in use");
  }
  if (ec == asio::error::access_denied) {
    return PermissionDeniedError(o.name + " port " + where + ": permission denied");
  }
  return InvalidArgumentError(o.name + " cannot listen on " + where + ": " + ec.message());
}

}  // namespace

Result<std::unique_ptr<HttpServer>> HttpServer::Start(Runtime* runtime,
                                                      const HttpServerOptions& options,
                                                      HttpHandler handler) {
  auto shared = std::make_shared<HttpHandler>(std::move(handler));
  return StartStreaming(
      runtime, options,
      [shared](const HttpRequest& head, HttpResponse*) -> std::unique_ptr<BodySink> {
        return std::make_unique<BufferingSink>(shared.get(), head);
      });
}

Result<std::unique_ptr<HttpServer>> HttpServer::StartStreaming(Runtime* runtime,
                                                               const HttpServerOptions& options,
                                                               HttpStreamHandler handler) {
  auto st = std::make_shared<State>();
  st->options = options;
  st->handler = std::move(handler);
  st->runtime = runtime;
  if (options.metrics != nullptr) {
    st->latency = options.metrics->GetHistogram(
        "cairn_http_request_duration_seconds", "Time from request header to response, seconds.",
        core::Histogram::LatencyBuckets(), {{"server", options.name}});
  }
  if (options.tls) {
    Result<std::unique_ptr<asio::ssl::context>> context = NewTlsServerContext(*options.tls);
    if (!context.ok()) {
      return InvalidArgumentError(options.name + ": " + std::string(context.status().message()));
    }
    st->tls_context = std::move(context).value();
    st->options.tls.reset();  // the context holds the key now; keep no second copy
    if (options.metrics != nullptr) {
      st->tls_handshake_failures = options.metrics->GetCounter(
          "cairn_http_tls_handshake_failures_total",
          "TLS handshakes that failed or timed out (plain HTTP to an HTTPS port included).",
          {{"server", options.name}});
    }
  }
  beast::error_code ec;
  auto address = asio::ip::make_address(options.address, ec);
  if (ec) return InvalidArgumentError("invalid bind address '" + options.address + "'");
  tcp::endpoint endpoint(address, options.port);
  st->acceptor = std::make_unique<tcp::acceptor>(runtime->context(0));
  if (st->acceptor->open(endpoint.protocol(), ec)) return BindError(options, ec);
  // SO_REUSEADDR only lets us rebind over TIME_WAIT leftovers; it never shares a live port.
  if (st->acceptor->set_option(asio::socket_base::reuse_address(true), ec)) {
    return BindError(options, ec);
  }
  if (st->acceptor->bind(endpoint, ec)) return BindError(options, ec);
  if (st->acceptor->listen(asio::socket_base::max_listen_connections, ec)) {
    return BindError(options, ec);
  }
  st->port = st->acceptor->local_endpoint().port();
  asio::co_spawn(runtime->context(0), AcceptLoop(st), asio::detached);
  spdlog::info("{}: listening on {}://{}:{}", options.name, st->tls_context ? "https" : "http",
               options.address, st->port);
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(st)));
}

HttpServer::~HttpServer() { Stop(); }

uint16_t HttpServer::port() const { return state_->port; }

bool HttpServer::tls() const { return state_->tls_context != nullptr; }

void HttpServer::Stop() {
  if (state_->stopped.exchange(true)) return;
  // Close on the acceptor's own thread: Asio objects are not safe to touch from two threads.
  std::shared_ptr<State> st = state_;
  auto done = std::make_shared<std::promise<void>>();
  auto future = done->get_future();
  asio::post(st->runtime->context(0), [st, done] {
    beast::error_code ignored;
    st->acceptor->close(ignored);
    done->set_value();
  });
  if (future.wait_for(std::chrono::seconds(5)) != std::future_status::ready) {
    spdlog::warn("{}: acceptor close timed out (runtime not running?)", st->options.name);
  }
}

}  // namespace cairn::net
