// FaultEnv: an Env decorator for crash and fault tests (after leveldb's fault_injection_test).
//
// It tracks, for every file written through it, which bytes are durable (synced) and which
// directory entries are durable (created or renamed and then SyncDir'ed). SimulateCrash() then
// makes the target Env look as if the machine lost power: unsynced bytes are rolled back (or, in
// torn mode, a random prefix of the unsynced tail survives), files whose creation was never made
// durable by SyncDir disappear, and un-synced renames to a fresh name are undone. Handles opened
// before the crash fail afterwards with kFailedPrecondition.
//
// Injected faults: InjectFault() adds a rule that fails chosen operations (optionally only on
// paths containing a substring, after skipping N matching operations, for a number of times) with
// EIO, ENOSPC, a torn write (a prefix of the data lands, then EIO) or a failed fsync. Every
// injected fault reaches the caller as a Status (kIoError or kResourceExhausted).
//
// Limits: deletions are treated as durable at once; a rename over an existing file is kept
// after a crash (both outcomes are legal for POSIX rename).
//
// Thread safety: safe for concurrent use, like any Env.
#ifndef CAIRN_CORE_ENV_FAULT_ENV_H_
#define CAIRN_CORE_ENV_FAULT_ENV_H_

#include <cstdint>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "core/env/env.h"

namespace cairn::core {

enum class FaultOp { kOpen, kRead, kWrite, kSync, kRename, kDelete, kSyncDir, kAny };

enum class FaultKind {
  kIoError,      // the operation fails with EIO and does nothing
  kNoSpace,      // the operation fails with ENOSPC and does nothing
  kTornWrite,    // writes only: a prefix of the data is written, then EIO
  kSyncFailure,  // syncs only: EIO, and the data stays unsynced
};

struct FaultRule {
  FaultOp op = FaultOp::kAny;
  FaultKind kind = FaultKind::kIoError;
  std::string path_contains;  // empty matches every path
  int skip = 0;               // let this many matching operations through first
  int times = 1;              // then fail this many (-1: forever)
};

struct CrashOptions {
  // When true, each file keeps a random prefix of its unsynced appended tail (a torn write);
  // when false, all unsynced bytes are lost.
  bool torn_tail = false;
};

class FaultEnv final : public EnvWrapper {
 public:
  // `target` must outlive this Env. `seed` drives torn-tail lengths.
  explicit FaultEnv(Env* target, uint64_t seed = 1);

  void InjectFault(const FaultRule& rule);
  void ClearFaults();
  // How many faults have fired since construction.
  int faults_fired() const;

  // Rolls the target back to its durable state as described above.
  Status SimulateCrash(const CrashOptions& options = {});

  Result<std::unique_ptr<File>> OpenFile(const std::string& path,
                                         const OpenOptions& options) override;
  Status DeleteFile(const std::string& path) override;
  Status RenameFile(const std::string& from, const std::string& to) override;
  Status SyncDir(const std::string& path) override;

  // Used by FaultEnv's files; not for other callers.
  struct Undo {
    uint64_t offset;
    std::string old_bytes;
  };
  Status CheckFault(FaultOp op, const std::string& path, FaultKind* kind_out);
  uint64_t generation();
  void RecordWrite(const std::string& path, uint64_t offset, std::string old_bytes);
  void RecordSync(const std::string& path, uint64_t size);

 private:
  struct FileState {
    uint64_t synced_size = 0;
    std::vector<Undo> undo;     // unsynced overwrites, oldest first
    bool entry_durable = true;  // false until SyncDir of its directory after creation
    std::string renamed_from;   // set while an unsynced rename to a fresh name is pending
  };

  mutable std::mutex mutex_;
  std::vector<FaultRule> rules_;            // guarded by mutex_
  std::map<std::string, FileState> files_;  // guarded by mutex_
  uint64_t generation_ = 0;                 // guarded by mutex_
  int faults_fired_ = 0;                    // guarded by mutex_
  std::mt19937_64 rng_;                     // guarded by mutex_
};

}  // namespace cairn::core

#endif  // CAIRN_CORE_ENV_FAULT_ENV_H_
