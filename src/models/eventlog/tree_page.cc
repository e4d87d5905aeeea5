#include "models/eventlog/tree_page.h"

#include <cstring>
#include <string>

#include "core/coding.h"
#include "core/hash.h"
#include "models/eventlog/internal/sha256.h"

namespace cairn::eventlog {
namespace {

using core::DecodeFixed16;
using core::DecodeFixed32;
using core::DecodeFixed64;

constexpr uint8_t kMagic[4] = {'C', 'E', 'L', 'P'};  // Cairn Event Log Page
constexpr size_t kCrcOffset = 28;

// CRC32C of the header before the CRC field and everything after it.
uint32_t PageCrc(const uint8_t* page) {
  uint32_t crc = core::Crc32c(ByteSpan(page, kCrcOffset));
  return core::Crc32cExtend(crc, ByteSpan(page + kCrcOffset + 4, kPageBytes - kCrcOffset - 4));
}

}  // namespace

void EncodeTreePage(const PageId& id, const TreePage& page, uint8_t* out) {
  std::memset(out, 0, kPageHeaderBytes);
  std::memcpy(out, kMagic, 4);
  core::EncodeFixed16(out + 4, kPageFormatVersion);
  out[6] = id.tier;
  out[7] = kPageLevels;
  core::EncodeFixed32(out + 8, id.stream_id);
  core::EncodeFixed64(out + 16, id.index);
  std::memcpy(out + kPageHeaderBytes, page.hashes.data(), kPageHashes * sizeof(Hash));
  core::EncodeFixed32(out + kCrcOffset, core::MaskCrc(PageCrc(out)));
}

Status DecodeTreePage(ByteSpan data, PageId* id, TreePage* page) {
  if (data.size() != kPageBytes) {
    return DataLossError("tree page is " + std::to_string(data.size()) + " bytes, not 16384");
  }
  const uint8_t* p = data.data();
  if (std::memcmp(p, kMagic, 4) != 0) return DataLossError("tree page has a bad magic");
  if (DecodeFixed16(p + 4) != kPageFormatVersion) {
    return DataLossError("tree page has unknown format version " +
                         std::to_string(DecodeFixed16(p + 4)));
  }
  if (p[6] >= kMaxTiers || p[7] != kPageLevels || DecodeFixed32(p + 12) != 0 ||
      DecodeFixed32(p + 24) != 0) {
    return DataLossError("tree page has a bad header");
  }
  if (core::UnmaskCrc(DecodeFixed32(p + kCrcOffset)) != PageCrc(p)) {
    return DataLossError("tree page checksum mismatch");
  }
  id->tier = p[6];
  id->stream_id = DecodeFixed32(p + 8);
  id->index = DecodeFixed64(p + 16);
  std::memcpy(page->hashes.data(), p + kPageHeaderBytes, kPageHashes * sizeof(Hash));
  return Status();
}

Status DecodeTreePageAs(ByteSpan data, const PageId& expected, TreePage* page) {
  PageId id;
  CAIRN_RETURN_IF_ERROR(DecodeTreePage(data, &id, page));
  if (!(id == expected)) {
    return DataLossError("tree page names stream " + std::to_string(id.stream_id) + " tier " +
                         std::to_string(id.tier) + " page " + std::to_string(id.index) +
                         ", expected stream " + std::to_string(expected.stream_id) + " tier " +
                         std::to_string(expected.tier) + " page " + std::to_string(expected.index));
  }
  return Status();
}

void ComputeTreePageInterior(TreePage* page) {
  internal::Sha256& sha = internal::Sha256::ThreadLocal();
  for (int level = 1; level <= kPageLevels; ++level) {
    const uint32_t width = kPageLeaves >> level;
    for (uint32_t i = 0; i < width; ++i) {
      page->at(level, i) = sha.Node(page->at(level - 1, 2 * i), page->at(level - 1, 2 * i + 1));
    }
  }
}

Status CheckTreePageHashes(const TreePage& page) {
  internal::Sha256& sha = internal::Sha256::ThreadLocal();
  for (int level = 1; level <= kPageLevels; ++level) {
    const uint32_t width = kPageLeaves >> level;
    for (uint32_t i = 0; i < width; ++i) {
      if (sha.Node(page.at(level - 1, 2 * i), page.at(level - 1, 2 * i + 1)) != page.at(level, i)) {
        return DataLossError("tree page node " + std::to_string(i) + " of level " +
                             std::to_string(level) + " is not the hash of its children");
      }
    }
  }
  return Status();
}

}  // namespace cairn::eventlog
