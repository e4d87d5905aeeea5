// EventLog: named, append-only, verifiable event streams. Each stream is a transparency log: its
// events are the leaves of an RFC 9162 Merkle tree (SHA-256, leaf = H(0x00 || event), node =
// H(0x01 || left || right)), so any RFC 6962/9162 verifier can check its inclusion and consistency
// proofs, and its tree heads are signed by the node's Ed25519 key as C2SP checkpoints
// (signed_note.h). Pure C++: the HTTP API, CLI and peer sync are built on this interface.
//
// Streams: named by 1 to 128 characters from [A-Za-z0-9._-], starting with a letter or digit
// (IsValidStreamName), so a name is safe in file names, URLs and checkpoint origins. A stream is
// created by CreateStream or by its first append. Streams are never deleted.
//
// Appends: AppendBatch returns the index of the first event (events get consecutive indices from
// 0) once the events are durable. Concurrent appenders are group-committed: one leader writes the
// events of every waiting appender (all streams) as one checksummed record of the segment log and
// issues one fdatasync for all of them. A batch is all or nothing, also across a crash. Events
// are 0 to max_event_bytes bytes (default 1 MiB); an Append call carries at most max_batch_bytes.
//
// Conditional appends (AppendOptions): `expected_size` appends only if the first new event would
// get that index; `expected_root` (with it) appends only if the tree over the stream plus the
// new events has that root. AppendVerified is the follower's form: a follower that fetched events
// [n, m) from a peer and holds the peer's verified root at m (a signed head, or a root checked
// against one with a consistency proof) calls AppendVerified(stream, n, events, root_m): nothing
// unverified is ever committed, and a concurrent append makes it fail instead of interleaving.
// See docs/eventlog.md for the follower's full loop.
//
// The tree: built asynchronously by a background thread (optionally with hash_threads helpers)
// that follows the commits, so hashing overlaps the next commit's fdatasync. Queries for a size
// the tree has not reached yet wait for it (briefly). Node hashes live in 16 KiB pages
// (tree_page.h), written append-only when their subtree is complete, cached in a bounded LRU,
// synced every `checkpoint_pages` pages per stream (and on Close) after which a tree checkpoint
// (size, root) is recorded in the log. Proofs read about one page per tier (levels 0-7, 8-15, ...)
// and allocate nothing beyond the output vector.
//
// Durability and recovery: an acknowledged append survives kill -9 and power loss (its record was
// fdatasync'ed first). Open scans the log (cutting a torn tail, saved beside it, see
// segment_log.h), rebuilds each stream's index, opens its tree at its last checkpoint (checking
// the pages give the checkpoint's root; pages after it are discarded), and re-hashes the events
// after the checkpoint. With verify_on_open every stream is also fully checked (VerifyStream).
//
// On disk under `dir`: LOCK, node-ed25519.key (0600), log/ (segment log), tree/<stream id>/
// (tier-T.pages). Formats: docs/eventlog.md.
//
// Errors (beyond those listed per method): kIoError / kResourceExhausted from the disk; after a
// failed fdatasync or a failed tree write the log is "broken": every append fails with that error
// until the log is reopened (which recovers).
//
// Thread safety: every method may be called concurrently, except Close (and destruction), which
// must not overlap any other call.
#ifndef CAIRN_MODELS_EVENTLOG_EVENT_LOG_H_
#define CAIRN_MODELS_EVENTLOG_EVENT_LOG_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/bytes.h"
#include "core/result.h"
#include "models/eventlog/proofs.h"
#include "models/eventlog/signed_note.h"
#include "models/eventlog/tree_page.h"

namespace cairn::core {
class Env;
class FileLock;
class ThreadPool;
}  // namespace cairn::core
namespace cairn::engine {
class SegmentLog;
struct RecordAddress;
}  // namespace cairn::engine

namespace cairn::eventlog {
namespace internal {
class PageCache;
class StreamTree;
}  // namespace internal

struct EventLogOptions {
  core::Env* env = nullptr;                 // required; must outlive the log
  std::string dir;                          // required; created if missing
  uint32_t max_event_bytes = 1u << 20;      // larger events: kInvalidArgument
  uint64_t max_batch_bytes = 32ull << 20;   // event bytes of one Append call (and of one commit)
  uint64_t page_cache_bytes = 64ull << 20;  // tree pages kept in memory (16 KiB each)
  uint64_t segment_bytes = 256ull << 20;    // segment log file size
  // A stream's checkpoint origin is origin_prefix + "/" + stream, e.g. "logs.example.com/orders".
  // No spaces, '+' or control characters.
  std::string origin_prefix = "cairn/eventlog";
  // Key name on signature lines; empty: each stream's origin (what tlog-checkpoint recommends).
  std::string key_name;
  // The node's Ed25519 key; created (mode 0600) when missing. Empty: dir/node-ed25519.key.
  std::string key_path;
  // Helper threads that hash large commits in parallel with the tree thread (0: none).
  unsigned hash_threads = 0;
  // Committed events not yet hashed into the tree, in bytes, above which appends wait.
  uint64_t max_unhashed_bytes = 64ull << 20;
  // Tree pages are synced and a checkpoint recorded after this many new tier-0 pages of a stream
  // (256 events each); recovery re-hashes at most about this many pages' events per stream.
  uint64_t checkpoint_pages = 1024;
  // Fully verify every stream's tree against its events on Open (O(total events)).
  bool verify_on_open = false;
};

struct AppendOptions {
  // Append only if the first new event gets this index; else kFailedPrecondition.
  std::optional<uint64_t> expected_size;
  // Append only if the tree of size expected_size + events has this root; else
  // kInvalidArgument. Needs expected_size.
  std::optional<Hash> expected_root;
  // Create the stream when it does not exist; else kNotFound.
  bool create = true;
};

struct StreamInfo {
  std::string name;
  uint64_t size = 0;
};

// A signed tree head: the checkpoint fields and the whole signed note (signed_note.h).
struct SignedTreeHead {
  std::string stream;
  std::string origin;
  uint64_t size = 0;
  Hash root{};
  uint64_t timestamp_ns = 0;  // Unix time of signing (the note's Timestamp extension line)
  std::string note;           // the C2SP signed note, ready to serve as text/plain
};

struct EventLogStats {
  uint64_t streams = 0;
  uint64_t events_appended = 0;  // since Open
  uint64_t bytes_appended = 0;   // event bytes since Open
  uint64_t commits = 0;          // group commits (records written, one fdatasync each)
  uint64_t unhashed_bytes = 0;   // committed, not yet in the tree
  uint64_t page_cache_hits = 0;
  uint64_t page_cache_misses = 0;
};

struct EventLogRecovery {
  uint32_t segments = 0;
  uint64_t streams = 0;
  uint64_t events = 0;
  uint64_t truncated_bytes = 0;            // torn tail cut from the segment log
  uint64_t leaves_rehashed = 0;            // events hashed again because no checkpoint covered them
  std::vector<std::string> trees_rebuilt;  // streams whose pages were unusable (rebuilt)
};

class EventLog {
 public:
  // Opens (recovering) or creates the event log in options.dir. Errors: kInvalidArgument (bad
  // options), kUnavailable (another EventLog holds dir/LOCK), kDataLoss (a damaged record inside
  // the log, or records that contradict each other), Env errors.
  static Result<std::unique_ptr<EventLog>> Open(const EventLogOptions& options);
  // Close(), errors ignored.
  ~EventLog();
  // Waits for the tree to catch up, syncs its pages, records checkpoints and syncs the log. No
  // other call may overlap or follow it (except destruction). Idempotent.
  Status Close();

  // --- Streams ---

  static bool IsValidStreamName(std::string_view name);
  // Creates an empty stream, durably. Errors: kInvalidArgument (name), kAlreadyExists.
  Status CreateStream(std::string_view stream);
  // Every stream with its size, by name.
  std::vector<StreamInfo> ListStreams();
  // Durable events in the stream. Errors: kNotFound.
  Result<uint64_t> Size(std::string_view stream);

  // --- Appends ---

  // Appends `events` and returns the index of the first once they are durable.
  // Errors: kInvalidArgument (bad name, no events, an event over max_event_bytes, more than
  // max_batch_bytes in all, expected_root without expected_size, or expected_root not matching),
  // kNotFound (no such stream and !create), kFailedPrecondition (expected_size not met).
  Result<uint64_t> AppendBatch(std::string_view stream, std::span<const ByteSpan> events,
                               const AppendOptions& options = {});
  Result<uint64_t> AppendBatch(std::string_view stream, const std::vector<std::string>& events,
                               const AppendOptions& options = {});
  Result<uint64_t> Append(std::string_view stream, ByteSpan event);
  // Appends `events` as indices first_index.. only if the resulting tree has root
  // `expected_root` (see the file comment). Errors: as AppendBatch.
  Result<uint64_t> AppendVerified(std::string_view stream, uint64_t first_index,
                                  std::span<const ByteSpan> events, const Hash& expected_root);

  // --- Reads ---

  // Events [begin, min(end, size)) in order, stopping before max_bytes would be exceeded (but
  // always at least one when there is one). begin == size gives none. Errors: kNotFound,
  // kOutOfRange (begin > size), kDataLoss (a damaged record).
  Result<std::vector<std::string>> Read(std::string_view stream, uint64_t begin, uint64_t end,
                                        uint64_t max_bytes = 16ull << 20);
  // Errors: kNotFound, kOutOfRange (index >= size), kDataLoss.
  Result<std::string> ReadEvent(std::string_view stream, uint64_t index);

  // --- The tree (any size up to the stream's size) ---

  // Root of the tree of the first `size` events (SHA-256("") for 0). Errors: kNotFound,
  // kOutOfRange (size > stream size), kDataLoss (corrupt page).
  Result<Hash> Root(std::string_view stream, uint64_t size);
  // The leaf hash of event `index`. Errors: kNotFound, kOutOfRange.
  Result<Hash> LeafHash(std::string_view stream, uint64_t index);
  // RFC 9162 inclusion proof of event `index` in the tree of `size` events, into *proof (cleared;
  // capacity reused, so a caller that keeps the vector allocates nothing). Errors: kNotFound,
  // kOutOfRange (unless index < size <= stream size).
  Status InclusionProof(std::string_view stream, uint64_t index, uint64_t size,
                        std::vector<Hash>* proof);
  Result<std::vector<Hash>> InclusionProof(std::string_view stream, uint64_t index, uint64_t size);
  // RFC 9162 consistency proof from size1 to size2 (empty for size1 == 0 or size1 == size2).
  // Errors: kNotFound, kOutOfRange (unless size1 <= size2 <= stream size).
  Status ConsistencyProof(std::string_view stream, uint64_t size1, uint64_t size2,
                          std::vector<Hash>* proof);
  Result<std::vector<Hash>> ConsistencyProof(std::string_view stream, uint64_t size1,
                                             uint64_t size2);

  // --- Signed tree heads ---

  // Signs the stream's current (size, root) now. Errors: kNotFound.
  Result<SignedTreeHead> SignedHead(std::string_view stream);
  // Signs (size, root) of an earlier size (always consistent with later heads). Errors:
  // kNotFound, kOutOfRange.
  Result<SignedTreeHead> SignHead(std::string_view stream, uint64_t size);
  const PublicKey& public_key() const;
  // The checkpoint origin and signature key name of `stream`, and the verifier key
  // ("name+id+base64") a peer needs to check its heads (FormatVerifierKey).
  std::string Origin(std::string_view stream) const;
  std::string KeyName(std::string_view stream) const;
  std::string VerifierKeyText(std::string_view stream) const;

  // --- Maintenance ---

  // Re-hashes every event of the stream and compares every stored tree page and the root.
  // O(stream size). Errors: kNotFound, kDataLoss naming the first difference.
  Status VerifyStream(std::string_view stream);
  // Waits until the tree has caught up with every committed event (tests, benchmarks).
  Status WaitForTree();
  EventLogStats stats();
  const EventLogRecovery& recovery() const { return recovery_; }

 private:
  struct Stream;
  struct Writer;
  struct TreeWork;
  struct IndexEntry;

  explicit EventLog(const EventLogOptions& options);
  Status Recover();
  Status ApplyRecord(const engine::RecordAddress& address, uint8_t type, ByteSpan payload);
  Status OpenTrees();
  Result<Stream*> RegisterStream(uint32_t id, std::string_view name);
  Stream* FindStream(std::string_view name);
  Stream* StreamById(uint32_t id);
  Result<Stream*> GetStream(std::string_view name, bool create);
  Status CheckEvents(std::span<const ByteSpan> events, uint64_t* bytes) const;
  Result<uint64_t> Commit(Writer* w);
  void CommitGroup(const std::vector<Writer*>& group);
  Status Broken();
  Status ScanEvents(Stream* s, uint64_t begin, uint64_t end,
                    const std::function<bool(uint64_t, ByteSpan)>& fn);
  Status HashEvents(Stream* s, uint64_t begin, uint64_t end,
                    const std::function<Status(std::span<const Hash>)>& fn);
  void HashLeaves(std::span<const ByteSpan> events, std::vector<Hash>* leaves);
  void TreeLoop();
  Status ProcessTreeWork(const TreeWork& work, std::vector<Hash>* leaves,
                         std::vector<ByteSpan>* spans);
  Status Checkpoint(Stream* s);
  Status WaitForTree(Stream* s, uint64_t size);
  Result<Stream*> StreamAtSize(std::string_view name, uint64_t size);

  const EventLogOptions options_;
  std::unique_ptr<core::FileLock> lock_;
  std::optional<NoteSigner> signer_;
  std::unique_ptr<engine::SegmentLog> log_;
  std::unique_ptr<internal::PageCache> cache_;
  std::unique_ptr<core::ThreadPool> pool_;
  EventLogRecovery recovery_;
  bool closed_ = false;

  // Streams are never removed, so a Stream* stays valid for the log's lifetime.
  std::shared_mutex streams_mutex_;
  std::map<std::string, std::unique_ptr<Stream>, std::less<>> streams_;  // guarded
  std::vector<Stream*> streams_by_id_;  // guarded by streams_mutex_; [id - 1], null: a hole

  // Group commit: writers queue here; the front one leads.
  std::mutex commit_mutex_;
  std::condition_variable commit_cv_;
  std::deque<Writer*> writers_;  // guarded by commit_mutex_

  // The tree thread's queue of committed, not yet hashed events.
  std::mutex tree_mutex_;
  std::condition_variable tree_cv_;      // work arrived, or stop
  std::condition_variable progress_cv_;  // the tree advanced (or broke)
  std::deque<TreeWork> tree_queue_;      // guarded by tree_mutex_
  uint64_t tree_queue_bytes_ = 0;        // guarded by tree_mutex_
  bool tree_busy_ = false;               // guarded by tree_mutex_: a work item is in progress
  bool tree_stop_ = false;               // guarded by tree_mutex_
  Status tree_broken_;                   // guarded by tree_mutex_
  std::atomic<bool> broken_{false};      // tree_broken_ is set
  std::thread tree_thread_;

  std::atomic<uint64_t> events_appended_{0};
  std::atomic<uint64_t> bytes_appended_{0};
  std::atomic<uint64_t> commits_{0};
};

}  // namespace cairn::eventlog

#endif  // CAIRN_MODELS_EVENTLOG_EVENT_LOG_H_
