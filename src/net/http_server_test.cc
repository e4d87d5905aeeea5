#include "net/http_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace cairn::net {
namespace {

// A blocking loopback client: sends raw bytes, reads until `want` responses are complete enough
// (a fixed number of bytes or the connection closing).
class RawClient {
 public:
  explicit RawClient(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
    timeval tv{5, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  }
  ~RawClient() { ::close(fd_); }
  bool connected() const { return connected_; }
  void Send(const std::string& data) {
    ASSERT_EQ(::send(fd_, data.data(), data.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(data.size()));
  }
  // Reads until `marker` has been seen `count` times or the peer closes.
  std::string ReadUntil(const std::string& marker, int count = 1) {
    std::string out;
    char buf[65536];
    while (Count(out, marker) < count) {
      ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
      if (n <= 0) break;
      out.append(buf, static_cast<size_t>(n));
    }
    return out;
  }
  std::string ReadAll() { return ReadUntil("\x01never\x02", 1); }

 private:
  static int Count(const std::string& s, const std::string& m) {
    int c = 0;
    for (size_t p = s.find(m); p != std::string::npos; p = s.find(m, p + 1)) ++c;
    return c;
  }
  int fd_;
  bool connected_ = false;
};

class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    runtime_ = std::make_unique<Runtime>(2);
    runtime_->Start();
    router_.Handle("GET", "/hello", [](const HttpRequest& req, HttpResponse* resp) {
      resp->Set(200, "text/plain", "hi " + req.query);
    });
    router_.Handle("POST", "/echo", [](const HttpRequest& req, HttpResponse* resp) {
      resp->Set(200, "application/octet-stream", req.body);
    });
    router_.Handle("GET", "/throw",
                   [](const HttpRequest&, HttpResponse*) { throw std::runtime_error("boom"); });
    router_.Handle("GET", "/stream", [](const HttpRequest&, HttpResponse* resp) {
      auto left = std::make_shared<uint64_t>(1'000'000);
      resp->content_length = *left;
      resp->body_source = [left](MutableByteSpan out) -> Result<size_t> {
        size_t n = std::min<uint64_t>(*left, out.size());
        std::fill(out.begin(), out.begin() + static_cast<ptrdiff_t>(n), 'z');
        *left -= n;
        return n;
      };
    });
    HttpServerOptions options;
    options.max_body_bytes = 1000;
    options.metrics = &metrics_;
    auto server = HttpServer::Start(
        runtime_.get(), options,
        [this](const HttpRequest& q, HttpResponse* r) { router_.Dispatch(q, r); });
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(server).value();
  }
  void TearDown() override {
    server_.reset();
    runtime_->Stop();
  }

  core::MetricsRegistry metrics_;
  HttpRouter router_;
  std::unique_ptr<Runtime> runtime_;
  std::unique_ptr<HttpServer> server_;
};

TEST_F(HttpServerTest, KeepAliveAndPipelining) {
  RawClient c(server_->port());
  ASSERT_TRUE(c.connected());
  c.Send("GET /hello?x=1 HTTP/1.1\r\nHost: a\r\n\r\nGET /hello?y=2 HTTP/1.1\r\nHost: a\r\n\r\n");
  std::string out = c.ReadUntil("hi y=2");
  EXPECT_NE(out.find("hi x=1"), std::string::npos) << out;
  EXPECT_NE(out.find("hi y=2"), std::string::npos) << out;
  EXPECT_NE(
      metrics_.RenderPrometheus().find("cairn_http_requests_total{code=\"200\",server=\"api\"} 2"),
      std::string::npos);
}

TEST_F(HttpServerTest, NotFoundAndMethodNotAllowed) {
  RawClient c(server_->port());
  c.Send(
      "GET /nope HTTP/1.1\r\nHost: a\r\n\r\nDELETE /hello HTTP/1.1\r\nHost: a\r\n"
      "Connection: close\r\n\r\n");
  std::string out = c.ReadAll();
  EXPECT_NE(out.find("HTTP/1.1 404 Not Found"), std::string::npos) << out;
  EXPECT_NE(out.find("HTTP/1.1 405 Method Not Allowed"), std::string::npos) << out;
  EXPECT_NE(out.find("Allow: GET"), std::string::npos) << out;
}

TEST_F(HttpServerTest, BodyLimitAnd100Continue) {
  {
    RawClient c(server_->port());
    c.Send("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5000\r\n\r\n");
    EXPECT_NE(c.ReadAll().find("413 Payload Too Large"), std::string::npos);
  }
  {
    RawClient c(server_->port());
    c.Send("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
    EXPECT_NE(c.ReadUntil("\r\n\r\n").find("HTTP/1.1 100 Continue"), std::string::npos);
    c.Send("abcde");
    std::string out = c.ReadUntil("abcde");
    EXPECT_NE(out.find("200 OK"), std::string::npos) << out;
  }
  {
    // Chunked bodies are counted against the limit too.
    RawClient c(server_->port());
    std::string chunk(900, 'x');
    c.Send("POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n384\r\n" + chunk +
           "\r\n384\r\n" + chunk + "\r\n0\r\n\r\n");
    EXPECT_NE(c.ReadAll().find("413"), std::string::npos);
  }
}

TEST_F(HttpServerTest, MalformedRequestGets400) {
  RawClient c(server_->port());
  c.Send("THIS IS NOT HTTP\r\n\r\n");
  EXPECT_NE(c.ReadAll().find("400 Bad Request"), std::string::npos);
}

TEST_F(HttpServerTest, HandlerExceptionGives500AndServerLives) {
  RawClient c(server_->port());
  c.Send("GET /throw HTTP/1.1\r\nHost: a\r\n\r\nGET /hello HTTP/1.1\r\nHost: a\r\n\r\n");
  std::string out = c.ReadUntil("hi ");
  EXPECT_NE(out.find("500 Internal Server Error"), std::string::npos) << out;
  EXPECT_NE(out.find("200 OK"), std::string::npos) << out;
}

TEST_F(HttpServerTest, StreamedResponse) {
  RawClient c(server_->port());
  c.Send("GET /stream HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
  std::string out = c.ReadAll();
  size_t body = out.find("\r\n\r\n");
  ASSERT_NE(body, std::string::npos);
  EXPECT_NE(out.find("Content-Length: 1000000"), std::string::npos);
  EXPECT_EQ(out.size() - body - 4, 1'000'000u);
}

TEST_F(HttpServerTest, PortInUseIsAClearError) {
  HttpServerOptions options;
  options.port = server_->port();
  options.name = "s3";
  auto second =
      HttpServer::Start(runtime_.get(), options, [](const HttpRequest&, HttpResponse*) {});
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(second.status().message().find("already in use"), std::string_view::npos);
}

TEST(HttpTest, HeaderLookupIsCaseInsensitive) {
  HttpHeaders h = {{"Content-Type", "text/plain"}};
  EXPECT_EQ(FindHeader(h, "content-type").value(), "text/plain");
  EXPECT_FALSE(FindHeader(h, "content-length").has_value());
}

}  // namespace
}  // namespace cairn::net
