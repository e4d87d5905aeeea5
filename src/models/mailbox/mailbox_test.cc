#include "models/mailbox/mailbox.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <filesystem>
#include <limits>
#include <map>
#include <thread>

#include "core/env/env.h"
#include "engine/metadata.h"

namespace cairn::mailbox {
namespace {

constexpr int64_t kT0 = 1'700'000'000'000;
constexpr int64_t kDay = 86'400'000;

class ClockEnv : public core::EnvWrapper {
 public:
  explicit ClockEnv(core::Env* target) : core::EnvWrapper(target) {}
  uint64_t UnixMicros() override { return now_ms.load() * 1000; }
  std::atomic<uint64_t> now_ms{kT0};
};

AccountId Account(uint8_t prefix, uint8_t fill) {
  AccountId id;
  id.fill(fill);
  id[0] = prefix;
  return id;
}

// A 43-character stand-in for a message hash.
std::string Hash(const std::string& tag) {
  std::string h = tag;
  h.resize(43, '_');
  return h;
}

std::vector<std::string> Hashes(const RetrieveResult& r) {
  std::vector<std::string> out;
  for (const Message& m : r.messages) out.push_back(m.hash);
  return out;
}

class MailboxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/cairn_mailbox_test_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    Reopen();
  }
  void TearDown() override {
    box_.reset();
    meta_.reset();
    std::filesystem::remove_all(dir_);
  }
  // Closes and reopens the metadata store and the mailbox (a clean restart).
  void Reopen(bool sync = true) {
    box_.reset();
    meta_.reset();
    auto meta =
        engine::Metadata::Open(engine::MetadataOptions{.dir = dir_ + "/meta", .sync_writes = sync});
    ASSERT_TRUE(meta.ok()) << meta.status();
    meta_ = std::move(meta).value();
    auto box = Mailbox::Open(MailboxOptions{.env = &clock_, .metadata = meta_.get()});
    ASSERT_TRUE(box.ok()) << box.status();
    box_ = std::move(box).value();
  }
  StoreResult Put(const AccountId& a, int16_t ns, const std::string& hash, int64_t ttl = kDay,
                  const std::string& data = "data") {
    int64_t now = static_cast<int64_t>(clock_.now_ms.load());
    auto r = box_->Store(a, ns, hash, now, now + ttl, data);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : StoreResult{};
  }
  RetrieveResult Get(const AccountId& a, int16_t ns, const std::string& last_hash = "",
                     RetrieveLimits limits = {}) {
    auto r = box_->Retrieve(a, ns, last_hash, limits);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : RetrieveResult{};
  }
  // Keys of every kind in the mailbox family (index entries included).
  size_t KeyCount() {
    size_t n = 0;
    EXPECT_TRUE(meta_
                    ->Scan(engine::Cf::kMailbox, "", "",
                           [&](std::string_view, std::string_view) {
                             ++n;
                             return true;
                           })
                    .ok());
    return n;
  }
  void Advance(int64_t ms) { clock_.now_ms += ms; }
  int64_t Now() { return static_cast<int64_t>(clock_.now_ms.load()); }

  std::unique_ptr<core::Env> mem_ = core::NewMemEnv();
  ClockEnv clock_{mem_.get()};
  std::string dir_;
  std::unique_ptr<engine::Metadata> meta_;
  std::unique_ptr<Mailbox> box_;
  const AccountId alice_ = Account(0x05, 0xaa);
  const AccountId bob_ = Account(0x05, 0xbb);
};

TEST(AccountIdTest, HexRoundTrip) {
  std::string hex = "054701d08488451f545a409fb58ae3e58581ca40ac3f7f114698cd71deac73ca01";
  auto id = ParseAccountId(hex);
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ((*id)[0], 0x05);
  EXPECT_EQ(AccountIdHex(*id), hex);
  EXPECT_EQ(AccountIdHex(ParseAccountId("054701D08488451F545A409FB58AE3E58581CA40AC3F7F114698CD71"
                                        "DEAC73CA01")
                             .value()),
            hex);
  EXPECT_EQ(ParseAccountId(hex.substr(2)).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseAccountId(hex + "00").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseAccountId("zz" + hex.substr(2)).status().code(), StatusCode::kInvalidArgument);
  std::string raw(reinterpret_cast<const char*>(id->data()), id->size());
  EXPECT_EQ(AccountIdFromRaw(raw).value(), *id);
  EXPECT_EQ(AccountIdFromRaw(raw.substr(1)).status().code(), StatusCode::kInvalidArgument);
}

TEST(NamespaceTest, PublicOutbox) {
  EXPECT_TRUE(IsPublicOutbox(-1));
  EXPECT_TRUE(IsPublicOutbox(-21));
  EXPECT_TRUE(IsPublicOutbox(-32761));
  EXPECT_FALSE(IsPublicOutbox(1));
  EXPECT_FALSE(IsPublicOutbox(-11));
  EXPECT_FALSE(IsPublicOutbox(-10));
  EXPECT_FALSE(IsPublicOutbox(0));
  EXPECT_FALSE(IsPublicOutbox(-32768));
}

TEST(RetrieveLimitsTest, FromRequestFollowsTheSpec) {
  RetrieveLimits none = RetrieveLimits::FromRequest(0, 0);  // neither: max_size -5
  EXPECT_EQ(none.max_count, 0u);
  EXPECT_EQ(none.max_size, 1'560'000u);
  EXPECT_EQ(RetrieveLimits::FromRequest(0, -2).max_size, 3'900'000u);
  EXPECT_EQ(RetrieveLimits::FromRequest(0, 1000).max_size, 1000u);
  EXPECT_EQ(RetrieveLimits::FromRequest(0, 9'000'000).max_size, kRetrieveMaxSize);
  EXPECT_EQ(RetrieveLimits::FromRequest(0, std::numeric_limits<int64_t>::min()).max_size, 0u);
  RetrieveLimits count = RetrieveLimits::FromRequest(10, 0);  // count only: size is the maximum
  EXPECT_EQ(count.max_count, 10u);
  EXPECT_EQ(count.max_size, kRetrieveMaxSize);
  EXPECT_EQ(RetrieveLimits::FromRequest(-3, 0).max_count, 1u);
  EXPECT_EQ(RetrieveCost(Message{.hash = Hash("a"), .data = std::string(300, 'x')}),
            100u + 43u + 400u);
}

TEST_F(MailboxTest, StoreAndRetrieveInStoredOrder) {
  Put(alice_, 0, Hash("c"), kDay, "third?");
  Advance(1);
  Put(alice_, 0, Hash("a"), kDay, "second");
  Advance(1);
  Put(alice_, 0, Hash("b"), 2 * kDay, std::string("bin\0ary", 7));
  RetrieveResult r = Get(alice_, 0);
  EXPECT_FALSE(r.more);
  EXPECT_EQ(Hashes(r), (std::vector<std::string>{Hash("c"), Hash("a"), Hash("b")}));
  EXPECT_EQ(r.messages[0].timestamp_ms, kT0);
  EXPECT_EQ(r.messages[0].expiry_ms, kT0 + kDay);
  EXPECT_EQ(r.messages[0].data, "third?");
  EXPECT_EQ(r.messages[2].data, std::string("bin\0ary", 7));
  EXPECT_EQ(r.messages[2].expiry_ms, kT0 + 2 + 2 * kDay);
  EXPECT_TRUE(Get(bob_, 0).messages.empty());
}

TEST_F(MailboxTest, StoreRejectsBadInput) {
  EXPECT_EQ(box_->Store(alice_, 0, "", kT0, kT0 + kDay, "x").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(box_->Store(alice_, 0, std::string(65, 'h'), kT0, kT0 + kDay, "x").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(box_->Store(alice_, 0, Hash("a"), kT0, kT0 + kDay, std::string(kMaxDataSize + 1, 'x'))
                .status()
                .code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(box_->Store(alice_, 0, Hash("a"), -1, kT0, "x").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_TRUE(
      box_->Store(alice_, 0, Hash("a"), kT0, kT0 + kDay, std::string(kMaxDataSize, 'x')).ok());
}

TEST_F(MailboxTest, StoreIsIdempotentByHash) {
  StoreResult first = Put(alice_, 0, Hash("a"), kDay, "hello");
  EXPECT_FALSE(first.already);
  EXPECT_EQ(first.expiry_ms, kT0 + kDay);
  Put(alice_, 0, Hash("b"));
  // Same hash, earlier expiry: nothing changes.
  auto again = box_->Store(alice_, 0, Hash("a"), kT0 + 5, kT0 + 1000, "other");
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->already);
  EXPECT_EQ(again->expiry_ms, kT0 + kDay);
  // Later expiry: raised, and the message keeps its place, timestamp and data.
  auto later = box_->Store(alice_, 0, Hash("a"), kT0 + 5, kT0 + 3 * kDay, "other");
  ASSERT_TRUE(later.ok());
  EXPECT_TRUE(later->already);
  EXPECT_EQ(later->expiry_ms, kT0 + 3 * kDay);
  RetrieveResult r = Get(alice_, 0);
  ASSERT_EQ(Hashes(r), (std::vector<std::string>{Hash("a"), Hash("b")}));
  EXPECT_EQ(r.messages[0].data, "hello");
  EXPECT_EQ(r.messages[0].timestamp_ms, kT0);
  EXPECT_EQ(r.messages[0].expiry_ms, kT0 + 3 * kDay);
  // The hash identifies the message in the whole account.
  EXPECT_TRUE(Put(alice_, 5, Hash("a")).already);
  EXPECT_TRUE(Get(alice_, 5).messages.empty());
  // Another account is another mailbox.
  EXPECT_FALSE(Put(bob_, 0, Hash("a")).already);
  // The expiry index follows: the raised message survives past its first expiry.
  Advance(2 * kDay);
  ASSERT_TRUE(box_->RemoveExpired(Now()).ok());
  EXPECT_EQ(Hashes(Get(alice_, 0)), std::vector<std::string>{Hash("a")});
}

TEST_F(MailboxTest, DuplicateOfAnExpiredMessageIsStoredAfresh) {
  Put(alice_, 0, Hash("a"), 1000, "old");
  Put(alice_, 0, Hash("b"));
  Advance(1000);  // "a" expired, not swept
  StoreResult r = Put(alice_, 0, Hash("a"), kDay, "new");
  EXPECT_FALSE(r.already);
  EXPECT_EQ(r.expiry_ms, Now() + kDay);
  RetrieveResult got = Get(alice_, 0);
  ASSERT_EQ(Hashes(got), (std::vector<std::string>{Hash("b"), Hash("a")}));
  EXPECT_EQ(got.messages[1].data, "new");
  EXPECT_EQ(box_->RemoveExpired(Now()).value(), 0u);
  EXPECT_EQ(KeyCount(), 1u + 2 * 3);  // sequence reservation + 3 keys per message
}

TEST_F(MailboxTest, PagingWithLastHashAndCount) {
  std::vector<std::string> all;
  for (int i = 0; i < 10; ++i) {
    all.push_back(Hash("m" + std::to_string(i)));
    Put(alice_, 0, all.back());
  }
  std::vector<std::string> seen;
  std::string last;
  int pages = 0;
  for (;;) {
    RetrieveResult r = Get(alice_, 0, last, RetrieveLimits{.max_count = 3});
    ++pages;
    for (const Message& m : r.messages) seen.push_back(m.hash);
    EXPECT_EQ(r.more, seen.size() < all.size()) << pages;
    if (!r.more) break;
    last = r.messages.back().hash;
  }
  EXPECT_EQ(seen, all);
  EXPECT_EQ(pages, 4);
  // Exactly max_count left: more is false.
  RetrieveResult tail = Get(alice_, 0, all[6], RetrieveLimits{.max_count = 3});
  EXPECT_EQ(tail.messages.size(), 3u);
  EXPECT_FALSE(tail.more);
  // After the last message: nothing.
  EXPECT_TRUE(Get(alice_, 0, all[9]).messages.empty());
  // An unknown last_hash, or one from another namespace, starts from the beginning.
  Put(alice_, 3, Hash("other"));
  EXPECT_EQ(Get(alice_, 0, Hash("unknown")).messages.size(), 10u);
  EXPECT_EQ(Get(alice_, 0, Hash("other")).messages.size(), 10u);
}

TEST_F(MailboxTest, SizeCapCutsAndTheFirstMessageAlwaysFits) {
  std::string data(3000, 'x');  // costs 100 + 43 + 4000
  const uint64_t cost = 4143;
  for (int i = 0; i < 5; ++i) Put(alice_, 0, Hash("s" + std::to_string(i)), kDay, data);
  RetrieveResult two = Get(alice_, 0, "", RetrieveLimits{.max_size = 2 * cost});
  EXPECT_EQ(two.messages.size(), 2u);
  EXPECT_TRUE(two.more);
  RetrieveResult almost = Get(alice_, 0, "", RetrieveLimits{.max_size = 2 * cost - 1});
  EXPECT_EQ(almost.messages.size(), 1u);
  EXPECT_TRUE(almost.more);
  RetrieveResult tiny = Get(alice_, 0, "", RetrieveLimits{.max_size = 1});
  EXPECT_EQ(tiny.messages.size(), 1u);
  EXPECT_TRUE(tiny.more);
  RetrieveResult all = Get(alice_, 0, "", RetrieveLimits{.max_size = 5 * cost});
  EXPECT_EQ(all.messages.size(), 5u);
  EXPECT_FALSE(all.more);
  // Count and size together: whichever bites first.
  RetrieveResult both = Get(alice_, 0, "", RetrieveLimits{.max_count = 1, .max_size = 5 * cost});
  EXPECT_EQ(both.messages.size(), 1u);
  EXPECT_TRUE(both.more);
}

TEST_F(MailboxTest, ExpiredMessagesAreNeverReturned) {
  Put(alice_, 0, Hash("short"), 1000);
  Put(alice_, 0, Hash("long"), kDay);
  Put(alice_, 0, Hash("short2"), 1000);
  Advance(999);
  EXPECT_EQ(Get(alice_, 0).messages.size(), 3u);
  Advance(1);  // expiry <= now: gone
  EXPECT_EQ(Hashes(Get(alice_, 0)), std::vector<std::string>{Hash("long")});
  // Expired messages do not count against caps, and `more` ignores them.
  RetrieveResult one = Get(alice_, 0, "", RetrieveLimits{.max_count = 1});
  EXPECT_EQ(Hashes(one), std::vector<std::string>{Hash("long")});
  EXPECT_FALSE(one.more);
  // An expired (not yet swept) last_hash still marks the position.
  EXPECT_EQ(Hashes(Get(alice_, 0, Hash("short"))), std::vector<std::string>{Hash("long")});
  EXPECT_TRUE(Get(alice_, 0, Hash("long")).messages.empty());
  std::vector<std::string> asked = {Hash("short"), Hash("long")};
  auto exp = box_->GetExpiries(alice_, asked);
  ASSERT_TRUE(exp.ok());
  EXPECT_EQ(*exp, (std::map<std::string, int64_t>{{Hash("long"), kT0 + kDay}}));
  // Cannot be revived, and is not reported as deleted.
  std::vector<ExpireTarget> revive = {{Hash("short"), Now() + kDay}};
  EXPECT_TRUE(box_->Expire(alice_, revive, ExpireMode::kSet)->updated.empty());
  EXPECT_TRUE(box_->Expire(alice_, revive, ExpireMode::kExtend)->unchanged.empty());
  std::vector<std::string> del = {Hash("short")};
  EXPECT_TRUE(box_->Delete(alice_, del)->empty());
  EXPECT_EQ(Hashes(Get(alice_, 0)), std::vector<std::string>{Hash("long")});
}

TEST_F(MailboxTest, DeleteByHashes) {
  Put(alice_, 0, Hash("a"));
  Put(alice_, 3, Hash("b"));
  Put(alice_, 0, Hash("c"));
  Put(bob_, 0, Hash("d"));
  std::vector<std::string> hashes = {Hash("c"), Hash("unknown"), Hash("b"), Hash("d"), Hash("c")};
  auto deleted = box_->Delete(alice_, hashes);
  ASSERT_TRUE(deleted.ok()) << deleted.status();
  EXPECT_EQ(*deleted, (std::vector<std::string>{Hash("b"), Hash("c")}));  // sorted, any namespace
  EXPECT_EQ(Hashes(Get(alice_, 0)), std::vector<std::string>{Hash("a")});
  EXPECT_TRUE(Get(alice_, 3).messages.empty());
  EXPECT_EQ(Hashes(Get(bob_, 0)), std::vector<std::string>{Hash("d")});  // not alice's
  EXPECT_TRUE(box_->Delete(alice_, hashes)->empty());
  // A deleted hash may be stored again as a new message.
  EXPECT_FALSE(Put(alice_, 0, Hash("c")).already);
}

TEST_F(MailboxTest, DeleteAllOneNamespaceOrAll) {
  Put(alice_, 0, Hash("z"));
  Put(alice_, 0, Hash("a"));
  Put(alice_, -10, Hash("n"));
  Put(alice_, 3, Hash("t"));
  Put(bob_, 0, Hash("b"));
  auto zero = box_->DeleteAll(alice_, 0);
  ASSERT_TRUE(zero.ok());
  EXPECT_EQ(*zero, (HashesByNamespace{{0, {Hash("a"), Hash("z")}}}));
  EXPECT_TRUE(Get(alice_, 0).messages.empty());
  EXPECT_EQ(Get(alice_, 3).messages.size(), 1u);
  EXPECT_TRUE(box_->DeleteAll(alice_, 0)->empty());
  auto all = box_->DeleteAll(alice_, kAllNamespaces);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(*all, (HashesByNamespace{{-10, {Hash("n")}}, {3, {Hash("t")}}}));
  EXPECT_TRUE(Get(alice_, -10).messages.empty());
  EXPECT_EQ(Get(bob_, 0).messages.size(), 1u);
  EXPECT_EQ(KeyCount(), 1u + 3);  // bob's message and the sequence reservation
}

TEST_F(MailboxTest, DeleteBeforeTimestamp) {
  Put(alice_, 0, Hash("t0"));
  Advance(100);
  Put(alice_, 0, Hash("t100"));
  Put(alice_, 2, Hash("t100ns2"));
  Advance(100);
  Put(alice_, 0, Hash("t200"));
  auto r = box_->DeleteBefore(alice_, 0, kT0 + 100);  // timestamp <= before
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, (HashesByNamespace{{0, {Hash("t0"), Hash("t100")}}}));
  EXPECT_EQ(Hashes(Get(alice_, 0)), std::vector<std::string>{Hash("t200")});
  EXPECT_EQ(Get(alice_, 2).messages.size(), 1u);
  auto all = box_->DeleteBefore(alice_, kAllNamespaces, kT0 + 150);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(*all, (HashesByNamespace{{2, {Hash("t100ns2")}}}));
  EXPECT_EQ(Get(alice_, 0).messages.size(), 1u);
}

TEST_F(MailboxTest, ExpireAllOnlyShortens) {
  Put(alice_, 0, Hash("a"), 1 * kDay);
  Put(alice_, 0, Hash("b"), 3 * kDay);
  Put(alice_, 1, Hash("c"), 4 * kDay);
  Put(bob_, 0, Hash("d"), 4 * kDay);
  const int64_t target = kT0 + 2 * kDay;
  auto r = box_->ExpireAll(alice_, 0, target);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, (HashesByNamespace{{0, {Hash("b")}}}));
  RetrieveResult got = Get(alice_, 0);
  EXPECT_EQ(got.messages[0].expiry_ms, kT0 + kDay);  // earlier: untouched
  EXPECT_EQ(got.messages[1].expiry_ms, target);
  EXPECT_EQ(Get(alice_, 1).messages[0].expiry_ms, kT0 + 4 * kDay);
  auto all = box_->ExpireAll(alice_, kAllNamespaces, kT0 + kDay / 2);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(*all, (HashesByNamespace{{0, {Hash("a"), Hash("b")}}, {1, {Hash("c")}}}));
  EXPECT_EQ(Get(bob_, 0).messages[0].expiry_ms, kT0 + 4 * kDay);
  // The sweep follows the new expiries.
  Advance(kDay / 2);
  EXPECT_EQ(box_->RemoveExpired(Now()).value(), 3u);
  EXPECT_EQ(KeyCount(), 1u + 3);
}

TEST_F(MailboxTest, ExpireSetShortenExtend) {
  Put(alice_, 0, Hash("a"), 2 * kDay);
  Put(alice_, 4, Hash("b"), 2 * kDay);
  Put(alice_, 0, Hash("c"), 2 * kDay);
  const int64_t two = kT0 + 2 * kDay;
  std::vector<std::string> abc = {Hash("c"), Hash("a"), Hash("b"), Hash("missing")};
  auto targets = [&](int64_t expiry) {
    std::vector<ExpireTarget> t;
    for (const std::string& h : abc) t.push_back({h, expiry});
    return t;
  };
  // Extend to an earlier time: nothing changes, everything reported unchanged.
  auto ext = box_->Expire(alice_, targets(kT0 + kDay), ExpireMode::kExtend);
  ASSERT_TRUE(ext.ok());
  EXPECT_TRUE(ext->updated.empty());
  EXPECT_EQ(ext->unchanged,
            (std::map<std::string, int64_t>{{Hash("a"), two}, {Hash("b"), two}, {Hash("c"), two}}));
  // Shorten: applies.
  auto sh = box_->Expire(alice_, targets(kT0 + kDay), ExpireMode::kShorten);
  ASSERT_TRUE(sh.ok());
  EXPECT_EQ(sh->updated,
            (std::vector<std::pair<std::string, int64_t>>{
                {Hash("a"), kT0 + kDay}, {Hash("b"), kT0 + kDay}, {Hash("c"), kT0 + kDay}}));
  EXPECT_TRUE(sh->unchanged.empty());
  // Shorten to a later time: unchanged.
  auto sh2 = box_->Expire(alice_, targets(two), ExpireMode::kShorten);
  EXPECT_TRUE(sh2->updated.empty());
  EXPECT_EQ(sh2->unchanged.size(), 3u);
  // Per-message expiries with extend: only the later ones apply; a repeated hash counts once.
  std::vector<ExpireTarget> mixed = {{Hash("a"), kT0 + 3 * kDay},
                                     {Hash("b"), kT0 + kDay / 2},
                                     {Hash("c"), kT0 + 5 * kDay},
                                     {Hash("a"), kT0 + 9 * kDay}};
  auto m = box_->Expire(alice_, mixed, ExpireMode::kExtend);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->updated, (std::vector<std::pair<std::string, int64_t>>{
                            {Hash("a"), kT0 + 3 * kDay}, {Hash("c"), kT0 + 5 * kDay}}));
  EXPECT_EQ(m->unchanged, (std::map<std::string, int64_t>{{Hash("b"), kT0 + kDay}}));
  // Plain set: always applies, even shortening, and reports no `unchanged`.
  std::vector<ExpireTarget> set = {{Hash("c"), kT0 + 1000}, {Hash("b"), kT0 + kDay}};
  auto s = box_->Expire(alice_, set, ExpireMode::kSet);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->updated, (std::vector<std::pair<std::string, int64_t>>{{Hash("b"), kT0 + kDay},
                                                                      {Hash("c"), kT0 + 1000}}));
  EXPECT_TRUE(s->unchanged.empty());
  auto exp = box_->GetExpiries(alice_, abc);
  ASSERT_TRUE(exp.ok());
  EXPECT_EQ(*exp,
            (std::map<std::string, int64_t>{
                {Hash("a"), kT0 + 3 * kDay}, {Hash("b"), kT0 + kDay}, {Hash("c"), kT0 + 1000}}));
  // Another account's hashes are not touched.
  EXPECT_TRUE(box_->Expire(bob_, set, ExpireMode::kSet)->updated.empty());
  std::vector<ExpireTarget> negative = {{Hash("a"), -1}};
  EXPECT_EQ(box_->Expire(alice_, negative, ExpireMode::kSet).status().code(),
            StatusCode::kInvalidArgument);
  Advance(1000);
  EXPECT_EQ(box_->RemoveExpired(Now()).value(), 1u);  // "c", via its new index entry
  EXPECT_EQ(Hashes(Get(alice_, 0)), std::vector<std::string>{Hash("a")});
}

TEST_F(MailboxTest, GetExpiries) {
  Put(alice_, 0, Hash("a"), kDay);
  Put(alice_, 7, Hash("b"), 2 * kDay);
  Put(bob_, 0, Hash("c"), kDay);
  std::vector<std::string> asked = {Hash("b"), "not-a-hash", "",
                                    Hash("c"), Hash("a"),    std::string(200, 'x')};
  auto r = box_->GetExpiries(alice_, asked);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r,
            (std::map<std::string, int64_t>{{Hash("a"), kT0 + kDay}, {Hash("b"), kT0 + 2 * kDay}}));
}

TEST_F(MailboxTest, RemoveExpiredReclaimsInBatches) {
  Reopen(/*sync=*/false);  // many writes; durability is tested elsewhere
  for (int i = 0; i < 1300; ++i) {
    AccountId a = Account(0x05, static_cast<uint8_t>(i % 7));
    Put(a, static_cast<int16_t>(i % 3), Hash("e" + std::to_string(i)), i % 2 ? 5000 : kDay);
  }
  EXPECT_EQ(box_->RemoveExpired(Now()).value(), 0u);
  Advance(4999);
  EXPECT_EQ(box_->RemoveExpired(Now()).value(), 0u);
  Advance(1);
  auto stats = box_->Stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->messages, 650u);
  EXPECT_EQ(stats->expired_pending, 650u);
  EXPECT_EQ(box_->RemoveExpired(Now()).value(), 650u);  // more than one sweep batch
  EXPECT_EQ(box_->Stats()->expired_pending, 0u);
  EXPECT_EQ(KeyCount(), 1u + 650 * 3);
  EXPECT_EQ(box_->RemoveExpired(Now()).value(), 0u);
  Advance(kDay);
  EXPECT_EQ(box_->RemoveExpired(Now()).value(), 650u);
  EXPECT_EQ(KeyCount(), 1u);
}

TEST_F(MailboxTest, NamespacesAreSeparateMailboxes) {
  Put(alice_, 0, Hash("n0"), kDay, "zero");
  Put(alice_, 3, Hash("n3"), kDay, "three");
  Put(alice_, -10, Hash("nm10"), kDay, "minus ten");
  Put(alice_, 32767, Hash("max"));
  Put(alice_, -32768, Hash("min"));
  EXPECT_EQ(Hashes(Get(alice_, 0)), std::vector<std::string>{Hash("n0")});
  EXPECT_EQ(Hashes(Get(alice_, 3)), std::vector<std::string>{Hash("n3")});
  EXPECT_EQ(Get(alice_, -10).messages[0].data, "minus ten");
  EXPECT_EQ(Get(alice_, -10).messages[0].ns, -10);
  EXPECT_EQ(Hashes(Get(alice_, 32767)), std::vector<std::string>{Hash("max")});
  EXPECT_EQ(Hashes(Get(alice_, -32768)), std::vector<std::string>{Hash("min")});
  EXPECT_TRUE(Get(alice_, 1).messages.empty());
  // The same account id with another prefix byte is another account.
  EXPECT_TRUE(Get(Account(0x03, 0xaa), 0).messages.empty());
}

TEST_F(MailboxTest, PublicOutboxHoldsOneMessage) {
  Put(alice_, -21, Hash("first"));
  Put(alice_, -21, Hash("second"));
  Put(alice_, -20, Hash("other ns"));
  EXPECT_EQ(Hashes(Get(alice_, -21)), std::vector<std::string>{Hash("second")});
  EXPECT_TRUE(Put(alice_, -21, Hash("second")).already);
  EXPECT_EQ(Hashes(Get(alice_, -21)), std::vector<std::string>{Hash("second")});
  Put(alice_, -1, Hash("x"));
  Put(alice_, -1, Hash("y"));
  EXPECT_EQ(Hashes(Get(alice_, -1)), std::vector<std::string>{Hash("y")});
  EXPECT_EQ(Get(alice_, -20).messages.size(), 1u);
  EXPECT_EQ(KeyCount(), 1u + 3 * 3);
}

TEST_F(MailboxTest, ReopenKeepsEverything) {
  Put(alice_, 0, Hash("a"), kDay, "alpha");
  Put(alice_, 0, Hash("b"), kDay, "beta");
  Put(alice_, 2, Hash("c"), kDay, "gamma");
  Put(bob_, 0, Hash("d"), 1000, "delta");
  std::vector<ExpireTarget> t = {{Hash("b"), kT0 + 3 * kDay}};
  ASSERT_TRUE(box_->Expire(alice_, t, ExpireMode::kExtend).ok());
  std::vector<std::string> del = {Hash("c")};
  ASSERT_EQ(box_->Delete(alice_, del)->size(), 1u);
  Reopen();
  RetrieveResult r = Get(alice_, 0);
  ASSERT_EQ(Hashes(r), (std::vector<std::string>{Hash("a"), Hash("b")}));
  EXPECT_EQ(r.messages[0].data, "alpha");
  EXPECT_EQ(r.messages[1].expiry_ms, kT0 + 3 * kDay);
  EXPECT_TRUE(Get(alice_, 2).messages.empty());
  EXPECT_TRUE(Put(alice_, 0, Hash("a")).already);
  // New messages go after the old ones: sequence numbers never repeat across restarts.
  Put(alice_, 0, Hash("e"));
  Reopen();
  Put(alice_, 0, Hash("f"));
  EXPECT_EQ(Hashes(Get(alice_, 0)),
            (std::vector<std::string>{Hash("a"), Hash("b"), Hash("e"), Hash("f")}));
  EXPECT_EQ(Hashes(Get(alice_, 0, Hash("b"))), (std::vector<std::string>{Hash("e"), Hash("f")}));
  // The expiry index survives too.
  Advance(1000);
  EXPECT_EQ(box_->RemoveExpired(Now()).value(), 1u);
  EXPECT_TRUE(Get(bob_, 0).messages.empty());
}

TEST_F(MailboxTest, CorruptRecordIsDataLoss) {
  Put(alice_, 0, Hash("a"));
  std::string key;
  ASSERT_TRUE(meta_
                  ->Scan(engine::Cf::kMailbox, "m", "",
                         [&](std::string_view k, std::string_view) {
                           key = k;
                           return false;
                         })
                  .ok());
  engine::MetaBatch b;
  b.Put(engine::Cf::kMailbox, key, "\x07garbage");
  ASSERT_TRUE(meta_->Write(b).ok());
  EXPECT_EQ(box_->Retrieve(alice_, 0, "", {}).status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(box_->Stats().status().code(), StatusCode::kDataLoss);
}

TEST_F(MailboxTest, StatsPerNamespace) {
  Put(alice_, 0, Hash("a"), kDay, "12345");
  Put(alice_, 0, Hash("b"), kDay, "123");
  Put(alice_, 3, Hash("c"), kDay, "1");
  Put(bob_, 0, Hash("d"), 10, "1234567");
  Put(bob_, 3, Hash("e"), kDay, "12");
  Put(Account(0x03, 0x01), 11, Hash("f"), kDay, "");
  Advance(10);  // bob's "d" expires
  auto s = box_->Stats();
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->accounts, 3u);
  EXPECT_EQ(s->messages, 5u);
  EXPECT_EQ(s->data_bytes, 11u);
  EXPECT_EQ(s->expired_pending, 1u);
  ASSERT_EQ(s->namespaces.size(), 3u);
  EXPECT_EQ(s->namespaces[0].accounts, 1u);
  EXPECT_EQ(s->namespaces[0].messages, 2u);
  EXPECT_EQ(s->namespaces[0].data_bytes, 8u);
  EXPECT_EQ(s->namespaces[3].accounts, 2u);
  EXPECT_EQ(s->namespaces[3].messages, 2u);
  EXPECT_EQ(s->namespaces[3].data_bytes, 3u);
  EXPECT_EQ(s->namespaces[11].accounts, 1u);
}

std::string Token(int i) {
  std::string t(kSubaccountTokenSize, '\0');
  t[0] = 0x03;
  t[1] = 0x07;
  t[4] = static_cast<char>(i);
  t[5] = static_cast<char>(i >> 8);
  return t;
}

TEST_F(MailboxTest, SubaccountRevocations) {
  std::vector<std::string> two = {Token(1), Token(2)};
  ASSERT_TRUE(box_->RevokeSubaccounts(alice_, two).ok());
  EXPECT_TRUE(box_->IsSubaccountRevoked(alice_, Token(1)).value());
  EXPECT_TRUE(box_->IsSubaccountRevoked(alice_, Token(2)).value());
  EXPECT_FALSE(box_->IsSubaccountRevoked(alice_, Token(3)).value());
  EXPECT_FALSE(box_->IsSubaccountRevoked(bob_, Token(1)).value());  // per account
  EXPECT_FALSE(box_->IsSubaccountRevoked(alice_, "short").value());
  std::vector<std::string> bad = {Token(9), "short"};
  EXPECT_EQ(box_->RevokeSubaccounts(alice_, bad).code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(box_->IsSubaccountRevoked(alice_, Token(9)).value());  // nothing changed
  std::vector<std::string> un = {Token(2), Token(3), Token(2)};
  EXPECT_EQ(box_->UnrevokeSubaccounts(alice_, un).value(), 1u);
  EXPECT_FALSE(box_->IsSubaccountRevoked(alice_, Token(2)).value());
  // Only the 50 most recent stay; revoking token 1 again makes it recent.
  for (int i = 100; i < 149; ++i) {
    std::vector<std::string> one = {Token(i)};
    ASSERT_TRUE(box_->RevokeSubaccounts(alice_, one).ok());
  }
  EXPECT_TRUE(box_->IsSubaccountRevoked(alice_, Token(1)).value());  // 50 on the list
  std::vector<std::string> again = {Token(1), Token(149), Token(150)};
  ASSERT_TRUE(box_->RevokeSubaccounts(alice_, again).ok());
  EXPECT_TRUE(box_->IsSubaccountRevoked(alice_, Token(1)).value());
  EXPECT_FALSE(box_->IsSubaccountRevoked(alice_, Token(100)).value());  // the two oldest dropped
  EXPECT_FALSE(box_->IsSubaccountRevoked(alice_, Token(101)).value());
  EXPECT_TRUE(box_->IsSubaccountRevoked(alice_, Token(102)).value());
  Reopen();
  EXPECT_TRUE(box_->IsSubaccountRevoked(alice_, Token(150)).value());
  EXPECT_TRUE(box_->IsSubaccountRevoked(alice_, Token(1)).value());
  EXPECT_FALSE(box_->IsSubaccountRevoked(alice_, Token(101)).value());
  // Revocations are not messages.
  EXPECT_EQ(box_->Stats()->messages, 0u);
  EXPECT_TRUE(box_->DeleteAll(alice_, kAllNamespaces)->empty());
  EXPECT_TRUE(box_->IsSubaccountRevoked(alice_, Token(1)).value());
}

TEST_F(MailboxTest, ConcurrentStoresFromSeveralThreads) {
  constexpr int kThreads = 6;
  constexpr int kPerThread = 40;
  const AccountId accounts[3] = {alice_, bob_, Account(0x03, 0x77)};
  std::atomic<int> failures{0};
  std::atomic<int> already{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const AccountId& a = accounts[(t + i) % 3];
        std::string hash = Hash("t" + std::to_string(t) + "-" + std::to_string(i));
        auto r = box_->Store(a, 0, hash, kT0 + i, kT0 + kDay, hash);
        if (!r.ok()) ++failures;
        // Everyone also stores one shared message: exactly one store creates it.
        auto shared = box_->Store(alice_, 5, Hash("shared"), kT0, kT0 + kDay, "s");
        if (!shared.ok()) ++failures;
        if (shared.ok() && shared->already) ++already;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(already.load(), kThreads * kPerThread - 1);
  EXPECT_EQ(Get(alice_, 5).messages.size(), 1u);
  size_t total = 0;
  for (const AccountId& a : accounts) {
    RetrieveResult r = Get(a, 0, "", RetrieveLimits{.max_size = kRetrieveMaxSize});
    EXPECT_FALSE(r.more);
    total += r.messages.size();
    // Each thread stored sequentially, so its messages keep their order within the account.
    std::map<int, int> last_i;
    for (const Message& m : r.messages) {
      EXPECT_EQ(m.data, m.hash);
      int t = m.hash[1] - '0';
      int i = std::stoi(m.hash.substr(3));
      auto it = last_i.find(t);
      if (it != last_i.end()) {
        EXPECT_LT(it->second, i) << m.hash;
      }
      last_i[t] = i;
    }
  }
  EXPECT_EQ(total, static_cast<size_t>(kThreads * kPerThread));
  Reopen();
  EXPECT_EQ(box_->Stats()->messages, static_cast<size_t>(kThreads * kPerThread) + 1);
}

}  // namespace
}  // namespace cairn::mailbox
