// HttpServer with TLS: HTTPS round trips with a generated self-signed certificate (the client does
// not verify it, as Session clients do not), and what happens to clients that do not speak TLS
// 1.2+ or never finish a handshake.
#include <arpa/inet.h>
#include <errno.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <optional>
#include <thread>

#include "net/http_server.h"
#include "net/tls.h"

namespace cairn::net {
namespace {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

// A blocking HTTPS client that accepts any certificate.
class TlsClient {
 public:
  // max_version: the highest TLS version offered (0: the library's default range).
  explicit TlsClient(uint16_t port, int max_version = 0) : ctx_(ssl::context::tls_client) {
    ctx_.set_verify_mode(ssl::verify_none);
    if (max_version != 0) {
      // Old protocols need security level 0 before OpenSSL 3 even offers them.
      SSL_CTX_set_security_level(ctx_.native_handle(), 0);
      SSL_CTX_set_min_proto_version(ctx_.native_handle(), TLS1_VERSION);
      SSL_CTX_set_max_proto_version(ctx_.native_handle(), max_version);
    }
    stream_.emplace(io_, ctx_);
    beast::error_code ec;
    stream_->next_layer().connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
    connected_ = !ec;
  }
  bool connected() const { return connected_; }
  beast::error_code Handshake() {
    beast::error_code ec;
    stream_->handshake(ssl::stream_base::client, ec);
    return ec;
  }
  std::string version() { return SSL_get_version(stream_->native_handle()); }
  // Sends one request and reads its response.
  http::response<http::string_body> Request(http::verb verb, const std::string& target,
                                            const std::string& body = "", bool close = false) {
    http::request<http::string_body> req{verb, target, 11};
    req.set(http::field::host, "localhost");
    if (close) req.set(http::field::connection, "close");
    if (verb != http::verb::get) {
      req.body() = body;
      req.prepare_payload();
    }
    http::write(*stream_, req);
    http::response<http::string_body> res;
    http::read(*stream_, buffer_, res);
    return res;
  }
  // Writes raw bytes inside the TLS session.
  void Send(const std::string& data) { asio::write(*stream_, asio::buffer(data)); }
  http::response<http::string_body> ReadResponse() {
    http::response<http::string_body> res;
    http::read(*stream_, buffer_, res);
    return res;
  }
  // Reads once more: the error that says how the connection ended.
  beast::error_code ReadEnd() {
    char c;
    beast::error_code ec;
    stream_->read_some(asio::buffer(&c, 1), ec);
    return ec;
  }

 private:
  asio::io_context io_;
  ssl::context ctx_;
  std::optional<ssl::stream<tcp::socket>> stream_;
  beast::flat_buffer buffer_;
  bool connected_ = false;
};

// A raw TCP client, to speak something other than TLS to the port.
struct RawEnd {
  std::string data;
  bool closed = false;     // the server closed (FIN or RST)
  bool timed_out = false;  // nothing happened within the receive timeout
};

RawEnd RawExchange(uint16_t port, const std::string& send) {
  RawEnd end;
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  timeval tv{20, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  if (!send.empty()) {
    EXPECT_EQ(::send(fd, send.data(), send.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(send.size()));
  }
  char buf[4096];
  for (;;) {
    ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n > 0) {
      end.data.append(buf, static_cast<size_t>(n));
      continue;
    }
    if (n == 0 || errno == ECONNRESET) {
      end.closed = true;
    } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
      end.timed_out = true;
    }
    break;
  }
  ::close(fd);
  return end;
}

class HttpsServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto creds = GenerateSelfSigned(SelfSignedOptions{}, 1'800'000'000);
    ASSERT_TRUE(creds.ok()) << creds.status();
    credentials_ = new TlsCredentials(std::move(creds).value());
  }
  static void TearDownTestSuite() {
    delete credentials_;
    credentials_ = nullptr;
  }
  void SetUp() override {
    runtime_ = std::make_unique<Runtime>(2);
    runtime_->Start();
    router_.Handle("GET", "/hello", [](const HttpRequest& req, HttpResponse* resp) {
      resp->Set(200, "text/plain", "hi " + req.query);
    });
    router_.Handle("POST", "/echo", [](const HttpRequest& req, HttpResponse* resp) {
      resp->Set(200, "application/octet-stream", req.body);
    });
    router_.Handle("GET", "/stream", [](const HttpRequest&, HttpResponse* resp) {
      auto left = std::make_shared<uint64_t>(3'000'000);
      resp->content_length = *left;
      resp->body_source = [left](MutableByteSpan out) -> Result<size_t> {
        size_t n = std::min<uint64_t>(*left, out.size());
        std::fill(out.begin(), out.begin() + static_cast<ptrdiff_t>(n), 'z');
        *left -= n;
        return n;
      };
    });
    HttpServerOptions options;
    options.name = "rpc";
    options.max_body_bytes = 2 << 20;
    options.metrics = &metrics_;
    options.tls = *credentials_;
    options.tls_handshake_timeout_seconds = 1;
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
  bool MetricsHave(const std::string& line) {
    return metrics_.RenderPrometheus().find(line) != std::string::npos;
  }
  // The server counts a failed handshake after it closes the socket, so a client may see the
  // close first: wait (up to 5 s) for the line to appear.
  bool EventuallyMetricsHave(const std::string& line) {
    for (int i = 0; i < 500 && !MetricsHave(line); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return MetricsHave(line);
  }

  static TlsCredentials* credentials_;
  core::MetricsRegistry metrics_;
  HttpRouter router_;
  std::unique_ptr<Runtime> runtime_;
  std::unique_ptr<HttpServer> server_;
};

TlsCredentials* HttpsServerTest::credentials_ = nullptr;

TEST_F(HttpsServerTest, RoundTripsOverOneConnection) {
  EXPECT_TRUE(server_->tls());
  TlsClient c(server_->port());
  ASSERT_TRUE(c.connected());
  ASSERT_FALSE(c.Handshake());
  EXPECT_TRUE(c.version() == "TLSv1.3" || c.version() == "TLSv1.2") << c.version();

  auto hello = c.Request(http::verb::get, "/hello?x=1");
  EXPECT_EQ(hello.result_int(), 200u);
  EXPECT_EQ(hello.body(), "hi x=1");
  std::string body(1 << 20, '\0');
  for (size_t i = 0; i < body.size(); ++i) body[i] = static_cast<char>(i * 7919 >> 5);
  auto echo = c.Request(http::verb::post, "/echo", body);
  EXPECT_EQ(echo.result_int(), 200u);
  EXPECT_TRUE(echo.body() == body);
  auto stream = c.Request(http::verb::get, "/stream");
  EXPECT_EQ(stream.result_int(), 200u);
  EXPECT_EQ(stream.body(), std::string(3'000'000, 'z'));
  // Pipelined, inside the TLS session.
  c.Send("GET /hello?a HTTP/1.1\r\nHost: x\r\n\r\nGET /hello?b HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(c.ReadResponse().body(), "hi a");
  EXPECT_EQ(c.ReadResponse().body(), "hi b");
  auto last = c.Request(http::verb::get, "/nope", "", /*close=*/true);
  EXPECT_EQ(last.result_int(), 404u);
  // Connection: close ends with the server's close_notify (a clean TLS end of stream).
  EXPECT_EQ(c.ReadEnd(), asio::error::eof);
  EXPECT_TRUE(MetricsHave("cairn_http_requests_total{code=\"200\",server=\"rpc\"} 5"));
}

TEST_F(HttpsServerTest, ErrorsAreAnsweredInsideTls) {
  // Over the body limit: 413, then the (lingering) close, still as TLS.
  TlsClient c(server_->port());
  ASSERT_FALSE(c.Handshake());
  c.Send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5000000\r\n\r\n");
  auto res = c.ReadResponse();
  EXPECT_EQ(res.result_int(), 413u);
  EXPECT_FALSE(res.keep_alive());
  EXPECT_EQ(c.ReadEnd(), asio::error::eof);

  TlsClient g(server_->port());
  ASSERT_FALSE(g.Handshake());
  g.Send("THIS IS NOT HTTP\r\n\r\n");
  EXPECT_EQ(g.ReadResponse().result_int(), 400u);

  // The client sends the whole over-long body anyway: the server drains it rather than reset the
  // connection under its answer.
  TlsClient b(server_->port());
  ASSERT_FALSE(b.Handshake());
  b.Send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 6000000\r\n\r\n" +
         std::string(6'000'000, 'b'));
  EXPECT_EQ(b.ReadResponse().result_int(), 413u);
}

TEST_F(HttpsServerTest, PlainHttpClientGetsNoAnswer) {
  RawEnd end = RawExchange(server_->port(), "GET /hello?x=1 HTTP/1.1\r\nHost: a\r\n\r\n");
  EXPECT_TRUE(end.closed) << end.data;
  EXPECT_EQ(end.data.find("HTTP/1.1"), std::string::npos) << end.data;
  EXPECT_EQ(end.data.find("hi x=1"), std::string::npos) << end.data;
  EXPECT_TRUE(EventuallyMetricsHave("cairn_http_tls_handshake_failures_total{server=\"rpc\"} 1"));
  EXPECT_FALSE(MetricsHave("cairn_http_requests_total"));
  // The server goes on serving TLS clients.
  TlsClient c(server_->port());
  ASSERT_FALSE(c.Handshake());
  EXPECT_EQ(c.Request(http::verb::get, "/hello?y").body(), "hi y");
}

TEST_F(HttpsServerTest, StalledHandshakeIsCutOff) {
  // Connects and says nothing: the handshake deadline (1 s here) closes the connection long
  // before the client's 20 s receive timeout.
  RawEnd end = RawExchange(server_->port(), "");
  EXPECT_TRUE(end.closed);
  EXPECT_FALSE(end.timed_out);
  EXPECT_TRUE(end.data.empty());
  EXPECT_TRUE(EventuallyMetricsHave("cairn_http_tls_handshake_failures_total{server=\"rpc\"} 1"));
}

TEST_F(HttpsServerTest, OldProtocolsAreRefused) {
  TlsClient old(server_->port(), TLS1_1_VERSION);
  ASSERT_TRUE(old.connected());
  EXPECT_TRUE(old.Handshake());
  TlsClient tls12(server_->port(), TLS1_2_VERSION);
  ASSERT_FALSE(tls12.Handshake());
  EXPECT_EQ(tls12.version(), "TLSv1.2");
  EXPECT_EQ(tls12.Request(http::verb::get, "/hello?v").body(), "hi v");
}

TEST(HttpsServerStartTest, UnusableCredentialsAreRefused) {
  Runtime runtime(1);
  HttpServerOptions options;
  options.name = "rpc";
  options.tls = TlsCredentials{"not a certificate", "not a key"};
  auto server = HttpServer::Start(&runtime, options, [](const HttpRequest&, HttpResponse*) {});
  ASSERT_FALSE(server.ok());
  EXPECT_EQ(server.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(server.status().message().rfind("rpc: ", 0), 0u) << server.status();
}

}  // namespace
}  // namespace cairn::net
