// The event log's records in its segment log (docs/eventlog.md):
//
//   kBatchRecord       one per group commit: stream creations and event chunks, all or nothing
//   kCheckpointRecord  tree checkpoints: (stream, size, root) whose pages are synced
//
// Batch payload: version byte (1), then entries back to back:
//   create  u8 1, u32 stream id, u16 name length, name
//   events  u8 2, u32 stream id, u64 first index, u32 count, count x u32 length, the events
// Checkpoint payload: version byte (1), then n x (u32 stream id, u64 size, 32-byte root).
//
// Thread safety: pure functions.
#ifndef CAIRN_MODELS_EVENTLOG_INTERNAL_LOG_RECORDS_H_
#define CAIRN_MODELS_EVENTLOG_INTERNAL_LOG_RECORDS_H_

#include <cstdint>
#include <functional>
#include <span>
#include <string_view>
#include <vector>

#include "core/bytes.h"
#include "core/status.h"
#include "models/eventlog/tree_page.h"

namespace cairn::eventlog::internal {

inline constexpr uint8_t kBatchRecord = 1;
inline constexpr uint8_t kCheckpointRecord = 2;
inline constexpr uint8_t kRecordVersion = 1;

inline constexpr uint8_t kCreateEntry = 1;
inline constexpr uint8_t kEventsEntry = 2;
inline constexpr size_t kEventsEntryHeaderBytes = 1 + 4 + 8 + 4;
inline constexpr size_t kCreateEntryHeaderBytes = 1 + 4 + 2;

// Builds a batch payload. Sizes are computed first so the buffer is allocated once.
class BatchBuilder {
 public:
  void AddCreate(uint32_t stream_id, std::string_view name);
  // `events` are copied when Build() runs; they must stay valid until then.
  void AddEvents(uint32_t stream_id, uint64_t first, std::vector<ByteSpan> events);
  bool empty() const { return entries_.empty(); }
  // Writes the payload into *out; *offsets gets, for each AddEvents in order, the offset of its
  // entry in the payload.
  void Build(Buffer* out, std::vector<uint32_t>* offsets) const;

 private:
  struct Entry {
    uint8_t type;
    uint32_t stream_id;
    std::string_view name;
    uint64_t first;
    std::vector<ByteSpan> events;
  };
  std::vector<Entry> entries_;
};

// One entry of a batch payload.
struct BatchEntry {
  uint8_t type = 0;
  uint32_t stream_id = 0;
  std::string_view name;  // create
  uint64_t first = 0;     // events
  uint32_t count = 0;     // events
  uint32_t offset = 0;    // of the entry in the payload
};

// Calls fn for each entry of a batch payload in order; stops at fn's first error.
// Errors: kDataLoss for a malformed payload.
Status ParseBatch(ByteSpan payload, const std::function<Status(const BatchEntry&)>& fn);

// Calls fn(index, event) for the events entry at `offset` whose indices are in [begin, end),
// stopping when fn returns false. Errors: kDataLoss (malformed entry, or not an events entry of
// `stream_id`).
Status ForEachEvent(ByteSpan payload, uint32_t offset, uint32_t stream_id, uint64_t begin,
                    uint64_t end, const std::function<bool(uint64_t, ByteSpan)>& fn);

struct CheckpointEntry {
  uint32_t stream_id = 0;
  uint64_t size = 0;
  Hash root{};
};
void EncodeCheckpoints(std::span<const CheckpointEntry> entries, Buffer* out);
// Errors: kDataLoss.
Status DecodeCheckpoints(ByteSpan payload, std::vector<CheckpointEntry>* out);

}  // namespace cairn::eventlog::internal

#endif  // CAIRN_MODELS_EVENTLOG_INTERNAL_LOG_RECORDS_H_
