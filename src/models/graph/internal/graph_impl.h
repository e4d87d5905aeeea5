// Graph::Impl: the state behind the Graph API, shared by graph.cc (open, writes, compaction),
// graph_queries.cc (point reads, export) and graph_algorithms.cc (traversals).
//
// Locks, in acquisition order: compact_mutex -> write_mutex -> data_mutex; sync_mutex alone.
//   - write_mutex serialises writers from key resolution to apply, so WAL order == apply order.
//   - data_mutex: exclusive to change snapshot / layers / labels / counters, shared to read.
//   - compact_mutex: one compaction at a time; only a compaction replaces `snapshot` and
//     `frozen`, so while holding it they may be read without data_mutex.
#ifndef CAIRN_MODELS_GRAPH_INTERNAL_GRAPH_IMPL_H_
#define CAIRN_MODELS_GRAPH_INTERNAL_GRAPH_IMPL_H_

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <thread>

#include "core/env/env.h"
#include "core/thread_pool.h"
#include "engine/segment_log.h"
#include "models/graph/graph.h"
#include "models/graph/internal/codec.h"
#include "models/graph/internal/delta.h"
#include "models/graph/internal/snapshot.h"

namespace cairn::graph {

struct Graph::Impl {
  GraphOptions options;
  std::unique_ptr<core::FileLock> lock;
  std::unique_ptr<engine::SegmentLog> wal;
  std::unique_ptr<core::ThreadPool> pool;  // query_threads - 1 workers (null when 1)
  unsigned query_threads = 1;

  std::mutex write_mutex;
  Status broken;        // guarded by write_mutex: sticky WAL / apply failure
  bool closed = false;  // guarded by write_mutex

  mutable std::shared_mutex data_mutex;
  std::unique_ptr<internal::Snapshot> snapshot;  // guarded by data_mutex (see above)
  std::unique_ptr<internal::DeltaLayer> frozen;  // guarded by data_mutex (see above)
  std::unique_ptr<internal::DeltaLayer> active;  // guarded by data_mutex
  internal::LabelDict labels;                    // guarded by data_mutex
  internal::GraphCounters counters;              // guarded by data_mutex

  std::mutex compact_mutex;
  internal::Manifest manifest;        // guarded by compact_mutex: the one on disk
  engine::RecordAddress frozen_mark;  // guarded by compact_mutex: WAL mark of `frozen`
  internal::LabelDict frozen_labels;  // guarded by compact_mutex
  NodeId frozen_next_id = 0;          // guarded by compact_mutex
  std::atomic<uint64_t> compactions{0};

  // Group commit: a writer's record is durable once durable_seq >= its sequence number.
  std::mutex sync_mutex;
  std::atomic<uint64_t> appended_seq{0};
  uint64_t durable_seq = 0;  // guarded by sync_mutex

  // Background compaction.
  std::mutex bg_mutex;
  std::condition_variable bg_cv;
  bool bg_stop = false;    // guarded by bg_mutex
  bool bg_wanted = false;  // guarded by bg_mutex
  std::thread compactor;

  // The read view of the current state. Caller holds data_mutex (shared or exclusive).
  internal::View MakeView() const {
    std::vector<const internal::DeltaLayer*> layers;
    if (frozen) layers.push_back(frozen.get());
    layers.push_back(active.get());
    return internal::View(snapshot.get(), std::move(layers), &labels);
  }

  Status Recover();
  Status ReplayWal();
  Status CompactNow();
  void BackgroundLoop();
  void MaybeScheduleCompaction(uint64_t active_ops);
  Status SyncTo(uint64_t seq);
  Status ResolveBatch(const internal::View& view, const WriteBatch& batch,
                      std::vector<internal::LogOp>* ops, WriteResult* result);
  static std::string SnapshotName(uint64_t generation);
  std::string SnapshotDir(uint64_t generation) const;
  Status RemoveDir(const std::string& dir);
};

}  // namespace cairn::graph

#endif  // CAIRN_MODELS_GRAPH_INTERNAL_GRAPH_IMPL_H_
