// Env: the operating-system interface that every layer above core uses for files, directories,
// locks, time and randomness. It is injected through Options or constructors and never reached
// through a global (Env::Default() is called only in main()), so tests can substitute MemEnv
// (fast, in memory) or FaultEnv (crashes, EIO, ENOSPC, torn writes, failed fsync).
//
// Durability contract (what PosixEnv provides and FaultEnv enforces in tests):
//   - bytes written to a File are durable only after File::Sync() / SyncAll() returns OK;
//   - a newly created, renamed or deleted directory entry is durable only after SyncDir() of the
//     directory holding it returns OK.
//
// Thread safety: Env implementations are safe for concurrent use. A File may be used by several
// threads only for ReadAt/WriteAt at disjoint ranges; Append, Truncate and Close need external
// serialisation.
#ifndef CAIRN_CORE_ENV_ENV_H_
#define CAIRN_CORE_ENV_ENV_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/bytes.h"
#include "core/result.h"
#include "core/status.h"

namespace cairn::core {

struct OpenOptions {
  bool create = false;     // create the file when missing
  bool exclusive = false;  // with create: fail with kAlreadyExists when the file exists
  bool truncate = false;   // cut an existing file to zero length
  bool read_only = false;  // writes fail with kPermissionDenied
  uint32_t mode = 0644;    // permission bits of a newly created file (PosixEnv)
};

// An open file. Destruction closes it (errors ignored there: call Close() to see them).
class File {
 public:
  virtual ~File() = default;
  // Reads up to out.size() bytes at `offset`; returns the count, which is short only at end of
  // file (0 at or past the end). Errors: kIoError.
  virtual Result<size_t> ReadAt(uint64_t offset, MutableByteSpan out) = 0;
  // Writes all of `data` at `offset`, extending the file if needed. Errors: kIoError,
  // kResourceExhausted (ENOSPC), kPermissionDenied (read-only).
  virtual Status WriteAt(uint64_t offset, ByteSpan data) = 0;
  // Writes all of `data` at the current end of file. Same errors as WriteAt.
  virtual Status Append(ByteSpan data) = 0;
  virtual Result<uint64_t> Size() = 0;
  virtual Status Truncate(uint64_t size) = 0;
  // fdatasync: the file's data and size are durable on OK.
  virtual Status Sync() = 0;
  // fsync: data and all metadata are durable on OK.
  virtual Status SyncAll() = 0;
  // Idempotent. Further operations fail with kFailedPrecondition.
  virtual Status Close() = 0;
  virtual const std::string& path() const = 0;
};

// An exclusive advisory lock on a file; released when destroyed.
class FileLock {
 public:
  virtual ~FileLock() = default;
};

class Env {
 public:
  virtual ~Env() = default;

  // The process-wide POSIX environment. Call only from main(); pass it down explicitly.
  static Env* Default();

  // Errors: kNotFound (missing and !create), kAlreadyExists (exclusive), kPermissionDenied,
  // kIoError.
  virtual Result<std::unique_ptr<File>> OpenFile(const std::string& path,
                                                 const OpenOptions& options) = 0;
  virtual bool FileExists(const std::string& path) = 0;
  virtual Result<uint64_t> GetFileSize(const std::string& path) = 0;
  // Errors: kNotFound.
  virtual Status DeleteFile(const std::string& path) = 0;
  // Atomically replaces `to` with `from`. Errors: kNotFound.
  virtual Status RenameFile(const std::string& from, const std::string& to) = 0;
  // OK when the directory already exists. The parent must exist (see CreateDirs()).
  virtual Status CreateDir(const std::string& path) = 0;
  // Removes an empty directory.
  virtual Status DeleteDir(const std::string& path) = 0;
  // Entry names (files and directories) in `path`, without "." and "..", sorted.
  virtual Result<std::vector<std::string>> ListDir(const std::string& path) = 0;
  // Makes the directory's entries (creations, renames, deletions) durable.
  virtual Status SyncDir(const std::string& path) = 0;
  // Takes an exclusive lock on `path` (created if missing). Errors: kUnavailable when another
  // holder (this or another process) has it.
  virtual Result<std::unique_ptr<FileLock>> LockFile(const std::string& path) = 0;

  // Monotonic clock, for durations.
  virtual uint64_t NowMicros() = 0;
  // Wall clock, microseconds since the Unix epoch.
  virtual uint64_t UnixMicros() = 0;
  virtual void SleepForMicros(uint64_t micros) = 0;
  // Cryptographically strong random bytes.
  virtual void RandomBytes(MutableByteSpan out) = 0;
};

// Forwards every call to a target Env; decorators override what they change.
class EnvWrapper : public Env {
 public:
  explicit EnvWrapper(Env* target) : target_(target) {}
  Env* target() const { return target_; }

  Result<std::unique_ptr<File>> OpenFile(const std::string& path,
                                         const OpenOptions& options) override {
    return target_->OpenFile(path, options);
  }
  bool FileExists(const std::string& path) override { return target_->FileExists(path); }
  Result<uint64_t> GetFileSize(const std::string& path) override {
    return target_->GetFileSize(path);
  }
  Status DeleteFile(const std::string& path) override { return target_->DeleteFile(path); }
  Status RenameFile(const std::string& from, const std::string& to) override {
    return target_->RenameFile(from, to);
  }
  Status CreateDir(const std::string& path) override { return target_->CreateDir(path); }
  Status DeleteDir(const std::string& path) override { return target_->DeleteDir(path); }
  Result<std::vector<std::string>> ListDir(const std::string& path) override {
    return target_->ListDir(path);
  }
  Status SyncDir(const std::string& path) override { return target_->SyncDir(path); }
  Result<std::unique_ptr<FileLock>> LockFile(const std::string& path) override {
    return target_->LockFile(path);
  }
  uint64_t NowMicros() override { return target_->NowMicros(); }
  uint64_t UnixMicros() override { return target_->UnixMicros(); }
  void SleepForMicros(uint64_t micros) override { target_->SleepForMicros(micros); }
  void RandomBytes(MutableByteSpan out) override { target_->RandomBytes(out); }

 private:
  Env* target_;
};

// A new in-memory Env: no disk, every file vanishes with the Env. Syncs always succeed.
std::unique_ptr<Env> NewMemEnv();

// Path helpers (plain '/'-separated strings).
std::string JoinPath(const std::string& dir, const std::string& name);
// "a/b/c" -> "a/b"; "c" -> "."; "/c" -> "/".
std::string DirName(const std::string& path);

// Creates `path` and any missing parents.
Status CreateDirs(Env* env, const std::string& path);
// Reads a whole file. Errors: as OpenFile / ReadAt.
Result<std::string> ReadFileToString(Env* env, const std::string& path);
// Replaces `path` with `data` so that a crash leaves either the old or the new content: writes a
// temporary sibling, syncs it, renames it over `path`, syncs the directory.
// `mode` sets the new file's permission bits (0600 for secrets).
Status WriteFileAtomically(Env* env, const std::string& path, ByteSpan data, uint32_t mode = 0644);

}  // namespace cairn::core

#endif  // CAIRN_CORE_ENV_ENV_H_
