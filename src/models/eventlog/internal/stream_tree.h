// StreamTree: one stream's RFC 9162 Merkle tree, kept as tree pages (tree_page.h) in one file per
// tier (`tier-T.pages`, page i at offset i * 16 KiB) and, for the incomplete page of each tier,
// in memory.
//
// Writing: one writer thread appends leaf hashes (AppendLeaves). Node hashes are computed as soon
// as both children exist; a page is written to its tier file (appended, not synced) the moment its
// subtree is complete, and goes into the shared page cache. SyncPages() makes the written pages
// durable; the event log then records a tree checkpoint (size, root) in its own log, and recovery
// (Open) trusts exactly the pages such a checkpoint covers, truncates the rest and lets the caller
// re-append the missing leaves from the events. The in-memory partial pages are rebuilt from the
// trusted pages below them.
//
// Reading: any thread asks for roots, inclusion and consistency proofs at any size up to size().
// A proof reads about one page per tier (from the cache, else from disk) and folds at most one
// ephemeral node; the fold for the newest size is cached, so proofs against the current tree head
// hash nothing. Nothing is allocated per proof beyond the caller's output vector.
//
// Concurrency: readers hold a shared lock only while they resolve node hashes. The writer computes
// and writes pages without the lock, touching only slots of the partial pages that no reader can
// ask for yet (nodes that are not complete at the published size), then publishes the new size,
// the new partial pages and the completed pages (moved into the cache) under the exclusive lock.
//
// Errors: kOutOfRange (a size or index beyond the tree), kDataLoss (a corrupt page), Env errors.
// After a failed AppendLeaves the tree refuses further appends (reopen to recover); what was
// published stays readable.
#ifndef CAIRN_MODELS_EVENTLOG_INTERNAL_STREAM_TREE_H_
#define CAIRN_MODELS_EVENTLOG_INTERNAL_STREAM_TREE_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <span>
#include <string>
#include <vector>

#include "core/result.h"
#include "models/eventlog/tree_page.h"

namespace cairn::core {
class Env;
class File;
class ThreadPool;
}  // namespace cairn::core

namespace cairn::eventlog::internal {

class PageCache;
struct ProofPlan;

class StreamTree {
 public:
  struct Options {
    core::Env* env = nullptr;
    std::string dir;  // this stream's directory (created if missing)
    uint32_t stream_id = 0;
    PageCache* cache = nullptr;  // shared; must outlive the tree
  };

  // Opens the tree with the pages covering the first `trusted_size` leaves (a multiple of
  // kPageLeaves: what a checkpoint says was synced), checks that they give `trusted_root` and
  // discards every later page. When those pages are missing, corrupt or give another root, the
  // tree starts empty instead (the caller re-appends every leaf) and *rebuilt says so.
  // Errors: Env errors; kInvalidArgument for a trusted_size that is not page-aligned.
  static Result<std::unique_ptr<StreamTree>> Open(const Options& options, uint64_t trusted_size,
                                                  const Hash& trusted_root,
                                                  bool* rebuilt = nullptr);
  ~StreamTree();

  // --- Writer side: one thread at a time. ---

  // Appends leaf hashes. Completed pages are written (not synced) and cached. With a pool, runs
  // of whole pages are built in parallel. Errors: Env errors (the tree then refuses appends).
  Status AppendLeaves(std::span<const Hash> leaves, core::ThreadPool* pool = nullptr);
  // fdatasyncs the tier files written since the last call; returns how many leaves the durable
  // pages cover (a multiple of kPageLeaves).
  Result<uint64_t> SyncPages();
  // Complete tier-0 pages written since the last SyncPages().
  uint64_t unsynced_pages() const;

  // --- Readers: any thread. ---

  // Leaves in the tree (published).
  uint64_t size() const { return published_size_.load(std::memory_order_acquire); }
  // Root of the first `size` leaves (size 0: SHA-256 of nothing). Errors: kOutOfRange, kDataLoss.
  Result<Hash> Root(uint64_t size);
  // RFC 9162 inclusion proof of leaf `index` in the tree of `size` leaves, into *proof (cleared
  // first; its capacity is reused). Errors: kOutOfRange unless index < size <= size().
  Status InclusionProof(uint64_t index, uint64_t size, std::vector<Hash>* proof);
  // RFC 9162 consistency proof from `size1` to `size2` (empty when size1 is 0 or equal to size2).
  // Errors: kOutOfRange unless size1 <= size2 <= size().
  Status ConsistencyProof(uint64_t size1, uint64_t size2, std::vector<Hash>* proof);
  // The leaf hash of `index`. Errors: kOutOfRange.
  Result<Hash> LeafHash(uint64_t index);
  // The root the tree of the first `size` leaves would have with `leaves` appended.
  Result<Hash> RootWithAppended(uint64_t size, std::span<const Hash> leaves);

  // Checks the tree of the first `size` leaves (size <= size()): rebuilds every page complete at
  // that size from the leaf hashes (which `next` hands over in order, a chunk at a time, until it
  // returns an empty chunk), compares each with the page stored on disk, then compares the roots.
  // Errors: kOutOfRange, kDataLoss naming the first difference; `next`'s errors.
  Status Verify(uint64_t size, const std::function<Status(std::vector<Hash>*)>& next);

 private:
  struct WriterTier;
  struct Pending;
  struct EdgeCache;

  explicit StreamTree(const Options& options);
  Status Restore(uint64_t trusted_size, const Hash& trusted_root);
  Status Reset();
  Status OpenTierFile(int tier, bool create);
  Status AddNode(int tier, const Hash& hash, Pending* pending);
  Status FinishPage(int tier, Pending* pending);
  Status AppendWholePages(std::span<const Hash> leaves, core::ThreadPool* pool, Pending* pending);
  Status WritePage(int tier, uint64_t index, const TreePage& page);
  void Publish(Pending* pending, uint64_t new_size);
  Status ReadStoredPage(int tier, uint64_t index, TreePage* page);
  // Resolves the plan's node hashes into `hashes` (skipping nodes marked in `skip`); the shared
  // lock must be held.
  Status ResolveLocked(const ProofPlan& plan, const bool* skip, Hash* hashes);
  // Evaluates a plan at `size` into proof hashes (one per item), appended to *out.
  Status Evaluate(const ProofPlan& plan, uint64_t size, std::vector<Hash>* out);

  const Options options_;
  // files_[t] is set by the writer before any tier-t page is published and never changes after.
  std::unique_ptr<core::File> files_[kMaxTiers];

  mutable std::shared_mutex mutex_;
  uint64_t size_ = 0;                             // guarded by mutex_
  std::unique_ptr<TreePage> partial_[kMaxTiers];  // guarded by mutex_ (the pointers)
  std::atomic<uint64_t> published_size_{0};

  // Writer state (the writer thread only).
  std::unique_ptr<WriterTier[]> writer_;
  uint64_t writer_size_ = 0;
  uint64_t synced_pages_[kMaxTiers] = {};
  bool broken_ = false;

  std::unique_ptr<EdgeCache> edge_;
};

}  // namespace cairn::eventlog::internal

#endif  // CAIRN_MODELS_EVENTLOG_INTERNAL_STREAM_TREE_H_
