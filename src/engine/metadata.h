// Metadata: the engine's index, kept in RocksDB with one column family per key space. Writes go
// through a MetaBatch that is applied atomically and, by default, synced (RocksDB WAL +
// fdatasync) before Write() returns, so an acknowledged change survives power loss.
//
// Column families (key layouts in docs/engine.md):
//   chunks   chunk id -> location of its sealed record and sizes
//   refs     chunk id -> signed 64-bit reference count, updated by merge (+n / -n), so concurrent
//            writers never read-modify-write it
//   objects  bucket \0 key -> object manifest (owned by the objects model)
//   buckets  bucket -> bucket record
//   uploads  upload id -> multipart state
//   mailbox  Session messages, their hash and expiry indexes (owned by the mailbox model;
//            layout in docs/mailbox.md)
//
// RocksDB does its own file I/O (not through core::Env); crash tests therefore kill real
// processes. RocksDB types never appear in this header.
//
// Thread safety: all methods are safe to call concurrently.
#ifndef CAIRN_ENGINE_METADATA_H_
#define CAIRN_ENGINE_METADATA_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace cairn::engine {

// New families are appended before kCount; opening an older store creates them (empty).
enum class Cf : int {
  kDefault = 0,
  kChunks,
  kRefs,
  kObjects,
  kBuckets,
  kUploads,
  kMailbox,
  kCount
};

// A set of changes applied atomically by Metadata::Write.
class MetaBatch {
 public:
  MetaBatch();
  ~MetaBatch();
  MetaBatch(MetaBatch&&) noexcept;
  MetaBatch& operator=(MetaBatch&&) noexcept;

  void Put(Cf cf, std::string_view key, std::string_view value);
  void Delete(Cf cf, std::string_view key);
  // Adds `delta` to the reference count stored under `key` in Cf::kRefs.
  void AddRef(std::string_view key, int64_t delta);
  size_t count() const;
  void Clear();

 private:
  friend class Metadata;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

struct MetadataOptions {
  std::string dir;          // RocksDB directory (created)
  bool sync_writes = true;  // fdatasync each Write (group-committed by RocksDB)
  size_t block_cache_bytes = 64u << 20;
};

class Metadata {
 public:
  // Errors: kUnavailable (another process has the DB open), kDataLoss (corruption), kIoError.
  static Result<std::unique_ptr<Metadata>> Open(const MetadataOptions& options);
  ~Metadata();

  Result<std::optional<std::string>> Get(Cf cf, std::string_view key);
  // The reference count under `key` (0 when absent).
  Result<int64_t> RefCount(std::string_view key);
  Status Write(const MetaBatch& batch);

  // Calls fn(key, value) for keys in `cf` that start with `prefix` and are > `start_after`
  // (empty: from the first), in key order, until fn returns false.
  using ScanFn = std::function<bool(std::string_view key, std::string_view value)>;
  Status Scan(Cf cf, std::string_view prefix, std::string_view start_after, const ScanFn& fn);

  // Flushes memtables (tests and clean shutdown).
  Status Flush();

 private:
  struct Impl;
  explicit Metadata(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace cairn::engine

#endif  // CAIRN_ENGINE_METADATA_H_
