#include "faces/session_rpc/auth.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include <limits>
#include <string>
#include <vector>

#include "core/bytes.h"
#include "faces/session_rpc/encoding.h"
#include "faces/session_rpc/message_hash.h"

namespace cairn::session_rpc {
namespace {

// ---- The worked example of spec §6 ----

constexpr int64_t kTs = 1'700'000'000'000;
constexpr std::string_view kEd25519Hex =
    "03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8";
constexpr std::string_view kSessionId =
    "054701d08488451f545a409fb58ae3e58581ca40ac3f7f114698cd71deac73ca01";
constexpr std::string_view kGroupId =
    "032152f8d19b791d24453242e15f2eab6cb7cffa7b6a5ed30097960e069881db12";

struct KeyPair {
  std::array<uint8_t, 64> secret{};
  Ed25519PublicKey pub{};
};

KeyPair FromSeed(const std::array<uint8_t, 32>& seed) {
  EXPECT_GE(sodium_init(), 0);
  KeyPair k;
  crypto_sign_seed_keypair(k.pub.data(), k.secret.data(), seed.data());
  return k;
}

// Ed25519 seed 00 01 02 ... 1f: the Session user of §6.
KeyPair UserKey() {
  std::array<uint8_t, 32> seed;
  for (int i = 0; i < 32; ++i) seed[i] = static_cast<uint8_t>(i);
  return FromSeed(seed);
}

KeyPair FilledKey(uint8_t byte) {
  std::array<uint8_t, 32> seed;
  seed.fill(byte);
  return FromSeed(seed);
}

AccountId Account(std::string_view hex) { return AccountId::FromHex(hex).value(); }

std::string Sig64(const KeyPair& k, std::string_view bytes) {
  const Ed25519Signature sig = SignEd25519(k.secret, bytes);
  return Base64Encode(ByteSpan(sig));
}

Ed25519Signature Sign(const KeyPair& k, std::string_view bytes) {
  return SignEd25519(k.secret, bytes);
}

// Auth of the §6 Session user: pubkey_ed25519 + signature over `bytes`.
RequestAuth UserAuth(std::string_view bytes) {
  RequestAuth auth;
  auth.pubkey_ed25519 = UserKey().pub;
  auth.signature = Sign(UserKey(), bytes);
  return auth;
}

CheckOptions At(int64_t now_ms, const RevocationList* revocations = nullptr) {
  CheckOptions o;
  o.now_ms = now_ms;
  o.revocations = revocations;
  return o;
}

std::string Text(const std::optional<RpcError>& e) {
  return e ? std::to_string(e->http_status) + " " + e->text : "ok";
}

// ---- §6 vectors, byte for byte ----

TEST(Section6Test, KeysAndX25519Conversion) {
  const KeyPair user = UserKey();
  EXPECT_EQ(HexEncode(user.pub), kEd25519Hex);
  const Ed25519PublicKey x = Ed25519ToX25519(user.pub).value();
  EXPECT_EQ("05" + HexEncode(x), kSessionId);
  EXPECT_EQ("03" + HexEncode(FilledKey(0x42).pub), kGroupId);
}

TEST(Section6Test, StoreNamespace3Signature) {
  const std::string bytes = StoreSignedBytes(3, kTs);
  EXPECT_EQ(bytes, "store31700000000000");
  EXPECT_EQ(bytes.size(), 19u);
  EXPECT_EQ(
      Sig64(UserKey(), bytes),
      "WLjwA3KeQS4nbat79wG5w4WPUjFEMeYig8rxf7eHlg5Rxis4pDDj1X9rI85BfNlFYRBHScT580OxAU90IEs6Bg==");
}

TEST(Section6Test, RetrieveSignatures) {
  EXPECT_EQ(RetrieveSignedBytes(0, kTs), "retrieve1700000000000");
  EXPECT_EQ(
      Sig64(UserKey(), RetrieveSignedBytes(0, kTs)),
      "RmRCJ3nPhaFug4AB8jINXur5kyTGwHO1bsHA7cXrxLyQ5EXbDGkrSB3LKQzymcuvtAyW+rlkdJx66UX28NliDw==");
  EXPECT_EQ(RetrieveSignedBytes(3, kTs), "retrieve31700000000000");
  EXPECT_EQ(
      Sig64(UserKey(), RetrieveSignedBytes(3, kTs)),
      "flydOewcjrOlW2iWl1nYX9hd+fkkbnu+7RCOsH/kwH1fztQWRkr5HcIw8WFKmfAJS/dyxpRyh3oXSsAdKIkyDg==");
}

TEST(Section6Test, DeleteAllSignatures) {
  EXPECT_EQ(DeleteAllSignedBytes(NamespaceSelector::One(0), kTs), "delete_all1700000000000");
  EXPECT_EQ(
      Sig64(UserKey(), DeleteAllSignedBytes(NamespaceSelector::One(0), kTs)),
      "2nyGhKczKRcMBUCqmwJdODS8HtFYM02tWaC95vUEsVXyczUDz9/xuZnhtaQ8i0/sJ9f9EY1xl/2qfTfUt+cFDQ==");
  EXPECT_EQ(DeleteAllSignedBytes(NamespaceSelector::All(), kTs), "delete_allall1700000000000");
  EXPECT_EQ(
      Sig64(UserKey(), DeleteAllSignedBytes(NamespaceSelector::All(), kTs)),
      "YQyILGAq+EuIyzxxRAVumYDmPXtV75Bo37ffvubZfzK1UGT7vR4JnisuD/qijc3N3++4NKIvbOdeIgYCKGrmCw==");
}

TEST(Section6Test, ClosedGroupStore) {
  EXPECT_EQ(StoreSignedBytes(11, kTs), "store111700000000000");
  EXPECT_EQ(
      Sig64(FilledKey(0x42), StoreSignedBytes(11, kTs)),
      "Rf+lfZVlf0QN3PlSHQogMRl3GwBV/i9I2gYelQMij0WFfKiib28c9Yz4aMtmM5oV0f3GV0frIRYuNHKyVQCvCg==");
}

TEST(Section6Test, VectorsVerifyThroughVerifyRequestSignature) {
  // 05 account: the signature verifies under pubkey_ed25519, which converts to the Session ID.
  EXPECT_TRUE(VerifyRequestSignature(Account(kSessionId), UserAuth(StoreSignedBytes(3, kTs)),
                                     StoreSignedBytes(3, kTs), kSubaccountWrite, false, nullptr));
  // 03 account: the key itself verifies.
  RequestAuth group;
  group.signature = Sign(FilledKey(0x42), StoreSignedBytes(11, kTs));
  EXPECT_TRUE(VerifyRequestSignature(Account(kGroupId), group, StoreSignedBytes(11, kTs), 0, false,
                                     nullptr));
}

TEST(Section6Test, CheckRequestAcceptsTheExamplesAtTheirTime) {
  StoreRequest s61{Account(kSessionId), 0, kTs, kTs + 86'400'000, "hello", std::nullopt, {}};
  EXPECT_EQ(Text(CheckRequest(s61, At(kTs))), "ok");

  StoreRequest s62{
      Account(kSessionId), 3, kTs, kTs + 86'400'000, "hello", kTs, UserAuth("store31700000000000")};
  EXPECT_EQ(Text(CheckRequest(s62, At(kTs))), "ok");

  RetrieveRequest r63;
  r63.pubkey = Account(kSessionId);
  r63.authenticated = true;
  r63.timestamp = kTs;
  r63.auth = UserAuth("retrieve1700000000000");
  EXPECT_EQ(Text(CheckRequest(r63, At(kTs + 500))), "ok");

  DeleteAllRequest d64{Account(kSessionId), NamespaceSelector::All(), kTs,
                       UserAuth("delete_allall1700000000000")};
  EXPECT_EQ(Text(CheckRequest(d64, At(kTs))), "ok");

  RequestAuth group;
  group.signature = Sign(FilledKey(0x42), "store111700000000000");
  StoreRequest g64{Account(kGroupId), 11, kTs, kTs + 86'400'000, "hello", kTs, group};
  EXPECT_EQ(Text(CheckRequest(g64, At(kTs))), "ok");
}

// ---- Signed strings of the other methods ----

TEST(SignedBytesTest, EveryMethod) {
  const std::vector<std::string> msgs = {"A", "B"};
  EXPECT_EQ(DeleteSignedBytes(msgs), "deleteAB");
  EXPECT_EQ(DeleteBeforeSignedBytes(NamespaceSelector::One(-10), kTs),
            "delete_before-101700000000000");
  EXPECT_EQ(ExpireAllSignedBytes(NamespaceSelector::All(), kTs), "expire_allall1700000000000");
  EXPECT_EQ(ExpireSignedBytes(false, false, {kTs}, msgs), "expire1700000000000AB");
  EXPECT_EQ(ExpireSignedBytes(true, false, {kTs}, msgs), "expireshorten1700000000000AB");
  EXPECT_EQ(ExpireSignedBytes(false, true, {1, 2}, msgs), "expireextend12AB");
  EXPECT_EQ(GetExpiriesSignedBytes(kTs, msgs), "get_expiries1700000000000AB");
  SubaccountToken t;
  t.bytes.fill(0xab);
  EXPECT_EQ(RevokeSubaccountSignedBytes(kTs, {t}),
            "revoke_subaccount1700000000000" + std::string(36, '\xab'));
  EXPECT_EQ(UnrevokeSubaccountSignedBytes(kTs, {t, t}),
            "unrevoke_subaccount1700000000000" + std::string(72, '\xab'));
}

TEST(SignedBytesTest, FromRequests) {
  StoreRequest unsigned_store{Account(kSessionId), 0, kTs, kTs + 1, "", std::nullopt, {}};
  EXPECT_EQ(SignedBytes(unsigned_store), std::nullopt);
  StoreRequest signed_store{Account(kSessionId), 3, kTs, kTs + 1, "", kTs + 5, UserAuth("")};
  EXPECT_EQ(SignedBytes(signed_store), "store31700000000005");
  EXPECT_EQ(SignedBytes(InfoRequest{}), std::nullopt);
  EXPECT_EQ(SignedBytes(GetSwarmRequest{}), std::nullopt);
  RetrieveRequest r;
  r.ns = -10;
  EXPECT_EQ(SignedBytes(r), std::nullopt);
  r.authenticated = true;
  r.timestamp = 5;
  EXPECT_EQ(SignedBytes(r), "retrieve-105");
}

TEST(SignedBytesTest, NodeResults) {
  const std::string hex(kSessionId);
  EXPECT_EQ(StoreResultSignedBytes("H"), "H");
  EXPECT_EQ(DeleteResultSignedBytes(hex, {"b", "a"}, {"a"}), hex + "baa");
  EXPECT_EQ(NamespaceWideResultSignedBytes(hex, kTs, {"a", "b"}), hex + "1700000000000ab");
  EXPECT_EQ(ExpireResultSignedBytes(hex, {kTs}, {"b", "a", "c"}, {"a"}, {{"c", 7}, {"b", 9}}),
            hex + "1700000000000bacab9c7");
  SubaccountToken t;
  t.bytes.fill(1);
  EXPECT_EQ(RevocationResultSignedBytes(hex, 5, {t}), hex + "5" + std::string(36, '\x01'));
}

// ---- Account key rules ----

TEST(VerifyTest, SessionIdNeedsTheMatchingEd25519Key) {
  const std::string bytes = RetrieveSignedBytes(0, kTs);
  RequestAuth auth = UserAuth(bytes);
  EXPECT_TRUE(VerifyRequestSignature(Account(kSessionId), auth, bytes, 0, false, nullptr));
  // Another Ed25519 key (correctly signing) does not convert to this Session ID.
  RequestAuth other;
  other.pubkey_ed25519 = FilledKey(0x11).pub;
  other.signature = Sign(FilledKey(0x11), bytes);
  EXPECT_FALSE(VerifyRequestSignature(Account(kSessionId), other, bytes, 0, false, nullptr));
  // Without pubkey_ed25519 the X25519 bytes are used as an Ed25519 key: fails.
  auth.pubkey_ed25519.reset();
  EXPECT_FALSE(VerifyRequestSignature(Account(kSessionId), auth, bytes, 0, false, nullptr));
  // No signature at all.
  EXPECT_FALSE(
      VerifyRequestSignature(Account(kSessionId), RequestAuth{}, bytes, 0, false, nullptr));
}

TEST(VerifyTest, WrongBytesOrTamperedSignatureFail) {
  const std::string bytes = RetrieveSignedBytes(0, kTs);
  RequestAuth auth = UserAuth(bytes);
  EXPECT_FALSE(VerifyRequestSignature(Account(kSessionId), auth, RetrieveSignedBytes(0, kTs + 1), 0,
                                      false, nullptr));
  (*auth.signature)[10] ^= 1;
  EXPECT_FALSE(VerifyRequestSignature(Account(kSessionId), auth, bytes, 0, false, nullptr));
}

TEST(VerifyTest, OtherPrefixesUseTheKeyDirectly) {
  const KeyPair k = FilledKey(0x42);
  for (uint8_t prefix : {0x03, 0x15, 0x25, 0x00}) {
    AccountId id = Account(kGroupId);
    id.prefix = prefix;
    RequestAuth auth;
    auth.signature = Sign(k, "x");
    EXPECT_TRUE(VerifyRequestSignature(id, auth, "x", 0, false, nullptr)) << int{prefix};
  }
}

TEST(VerifyTest, Ed25519ToX25519RejectsNonPoints) {
  Ed25519PublicKey bad;
  bad.fill(0xff);
  EXPECT_FALSE(Ed25519ToX25519(bad).ok());
}

// ---- Subaccounts (§2.6) ----

class FakeRevocations : public RevocationList {
 public:
  bool IsRevoked(const AccountId& account, const SubaccountToken& token) const override {
    for (const auto& [a, t] : revoked) {
      if (a == account && t == token) return true;
    }
    return false;
  }
  std::vector<std::pair<AccountId, SubaccountToken>> revoked;
};

SubaccountToken MakeToken(uint8_t prefix, uint8_t flags, const KeyPair& sub) {
  SubaccountToken t;
  t.bytes[0] = prefix;
  t.bytes[1] = flags;
  std::copy(sub.pub.begin(), sub.pub.end(), t.bytes.begin() + 4);
  return t;
}

// Auth by subaccount `sub` (token signed by `owner`) over `bytes`.
RequestAuth SubAuth(const KeyPair& owner, const KeyPair& sub, uint8_t prefix, uint8_t flags,
                    std::string_view bytes) {
  RequestAuth auth;
  SignedSubaccount& s = auth.subaccount.emplace();
  s.token = MakeToken(prefix, flags, sub);
  s.signature = Sign(owner, s.token.view());
  auth.signature = Sign(sub, bytes);
  return auth;
}

RetrieveRequest GroupRetrieve(int16_t ns, RequestAuth auth) {
  RetrieveRequest r;
  r.pubkey = Account(kGroupId);
  r.ns = ns;
  r.authenticated = true;
  r.timestamp = kTs;
  r.auth = std::move(auth);
  return r;
}

TEST(SubaccountTest, GrantsWhatItsFlagsSay) {
  const KeyPair owner = FilledKey(0x42), sub = FilledKey(0x07);
  const std::string bytes = RetrieveSignedBytes(11, kTs);
  EXPECT_EQ(Text(CheckRequest(GroupRetrieve(11, SubAuth(owner, sub, 0x03, kSubaccountRead, bytes)),
                              At(kTs))),
            "ok");
  EXPECT_EQ(Text(CheckRequest(GroupRetrieve(11, SubAuth(owner, sub, 0x03, kSubaccountWrite, bytes)),
                              At(kTs))),
            "401 retrieve signature verification failed");
}

TEST(SubaccountTest, PrefixMustMatchUnlessAnyPrefix) {
  const KeyPair owner = FilledKey(0x42), sub = FilledKey(0x07);
  const std::string bytes = RetrieveSignedBytes(11, kTs);
  EXPECT_NE(Text(CheckRequest(GroupRetrieve(11, SubAuth(owner, sub, 0x05, kSubaccountRead, bytes)),
                              At(kTs))),
            "ok");
  EXPECT_EQ(
      Text(CheckRequest(GroupRetrieve(11, SubAuth(owner, sub, 0x05,
                                                  kSubaccountRead | kSubaccountAnyPrefix, bytes)),
                        At(kTs))),
      "ok");
}

TEST(SubaccountTest, TokenMustBeSignedByTheOwnerAndRequestByTheSubaccount) {
  const KeyPair owner = FilledKey(0x42), sub = FilledKey(0x07), stranger = FilledKey(0x09);
  const std::string bytes = RetrieveSignedBytes(11, kTs);
  EXPECT_NE(Text(CheckRequest(
                GroupRetrieve(11, SubAuth(stranger, sub, 0x03, kSubaccountRead, bytes)), At(kTs))),
            "ok");
  RequestAuth auth = SubAuth(owner, sub, 0x03, kSubaccountRead, bytes);
  auth.signature = Sign(owner, bytes);  // the owner's own signature is not the subaccount's
  EXPECT_NE(Text(CheckRequest(GroupRetrieve(11, auth), At(kTs))), "ok");
}

TEST(SubaccountTest, RevocationExceptInUnrevocableNamespaces) {
  const KeyPair owner = FilledKey(0x42), sub = FilledKey(0x07);
  FakeRevocations revoked;
  revoked.revoked.push_back({Account(kGroupId), MakeToken(0x03, kSubaccountRead, sub)});
  EXPECT_EQ(Text(CheckRequest(GroupRetrieve(11, SubAuth(owner, sub, 0x03, kSubaccountRead,
                                                        RetrieveSignedBytes(11, kTs))),
                              At(kTs, &revoked))),
            "401 retrieve signature verification failed");
  EXPECT_EQ(Text(CheckRequest(GroupRetrieve(-11, SubAuth(owner, sub, 0x03, kSubaccountRead,
                                                         RetrieveSignedBytes(-11, kTs))),
                              At(kTs, &revoked))),
            "ok");
}

TEST(SubaccountTest, SessionIdOwnerSignsWithItsEd25519Key) {
  const KeyPair sub = FilledKey(0x07);
  const std::string bytes = RetrieveSignedBytes(0, kTs);
  RetrieveRequest r;
  r.pubkey = Account(kSessionId);
  r.authenticated = true;
  r.timestamp = kTs;
  r.auth = SubAuth(UserKey(), sub, 0x05, kSubaccountRead, bytes);
  EXPECT_EQ(Text(CheckRequest(r, At(kTs))), "401 retrieve signature verification failed");
  r.auth.pubkey_ed25519 = UserKey().pub;
  EXPECT_EQ(Text(CheckRequest(r, At(kTs))), "ok");
}

TEST(SubaccountTest, StoreNeedsWriteAndDeleteForPublicOutbox) {
  const KeyPair owner = FilledKey(0x42), sub = FilledKey(0x07);
  const auto store = [&](int16_t ns, uint8_t flags) {
    StoreRequest s{Account(kGroupId),
                   ns,
                   kTs,
                   kTs + 86'400'000,
                   "x",
                   kTs,
                   SubAuth(owner, sub, 0x03, flags, StoreSignedBytes(ns, kTs))};
    return Text(CheckRequest(s, At(kTs)));
  };
  EXPECT_EQ(store(11, kSubaccountWrite), "ok");
  EXPECT_EQ(store(11, kSubaccountRead), "401 store signature verification failed");
  EXPECT_EQ(store(-1, kSubaccountWrite), "401 store signature verification failed");
  EXPECT_EQ(store(-1, kSubaccountWrite | kSubaccountDelete), "ok");
}

TEST(SubaccountTest, ExpireWithoutDeleteIsExtendOnly) {
  const KeyPair owner = FilledKey(0x42), sub = FilledKey(0x07);
  const std::string hash = ComputeMessageHash(Account(kGroupId), 11, "hello");
  ExpireRequest e{Account(kGroupId), {hash}, {kTs + 1000}, true, false, {}};
  e.auth = SubAuth(owner, sub, 0x03, kSubaccountWrite,
                   ExpireSignedBytes(true, false, e.expiries, e.messages));
  EXPECT_EQ(Text(CheckRequest(e, At(kTs))),
            "400 expire: shorten parameter cannot be used with this subaccount token (missing "
            "delete access)");
  e.shorten = false;
  e.auth = SubAuth(owner, sub, 0x03, kSubaccountWrite,
                   ExpireSignedBytes(false, false, e.expiries, e.messages));
  EXPECT_EQ(Text(CheckRequest(e, At(kTs))), "ok");
  EXPECT_TRUE(ExpireExtendOnly(e));
  e.auth = SubAuth(owner, sub, 0x03, kSubaccountWrite | kSubaccountDelete,
                   ExpireSignedBytes(false, false, e.expiries, e.messages));
  EXPECT_FALSE(ExpireExtendOnly(e));
}

TEST(SubaccountTest, DeleteMethodsNeedDelete) {
  const KeyPair owner = FilledKey(0x42), sub = FilledKey(0x07);
  const std::string hash = ComputeMessageHash(Account(kGroupId), 11, "hello");
  for (uint8_t flags : {kSubaccountRead, kSubaccountWrite, kSubaccountDelete}) {
    const bool ok = flags == kSubaccountDelete;
    DeleteRequest d{Account(kGroupId),
                    {hash},
                    false,
                    SubAuth(owner, sub, 0x03, flags, DeleteSignedBytes({hash}))};
    EXPECT_EQ(Text(CheckRequest(d, At(kTs))),
              ok ? "ok" : "401 delete_msgs signature verification failed");
    DeleteAllRequest da{
        Account(kGroupId), NamespaceSelector::All(), kTs,
        SubAuth(owner, sub, 0x03, flags, DeleteAllSignedBytes(NamespaceSelector::All(), kTs))};
    EXPECT_EQ(Text(CheckRequest(da, At(kTs))),
              ok ? "ok" : "401 delete_all signature verification failed");
  }
}

// ---- Per-method clock, TTL and signature checks ----

StoreRequest UserStore(int16_t ns, int64_t timestamp, int64_t expiry, int64_t sig_ts) {
  return StoreRequest{Account(kSessionId),
                      ns,
                      timestamp,
                      expiry,
                      "hello",
                      sig_ts,
                      UserAuth(StoreSignedBytes(ns, sig_ts))};
}

TEST(CheckStoreTest, TtlBounds) {
  const auto ttl = [](int16_t ns, int64_t ttl_ms) {
    return Text(CheckRequest(UserStore(ns, kTs, kTs + ttl_ms, kTs), At(kTs)));
  };
  EXPECT_EQ(ttl(0, 9'999), "403 Provided expiry/TTL is not valid.");
  EXPECT_EQ(ttl(0, 10'000), "ok");
  EXPECT_EQ(ttl(0, kTtlMaxPublicMs), "ok");
  EXPECT_EQ(ttl(0, kTtlMaxPublicMs + 1), "403 Provided expiry/TTL is not valid.");
  EXPECT_EQ(ttl(3, kTtlMaxPrivateMs), "ok");
  EXPECT_EQ(ttl(3, kTtlMaxPrivateMs + 1), "403 Provided expiry/TTL is not valid.");
  EXPECT_EQ(ttl(3, -1), "403 Provided expiry/TTL is not valid.");
}

TEST(CheckStoreTest, ClockTolerance) {
  const auto at = [](int64_t now) {
    return Text(CheckRequest(UserStore(0, kTs, kTs + 20'000, kTs), At(now)));
  };
  EXPECT_EQ(at(kTs - 10'000), "ok");
  EXPECT_EQ(at(kTs - 10'001), "406 Timestamp error: check your clock");  // timestamp in future
  EXPECT_EQ(at(kTs + 30'000), "ok");                                     // expiry = now - 10 s
  EXPECT_EQ(at(kTs + 30'001), "406 Timestamp error: check your clock");  // already expired
}

TEST(CheckStoreTest, SignatureRules) {
  StoreRequest s = UserStore(3, kTs, kTs + 86'400'000, kTs);
  s.auth = {};
  s.sig_timestamp.reset();
  EXPECT_EQ(Text(CheckRequest(s, At(kTs))),
            "401 store: signature required to store to namespace 3");
  s.ns = -5;
  EXPECT_EQ(Text(CheckRequest(s, At(kTs))),
            "401 store: signature required to store to namespace -5");
  // sig_timestamp has its own ±60 s window, independent of the message timestamp.
  EXPECT_EQ(Text(CheckRequest(UserStore(3, kTs, kTs + 86'400'000, kTs + 60'000), At(kTs))), "ok");
  EXPECT_EQ(Text(CheckRequest(UserStore(3, kTs, kTs + 86'400'000, kTs + 60'001), At(kTs))),
            "406 store signature timestamp too far from current time");
  StoreRequest bad = UserStore(3, kTs, kTs + 86'400'000, kTs);
  bad.auth.signature = Sign(UserKey(), "store41700000000000");
  EXPECT_EQ(Text(CheckRequest(bad, At(kTs))), "401 store signature verification failed");
  // Public inbox: a bad signature is not verified (upstream).
  bad.ns = 10;
  EXPECT_EQ(Text(CheckRequest(bad, At(kTs))), "ok");
}

TEST(CheckRetrieveTest, AuthRules) {
  RetrieveRequest r;
  r.pubkey = Account(kSessionId);
  EXPECT_EQ(Text(CheckRequest(r, At(kTs))), "401 retrieve: request signature required");
  r.ns = -10;
  EXPECT_EQ(Text(CheckRequest(r, At(kTs))), "ok");
  r.ns = -21;
  EXPECT_EQ(Text(CheckRequest(r, At(kTs))), "ok");
  r.ns = 0;
  r.authenticated = true;
  r.timestamp = kTs;
  r.auth = UserAuth(RetrieveSignedBytes(0, kTs));
  EXPECT_EQ(Text(CheckRequest(r, At(kTs + 60'000))), "ok");
  EXPECT_EQ(Text(CheckRequest(r, At(kTs - 60'000))), "ok");
  EXPECT_EQ(Text(CheckRequest(r, At(kTs + 60'001))),
            "406 retrieve timestamp too far from current time");
  EXPECT_EQ(Text(CheckRequest(r, At(kTs - 60'001))),
            "406 retrieve timestamp too far from current time");
  r.ns = 3;  // signed for namespace 0
  EXPECT_EQ(Text(CheckRequest(r, At(kTs))), "401 retrieve signature verification failed");
}

TEST(CheckOtherTest, DeleteBeforeFutureIs401) {
  DeleteBeforeRequest d{Account(kSessionId), NamespaceSelector::One(0), kTs + 60'000, {}};
  d.auth = UserAuth(DeleteBeforeSignedBytes(d.ns, d.before));
  EXPECT_EQ(Text(CheckRequest(d, At(kTs))), "ok");
  d.before = kTs + 60'001;
  d.auth = UserAuth(DeleteBeforeSignedBytes(d.ns, d.before));
  EXPECT_EQ(Text(CheckRequest(d, At(kTs))), "401 delete_before timestamp too far in the future");
  d.before = kTs;
  EXPECT_EQ(Text(CheckRequest(d, At(kTs))), "401 delete_before signature verification failed");
}

TEST(CheckOtherTest, ExpireAllPastIs406) {
  ExpireAllRequest e{Account(kSessionId), NamespaceSelector::One(4), kTs - 60'000, {}};
  e.auth = UserAuth(ExpireAllSignedBytes(e.ns, e.expiry));
  EXPECT_EQ(Text(CheckRequest(e, At(kTs))), "ok");
  EXPECT_EQ(Text(CheckRequest(e, At(kTs + 1))),
            "406 expire_all timestamp should be >= current time");
  CheckOptions forwarded = At(kTs + 10'000);
  forwarded.signature_tolerance_ms = kSignatureToleranceForwardedMs;
  EXPECT_EQ(Text(CheckRequest(e, forwarded)), "ok");
  e.auth.signature = Sign(UserKey(), "nope");
  EXPECT_EQ(Text(CheckRequest(e, At(kTs))), "401 expire_all signature verification failed");
}

TEST(CheckOtherTest, DeleteAllWindow) {
  DeleteAllRequest d{Account(kSessionId), NamespaceSelector::One(0), kTs,
                     UserAuth("delete_all1700000000000")};
  EXPECT_EQ(Text(CheckRequest(d, At(kTs - 60'001))),
            "406 delete_all timestamp too far from current time");
  d.ns = NamespaceSelector::One(5);
  EXPECT_EQ(Text(CheckRequest(d, At(kTs))), "401 delete_all signature verification failed");
}

TEST(CheckOtherTest, Expire) {
  const std::vector<std::string> hashes = {ComputeMessageHash(Account(kSessionId), 0, "a"),
                                           ComputeMessageHash(Account(kSessionId), 0, "b")};
  ExpireRequest e{Account(kSessionId), hashes, {kTs - 60'000, kTs + 5}, false, true, {}};
  e.auth = UserAuth(ExpireSignedBytes(false, true, e.expiries, e.messages));
  EXPECT_EQ(Text(CheckRequest(e, At(kTs))), "ok");
  EXPECT_EQ(Text(CheckRequest(e, At(kTs + 1))), "401 expire: timestamp should be >= current time");
  e.extend = false;  // signed with "extend"
  EXPECT_EQ(Text(CheckRequest(e, At(kTs))), "401 expire: signature verification failed");
}

TEST(CheckOtherTest, ClampedExpiries) {
  ExpireRequest e;
  e.expiries = {kTs, kTs + kTtlMaxPrivateMs + 5};
  EXPECT_EQ(ClampedExpiries(e, kTs), (std::vector<int64_t>{kTs, kTs + kTtlMaxPrivateMs}));
  e.expiries = {std::numeric_limits<int64_t>::max()};
  EXPECT_EQ(ClampedExpiries(e, std::numeric_limits<int64_t>::max() - 1),
            (std::vector<int64_t>{std::numeric_limits<int64_t>::max()}));
}

TEST(CheckOtherTest, GetExpiries) {
  GetExpiriesRequest g{Account(kSessionId), {"x", "y"}, kTs, {}};
  g.auth = UserAuth(GetExpiriesSignedBytes(kTs, g.messages));
  EXPECT_EQ(Text(CheckRequest(g, At(kTs))), "ok");
  EXPECT_EQ(Text(CheckRequest(g, At(kTs + 60'001))),
            "406 get_expiries timestamp too far from current time");
  g.messages = {"y", "x"};
  EXPECT_EQ(Text(CheckRequest(g, At(kTs))), "401 get_expiries signature verification failed");
}

TEST(CheckOtherTest, RevokeAndUnrevoke) {
  SubaccountToken t = MakeToken(0x03, kSubaccountRead, FilledKey(0x07));
  RequestAuth auth;
  auth.signature = Sign(FilledKey(0x42), RevokeSubaccountSignedBytes(kTs, {t}));
  RevokeSubaccountRequest rv{Account(kGroupId), {t}, kTs, auth};
  EXPECT_EQ(Text(CheckRequest(rv, At(kTs))), "ok");
  EXPECT_EQ(Text(CheckRequest(rv, At(kTs + 60'001))),
            "406 revoke_subaccount timestamp too far from current time");
  UnrevokeSubaccountRequest un{Account(kGroupId), {t}, kTs, auth};  // signed as "revoke_..."
  EXPECT_EQ(Text(CheckRequest(un, At(kTs))),
            "401 unrevoke_subaccount signature verification failed");
  un.auth.signature = Sign(FilledKey(0x42), UnrevokeSubaccountSignedBytes(kTs, {t}));
  EXPECT_EQ(Text(CheckRequest(un, At(kTs))), "ok");
}

TEST(CheckOtherTest, UnsignedMethods) {
  EXPECT_EQ(CheckRequest(InfoRequest{}, At(0)), std::nullopt);
  EXPECT_EQ(CheckRequest(GetSwarmRequest{Account(kSessionId)}, At(0)), std::nullopt);
  EXPECT_EQ(CheckRequest(OxendRequest{"ons_resolve", std::nullopt}, At(0)), std::nullopt);
}

TEST(CheckOtherTest, ExtremeTimesDoNotOverflow) {
  const int64_t max = std::numeric_limits<int64_t>::max();
  const int64_t min = std::numeric_limits<int64_t>::min();
  RetrieveRequest r;
  r.pubkey = Account(kSessionId);
  r.authenticated = true;
  r.auth = UserAuth("x");
  for (int64_t t : {max, min, int64_t{0}}) {
    for (int64_t now : {max, min, int64_t{0}}) {
      r.timestamp = t;
      const auto e = CheckRequest(r, At(now));
      ASSERT_TRUE(e.has_value());
      EXPECT_EQ(e->http_status, t == now ? 401 : 406);
    }
  }
  StoreRequest s = UserStore(0, min, max, 0);
  EXPECT_EQ(Text(CheckRequest(s, At(0))), "403 Provided expiry/TTL is not valid.");
}

}  // namespace
}  // namespace cairn::session_rpc
