#include "faces/session_rpc/session_rpc_face.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "core/env/env.h"
#include "core/metrics.h"
#include "engine/metadata.h"
#include "faces/session_rpc/auth.h"
#include "faces/session_rpc/node_identity.h"
#include "models/mailbox/mailbox.h"

namespace cairn::session_rpc {
namespace {

using json = nlohmann::json;

// ---- NodeIdentity ----

TEST(NodeIdentityTest, CreatedOnceThenLoaded) {
  auto env = core::NewMemEnv();
  ASSERT_TRUE(core::CreateDirs(env.get(), "/data/session").ok());
  const std::string path = "/data/session/node-ed25519.key";
  EXPECT_EQ(NodeIdentity::LoadOrCreate(env.get(), path, /*create=*/false).status().code(),
            StatusCode::kNotFound);
  bool created = false;
  auto first = NodeIdentity::LoadOrCreate(env.get(), path, true, &created);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_TRUE(created);
  auto text = core::ReadFileToString(env.get(), path);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(text->size(), 129u);  // 128 hex digits and a newline
  auto second = NodeIdentity::LoadOrCreate(env.get(), path, true, &created);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_FALSE(created);
  EXPECT_EQ(second->PublicKeyHex(), first->PublicKeyHex());
  // Its signatures verify under the announced key; its X25519 key is the announced one.
  Ed25519Signature sig = second->Sign("abc");
  EXPECT_TRUE(VerifyEd25519(first->public_key(), "abc", sig));
  EXPECT_EQ(Ed25519ToX25519(first->public_key()).value(), first->x25519_key());
  EXPECT_EQ(first->SignBase64("abc").size(), 88u);
}

TEST(NodeIdentityTest, CorruptKeyFileIsDataLoss) {
  auto env = core::NewMemEnv();
  ASSERT_TRUE(core::WriteFileAtomically(env.get(), "/k", AsBytes("zz\n")).ok());
  EXPECT_EQ(NodeIdentity::LoadOrCreate(env.get(), "/k", true).status().code(),
            StatusCode::kDataLoss);
  // A public half that does not belong to the seed.
  std::string hex(128, '1');
  ASSERT_TRUE(core::WriteFileAtomically(env.get(), "/k", AsBytes(hex)).ok());
  EXPECT_EQ(NodeIdentity::LoadOrCreate(env.get(), "/k", true).status().code(),
            StatusCode::kDataLoss);
}

TEST(NodeIdentityTest, ZBase32) {
  EXPECT_EQ(ZBase32Encode(""), "");
  EXPECT_EQ(ZBase32Encode(std::string(1, '\0')), "yy");
  EXPECT_EQ(ZBase32Encode("\xff"), "9h");
  EXPECT_EQ(ZBase32Encode(std::string(5, '\0')), "yyyyyyyy");
  std::array<uint8_t, 32> seed{};
  EXPECT_EQ(NodeIdentity::FromSeed(seed).SnodeAddress().size(), 52u + 6u);
}

// ---- HTTP handling ----

class SessionRpcFaceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/cairn_rpc_face_test_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    auto meta = engine::Metadata::Open(engine::MetadataOptions{.dir = dir_ + "/meta"});
    ASSERT_TRUE(meta.ok()) << meta.status();
    meta_ = std::move(meta).value();
    auto box = mailbox::Mailbox::Open({.env = env_, .metadata = meta_.get()});
    ASSERT_TRUE(box.ok()) << box.status();
    box_ = std::move(box).value();
    RpcExecutorOptions eo;
    eo.env = env_;
    eo.identity = &node_;
    exec_ = std::make_unique<RpcExecutor>(box_.get(), eo);
    face_ = std::make_unique<SessionRpcFace>(exec_.get(), SessionRpcFaceOptions{env_, &metrics_});
  }
  void TearDown() override {
    face_.reset();
    exec_.reset();
    box_.reset();
    meta_.reset();
    std::filesystem::remove_all(dir_);
  }

  // Sends a request; the body in pieces of `piece` bytes (0: one piece), as the server would.
  net::HttpResponse Send(std::string method, std::string path, const std::string& body,
                         bool chunked = false, net::HttpHeaders headers = {}, size_t piece = 0) {
    net::HttpRequest head;
    head.method = std::move(method);
    head.path = path;
    head.target = path;
    head.headers = std::move(headers);
    if (!chunked) head.content_length = body.size();
    net::HttpResponse response;
    std::unique_ptr<net::BodySink> sink = face_->Handle(head, &response);
    if (!sink) return response;
    Status s;
    if (piece == 0) piece = std::max<size_t>(body.size(), 1);
    for (size_t off = 0; off < body.size() && s.ok(); off += piece) {
      s = sink->Write(AsBytes(std::string_view(body).substr(off, piece)));
    }
    sink->Finish(s, &response);
    return response;
  }
  static std::string ContentType(const net::HttpResponse& r) {
    return std::string(net::FindHeader(r.headers, "Content-Type").value_or(""));
  }

  core::Env* env_ = core::Env::Default();
  std::string dir_;
  std::unique_ptr<engine::Metadata> meta_;
  std::unique_ptr<mailbox::Mailbox> box_;
  NodeIdentity node_ = NodeIdentity::FromSeed(std::array<uint8_t, 32>{1});
  core::MetricsRegistry metrics_;
  std::unique_ptr<RpcExecutor> exec_;
  std::unique_ptr<SessionRpcFace> face_;
};

TEST_F(SessionRpcFaceTest, PostStorageRpcRunsTheRequest) {
  net::HttpResponse r = Send("POST", "/storage_rpc/v1", R"({"method":"info","params":{}})");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(ContentType(r), "application/json");
  json info = json::parse(r.body);
  EXPECT_EQ(info["version"], json::array({2, 6, 2}));
  // Errors are plain text.
  r = Send("POST", "/storage_rpc/v1", R"({"method":"nope","params":{}})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, "no method nope");
  EXPECT_EQ(ContentType(r).rfind("text/plain", 0), 0u);
  // A body that arrives in pieces (chunked) is the same request.
  r = Send("POST", "/storage_rpc/v1", R"({"method":"info","params":{}})", true, {}, 3);
  EXPECT_EQ(r.status, 200);
  std::string metrics = metrics_.RenderPrometheus();
  EXPECT_NE(metrics.find("cairn_session_rpc_requests_total{code=\"200\",method=\"info\"} 2"),
            std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("cairn_session_rpc_requests_total{code=\"400\",method=\"invalid\"} 1"),
            std::string::npos)
      << metrics;
}

TEST_F(SessionRpcFaceTest, OtherPathsAndMethodsAreNotFound) {
  net::HttpResponse r = Send("GET", "/storage_rpc/v1", "");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, "GET /storage_rpc/v1 Not Found");
  r = Send("POST", "/onion_req/v2", "{}");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, "POST /onion_req/v2 Not Found");
  r = Send("GET", "/get_stats/v1", "");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"version":"2.6.2"})");
}

TEST_F(SessionRpcFaceTest, BodiesOverTenMebibytesAre413) {
  // Announced by Content-Length: refused before the body is read.
  net::HttpRequest head;
  head.method = "POST";
  head.path = head.target = "/storage_rpc/v1";
  head.content_length = kMaxRequestBodyBytes + 1;
  net::HttpResponse response;
  EXPECT_EQ(face_->Handle(head, &response), nullptr);
  EXPECT_EQ(response.status, 413);
  EXPECT_EQ(response.body, "Request body too large");
  // Exactly 10 MiB is read (and then is not JSON).
  std::string body(kMaxRequestBodyBytes, ' ');
  net::HttpResponse at_limit = Send("POST", "/storage_rpc/v1", body, true, {}, 1 << 20);
  EXPECT_EQ(at_limit.status, 400);
  EXPECT_EQ(at_limit.body, "invalid json");
  // A chunked body that grows past the limit.
  body.push_back(' ');
  net::HttpResponse over = Send("POST", "/storage_rpc/v1", body, true, {}, 1 << 20);
  EXPECT_EQ(over.status, 413);
  EXPECT_EQ(over.body, "Request body too large");
}

TEST_F(SessionRpcFaceTest, LongPollHeaderIsGone) {
  net::HttpResponse r = Send("POST", "/storage_rpc/v1", R"({"method":"info","params":{}})", false,
                             {{"X-Loki-Long-Poll", "true"}});
  EXPECT_EQ(r.status, 410);
}

}  // namespace
}  // namespace cairn::session_rpc
