// HTTP/1.1 message types shared by the server and the faces. Deliberately free of Boost types so
// faces and their tests need not include Beast.
//
// Thread safety: plain values.
#ifndef CAIRN_NET_HTTP_H_
#define CAIRN_NET_HTTP_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/bytes.h"
#include "core/result.h"

namespace cairn::net {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

// Case-insensitive header lookup; the first match.
std::optional<std::string_view> FindHeader(const HttpHeaders& headers, std::string_view name);

struct HttpRequest {
  std::string method;  // "GET", "PUT", ...
  std::string target;  // as sent: path and query
  std::string path;    // target up to '?', not decoded
  std::string query;   // after '?', not decoded
  HttpHeaders headers;
  // Whole body (bounded by HttpServerOptions::max_body_bytes) for HttpHandler; always empty for
  // HttpStreamHandler, which receives the body through a BodySink.
  std::string body;
  // The body length the client announced: Content-Length, or nullopt for a chunked body.
  std::optional<uint64_t> content_length;
  std::string remote_address;

  std::optional<std::string_view> header(std::string_view name) const {
    return FindHeader(headers, name);
  }
};

// Produces a response body piece by piece: fills `out` and returns the count, 0 at the end.
// Used for bodies too large to hold in memory; errors abort the connection.
using BodySource = std::function<Result<size_t>(MutableByteSpan out)>;

// A HEAD request's response carries the headers (Content-Length included: the length `body` or
// `content_length` gives) but never a body; the server leaves it out.
struct HttpResponse {
  int status = 200;
  HttpHeaders headers;
  std::string body;
  // When set, the body is streamed from it instead of `body`; `content_length` must then be the
  // exact number of bytes it yields.
  BodySource body_source;
  uint64_t content_length = 0;

  void SetHeader(std::string name, std::string value);
  // Convenience: status, Content-Type and body at once.
  void Set(int code, std::string content_type, std::string text);
};

using HttpHandler = std::function<void(const HttpRequest&, HttpResponse*)>;

// Receives a request body as it arrives, for bodies too large to buffer (see HttpStreamHandler).
class BodySink {
 public:
  virtual ~BodySink() = default;
  // Called with successive pieces of the body, in order. A non-OK status stops the body: the
  // server reads no more of it, calls Finish with that status and closes the connection after
  // the response.
  virtual Status Write(ByteSpan data) = 0;
  // Called once: with OK after the whole body arrived, or with the error Write returned. Not
  // called when the client goes away or stalls mid-body; the sink is then destroyed without
  // Finish and must not commit anything.
  virtual void Finish(const Status& body_status, HttpResponse* response) = 0;
};

// Sees a request's head (an HttpRequest with an empty body) before any of its body is read.
// Returns a sink that receives the body and then answers, or nullptr after filling `response`
// when it can answer without the body (a refused signature, say): the body is then not read —
// `Expect: 100-continue` is not granted, a small announced body is discarded, a larger one ends
// the connection after the response.
using HttpStreamHandler =
    std::function<std::unique_ptr<BodySink>(const HttpRequest& head, HttpResponse* response)>;

// Routes by exact path and method; unknown paths get 404, known paths with another method 405
// (with an Allow header). Both as short plain-text bodies. Prefix routes (HandlePrefix) take
// every method for the paths equal to the prefix or under it ("/v1/log" takes "/v1/log" and
// "/v1/log/x", not "/v1/logs"); they are tried after the exact routes, longest prefix first.
class HttpRouter {
 public:
  void Handle(std::string method, std::string path, HttpHandler handler);
  void HandlePrefix(std::string prefix, HttpHandler handler);
  void Dispatch(const HttpRequest& request, HttpResponse* response) const;

 private:
  struct Route {
    std::string method;
    std::string path;
    HttpHandler handler;
  };
  std::vector<Route> routes_;
  std::vector<Route> prefixes_;  // method unused; longest prefix first
};

// The HTTP status for a Status code in cairn's JSON APIs (the event log and graph faces): 400
// invalid argument / out of range, 401, 403, 404, 409 exists / precondition / aborted, 501,
// 503, 504 deadline, 507 resource exhausted, 500 for the rest (data loss, I/O, internal).
int HttpStatusForStatus(StatusCode code);
// Answers `status` as {"error":{"code":"<StatusCodeName>","message":"..."}} with that HTTP status.
void SetJsonError(const Status& status, HttpResponse* response);

}  // namespace cairn::net

#endif  // CAIRN_NET_HTTP_H_
