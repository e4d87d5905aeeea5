#include "faces/eventlog/log_api.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/env/env.h"
#include "faces/eventlog/log_codec.h"
#include "models/eventlog/event_log.h"

namespace cairn::eventlog_face {
namespace {

using json = nlohmann::json;

class LogApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    env_ = core::NewMemEnv();
    eventlog::EventLogOptions o;
    o.env = env_.get();
    o.dir = "/el";
    o.origin_prefix = "test.example/eventlog";
    auto log = eventlog::EventLog::Open(o);
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    log_ = std::move(log).value();
    api_ = std::make_unique<LogApi>(log_.get(), LogApiOptions{});
  }

  net::HttpResponse Call(std::string method, std::string target, std::string body = {},
                         std::string type = {}) {
    net::HttpRequest q;
    q.method = std::move(method);
    q.target = target;
    size_t qm = target.find('?');
    q.path = target.substr(0, qm);
    if (qm != std::string::npos) q.query = target.substr(qm + 1);
    q.body = std::move(body);
    if (!type.empty()) q.headers.emplace_back("Content-Type", type);
    net::HttpResponse r;
    api_->Handle(q, &r);
    return r;
  }

  std::unique_ptr<core::Env> env_;
  std::unique_ptr<eventlog::EventLog> log_;
  std::unique_ptr<LogApi> api_;
};

TEST_F(LogApiTest, AppendReadHeadProofs) {
  auto r = Call("POST", "/v1/log/orders/append", "first", "text/plain");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body)["first_index"], 0);
  r = Call("POST", "/v1/log/orders/append", R"({"events":["YQ==","Yg==","Yw=="]})",
           "application/json");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body)["first_index"], 1);
  EXPECT_EQ(json::parse(r.body)["size"], 4);

  r = Call("GET", "/v1/log/orders/events?start=1&count=2");
  ASSERT_EQ(r.status, 200) << r.body;
  json j = json::parse(r.body);
  EXPECT_EQ(j["events"], (json{"YQ==", "Yg=="}));
  EXPECT_EQ(j["next"], 3);

  r = Call("GET", "/v1/log/orders/head");
  ASSERT_EQ(r.status, 200) << r.body;
  j = json::parse(r.body);
  EXPECT_EQ(j["size"], 4);
  auto key = eventlog::ParseVerifierKey(j["key"].get<std::string>());
  ASSERT_TRUE(key.ok());
  auto cp = eventlog::OpenCheckpoint(j["note"].get<std::string>(), key->key, key->name);
  ASSERT_TRUE(cp.ok()) << cp.status().ToString();
  EXPECT_EQ(cp->origin, "test.example/eventlog/orders");
  EXPECT_EQ(HashBase64(cp->root), j["root"]);

  r = Call("GET", "/v1/log/orders/proof/inclusion?index=2&size=4");
  ASSERT_EQ(r.status, 200) << r.body;
  j = json::parse(r.body);
  std::vector<Hash> proof;
  for (const auto& h : j["proof"]) proof.push_back(*HashFromBase64(h.get<std::string>()));
  EXPECT_TRUE(
      eventlog::VerifyInclusion(2, 4, eventlog::EventLeafHash(AsBytes("b")), proof, cp->root).ok());

  r = Call("GET", "/v1/log/orders/proof/consistency?first=1&second=4");
  ASSERT_EQ(r.status, 200) << r.body;
  j = json::parse(r.body);
  proof.clear();
  for (const auto& h : j["proof"]) proof.push_back(*HashFromBase64(h.get<std::string>()));
  EXPECT_TRUE(eventlog::VerifyConsistency(1, 4, *HashFromBase64(j["first_root"].get<std::string>()),
                                          cp->root, proof)
                  .ok());

  r = Call("GET", "/v1/log/orders/sync?start=1&head=4&max_bytes=1");
  ASSERT_EQ(r.status, 200);
  auto batch = DecodeSyncBatch(r.body);
  ASSERT_TRUE(batch.ok());
  EXPECT_EQ(batch->events, std::vector<std::string>{"a"});
  EXPECT_TRUE(eventlog::VerifyConsistency(2, 4, batch->end_root, cp->root, batch->proof).ok());

  r = Call("GET", "/v1/log");
  EXPECT_EQ(json::parse(r.body)["streams"][0]["size"], 4);
}

TEST_F(LogApiTest, ErrorsMapToHttp) {
  EXPECT_EQ(Call("GET", "/v1/log/nope/head").status, 404);
  EXPECT_EQ(Call("GET", "/v1/log/.bad/head").status, 400);
  EXPECT_EQ(Call("POST", "/v1/log/s/append", R"({"events":"x"})", "application/json").status, 400);
  ASSERT_EQ(Call("POST", "/v1/log/s/append", "x").status, 200);
  EXPECT_EQ(Call("GET", "/v1/log/s/events?start=5").status, 400);
  EXPECT_EQ(Call("GET", "/v1/log/s/events?start=x").status, 400);
  EXPECT_EQ(Call("GET", "/v1/log/s/proof/inclusion?index=1&size=1").status, 400);
  EXPECT_EQ(Call("GET", "/v1/log/s/append").status, 405);
  EXPECT_EQ(Call("POST", "/v1/log/s/head").status, 405);
  EXPECT_EQ(Call("GET", "/v1/log/s/unknown").status, 404);
  auto r = Call("POST", "/v1/log/s/append", R"({"events":["eA=="],"expected_size":7})",
                "application/json");
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(json::parse(r.body)["error"]["code"], "FAILED_PRECONDITION");
  api_->SetReadOnly("s", "followed from http://peer/s");
  EXPECT_EQ(Call("POST", "/v1/log/s/append", "x").status, 409);
}

}  // namespace
}  // namespace cairn::eventlog_face
