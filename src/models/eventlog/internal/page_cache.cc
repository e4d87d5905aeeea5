#include "models/eventlog/internal/page_cache.h"

#include <algorithm>

namespace cairn::eventlog::internal {

PageCache::PageCache(size_t capacity_pages) {
  for (size_t i = 0; i < kShards; ++i) {
    // Spread the capacity, rounding up so the total is never below what was asked for.
    shards_[i].capacity = std::max<size_t>(1, (capacity_pages + kShards - 1 - i) / kShards);
  }
}

void PageCache::Insert(const PageId& id, std::unique_ptr<TreePage> page) {
  Shard& s = ShardFor(id);
  std::unique_ptr<TreePage> evicted;  // freed after the lock is dropped
  std::lock_guard<std::mutex> lock(s.mutex);
  auto it = s.map.find(id);
  if (it != s.map.end()) {
    evicted = std::move(it->second->second);
    it->second->second = std::move(page);
    s.lru.splice(s.lru.begin(), s.lru, it->second);
    return;
  }
  s.lru.emplace_front(id, std::move(page));
  s.map.emplace(id, s.lru.begin());
  while (s.lru.size() > s.capacity) {
    s.map.erase(s.lru.back().first);
    s.lru.pop_back();
  }
}

size_t PageCache::size() {
  size_t n = 0;
  for (Shard& s : shards_) {
    std::lock_guard<std::mutex> lock(s.mutex);
    n += s.lru.size();
  }
  return n;
}

}  // namespace cairn::eventlog::internal
