// ChunkStore: content-addressed, deduplicated, compressed, encrypted chunk storage — the engine
// every face stores its bytes through.
//
// A chunk's id is BLAKE3 of its plaintext. PutChunk stores a chunk once (a second put of the
// same content finds the id in the index and writes nothing), sealed by ChunkCodec into a record
// of the SegmentLog; its location goes into Metadata (Cf::kChunks). Reference counts
// (Cf::kRefs) are NOT changed by PutChunk: the caller commits them together with its own
// metadata (say, an object manifest) in one atomic, synced batch through Commit(), which first
// makes the chunk records durable. So after a crash, either the whole object is there with all
// its chunks, or it is not there and its new chunks are unreferenced garbage for GC.
//
// Writers (NewWriter) chunk a byte stream with the content-defined Chunker on the caller's thread
// and PutChunk each piece on the store's sealing threads, a bounded window of chunks at a time,
// keeping the object's chunk order. While any Writer is alive, garbage collection waits, so a chunk
// that a writer has just deduplicated against cannot be collected before the writer commits its
// reference.
//
// Garbage collection: a chunk whose reference count is <= 0 is dead; a sealed segment whose live
// bytes fall below the threshold has its live records copied forward (as sealed bytes: no
// decryption), the index repointed (synced), then the segment file deleted. Scrub re-reads and
// re-verifies every indexed chunk.
//
// Thread safety: all methods are safe to call concurrently; a Writer is used by one thread.
#ifndef CAIRN_ENGINE_CHUNK_STORE_H_
#define CAIRN_ENGINE_CHUNK_STORE_H_

#include <cstring>
#include <deque>
#include <future>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/env/env.h"
#include "core/thread_pool.h"
#include "engine/chunk_codec.h"
#include "engine/chunker.h"
#include "engine/metadata.h"
#include "engine/segment_log.h"

namespace cairn::engine {

struct ChunkStoreOptions {
  core::Env* env = nullptr;                   // segment log and key files; must outlive the store
  std::string dir;                            // holds segments/, meta/, keys/
  std::optional<std::string> master_key_hex;  // else keys/master.key (created on first use)
  CodecOptions codec;
  ChunkerOptions chunker;
  uint64_t segment_bytes = 256ull << 20;
  size_t cache_bytes = 128u << 20;  // plaintext chunk cache
  bool sync = true;                 // false only for benchmarks of the non-durable path
  // Threads that seal chunks (BLAKE3, compression, encryption, append) for Writers, so that one
  // large object uses every core. 0: one per hardware thread.
  unsigned seal_threads = 0;
};

struct ChunkRef {
  ChunkId id{};
  uint32_t length = 0;  // plaintext bytes
  friend bool operator==(const ChunkRef&, const ChunkRef&) = default;
};

// Where a chunk's sealed record lives (the value in Cf::kChunks; 24 bytes on disk).
struct ChunkLocation {
  uint32_t segment = 0;
  uint64_t offset = 0;
  uint32_t record_bytes = 0;  // sealed payload length
  uint32_t plain_bytes = 0;
  uint8_t compression = 0;
};

struct ChunkStoreStats {
  uint64_t chunks = 0;         // indexed chunks
  uint64_t plain_bytes = 0;    // their plaintext bytes (each counted once)
  uint64_t sealed_bytes = 0;   // their sealed bytes
  uint64_t segment_bytes = 0;  // bytes in segment files (includes garbage)
};

struct GcStats {
  uint64_t dead_chunks = 0;
  uint64_t moved_chunks = 0;
  uint64_t segments_deleted = 0;
  uint64_t bytes_reclaimed = 0;
};

struct ScrubReport {
  uint64_t chunks_checked = 0;
  std::vector<std::pair<ChunkId, Status>> corrupt;
};

class ChunkStore {
 public:
  class Writer;

  // Errors: kPermissionDenied (wrong master key), kUnavailable (metadata in use), others from
  // the segment log and metadata.
  static Result<std::unique_ptr<ChunkStore>> Open(const ChunkStoreOptions& options);
  ~ChunkStore();

  Metadata* metadata() { return meta_.get(); }

  // Stores `plaintext` unless a chunk with its id is already indexed. The record is not yet
  // durable (see Commit). Errors: as SegmentLog::Append and Metadata::Write.
  Result<ChunkRef> PutChunk(ByteSpan plaintext, bool* was_new = nullptr);

  // Reads and verifies a chunk. Errors: kNotFound (not indexed), kDataLoss (corrupt).
  Result<std::shared_ptr<const Buffer>> GetChunk(const ChunkId& id);

  // Makes chunk records durable, then applies `batch` plus +1 for each of `add` and -1 for each
  // of `remove` atomically and durably.
  Status Commit(MetaBatch* batch, const std::vector<ChunkRef>& add,
                const std::vector<ChunkRef>& remove);

  // A streaming writer that chunks with the store's chunker options. Holds off GC while alive.
  std::unique_ptr<Writer> NewWriter();

  Result<GcStats> CollectGarbage(double live_ratio_threshold = 0.5);
  Result<ScrubReport> Scrub();
  Result<ChunkStoreStats> Stats();

 private:
  explicit ChunkStore(const ChunkStoreOptions& options);
  Result<std::optional<ChunkLocation>> Locate(const ChunkId& id);
  void CachePut(const ChunkId& id, std::shared_ptr<const Buffer> chunk);
  std::shared_ptr<const Buffer> CacheGet(const ChunkId& id);

  ChunkStoreOptions options_;
  std::unique_ptr<SegmentLog> log_;
  std::unique_ptr<Metadata> meta_;
  std::optional<ChunkCodec> codec_;
  struct IdHash {
    size_t operator()(const ChunkId& id) const {
      size_t h;
      std::memcpy(&h, id.data(), sizeof(h));
      return h;
    }
  };
  std::shared_mutex gc_mutex_;  // writers shared, GC exclusive
  std::unique_ptr<core::ThreadPool> sealers_;

  // Locations of chunks whose records are written but not yet known durable. They reach the
  // index only in Commit, after the log sync that makes their records durable, so the index
  // never points at a record a crash could lose.
  std::mutex pending_mutex_;
  std::unordered_map<ChunkId, ChunkLocation, IdHash> pending_;

  std::mutex cache_mutex_;
  std::list<std::pair<ChunkId, std::shared_ptr<const Buffer>>> lru_;  // front = newest
  std::unordered_map<ChunkId, decltype(lru_)::iterator, IdHash> cache_;
  size_t cache_used_ = 0;
};

class ChunkStore::Writer {
 public:
  ~Writer();  // waits for chunks still being sealed
  // Chunks and stores `data`. Errors: as PutChunk.
  Status Append(ByteSpan data);
  // Stores the last partial chunk; returns the object's chunks in order. Call once.
  Result<std::vector<ChunkRef>> Finish();
  uint64_t bytes() const { return bytes_; }
  uint64_t new_chunk_bytes() const { return new_bytes_; }

 private:
  friend class ChunkStore;
  struct Sealed {
    Status status;
    ChunkRef ref;
    bool fresh = false;
  };
  Writer(ChunkStore* store, Chunker chunker);
  // Hands `chunk` to a sealing thread (copying it), first collecting the oldest in-flight result
  // when the window is full.
  Status Store(ByteSpan chunk);
  // Collects the oldest in-flight result.
  Status CollectOne();

  ChunkStore* store_;
  std::shared_lock<std::shared_mutex> gc_guard_;
  std::deque<std::future<Sealed>> inflight_;
  size_t window_;
  Status error_;  // the first failure; sticky
  Chunker chunker_;
  Buffer pending_;
  std::vector<uint64_t> cuts_;
  std::vector<ChunkRef> refs_;
  uint64_t bytes_ = 0;
  uint64_t new_bytes_ = 0;
};

std::string EncodeChunkLocation(const ChunkLocation& loc);
bool DecodeChunkLocation(std::string_view data, ChunkLocation* loc);

}  // namespace cairn::engine

#endif  // CAIRN_ENGINE_CHUNK_STORE_H_
