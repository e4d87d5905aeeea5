// SessionRpcFace: the Session storage RPC on HTTP (specs/session-storage-rpc.md §1), as the
// HttpStreamHandler of its own HttpServer (net/http_server.h).
//
// Routes:
//  - POST /storage_rpc/v1: the body (at most 10 MiB) goes to RpcExecutor::Execute; the answer is
//    JSON (`application/json`) or a plain-text error (`text/plain`) with the spec's status.
//    A Content-Length over 10 MiB is answered 413 "Request body too large" before the body is
//    read; a chunked body that grows past it gets the same answer. A request carrying the
//    obsolete `X-Loki-Long-Poll` header is 410. The Content-Type is not checked (as upstream).
//  - GET /get_stats/v1: {"version":"2.6.2"} (upstream's deprecated stats endpoint).
//  - anything else (other paths, other methods): 404 "<METHOD> <PATH> Not Found".
// Not served: /onion_req/v2 (onion requests), /ping_test/v1 (node to node); both are 404.
//
// Metrics (when a registry is given): cairn_session_rpc_requests_total {method, code} and
// cairn_session_rpc_request_seconds {method} per top-level request (method "invalid" for a body
// that does not parse, "http" for answers given before any body was read), plus the executor's
// cairn_session_rpc_subrequests_total.
//
// Thread safety: Handle() may be called concurrently from several threads.
#ifndef CAIRN_FACES_SESSION_RPC_SESSION_RPC_FACE_H_
#define CAIRN_FACES_SESSION_RPC_SESSION_RPC_FACE_H_

#include <cstdint>
#include <memory>
#include <string>

#include "faces/session_rpc/rpc_executor.h"
#include "net/http.h"

namespace cairn::core {
class Env;
class MetricsRegistry;
}  // namespace cairn::core

namespace cairn::session_rpc {

inline constexpr const char* kStorageRpcPath = "/storage_rpc/v1";

struct SessionRpcFaceOptions {
  core::Env* env = nullptr;                  // clock for metrics; must outlive the face
  core::MetricsRegistry* metrics = nullptr;  // optional
};

class SessionRpcFace {
 public:
  // `executor` must outlive the face.
  SessionRpcFace(RpcExecutor* executor, SessionRpcFaceOptions options);
  ~SessionRpcFace();

  // The HttpStreamHandler: answers in `response`, or returns the sink that takes the body.
  std::unique_ptr<net::BodySink> Handle(const net::HttpRequest& head, net::HttpResponse* response);

 private:
  class RpcBodySink;
  // Counts one answered request and its latency.
  void Record(const std::string& method, int status, uint64_t start_micros);

  RpcExecutor* executor_;
  SessionRpcFaceOptions options_;
};

}  // namespace cairn::session_rpc

#endif  // CAIRN_FACES_SESSION_RPC_SESSION_RPC_FACE_H_
