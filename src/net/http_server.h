// HttpServer: an HTTP/1.1 server on the Runtime, built on Boost.Beast.
//
// Each connection runs as a C++20 coroutine on one of the Runtime's contexts: keep-alive,
// pipelined requests answered in order, `Expect: 100-continue` honoured, an idle timeout, limits
// on header and body size (431 / 413 and the connection closed), 400 for malformed requests.
// Handlers get the whole body (HttpHandler) or see the head first and stream the body into a
// BodySink (HttpStreamHandler). Handlers and sinks run on the connection's thread, so a handler
// that blocks (on disk, say) delays the other connections of that thread; an exception escaping
// a handler or sink becomes a 500 response, never a crash.
//
// With HttpServerOptions::tls set the server speaks HTTPS only: every connection starts with a
// TLS handshake (TLS 1.2 or later, bounded by tls_handshake_timeout_seconds), and a client that
// does not complete one, plain HTTP included, is disconnected without an answer. Everything after
// the handshake behaves as above; connections end with a TLS close_notify.
//
// Thread safety: Start()/Stop() from one thread; handlers run concurrently on several threads.
#ifndef CAIRN_NET_HTTP_SERVER_H_
#define CAIRN_NET_HTTP_SERVER_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "core/metrics.h"
#include "core/result.h"
#include "net/http.h"
#include "net/runtime.h"
#include "net/tls.h"

namespace cairn::net {

struct HttpServerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 0;         // 0 picks a free port (see HttpServer::port())
  std::string name = "api";  // label for metrics and logs
  uint64_t max_body_bytes = 1 << 20;
  uint32_t max_header_bytes = 16 * 1024;
  uint32_t idle_timeout_seconds = 60;
  core::MetricsRegistry* metrics = nullptr;  // optional: request counts and latencies
  // Set: HTTPS only, with these credentials (net/tls.h). Unset: plain HTTP.
  std::optional<TlsCredentials> tls;
  uint32_t tls_handshake_timeout_seconds = 10;
};

class HttpServer {
 public:
  // Binds and starts accepting on `runtime` (which must outlive the server).
  // Errors: kUnavailable when the address is in use, kInvalidArgument for a bad address or TLS
  // credentials that do not load, kPermissionDenied for a privileged port.
  static Result<std::unique_ptr<HttpServer>> Start(Runtime* runtime,
                                                   const HttpServerOptions& options,
                                                   HttpHandler handler);
  // The same with a streaming handler; options.max_body_bytes still bounds every body.
  static Result<std::unique_ptr<HttpServer>> StartStreaming(Runtime* runtime,
                                                            const HttpServerOptions& options,
                                                            HttpStreamHandler handler);
  ~HttpServer();  // Stop()

  // The bound port (useful when options.port was 0).
  uint16_t port() const;
  // Whether the server speaks HTTPS (options.tls was set).
  bool tls() const;
  // Stops accepting; open connections end with the Runtime. Idempotent.
  void Stop();

  struct State;

 private:
  explicit HttpServer(std::shared_ptr<State> state) : state_(std::move(state)) {}
  std::shared_ptr<State> state_;
};

}  // namespace cairn::net

#endif  // CAIRN_NET_HTTP_SERVER_H_
