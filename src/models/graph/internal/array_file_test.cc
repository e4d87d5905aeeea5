#include "models/graph/internal/array_file.h"

#include <gtest/gtest.h>

#include <cctype>
#include <cstring>
#include <filesystem>
#include <random>

#include "models/graph/internal/codec.h"
#include "models/graph/internal/test_util.h"

namespace cairn::graph::internal {
namespace {

class ArrayFileTest : public ::testing::TestWithParam<ReadPath> {
 protected:
  void SetUp() override {
    if (GetParam() == ReadPath::kEnvMemory) {
      mem_ = core::NewMemEnv();
      env_ = mem_.get();
      dir_ = "/a";
      ASSERT_TRUE(env_->CreateDir(dir_).ok());
    } else {
      env_ = core::Env::Default();
      dir_ = graph::testing::ScratchDir("array_file");
    }
  }
  void TearDown() override {
    if (!mem_) std::filesystem::remove_all(dir_);
  }
  Result<std::unique_ptr<ArrayFile>> OpenFile(const std::string& name, uint32_t width,
                                              bool resident) {
    ArrayFile::OpenArgs a;
    a.env = env_;
    a.path = core::JoinPath(dir_, name);
    a.name = name;
    a.width = width;
    a.io = io_.get();
    a.resident = resident;
    return ArrayFile::Open(a);
  }

  std::unique_ptr<core::Env> mem_;
  core::Env* env_ = nullptr;
  std::string dir_;
  std::unique_ptr<IoContext> io_ = std::make_unique<IoContext>(GetParam(), 4);
};

TEST_P(ArrayFileTest, RoundTripAndBatchedReads) {
  std::vector<uint32_t> data(300000);
  std::mt19937 rng(5);
  for (auto& x : data) x = rng();
  {
    auto w = ArrayFileWriter::Create(env_, core::JoinPath(dir_, "x.nbr"), "x.nbr", 4);
    ASSERT_TRUE(w.ok());
    // Odd-sized appends cross the writer's buffer boundary.
    for (size_t i = 0; i < data.size();) {
      size_t n = std::min<size_t>(data.size() - i, 1 + rng() % 70000);
      ASSERT_TRUE((*w)->Append(data.data() + i, n * 4).ok());
      i += n;
    }
    auto size = (*w)->Finish();
    ASSERT_TRUE(size.ok());
    EXPECT_EQ(*size % kBlock, 0u);
  }
  for (bool resident : {false, true}) {
    auto f = OpenFile("x.nbr", 4, resident);
    ASSERT_TRUE(f.ok()) << f.status();
    EXPECT_EQ((*f)->count(), data.size());
    if ((*f)->data()) {
      EXPECT_EQ(std::memcmp((*f)->data(), data.data(), data.size() * 4), 0);
    }
    // Many small, overlapping and adjacent ranges in random order.
    std::vector<std::vector<uint32_t>> out(500);
    std::vector<ReadReq> reqs;
    for (auto& o : out) {
      uint64_t b = rng() % data.size(), n = std::min<uint64_t>(rng() % 3000, data.size() - b);
      o.resize(n);
      reqs.push_back(ReadReq{b * 4, n * 4, o.data()});
    }
    ASSERT_TRUE((*f)->ReadBatch(reqs).ok());
    for (size_t i = 0; i < out.size(); ++i) {
      uint64_t b = reqs[i].off / 4;
      for (size_t j = 0; j < out[i].size(); ++j) ASSERT_EQ(out[i][j], data[b + j]);
    }
    uint32_t x;
    EXPECT_EQ((*f)->Read(data.size() * 4, 4, &x).code(), StatusCode::kOutOfRange);
  }
  EXPECT_EQ(OpenFile("x.nbr", 8, false).status().code(), StatusCode::kDataLoss);  // width
  EXPECT_EQ(OpenFile("x.nbr", 4, false).ok(), true);
}

TEST_P(ArrayFileTest, DetectsCorruption) {
  std::vector<uint64_t> v(1000, 42);
  ASSERT_TRUE(
      WriteArrayFile(env_, core::JoinPath(dir_, "v.off"), "v.off", 8, v.data(), v.size()).ok());
  {
    auto f = env_->OpenFile(core::JoinPath(dir_, "v.off"), {});
    uint8_t b = 7;
    ASSERT_TRUE((*f)->WriteAt(kArrayHeaderBytes + 100, ByteSpan(&b, 1)).ok());
  }
  EXPECT_EQ(OpenFile("v.off", 8, false).status().code(), StatusCode::kDataLoss);
  {
    auto f = env_->OpenFile(core::JoinPath(dir_, "v.off"), {});
    uint8_t b = 7;
    ASSERT_TRUE((*f)->WriteAt(3, ByteSpan(&b, 1)).ok());
  }
  EXPECT_EQ(OpenFile("v.off", 8, false).status().code(), StatusCode::kDataLoss);
}

INSTANTIATE_TEST_SUITE_P(Paths, ArrayFileTest,
                         ::testing::Values(ReadPath::kEnvMemory, ReadPath::kMmap,
                                           ReadPath::kBuffered, ReadPath::kDirectUring),
                         [](const ::testing::TestParamInfo<ReadPath>& i) {
                           std::string n(ReadPathName(i.param));
                           for (char& c : n) {
                             if (!isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return n;
                         });

TEST(GraphCodecTest, LogOpsManifestAndMetaRoundTrip) {
  std::vector<LogOp> ops(3);
  ops[0].kind = LogOp::kPutEdge;
  ops[0].src = 1;
  ops[0].dst = 2;
  ops[0].text = "l";
  ops[0].merge = true;
  ops[0].props = {{"a", int64_t{-5}},
                  {"b", 1.25},
                  {"c", std::string("s")},
                  {"d", false},
                  {"e", std::monostate{}}};
  ops[1].kind = LogOp::kBindKey;
  ops[1].src = 9;
  ops[1].text = "key";
  ops[2].kind = LogOp::kDeleteNode;
  ops[2].src = 3;
  std::string enc;
  EncodeLogOps(ops, &enc);
  std::vector<LogOp> dec;
  ASSERT_TRUE(DecodeLogOps(enc, &dec).ok());
  ASSERT_EQ(dec.size(), 3u);
  EXPECT_EQ(ToString(dec[0].props), ToString(ops[0].props));
  EXPECT_TRUE(dec[0].merge);
  EXPECT_EQ(dec[1].text, "key");
  for (size_t cut = 0; cut < enc.size(); ++cut) {
    EXPECT_FALSE(DecodeLogOps(std::string_view(enc).substr(0, cut), &dec).ok()) << cut;
  }
  Manifest m;
  m.generation = 4;
  m.mark_segment = 2;
  m.mark_offset = 77;
  m.files = {{"out.nbr", 8192}};
  auto md = DecodeManifest(EncodeManifest(m));
  ASSERT_TRUE(md.ok());
  EXPECT_EQ(md->generation, 4u);
  EXPECT_EQ(md->files, m.files);
  std::string bad = EncodeManifest(m);
  bad[10] ^= 1;
  EXPECT_EQ(DecodeManifest(bad).status().code(), StatusCode::kDataLoss);
  PropertyValue v;
  for (const PropertyValue& x : {PropertyValue(true), PropertyValue(int64_t{1} << 40),
                                 PropertyValue(-0.5), PropertyValue(std::string())}) {
    std::string cell;
    EncodeCell(x, &cell);
    ASSERT_TRUE(DecodeCell(cell, &v));
    EXPECT_EQ(v, x);
  }
}

}  // namespace
}  // namespace cairn::graph::internal
