#include "core/hash.h"

#include <gtest/gtest.h>

namespace cairn::core {
namespace {

TEST(Crc32cTest, KnownAnswers) {
  EXPECT_EQ(Crc32c(AsBytes("")), 0u);
  EXPECT_EQ(Crc32c(AsBytes("123456789")), 0xE3069283u);
  // RFC 3720 (iSCSI) B.4: 32 bytes of zeros and of 0xff.
  std::string zeros(32, '\0');
  EXPECT_EQ(Crc32c(AsBytes(zeros)), 0x8A9136AAu);
  std::string ones(32, '\xff');
  EXPECT_EQ(Crc32c(AsBytes(ones)), 0x62A8AB43u);
}

TEST(Crc32cTest, ExtendEqualsWhole) {
  std::string data;
  for (int i = 0; i < 5000; ++i) data += static_cast<char>(i * 7);
  uint32_t whole = Crc32c(AsBytes(data));
  for (size_t cut : {0, 1, 63, 64, 1000, 4999, 5000}) {
    uint32_t part = Crc32cExtend(Crc32c(AsBytes(data.substr(0, cut))), AsBytes(data.substr(cut)));
    EXPECT_EQ(part, whole) << cut;
  }
}

TEST(Crc32cTest, MaskRoundTrip) {
  for (uint32_t c : {0u, 1u, 0xE3069283u, 0xffffffffu}) {
    EXPECT_NE(MaskCrc(c), c);
    EXPECT_EQ(UnmaskCrc(MaskCrc(c)), c);
  }
}

TEST(XxHashTest, StableAndSeeded) {
  // XXH3_64bits of the empty input with seed 0 (xxHash reference value).
  EXPECT_EQ(XxHash64(AsBytes("")), 0x2D06800538D394C2ull);
  EXPECT_EQ(XxHash64(AsBytes("cairn")), XxHash64(AsBytes("cairn")));
  EXPECT_NE(XxHash64(AsBytes("cairn"), 1), XxHash64(AsBytes("cairn"), 2));
}

}  // namespace
}  // namespace cairn::core
