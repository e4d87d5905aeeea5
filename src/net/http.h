// HTTP/1.1 message types shared by the server and the faces. Deliberately free of Boost types so
// faces and their tests need not include Beast.
//
// Thread safety: plain values.
#ifndef CAIRN_NET_HTTP_H_
#define CAIRN_NET_HTTP_H_

#include <cstdint>
#include <functional>
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
  std::string body;  // whole body (bounded by HttpServerOptions::max_body_bytes)
  std::string remote_address;

  std::optional<std::string_view> header(std::string_view name) const {
    return FindHeader(headers, name);
  }
};

// Produces a response body piece by piece: fills `out` and returns the count, 0 at the end.
// Used for bodies too large to hold in memory; errors abort the connection.
using BodySource = std::function<Result<size_t>(MutableByteSpan out)>;

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

// Routes by exact path and method; unknown paths get 404, known paths with another method 405
// (with an Allow header). Both as short plain-text bodies.
class HttpRouter {
 public:
  void Handle(std::string method, std::string path, HttpHandler handler);
  void Dispatch(const HttpRequest& request, HttpResponse* response) const;

 private:
  struct Route {
    std::string method;
    std::string path;
    HttpHandler handler;
  };
  std::vector<Route> routes_;
};

}  // namespace cairn::net

#endif  // CAIRN_NET_HTTP_H_
