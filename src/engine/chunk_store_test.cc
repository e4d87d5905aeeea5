#include "engine/chunk_store.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <random>

#include "core/blake3.h"
#include "core/env/fault_env.h"
#include "core/testing/random_data.h"
#include "engine/keys.h"

namespace cairn::engine {
namespace {

using ::cairn::testing::RandomData;

class ChunkStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/cairn_chunkstore_test_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  ChunkStoreOptions Options() {
    ChunkStoreOptions o;
    o.env = env_;
    o.dir = dir_ + "/engine";
    o.segment_bytes = 1 << 20;
    return o;
  }
  void Open(ChunkStoreOptions o) {
    store_.reset();
    auto s = ChunkStore::Open(o);
    ASSERT_TRUE(s.ok()) << s.status();
    store_ = std::move(s).value();
  }
  // Writes `data` as one object: chunks + a manifest-like record + references, committed.
  std::vector<ChunkRef> PutObject(const std::string& name, const std::string& data,
                                  size_t piece = 100000) {
    auto w = store_->NewWriter();
    for (size_t off = 0; off < data.size(); off += piece) {
      EXPECT_TRUE(w->Append(AsBytes(std::string_view(data).substr(off, piece))).ok());
    }
    auto refs = w->Finish().value();
    w.reset();
    MetaBatch batch;
    batch.Put(Cf::kObjects, name, std::to_string(refs.size()));
    EXPECT_TRUE(store_->Commit(&batch, refs, {}).ok());
    return refs;
  }
  std::string ReadBack(const std::vector<ChunkRef>& refs) {
    std::string out;
    for (const ChunkRef& r : refs) {
      auto c = store_->GetChunk(r.id);
      if (!c.ok()) return "<" + c.status().ToString() + ">";
      out += (*c)->view();
    }
    return out;
  }
  void DeleteObject(const std::string& name, const std::vector<ChunkRef>& refs) {
    MetaBatch batch;
    batch.Delete(Cf::kObjects, name);
    ASSERT_TRUE(store_->Commit(&batch, {}, refs).ok());
  }

  core::Env* env_ = core::Env::Default();
  std::string dir_;
  std::unique_ptr<ChunkStore> store_;
};

TEST_F(ChunkStoreTest, PutReadReopen) {
  Open(Options());
  std::string data = RandomData(3 << 20, 1);
  auto refs = PutObject("a", data);
  EXPECT_GT(refs.size(), 10u);
  for (const ChunkRef& r : refs) {
    EXPECT_GE(r.length, 16u << 10);
    EXPECT_LE(r.length, 256u << 10);
  }
  EXPECT_EQ(ReadBack(refs), data);
  Open(Options());
  EXPECT_EQ(ReadBack(refs), data);
  EXPECT_EQ(store_->metadata()
                ->RefCount(std::string_view(reinterpret_cast<const char*>(refs[0].id.data()), 32))
                .value(),
            1);
}

TEST_F(ChunkStoreTest, DedupSameDataAndShiftedData) {
  Open(Options());
  std::string data = RandomData(100 << 20, 2);
  PutObject("one", data);
  uint64_t before = store_->Stats()->sealed_bytes;
  auto again = store_->NewWriter();
  ASSERT_TRUE(again->Append(AsBytes(data)).ok());
  ASSERT_TRUE(again->Finish().ok());
  EXPECT_EQ(again->new_chunk_bytes(), 0u);  // identical content: nothing new
  again.reset();
  // A few bytes inserted near the start: only the chunks around the edit are new.
  std::string edited = data.substr(0, 1000) + "INSERTED" + data.substr(1000);
  auto w = store_->NewWriter();
  ASSERT_TRUE(w->Append(AsBytes(edited)).ok());
  auto refs = w->Finish().value();
  EXPECT_LT(w->new_chunk_bytes(), 600u << 10) << "an insert should touch one or two chunks";
  w.reset();
  MetaBatch b;
  ASSERT_TRUE(store_->Commit(&b, refs, {}).ok());
  EXPECT_EQ(ReadBack(refs), edited);
  EXPECT_LT(store_->Stats()->sealed_bytes - before, 600u << 10);
}

TEST_F(ChunkStoreTest, CompressionShrinksTextLikeData) {
  Open(Options());
  std::string text;
  while (text.size() < (2 << 20))
    text +=
        "the quick brown fox jumps over the lazy cairn " + std::to_string(text.size() % 977) + "\n";
  auto refs = PutObject("t", text);
  auto stats = store_->Stats().value();
  EXPECT_LT(stats.sealed_bytes * 3, stats.plain_bytes);
  EXPECT_EQ(ReadBack(refs), text);
}

TEST_F(ChunkStoreTest, WrongMasterKeyIsRefusedAtOpen) {
  Open(Options());
  PutObject("a", RandomData(100000, 3));
  store_.reset();
  ChunkStoreOptions o = Options();
  o.master_key_hex = std::string(64, 'a');
  auto s = ChunkStore::Open(o);
  EXPECT_EQ(s.status().code(), StatusCode::kPermissionDenied) << s.status();
  EXPECT_NE(s.status().message().find("does not match"), std::string_view::npos);
}

TEST_F(ChunkStoreTest, MasterKeyFileIsPrivate) {
  Open(Options());
  auto perms = std::filesystem::status(dir_ + "/engine/keys/master.key").permissions();
  EXPECT_EQ(perms & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
}

TEST_F(ChunkStoreTest, GcReclaimsDeletedObjectsAndKeepsLiveOnes) {
  Open(Options());
  std::vector<std::vector<ChunkRef>> objects;
  std::vector<std::string> datas;
  for (int i = 0; i < 6; ++i) {
    datas.push_back(RandomData(700 << 10, 10 + i));
    objects.push_back(PutObject("o" + std::to_string(i), datas.back()));
  }
  uint64_t before = store_->Stats()->segment_bytes;
  for (int i = 0; i < 6; i += 2) DeleteObject("o" + std::to_string(i), objects[i]);
  auto gc = store_->CollectGarbage(0.9).value();
  EXPECT_GT(gc.dead_chunks, 0u);
  EXPECT_GT(gc.segments_deleted, 0u);
  EXPECT_LT(store_->Stats()->segment_bytes, before);
  for (int i = 1; i < 6; i += 2) EXPECT_EQ(ReadBack(objects[i]), datas[i]);
  Open(Options());
  for (int i = 1; i < 6; i += 2) EXPECT_EQ(ReadBack(objects[i]), datas[i]);
  EXPECT_EQ(store_->GetChunk(objects[0][0].id).status().code(), StatusCode::kNotFound);
}

TEST_F(ChunkStoreTest, ScrubFindsCorruption) {
  Open(Options());
  auto refs = PutObject("a", RandomData(1 << 20, 4));
  auto clean = store_->Scrub().value();
  EXPECT_EQ(clean.chunks_checked, refs.size());
  EXPECT_TRUE(clean.corrupt.empty());
  store_.reset();
  // Flip one byte in the middle of the first segment's records.
  std::string seg = dir_ + "/engine/segments/" + SegmentLog::SegmentFileName(1);
  {
    auto f = env_->OpenFile(seg, {}).value();
    uint8_t b;
    ASSERT_EQ(f->ReadAt(5000, MutableByteSpan(&b, 1)).value(), 1u);
    b ^= 0xff;
    ASSERT_TRUE(f->WriteAt(5000, ByteSpan(&b, 1)).ok());
  }
  Open(Options());
  auto report = store_->Scrub().value();
  ASSERT_EQ(report.corrupt.size(), 1u);
  EXPECT_EQ(report.corrupt[0].second.code(), StatusCode::kDataLoss);
}

TEST_F(ChunkStoreTest, FailedWriteIsAClearErrorAndEarlierDataSurvives) {
  core::FaultEnv fault(env_, 3);
  env_ = &fault;
  Open(Options());
  std::string first = RandomData(500 << 10, 5);
  auto refs = PutObject("first", first);
  fault.InjectFault(core::FaultRule{.op = core::FaultOp::kWrite,
                                    .kind = core::FaultKind::kNoSpace,
                                    .path_contains = "segments",
                                    .times = -1});
  auto w = store_->NewWriter();
  Status s = w->Append(AsBytes(RandomData(1 << 20, 6)));
  if (s.ok()) s = w->Finish().status();
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted) << s;
  w.reset();
  fault.ClearFaults();
  EXPECT_EQ(ReadBack(refs), first);
  Open(Options());
  EXPECT_EQ(ReadBack(refs), first);
  env_ = core::Env::Default();
  store_.reset();
}

TEST_F(ChunkStoreTest, FailedSyncFailsThePutAndEarlierDataSurvives) {
  core::FaultEnv fault(env_, 4);
  env_ = &fault;
  Open(Options());
  std::string first = RandomData(400 << 10, 7);
  auto refs = PutObject("first", first);
  fault.InjectFault(core::FaultRule{.op = core::FaultOp::kSync,
                                    .kind = core::FaultKind::kSyncFailure,
                                    .path_contains = "segments"});
  auto w = store_->NewWriter();
  ASSERT_TRUE(w->Append(AsBytes(RandomData(300 << 10, 8))).ok());
  auto more = w->Finish().value();
  w.reset();
  MetaBatch batch;
  batch.Put(Cf::kObjects, "second", "x");
  Status s = store_->Commit(&batch, more, {});
  EXPECT_EQ(s.code(), StatusCode::kIoError) << s;
  EXPECT_FALSE(store_->metadata()->Get(Cf::kObjects, "second").value().has_value());
  EXPECT_EQ(ReadBack(refs), first);
  Open(Options());  // reopening recovers the log
  EXPECT_EQ(ReadBack(refs), first);
  EXPECT_FALSE(store_->metadata()->Get(Cf::kObjects, "second").value().has_value());
  env_ = core::Env::Default();
  store_.reset();
}

TEST(KeysTest, ConfiguredKeyMustBeHex) {
  auto env = core::NewMemEnv();
  EXPECT_EQ(LoadOrCreateMasterKey(env.get(), "/k", std::string("xyz")).status().code(),
            StatusCode::kInvalidArgument);
  auto a = LoadOrCreateMasterKey(env.get(), "/k", std::nullopt).value();
  auto b = LoadOrCreateMasterKey(env.get(), "/k", std::nullopt).value();
  EXPECT_EQ(a.bytes, b.bytes);
  EXPECT_TRUE(LoadOrCreateMasterKey(env.get(), "/k", HexEncode(ByteSpan(a.bytes))).ok());
}

TEST(ChunkLocationTest, RoundTrip) {
  ChunkLocation loc{7, 123456789012ull, 65600, 65536, 2};
  ChunkLocation back;
  ASSERT_TRUE(DecodeChunkLocation(EncodeChunkLocation(loc), &back));
  EXPECT_EQ(back.segment, 7u);
  EXPECT_EQ(back.offset, 123456789012ull);
  EXPECT_EQ(back.record_bytes, 65600u);
  EXPECT_EQ(back.plain_bytes, 65536u);
  EXPECT_EQ(back.compression, 2);
  EXPECT_FALSE(DecodeChunkLocation("short", &back));
}

}  // namespace
}  // namespace cairn::engine

namespace cairn::engine {
namespace {

// Any data split into any pieces reads back exactly (text-like and random, sizes around the
// chunker's min/avg/max).
TEST_F(ChunkStoreTest, WriterRoundTripsAnySplit) {
  Open(Options());
  std::mt19937_64 rng(77);
  for (int round = 0; round < 40; ++round) {
    size_t size = rng() % 3 == 0 ? rng() % 5000 : rng() % (1536 << 10);
    std::string data = RandomData(size, rng());
    if (round % 2 == 0) {
      for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>('a' + (data[i] & 7));
    }
    auto w = store_->NewWriter();
    size_t off = 0;
    while (off < data.size()) {
      size_t n = std::min<size_t>(data.size() - off, 1 + rng() % (300 << 10));
      ASSERT_TRUE(w->Append(AsBytes(std::string_view(data).substr(off, n))).ok());
      off += n;
    }
    auto refs = w->Finish().value();
    w.reset();
    uint64_t total = 0;
    for (const ChunkRef& r : refs) total += r.length;
    ASSERT_EQ(total, data.size()) << round;
    MetaBatch b;
    ASSERT_TRUE(store_->Commit(&b, refs, {}).ok());
    ASSERT_EQ(ReadBack(refs), data) << "round " << round << " size " << size;
  }
}

}  // namespace
}  // namespace cairn::engine
