#include "net/http_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>

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

TEST_F(HttpServerTest, HeadSendsLengthButNoBody) {
  RawClient c(server_->port());
  c.Send("HEAD /stream HTTP/1.1\r\nHost: a\r\n\r\nGET /hello HTTP/1.1\r\nHost: a\r\n\r\n");
  std::string out = c.ReadUntil("hi ");
  EXPECT_NE(out.find("Content-Length: 1000000"), std::string::npos) << out;
  // The GET's response follows the HEAD's headers directly: no body in between.
  size_t head_end = out.find("\r\n\r\n");
  ASSERT_NE(head_end, std::string::npos);
  EXPECT_EQ(out.compare(head_end + 4, 8, "HTTP/1.1"), 0) << out;
}

// A sink that hashes what it gets and fails on demand.
class CountingSink : public BodySink {
 public:
  CountingSink(std::atomic<int>* finished, uint64_t fail_after)
      : finished_(finished), fail_after_(fail_after) {}
  Status Write(ByteSpan data) override {
    for (uint8_t b : data) sum_ = sum_ * 31 + b;
    bytes_ += data.size();
    ++pieces_;
    if (bytes_ > fail_after_) return ResourceExhaustedError("sink full");
    return Status();
  }
  void Finish(const Status& body_status, HttpResponse* response) override {
    ++*finished_;
    if (!body_status.ok()) {
      response->Set(507, "text/plain", body_status.ToString());
      return;
    }
    response->Set(200, "text/plain",
                  std::to_string(bytes_) + " " + std::to_string(sum_) + " " +
                      std::to_string(pieces_ > 1 ? 1 : 0));
  }

 private:
  std::atomic<int>* finished_;
  uint64_t fail_after_;
  uint64_t bytes_ = 0, sum_ = 0, pieces_ = 0;
};

class HttpStreamingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    runtime_ = std::make_unique<Runtime>(1);
    runtime_->Start();
    HttpServerOptions options;
    options.max_body_bytes = 64 << 20;
    auto server = HttpServer::StartStreaming(
        runtime_.get(), options,
        [this](const HttpRequest& head, HttpResponse* resp) -> std::unique_ptr<BodySink> {
          EXPECT_TRUE(head.body.empty());
          if (head.path == "/refuse") {
            resp->Set(403, "text/plain", "no");
            return nullptr;
          }
          last_length_ = head.content_length.value_or(~0ull);
          return std::make_unique<CountingSink>(&finished_, head.path == "/small" ? 1000 : ~0ull);
        });
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(server).value();
  }
  void TearDown() override {
    server_.reset();
    runtime_->Stop();
  }
  std::atomic<int> finished_{0};
  uint64_t last_length_ = 0;
  std::unique_ptr<Runtime> runtime_;
  std::unique_ptr<HttpServer> server_;
};

TEST_F(HttpStreamingTest, LargeBodyArrivesInPiecesInOrder) {
  std::string body(5 << 20, '\0');
  uint64_t sum = 0;
  for (size_t i = 0; i < body.size(); ++i) {
    body[i] = static_cast<char>((i * 7919) >> 3);
    sum = sum * 31 + static_cast<uint8_t>(body[i]);
  }
  RawClient c(server_->port());
  c.Send("PUT /x HTTP/1.1\r\nHost: a\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\nExpect: 100-continue\r\n\r\n");
  EXPECT_NE(c.ReadUntil("\r\n\r\n").find("100 Continue"), std::string::npos);
  c.Send(body);
  std::string out = c.ReadUntil(" 1");
  EXPECT_NE(out.find("200 OK"), std::string::npos) << out;
  EXPECT_NE(out.find(std::to_string(body.size()) + " " + std::to_string(sum) + " 1"),
            std::string::npos)
      << out;
  EXPECT_EQ(last_length_, body.size());
  EXPECT_EQ(finished_.load(), 1);
}

TEST_F(HttpStreamingTest, ChunkedBodyHasNoLength) {
  RawClient c(server_->port());
  c.Send("PUT /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n");
  std::string out = c.ReadUntil("\r\n\r\n3 ");
  EXPECT_NE(out.find("200 OK"), std::string::npos) << out;
  EXPECT_EQ(last_length_, ~0ull);
}

TEST_F(HttpStreamingTest, SinkErrorAnswersAndCloses) {
  RawClient c(server_->port());
  std::string body(200000, 'q');
  c.Send("PUT /small HTTP/1.1\r\nHost: a\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n\r\n" + body);
  std::string out = c.ReadAll();  // the server closes after answering
  EXPECT_NE(out.find("507"), std::string::npos) << out;
  EXPECT_NE(out.find("sink full"), std::string::npos) << out;
  EXPECT_NE(out.find("Connection: close"), std::string::npos) << out;
}

TEST_F(HttpStreamingTest, RefusedWithoutReadingTheBody) {
  {
    // The client waits for 100-continue, which never comes: it gets the answer instead.
    RawClient c(server_->port());
    c.Send(
        "PUT /refuse HTTP/1.1\r\nHost: a\r\nContent-Length: 10000000\r\n"
        "Expect: 100-continue\r\n\r\n");
    std::string out = c.ReadAll();
    EXPECT_EQ(out.find("100 Continue"), std::string::npos) << out;
    EXPECT_NE(out.find("403 Forbidden"), std::string::npos) << out;
  }
  {
    // A small body is discarded and the connection stays usable.
    RawClient c(server_->port());
    c.Send(
        "PUT /refuse HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nabcdeHEAD /x "
        "HTTP/1.1\r\nHost: a\r\n\r\n");
    std::string out = c.ReadUntil("HTTP/1.1", 2);
    EXPECT_NE(out.find("403 Forbidden"), std::string::npos) << out;
    EXPECT_NE(out.find("200 OK"), std::string::npos) << out;
  }
  EXPECT_EQ(finished_.load(), 1);  // only the HEAD reached a sink's Finish
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
