#include "models/eventlog/tree_page.h"

#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <random>
#include <vector>

#include "models/eventlog/proofs.h"

namespace cairn::eventlog {
namespace {

std::unique_ptr<TreePage> RandomPage(uint64_t seed) {
  auto page = std::make_unique<TreePage>();
  std::mt19937_64 rng(seed);
  for (uint32_t i = 0; i < kPageLeaves; ++i) {
    const uint64_t x = rng();
    page->at(0, i) = EventLeafHash(ByteSpan(reinterpret_cast<const uint8_t*>(&x), sizeof(x)));
  }
  ComputeTreePageInterior(page.get());
  return page;
}

TEST(TreePageTest, LayoutIsLevelByLevel) {
  EXPECT_EQ(TreePage::Slot(0, 0), 0u);
  EXPECT_EQ(TreePage::Slot(0, 255), 255u);
  EXPECT_EQ(TreePage::Slot(1, 0), 256u);
  EXPECT_EQ(TreePage::Slot(2, 0), 384u);
  EXPECT_EQ(TreePage::Slot(7, 1), 509u);
  EXPECT_EQ(TreePage::Slot(8, 0), 510u);
  auto page = RandomPage(1);
  EXPECT_EQ(page->root(), page->at(8, 0));
  EXPECT_EQ(page->at(1, 3), NodeHash(page->at(0, 6), page->at(0, 7)));
  EXPECT_EQ(page->root(), NodeHash(page->at(7, 0), page->at(7, 1)));
}

TEST(TreePageTest, RoundTrip) {
  auto page = RandomPage(2);
  const PageId id{7, 2, 123456789012345ull};
  std::vector<uint8_t> buf(kPageBytes);
  EncodeTreePage(id, *page, buf.data());
  EXPECT_EQ(std::memcmp(buf.data(), "CELP", 4), 0);
  TreePage back;
  PageId got;
  ASSERT_TRUE(DecodeTreePage(ByteSpan(buf), &got, &back).ok());
  EXPECT_EQ(got, id);
  EXPECT_EQ(back.hashes, page->hashes);
  EXPECT_TRUE(DecodeTreePageAs(ByteSpan(buf), id, &back).ok());
  EXPECT_TRUE(CheckTreePageHashes(back).ok());
  // Encoding is deterministic.
  std::vector<uint8_t> again(kPageBytes);
  EncodeTreePage(id, back, again.data());
  EXPECT_EQ(again, buf);
}

TEST(TreePageTest, EveryFlippedBitIsDetected) {
  auto page = RandomPage(3);
  const PageId id{1, 0, 42};
  std::vector<uint8_t> buf(kPageBytes);
  EncodeTreePage(id, *page, buf.data());
  TreePage out;
  PageId got;
  // Every byte of the header and a spread of hash bytes.
  std::vector<size_t> positions;
  for (size_t i = 0; i < kPageHeaderBytes; ++i) positions.push_back(i);
  for (size_t i = kPageHeaderBytes; i < kPageBytes; i += 97) positions.push_back(i);
  positions.push_back(kPageBytes - 1);
  for (size_t pos : positions) {
    for (int bit : {0, 7}) {
      std::vector<uint8_t> bad = buf;
      bad[pos] ^= static_cast<uint8_t>(1u << bit);
      Status s = DecodeTreePage(ByteSpan(bad), &got, &out);
      EXPECT_EQ(s.code(), StatusCode::kDataLoss) << "byte " << pos << " bit " << bit;
    }
  }
}

TEST(TreePageTest, RejectsWrongSizeAndWrongIdentity) {
  auto page = RandomPage(4);
  std::vector<uint8_t> buf(kPageBytes);
  EncodeTreePage(PageId{1, 0, 5}, *page, buf.data());
  TreePage out;
  PageId got;
  EXPECT_EQ(DecodeTreePage(ByteSpan(buf).first(kPageBytes - 1), &got, &out).code(),
            StatusCode::kDataLoss);
  EXPECT_EQ(DecodeTreePage(ByteSpan(), &got, &out).code(), StatusCode::kDataLoss);
  EXPECT_EQ(DecodeTreePageAs(ByteSpan(buf), PageId{1, 0, 6}, &out).code(), StatusCode::kDataLoss);
  EXPECT_EQ(DecodeTreePageAs(ByteSpan(buf), PageId{2, 0, 5}, &out).code(), StatusCode::kDataLoss);
  EXPECT_EQ(DecodeTreePageAs(ByteSpan(buf), PageId{1, 1, 5}, &out).code(), StatusCode::kDataLoss);
  std::vector<uint8_t> zeros(kPageBytes, 0);
  EXPECT_EQ(DecodeTreePage(ByteSpan(zeros), &got, &out).code(), StatusCode::kDataLoss);
}

TEST(TreePageTest, CheckHashesFindsAWrongNode) {
  auto page = RandomPage(5);
  ASSERT_TRUE(CheckTreePageHashes(*page).ok());
  page->at(3, 9)[0] ^= 1;
  EXPECT_EQ(CheckTreePageHashes(*page).code(), StatusCode::kDataLoss);
}

}  // namespace
}  // namespace cairn::eventlog
