// SegmentLog: an append-only log of checksummed records spread over segment files
// (`seg-00000001.log`, ...), the engine's one way of putting bytes on disk durably.
//
// Writers call Append() concurrently; the log group-commits them: one leader writes every
// waiting record in a single write and issues one fdatasync for all of them, then wakes the
// others. An Append with sync = true returns only once its record is durable.
//
// Recovery (Open): the newest segment is scanned; a torn or garbage tail (a crash mid-write) is
// cut off at the end of the last valid record, and the cut bytes are first saved beside the
// segment (`seg-N.log.tail-OFFSET`) so that nothing is destroyed without a trace. Records that a
// synced Append acknowledged are never in that tail: fdatasync returned before the ack. If a
// damaged record is followed by valid ones, it is not a tail at all: nothing is cut, the segment
// stays as it is (the damaged record reads as kDataLoss) and appends move to a new segment.
//
// Failure model: a failed write is rolled back (the file is truncated to where it was); a failed
// fdatasync leaves the log "broken" (every later Append fails with the same Status) because the
// kernel may have dropped the dirty pages: the only safe way on is to reopen and recover.
//
// Format: docs/engine.md. Thread safety: all methods are safe to call concurrently.
#ifndef CAIRN_ENGINE_SEGMENT_LOG_H_
#define CAIRN_ENGINE_SEGMENT_LOG_H_

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/bytes.h"
#include "core/env/env.h"
#include "core/result.h"

namespace cairn::engine {

struct SegmentLogOptions {
  core::Env* env = nullptr;               // required; must outlive the log
  std::string dir;                        // created if missing
  uint64_t segment_bytes = 256ull << 20;  // a new segment starts once this is reached
  uint32_t max_record_bytes = 64u << 20;  // larger payloads are refused (kInvalidArgument)
  uint64_t max_batch_bytes = 8ull << 20;  // a leader takes at most this much per write
};

// Where a record lives. `offset` is the record header's position in the segment file.
struct RecordAddress {
  uint32_t segment = 0;
  uint64_t offset = 0;
  uint32_t length = 0;  // payload bytes
  friend bool operator==(const RecordAddress&, const RecordAddress&) = default;
};

struct RecoveryReport {
  uint32_t segments = 0;         // segment files found
  uint64_t records_scanned = 0;  // valid records in the newest segment
  uint64_t truncated_bytes = 0;  // bytes cut off the newest segment's tail
  std::string saved_tail;        // where they were saved (empty if nothing was cut)
  // Set when the newest segment had a damaged record with valid records after it: nothing was
  // cut, the segment was sealed as it is and appends went to a new segment.
  std::optional<uint64_t> corrupt_offset;
};

class SegmentLog {
 public:
  // Layout: header (16 bytes) then payload.
  static constexpr uint32_t kRecordHeaderBytes = 16;
  static constexpr uint32_t kSegmentHeaderBytes = 16;

  // Opens or creates the log in options.dir and recovers the newest segment.
  // Errors: kInvalidArgument (bad options), kDataLoss (a segment header is corrupt), Env errors.
  static Result<std::unique_ptr<SegmentLog>> Open(const SegmentLogOptions& options);
  ~SegmentLog();

  // Appends one record of `type` (any value; callers define their own) and returns its address.
  // With sync, returns only after the record is durable.
  // Errors: kInvalidArgument (payload too large), kResourceExhausted (disk full), kIoError; after
  // a failed sync, the sticky error of a broken log.
  Result<RecordAddress> Append(uint8_t type, ByteSpan payload, bool sync = true);

  // Reads and verifies the record at `address`. Errors: kDataLoss (checksum, type or length
  // mismatch), kNotFound (no such segment), kOutOfRange (past the end).
  Result<Buffer> Read(const RecordAddress& address, uint8_t* type = nullptr);

  // Makes every appended record durable.
  Status Sync();

  // Calls `fn` for each valid record of `segment` in order until it returns false. Stops with
  // kDataLoss at a corrupt record (except in the active segment's unsynced tail, which is
  // never visited).
  using ScanFn = std::function<bool(const RecordAddress&, uint8_t type, ByteSpan payload)>;
  Status Scan(uint32_t segment, const ScanFn& fn);

  // Segment ids, oldest first; the last is the active (appended) one.
  std::vector<uint32_t> Segments();
  uint32_t active_segment();
  // Deletes a sealed segment (never the active one). Errors: kFailedPrecondition, kNotFound.
  Status DeleteSegment(uint32_t segment);
  // Total bytes in all segment files.
  uint64_t total_bytes();
  // Bytes in one segment file (0 if there is no such segment).
  uint64_t segment_size(uint32_t segment);

  const RecoveryReport& recovery() const { return recovery_; }

  static std::string SegmentFileName(uint32_t segment);

 private:
  struct Writer;
  struct Segment;

  explicit SegmentLog(const SegmentLogOptions& options);
  Status Recover();
  Result<bool> ValidRecordAfter(core::File* file, uint64_t pos, uint64_t size);
  Status OpenNewSegmentLocked(uint32_t id);
  Status WriteBatch(std::vector<Writer*>& batch, bool sync);
  Result<std::shared_ptr<core::File>> FileFor(uint32_t segment);

  SegmentLogOptions options_;
  RecoveryReport recovery_;

  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<Writer*> writers_;  // guarded by mutex_; front is the leader
  Status broken_;                // guarded by mutex_; sticky error after a failed sync
  std::map<uint32_t, std::shared_ptr<core::File>> files_;  // guarded by mutex_ (all segments)
  std::map<uint32_t, uint64_t> sizes_;                     // guarded by mutex_
  uint32_t active_ = 0;                                    // guarded by mutex_
  uint64_t active_size_ = 0;  // written by the leader only; read under mutex_
  uint64_t synced_size_ = 0;  // guarded by mutex_
};

// Encodes one record (header + payload) into `out`. Exposed for tests and fuzzing.
void EncodeRecord(uint8_t type, ByteSpan payload, Buffer* out);
// Decodes a record at the start of `data`: on success sets *type, *payload and *record_bytes.
// Errors: kOutOfRange (not enough bytes for a whole record), kDataLoss (bad magic, checksum,
// reserved bits or length over `max_payload`).
Status DecodeRecord(ByteSpan data, uint32_t max_payload, uint8_t* type, ByteSpan* payload,
                    uint64_t* record_bytes);

}  // namespace cairn::engine

#endif  // CAIRN_ENGINE_SEGMENT_LOG_H_
