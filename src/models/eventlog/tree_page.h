// Tree pages: how the event log stores a stream's Merkle tree. A page is 16 KiB and holds every
// node hash of one complete subtree of 256 "page leaves" (8 levels below the page's root, 511
// hashes): a tier-0 page covers 256 events (its page leaves are the event leaf hashes), a tier-t
// page covers 256^(t+1) events (its page leaves are the roots of 256 tier-(t-1) pages). Pages are
// written once, when their subtree is complete, and never change. Format: docs/eventlog.md.
//
// This header is the codec (exposed for tests and the fuzzer) plus the node addressing inside a
// page. Thread safety: pure functions; TreePage is a value.
#ifndef CAIRN_MODELS_EVENTLOG_TREE_PAGE_H_
#define CAIRN_MODELS_EVENTLOG_TREE_PAGE_H_

#include <array>
#include <cstddef>
#include <cstdint>

#include "core/bytes.h"
#include "core/status.h"

namespace cairn::eventlog {

using Hash = std::array<uint8_t, 32>;

inline constexpr size_t kPageBytes = 16384;
inline constexpr int kPageLevels = 8;                       // levels below a page's root
inline constexpr uint32_t kPageLeaves = 1u << kPageLevels;  // 256
inline constexpr size_t kPageHashes = 2 * kPageLeaves - 1;  // 511
inline constexpr size_t kPageHeaderBytes = 32;
inline constexpr uint16_t kPageFormatVersion = 1;
// Tier t covers tree levels [8t, 8t + 8]; eight tiers reach 2^64 leaves.
inline constexpr int kMaxTiers = 8;
static_assert(kPageHeaderBytes + kPageHashes * 32 == kPageBytes);

// Where a page belongs: its stream, its tier and its index within the tier (page i of tier t
// covers events [i * 256^(t+1), (i + 1) * 256^(t+1))).
struct PageId {
  uint32_t stream_id = 0;
  uint8_t tier = 0;
  uint64_t index = 0;
  friend bool operator==(const PageId&, const PageId&) = default;
};

// The 511 hashes of a page, level by level: level 0 (the 256 page leaves) first, then level 1
// (128 hashes), ..., level 8 (the page's root).
struct TreePage {
  std::array<Hash, kPageHashes> hashes;

  // Index into `hashes` of node `pos` of in-page level `level` (0..8).
  static constexpr size_t Slot(int level, uint32_t pos) {
    return (2 * kPageLeaves - (2 * kPageLeaves >> level)) + pos;
  }
  Hash& at(int level, uint32_t pos) { return hashes[Slot(level, pos)]; }
  const Hash& at(int level, uint32_t pos) const { return hashes[Slot(level, pos)]; }
  const Hash& root() const { return hashes[kPageHashes - 1]; }
};

// Writes `page` with its header for `id` into `out` (kPageBytes).
void EncodeTreePage(const PageId& id, const TreePage& page, uint8_t* out);

// Decodes a page: checks size, magic, version, levels, reserved bytes and checksum, and returns
// the PageId its header names in *id. Errors: kDataLoss for any mismatch.
Status DecodeTreePage(ByteSpan data, PageId* id, TreePage* page);

// DecodeTreePage, and the header must name `expected`. Errors: kDataLoss.
Status DecodeTreePageAs(ByteSpan data, const PageId& expected, TreePage* page);

// Recomputes every interior node of `page` from its 256 page leaves.
void ComputeTreePageInterior(TreePage* page);
// Checks that every interior node is the hash of its two children. Errors: kDataLoss naming the
// first wrong node.
Status CheckTreePageHashes(const TreePage& page);

}  // namespace cairn::eventlog

#endif  // CAIRN_MODELS_EVENTLOG_TREE_PAGE_H_
