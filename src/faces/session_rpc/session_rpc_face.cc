#include "faces/session_rpc/session_rpc_face.h"

#include <algorithm>
#include <optional>
#include <string>
#include <utility>

#include "core/env/env.h"
#include "core/metrics.h"
#include "faces/session_rpc/constants.h"

namespace cairn::session_rpc {

namespace {

constexpr const char* kJson = "application/json";
constexpr const char* kText = "text/plain; charset=utf-8";
constexpr const char* kTooLarge = "Request body too large";

}  // namespace

// Collects the body (bounded by kMaxRequestBodyBytes) and runs it once it is complete.
class SessionRpcFace::RpcBodySink : public net::BodySink {
 public:
  RpcBodySink(SessionRpcFace* face, uint64_t start_micros, std::optional<uint64_t> length)
      : face_(face), start_(start_micros) {
    if (length) body_.reserve(static_cast<size_t>(*length));
  }

  Status Write(ByteSpan data) override {
    if (body_.size() + data.size() > kMaxRequestBodyBytes) {
      return ResourceExhaustedError(kTooLarge);
    }
    body_.append(reinterpret_cast<const char*>(data.data()), data.size());
    return Status();
  }

  void Finish(const Status& body_status, net::HttpResponse* response) override {
    if (!body_status.ok()) {
      // Only Write fails a body here: it grew past the limit.
      response->Set(413, kText, kTooLarge);
      face_->Record("http", 413, start_);
      return;
    }
    RpcReply reply = face_->executor_->Execute(body_);
    response->Set(reply.status, reply.json ? kJson : kText, std::move(reply.body));
    face_->Record(reply.method.empty() ? "invalid" : reply.method, reply.status, start_);
  }

 private:
  SessionRpcFace* face_;
  uint64_t start_;
  std::string body_;
};

SessionRpcFace::SessionRpcFace(RpcExecutor* executor, SessionRpcFaceOptions options)
    : executor_(executor), options_(options) {}

SessionRpcFace::~SessionRpcFace() = default;

std::unique_ptr<net::BodySink> SessionRpcFace::Handle(const net::HttpRequest& head,
                                                      net::HttpResponse* response) {
  const uint64_t start = options_.env->NowMicros();
  if (head.path == kStorageRpcPath && head.method == "POST") {
    if (head.header("X-Loki-Long-Poll")) {
      response->Set(410, kText, "Long polling is no longer supported");
      Record("http", 410, start);
      return nullptr;
    }
    if (head.content_length && *head.content_length > kMaxRequestBodyBytes) {
      response->Set(413, kText, kTooLarge);
      Record("http", 413, start);
      return nullptr;
    }
    return std::make_unique<RpcBodySink>(this, start, head.content_length);
  }
  if (head.path == "/get_stats/v1" && head.method == "GET") {
    response->Set(200, kJson, R"({"version":"2.6.2"})");
    Record("get_stats", 200, start);
    return nullptr;
  }
  response->Set(404, kText, head.method + " " + head.path + " Not Found");
  Record("http", 404, start);
  return nullptr;
}

void SessionRpcFace::Record(const std::string& method, int status, uint64_t start_micros) {
  core::MetricsRegistry* m = options_.metrics;
  if (m == nullptr) return;
  m->GetCounter("cairn_session_rpc_requests_total",
                "Session RPC requests answered, by method and status.",
                {{"method", method}, {"code", std::to_string(status)}})
      ->Increment();
  const uint64_t now = options_.env->NowMicros();
  m->GetHistogram("cairn_session_rpc_request_seconds",
                  "Time from the request head to the answer, by Session RPC method.",
                  core::Histogram::LatencyBuckets(), {{"method", method}})
      ->Observe(static_cast<double>(now - std::min(now, start_micros)) / 1e6);
}

}  // namespace cairn::session_rpc
