#include "cli/session_command.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>

#include "net/http_server.h"
#include "net/runtime.h"

namespace cairn::cli {
namespace {

// A document as cairnd's /api/v1/session/stats serves it (apps/cairnd/session_api.h).
constexpr const char* kStats =
    R"({"accounts":3,"data_bytes":3025000,"expired_pending":4,"messages":6,"namespaces":[)"
    R"({"accounts":1,"data_bytes":5,"messages":1,"namespace":-10},)"
    R"({"accounts":2,"data_bytes":3000000,"messages":3,"namespace":0},)"
    R"({"accounts":1,"data_bytes":20000,"messages":1,"namespace":3},)"
    R"({"accounts":1,"data_bytes":0,"messages":1,"namespace":77}],"scan_ms":1.5})";

constexpr const char* kInfo =
    R"({"bind":"127.0.0.1","enabled":true,"hf":[19,3],"key_file":"/d/session/node-ed25519.key",)"
    R"("pubkey_ed25519":"aa","pubkey_x25519":"bb","public_ip":"127.0.0.1","rpc_port":22021,)"
    R"("rpc_threads":8,"rpc_url":"http://127.0.0.1:22021/storage_rpc/v1",)"
    R"("snode_address":"yy.snode","storage_server_version":"2.6.2","sweep_interval_s":10,)"
    R"("version":"0.1.0"})";

TEST(SessionCommandTest, StatsTable) {
  auto table = FormatSessionStats(kStats);
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_EQ(*table,
            "NAMESPACE                        ACCOUNTS   MESSAGES         DATA\n"
            "-10 (legacy closed groups)              1          1          5 B\n"
            "0 (direct messages)                     2          3      2.9 MiB\n"
            "3 (contacts)                            1          1     19.5 KiB\n"
            "77                                      1          1          0 B\n"
            "total                                   3          6      2.9 MiB\n"
            "expired, not yet swept: 4 messages\n");
  auto empty = FormatSessionStats(
      R"({"accounts":0,"data_bytes":0,"expired_pending":0,"messages":0,"namespaces":[]})");
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_NE(empty->find("(no live messages)\n"), std::string::npos) << *empty;
}

TEST(SessionCommandTest, InfoTable) {
  auto table = FormatSessionInfo(kInfo);
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_EQ(*table,
            "cairnd           0.1.0\n"
            "Session RPC      POST http://127.0.0.1:22021/storage_rpc/v1 (listening on "
            "127.0.0.1:22021, 8 threads)\n"
            "expiry sweep     every 10 s\n"
            "protocol         storage server 2.6.2, hardfork 19.3\n"
            "node ed25519     aa\n"
            "node x25519      bb\n"
            "snode address    yy.snode\n"
            "key file         /d/session/node-ed25519.key\n");
  auto off = FormatSessionInfo(R"({"enabled":false,"version":"0.1.0"})");
  ASSERT_TRUE(off.ok()) << off.status();
  EXPECT_EQ(*off, "cairnd           0.1.0\nSession RPC      disabled (rpc_port = 0)\n");
}

TEST(SessionCommandTest, MalformedDocuments) {
  for (const char* bad : {"", "[]", "{", R"({"accounts":1})",
                          R"({"accounts":"x","data_bytes":0,"expired_pending":0,"messages":0,)"
                          R"("namespaces":[]})",
                          R"({"accounts":0,"data_bytes":0,"expired_pending":0,"messages":0,)"
                          R"("namespaces":{}})",
                          R"({"accounts":0,"data_bytes":0,"expired_pending":0,"messages":0,)"
                          R"("namespaces":[{"namespace":1}]})"}) {
    EXPECT_EQ(FormatSessionStats(bad).status().code(), StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_EQ(FormatSessionInfo(R"({"enabled":true,"version":"0.1.0"})").status().code(),
            StatusCode::kInvalidArgument);
}

TEST(SessionCommandTest, NamespaceNames) {
  EXPECT_EQ(SessionNamespaceName(0), "direct messages");
  EXPECT_EQ(SessionNamespaceName(14), "group members");
  EXPECT_EQ(SessionNamespaceName(1), "");
}

// Output of one RunSession call.
struct Captured {
  int code = -1;
  std::string out, err;
};

Captured RunCapture(SessionView view, const SessionCliOptions& o) {
  char *out_buf = nullptr, *err_buf = nullptr;
  size_t out_len = 0, err_len = 0;
  std::FILE* out = open_memstream(&out_buf, &out_len);
  std::FILE* err = open_memstream(&err_buf, &err_len);
  Captured r;
  r.code = RunSession(view, o, out, err);
  std::fclose(out);
  std::fclose(err);
  r.out.assign(out_buf, out_len);
  r.err.assign(err_buf, err_len);
  std::free(out_buf);
  std::free(err_buf);
  return r;
}

// RunSession against a stub of cairnd's API port.
class SessionRunTest : public ::testing::Test {
 protected:
  void SetUp() override {
    runtime_ = std::make_unique<net::Runtime>(1);
    runtime_->Start();
    router_.Handle("GET", "/api/v1/session/stats", [this](auto&, net::HttpResponse* r) {
      if (busy_) return r->Set(503, "text/plain", "a stats scan is already running\n");
      r->Set(200, "application/json", kStats);
    });
    router_.Handle("GET", "/api/v1/session/info", [](auto&, net::HttpResponse* r) {
      r->Set(200, "application/json", "not json");
    });
    auto server = net::HttpServer::Start(runtime_.get(), net::HttpServerOptions{},
                                         [this](auto& q, auto* r) { router_.Dispatch(q, r); });
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(server).value();
    options_.api = "127.0.0.1:" + std::to_string(server_->port()) + "/";
  }
  void TearDown() override {
    server_.reset();
    runtime_->Stop();
  }

  std::atomic<bool> busy_{false};
  net::HttpRouter router_;
  std::unique_ptr<net::Runtime> runtime_;
  std::unique_ptr<net::HttpServer> server_;
  SessionCliOptions options_;
};

TEST_F(SessionRunTest, PrintsTableOrJson) {
  Captured r = RunCapture(SessionView::kStats, options_);
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, *FormatSessionStats(kStats));
  options_.json = true;
  r = RunCapture(SessionView::kStats, options_);
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, std::string(kStats) + "\n");
}

TEST_F(SessionRunTest, ErrorsExitOne) {
  busy_ = true;
  Captured r = RunCapture(SessionView::kStats, options_);
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("answered 503: a stats scan is already running"), std::string::npos)
      << r.err;
  r = RunCapture(SessionView::kInfo, options_);  // the stub serves garbage
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("unexpected answer"), std::string::npos) << r.err;
  options_.api = "http://127.0.0.1:99999";
  r = RunCapture(SessionView::kInfo, options_);
  EXPECT_EQ(r.code, 2) << r.err;
}

}  // namespace
}  // namespace cairn::cli
