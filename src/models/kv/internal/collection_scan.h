// Cursor scans over the unordered collections (HSCAN, SSCAN, ZSCAN).
//
// The cursor is a position in hash space: a call returns the elements whose StringHash is at or
// past the cursor, in hash order, and the next cursor is the hash of the first element it did not
// return (0 when none is left). So, as Redis guarantees, an element present for the whole
// iteration is returned at least once, whatever is added or removed meanwhile.
//
// Thread safety: pure functions over a collection the caller has locked.
#ifndef CAIRN_MODELS_KV_INTERNAL_COLLECTION_SCAN_H_
#define CAIRN_MODELS_KV_INTERNAL_COLLECTION_SCAN_H_

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <iterator>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "models/kv/kv_store.h"
#include "models/kv/reply.h"

namespace cairn::kv::internal {

// Parses a SCAN cursor; false when it is not an unsigned decimal ("ERR invalid cursor").
inline bool ParseScanCursor(std::string_view s, uint64_t* out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

inline Reply InvalidCursorError() { return Reply::Error("ERR invalid cursor"); }

struct ScanOptions {
  int64_t count = 10;
  bool has_pattern = false;
  std::string_view pattern;
  bool novalues = false;  // HSCAN only
};

// Parses "[MATCH pattern] [COUNT count]" (and NOVALUES when `allow_novalues`) from argv[3...].
// Returns false with *error set on a bad option.
inline bool ParseScanOptions(Args argv, bool allow_novalues, ScanOptions* opts, Reply* error) {
  for (size_t i = 3; i < argv.size(); ++i) {
    bool has_next = i + 1 < argv.size();
    if (EqualsIgnoreCase(argv[i], "count") && has_next) {
      if (!ParseInt64(argv[i + 1], &opts->count)) {
        *error = NotIntegerError();
        return false;
      }
      if (opts->count < 1) {
        *error = SyntaxError();
        return false;
      }
      ++i;
    } else if (EqualsIgnoreCase(argv[i], "match") && has_next) {
      opts->has_pattern = !(argv[i + 1] == "*");
      opts->pattern = argv[i + 1];
      ++i;
    } else if (allow_novalues && EqualsIgnoreCase(argv[i], "novalues")) {
      opts->novalues = true;
    } else {
      *error = SyntaxError();
      return false;
    }
  }
  return true;
}

// The [cursor, [elements...]] reply of a scan with nothing to return.
inline Reply EmptyScanReply() { return Reply::Array({Reply::Bulk("0"), Reply::Array()}); }

// Scans `items` (each exposing its member through `member_of`) from `cursor`, returning up to
// about opts.count of them (all that share the last one's hash) and the next cursor. `emit`
// appends an item's reply elements; items whose member fails MATCH are skipped, as Redis filters
// after counting.
template <typename Range, typename MemberOf, typename Emit>
Reply ScanCollection(const Range& items, uint64_t cursor, const ScanOptions& opts,
                     MemberOf member_of, Emit emit) {
  using Item = decltype(&*std::begin(items));
  std::vector<std::pair<uint64_t, Item>> found;
  for (const auto& item : items) {
    uint64_t h = StringHash()(member_of(item));
    if (h >= cursor) found.emplace_back(h, &item);
  }
  std::sort(found.begin(), found.end(), [&](const auto& a, const auto& b) {
    if (a.first != b.first) return a.first < b.first;
    return member_of(*a.second) < member_of(*b.second);
  });
  size_t n = std::min(found.size(), static_cast<size_t>(opts.count));
  while (n > 0 && n < found.size() && found[n].first == found[n - 1].first) ++n;
  uint64_t next = n < found.size() ? found[n].first : 0;
  std::vector<Reply> out;
  for (size_t i = 0; i < n; ++i) {
    const auto& item = *found[i].second;
    if (opts.has_pattern && !GlobMatch(opts.pattern, member_of(item))) continue;
    emit(item, &out);
  }
  return Reply::Array({Reply::Bulk(std::to_string(next)), Reply::Array(std::move(out))});
}

}  // namespace cairn::kv::internal

#endif  // CAIRN_MODELS_KV_INTERNAL_COLLECTION_SCAN_H_
