#include "engine/chunk_codec.h"

#include <gtest/gtest.h>

#include <random>

#include "core/blake3.h"
#include "core/testing/random_data.h"

namespace cairn::engine {
namespace {

using ::cairn::testing::RandomData;

std::string TextLike(size_t n) {
  static const char* kWords[] = {"cairn ", "stores ", "chunks ", "of ",
                                 "data, ", "dedup ",  "and ",    "compress\n"};
  std::string s;
  std::mt19937 rng(5);
  while (s.size() < n) s += kWords[rng() % 8];
  s.resize(n);
  return s;
}

MasterKey Key(uint8_t fill) {
  MasterKey k;
  k.bytes.fill(fill);
  return k;
}

struct Sealed {
  Buffer bytes;
  SealInfo info;
  ChunkId id;
};

Sealed SealWith(const ChunkCodec& codec, const std::string& plain) {
  Sealed s;
  s.id = core::Blake3(AsBytes(plain));
  EXPECT_TRUE(codec.Seal(s.id, AsBytes(plain), &s.bytes, &s.info).ok());
  return s;
}

TEST(ChunkCodecTest, RoundTripsAndChoosesCompression) {
  auto codec = ChunkCodec::Create(Key(1), {}).value();
  struct Case {
    std::string data;
    Compression want;
  };
  for (const Case& c :
       {Case{RandomData(65536, 1), Compression::kNone}, Case{TextLike(65536), Compression::kZstd},
        Case{std::string(100000, '\0'), Compression::kZstd}, Case{"", Compression::kNone},
        Case{"tiny", Compression::kNone}}) {
    Sealed s = SealWith(codec, c.data);
    EXPECT_EQ(s.info.compression, c.want) << c.data.size();
    EXPECT_EQ(s.info.plaintext_bytes, c.data.size());
    EXPECT_EQ(s.info.sealed_bytes, s.bytes.size());
    if (c.want == Compression::kNone) {
      EXPECT_EQ(s.bytes.size(), c.data.size() + ChunkCodec::kHeaderBytes + ChunkCodec::kTagBytes);
    } else {
      EXPECT_LT(s.bytes.size(), c.data.size() / 2);
    }
    Buffer out;
    ASSERT_TRUE(codec.Open(s.bytes.span(), &s.id, &out).ok());
    EXPECT_EQ(out.view(), c.data);
    EXPECT_EQ(ChunkCodec::PeekId(s.bytes.span()).value(), s.id);
  }
}

TEST(ChunkCodecTest, PoliciesFastAndNone) {
  std::string text = TextLike(50000);
  auto fast = ChunkCodec::Create(Key(1), CodecOptions{.policy = CompressionPolicy::kFast}).value();
  Sealed s = SealWith(fast, text);
  EXPECT_EQ(s.info.compression, Compression::kLz4);
  Buffer out;
  ASSERT_TRUE(fast.Open(s.bytes.span(), nullptr, &out).ok());
  EXPECT_EQ(out.view(), text);
  auto none = ChunkCodec::Create(Key(1), CodecOptions{.policy = CompressionPolicy::kNone}).value();
  EXPECT_EQ(SealWith(none, text).info.compression, Compression::kNone);
  // Any codec with the same key opens any policy's output.
  ASSERT_TRUE(none.Open(s.bytes.span(), nullptr, &out).ok());
  EXPECT_EQ(out.view(), text);
}

TEST(ChunkCodecTest, EqualChunksSealDifferentlyButOpenTheSame) {
  auto codec = ChunkCodec::Create(Key(1), {}).value();
  std::string text = TextLike(10000);
  Sealed a = SealWith(codec, text), b = SealWith(codec, text);
  EXPECT_EQ(a.id, b.id);
  EXPECT_NE(a.bytes.view(), b.bytes.view());  // fresh nonce each time
  Buffer out;
  ASSERT_TRUE(codec.Open(b.bytes.span(), &a.id, &out).ok());
  EXPECT_EQ(out.view(), text);
}

TEST(ChunkCodecTest, WrongKeyIsAClearErrorNotGarbage) {
  auto mine = ChunkCodec::Create(Key(1), {}).value();
  auto other = ChunkCodec::Create(Key(2), {}).value();
  Sealed s = SealWith(mine, TextLike(4096));
  Buffer out;
  Status st = other.Open(s.bytes.span(), &s.id, &out);
  EXPECT_EQ(st.code(), StatusCode::kDataLoss);
  EXPECT_NE(st.message().find("another master key"), std::string_view::npos);
}

TEST(ChunkCodecTest, EveryFlippedByteIsDetected) {
  auto codec = ChunkCodec::Create(Key(9), {}).value();
  for (const std::string& plain : {TextLike(3000), RandomData(700, 3)}) {
    Sealed s = SealWith(codec, plain);
    for (size_t i = 0; i < s.bytes.size(); ++i) {
      Buffer bad = s.bytes;
      bad[i] ^= 0x20;
      Buffer out;
      EXPECT_EQ(codec.Open(bad.span(), nullptr, &out).code(), StatusCode::kDataLoss) << i;
    }
    Buffer out;
    EXPECT_EQ(codec.Open(s.bytes.span().first(s.bytes.size() - 1), nullptr, &out).code(),
              StatusCode::kDataLoss);
    EXPECT_EQ(codec.Open(s.bytes.span().first(10), nullptr, &out).code(), StatusCode::kDataLoss);
    ChunkId other = s.id;
    other[5] ^= 1;
    EXPECT_EQ(codec.Open(s.bytes.span(), &other, &out).code(), StatusCode::kDataLoss);
  }
}

TEST(ChunkCodecTest, RejectsBadOptions) {
  EXPECT_FALSE(ChunkCodec::Create(Key(1), CodecOptions{.zstd_level = 0}).ok());
  EXPECT_FALSE(ChunkCodec::Create(Key(1), CodecOptions{.zstd_level = 20}).ok());
  EXPECT_FALSE(ChunkCodec::Create(Key(1), CodecOptions{.min_gain = 1.0}).ok());
}

}  // namespace
}  // namespace cairn::engine
