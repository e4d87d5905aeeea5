#include "faces/session_rpc/rpc_executor.h"

#include <gtest/gtest.h>
#include <sodium.h>
#include <stdlib.h>

#include <atomic>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "core/env/env.h"
#include "core/metrics.h"
#include "engine/metadata.h"
#include "faces/session_rpc/auth.h"
#include "faces/session_rpc/encoding.h"
#include "models/mailbox/mailbox.h"

namespace cairn::session_rpc {
namespace {

using json = nlohmann::json;

// The worked example of spec §6: its key, Session ID and timestamp.
constexpr int64_t kTs = 1'700'000'000'000;
constexpr const char* kSessionId =
    "054701d08488451f545a409fb58ae3e58581ca40ac3f7f114698cd71deac73ca01";
constexpr const char* kEd25519Hex =
    "03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8";
constexpr const char* kHelloHash = "gwTFi7xJfaW/kuECEKV+HwjKWozToGIYTM7R9KyaH7M";
constexpr const char* kHelloHashNs3 = "5wnCd2q/GbRgycfyvb8WJ/DU5j9Y6tf6gTSc6jkr2g0";
constexpr const char* kStoreNs3Sig =
    "WLjwA3KeQS4nbat79wG5w4WPUjFEMeYig8rxf7eHlg5Rxis4pDDj1X9rI85BfNlFYRBHScT580OxAU90IEs6Bg==";
constexpr const char* kRetrieveNs0Sig =
    "RmRCJ3nPhaFug4AB8jINXur5kyTGwHO1bsHA7cXrxLyQ5EXbDGkrSB3LKQzymcuvtAyW+rlkdJx66UX28NliDw==";
constexpr const char* kRetrieveNs3Sig =
    "flydOewcjrOlW2iWl1nYX9hd+fkkbnu+7RCOsH/kwH1fztQWRkr5HcIw8WFKmfAJS/dyxpRyh3oXSsAdKIkyDg==";

class ClockEnv : public core::EnvWrapper {
 public:
  explicit ClockEnv(core::Env* target) : core::EnvWrapper(target) {}
  uint64_t UnixMicros() override { return now_ms.load() * 1000; }
  std::atomic<uint64_t> now_ms{kTs + 500};
};

std::array<uint8_t, 64> UserSecret() {
  EXPECT_GE(sodium_init(), 0);
  std::array<uint8_t, 32> seed;
  for (int i = 0; i < 32; ++i) seed[i] = static_cast<uint8_t>(i);
  std::array<uint8_t, 32> pub;
  std::array<uint8_t, 64> secret;
  crypto_sign_seed_keypair(pub.data(), secret.data(), seed.data());
  return secret;
}

std::string UserSign(std::string_view bytes) {
  Ed25519Signature sig = SignEd25519(UserSecret(), bytes);
  return Base64Encode(ByteSpan(sig));
}

NodeIdentity TestNode() {
  std::array<uint8_t, 32> seed;
  seed.fill(0x77);
  return NodeIdentity::FromSeed(seed);
}

bool NodeSigned(const NodeIdentity& node, const std::string& message, const json& sig64) {
  Result<std::string> raw = Base64Decode(sig64.get<std::string>());
  if (!raw.ok() || raw->size() != 64) return false;
  Ed25519Signature sig;
  std::memcpy(sig.data(), raw->data(), 64);
  return VerifyEd25519(node.public_key(), message, sig);
}

class RpcExecutorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/cairn_rpc_executor_test_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    auto meta = engine::Metadata::Open(engine::MetadataOptions{.dir = dir_ + "/meta"});
    ASSERT_TRUE(meta.ok()) << meta.status();
    meta_ = std::move(meta).value();
    auto box = mailbox::Mailbox::Open({.env = &clock_, .metadata = meta_.get()});
    ASSERT_TRUE(box.ok()) << box.status();
    box_ = std::move(box).value();
    RpcExecutorOptions o;
    o.env = &clock_;
    o.identity = &node_;
    o.address.ip = "10.1.2.3";
    o.address.port_https = 22021;
    o.swarm_id = 0x1234abcd;
    o.metrics = &metrics_;
    exec_ = std::make_unique<RpcExecutor>(box_.get(), o);
  }
  void TearDown() override {
    exec_.reset();
    box_.reset();
    meta_.reset();
    std::filesystem::remove_all(dir_);
  }

  // Runs `method` with `params`; returns the reply, the body parsed when it is JSON.
  RpcReply Call(const std::string& method, const json& params, json* out = nullptr) {
    RpcReply r = exec_->Execute(json{{"method", method}, {"params", params}}.dump());
    if (out != nullptr) *out = r.json ? json::parse(r.body) : json(r.body);
    return r;
  }
  json Ok(const std::string& method, const json& params) {
    json out;
    RpcReply r = Call(method, params, &out);
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_TRUE(r.json) << r.body;
    return out;
  }
  std::string Err(const std::string& method, const json& params, int status) {
    RpcReply r = Call(method, params);
    EXPECT_EQ(r.status, status) << r.body;
    EXPECT_FALSE(r.json) << r.body;
    return r.body;
  }
  int64_t Now() const { return static_cast<int64_t>(clock_.now_ms.load()); }

  // §6.1: "hello" into namespace 0, unsigned.
  static json HelloStore() {
    return json{
        {"pubkey", kSessionId}, {"timestamp", kTs}, {"ttl", 86'400'000}, {"data", "aGVsbG8="}};
  }
  static json Retrieve(int16_t ns, const char* sig) {
    json p = {{"pubkey", kSessionId},
              {"pubkey_ed25519", kEd25519Hex},
              {"timestamp", kTs},
              {"signature", sig},
              {"last_hash", ""}};
    if (ns != 0) p["namespace"] = ns;
    return p;
  }
  // A signed request of the §6 user at the clock's current time.
  json Signed(json p, const std::string& signed_bytes) {
    p["pubkey"] = kSessionId;
    p["pubkey_ed25519"] = kEd25519Hex;
    p["signature"] = UserSign(signed_bytes);
    return p;
  }
  // Stores `data` (raw) in namespace 0 with `ttl`; returns the hash.
  std::string Put(const std::string& data, int64_t ttl = 86'400'000) {
    json out = Ok(
        "store",
        {{"pubkey", kSessionId}, {"timestamp", Now()}, {"ttl", ttl}, {"data", Base64Encode(data)}});
    return out["hash"].get<std::string>();
  }

  std::unique_ptr<core::Env> mem_ = core::NewMemEnv();
  ClockEnv clock_{mem_.get()};
  std::string dir_;
  std::unique_ptr<engine::Metadata> meta_;
  std::unique_ptr<mailbox::Mailbox> box_;
  NodeIdentity node_ = TestNode();
  core::MetricsRegistry metrics_;
  std::unique_ptr<RpcExecutor> exec_;
};

TEST_F(RpcExecutorTest, StoreAnswersInTheSwarmShapeWithTheNodeSignature) {
  json out = Ok("store", HelloStore());
  EXPECT_EQ(out["hash"], kHelloHash);
  EXPECT_EQ(out["t"], kTs + 500);
  EXPECT_EQ(out["hf"], json::array({19, 3}));
  ASSERT_EQ(out["swarm"].size(), 1u);
  const json& mine = out["swarm"][node_.PublicKeyHex()];
  EXPECT_EQ(mine["hash"], kHelloHash);
  EXPECT_EQ(mine["expiry"], kTs + 86'400'000);
  EXPECT_EQ(mine["t"], kTs + 500);
  EXPECT_FALSE(mine.contains("already"));
  EXPECT_EQ(mine["signature"].get<std::string>().size(), 88u);
  EXPECT_TRUE(NodeSigned(node_, kHelloHash, mine["signature"]));
  // The same message again: a duplicate, its expiry raised to the later one.
  json again = HelloStore();
  again["ttl"] = 2 * 86'400'000;
  json dup = Ok("store", again);
  EXPECT_EQ(dup["swarm"][node_.PublicKeyHex()]["already"], true);
  EXPECT_EQ(dup["swarm"][node_.PublicKeyHex()]["expiry"], kTs + 2 * 86'400'000);
}

TEST_F(RpcExecutorTest, WorkedExampleStoreAndRetrieve) {
  Ok("store", HelloStore());
  json signed_store = HelloStore();
  signed_store["namespace"] = 3;
  signed_store["pubkey_ed25519"] = kEd25519Hex;
  signed_store["sig_timestamp"] = kTs;
  signed_store["signature"] = kStoreNs3Sig;
  EXPECT_EQ(Ok("store", signed_store)["hash"], kHelloHashNs3);

  json got = Ok("retrieve", Retrieve(0, kRetrieveNs0Sig));
  EXPECT_EQ(got.dump(), json({{"messages", json::array({{{"hash", kHelloHash},
                                                         {"timestamp", kTs},
                                                         {"expiration", kTs + 86'400'000},
                                                         {"data", "aGVsbG8="}}})},
                              {"more", false},
                              {"t", kTs + 500},
                              {"hf", {19, 3}}})
                            .dump());
  json ns3 = Ok("retrieve", Retrieve(3, kRetrieveNs3Sig));
  ASSERT_EQ(ns3["messages"].size(), 1u);
  EXPECT_EQ(ns3["messages"][0]["hash"], kHelloHashNs3);
}

TEST_F(RpcExecutorTest, RefusalsCarryTheSpecsStatusAndText) {
  json bad_sig = HelloStore();
  bad_sig["namespace"] = 3;
  bad_sig["pubkey_ed25519"] = kEd25519Hex;
  bad_sig["signature"] = kRetrieveNs0Sig;  // a valid signature over other bytes
  EXPECT_EQ(Err("store", bad_sig, 401), "store signature verification failed");
  json unsigned_ns3 = HelloStore();
  unsigned_ns3["namespace"] = 3;
  EXPECT_EQ(Err("store", unsigned_ns3, 401), "store: signature required to store to namespace 3");
  EXPECT_EQ(Err("nope", json::object(), 400), "no method nope");
  clock_.now_ms = kTs + 61'000;
  EXPECT_EQ(Err("retrieve", Retrieve(0, kRetrieveNs0Sig), 406),
            "retrieve timestamp too far from current time");
  EXPECT_EQ(exec_->Execute("{").body, "invalid json");
  EXPECT_EQ(exec_->Execute("{").status, 400);
  EXPECT_EQ(exec_->Execute("{").method, "");
}

TEST_F(RpcExecutorTest, RetrievePagesWithMaxCountAndLastHash) {
  clock_.now_ms = kTs;
  std::vector<std::string> hashes;
  for (int i = 0; i < 5; ++i) hashes.push_back(Put("m" + std::to_string(i)));
  json p = Retrieve(0, kRetrieveNs0Sig);
  p["max_count"] = 2;
  json page = Ok("retrieve", p);
  ASSERT_EQ(page["messages"].size(), 2u);
  EXPECT_EQ(page["more"], true);
  EXPECT_EQ(page["messages"][1]["hash"], hashes[1]);
  p["last_hash"] = hashes[3];
  page = Ok("retrieve", p);
  ASSERT_EQ(page["messages"].size(), 1u);
  EXPECT_EQ(page["messages"][0]["hash"], hashes[4]);
  EXPECT_EQ(page["more"], false);
}

TEST_F(RpcExecutorTest, ExpiredMessagesAreNeverReturned) {
  clock_.now_ms = kTs;
  std::string short_lived = Put("short", 10'000);
  std::string long_lived = Put("long");
  clock_.now_ms = kTs + 10'000;  // expiry == now: gone
  json got = Ok("retrieve", Retrieve(0, kRetrieveNs0Sig));
  ASSERT_EQ(got["messages"].size(), 1u);
  EXPECT_EQ(got["messages"][0]["hash"], long_lived);
  json exp =
      Ok("get_expiries", Signed({{"timestamp", Now()}, {"messages", {short_lived, long_lived}}},
                                "get_expiries" + std::to_string(Now()) + short_lived + long_lived));
  EXPECT_EQ(exp, json({{"expiries", {{long_lived, kTs + 86'400'000}}}}));
}

TEST_F(RpcExecutorTest, DeleteAndRequired) {
  std::string a = Put("a"), b = Put("b");
  std::string unknown(43, 'A');
  json out = Ok("delete", Signed({{"messages", {b, a, unknown}}}, "delete" + b + a + unknown));
  const json& mine = out["swarm"][node_.PublicKeyHex()];
  std::vector<std::string> sorted = {a, b};
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(mine["deleted"], sorted);
  EXPECT_TRUE(NodeSigned(node_, std::string(kSessionId) + b + a + unknown + sorted[0] + sorted[1],
                         mine["signature"]));
  json again;
  RpcReply r =
      Call("delete", Signed({{"messages", {a}}, {"required", true}}, "delete" + a), &again);
  EXPECT_EQ(r.status, 404);
  EXPECT_TRUE(r.json);
  EXPECT_EQ(again["swarm"][node_.PublicKeyHex()]["deleted"], json::array());
}

TEST_F(RpcExecutorTest, DeleteAllOneNamespaceAndAll) {
  std::string a = Put("a");
  json p3 = HelloStore();
  p3["timestamp"] = Now();
  p3["namespace"] = 10;  // another public inbox
  std::string c = Ok("store", p3)["hash"];
  const std::string ts = std::to_string(Now());
  json one = Ok("delete_all", Signed({{"timestamp", Now()}}, "delete_all" + ts));
  EXPECT_EQ(one["swarm"][node_.PublicKeyHex()]["deleted"], json::array({a}));
  EXPECT_TRUE(NodeSigned(node_, std::string(kSessionId) + ts + a,
                         one["swarm"][node_.PublicKeyHex()]["signature"]));
  json all =
      Ok("delete_all", Signed({{"timestamp", Now()}, {"namespace", "all"}}, "delete_allall" + ts));
  EXPECT_EQ(all["swarm"][node_.PublicKeyHex()]["deleted"], json({{"10", {c}}}));
}

TEST_F(RpcExecutorTest, DeleteBeforeAndExpireAll) {
  clock_.now_ms = kTs;
  std::string old_one = Put("old");
  clock_.now_ms = kTs + 5'000;
  std::string new_one = Put("new");
  const std::string before = std::to_string(kTs + 1'000);
  json del = Ok("delete_before", Signed({{"before", kTs + 1'000}}, "delete_before" + before));
  EXPECT_EQ(del["swarm"][node_.PublicKeyHex()]["deleted"], json::array({old_one}));
  const int64_t expiry = Now() + 60'000;
  json exp = Ok("expire_all", Signed({{"expiry", expiry}, {"namespace", "all"}},
                                     "expire_allall" + std::to_string(expiry)));
  const json& mine = exp["swarm"][node_.PublicKeyHex()];
  EXPECT_EQ(mine["updated"], json({{"0", {new_one}}}));
  EXPECT_TRUE(NodeSigned(node_, std::string(kSessionId) + std::to_string(expiry) + new_one,
                         mine["signature"]));
}

TEST_F(RpcExecutorTest, ExpireShortenExtendAndClamp) {
  clock_.now_ms = kTs;
  std::string h = Put("x");  // expiry kTs + 1 day
  const int64_t later = kTs + 2 * 86'400'000;
  // shorten to a later value: unchanged.
  json out = Ok("expire", Signed({{"messages", {h}}, {"expiry", later}, {"shorten", true}},
                                 "expireshorten" + std::to_string(later) + h));
  json mine = out["swarm"][node_.PublicKeyHex()];
  EXPECT_EQ(mine["updated"], json::array());
  EXPECT_EQ(mine["unchanged"], json({{h, kTs + 86'400'000}}));
  EXPECT_EQ(mine["expiry"], later);
  EXPECT_TRUE(NodeSigned(
      node_,
      std::string(kSessionId) + std::to_string(later) + h + h + std::to_string(kTs + 86'400'000),
      mine["signature"]));
  // extend: changed.
  out = Ok("expire", Signed({{"messages", {h}}, {"expiry", later}, {"extend", true}},
                            "expireextend" + std::to_string(later) + h));
  mine = out["swarm"][node_.PublicKeyHex()];
  EXPECT_EQ(mine["updated"], json::array({h}));
  EXPECT_EQ(mine["unchanged"], json::object());
  // Plain set far beyond 30 days: clamped to now + 30 days; the signed value is the request's.
  const int64_t far = kTs + 90LL * 86'400'000;
  out = Ok("expire",
           Signed({{"messages", {h}}, {"expiry", far}}, "expire" + std::to_string(far) + h));
  mine = out["swarm"][node_.PublicKeyHex()];
  EXPECT_EQ(mine["expiry"], kTs + kTtlMaxPrivateMs);
  EXPECT_FALSE(mine.contains("unchanged"));
  EXPECT_TRUE(NodeSigned(node_,
                         std::string(kSessionId) + std::to_string(kTs + kTtlMaxPrivateMs) + h + h,
                         mine["signature"]));
}

TEST_F(RpcExecutorTest, BatchSequenceAndIfElse) {
  Ok("store", HelloStore());
  json r0 = Retrieve(0, kRetrieveNs0Sig);
  r0["max_size"] = -2;
  json bad = r0;
  bad["signature"] = kRetrieveNs3Sig;
  json batch = Ok("batch", {{"requests",
                             {{{"method", "retrieve"}, {"params", bad}},
                              {{"method", "retrieve"}, {"params", r0}},
                              {{"method", "info"}, {"params", json::object()}}}}});
  ASSERT_EQ(batch["results"].size(), 3u);
  EXPECT_EQ(batch["results"][0],
            json({{"code", 401}, {"body", "retrieve signature verification failed"}}));
  EXPECT_EQ(batch["results"][1]["code"], 200);
  EXPECT_EQ(batch["results"][1]["body"]["messages"][0]["hash"], kHelloHash);
  EXPECT_EQ(batch["results"][2]["body"]["version"], json::array({2, 6, 2}));
  EXPECT_FALSE(batch.contains("t"));

  json seq = Ok("sequence", {{"requests",
                              {{{"method", "info"}, {"params", json::object()}},
                               {{"method", "retrieve"}, {"params", bad}},
                               {{"method", "retrieve"}, {"params", r0}}}}});
  ASSERT_EQ(seq["results"].size(), 2u);
  EXPECT_EQ(seq["results"][1]["code"], 401);

  json ifelse = Ok("ifelse", {{"if", {{"hf_at_least", {19, 3}}}},
                              {"then", {{"method", "info"}, {"params", json::object()}}},
                              {"else", {{"method", "retrieve"}, {"params", bad}}}});
  EXPECT_EQ(ifelse["condition"], true);
  EXPECT_EQ(ifelse["result"]["body"]["version"], json::array({2, 6, 2}));
  ifelse = Ok("ifelse", {{"if", {{"v_before", {2, 6}}}},
                         {"then", {{"method", "info"}, {"params", json::object()}}}});
  EXPECT_EQ(ifelse["condition"], false);
  EXPECT_FALSE(ifelse.contains("result"));
  ifelse = Ok("ifelse",
              {{"if", {{"hf_at_least", {19}}}},
               {"then",
                {{"method", "batch"},
                 {"params", {{"requests", {{{"method", "info"}, {"params", json::object()}}}}}}}}});
  EXPECT_EQ(ifelse["condition"], true);
  EXPECT_EQ(ifelse["result"]["code"], 200);
  EXPECT_EQ(ifelse["result"]["body"]["results"][0]["code"], 200);
  EXPECT_EQ(ifelse["height"], 0);
  EXPECT_EQ(ifelse["v"], json::array({2, 6, 2}));
}

TEST_F(RpcExecutorTest, BatchLimits) {
  json info = {{"method", "info"}, {"params", json::object()}};
  EXPECT_EQ(Err("batch", {{"requests", json::array()}}, 400),
            "invalid request: Invalid batch request: no valid \"requests\" field");
  EXPECT_EQ(Err("batch", {{"requests", std::vector<json>(21, info)}}, 400),
            "invalid request: Invalid batch request: subrequest limit exceeded");
  EXPECT_EQ(Ok("batch", {{"requests", std::vector<json>(20, info)}})["results"].size(), 20u);
  EXPECT_EQ(Err("sequence",
                {{"requests", {{{"method", "batch"}, {"params", {{"requests", {info}}}}}}}}, 400),
            "invalid request: Invalid batch subrequest: subrequests may not contain meta-requests");
}

TEST_F(RpcExecutorTest, GetSwarmInfoAndOxend) {
  json swarm = Ok("get_swarm", {{"pubkey", kSessionId}});
  EXPECT_EQ(swarm["swarm"], "1234abcd");
  ASSERT_EQ(swarm["snodes"].size(), 1u);
  const json& n = swarm["snodes"][0];
  EXPECT_EQ(n["pubkey_ed25519"], node_.PublicKeyHex());
  EXPECT_EQ(n["pubkey_legacy"], node_.PublicKeyHex());
  EXPECT_EQ(n["pubkey_x25519"], node_.X25519Hex());
  EXPECT_EQ(n["address"], node_.SnodeAddress());
  EXPECT_EQ(n["ip"], "10.1.2.3");
  EXPECT_EQ(n["port"], "22021");
  EXPECT_EQ(n["port_https"], 22021);
  EXPECT_EQ(swarm["t"], kTs + 500);
  json info = Ok("info", json::object());
  EXPECT_EQ(
      info,
      json({{"version", {2, 6, 2}}, {"timestamp", kTs + 500}, {"t", kTs + 500}, {"hf", {19, 3}}}));
  RpcReply r = Call("oxend_request", {{"endpoint", "get_service_nodes"}});
  EXPECT_EQ(r.status, 501);
  EXPECT_FALSE(r.json);
}

TEST_F(RpcExecutorTest, SubaccountRevocation) {
  // A subaccount with read access, signed by the owner (the §6 user).
  std::array<uint8_t, 32> seed;
  seed.fill(0x55);
  NodeIdentity sub = NodeIdentity::FromSeed(seed);  // any Ed25519 key pair will do
  std::string token(36, '\0');
  token[0] = 0x05;
  token[1] = kSubaccountRead;
  std::memcpy(token.data() + 4, sub.public_key().data(), 32);
  Ed25519Signature owner_sig = SignEd25519(UserSecret(), token);
  const std::string ts = std::to_string(Now());
  auto retrieve = [&] {
    Ed25519Signature s = sub.Sign("retrieve" + ts);
    return json{{"pubkey", kSessionId},
                {"pubkey_ed25519", kEd25519Hex},
                {"timestamp", Now()},
                {"subaccount", Base64EncodeUnpadded(AsBytes(token))},
                {"subaccount_sig", Base64Encode(ByteSpan(owner_sig))},
                {"signature", Base64Encode(ByteSpan(s))}};
  };
  Ok("retrieve", retrieve());
  json revoke =
      Ok("revoke_subaccount", Signed({{"timestamp", Now()}, {"revoke", HexEncode(AsBytes(token))}},
                                     "revoke_subaccount" + ts + token));
  EXPECT_TRUE(NodeSigned(node_, std::string(kSessionId) + ts + token,
                         revoke["swarm"][node_.PublicKeyHex()]["signature"]));
  EXPECT_EQ(Err("retrieve", retrieve(), 401), "retrieve signature verification failed");
  json unrevoke = Ok("unrevoke_subaccount",
                     Signed({{"timestamp", Now()}, {"unrevoke", HexEncode(AsBytes(token))}},
                            "unrevoke_subaccount" + ts + token));
  EXPECT_EQ(unrevoke["swarm"][node_.PublicKeyHex()]["count"], 1);
  Ok("retrieve", retrieve());
}

TEST_F(RpcExecutorTest, MetricsCountSubrequests) {
  Ok("batch", {{"requests", {{{"method", "info"}, {"params", json::object()}}}}});
  EXPECT_NE(metrics_.RenderPrometheus().find(
                "cairn_session_rpc_subrequests_total{code=\"200\",method=\"info\"} 1"),
            std::string::npos)
      << metrics_.RenderPrometheus();
}

}  // namespace
}  // namespace cairn::session_rpc
