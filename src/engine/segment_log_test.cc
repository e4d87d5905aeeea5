#include "engine/segment_log.h"

#include <gtest/gtest.h>

#include <random>
#include <thread>

#include "core/env/fault_env.h"

namespace cairn::engine {
namespace {

std::string Payload(int i, size_t n) {
  std::string s(n, '\0');
  for (size_t k = 0; k < n; ++k)
    s[k] = static_cast<char>('a' + (static_cast<uint32_t>(i) * 7u + k) % 26);
  return s;
}

class SegmentLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = core::NewMemEnv();
    ASSERT_TRUE(base_->CreateDir("/db").ok());
    fault_ = std::make_unique<core::FaultEnv>(base_.get(), 7);
  }
  SegmentLogOptions Options(uint64_t segment_bytes = 1 << 20) {
    SegmentLogOptions o;
    o.env = fault_.get();
    o.dir = "/db/log";
    o.segment_bytes = segment_bytes;
    return o;
  }
  std::unique_ptr<SegmentLog> OpenLog(uint64_t segment_bytes = 1 << 20) {
    auto log = SegmentLog::Open(Options(segment_bytes));
    EXPECT_TRUE(log.ok()) << log.status();
    return log.ok() ? std::move(log).value() : nullptr;
  }
  std::string ReadString(SegmentLog* log, const RecordAddress& a) {
    auto b = log->Read(a);
    return b.ok() ? std::string(b->view()) : "<" + b.status().ToString() + ">";
  }

  std::unique_ptr<core::Env> base_;
  std::unique_ptr<core::FaultEnv> fault_;
};

TEST_F(SegmentLogTest, AppendReadReopenScan) {
  std::vector<RecordAddress> addrs;
  {
    auto log = OpenLog();
    for (int i = 0; i < 100; ++i) {
      auto a = log->Append(static_cast<uint8_t>(i % 3), AsBytes(Payload(i, 10 + i)));
      ASSERT_TRUE(a.ok()) << a.status();
      addrs.push_back(*a);
    }
    EXPECT_EQ(ReadString(log.get(), addrs[42]), Payload(42, 52));
  }
  auto log = OpenLog();
  EXPECT_EQ(log->recovery().records_scanned, 100u);
  EXPECT_EQ(log->recovery().truncated_bytes, 0u);
  for (int i = 0; i < 100; ++i) {
    uint8_t type = 255;
    auto b = log->Read(addrs[i], &type);
    ASSERT_TRUE(b.ok()) << b.status();
    EXPECT_EQ(b->view(), Payload(i, 10 + i));
    EXPECT_EQ(type, i % 3);
  }
  int seen = 0;
  ASSERT_TRUE(log->Scan(1,
                        [&](const RecordAddress& a, uint8_t, ByteSpan p) {
                          EXPECT_EQ(a, addrs[seen]);
                          EXPECT_EQ(AsStringView(p), Payload(seen, 10 + seen));
                          ++seen;
                          return true;
                        })
                  .ok());
  EXPECT_EQ(seen, 100);
  // New appends continue after the recovered end.
  auto a = log->Append(1, AsBytes("after"));
  ASSERT_TRUE(a.ok());
  EXPECT_GT(a->offset, addrs.back().offset);
}

TEST_F(SegmentLogTest, RollsSegmentsAndDeletesSealedOnes) {
  std::vector<RecordAddress> addrs;
  auto log = OpenLog(4096);
  for (int i = 0; i < 60; ++i) addrs.push_back(log->Append(0, AsBytes(Payload(i, 300))).value());
  std::vector<uint32_t> segs = log->Segments();
  ASSERT_GT(segs.size(), 3u);
  EXPECT_EQ(log->active_segment(), segs.back());
  EXPECT_EQ(log->DeleteSegment(segs.back()).code(), StatusCode::kFailedPrecondition);
  log.reset();
  log = OpenLog(4096);
  for (int i = 0; i < 60; ++i) EXPECT_EQ(ReadString(log.get(), addrs[i]), Payload(i, 300));
  ASSERT_TRUE(log->DeleteSegment(segs[0]).ok());
  EXPECT_EQ(log->Read(addrs[0]).status().code(), StatusCode::kNotFound);
  EXPECT_FALSE(base_->FileExists("/db/log/" + SegmentLog::SegmentFileName(segs[0])));
}

TEST_F(SegmentLogTest, GarbageTailIsCutAndSaved) {
  RecordAddress a;
  {
    auto log = OpenLog();
    a = log->Append(0, AsBytes("keep me")).value();
  }
  std::string seg = "/db/log/" + SegmentLog::SegmentFileName(1);
  {
    auto f = base_->OpenFile(seg, {});
    ASSERT_TRUE((*f)->Append(AsBytes("CARN-not-a-record")).ok());
  }
  auto log = OpenLog();
  EXPECT_EQ(log->recovery().truncated_bytes, 17u);
  EXPECT_EQ(core::ReadFileToString(base_.get(), log->recovery().saved_tail).value(),
            "CARN-not-a-record");
  EXPECT_EQ(ReadString(log.get(), a), "keep me");
}

TEST_F(SegmentLogTest, MidLogCorruptionIsNeverCutAway) {
  std::vector<RecordAddress> addrs;
  {
    auto log = OpenLog();
    for (int i = 0; i < 5; ++i) addrs.push_back(log->Append(0, AsBytes(Payload(i, 500))).value());
  }
  {
    auto f = base_->OpenFile("/db/log/" + SegmentLog::SegmentFileName(1), {});
    ASSERT_TRUE((*f)->WriteAt(addrs[1].offset + 40, AsBytes("bit rot")).ok());
  }
  auto log = OpenLog();
  EXPECT_EQ(log->recovery().truncated_bytes, 0u);
  ASSERT_TRUE(log->recovery().corrupt_offset.has_value());
  EXPECT_EQ(*log->recovery().corrupt_offset, addrs[1].offset);
  EXPECT_EQ(ReadString(log.get(), addrs[0]), Payload(0, 500));
  EXPECT_EQ(log->Read(addrs[1]).status().code(), StatusCode::kDataLoss);
  for (int i = 2; i < 5; ++i) EXPECT_EQ(ReadString(log.get(), addrs[i]), Payload(i, 500));
  auto next = log->Append(0, AsBytes("new"));
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->segment, 2u);
}

TEST_F(SegmentLogTest, CorruptionIsDetectedOnRead) {
  auto log = OpenLog();
  auto a = log->Append(0, AsBytes("precious data")).value();
  {
    auto f = base_->OpenFile("/db/log/" + SegmentLog::SegmentFileName(1), {});
    ASSERT_TRUE((*f)->WriteAt(a.offset + SegmentLog::kRecordHeaderBytes + 3, AsBytes("X")).ok());
  }
  EXPECT_EQ(log->Read(a).status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(log->Read(RecordAddress{1, a.offset, a.length + 1}).status().code(),
            StatusCode::kOutOfRange);
}

TEST_F(SegmentLogTest, FailedWritesAreRolledBackAndReported) {
  auto log = OpenLog();
  auto first = log->Append(0, AsBytes("first")).value();
  struct Case {
    core::FaultKind kind;
    StatusCode code;
  };
  for (Case c : {Case{core::FaultKind::kIoError, StatusCode::kIoError},
                 Case{core::FaultKind::kNoSpace, StatusCode::kResourceExhausted},
                 Case{core::FaultKind::kTornWrite, StatusCode::kIoError}}) {
    fault_->InjectFault(core::FaultRule{.op = core::FaultOp::kWrite, .kind = c.kind});
    auto failed = log->Append(0, AsBytes(std::string(1000, 'z')));
    EXPECT_EQ(failed.status().code(), c.code);
    auto ok = log->Append(0, AsBytes("next"));
    ASSERT_TRUE(ok.ok()) << ok.status();
    EXPECT_EQ(ReadString(log.get(), *ok), "next");
  }
  EXPECT_EQ(ReadString(log.get(), first), "first");
  log.reset();
  log = OpenLog();
  EXPECT_EQ(log->recovery().truncated_bytes, 0u);  // no garbage was left behind
  EXPECT_EQ(log->recovery().records_scanned, 4u);
}

TEST_F(SegmentLogTest, FailedSyncBreaksTheLogUntilReopened) {
  auto log = OpenLog();
  auto first = log->Append(0, AsBytes("durable")).value();
  fault_->InjectFault(
      core::FaultRule{.op = core::FaultOp::kSync, .kind = core::FaultKind::kSyncFailure});
  EXPECT_EQ(log->Append(0, AsBytes("doomed")).status().code(), StatusCode::kIoError);
  Status sticky = log->Append(0, AsBytes("later")).status();
  EXPECT_EQ(sticky.code(), StatusCode::kIoError);
  EXPECT_NE(sticky.message().find("reopen"), std::string_view::npos) << sticky;
  log.reset();
  ASSERT_TRUE(fault_->SimulateCrash().ok());
  log = OpenLog();
  EXPECT_EQ(ReadString(log.get(), first), "durable");
  EXPECT_TRUE(log->Append(0, AsBytes("works again")).ok());
}

TEST_F(SegmentLogTest, RefusesOversizeRecords) {
  SegmentLogOptions o = Options();
  o.max_record_bytes = 100;
  auto log = SegmentLog::Open(o).value();
  EXPECT_EQ(log->Append(0, AsBytes(std::string(101, 'x'))).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_F(SegmentLogTest, ConcurrentWritersAreGroupCommitted) {
  auto log = OpenLog(64 * 1024);
  constexpr int kThreads = 8, kEach = 150;
  std::vector<std::vector<RecordAddress>> addrs(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        auto a = log->Append(static_cast<uint8_t>(t), AsBytes(Payload(t * 1000 + i, 100 + t)));
        ASSERT_TRUE(a.ok());
        addrs[t].push_back(*a);
      }
    });
  }
  for (auto& th : threads) th.join();
  log.reset();
  log = OpenLog(64 * 1024);
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kEach; ++i) {
      EXPECT_EQ(ReadString(log.get(), addrs[t][i]), Payload(t * 1000 + i, 100 + t));
    }
  }
}

// Random appends (synced and not), crashes (clean or torn) and reopenings: every record whose
// synced Append returned OK reads back intact, every time.
TEST_F(SegmentLogTest, RandomCrashesLoseNothingAcknowledged) {
  std::mt19937 rng(12345);
  std::vector<std::pair<RecordAddress, std::string>> acked;
  for (int trial = 0; trial < 60; ++trial) {
    auto log = OpenLog(8192);
    ASSERT_NE(log, nullptr) << "trial " << trial;
    for (const auto& [a, want] : acked) ASSERT_EQ(ReadString(log.get(), a), want) << trial;
    int n = static_cast<int>(rng() % 20);
    for (int i = 0; i < n; ++i) {
      std::string p = Payload(static_cast<int>(rng()), rng() % 3000);
      bool sync = rng() % 3 != 0;
      auto a = log->Append(static_cast<uint8_t>(i), AsBytes(p), sync);
      ASSERT_TRUE(a.ok()) << a.status();
      if (sync) {
        // A synced append also makes every earlier one durable.
        acked.emplace_back(*a, p);
      }
    }
    log.reset();
    ASSERT_TRUE(fault_->SimulateCrash(core::CrashOptions{.torn_tail = rng() % 2 == 0}).ok());
  }
  auto log = OpenLog(8192);
  for (const auto& [a, want] : acked) EXPECT_EQ(ReadString(log.get(), a), want);
}

TEST(RecordCodecTest, EncodeDecodeAndRejects) {
  Buffer buf;
  EncodeRecord(7, AsBytes("hello"), &buf);
  ASSERT_EQ(buf.size(), SegmentLog::kRecordHeaderBytes + 5);
  uint8_t type;
  ByteSpan payload;
  uint64_t n;
  ASSERT_TRUE(DecodeRecord(buf.span(), 1 << 20, &type, &payload, &n).ok());
  EXPECT_EQ(type, 7);
  EXPECT_EQ(AsStringView(payload), "hello");
  EXPECT_EQ(n, buf.size());
  EXPECT_EQ(DecodeRecord(buf.span().first(10), 1 << 20, &type, &payload, &n).code(),
            StatusCode::kOutOfRange);
  EXPECT_EQ(DecodeRecord(buf.span().first(18), 1 << 20, &type, &payload, &n).code(),
            StatusCode::kOutOfRange);
  EXPECT_EQ(DecodeRecord(buf.span(), 4, &type, &payload, &n).code(), StatusCode::kDataLoss);
  buf[SegmentLog::kRecordHeaderBytes] ^= 1;
  EXPECT_EQ(DecodeRecord(buf.span(), 1 << 20, &type, &payload, &n).code(), StatusCode::kDataLoss);
}

}  // namespace
}  // namespace cairn::engine
