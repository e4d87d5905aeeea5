#include "core/bytes.h"

#include <gtest/gtest.h>

namespace cairn {
namespace {

TEST(BytesTest, HexRoundTrip) {
  std::string raw("\x00\x01\xab\xff", 4);
  EXPECT_EQ(HexEncode(AsBytes(raw)), "0001abff");
  std::string back;
  ASSERT_TRUE(HexDecode("0001ABff", &back));
  EXPECT_EQ(back, raw);
  EXPECT_FALSE(HexDecode("abc", &back));
  EXPECT_FALSE(HexDecode("zz", &back));
}

TEST(BytesTest, BufferGrowsAndCopies) {
  Buffer b;
  EXPECT_TRUE(b.empty());
  b.Append("hello");
  b.Append(std::string_view(" world"));
  EXPECT_EQ(b.view(), "hello world");
  Buffer copy = b;
  copy[0] = 'H';
  EXPECT_EQ(b.view(), "hello world");
  EXPECT_EQ(copy.view(), "Hello world");
  b.Resize(13);
  EXPECT_EQ(b[12], 0);
  Buffer moved = std::move(b);
  EXPECT_EQ(moved.size(), 13u);
  EXPECT_EQ(b.size(), 0u);  // NOLINT: moved-from state is defined as empty
}

}  // namespace
}  // namespace cairn
