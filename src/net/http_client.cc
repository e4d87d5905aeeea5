#include "net/http_client.h"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <charconv>
#include <exception>

namespace cairn::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

struct Exchange {
  std::string_view method = "GET";
  std::string_view body;
  std::string_view content_type;
  const HttpUrl* url = nullptr;
  const HttpClientOptions* options = nullptr;
  bool timed_out = false;
  Status status;
  HttpClientResponse response;

  std::string Where() const { return url->host + ":" + url->port; }

  // The Status for a failed step; a timeout shows up as the operation being aborted.
  Status Failed(std::string_view step, const boost::system::error_code& ec) const {
    if (timed_out) {
      return DeadlineExceededError("no answer from " + Where() + " within " +
                                   std::to_string(options->timeout.count()) + " ms");
    }
    if (ec == http::error::body_limit) {
      return ResourceExhaustedError("the answer from " + Where() + " is larger than " +
                                    std::to_string(options->max_body_bytes) + " bytes");
    }
    return UnavailableError(std::string(step) + " " + Where() + ": " + ec.message());
  }
};

asio::awaitable<void> Run(Exchange* x) {
  auto exec = co_await asio::this_coro::executor;
  tcp::resolver resolver(exec);
  beast::tcp_stream stream(exec);
  // One deadline for the whole exchange: when it fires, whatever is pending is cancelled.
  asio::steady_timer deadline(exec);
  deadline.expires_after(x->options->timeout);
  deadline.async_wait([&](const boost::system::error_code& ec) {
    if (ec) return;  // cancelled: the exchange finished first
    x->timed_out = true;
    resolver.cancel();
    stream.close();
  });
  auto finish = [&](Status s) {
    x->status = std::move(s);
    deadline.cancel();
  };

  // Brackets are URL syntax only.
  std::string host = x->url->host;
  if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  auto [rec, endpoints] = co_await resolver.async_resolve(host, x->url->port, kTuple);
  if (rec || x->timed_out) {
    finish(x->Failed("cannot resolve", rec));
    co_return;
  }
  auto [cec, endpoint] = co_await stream.async_connect(endpoints, kTuple);
  if (cec || x->timed_out) {
    finish(x->Failed("cannot connect to", cec));
    co_return;
  }

  http::request<http::string_body> req;
  req.method_string(x->method);
  req.target(x->url->target);
  req.version(11);
  req.set(http::field::host, x->url->port == "80" ? x->url->host : x->Where());
  req.set(http::field::user_agent, "cairn/" CAIRN_VERSION);
  req.set(http::field::connection, "close");
  if (!x->content_type.empty()) req.set(http::field::content_type, x->content_type);
  req.body().assign(x->body);
  if (x->method != "GET" || !x->body.empty()) req.prepare_payload();
  auto [wec, written] = co_await http::async_write(stream, req, kTuple);
  if (wec || x->timed_out) {
    finish(x->Failed("cannot send to", wec));
    co_return;
  }

  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(x->options->max_body_bytes);
  auto [rdec, read] = co_await http::async_read(stream, buffer, parser, kTuple);
  if (rdec || x->timed_out) {
    finish(x->Failed("no valid HTTP answer from", rdec));
    co_return;
  }
  http::response<http::string_body> res = parser.release();
  x->response.status = static_cast<int>(res.result_int());
  for (const auto& field : res) {
    x->response.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  x->response.body = std::move(res.body());
  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  finish(Status());
}

}  // namespace

Result<HttpUrl> ParseHttpUrl(std::string_view url) {
  constexpr std::string_view kScheme = "http://";
  if (url.size() < kScheme.size() ||
      !std::equal(kScheme.begin(), kScheme.end(), url.begin(), [](char a, char b) {
        return a == std::tolower(static_cast<unsigned char>(b));
      })) {
    return InvalidArgumentError("not an http:// URL: " + std::string(url));
  }
  std::string_view rest = url.substr(kScheme.size());
  rest = rest.substr(0, rest.find('#'));
  size_t end = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, end);
  HttpUrl out;
  if (end != std::string_view::npos) {
    out.target = std::string(rest.substr(end));
    if (out.target.front() == '?') out.target.insert(0, "/");
  }
  size_t colon = authority.rfind(':');
  if (!authority.empty() && authority.front() == '[') {  // [IPv6]:port
    size_t close = authority.find(']');
    if (close == std::string_view::npos)
      return InvalidArgumentError("bad host in URL: " + std::string(url));
    colon = close + 1 < authority.size() && authority[close + 1] == ':' ? close + 1
                                                                        : std::string_view::npos;
    if (colon == std::string_view::npos && close + 1 != authority.size()) {
      return InvalidArgumentError("bad host in URL: " + std::string(url));
    }
  }
  out.host = std::string(authority.substr(0, colon));
  if (out.host.empty() || out.host == "[]") {
    return InvalidArgumentError("no host in URL: " + std::string(url));
  }
  if (colon != std::string_view::npos) {
    std::string_view port = authority.substr(colon + 1);
    unsigned value = 0;
    auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || p != port.data() + port.size() || value == 0 || value > 65535) {
      return InvalidArgumentError("bad port in URL: " + std::string(url));
    }
    out.port = std::string(port);
  }
  return out;
}

Result<HttpClientResponse> HttpGet(std::string_view url, const HttpClientOptions& options) {
  return HttpFetch("GET", url, {}, {}, options);
}

Result<HttpClientResponse> HttpFetch(std::string_view method, std::string_view url,
                                     std::string_view body, std::string_view content_type,
                                     const HttpClientOptions& options) {
  CAIRN_ASSIGN_OR_RETURN(HttpUrl parsed, ParseHttpUrl(url));
  try {
    asio::io_context ioc;
    Exchange x;
    x.method = method;
    x.body = body;
    x.content_type = content_type;
    x.url = &parsed;
    x.options = &options;
    std::exception_ptr failure;
    asio::co_spawn(ioc, Run(&x), [&failure](std::exception_ptr e) { failure = e; });
    ioc.run();
    if (failure) std::rethrow_exception(failure);
    CAIRN_RETURN_IF_ERROR(x.status);
    return std::move(x.response);
  } catch (const std::exception& e) {
    return UnavailableError(std::string(method) + " " + std::string(url) + ": " + e.what());
  }
}

}  // namespace cairn::net
