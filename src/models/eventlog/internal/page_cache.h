// PageCache: a bounded LRU of decoded tree pages shared by every stream of an event log, so that
// proofs come from memory (a proof touches about one page per tier). Sharded by page id; each
// shard has its own mutex and LRU list.
//
// Pages are handed out by copying what the caller needs while the shard is locked (With()), so a
// hit allocates nothing and no reference count is touched; an eviction can never free a page a
// reader is still looking at.
//
// Thread safety: all methods are safe to call concurrently.
#ifndef CAIRN_MODELS_EVENTLOG_INTERNAL_PAGE_CACHE_H_
#define CAIRN_MODELS_EVENTLOG_INTERNAL_PAGE_CACHE_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <utility>
#include <vector>

#include "models/eventlog/tree_page.h"

namespace cairn::eventlog::internal {

class PageCache {
 public:
  // Holds at most `capacity_pages` pages (at least one per shard).
  explicit PageCache(size_t capacity_pages);
  PageCache(const PageCache&) = delete;
  PageCache& operator=(const PageCache&) = delete;

  // On a hit, calls fn(const TreePage&) with the shard locked, marks the page recently used and
  // returns true. `fn` must be quick and must not call back into the cache.
  template <typename Fn>
  bool With(const PageId& id, Fn&& fn) {
    Shard& s = ShardFor(id);
    std::lock_guard<std::mutex> lock(s.mutex);
    auto it = s.map.find(id);
    if (it == s.map.end()) {
      misses_.fetch_add(1, std::memory_order_relaxed);
      return false;
    }
    s.lru.splice(s.lru.begin(), s.lru, it->second);
    fn(*it->second->second);
    hits_.fetch_add(1, std::memory_order_relaxed);
    return true;
  }

  // Inserts (or replaces) a page, evicting the least recently used ones beyond capacity.
  void Insert(const PageId& id, std::unique_ptr<TreePage> page);

  uint64_t hits() const { return hits_.load(std::memory_order_relaxed); }
  uint64_t misses() const { return misses_.load(std::memory_order_relaxed); }
  size_t size();

 private:
  struct KeyHash {
    size_t operator()(const PageId& id) const {
      uint64_t h = id.index * 0x9E3779B97F4A7C15ull;
      h ^= (uint64_t{id.stream_id} << 8 | id.tier) * 0xC2B2AE3D27D4EB4Full;
      return static_cast<size_t>(h ^ (h >> 29));
    }
  };
  using Entry = std::pair<PageId, std::unique_ptr<TreePage>>;
  struct Shard {
    std::mutex mutex;
    std::list<Entry> lru;  // guarded by mutex; front is the most recently used
    std::unordered_map<PageId, std::list<Entry>::iterator, KeyHash> map;  // guarded by mutex
    size_t capacity = 1;
  };
  static constexpr size_t kShards = 16;

  Shard& ShardFor(const PageId& id) { return shards_[KeyHash()(id) % kShards]; }

  Shard shards_[kShards];
  std::atomic<uint64_t> hits_{0};
  std::atomic<uint64_t> misses_{0};
};

}  // namespace cairn::eventlog::internal

#endif  // CAIRN_MODELS_EVENTLOG_INTERNAL_PAGE_CACHE_H_
