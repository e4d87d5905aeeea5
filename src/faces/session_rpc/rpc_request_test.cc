#include "faces/session_rpc/rpc_request.h"

#include <gtest/gtest.h>

#include <limits>
#include <nlohmann/json.hpp>
#include <string>

#include "core/bytes.h"
#include "faces/session_rpc/auth.h"
#include "faces/session_rpc/encoding.h"
#include "faces/session_rpc/message_hash.h"

namespace cairn::session_rpc {
namespace {

using nlohmann::json;

// ---- §6 material ----

constexpr int64_t kTs = 1'700'000'000'000;
constexpr std::string_view kEd25519Hex =
    "03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8";
constexpr std::string_view kSessionId =
    "054701d08488451f545a409fb58ae3e58581ca40ac3f7f114698cd71deac73ca01";
constexpr std::string_view kGroupId =
    "032152f8d19b791d24453242e15f2eab6cb7cffa7b6a5ed30097960e069881db12";
constexpr std::string_view kStoreSig3 =
    "WLjwA3KeQS4nbat79wG5w4WPUjFEMeYig8rxf7eHlg5Rxis4pDDj1X9rI85BfNlFYRBHScT580OxAU90IEs6Bg==";
constexpr std::string_view kRetrieveSig0 =
    "RmRCJ3nPhaFug4AB8jINXur5kyTGwHO1bsHA7cXrxLyQ5EXbDGkrSB3LKQzymcuvtAyW+rlkdJx66UX28NliDw==";
constexpr std::string_view kRetrieveSig3 =
    "flydOewcjrOlW2iWl1nYX9hd+fkkbnu+7RCOsH/kwH1fztQWRkr5HcIw8WFKmfAJS/dyxpRyh3oXSsAdKIkyDg==";
constexpr std::string_view kDeleteAllSig0 =
    "2nyGhKczKRcMBUCqmwJdODS8HtFYM02tWaC95vUEsVXyczUDz9/xuZnhtaQ8i0/sJ9f9EY1xl/2qfTfUt+cFDQ==";
constexpr std::string_view kDeleteAllSigAll =
    "YQyILGAq+EuIyzxxRAVumYDmPXtV75Bo37ffvubZfzK1UGT7vR4JnisuD/qijc3N3++4NKIvbOdeIgYCKGrmCw==";
constexpr std::string_view kGroupStoreSig11 =
    "Rf+lfZVlf0QN3PlSHQogMRl3GwBV/i9I2gYelQMij0WFfKiib28c9Yz4aMtmM5oV0f3GV0frIRYuNHKyVQCvCg==";
// A well-formed signature that verifies nothing.
const std::string kAnySig = std::string(86, 'A');
const std::string kHash = "gwTFi7xJfaW/kuECEKV+HwjKWozToGIYTM7R9KyaH7M";

std::string Body(std::string_view method, const json& params) {
  return json{{"method", method}, {"params", params}}.dump();
}

// "ok" or "<status> <text>".
std::string Outcome(std::string_view body, const ParseOptions& options = {}) {
  auto r = ParseRequestBody(body, options);
  if (auto* e = std::get_if<RpcError>(&r)) return std::to_string(e->http_status) + " " + e->text;
  return "ok";
}
std::string Outcome(std::string_view method, const json& params) {
  return Outcome(Body(method, params));
}

Request MustParse(std::string_view body) {
  auto r = ParseRequestBody(body);
  if (auto* e = std::get_if<RpcError>(&r)) {
    ADD_FAILURE() << "parse failed: " << *e;
    return Request{};
  }
  return std::move(std::get<Request>(r));
}

template <typename T>
T MustParseSub(std::string_view body) {
  Request r = MustParse(body);
  auto* sub = std::get_if<SubRequest>(&r.body);
  if (!sub || !std::holds_alternative<T>(*sub)) {
    ADD_FAILURE() << "wrong request type";
    return T{};
  }
  return std::get<T>(std::move(*sub));
}

CheckOptions At(int64_t now) {
  CheckOptions o;
  o.now_ms = now;
  return o;
}

// ---- The §6 requests, verbatim ----

constexpr std::string_view kStore61 = R"({"method":"store","params":{
  "pubkey":"054701d08488451f545a409fb58ae3e58581ca40ac3f7f114698cd71deac73ca01",
  "timestamp":1700000000000,"ttl":86400000,"data":"aGVsbG8="}})";

constexpr std::string_view kStore62 = R"({"method":"store","params":{
  "pubkey":"054701d08488451f545a409fb58ae3e58581ca40ac3f7f114698cd71deac73ca01",
  "pubkey_ed25519":"03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8",
  "namespace":3,"timestamp":1700000000000,"ttl":86400000,"data":"aGVsbG8=",
  "sig_timestamp":1700000000000,
  "signature":"WLjwA3KeQS4nbat79wG5w4WPUjFEMeYig8rxf7eHlg5Rxis4pDDj1X9rI85BfNlFYRBHScT580OxAU90IEs6Bg=="}})";

constexpr std::string_view kRetrieve63 = R"({"method":"retrieve","params":{
  "pubkey":"054701d08488451f545a409fb58ae3e58581ca40ac3f7f114698cd71deac73ca01",
  "pubkey_ed25519":"03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8",
  "timestamp":1700000000000,
  "signature":"RmRCJ3nPhaFug4AB8jINXur5kyTGwHO1bsHA7cXrxLyQ5EXbDGkrSB3LKQzymcuvtAyW+rlkdJx66UX28NliDw==",
  "last_hash":""}})";

json Retrieve63Params() { return json::parse(kRetrieve63)["params"]; }

TEST(Section6ParseTest, Store61) {
  const StoreRequest s = MustParseSub<StoreRequest>(kStore61);
  EXPECT_EQ(s.pubkey.Hex(), kSessionId);
  EXPECT_EQ(s.ns, 0);
  EXPECT_EQ(s.timestamp, kTs);
  EXPECT_EQ(s.expiry, 1'700'086'400'000);
  EXPECT_EQ(s.data, "hello");
  EXPECT_FALSE(s.auth.signature);
  EXPECT_FALSE(s.sig_timestamp);
  EXPECT_EQ(ComputeMessageHash(s.pubkey, s.ns, s.data), kHash);
  EXPECT_EQ(CheckRequest(s, At(kTs)), std::nullopt);
  EXPECT_EQ(CheckRequest(s, At(kTs + 86'400'000 + 10'000)), std::nullopt);
}

TEST(Section6ParseTest, Store62) {
  const StoreRequest s = MustParseSub<StoreRequest>(kStore62);
  EXPECT_EQ(s.ns, 3);
  ASSERT_TRUE(s.auth.signature);
  EXPECT_EQ(Base64Encode(ByteSpan(*s.auth.signature)), kStoreSig3);
  ASSERT_TRUE(s.auth.pubkey_ed25519);
  EXPECT_EQ(HexEncode(*s.auth.pubkey_ed25519), kEd25519Hex);
  EXPECT_EQ(s.sig_timestamp, kTs);
  EXPECT_EQ(SignedBytes(s), "store31700000000000");
  EXPECT_EQ(ComputeMessageHash(s.pubkey, s.ns, s.data),
            "5wnCd2q/GbRgycfyvb8WJ/DU5j9Y6tf6gTSc6jkr2g0");
  EXPECT_EQ(CheckRequest(s, At(kTs)), std::nullopt);
  EXPECT_EQ(CheckRequest(s, At(kTs + 60'001)),
            (RpcError{406, "store signature timestamp too far from current time"}));
}

TEST(Section6ParseTest, Retrieve63) {
  const RetrieveRequest r = MustParseSub<RetrieveRequest>(kRetrieve63);
  EXPECT_TRUE(r.authenticated);
  EXPECT_EQ(r.ns, 0);
  EXPECT_EQ(r.timestamp, kTs);
  EXPECT_FALSE(r.last_hash);  // "" is absent
  EXPECT_EQ(Base64Encode(ByteSpan(*r.auth.signature)), kRetrieveSig0);
  EXPECT_EQ(SignedBytes(r), "retrieve1700000000000");
  EXPECT_EQ(CheckRequest(r, At(kTs + 500)), std::nullopt);
}

TEST(Section6ParseTest, Retrieve63Namespace3) {
  json p = Retrieve63Params();
  p["namespace"] = 3;
  p["signature"] = kRetrieveSig3;
  const RetrieveRequest r = MustParseSub<RetrieveRequest>(Body("retrieve", p));
  EXPECT_EQ(SignedBytes(r), "retrieve31700000000000");
  EXPECT_EQ(CheckRequest(r, At(kTs)), std::nullopt);
  p["signature"] = kRetrieveSig0;  // signed for namespace 0
  EXPECT_EQ(CheckRequest(MustParseSub<RetrieveRequest>(Body("retrieve", p)), At(kTs)),
            (RpcError{401, "retrieve signature verification failed"}));
}

TEST(Section6ParseTest, DeleteAll64) {
  json p = {{"pubkey", kSessionId},
            {"pubkey_ed25519", kEd25519Hex},
            {"timestamp", kTs},
            {"signature", kDeleteAllSig0}};
  DeleteAllRequest d = MustParseSub<DeleteAllRequest>(Body("delete_all", p));
  EXPECT_EQ(d.ns, NamespaceSelector::One(0));
  EXPECT_EQ(SignedBytes(d), "delete_all1700000000000");
  EXPECT_EQ(CheckRequest(d, At(kTs)), std::nullopt);

  p["namespace"] = "all";
  p["signature"] = kDeleteAllSigAll;
  d = MustParseSub<DeleteAllRequest>(Body("delete_all", p));
  EXPECT_EQ(d.ns, NamespaceSelector::All());
  EXPECT_EQ(SignedBytes(d), "delete_allall1700000000000");
  EXPECT_EQ(CheckRequest(d, At(kTs)), std::nullopt);
}

TEST(Section6ParseTest, ClosedGroupStore64) {
  const json p = {{"pubkey", kGroupId}, {"namespace", 11},    {"timestamp", kTs},
                  {"ttl", 86'400'000},  {"data", "aGVsbG8="}, {"signature", kGroupStoreSig11}};
  const StoreRequest s = MustParseSub<StoreRequest>(Body("store", p));
  EXPECT_EQ(s.pubkey.prefix, 0x03);
  EXPECT_FALSE(s.auth.pubkey_ed25519);
  EXPECT_EQ(SignedBytes(s), "store111700000000000");
  EXPECT_EQ(ComputeMessageHash(s.pubkey, s.ns, s.data),
            "/qt6q3q59dbE8DUBwuMG8J3av3HaeEKQ8nF5NLsYa/0");
  EXPECT_EQ(CheckRequest(s, At(kTs)), std::nullopt);
}

TEST(Section6ParseTest, Batch65) {
  json r0 = Retrieve63Params();
  r0["max_size"] = -2;
  json r3 = Retrieve63Params();
  r3["namespace"] = 3;
  r3["signature"] = kRetrieveSig3;
  r3["max_size"] = -2;
  const json body = {
      {"method", "batch"},
      {"params",
       {{"requests",
         {{{"method", "retrieve"}, {"params", r0}}, {{"method", "retrieve"}, {"params", r3}}}}}}};
  Request req = MustParse(body.dump());
  EXPECT_EQ(req.method(), Method::kBatch);
  const auto& batch = std::get<BatchRequest>(req.body);
  ASSERT_EQ(batch.requests.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    const auto& r = std::get<RetrieveRequest>(batch.requests[i]);
    EXPECT_EQ(r.ns, i == 0 ? 0 : 3);
    EXPECT_EQ(r.max_size, -2);
    EXPECT_EQ(EffectiveRetrieveLimits(r).max_size, 3'900'000);
    EXPECT_EQ(CheckRequest(batch.requests[i], At(kTs)), std::nullopt);
  }
}

// ---- Envelope (§1.1, §1.2) ----

TEST(EnvelopeTest, Errors) {
  EXPECT_EQ(Outcome("not json"), "400 invalid json");
  EXPECT_EQ(Outcome(""), "400 invalid json");
  EXPECT_EQ(Outcome(R"({"method":"info","params":{}} x)"), "400 invalid json");
  EXPECT_EQ(Outcome("{\"method\":\"\xff\",\"params\":{}}"), "400 invalid json");  // bad UTF-8
  EXPECT_EQ(Outcome("{}"), "400 invalid json: no `method` field");
  EXPECT_EQ(Outcome("[1]"), "400 invalid json: no `method` field");
  EXPECT_EQ(Outcome(R"({"method":5,"params":{}})"), "400 invalid json: no `method` field");
  EXPECT_EQ(Outcome(R"({"method":"info"})"), "400 invalid json: no `params` field");
  EXPECT_EQ(Outcome(R"({"method":"info","params":[]})"), "400 invalid json: no `params` field");
  EXPECT_EQ(Outcome(R"({"method":"info","params":null})"), "400 invalid json: no `params` field");
  EXPECT_EQ(Outcome(R"({"method":"nope","params":{}})"), "400 no method nope");
  EXPECT_EQ(Outcome(R"({"method":"Info","params":{}})"), "400 no method Info");
}

TEST(EnvelopeTest, BodyLimitAndDepth) {
  std::string big = R"({"method":"info","params":{"x":")";
  big.append(kMaxRequestBodyBytes, 'a');
  big += "\"}}";
  EXPECT_EQ(Outcome(big), "413 Request body too large");
  std::string deep = R"({"method":"info","params":{"x":)";
  deep += std::string(200, '[') + std::string(200, ']') + "}}";
  EXPECT_EQ(Outcome(deep), "400 invalid json");
  std::string ok = R"({"method":"info","params":{"x":)";
  ok += std::string(100, '[') + std::string(100, ']') + "}}";
  EXPECT_EQ(Outcome(ok), "ok");
  // Brackets inside strings do not count.
  EXPECT_EQ(Outcome(R"({"method":"info","params":{"x":")" + std::string(500, '[') + "\\\"\"}}"),
            "ok");
}

TEST(EnvelopeTest, MethodNames) {
  for (Method m :
       {Method::kStore, Method::kRetrieve, Method::kDelete, Method::kDeleteAll,
        Method::kDeleteBefore, Method::kExpireAll, Method::kExpire, Method::kGetExpiries,
        Method::kGetSwarm, Method::kInfo, Method::kRevokeSubaccount, Method::kUnrevokeSubaccount,
        Method::kOxendRequest, Method::kBatch, Method::kSequence, Method::kIfElse}) {
    EXPECT_EQ(MethodFromName(MethodName(m)), m);
  }
  EXPECT_EQ(MethodFromName("get_snodes_for_pubkey"), Method::kGetSwarm);
  EXPECT_EQ(MethodName(Method::kDelete), "delete");
  EXPECT_EQ(MethodName(Method::kExpire), "expire");
  EXPECT_EQ(MethodFromName("delete_msgs"), std::nullopt);
}

TEST(EnvelopeTest, InfoIgnoresParams) {
  Request r = MustParse(Body("info", {{"anything", 1}}));
  EXPECT_EQ(r.method(), Method::kInfo);
}

// ---- Pubkeys (§2.1) ----

json StoreParams() { return json::parse(kStore61)["params"]; }

TEST(PubkeyTest, Rules) {
  const std::string msg = "400 invalid request: Pubkey must be 66 hex digits (33 bytes) long";
  json p = StoreParams();
  p["pubkey"] = std::string(kSessionId.substr(2));  // 64 digits: mainnet refuses
  EXPECT_EQ(Outcome("store", p), msg);
  p["pubkey"] = std::string(kSessionId) + "00";
  EXPECT_EQ(Outcome("store", p), msg);
  p["pubkey"] = "zz" + std::string(kSessionId.substr(2));
  EXPECT_EQ(Outcome("store", p), msg);
  p["pubkey"] = 5;
  EXPECT_EQ(Outcome("store", p),
            "400 invalid request: Invalid value given for 'pubkey': expected string");
  p.erase("pubkey");
  EXPECT_EQ(Outcome("store", p), "400 invalid request: Required field 'pubkey' missing");
  p["pubKey"] = kSessionId;  // legacy alias
  EXPECT_EQ(Outcome("store", p), "ok");
  p["pubkey"] = kSessionId;
  EXPECT_EQ(Outcome("store", p), "400 invalid request: Cannot specify both 'pubkey' and 'pubKey'");
}

TEST(PubkeyTest, TestnetAccepts64Digits) {
  json p = StoreParams();
  p["pubkey"] = std::string(kSessionId.substr(2));
  ParseOptions testnet;
  testnet.testnet = true;
  auto r = ParseRequestBody(Body("store", p), testnet);
  ASSERT_TRUE(std::holds_alternative<Request>(r));
  EXPECT_EQ(std::get<StoreRequest>(std::get<SubRequest>(std::get<Request>(r).body)).pubkey.Hex(),
            kSessionId);
}

TEST(PubkeyTest, AliasOnlyWhereUpstreamHasIt) {
  json p = {{"pubKey", kSessionId}, {"messages", {kHash}}, {"signature", kAnySig}};
  EXPECT_EQ(Outcome("delete", p), "400 invalid request: Required field 'pubkey' missing");
  EXPECT_EQ(Outcome("get_swarm", {{"pubKey", kSessionId}}), "ok");
}

// ---- store (§3.1) ----

TEST(StoreParseTest, TimestampAndTtl) {
  const std::string pre = "400 invalid request: ";
  json p = StoreParams();
  p.erase("timestamp");
  EXPECT_EQ(Outcome("store", p), pre + "Required field 'timestamp' missing");
  p = StoreParams();
  p["expiry"] = kTs + 1000;
  EXPECT_EQ(Outcome("store", p), pre + "Cannot specify both 'expiry' and 'ttl'");
  p.erase("ttl");
  EXPECT_EQ(MustParseSub<StoreRequest>(Body("store", p)).expiry, kTs + 1000);
  p.erase("expiry");
  EXPECT_EQ(Outcome("store", p), pre + "Required field 'expiry' or 'ttl' missing");
  p = StoreParams();
  p["ttl"] = "86400000";  // stringified (backwards compatibility)
  p["timestamp"] = "1700000000000";
  const StoreRequest s = MustParseSub<StoreRequest>(Body("store", p));
  EXPECT_EQ(s.timestamp, kTs);
  EXPECT_EQ(s.expiry, kTs + 86'400'000);
  p["ttl"] = "86400000ms";
  EXPECT_EQ(Outcome("store", p), pre + "Invalid value given for 'ttl': \"86400000ms\"");
  p["ttl"] = "-5";
  EXPECT_EQ(Outcome("store", p), pre + "Invalid value given for 'ttl': \"-5\"");
  p["ttl"] = -5;
  EXPECT_EQ(Outcome("store", p), pre + "Invalid value given for 'ttl': expected positive integer");
  p["ttl"] = 1.5;
  EXPECT_EQ(Outcome("store", p), pre + "Invalid value given for 'ttl': expected positive integer");
  p["ttl"] = 1000;
  p["timestamp"] = " 1700000000000";
  EXPECT_EQ(Outcome("store", p), pre + "Invalid value given for 'timestamp': \" 1700000000000\"");
}

TEST(StoreParseTest, TimestampsAreMilliseconds) {
  const std::string pre = "400 invalid request: ";
  json p = StoreParams();
  p["timestamp"] = 1'000'000;  // seconds (1970-01-12): below 1 000 000 000 ms
  EXPECT_EQ(Outcome("store", p),
            pre + "Invalid timestamp for 'timestamp': timestamp must be in milliseconds");
  p["timestamp"] = "12345";
  EXPECT_EQ(Outcome("store", p),
            pre + "Invalid timestamp for 'timestamp': timestamp must be in milliseconds");
  p["timestamp"] = 999'999'999;
  EXPECT_EQ(Outcome("store", p),
            pre + "Invalid timestamp for 'timestamp': timestamp must be in milliseconds");
  p["timestamp"] = 1'000'000'000;
  EXPECT_EQ(Outcome("store", p), "ok");
  p["timestamp"] = -kTs;
  EXPECT_EQ(Outcome("store", p),
            pre +
                "Invalid value given for 'timestamp': expected integer timestamp (in "
                "milliseconds)");
  p["timestamp"] = 1.7e12;
  EXPECT_EQ(Outcome("store", p),
            pre +
                "Invalid value given for 'timestamp': expected integer timestamp (in "
                "milliseconds)");
  p = StoreParams();
  p.erase("ttl");
  p["expiry"] = "1700086400000";  // only timestamp and ttl may be strings
  EXPECT_EQ(Outcome("store", p),
            pre + "Invalid value given for 'expiry': expected integer timestamp (in milliseconds)");
}

TEST(StoreParseTest, Data) {
  const std::string pre = "400 invalid request: ";
  json p = StoreParams();
  p.erase("data");
  EXPECT_EQ(Outcome("store", p), pre + "Required field 'data' missing");
  p["data"] = "aGVsbG8";  // unpadded is fine
  EXPECT_EQ(MustParseSub<StoreRequest>(Body("store", p)).data, "hello");
  p["data"] = "";
  EXPECT_EQ(Outcome("store", p), "ok");
  p["data"] = "aGVs-G8=";
  EXPECT_EQ(Outcome("store", p), pre + "Invalid 'data' value: not base64 encoded");
  p["data"] = std::string(kMaxMessageBase64Chars, 'A');
  EXPECT_EQ(MustParseSub<StoreRequest>(Body("store", p)).data.size(), kMaxMessageBytes);
  p["data"] = std::string(kMaxMessageBase64Chars + 4, 'A');
  EXPECT_EQ(Outcome("store", p),
            pre + "Message body exceeds maximum allowed length of 76800 bytes");
  p["data"] = 5;
  EXPECT_EQ(Outcome("store", p), pre + "Invalid value given for 'data': expected string");
}

TEST(StoreParseTest, Namespace) {
  const std::string pre = "400 invalid request: ";
  json p = StoreParams();
  p["namespace"] = 32767;
  EXPECT_EQ(MustParseSub<StoreRequest>(Body("store", p)).ns, 32767);
  p["namespace"] = -32768;
  EXPECT_EQ(MustParseSub<StoreRequest>(Body("store", p)).ns, -32768);
  p["namespace"] = 32768;
  EXPECT_EQ(Outcome("store", p), pre + "Invalid value given for 'namespace': value out of range");
  p["namespace"] = -32769;
  EXPECT_EQ(Outcome("store", p), pre + "Invalid value given for 'namespace': value out of range");
  p["namespace"] = 18446744073709551615u;
  EXPECT_EQ(Outcome("store", p), pre + "Invalid value given for 'namespace': value out of range");
  p["namespace"] = "3";
  EXPECT_EQ(Outcome("store", p),
            pre + "Invalid value given for 'namespace': expected 16-bit integer");
  p["namespace"] = "all";  // only the namespace-wide methods take "all"
  EXPECT_EQ(Outcome("store", p),
            pre + "Invalid value given for 'namespace': expected 16-bit integer");
  p["namespace"] = nullptr;  // null is absent
  EXPECT_EQ(MustParseSub<StoreRequest>(Body("store", p)).ns, 0);
}

TEST(StoreParseTest, SignatureFields) {
  const std::string pre = "400 invalid request: ";
  const json good = json::parse(kStore62)["params"];
  json p = good;
  p["signature"] = std::string(kStoreSig3.substr(0, 86));  // unpadded form
  EXPECT_EQ(Outcome("store", p), "ok");
  p["signature"] = std::string(kStoreSig3.substr(0, 87));
  EXPECT_EQ(Outcome("store", p),
            pre + "invalid signature: expected base64 encoded Ed25519 signature");
  p["signature"] = std::string(kStoreSig3.substr(0, 86)) + "AA";
  EXPECT_EQ(Outcome("store", p),
            pre + "invalid signature: expected base64 encoded Ed25519 signature");
  p["signature"] = std::string(85, 'A') + "-";
  EXPECT_EQ(Outcome("store", p),
            pre + "invalid signature: expected base64 encoded Ed25519 signature");
  p = good;
  p["pubkey_ed25519"] = std::string(kEd25519Hex.substr(1));
  EXPECT_EQ(Outcome("store", p),
            pre + "Invalid pubkey_ed25519: expected 64 hex char or 32 byte pubkey");
  p["pubkey_ed25519"] = "x" + std::string(kEd25519Hex.substr(1));
  EXPECT_EQ(Outcome("store", p), pre + "invalid pubkey_ed25519: value is not hex");
  p = good;
  p["pubkey"] = kGroupId;
  EXPECT_EQ(Outcome("store", p), pre + "pubkey_ed25519 is only permitted for 05[...] pubkeys");
  // Without a signature, store reads neither pubkey_ed25519 nor subaccount (upstream).
  p = StoreParams();
  p["pubkey_ed25519"] = "garbage";
  p["subaccount"] = "garbage";
  EXPECT_EQ(Outcome("store", p), "ok");
  // sig_timestamp defaults to timestamp; given, it is what is signed.
  p = good;
  p.erase("sig_timestamp");
  EXPECT_EQ(MustParseSub<StoreRequest>(Body("store", p)).sig_timestamp, kTs);
  p["sig_timestamp"] = kTs + 7;
  EXPECT_EQ(SignedBytes(MustParseSub<StoreRequest>(Body("store", p))), "store31700000000007");
}

TEST(StoreParseTest, TypeErrorsAreReportedInAlphabeticalOrder) {
  json p = StoreParams();
  p.erase("timestamp");  // missing: reported after every type check
  p["signature"] = 1;    // type error
  p["data"] = 1;         // type error, alphabetically first
  EXPECT_EQ(Outcome("store", p),
            "400 invalid request: Invalid value given for 'data': expected string");
  p["data"] = "aGVsbG8=";
  EXPECT_EQ(Outcome("store", p),
            "400 invalid request: Invalid value given for 'signature': expected string");
  p["signature"] = kAnySig;
  EXPECT_EQ(Outcome("store", p), "400 invalid request: Required field 'timestamp' missing");
}

// ---- Subaccount fields (§2.6) ----

TEST(SubaccountParseTest, Fields) {
  const std::string pre = "400 invalid request: ";
  json p = json::parse(kStore62)["params"];
  SubaccountToken t;
  for (size_t i = 0; i < t.bytes.size(); ++i) t.bytes[i] = static_cast<uint8_t>(i);
  const std::string b64 = Base64Encode(ByteSpan(t.bytes));
  ASSERT_EQ(b64.size(), 48u);
  p["subaccount"] = b64;
  EXPECT_EQ(Outcome("store", p),
            pre + "invalid subaccount: subaccount_sig is required when using subaccount");
  p["subaccount_sig"] = kAnySig;
  StoreRequest s = MustParseSub<StoreRequest>(Body("store", p));
  ASSERT_TRUE(s.auth.subaccount);
  EXPECT_EQ(s.auth.subaccount->token, t);
  p["subaccount"] = HexEncode(t.bytes);  // 72 hex digits
  s = MustParseSub<StoreRequest>(Body("store", p));
  EXPECT_EQ(s.auth.subaccount->token, t);
  p["subaccount"] = b64.substr(0, 44);
  EXPECT_EQ(Outcome("store", p),
            pre + "invalid subaccount: expected base64 or hex-encoded subaccount token");
  p["subaccount"] = b64.substr(0, 46) + "==";  // 48 characters but 34 bytes
  EXPECT_EQ(Outcome("store", p),
            pre + "invalid subaccount: expected base64 or hex-encoded subaccount token");
  p["subaccount"] = b64;
  p["subaccount_sig"] = "short";
  EXPECT_EQ(Outcome("store", p),
            pre + "invalid subaccount signature: expected base64 encoded Ed25519 signature");
  p["subaccount"] = "";  // empty is absent, whatever subaccount_sig says
  EXPECT_FALSE(MustParseSub<StoreRequest>(Body("store", p)).auth.subaccount);
}

// ---- retrieve (§3.2) ----

TEST(RetrieveParseTest, WhenAuthenticationIsRequired) {
  const std::string pre = "400 invalid request: ";
  json p = {{"pubkey", kSessionId}};
  RetrieveRequest r = MustParseSub<RetrieveRequest>(Body("retrieve", p));
  EXPECT_FALSE(r.authenticated);  // CheckRequest answers 401 for namespace 0
  p["namespace"] = -10;
  EXPECT_FALSE(MustParseSub<RetrieveRequest>(Body("retrieve", p)).authenticated);
  p["namespace"] = -21;
  EXPECT_FALSE(MustParseSub<RetrieveRequest>(Body("retrieve", p)).authenticated);
  p["namespace"] = 3;
  EXPECT_EQ(Outcome("retrieve", p), pre + "Required field 'signature' missing");
  p["namespace"] = 0;  // explicit 0 is not a no-auth namespace
  EXPECT_EQ(Outcome("retrieve", p), pre + "Required field 'signature' missing");
  p.erase("namespace");
  p["timestamp"] = kTs;
  EXPECT_EQ(Outcome("retrieve", p), pre + "Required field 'signature' missing");
  p = {{"pubkey", kSessionId}, {"pubkey_ed25519", kEd25519Hex}};
  EXPECT_EQ(Outcome("retrieve", p), pre + "Required field 'signature' missing");
  p["signature"] = kRetrieveSig0;
  EXPECT_EQ(Outcome("retrieve", p), pre + "Required field 'timestamp' missing");  // spec §8.2
  p["timestamp"] = kTs;
  EXPECT_TRUE(MustParseSub<RetrieveRequest>(Body("retrieve", p)).authenticated);
}

TEST(RetrieveParseTest, LastHash) {
  const std::string pre = "400 invalid request: ";
  json p = Retrieve63Params();
  p["last_hash"] = kHash;
  EXPECT_EQ(MustParseSub<RetrieveRequest>(Body("retrieve", p)).last_hash, kHash);
  p.erase("last_hash");
  p["lastHash"] = kHash;  // Session Desktop's name
  EXPECT_EQ(MustParseSub<RetrieveRequest>(Body("retrieve", p)).last_hash, kHash);
  p["last_hash"] = kHash;
  EXPECT_EQ(Outcome("retrieve", p), pre + "Cannot specify both 'last_hash' and 'lastHash'");
  p.erase("lastHash");
  p["last_hash"] = kHash.substr(1);
  EXPECT_EQ(Outcome("retrieve", p), pre + "Invalid last_hash: expected base64 (43 chars)");
  p["last_hash"] = "-" + kHash.substr(1);
  EXPECT_EQ(Outcome("retrieve", p), pre + "Invalid last_hash: not base64");
  p["last_hash"] = nullptr;
  EXPECT_FALSE(MustParseSub<RetrieveRequest>(Body("retrieve", p)).last_hash);
}

TEST(RetrieveParseTest, Limits) {
  json p = Retrieve63Params();
  p["max_count"] = "5";
  EXPECT_EQ(Outcome("retrieve", p),
            "400 invalid request: Invalid value given for 'max_count': expected integer");
  p["max_count"] = 5;
  p["max_size"] = -1;
  const RetrieveRequest r = MustParseSub<RetrieveRequest>(Body("retrieve", p));
  EXPECT_EQ(r.max_count, 5);
  EXPECT_EQ(r.max_size, -1);
}

TEST(RetrieveLimitsTest, Normalisation) {
  const auto limits = [](std::optional<int64_t> count, std::optional<int64_t> size) {
    RetrieveRequest r;
    r.max_count = count;
    r.max_size = size;
    return EffectiveRetrieveLimits(r);
  };
  EXPECT_EQ(limits(std::nullopt, std::nullopt).max_size, 1'560'000);
  EXPECT_FALSE(limits(std::nullopt, std::nullopt).max_count);
  EXPECT_EQ(limits(0, 0).max_size, 1'560'000);
  EXPECT_EQ(limits(std::nullopt, -1).max_size, 7'800'000);
  EXPECT_EQ(limits(std::nullopt, -5).max_size, 1'560'000);
  EXPECT_EQ(limits(std::nullopt, 1000).max_size, 1000);
  EXPECT_EQ(limits(std::nullopt, 10'000'000).max_size, 7'800'000);
  EXPECT_EQ(limits(std::nullopt, std::numeric_limits<int64_t>::min()).max_size, 0);
  EXPECT_EQ(limits(5, std::nullopt).max_size, 7'800'000);  // count alone: size is the max
  EXPECT_EQ(limits(5, std::nullopt).max_count, 5);
  EXPECT_EQ(limits(-3, 100).max_count, 1);
}

// ---- delete (§3.3) ----

json DeleteParams() {
  return {{"pubkey", kSessionId}, {"messages", {kHash}}, {"signature", kAnySig}};
}

TEST(DeleteParseTest, Rules) {
  const std::string pre = "400 invalid request: ";
  DeleteRequest d = MustParseSub<DeleteRequest>(Body("delete", DeleteParams()));
  EXPECT_EQ(d.messages, std::vector<std::string>{kHash});
  EXPECT_FALSE(d.required);
  json p = DeleteParams();
  p["messages"] = kHash;  // a single string is a list of one
  EXPECT_EQ(MustParseSub<DeleteRequest>(Body("delete", p)).messages.size(), 1u);
  p["required"] = true;
  EXPECT_TRUE(MustParseSub<DeleteRequest>(Body("delete", p)).required);
  p["required"] = "yes";
  EXPECT_EQ(Outcome("delete", p), pre + "Invalid value given for 'required': expected boolean");
  p = DeleteParams();
  p["messages"] = json::array();
  EXPECT_EQ(Outcome("delete", p), pre + "messages does not contain any message hashes");
  p["messages"] = {kHash, 5};
  EXPECT_EQ(Outcome("delete", p),
            pre + "Invalid value given for 'messages': expected string array");
  p["messages"] = {kHash, "abc"};
  EXPECT_EQ(Outcome("delete", p), pre + "invalid message hash: abc");
  p.erase("messages");
  EXPECT_EQ(Outcome("delete", p), pre + "Required field 'messages' missing");
  p = DeleteParams();
  p.erase("signature");
  EXPECT_EQ(Outcome("delete", p), pre + "Required field 'signature' missing");
  p = DeleteParams();
  p.erase("pubkey");
  EXPECT_EQ(Outcome("delete", p), pre + "Required field 'pubkey' missing");
}

// ---- delete_all, delete_before, expire_all (§3.4 - §3.6) ----

TEST(NamespaceWideParseTest, Rules) {
  const std::string pre = "400 invalid request: ";
  const json base = {{"pubkey", kSessionId}, {"signature", kAnySig}};
  for (const auto& [method, field] :
       {std::pair{"delete_all", "timestamp"}, std::pair{"delete_before", "before"},
        std::pair{"expire_all", "expiry"}}) {
    json p = base;
    EXPECT_EQ(Outcome(method, p), pre + "Required field '" + field + "' missing") << method;
    p[field] = 999'999'999;
    EXPECT_EQ(Outcome(method, p),
              pre + "Invalid timestamp for '" + field + "': timestamp must be in milliseconds")
        << method;
    p[field] = kTs;
    EXPECT_EQ(Outcome(method, p), "ok") << method;
    p["namespace"] = "all";
    EXPECT_EQ(Outcome(method, p), "ok") << method;
    p["namespace"] = "ALL";
    EXPECT_EQ(Outcome(method, p),
              pre + "Invalid value given for 'namespace': expected integer or \"all\"");
    p["namespace"] = 40000;
    EXPECT_EQ(Outcome(method, p), pre + "Invalid value given for 'namespace': value out of range");
    p["namespace"] = -7;
    EXPECT_EQ(Outcome(method, p), "ok");
  }
  json p = base;
  p["before"] = kTs;
  p["namespace"] = -7;
  const DeleteBeforeRequest d = MustParseSub<DeleteBeforeRequest>(Body("delete_before", p));
  EXPECT_EQ(d.ns, NamespaceSelector::One(-7));
  EXPECT_EQ(d.before, kTs);
  EXPECT_EQ(SignedBytes(d), "delete_before-71700000000000");
}

// ---- expire (§3.7) ----

json ExpireParams() {
  return {{"pubkey", kSessionId}, {"messages", {kHash}}, {"expiry", kTs}, {"signature", kAnySig}};
}

TEST(ExpireParseTest, Rules) {
  const std::string pre = "400 invalid request: ";
  ExpireRequest e = MustParseSub<ExpireRequest>(Body("expire", ExpireParams()));
  EXPECT_EQ(e.expiries, std::vector<int64_t>{kTs});
  json p = ExpireParams();
  p["shorten"] = true;
  p["extend"] = true;
  EXPECT_EQ(Outcome("expire", p), pre + "cannot specify both 'shorten' and 'extend'");
  p.erase("extend");
  EXPECT_TRUE(MustParseSub<ExpireRequest>(Body("expire", p)).shorten);
  p = ExpireParams();
  p.erase("expiry");
  EXPECT_EQ(Outcome("expire", p), pre + "Required field 'expiry' missing");
  p["expiry"] = json::array();
  EXPECT_EQ(Outcome("expire", p), pre + "'expiry' does not contain any expiration timestamps");
  p["expiry"] = {kTs, -1};
  EXPECT_EQ(Outcome("expire", p),
            pre + "Invalid value given for 'expiry': expected timestamp array");
  p["expiry"] = {kTs, 5};
  EXPECT_EQ(Outcome("expire", p),
            pre + "Invalid timestamp for 'expiry': timestamp must be in milliseconds");
  p["expiry"] = {kTs, kTs + 1};
  EXPECT_EQ(Outcome("expire", p),
            pre + "'expiry' must be a single expiry, or the same length as 'messages'");
  p["messages"] = {kHash, kHash};
  EXPECT_EQ(MustParseSub<ExpireRequest>(Body("expire", p)).expiries.size(), 2u);
  p["expiry"] = {kTs};  // an array of one serves every message
  EXPECT_EQ(Outcome("expire", p), "ok");
  p["messages"] = json::array();
  EXPECT_EQ(Outcome("expire", p), pre + "messages does not contain any message hashes");
  p["messages"] = {"nothash"};
  EXPECT_EQ(Outcome("expire", p), pre + "invalid message hash: nothash");
  p["messages"] = {kHash};
  p["expiry"] = "soon";
  EXPECT_EQ(Outcome("expire", p),
            pre + "Invalid value given for 'expiry': expected timestamp array");
}

// ---- get_expiries (§3.8) ----

TEST(GetExpiriesParseTest, Rules) {
  const std::string pre = "400 invalid request: ";
  json p = {{"pubkey", kSessionId}, {"messages", {"not-a-hash"}}, {"signature", kAnySig}};
  EXPECT_EQ(Outcome("get_expiries", p), pre + "Required field 'timestamp' missing");
  p["timestamp"] = kTs;
  // Upstream does not check the format of the hashes here.
  EXPECT_EQ(MustParseSub<GetExpiriesRequest>(Body("get_expiries", p)).messages[0], "not-a-hash");
  p["messages"] = json::array();
  EXPECT_EQ(Outcome("get_expiries", p), pre + "messages does not contain any message hashes");
}

// ---- get_swarm (§3.9) ----

TEST(GetSwarmParseTest, Rules) {
  EXPECT_EQ(MustParseSub<GetSwarmRequest>(Body("get_swarm", {{"pubkey", kSessionId}})).pubkey.Hex(),
            kSessionId);
  EXPECT_EQ(MustParse(Body("get_snodes_for_pubkey", {{"pubKey", kGroupId}})).method(),
            Method::kGetSwarm);
  EXPECT_EQ(Outcome("get_swarm", json::object()),
            "400 invalid request: Required field 'pubkey' missing");
  EXPECT_EQ(Outcome("get_swarm", {{"pubkey", "05"}}),
            "400 invalid request: Pubkey must be 66 hex digits (33 bytes) long");
}

// ---- revoke_subaccount / unrevoke_subaccount (§3.11) ----

TEST(RevocationParseTest, Rules) {
  const std::string pre = "400 invalid request: ";
  SubaccountToken t;
  t.bytes.fill(7);
  const std::string tok = Base64Encode(ByteSpan(t.bytes));
  json p = {{"pubkey", kGroupId}, {"signature", kAnySig}, {"timestamp", kTs}, {"revoke", tok}};
  RevokeSubaccountRequest r = MustParseSub<RevokeSubaccountRequest>(Body("revoke_subaccount", p));
  EXPECT_EQ(r.tokens, std::vector<SubaccountToken>{t});
  EXPECT_EQ(SignedBytes(r), "revoke_subaccount1700000000000" + std::string(36, '\x07'));
  p["revoke"] = json::array();
  for (int i = 0; i < 50; ++i) p["revoke"].push_back(HexEncode(t.bytes));
  EXPECT_EQ(Outcome("revoke_subaccount", p), "ok");
  p["revoke"].push_back(tok);
  EXPECT_EQ(Outcome("revoke_subaccount", p),
            pre + "invalid revoke: cannot revoke more than 50 subaccounts at once");
  p["revoke"] = {tok, "zz"};
  EXPECT_EQ(Outcome("revoke_subaccount", p),
            pre + "invalid revoke: expected base64 or hex-encoded subaccount tag");
  p.erase("revoke");
  EXPECT_EQ(Outcome("revoke_subaccount", p), pre + "Required field 'revoke' missing");
  // Subaccount parameters are not read: revocation is for the owner key only.
  p["revoke"] = tok;
  p["subaccount"] = tok;
  EXPECT_FALSE(MustParseSub<RevokeSubaccountRequest>(Body("revoke_subaccount", p)).auth.subaccount);

  json u = {{"pubkey", kGroupId}, {"signature", kAnySig}};
  EXPECT_EQ(Outcome("unrevoke_subaccount", u), pre + "Required field 'timestamp' missing");
  u["timestamp"] = kTs;
  EXPECT_EQ(Outcome("unrevoke_subaccount", u), pre + "Required field 'unrevoke' missing");
  u["unrevoke"] = {"x"};
  EXPECT_EQ(Outcome("unrevoke_subaccount", u),
            pre + "invalid unrevoke: expected base64 or hex-encoded subaccount tag");
  u["unrevoke"] = {tok, tok};
  EXPECT_EQ(MustParseSub<UnrevokeSubaccountRequest>(Body("unrevoke_subaccount", u)).tokens.size(),
            2u);
}

// ---- oxend_request (§3.12) ----

TEST(OxendParseTest, Rules) {
  const std::string pre = "400 invalid request: ";
  EXPECT_EQ(Outcome("oxend_request", json::object()), pre + "Required field 'endpoint' missing");
  EXPECT_EQ(Outcome("oxend_request", {{"endpoint", "get_info"}}),
            pre + "Invalid oxend endpoint 'get_info'");
  const OxendRequest o = MustParseSub<OxendRequest>(
      Body("oxend_request", {{"endpoint", "ons_resolve"}, {"params", {{"type", 0}}}}));
  EXPECT_EQ(o.endpoint, "ons_resolve");
  EXPECT_EQ(o.params_json, R"({"type":0})");
  EXPECT_FALSE(
      MustParseSub<OxendRequest>(Body("oxend_request", {{"endpoint", "get_service_nodes"}}))
          .params_json);
}

// ---- batch / sequence (§1.4) ----

json Sub(std::string_view method, json params) {
  return {{"method", method}, {"params", std::move(params)}};
}

TEST(BatchParseTest, Rules) {
  const std::string pre = "400 invalid request: ";
  for (std::string_view m : {"batch", "sequence"}) {
    EXPECT_EQ(Outcome(m, json::object()),
              pre + "Invalid batch request: no valid \"requests\" field");
    EXPECT_EQ(Outcome(m, {{"requests", json::array()}}),
              pre + "Invalid batch request: no valid \"requests\" field");
    EXPECT_EQ(Outcome(m, {{"requests", json::object()}}),
              pre + "Invalid batch request: no valid \"requests\" field");
    json reqs = json::array();
    for (int i = 0; i < 20; ++i) reqs.push_back(Sub("info", json::object()));
    EXPECT_EQ(Outcome(m, {{"requests", reqs}}), "ok");
    reqs.push_back(Sub("info", json::object()));
    EXPECT_EQ(Outcome(m, {{"requests", reqs}}),
              pre + "Invalid batch request: subrequest limit exceeded");
    EXPECT_EQ(Outcome(m, {{"requests", {5}}}),
              pre + "Invalid batch request: requests must be objects");
    EXPECT_EQ(Outcome(m, {{"requests", {{{"method", "info"}}}}}),
              pre + "Invalid batch request: subrequests must have method/params keys");
    EXPECT_EQ(Outcome(m, {{"requests", {Sub("info", json::array())}}}),
              pre + "Invalid batch request: subrequests must have method/params keys");
    EXPECT_EQ(Outcome(m, {{"requests", {Sub("nope", json::object())}}}),
              pre + "Invalid batch subrequest: invalid method \"nope\"");
    EXPECT_EQ(Outcome(m, {{"requests",
                           {Sub("sequence", {{"requests", {Sub("info", json::object())}}})}}}),
              pre + "Invalid batch subrequest: subrequests may not contain meta-requests");
    // One bad subrequest fails the whole batch with its own error.
    EXPECT_EQ(
        Outcome(m, {{"requests", {Sub("info", json::object()), Sub("get_swarm", json::object())}}}),
        pre + "Required field 'pubkey' missing");
    // A nested meta request's own errors come before the meta-request refusal (upstream order).
    EXPECT_EQ(Outcome(m, {{"requests", {Sub("batch", json::object())}}}),
              pre + "Invalid batch request: no valid \"requests\" field");
  }
  Request r = MustParse(Body(
      "sequence",
      {{"requests", {Sub("info", json::object()), Sub("get_swarm", {{"pubkey", kGroupId}})}}}));
  EXPECT_EQ(r.method(), Method::kSequence);
  const auto& seq = std::get<SequenceRequest>(r.body);
  ASSERT_EQ(seq.requests.size(), 2u);
  EXPECT_EQ(MethodOf(seq.requests[0]), Method::kInfo);
  EXPECT_EQ(MethodOf(seq.requests[1]), Method::kGetSwarm);
}

// ---- ifelse (§1.4) ----

TEST(IfElseParseTest, Rules) {
  const std::string pre = "400 invalid request: ";
  const json info = Sub("info", json::object());
  EXPECT_EQ(Outcome("ifelse", {{"then", info}}),
            pre + "Invalid ifelse request: no valid \"if\" field");
  EXPECT_EQ(Outcome("ifelse", {{"if", json::object()}, {"then", info}}),
            pre + "Invalid ifelse request: must specify at least one \"if\" condition");
  EXPECT_EQ(Outcome("ifelse", {{"if", {{"hf_at_least", json::array()}}}, {"then", info}}),
            pre + "Invalid ifelse request: must specify at least one \"if\" condition");
  EXPECT_EQ(Outcome("ifelse", {{"if", {{"hf_at_least", "19"}}}, {"then", info}}),
            pre + "Invalid value given for 'hf_at_least': expected integer array");
  EXPECT_EQ(Outcome("ifelse", {{"if", {{"height_before", "x"}}}, {"then", info}}),
            pre + "Invalid value given for 'height_before': expected integer");
  const json cond = {{"hf_at_least", {19}}};
  EXPECT_EQ(Outcome("ifelse", {{"if", cond}}),
            pre + "Invalid ifelse request: at least one of \"then\"/\"else\" required");
  EXPECT_EQ(Outcome("ifelse", {{"if", cond}, {"then", 5}}),
            pre + "Invalid ifelse request: then must be an object");
  EXPECT_EQ(Outcome("ifelse", {{"if", cond}, {"else", {{"method", "info"}}}}),
            pre + "Invalid ifelse request: else must have method/params keys");
  EXPECT_EQ(Outcome("ifelse", {{"if", cond}, {"then", Sub("nope", {})}}),
            pre + "Invalid ifelse request method \"nope\"");
  EXPECT_EQ(Outcome("ifelse", {{"if", cond}, {"then", Sub("get_swarm", {})}}),
            pre + "Required field 'pubkey' missing");

  // Branches may be meta requests.
  const json inner = {{"if", {{"v_before", {2, 7}}}},
                      {"then", Sub("batch", {{"requests", {info}}})},
                      {"else", info}};
  Request r = MustParse(Body("ifelse", {{"if", cond}, {"then", Sub("ifelse", inner)}}));
  const auto& ie = std::get<IfElseRequest>(r.body);
  ASSERT_TRUE(ie.then_request);
  EXPECT_FALSE(ie.else_request);
  EXPECT_EQ(ie.condition.hf_at_least, (std::array<int64_t, 2>{19, 0}));
  const auto& nested = std::get<IfElseRequest>(ie.then_request->body);
  EXPECT_EQ(nested.then_request->method(), Method::kBatch);
  EXPECT_EQ(nested.else_request->method(), Method::kInfo);
  EXPECT_EQ(nested.condition.v_before, (std::array<int64_t, 3>{2, 7, 0}));
}

TEST(IfElseParseTest, Evaluate) {
  IfElseCondition c;
  c.hf_at_least = {19, 3};
  EXPECT_TRUE(c.Evaluate({19, 3}, {2, 6, 2}, 0));
  EXPECT_TRUE(c.Evaluate({20, 0}, {2, 6, 2}, 0));
  EXPECT_FALSE(c.Evaluate({19, 2}, {2, 6, 2}, 0));
  c.v_before = {2, 7, 0};
  EXPECT_TRUE(c.Evaluate({19, 3}, {2, 6, 2}, 0));
  EXPECT_FALSE(c.Evaluate({19, 3}, {2, 7, 0}, 0));
  c = {};
  c.height_at_least = 100;
  c.height_before = 200;
  EXPECT_TRUE(c.Evaluate({0, 0}, {0, 0, 0}, 100));
  EXPECT_FALSE(c.Evaluate({0, 0}, {0, 0, 0}, 200));
}

}  // namespace
}  // namespace cairn::session_rpc
