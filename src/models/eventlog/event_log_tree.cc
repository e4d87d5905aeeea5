// EventLog's tree side: the tree thread, tree queries, signed heads and verification.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <future>

#include "core/env/env.h"
#include "core/thread_pool.h"
#include "engine/segment_log.h"
#include "models/eventlog/event_log.h"
#include "models/eventlog/internal/event_log_state.h"
#include "models/eventlog/internal/log_records.h"
#include "models/eventlog/internal/sha256.h"
#include "models/eventlog/internal/stream_tree.h"

namespace cairn::eventlog {
namespace {

// Below this many events a commit is hashed on the tree thread alone.
constexpr size_t kParallelLeaves = 2048;
// Leaf hashes handed to the tree at once during recovery and verification.
constexpr size_t kLeafChunk = 64 * 1024;

}  // namespace

// --- The tree thread ------------------------------------------------------------------------

void EventLog::TreeLoop() {
  std::vector<Hash> leaves;
  std::vector<ByteSpan> spans;
  std::unique_lock<std::mutex> lock(tree_mutex_);
  for (;;) {
    tree_cv_.wait(lock, [&] { return !tree_queue_.empty() || tree_stop_; });
    if (tree_queue_.empty()) break;  // stopping, and nothing left to hash
    TreeWork work = std::move(tree_queue_.front());
    tree_queue_.pop_front();
    tree_busy_ = true;
    const bool skip = !tree_broken_.ok();
    lock.unlock();
    Status s = skip ? Status() : ProcessTreeWork(work, &leaves, &spans);
    lock.lock();
    tree_busy_ = false;
    tree_queue_bytes_ -= work.bytes;
    if (!s.ok() && tree_broken_.ok()) {
      spdlog::error("event log: tree update failed: {}", s.ToString());
      tree_broken_ = s.WithContext("event log tree broken; reopen to recover");
      broken_.store(true, std::memory_order_release);
    }
    progress_cv_.notify_all();
  }
}

void EventLog::HashLeaves(std::span<const ByteSpan> events, std::vector<Hash>* leaves) {
  leaves->resize(events.size());
  auto hash = [&](size_t begin, size_t end) {
    internal::Sha256& sha = internal::Sha256::ThreadLocal();
    for (size_t i = begin; i < end; ++i) (*leaves)[i] = sha.Leaf(events[i]);
  };
  const size_t n = events.size();
  if (pool_ == nullptr || n < kParallelLeaves) {
    hash(0, n);
    return;
  }
  const size_t parts = pool_->size() + 1;
  std::vector<std::future<void>> done;
  for (size_t p = 1; p < parts; ++p) {
    done.push_back(pool_->Async([&, p] { hash(n * p / parts, n * (p + 1) / parts); }));
  }
  hash(0, n / parts);
  for (auto& f : done) f.wait();
}

Status EventLog::ProcessTreeWork(const TreeWork& work, std::vector<Hash>* leaves,
                                 std::vector<ByteSpan>* spans) {
  for (const TreeWork::Chunk& c : work.chunks) {
    internal::StreamTree* tree = c.stream->tree.get();
    if (tree->size() != c.first) {
      return InternalError("stream " + c.stream->name + ": tree has " +
                           std::to_string(tree->size()) + " leaves, commit starts at " +
                           std::to_string(c.first));
    }
    spans->clear();
    CAIRN_RETURN_IF_ERROR(internal::ForEachEvent(work.payload.span(), c.offset, c.stream->id,
                                                 c.first, c.first + c.count,
                                                 [&](uint64_t, ByteSpan e) {
                                                   spans->push_back(e);
                                                   return true;
                                                 }));
    HashLeaves(*spans, leaves);
    CAIRN_RETURN_IF_ERROR(tree->AppendLeaves(*leaves, pool_.get()));
    if (tree->unsynced_pages() >= options_.checkpoint_pages) {
      CAIRN_RETURN_IF_ERROR(Checkpoint(c.stream));
    }
  }
  return Status();
}

Status EventLog::Checkpoint(Stream* s) {
  CAIRN_ASSIGN_OR_RETURN(uint64_t covered, s->tree->SyncPages());
  if (covered <= s->checkpointed) return Status();
  CAIRN_ASSIGN_OR_RETURN(Hash root, s->tree->Root(covered));
  internal::CheckpointEntry entry{s->id, covered, root};
  Buffer payload;
  internal::EncodeCheckpoints(std::span<const internal::CheckpointEntry>(&entry, 1), &payload);
  // Not synced: it rides along with the next commit's fdatasync. Losing it only means recovery
  // re-hashes from an older checkpoint.
  Status s_append = log_->Append(internal::kCheckpointRecord, payload.span(), false).status();
  if (!s_append.ok()) {
    spdlog::warn("event log: cannot record a tree checkpoint of stream {}: {}", s->name,
                 s_append.ToString());
    return Status();
  }
  s->checkpointed = covered;
  return Status();
}

Status EventLog::HashEvents(Stream* s, uint64_t begin, uint64_t end,
                            const std::function<Status(std::span<const Hash>)>& fn) {
  std::vector<Hash> leaves;
  leaves.reserve(std::min<uint64_t>(end - begin, kLeafChunk));
  internal::Sha256& sha = internal::Sha256::ThreadLocal();
  Status inner;
  CAIRN_RETURN_IF_ERROR(ScanEvents(s, begin, end, [&](uint64_t, ByteSpan e) {
    leaves.push_back(sha.Leaf(e));
    if (leaves.size() == kLeafChunk) {
      inner = fn(leaves);
      leaves.clear();
    }
    return inner.ok();
  }));
  CAIRN_RETURN_IF_ERROR(inner);
  if (!leaves.empty()) return fn(leaves);
  return Status();
}

Status EventLog::WaitForTree(Stream* s, uint64_t size) {
  if (s->tree->size() >= size) return Status();
  std::unique_lock<std::mutex> lock(tree_mutex_);
  progress_cv_.wait(lock, [&] {
    return s->tree->size() >= size || !tree_broken_.ok() || !tree_thread_.joinable();
  });
  if (s->tree->size() >= size) return Status();
  if (!tree_broken_.ok()) return tree_broken_;
  return UnavailableError("event log tree thread is not running");
}

Status EventLog::WaitForTree() {
  std::unique_lock<std::mutex> lock(tree_mutex_);
  progress_cv_.wait(lock,
                    [&] { return (tree_queue_.empty() && !tree_busy_) || !tree_broken_.ok(); });
  return tree_broken_;
}

// --- Tree queries ---------------------------------------------------------------------------

Result<EventLog::Stream*> EventLog::StreamAtSize(std::string_view name, uint64_t size) {
  CAIRN_ASSIGN_OR_RETURN(Stream * s, GetStream(name, false));
  const uint64_t durable = s->durable_size.load(std::memory_order_acquire);
  if (size > durable) {
    return OutOfRangeError("tree size " + std::to_string(size) + " exceeds the " +
                           std::to_string(durable) + " events of stream '" + s->name + "'");
  }
  CAIRN_RETURN_IF_ERROR(WaitForTree(s, size));
  return s;
}

Result<Hash> EventLog::Root(std::string_view stream, uint64_t size) {
  CAIRN_ASSIGN_OR_RETURN(Stream * s, StreamAtSize(stream, size));
  return s->tree->Root(size);
}

Result<Hash> EventLog::LeafHash(std::string_view stream, uint64_t index) {
  CAIRN_ASSIGN_OR_RETURN(Stream * s, GetStream(stream, false));
  if (index >= s->durable_size.load(std::memory_order_acquire)) {
    return OutOfRangeError("stream '" + s->name + "' has no event " + std::to_string(index));
  }
  CAIRN_RETURN_IF_ERROR(WaitForTree(s, index + 1));
  return s->tree->LeafHash(index);
}

Status EventLog::InclusionProof(std::string_view stream, uint64_t index, uint64_t size,
                                std::vector<Hash>* proof) {
  proof->clear();
  CAIRN_ASSIGN_OR_RETURN(Stream * s, StreamAtSize(stream, size));
  return s->tree->InclusionProof(index, size, proof);
}

Result<std::vector<Hash>> EventLog::InclusionProof(std::string_view stream, uint64_t index,
                                                   uint64_t size) {
  std::vector<Hash> proof;
  CAIRN_RETURN_IF_ERROR(InclusionProof(stream, index, size, &proof));
  return proof;
}

Status EventLog::ConsistencyProof(std::string_view stream, uint64_t size1, uint64_t size2,
                                  std::vector<Hash>* proof) {
  proof->clear();
  CAIRN_ASSIGN_OR_RETURN(Stream * s, StreamAtSize(stream, size2));
  return s->tree->ConsistencyProof(size1, size2, proof);
}

Result<std::vector<Hash>> EventLog::ConsistencyProof(std::string_view stream, uint64_t size1,
                                                     uint64_t size2) {
  std::vector<Hash> proof;
  CAIRN_RETURN_IF_ERROR(ConsistencyProof(stream, size1, size2, &proof));
  return proof;
}

// --- Signed tree heads ----------------------------------------------------------------------

const PublicKey& EventLog::public_key() const { return signer_->public_key(); }

std::string EventLog::Origin(std::string_view stream) const {
  return options_.origin_prefix + "/" + std::string(stream);
}

std::string EventLog::KeyName(std::string_view stream) const {
  return options_.key_name.empty() ? Origin(stream) : options_.key_name;
}

std::string EventLog::VerifierKeyText(std::string_view stream) const {
  return FormatVerifierKey(KeyName(stream), public_key());
}

Result<SignedTreeHead> EventLog::SignHead(std::string_view stream, uint64_t size) {
  CAIRN_ASSIGN_OR_RETURN(Stream * s, StreamAtSize(stream, size));
  SignedTreeHead head;
  head.stream = s->name;
  head.origin = Origin(s->name);
  head.size = size;
  CAIRN_ASSIGN_OR_RETURN(head.root, s->tree->Root(size));
  head.timestamp_ns = options_.env->UnixMicros() * 1000;
  eventlog::Checkpoint c{head.origin, size, head.root, {TimestampExtension(head.timestamp_ns)}};
  CAIRN_ASSIGN_OR_RETURN(std::string text, FormatCheckpoint(c));
  CAIRN_ASSIGN_OR_RETURN(head.note, signer_->Sign(text, KeyName(s->name)));
  return head;
}

Result<SignedTreeHead> EventLog::SignedHead(std::string_view stream) {
  CAIRN_ASSIGN_OR_RETURN(Stream * s, GetStream(stream, false));
  return SignHead(stream, s->durable_size.load(std::memory_order_acquire));
}

// --- Verification ---------------------------------------------------------------------------

Status EventLog::VerifyStream(std::string_view stream) {
  CAIRN_ASSIGN_OR_RETURN(Stream * s, GetStream(stream, false));
  const uint64_t size = s->durable_size.load(std::memory_order_acquire);
  CAIRN_RETURN_IF_ERROR(WaitForTree(s, size));
  // The tree may grow meanwhile; Verify checks the tree at its size when it starts, so feed it
  // exactly that many events.
  const uint64_t n = s->tree->size();
  uint64_t pos = 0;
  Status s_verify = s->tree->Verify(n, [&](std::vector<Hash>* chunk) -> Status {
    const uint64_t end = std::min<uint64_t>(n, pos + kLeafChunk);
    if (pos >= end) return Status();
    CAIRN_RETURN_IF_ERROR(HashEvents(s, pos, end, [&](std::span<const Hash> leaves) {
      chunk->insert(chunk->end(), leaves.begin(), leaves.end());
      return Status();
    }));
    pos = end;
    return Status();
  });
  if (!s_verify.ok()) return s_verify.WithContext("stream '" + s->name + "'");
  return Status();
}

}  // namespace cairn::eventlog
