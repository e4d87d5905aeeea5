#include "apps/cairnd/session_api.h"

#include <gtest/gtest.h>

#include <future>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/env/env.h"

namespace cairn::cairnd {
namespace {

using json = nlohmann::json;

net::HttpResponse Get(const net::HttpRouter& router, const std::string& path) {
  net::HttpRequest req;
  req.method = "GET";
  req.path = req.target = path;
  net::HttpResponse resp;
  router.Dispatch(req, &resp);
  return resp;
}

mailbox::MailboxStats SampleStats() {
  mailbox::MailboxStats s;
  s.namespaces[-10] = {1, 1, 5};
  s.namespaces[0] = {2, 3, 3000};
  s.namespaces[3] = {1, 2, 20};
  s.accounts = 3;
  s.messages = 6;
  s.data_bytes = 3025;
  s.expired_pending = 4;
  return s;
}

SessionNodeInfo SampleInfo() {
  SessionNodeInfo i;
  i.bind = "0.0.0.0";
  i.rpc_port = 22021;
  i.public_ip = "203.0.113.7";
  i.rpc_threads = 8;
  i.sweep_interval_s = 10;
  i.pubkey_ed25519 = std::string(64, 'a');
  i.pubkey_x25519 = std::string(64, 'b');
  i.snode_address = "yyyy.snode";
  i.key_file = "/data/session/node-ed25519.key";
  return i;
}

class SessionApiTest : public ::testing::Test {
 protected:
  void SetUp() override { api_.RegisterRoutes(&router_); }

  std::unique_ptr<core::Env> env_ = core::NewMemEnv();
  SessionApi api_{env_.get()};
  net::HttpRouter router_;
};

TEST_F(SessionApiTest, StartingThenDisabled) {
  for (const char* path : {"/api/v1/session/info", "/api/v1/session/stats"}) {
    net::HttpResponse r = Get(router_, path);
    EXPECT_EQ(r.status, 503) << path;
    EXPECT_EQ(r.body, "starting\n");
  }
  api_.Disable();
  net::HttpResponse info = Get(router_, "/api/v1/session/info");
  EXPECT_EQ(info.status, 200);
  EXPECT_EQ(info.body, std::string("{\"enabled\":false,\"version\":\"") + CAIRN_VERSION + "\"}");
  net::HttpResponse stats = Get(router_, "/api/v1/session/stats");
  EXPECT_EQ(stats.status, 404);
  EXPECT_EQ(stats.body, "the Session RPC face is disabled on this node (rpc_port = 0)\n");
}

TEST_F(SessionApiTest, InfoDescribesTheNode) {
  api_.Enable(SampleInfo(), [] { return SampleStats(); });
  net::HttpResponse r = Get(router_, "/api/v1/session/info");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(net::FindHeader(r.headers, "Content-Type").value_or(""), "application/json");
  json j = json::parse(r.body);
  EXPECT_EQ(j["enabled"], true);
  EXPECT_EQ(j["version"], CAIRN_VERSION);
  EXPECT_EQ(j["bind"], "0.0.0.0");
  EXPECT_EQ(j["rpc_port"], 22021);
  EXPECT_EQ(j["rpc_url"], "http://203.0.113.7:22021/storage_rpc/v1");
  EXPECT_EQ(j["public_ip"], "203.0.113.7");
  EXPECT_EQ(j["rpc_threads"], 8);
  EXPECT_EQ(j["sweep_interval_s"], 10);
  EXPECT_EQ(j["storage_server_version"], "2.6.2");
  EXPECT_EQ(j["hf"], json::array({19, 3}));
  EXPECT_EQ(j["pubkey_ed25519"], std::string(64, 'a'));
  EXPECT_EQ(j["pubkey_x25519"], std::string(64, 'b'));
  EXPECT_EQ(j["snode_address"], "yyyy.snode");
  EXPECT_EQ(j["key_file"], "/data/session/node-ed25519.key");
  EXPECT_EQ(j["tls"], false);
  EXPECT_EQ(j["tls_cert_sha256"], "");

  SessionNodeInfo v6 = SampleInfo();
  v6.public_ip = "2001:db8::1";
  EXPECT_EQ(json::parse(SessionApi::InfoJson(&v6))["rpc_url"],
            "http://[2001:db8::1]:22021/storage_rpc/v1");

  SessionNodeInfo tls = SampleInfo();
  tls.tls = true;
  tls.tls_cert_sha256 = "AB:CD";
  json t = json::parse(SessionApi::InfoJson(&tls));
  EXPECT_EQ(t["rpc_url"], "https://203.0.113.7:22021/storage_rpc/v1");
  EXPECT_EQ(t["tls"], true);
  EXPECT_EQ(t["tls_cert_sha256"], "AB:CD");
}

TEST_F(SessionApiTest, StatsPerNamespaceAndTotals) {
  EXPECT_EQ(SessionApi::StatsJson(SampleStats(), 1.23456),
            R"({"accounts":3,"data_bytes":3025,"expired_pending":4,"messages":6,"namespaces":[)"
            R"({"accounts":1,"data_bytes":5,"messages":1,"namespace":-10},)"
            R"({"accounts":2,"data_bytes":3000,"messages":3,"namespace":0},)"
            R"({"accounts":1,"data_bytes":20,"messages":2,"namespace":3}],"scan_ms":1.234})");
  EXPECT_EQ(SessionApi::StatsJson(mailbox::MailboxStats{}, 0),
            R"({"accounts":0,"data_bytes":0,"expired_pending":0,"messages":0,"namespaces":[],)"
            R"("scan_ms":0.0})");

  api_.Enable(SampleInfo(), [] { return SampleStats(); });
  net::HttpResponse r = Get(router_, "/api/v1/session/stats");
  ASSERT_EQ(r.status, 200) << r.body;
  json j = json::parse(r.body);
  EXPECT_EQ(j["messages"], 6);
  EXPECT_EQ(j["namespaces"].size(), 3u);
  EXPECT_EQ(Get(router_, "/api/v1/session/nope").status, 404);
}

TEST_F(SessionApiTest, ScanFailureIs500) {
  api_.Enable(SampleInfo(),
              []() -> Result<mailbox::MailboxStats> { return DataLossError("bad record"); });
  net::HttpResponse r = Get(router_, "/api/v1/session/stats");
  EXPECT_EQ(r.status, 500);
  EXPECT_NE(r.body.find("bad record"), std::string::npos) << r.body;
}

// One scan at a time: a request that arrives while another scans gets 503 without waiting.
TEST_F(SessionApiTest, SecondScanMeanwhileIs503) {
  std::promise<void> scanning, release;
  std::shared_future<void> released = release.get_future().share();
  api_.Enable(SampleInfo(), [&]() -> Result<mailbox::MailboxStats> {
    scanning.set_value();
    released.wait();
    return SampleStats();
  });
  std::thread first([&] { EXPECT_EQ(Get(router_, "/api/v1/session/stats").status, 200); });
  scanning.get_future().wait();
  net::HttpResponse busy = Get(router_, "/api/v1/session/stats");
  EXPECT_EQ(busy.status, 503);
  EXPECT_EQ(busy.body, "a stats scan is already running; try again later\n");
  release.set_value();
  first.join();
}

}  // namespace
}  // namespace cairn::cairnd
