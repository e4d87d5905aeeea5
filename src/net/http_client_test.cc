#include "net/http_client.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/http_server.h"

namespace cairn::net {
namespace {

TEST(ParseHttpUrlTest, Parts) {
  auto u = ParseHttpUrl("http://127.0.0.1:9100/api/v1/session/stats?x=1");
  ASSERT_TRUE(u.ok()) << u.status();
  EXPECT_EQ(u->host, "127.0.0.1");
  EXPECT_EQ(u->port, "9100");
  EXPECT_EQ(u->target, "/api/v1/session/stats?x=1");

  u = ParseHttpUrl("HTTP://example.org");
  ASSERT_TRUE(u.ok()) << u.status();
  EXPECT_EQ(u->host, "example.org");
  EXPECT_EQ(u->port, "80");
  EXPECT_EQ(u->target, "/");

  u = ParseHttpUrl("http://[::1]:8080?q#frag");
  ASSERT_TRUE(u.ok()) << u.status();
  EXPECT_EQ(u->host, "[::1]");
  EXPECT_EQ(u->port, "8080");
  EXPECT_EQ(u->target, "/?q");

  for (const char* bad : {"https://a/", "a:1/", "http://", "http://:80/", "http://a:0/",
                          "http://a:65536/", "http://a:x/", "http://[::1/", "http://[::1]x/"}) {
    EXPECT_EQ(ParseHttpUrl(bad).status().code(), StatusCode::kInvalidArgument) << bad;
  }
}

class HttpClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    runtime_ = std::make_unique<Runtime>(1);
    runtime_->Start();
    router_.Handle("GET", "/json", [](const HttpRequest& req, HttpResponse* resp) {
      resp->Set(200, "application/json", "{\"host\":\"" + std::string(*req.header("Host")) + "\"}");
    });
    router_.Handle("GET", "/big", [](const HttpRequest&, HttpResponse* resp) {
      resp->Set(200, "text/plain", std::string(5000, 'x'));
    });
    auto server = HttpServer::Start(runtime_.get(), HttpServerOptions{},
                                    [this](auto& q, auto* r) { router_.Dispatch(q, r); });
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(server).value();
    base_ = "http://127.0.0.1:" + std::to_string(server_->port());
  }
  void TearDown() override {
    server_.reset();
    runtime_->Stop();
  }

  HttpRouter router_;
  std::unique_ptr<Runtime> runtime_;
  std::unique_ptr<HttpServer> server_;
  std::string base_;
};

TEST_F(HttpClientTest, GetsBodyHeadersAndStatus) {
  auto r = HttpGet(base_ + "/json");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->header("content-type").value_or(""), "application/json");
  EXPECT_EQ(r->body, "{\"host\":\"127.0.0.1:" + std::to_string(server_->port()) + "\"}");

  r = HttpGet(base_ + "/missing");  // an error status is a response, not a failure
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 404);
}

TEST_F(HttpClientTest, BodyLimit) {
  HttpClientOptions o;
  o.max_body_bytes = 1000;
  auto r = HttpGet(base_ + "/big", o);
  EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted) << r.status();
  o.max_body_bytes = 5000;
  r = HttpGet(base_ + "/big", o);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->body.size(), 5000u);
}

// A loopback port with a listening socket that never answers (connections wait in its backlog),
// or, after Close(), nothing at all.
class SilentListener {
 public:
  SilentListener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    EXPECT_EQ(::listen(fd_, 4), 0);
    socklen_t len = sizeof(addr);
    EXPECT_EQ(::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len), 0);
    port_ = ntohs(addr.sin_port);
  }
  ~SilentListener() { Close(); }
  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/"; }

 private:
  int fd_ = -1;
  uint16_t port_ = 0;
};

TEST(HttpClientFailureTest, NoAnswerIsDeadlineExceeded) {
  SilentListener silent;
  HttpClientOptions o;
  o.timeout = std::chrono::milliseconds(100);
  auto r = HttpGet(silent.url(), o);
  EXPECT_EQ(r.status().code(), StatusCode::kDeadlineExceeded) << r.status();
}

TEST(HttpClientFailureTest, RefusedIsUnavailable) {
  SilentListener gone;
  gone.Close();
  auto r = HttpGet(gone.url());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable) << r.status();
  EXPECT_NE(r.status().message().find("cannot connect to 127.0.0.1:"), std::string_view::npos)
      << r.status();
}

}  // namespace
}  // namespace cairn::net
