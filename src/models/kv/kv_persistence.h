// KvPersistence: durability for the KV store — a write-ahead log on the engine's SegmentLog plus
// point-in-time snapshots; recovery = the latest snapshot + the log after it.
//
// The log records effects for most commands: after each write command, the new state of every
// key the command names (PUT with the whole value and its absolute expiry, or DEL), or a FLUSHDB,
// so replay never depends on the clock or on randomness (relative TTLs, SPOP). Single-key
// collection commands (LPUSH, HSET, ZADD, ...) on keys without an expiry are logged as the
// command itself, whose replay is deterministic, so a push onto a long list logs a few bytes.
// A snapshot is exactly the state at the mark it appends to the log: with `fork_snapshot` a
// forked child writes it from its copy-on-write view while commands go on (they pause only for
// the fork, as in Redis); otherwise commands pause while the keyspace is copied into memory.
// Recovery loads it and replays each record after the mark once.
//
// Records are queued in memory in the order commands apply them and written to the log as one
// BATCH record by Commit() (one write, and for kAlways one fdatasync, for every command queued
// since the last commit: group commit). Without `defer_commit` every write command commits
// before it returns. With it, the caller must call Commit() before it acknowledges any write
// (the RESP face does so once per batch of pipelined commands, before sending their replies, as
// Redis writes its AOF buffer before replying); a background thread also commits once a second.
// A MULTI/EXEC transaction's records always land in one BATCH record, so recovery keeps all of
// it or none.
//
// fsync policies: kAlways (a committed record is fdatasync'ed, so an acknowledged write is
// durable), kEverySec (a background thread syncs once a second: a crash of the machine loses at
// most about a second; a crash of the process loses nothing committed), kNo (the OS decides).
// Close() commits and syncs, so a clean shutdown loses nothing under every policy.
//
// On-disk layout under `dir`: wal/ (segment files, docs/kv.md) and snapshot (CRC-framed records,
// replaced atomically). Costs to know: without `fork_snapshot` commands pause for the copy
// (about a second per million small keys); multi-key and string writes log whole values.
//
// Thread safety: the write observer runs on command threads (under the command's shard locks);
// Save() may run concurrently with commands; Open/Close from one thread.
#ifndef CAIRN_MODELS_KV_KV_PERSISTENCE_H_
#define CAIRN_MODELS_KV_KV_PERSISTENCE_H_

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "core/adaptive_mutex.h"
#include "core/env/env.h"
#include "engine/segment_log.h"
#include "models/kv/kv_store.h"

namespace cairn::kv {

enum class FsyncPolicy { kAlways, kEverySec, kNo };

struct KvPersistenceOptions {
  core::Env* env = nullptr;
  std::string dir;  // e.g. DATA_DIR/kv
  FsyncPolicy fsync = FsyncPolicy::kEverySec;
  // A snapshot is taken (and the log before it dropped) when the log grows past this many bytes
  // since the last one; 0: never automatically.
  uint64_t rewrite_bytes = 256ull << 20;
  uint64_t segment_bytes = 64ull << 20;
  // Queue records until Commit() instead of committing inside each write command (see above).
  bool defer_commit = false;
  // Snapshots are written by a forked child from its copy-on-write view, so commands pause only
  // for the fork. Only for a process that may fork (cairnd; never a library's host process) and
  // a POSIX env (the child writes with plain syscalls).
  bool fork_snapshot = false;
  // Log writes (Redis's appendonly). Without: only snapshots (SAVE, BGSAVE) persist, as Redis
  // with appendonly no; a restart loses every write since the last one.
  bool log_writes = true;
};

class KvPersistence {
 public:
  // Loads the snapshot and replays the log into `store` (which must be empty), then installs the
  // write observer. Errors: from the log and the files; kDataLoss for a corrupt snapshot.
  static Result<std::unique_ptr<KvPersistence>> Open(const KvPersistenceOptions& options,
                                                     KvStore* store);
  ~KvPersistence();  // Close()

  // Takes a snapshot now (SAVE; BGSAVE runs it on another thread). Commands pause while the
  // keyspace is copied, not while the file is written.
  Status Save();
  // Writes every record queued so far (by any thread) to the log, and for kAlways syncs it.
  // Returns OK at once when they are already written. Errors: the log's, sticky (broken()).
  Status Commit();
  // Syncs the log and stops the background thread. Idempotent.
  Status Close();

  uint64_t last_save_unix() const { return last_save_unix_.load(); }
  uint64_t recovered_keys() const { return recovered_keys_; }
  // The first error the log reported (a write the observer could not log), if any: after it,
  // further writes are refused by the face.
  Status broken();

 private:
  KvPersistence(const KvPersistenceOptions& options, KvStore* store);
  Status Load();
  void OnWrite(CommandContext& ctx, const CommandSpec& spec, Args argv);
  void OnTransaction(bool begin);
  // Appends one sub-record to `out` (type u8, payload length u32, payload from `fill`).
  template <typename Fill>
  static void AppendRecord(std::string* out, uint8_t type, Fill fill);
  // Moves `records` (whole sub-records) to the queue; commits unless deferred or in a batch.
  void Enqueue(std::string_view records);
  Status CommitLocked(bool sync);  // flush_mutex_ held
  Status ApplyRecord(uint8_t type, std::string_view payload);
  void SetBroken(const Status& s);
  void SyncLoop();

  KvPersistenceOptions options_;
  KvStore* store_;
  std::unique_ptr<engine::SegmentLog> wal_;
  std::mutex save_mutex_;
  std::atomic<uint64_t> bytes_since_save_{0};
  std::atomic<uint64_t> last_save_unix_{0};
  std::atomic<bool> saving_{false};
  uint64_t recovered_keys_ = 0;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool stop_ = false;
  Status broken_;                       // guarded by mutex_
  std::atomic<bool> is_broken_{false};  // broken_ is set
  // The queue: sub-records not yet written, and a sequence number per queued record.
  core::AdaptiveMutex pending_mutex_;  // held for a copy of a few records
  std::string pending_;                // guarded by pending_mutex_
  uint64_t queued_seq_ = 0;            // guarded by pending_mutex_
  std::atomic<uint64_t> last_queued_{0};
  std::atomic<uint64_t> last_committed_{0};
  std::mutex flush_mutex_;  // one committer at a time, so batches reach the log in queue order
  std::string writing_;     // guarded by flush_mutex_: the batch being written
  std::thread sync_thread_;
  std::thread save_thread_;
};

// Value encoding shared by the log and snapshots (docs/kv.md).
std::string EncodeValue(const Value& v);
bool DecodeValue(std::string_view data, Value* v);

}  // namespace cairn::kv

#endif  // CAIRN_MODELS_KV_KV_PERSISTENCE_H_
