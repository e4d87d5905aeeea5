// Private state of EventLog shared by event_log.cc and event_log_tree.cc.
//
// Thread safety: see each field.
#ifndef CAIRN_MODELS_EVENTLOG_INTERNAL_EVENT_LOG_STATE_H_
#define CAIRN_MODELS_EVENTLOG_INTERNAL_EVENT_LOG_STATE_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <span>
#include <string>
#include <vector>

#include "core/bytes.h"
#include "engine/segment_log.h"
#include "models/eventlog/event_log.h"
#include "models/eventlog/internal/stream_tree.h"

namespace cairn::eventlog {

// Where a run of a stream's events lives: an events entry of a batch record.
struct EventLog::IndexEntry {
  uint64_t first = 0;
  uint32_t count = 0;
  uint32_t offset = 0;  // of the events entry in the record's payload
  engine::RecordAddress address;
};

struct EventLog::Stream {
  std::string name;
  uint32_t id = 0;
  // Set (release) once the stream's creation is durable; before that only appends see it.
  std::atomic<bool> create_logged{false};
  // Touched only by the commit leader (leadership passes under commit_mutex_) and by recovery.
  uint64_t next_index = 0;
  // Published after the fdatasync; readers see only what is durable.
  std::atomic<uint64_t> durable_size{0};
  std::shared_mutex index_mutex;
  std::vector<IndexEntry> index;  // guarded by index_mutex; sorted by first
  // Set before the stream is visible (or before recovery ends); never replaced.
  std::unique_ptr<internal::StreamTree> tree;
  // The tree thread's (and recovery's): the size of the last checkpoint recorded in the log.
  uint64_t checkpointed = 0;
  Hash checkpoint_root{};  // recovery only
};

struct EventLog::Writer {
  Stream* stream = nullptr;
  std::span<const ByteSpan> events;
  uint64_t bytes = 0;  // encoded size, for the group budget
  std::optional<uint64_t> expected_size;
  // Outputs, written by the leader before `done`.
  Status status;
  uint64_t first_index = 0;
  bool done = false;  // guarded by commit_mutex_
};

// Committed events the tree thread still has to hash: the batch record's payload and, per
// stream, where its events entry is.
struct EventLog::TreeWork {
  struct Chunk {
    Stream* stream = nullptr;
    uint64_t first = 0;
    uint32_t count = 0;
    uint32_t offset = 0;
  };
  Buffer payload;
  std::vector<Chunk> chunks;
  uint64_t bytes = 0;
};

}  // namespace cairn::eventlog

#endif  // CAIRN_MODELS_EVENTLOG_INTERNAL_EVENT_LOG_STATE_H_
