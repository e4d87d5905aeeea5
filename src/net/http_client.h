// HttpGet / HttpFetch: a small blocking HTTP/1.1 client for tools and peers — the `cairn` CLI
// asking cairnd's API port for JSON, an event log follower fetching a peer's batches. One request
// per connection (Connection: close), plain http:// only, one deadline for the whole exchange
// (resolve, connect, write, read). Built on Beast, like the server.
//
// Thread safety: HttpGet may be called from any thread; each call runs its own io_context.
#ifndef CAIRN_NET_HTTP_CLIENT_H_
#define CAIRN_NET_HTTP_CLIENT_H_

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"
#include "net/http.h"

namespace cairn::net {

struct HttpClientOptions {
  std::chrono::milliseconds timeout{30'000};  // for the whole exchange
  uint64_t max_body_bytes = 64ull << 20;
};

struct HttpClientResponse {
  int status = 0;
  HttpHeaders headers;
  std::string body;

  std::optional<std::string_view> header(std::string_view name) const {
    return FindHeader(headers, name);
  }
};

// The parts of an http:// URL. `target` is the path and query ("/" when the URL has none).
struct HttpUrl {
  std::string host;
  std::string port = "80";
  std::string target = "/";
};
// Parses "http://host[:port][/path[?query]]" (IPv6 hosts in brackets).
// Errors: kInvalidArgument (another scheme, no host, a bad port).
Result<HttpUrl> ParseHttpUrl(std::string_view url);

// GETs `url` and returns the response, whatever its status.
// Errors: kInvalidArgument (a bad URL), kUnavailable (the host does not resolve, the connection
// is refused or cut, the response is not HTTP), kDeadlineExceeded (no complete response within
// options.timeout), kResourceExhausted (a body over options.max_body_bytes). Messages name the
// host and port.
Result<HttpClientResponse> HttpGet(std::string_view url, const HttpClientOptions& options = {});

// Any method with an optional body (sent with Content-Length and, when not empty, Content-Type
// `content_type`). Errors: as HttpGet.
Result<HttpClientResponse> HttpFetch(std::string_view method, std::string_view url,
                                     std::string_view body = {}, std::string_view content_type = {},
                                     const HttpClientOptions& options = {});

}  // namespace cairn::net

#endif  // CAIRN_NET_HTTP_CLIENT_H_
