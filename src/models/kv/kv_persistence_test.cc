#include "models/kv/kv_persistence.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "core/env/env.h"
#include "models/kv/internal/test_util.h"
#include "models/kv/kv_store.h"

namespace cairn::kv {
namespace {

namespace fs = std::filesystem;

// An Env whose wall clock the test sets, so TTLs need no sleeping.
using internal::ClockEnv;

std::string Hex(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof(buf), "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

// A canonical, order-independent rendering of a value (hash and set iteration orders are not
// stable across instances); zset scores are rendered by their bits so -0.0 differs from 0.0.
std::string Canon(const Value& v) {
  std::string o = std::string(TypeName(v.type())) + " exp=" + std::to_string(v.expire_at_ms) + ":";
  switch (v.type()) {
    case Type::kString:
      o += Hex(v.str().size()) + std::string(v.str());
      break;
    case Type::kHash: {
      std::map<std::string, std::string> m(v.hash().begin(), v.hash().end());
      for (const auto& [f, x] : m) o += "[" + Hex(f.size()) + f + Hex(x.size()) + x + "]";
      break;
    }
    case Type::kList:
      for (const auto& x : v.list()) {
        o += "[" + Hex(x.size()) + x + "]";
      }
      break;
    case Type::kSet: {
      std::vector<std::string> s(v.set().begin(), v.set().end());
      std::sort(s.begin(), s.end());
      for (const auto& x : s) o += "[" + Hex(x.size()) + x + "]";
      break;
    }
    case Type::kZSet: {
      const ZSet& z = v.zset();
      o += "n=" + std::to_string(z.scores.size()) + "/" + std::to_string(z.order.size());
      for (const auto& [score, member] : z.order) {
        uint64_t bits;
        std::memcpy(&bits, &score, 8);
        auto it = z.scores.find(member);
        uint64_t bits2 = 0;
        if (it != z.scores.end()) std::memcpy(&bits2, &it->second, 8);
        o += "[" + Hex(bits) + "/" + Hex(bits2) + member + "]";
      }
      break;
    }
  }
  return o;
}

// Every live key of every database: "db/key" -> Canon(value).
std::map<std::string, std::string> Dump(KvStore& store) {
  std::map<std::string, std::string> out;
  store.ForEachKeyLocked([] {},
                         [&](int db, std::string_view key, const Value& v) {
                           out[std::to_string(db) + "/" + std::string(key)] = Canon(v);
                         });
  return out;
}

Value RoundTrip(const Value& v) {
  Value out;
  EXPECT_TRUE(DecodeValue(EncodeValue(v), &out)) << Canon(v);
  return out;
}

TEST(KvValueCodingTest, RoundTripsEveryType) {
  std::vector<Value> values;
  Value s;
  s.Assign(std::string());
  values.push_back(s);
  s.Assign(std::string("hello"));
  s.expire_at_ms = 1'700'000'123'456;
  values.push_back(s);
  std::string binary;
  for (int i = 0; i < 256; ++i) binary.push_back(static_cast<char>(i));
  s.Assign(binary);
  s.expire_at_ms = 0;
  values.push_back(s);

  Value h;
  h.Assign(StringMap{});
  values.push_back(h);
  h.Assign(StringMap{{"", ""}, {"f", "v"}, {binary, binary}, {"x", std::string(3, '\0')}});
  h.expire_at_ms = 42;
  values.push_back(h);

  Value l;
  l.Assign(std::deque<std::string>{});
  values.push_back(l);
  l.Assign(std::deque<std::string>{"a", "", "a", binary});
  values.push_back(l);

  Value st;
  st.Assign(StringSet{});
  values.push_back(st);
  st.Assign(StringSet{"", "m", binary});
  st.expire_at_ms = std::numeric_limits<int64_t>::max();
  values.push_back(st);

  Value z;
  z.Assign(ZSet{});
  values.push_back(z);
  ZSet zs;
  const std::vector<std::pair<std::string, double>> members = {
      {"negzero", -0.0},
      {"zero", 0.0},
      {"inf", std::numeric_limits<double>::infinity()},
      {"ninf", -std::numeric_limits<double>::infinity()},
      {"tiny", std::numeric_limits<double>::denorm_min()},
      {"", 1.5},
      {binary, -3.25}};
  for (const auto& [m, sc] : members) {
    zs.scores[m] = sc;
    zs.order.emplace(sc, m);
  }
  z.Assign(zs);
  z.expire_at_ms = 7;
  values.push_back(z);

  for (const Value& v : values) {
    Value back = RoundTrip(v);
    EXPECT_EQ(Canon(back), Canon(v));
    EXPECT_EQ(back.type(), v.type());
    EXPECT_EQ(back.expire_at_ms, v.expire_at_ms);
  }
  // -0.0 keeps its sign.
  Value back = RoundTrip(z);
  EXPECT_TRUE(std::signbit(back.zset().scores.at("negzero")));
  EXPECT_FALSE(std::signbit(back.zset().scores.at("zero")));
  EXPECT_TRUE(std::isinf(back.zset().scores.at("inf")));
}

TEST(KvValueCodingTest, RejectsTruncatedAndGarbageInput) {
  Value h;
  h.Assign(StringMap{{"field", "value"}, {"f2", ""}});
  h.expire_at_ms = 99;
  Value l;
  l.Assign(std::deque<std::string>{"a", "bb"});
  Value z;
  ZSet zs;
  zs.scores["m"] = 2;
  zs.order.emplace(2.0, "m");
  z.Assign(zs);
  Value s;
  s.Assign(std::string("string value"));
  Value st;
  st.Assign(StringSet{"x", "y"});
  for (const Value& v : {h, l, z, s, st}) {
    std::string enc = EncodeValue(v);
    Value out;
    for (size_t n = 0; n < enc.size(); ++n) {
      EXPECT_FALSE(DecodeValue(std::string_view(enc).substr(0, n), &out))
          << Canon(v) << " prefix " << n;
    }
    EXPECT_FALSE(DecodeValue(enc + "x", &out)) << "trailing byte after " << Canon(v);
  }
  Value out;
  EXPECT_FALSE(DecodeValue("", &out));
  std::string bad_type = EncodeValue(s);
  bad_type[0] = 9;
  EXPECT_FALSE(DecodeValue(bad_type, &out));
  // A huge element count with nothing behind it.
  std::string huge = EncodeValue(l);
  huge.resize(9);
  huge.append("\xff\xff\xff\xff", 4);
  EXPECT_FALSE(DecodeValue(huge, &out));
  // A string whose length runs past the end.
  std::string long_len = EncodeValue(s);
  long_len[9] = '\x7f';
  EXPECT_FALSE(DecodeValue(long_len, &out));
}

class KvPersistenceTest : public ::testing::TestWithParam<FsyncPolicy> {
 protected:
  KvPersistenceTest() {
    static int counter = 0;
    dir_ = ::testing::TempDir() + "/kv_persistence_" + std::to_string(::getpid()) + "_" +
           std::to_string(counter++);
    fs::remove_all(dir_);
  }
  ~KvPersistenceTest() override {
    Close();
    fs::remove_all(dir_);
  }

  KvPersistenceOptions PersistenceOptions() {
    KvPersistenceOptions o;
    o.env = core::Env::Default();
    o.dir = dir_;
    o.fsync = GetParam();
    o.rewrite_bytes = 0;
    o.segment_bytes = 64 << 10;
    o.defer_commit = defer_commit_;
    o.fork_snapshot = fork_snapshot_;
    o.log_writes = log_writes_;
    return o;
  }

  // Opens a fresh store and recovers it from dir_.
  Status Open() {
    Close();
    KvOptions ko;
    ko.env = &clock_;
    ko.shards = 4;
    store_ = std::make_unique<KvStore>(ko);
    auto p = KvPersistence::Open(PersistenceOptions(), store_.get());
    if (!p.ok()) return p.status();
    persistence_ = std::move(p).value();
    return Status();
  }
  void Close() {
    if (persistence_) {
      EXPECT_TRUE(persistence_->Close().ok());
    }
    persistence_.reset();
    store_.reset();
  }

  Reply Run(std::vector<std::string> argv, int db = 0) { return store_->Execute(db, argv); }
  void Ok(std::vector<std::string> argv, int db = 0) {
    Reply r = Run(argv, db);
    EXPECT_NE(r.kind, Reply::Kind::kError) << argv[0] << ": " << r.str;
  }

  std::vector<std::string> SegmentFiles() {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(dir_ + "/wal")) {
      std::string name = e.path().filename().string();
      if (name.size() > 4 && name.substr(name.size() - 4) == ".log") out.push_back(name);
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  // A mix of writes over every data type, in two databases.
  void MixedWrites() {
    Ok({"set", "str", "v1"});
    Ok({"set", "str", "v2"});
    Ok({"set", "empty", ""});
    Ok({"set", "bin", std::string("a\0b\xff", 4)});
    Ok({"set", "ttl", "x", "ex", "100"});  // absolute expiry: now + 100 s
    Ok({"set", "shortttl", "x", "px", "500"});
    Ok({"hset", "h", "f1", "a", "f2", "b"});
    Ok({"hset", "h", "f1", "c"});
    Ok({"lpush", "l", "1", "2", "3"});
    Ok({"sadd", "s", "m1", "m2", "m3", "m4"});
    Ok({"zadd", "z", "1.5", "a", "-inf", "b", "inf", "c", "-0", "d"});
    Ok({"set", "gone", "x"});
    Ok({"del", "gone", "missing"});
    Ok({"set", "from", "moved"});
    Ok({"rename", "from", "to"});
    Ok({"set", "x", "in db 1"}, 1);
    Ok({"set", "y", "in db 1"}, 1);
    Ok({"flushdb"}, 1);
    Ok({"set", "z", "after flush"}, 1);
    Ok({"set", "w", "in db 2"}, 2);
    Reply popped = Run({"spop", "s"});
    ASSERT_EQ(popped.kind, Reply::Kind::kBulk);
    Ok({"spop", "s", "2"});
  }

  // A copy of the data directory as a killed process would leave it (what was written).
  std::string CrashCopy() {
    std::string copy = dir_ + "_crash";
    fs::remove_all(copy);
    fs::copy(dir_, copy, fs::copy_options::recursive);
    return copy;
  }
  // Opens `dir` in a second store and returns its contents.
  std::map<std::string, std::string> DumpOf(const std::string& dir) {
    KvOptions ko;
    ko.env = &clock_;
    ko.shards = 4;
    KvStore store(ko);
    KvPersistenceOptions po = PersistenceOptions();
    po.dir = dir;
    auto p = KvPersistence::Open(po, &store);
    EXPECT_TRUE(p.ok()) << p.status().ToString();
    if (!p.ok()) return {};
    EXPECT_TRUE((*p)->Close().ok());
    fs::remove_all(dir);
    return Dump(store);
  }

  void SnapshotThenLog();

  bool defer_commit_ = false;
  bool fork_snapshot_ = false;
  bool log_writes_ = true;
  ClockEnv clock_;
  std::string dir_;
  std::unique_ptr<KvStore> store_;
  std::unique_ptr<KvPersistence> persistence_;
};

TEST_P(KvPersistenceTest, RecoversEveryWriteAfterClose) {
  ASSERT_TRUE(Open().ok());
  MixedWrites();
  auto want = Dump(*store_);
  ASSERT_EQ(want.count("0/from"), 0u);
  ASSERT_EQ(want.count("0/to"), 1u);
  ASSERT_EQ(want.count("1/x"), 0u);
  ASSERT_EQ(want.at("0/ttl"),
            "string exp=" + std::to_string(clock_.now_ms + 100'000) + ":" + Hex(1) + "x");
  Close();

  ASSERT_TRUE(Open().ok());
  EXPECT_EQ(Dump(*store_), want);
  Reply r = Run({"scard", "s"});
  EXPECT_EQ(r.integer, 1);
  r = Run({"pttl", "ttl"});
  EXPECT_EQ(r.integer, 100'000);
  r = Run({"get", "bin"});
  EXPECT_EQ(r.str, std::string("a\0b\xff", 4));
  // Expiries are absolute: a key whose time passed while the store was down stays gone.
  Close();
  clock_.now_ms += 1000;
  ASSERT_TRUE(Open().ok());
  EXPECT_EQ(Run({"get", "shortttl"}).kind, Reply::Kind::kNil);
  EXPECT_EQ(Run({"pttl", "ttl"}).integer, 99'000);
  // Writes after a recovery are logged too.
  Ok({"set", "later", "1"});
  want = Dump(*store_);
  Close();
  ASSERT_TRUE(Open().ok());
  EXPECT_EQ(Dump(*store_), want);
}

TEST_P(KvPersistenceTest, SnapshotThenLogRecovers) { SnapshotThenLog(); }

TEST_P(KvPersistenceTest, ForkedSnapshotThenLogRecovers) {
  fork_snapshot_ = true;
  SnapshotThenLog();
  EXPECT_FALSE(fs::exists(dir_ + "/snapshot.tmp"));
}

void KvPersistenceTest::SnapshotThenLog() {
  ASSERT_TRUE(Open().ok());
  // Enough to span several 64 KiB segments.
  std::string big(1000, 'b');
  for (int i = 0; i < 300; ++i) Ok({"set", "big" + std::to_string(i), big + std::to_string(i)});
  MixedWrites();
  ASSERT_GT(SegmentFiles().size(), 3u);
  ASSERT_TRUE(persistence_->Save().ok());
  // Only the segment holding the mark is left.
  EXPECT_EQ(SegmentFiles().size(), 1u);
  EXPECT_TRUE(fs::exists(dir_ + "/snapshot"));
  EXPECT_GT(persistence_->last_save_unix(), 0u);
  // Writes after the snapshot: overwrites, deletes and new keys.
  Ok({"set", "str", "after save"});
  Ok({"del", "big0", "h"});
  Ok({"lpush", "l", "4"});
  Ok({"set", "new", "n", "ex", "50"});
  Ok({"flushdb"}, 2);
  Ok({"rename", "to", "to2"});
  for (int i = 0; i < 100; ++i) Ok({"set", "big" + std::to_string(i + 1), "small"});
  auto want = Dump(*store_);
  Close();

  ASSERT_TRUE(Open().ok());
  EXPECT_EQ(Dump(*store_), want);
  EXPECT_GT(persistence_->recovered_keys(), 300u);
  // A second snapshot over the first one, then recovery from it alone.
  ASSERT_TRUE(persistence_->Save().ok());
  Close();
  ASSERT_TRUE(Open().ok());
  EXPECT_EQ(Dump(*store_), want);
}

TEST_P(KvPersistenceTest, CorruptSnapshotIsDataLoss) {
  ASSERT_TRUE(Open().ok());
  MixedWrites();
  ASSERT_TRUE(persistence_->Save().ok());
  Close();
  std::string path = dir_ + "/snapshot";
  std::string data;
  {
    std::ifstream in(path, std::ios::binary);
    data.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  ASSERT_GT(data.size(), 40u);
  // The last byte of the first record (header: magic 8, mark 12; record: len 4, crc 4).
  uint32_t len = static_cast<uint8_t>(data[20]) | static_cast<uint8_t>(data[21]) << 8 |
                 static_cast<uint8_t>(data[22]) << 16 |
                 static_cast<uint32_t>(static_cast<uint8_t>(data[23])) << 24;
  ASSERT_LT(28 + len, data.size());
  data[28 + len - 1] ^= 0x01;
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(data.data(), static_cast<std::streamsize>(data.size()));
  }
  Status s = Open();
  EXPECT_EQ(s.code(), StatusCode::kDataLoss) << s.ToString();

  // A truncated snapshot too.
  data[28 + len - 1] ^= 0x01;
  data.resize(data.size() - 5);
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(data.data(), static_cast<std::streamsize>(data.size()));
  }
  s = Open();
  EXPECT_EQ(s.code(), StatusCode::kDataLoss) << s.ToString();
}

TEST_P(KvPersistenceTest, TornLogTailRecoversEverythingBefore) {
  ASSERT_TRUE(Open().ok());
  MixedWrites();
  auto want = Dump(*store_);
  Ok({"set", "torn", std::string(100, 't')});
  Close();
  auto segments = SegmentFiles();
  ASSERT_FALSE(segments.empty());
  std::string last = dir_ + "/wal/" + segments.back();
  fs::resize_file(last, fs::file_size(last) - 3);

  ASSERT_TRUE(Open().ok());
  EXPECT_EQ(Dump(*store_), want);
  // The log goes on after the cut.
  Ok({"set", "after", "cut"});
  want = Dump(*store_);
  Close();
  ASSERT_TRUE(Open().ok());
  EXPECT_EQ(Dump(*store_), want);
}

TEST_P(KvPersistenceTest, DeferredRecordsReachTheLogAtCommit) {
  defer_commit_ = true;
  ASSERT_TRUE(Open().ok());
  Ok({"set", "a", "1"});
  ASSERT_TRUE(persistence_->Commit().ok());
  Ok({"set", "b", "2"});
  Ok({"hset", "h", "f", "v"});
  // Not committed: a crash now keeps only "a".
  auto before = DumpOf(CrashCopy());
  EXPECT_EQ(before.count("0/a"), 1u);
  EXPECT_EQ(before.count("0/b"), 0u);
  EXPECT_EQ(before.count("0/h"), 0u);
  ASSERT_TRUE(persistence_->Commit().ok());
  ASSERT_TRUE(persistence_->Commit().ok());  // nothing queued: returns at once
  EXPECT_EQ(DumpOf(CrashCopy()), Dump(*store_));
  // A clean close commits what is still queued.
  Ok({"set", "c", "3"});
  auto want = Dump(*store_);
  Close();
  ASSERT_TRUE(Open().ok());
  EXPECT_EQ(Dump(*store_), want);
}

TEST_P(KvPersistenceTest, TransactionIsRecoveredWholeOrNotAtAll) {
  ASSERT_TRUE(Open().ok());
  Ok({"set", "before", "x"});
  auto without = Dump(*store_);
  std::vector<std::vector<std::string>> txn = {
      {"set", "t1", "a"}, {"incr", "t2"}, {"lpush", "t3", "x", "y"}, {"del", "before"}};
  auto replies = store_->ExecuteAll(0, txn);
  ASSERT_EQ(replies.size(), 4u);
  auto with = Dump(*store_);
  Close();
  auto segments = SegmentFiles();
  ASSERT_FALSE(segments.empty());
  std::string last = dir_ + "/wal/" + segments.back();
  uintmax_t size = fs::file_size(last);
  // The whole transaction is there...
  ASSERT_TRUE(Open().ok());
  EXPECT_EQ(Dump(*store_), with);
  Close();
  // ...and a cut anywhere in its record drops all of it, never a part.
  fs::resize_file(last, size - 1);
  ASSERT_TRUE(Open().ok());
  EXPECT_EQ(Dump(*store_), without);
}

TEST_P(KvPersistenceTest, ReplaysUnbatchedRecordsOfOlderLogs) {
  // Logs written before batching hold one record per segment-log record.
  {
    engine::SegmentLogOptions lo;
    lo.env = core::Env::Default();
    lo.dir = dir_ + "/wal";
    fs::create_directories(lo.dir);
    auto log = engine::SegmentLog::Open(lo);
    ASSERT_TRUE(log.ok());
    Value v;
    v.Assign(std::string("old"));
    std::string put("\0\0\0\0\3\0\0\0key", 11);  // db 0, key "key"
    put += EncodeValue(v);
    ASSERT_TRUE((*log)->Append(1, AsBytes(put), true).ok());
    // db 0, 3 arguments: sadd s m
    std::string cmd("\0\0\0\0\3\0\0\0\4\0\0\0sadd\1\0\0\0s\1\0\0\0m", 27);
    ASSERT_TRUE((*log)->Append(5, AsBytes(cmd), true).ok());
  }
  ASSERT_TRUE(Open().ok());
  auto got = Dump(*store_);
  EXPECT_EQ(got.count("0/key"), 1u);
  EXPECT_EQ(got.count("0/s"), 1u);
  EXPECT_EQ(Run({"get", "key"}).str, "old");
  EXPECT_EQ(Run({"sismember", "s", "m"}).integer, 1);
}

TEST_P(KvPersistenceTest, WithoutTheLogOnlySnapshotsPersist) {
  log_writes_ = false;
  ASSERT_TRUE(Open().ok());
  Ok({"set", "saved", "1"});
  Ok({"lpush", "l", "a"});
  ASSERT_TRUE(persistence_->Save().ok());
  auto saved = Dump(*store_);
  Ok({"set", "lost", "2"});  // after the snapshot, and never logged
  Close();
  ASSERT_TRUE(Open().ok());
  EXPECT_EQ(Dump(*store_), saved);
}

INSTANTIATE_TEST_SUITE_P(Policies, KvPersistenceTest,
                         ::testing::Values(FsyncPolicy::kAlways, FsyncPolicy::kNo),
                         [](const ::testing::TestParamInfo<FsyncPolicy>& info) {
                           return info.param == FsyncPolicy::kAlways ? std::string("Always")
                                                                     : std::string("No");
                         });

}  // namespace
}  // namespace cairn::kv
