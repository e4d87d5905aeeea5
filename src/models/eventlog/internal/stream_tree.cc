#include "models/eventlog/internal/stream_tree.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstring>
#include <future>

#include "core/env/env.h"
#include "core/thread_pool.h"
#include "models/eventlog/internal/page_cache.h"
#include "models/eventlog/internal/proof_plan.h"
#include "models/eventlog/internal/sha256.h"

namespace cairn::eventlog::internal {
namespace {

std::string TierFileName(int tier) { return "tier-" + std::to_string(tier) + ".pages"; }

// Complete pages of `tier` in a tree of `size` leaves.
uint64_t CompletePages(uint64_t size, int tier) {
  const int bits = kPageLevels * (tier + 1);
  return bits >= 64 ? 0 : size >> bits;
}

const Hash& EmptyRoot() {
  static const Hash root = Sha256().Hash(ByteSpan());
  return root;
}

// Sets page leaf `pos` of `page` and computes the ancestors it completes.
void PlaceLeaf(TreePage* page, uint32_t pos, const Hash& hash) {
  page->at(0, pos) = hash;
  Sha256& sha = Sha256::ThreadLocal();
  for (int level = 1; level <= kPageLevels && (pos & 1) != 0; ++level) {
    pos >>= 1;
    page->at(level, pos) = sha.Node(page->at(level - 1, 2 * pos), page->at(level - 1, 2 * pos + 1));
  }
}

// Where node (level, index) of the tree sits: tier, in-page level, page index and in-page position.
struct NodePlace {
  int tier;
  int level;
  uint64_t page;
  uint32_t pos;
};
NodePlace Place(const NodeId& n) {
  const int level = n.level % kPageLevels;
  const int width_bits = kPageLevels - level;
  return NodePlace{n.level / kPageLevels, level, n.index >> width_bits,
                   static_cast<uint32_t>(n.index & ((uint64_t{1} << width_bits) - 1))};
}

}  // namespace

struct StreamTree::WriterTier {
  std::unique_ptr<TreePage> fresh;  // a partial page allocated since the last Publish
  TreePage* page = nullptr;         // the page being filled: `fresh`, or partial_[tier]
  uint32_t count = 0;               // page leaves in it
  uint64_t index = 0;               // its page index (= complete pages of the tier)
};

struct StreamTree::Pending {
  struct Done {
    PageId id;
    std::unique_ptr<TreePage> owned;  // null: the page is the published partial_[id.tier]
  };
  std::vector<Done> completed;
};

// Folds of right-edge subtrees ([start, size) for each edge_bits) at the newest size, so that
// proofs against the current tree head hash nothing.
struct StreamTree::EdgeCache {
  std::mutex mutex;
  uint64_t size = 0;   // guarded by mutex
  uint64_t valid = 0;  // guarded by mutex; bit (edge_bits - 1)
  Hash hashes[64];     // guarded by mutex; [edge_bits - 1]
};

StreamTree::StreamTree(const Options& options)
    : options_(options), writer_(new WriterTier[kMaxTiers]), edge_(new EdgeCache) {}

StreamTree::~StreamTree() {
  for (auto& f : files_) {
    if (f) f->Close().IgnoreError();
  }
}

Result<std::unique_ptr<StreamTree>> StreamTree::Open(const Options& options, uint64_t trusted_size,
                                                     const Hash& trusted_root, bool* rebuilt) {
  if (options.env == nullptr || options.cache == nullptr || options.dir.empty()) {
    return InvalidArgumentError("StreamTree needs an env, a page cache and a directory");
  }
  if (trusted_size % kPageLeaves != 0) {
    return InvalidArgumentError("tree checkpoint size is not a multiple of 256");
  }
  if (!options.env->FileExists(options.dir)) {
    // (Should the entry still be lost in a crash, recovery finds no pages and rebuilds them.)
    CAIRN_RETURN_IF_ERROR(core::CreateDirs(options.env, options.dir));
    CAIRN_RETURN_IF_ERROR(options.env->SyncDir(core::DirName(options.dir)));
  }
  std::unique_ptr<StreamTree> tree(new StreamTree(options));
  if (rebuilt != nullptr) *rebuilt = false;
  Status s = tree->Restore(trusted_size, trusted_root);
  if (!s.ok()) {
    if (s.code() != StatusCode::kDataLoss) return s;
    // The pages are derived data: the events are the truth, so start over from them.
    spdlog::warn("event log: tree of stream {} in {}: {}; rebuilding it from the events",
                 options.stream_id, options.dir, s.ToString());
    CAIRN_RETURN_IF_ERROR(tree->Reset());
    if (rebuilt != nullptr) *rebuilt = true;
  }
  return tree;
}

Status StreamTree::OpenTierFile(int tier, bool create) {
  const std::string path = core::JoinPath(options_.dir, TierFileName(tier));
  CAIRN_ASSIGN_OR_RETURN(files_[tier],
                         options_.env->OpenFile(path, core::OpenOptions{.create = create}));
  // A new file's directory entry must be durable before a checkpoint can vouch for its pages.
  if (create) return options_.env->SyncDir(options_.dir);
  return Status();
}

Status StreamTree::Restore(uint64_t trusted_size, const Hash& trusted_root) {
  core::Env* env = options_.env;
  uint64_t pages[kMaxTiers];
  for (int t = 0; t < kMaxTiers; ++t) {
    pages[t] = CompletePages(trusted_size, t);
    const std::string path = core::JoinPath(options_.dir, TierFileName(t));
    if (!env->FileExists(path)) {
      if (pages[t] > 0) return DataLossError(path + " is missing");
      continue;
    }
    CAIRN_RETURN_IF_ERROR(OpenTierFile(t, false));
    CAIRN_ASSIGN_OR_RETURN(uint64_t bytes, files_[t]->Size());
    const uint64_t want = pages[t] * kPageBytes;
    if (bytes < want) {
      return DataLossError(path + " holds " + std::to_string(bytes / kPageBytes) +
                           " pages, its checkpoint " + std::to_string(pages[t]));
    }
    // Pages written after the checkpoint were never synced: they may be torn, so they go.
    if (bytes > want) CAIRN_RETURN_IF_ERROR(files_[t]->Truncate(want));
    writer_[t].index = synced_pages_[t] = pages[t];
  }
  // The partial page of each upper tier holds the roots of the complete pages below it.
  auto below = std::make_unique<TreePage>();
  for (int t = 1; t < kMaxTiers && pages[t - 1] > 0; ++t) {
    WriterTier& w = writer_[t];
    w.fresh = std::make_unique<TreePage>();
    w.page = w.fresh.get();
    for (uint64_t i = pages[t] * kPageLeaves; i < pages[t - 1]; ++i) {
      CAIRN_RETURN_IF_ERROR(ReadStoredPage(t - 1, i, below.get()));
      PlaceLeaf(w.page, w.count++, below->root());
    }
    partial_[t] = std::move(w.fresh);
  }
  size_ = writer_size_ = trusted_size;
  published_size_.store(trusted_size, std::memory_order_release);
  if (trusted_size > 0) {
    CAIRN_ASSIGN_OR_RETURN(Hash root, Root(trusted_size));
    if (root != trusted_root) {
      return DataLossError("pages give another root at the checkpoint's size " +
                           std::to_string(trusted_size));
    }
  }
  return Status();
}

Status StreamTree::Reset() {
  for (int t = 0; t < kMaxTiers; ++t) {
    const std::string path = core::JoinPath(options_.dir, TierFileName(t));
    if (!files_[t] && options_.env->FileExists(path)) CAIRN_RETURN_IF_ERROR(OpenTierFile(t, false));
    if (files_[t]) CAIRN_RETURN_IF_ERROR(files_[t]->Truncate(0));
    writer_[t] = WriterTier();
    partial_[t].reset();
    synced_pages_[t] = 0;
  }
  size_ = writer_size_ = 0;
  published_size_.store(0, std::memory_order_release);
  return Status();
}

// --- Writer ---------------------------------------------------------------------------------

Status StreamTree::AppendLeaves(std::span<const Hash> leaves, core::ThreadPool* pool) {
  if (broken_) return FailedPreconditionError("event log tree is broken after a failed write");
  Pending pending;
  Status s;
  size_t i = 0;
  while (s.ok() && i < leaves.size()) {
    const size_t whole = writer_[0].count == 0 ? (leaves.size() - i) / kPageLeaves : 0;
    if (whole > 0) {
      s = AppendWholePages(leaves.subspan(i, whole * kPageLeaves), pool, &pending);
      i += whole * kPageLeaves;
    } else {
      s = AddNode(0, leaves[i++], &pending);
    }
  }
  if (!s.ok()) {
    broken_ = true;
    return s;
  }
  writer_size_ += leaves.size();
  Publish(&pending, writer_size_);
  return Status();
}

Status StreamTree::AddNode(int tier, const Hash& hash, Pending* pending) {
  if (tier >= kMaxTiers) return Status();  // 2^64 leaves: unreachable
  WriterTier& w = writer_[tier];
  if (w.page == nullptr) {
    w.fresh = std::make_unique<TreePage>();
    w.page = w.fresh.get();
  }
  PlaceLeaf(w.page, w.count, hash);
  if (++w.count < kPageLeaves) return Status();
  return FinishPage(tier, pending);
}

Status StreamTree::FinishPage(int tier, Pending* pending) {
  WriterTier& w = writer_[tier];
  CAIRN_RETURN_IF_ERROR(WritePage(tier, w.index, *w.page));
  const Hash root = w.page->root();
  pending->completed.push_back(
      {PageId{options_.stream_id, static_cast<uint8_t>(tier), w.index}, std::move(w.fresh)});
  w.page = nullptr;
  w.count = 0;
  ++w.index;
  return AddNode(tier + 1, root, pending);
}

Status StreamTree::AppendWholePages(std::span<const Hash> leaves, core::ThreadPool* pool,
                                    Pending* pending) {
  const size_t n = leaves.size() / kPageLeaves;
  std::vector<std::unique_ptr<TreePage>> pages(n);
  auto build = [&](size_t begin, size_t end) {
    for (size_t j = begin; j < end; ++j) {
      pages[j] = std::make_unique<TreePage>();
      std::memcpy(pages[j]->hashes.data(), leaves.data() + j * kPageLeaves,
                  kPageLeaves * sizeof(Hash));
      ComputeTreePageInterior(pages[j].get());
    }
  };
  const size_t parts = pool == nullptr ? 1 : std::min(n, pool->size() + 1);
  if (parts <= 1) {
    build(0, n);
  } else {
    std::vector<std::future<void>> done;
    for (size_t p = 1; p < parts; ++p) {
      done.push_back(pool->Async([&, p] { build(n * p / parts, n * (p + 1) / parts); }));
    }
    build(0, n / parts);
    for (auto& f : done) f.wait();
  }
  for (auto& page : pages) {
    WriterTier& w = writer_[0];
    w.fresh = std::move(page);
    w.page = w.fresh.get();
    w.count = kPageLeaves;
    CAIRN_RETURN_IF_ERROR(FinishPage(0, pending));
  }
  return Status();
}

Status StreamTree::WritePage(int tier, uint64_t index, const TreePage& page) {
  if (!files_[tier]) CAIRN_RETURN_IF_ERROR(OpenTierFile(tier, true));
  // One buffer per writer thread rather than per stream: streams can be many.
  thread_local std::unique_ptr<uint8_t[]> buf(new uint8_t[kPageBytes]);
  EncodeTreePage(PageId{options_.stream_id, static_cast<uint8_t>(tier), index}, page, buf.get());
  return files_[tier]->WriteAt(index * kPageBytes, ByteSpan(buf.get(), kPageBytes));
}

void StreamTree::Publish(Pending* pending, uint64_t new_size) {
  std::unique_lock<std::shared_mutex> lock(mutex_);
  for (Pending::Done& done : pending->completed) {
    std::unique_ptr<TreePage> page =
        done.owned ? std::move(done.owned) : std::move(partial_[done.id.tier]);
    options_.cache->Insert(done.id, std::move(page));
  }
  for (int t = 0; t < kMaxTiers; ++t) {
    WriterTier& w = writer_[t];
    if (w.fresh) {
      partial_[t] = std::move(w.fresh);  // w.page keeps pointing at it
    } else if (w.page == nullptr) {
      partial_[t].reset();
    }
  }
  size_ = new_size;
  published_size_.store(new_size, std::memory_order_release);
}

Result<uint64_t> StreamTree::SyncPages() {
  for (int t = 0; t < kMaxTiers; ++t) {
    if (writer_[t].index > synced_pages_[t]) {
      CAIRN_RETURN_IF_ERROR(files_[t]->Sync());
      synced_pages_[t] = writer_[t].index;
    }
  }
  return writer_[0].index * kPageLeaves;
}

uint64_t StreamTree::unsynced_pages() const { return writer_[0].index - synced_pages_[0]; }

// --- Readers --------------------------------------------------------------------------------

Status StreamTree::ReadStoredPage(int tier, uint64_t index, TreePage* page) {
  const PageId id{options_.stream_id, static_cast<uint8_t>(tier), index};
  if (!files_[tier]) return DataLossError("no page file for tier " + std::to_string(tier));
  std::unique_ptr<uint8_t[]> buf(new uint8_t[kPageBytes]);
  CAIRN_ASSIGN_OR_RETURN(
      size_t got, files_[tier]->ReadAt(index * kPageBytes, MutableByteSpan(buf.get(), kPageBytes)));
  if (got != kPageBytes) {
    return DataLossError(files_[tier]->path() + ": page " + std::to_string(index) + " is missing");
  }
  Status s = DecodeTreePageAs(ByteSpan(buf.get(), kPageBytes), id, page);
  if (!s.ok()) return s.WithContext(files_[tier]->path() + " page " + std::to_string(index));
  return Status();
}

Status StreamTree::ResolveLocked(const ProofPlan& plan, const bool* skip, Hash* hashes) {
  bool done[ProofPlan::kMaxNodes];
  for (int i = 0; i < plan.node_count; ++i) done[i] = skip[i];
  for (int i = 0; i < plan.node_count; ++i) {
    if (done[i]) continue;
    const NodePlace at = Place(plan.nodes[i]);
    if (at.page >= CompletePages(size_, at.tier)) {
      const TreePage* partial = partial_[at.tier].get();
      if (partial == nullptr) return InternalError("event log tree: missing partial page");
      hashes[i] = partial->at(at.level, at.pos);
      done[i] = true;
      continue;
    }
    // Every other node of the plan in the same page comes along with this one.
    auto copy = [&](const TreePage& page) {
      for (int j = i; j < plan.node_count; ++j) {
        if (done[j]) continue;
        const NodePlace other = Place(plan.nodes[j]);
        if (other.tier == at.tier && other.page == at.page) {
          hashes[j] = page.at(other.level, other.pos);
          done[j] = true;
        }
      }
    };
    const PageId id{options_.stream_id, static_cast<uint8_t>(at.tier), at.page};
    if (!options_.cache->With(id, copy)) {
      auto page = std::make_unique<TreePage>();
      CAIRN_RETURN_IF_ERROR(ReadStoredPage(at.tier, at.page, page.get()));
      copy(*page);
      options_.cache->Insert(id, std::move(page));
    }
  }
  return Status();
}

// Evaluates `plan` (for the tree of `size` leaves) into one hash per item.
Status StreamTree::Evaluate(const ProofPlan& plan, uint64_t size, std::vector<Hash>* out) {
  Hash hashes[ProofPlan::kMaxNodes];
  bool skip[ProofPlan::kMaxNodes] = {};
  Hash known[ProofPlan::kMaxItems];
  bool is_known[ProofPlan::kMaxItems] = {};
  bool any_edge = false;
  for (int k = 0; k < plan.item_count; ++k) any_edge |= plan.items[k].edge_bits != 0;
  if (any_edge) {
    std::lock_guard<std::mutex> lock(edge_->mutex);
    if (edge_->size == size) {
      for (int k = 0; k < plan.item_count; ++k) {
        const ProofPlan::Item& item = plan.items[k];
        if (item.edge_bits == 0 || (edge_->valid >> (item.edge_bits - 1) & 1) == 0) continue;
        known[k] = edge_->hashes[item.edge_bits - 1];
        is_known[k] = true;
        for (int j = item.begin; j < item.end; ++j) skip[j] = true;
      }
    }
  }
  {
    std::shared_lock<std::shared_mutex> lock(mutex_);
    CAIRN_RETURN_IF_ERROR(ResolveLocked(plan, skip, hashes));
  }
  Sha256& sha = Sha256::ThreadLocal();
  for (int k = 0; k < plan.item_count; ++k) {
    const ProofPlan::Item& item = plan.items[k];
    if (is_known[k]) {
      out->push_back(known[k]);
      continue;
    }
    Hash acc = hashes[item.end - 1];
    for (int j = item.end - 2; j >= item.begin; --j) acc = sha.Node(hashes[j], acc);
    out->push_back(acc);
    if (item.edge_bits != 0 && size == this->size()) {
      std::lock_guard<std::mutex> lock(edge_->mutex);
      if (edge_->size != size) {
        edge_->size = size;
        edge_->valid = 0;
      }
      edge_->hashes[item.edge_bits - 1] = acc;
      edge_->valid |= uint64_t{1} << (item.edge_bits - 1);
    }
  }
  return Status();
}

Result<Hash> StreamTree::Root(uint64_t size) {
  if (size > this->size()) {
    return OutOfRangeError("tree size " + std::to_string(size) + " exceeds the stream's " +
                           std::to_string(this->size()));
  }
  if (size == 0) return EmptyRoot();
  ProofPlan plan;
  PlanRoot(size, &plan);
  thread_local std::vector<Hash> out;
  out.clear();
  CAIRN_RETURN_IF_ERROR(Evaluate(plan, size, &out));
  return out[0];
}

Status StreamTree::InclusionProof(uint64_t index, uint64_t size, std::vector<Hash>* proof) {
  proof->clear();
  if (index >= size || size > this->size()) {
    return OutOfRangeError("no leaf " + std::to_string(index) + " in a tree of " +
                           std::to_string(size) + " (the stream has " +
                           std::to_string(this->size()) + ")");
  }
  ProofPlan plan;
  PlanInclusion(index, size, &plan);
  return Evaluate(plan, size, proof);
}

Status StreamTree::ConsistencyProof(uint64_t size1, uint64_t size2, std::vector<Hash>* proof) {
  proof->clear();
  if (size1 > size2 || size2 > this->size()) {
    return OutOfRangeError("no consistency proof from " + std::to_string(size1) + " to " +
                           std::to_string(size2) + " (the stream has " +
                           std::to_string(this->size()) + ")");
  }
  if (size1 == 0 || size1 == size2) return Status();
  ProofPlan plan;
  PlanConsistency(size1, size2, &plan);
  return Evaluate(plan, size2, proof);
}

Result<Hash> StreamTree::LeafHash(uint64_t index) {
  if (index >= size()) {
    return OutOfRangeError("no leaf " + std::to_string(index) + " (the stream has " +
                           std::to_string(size()) + ")");
  }
  ProofPlan plan;
  plan.nodes[0] = NodeId{0, index};
  plan.items[0] = {0, 1, 0};
  plan.node_count = plan.item_count = 1;
  thread_local std::vector<Hash> out;
  out.clear();
  CAIRN_RETURN_IF_ERROR(Evaluate(plan, index + 1, &out));
  return out[0];
}

Result<Hash> StreamTree::RootWithAppended(uint64_t size, std::span<const Hash> leaves) {
  if (size > this->size()) {
    return OutOfRangeError("tree size " + std::to_string(size) + " exceeds the stream's " +
                           std::to_string(this->size()));
  }
  // The complete subtrees of the first `size` leaves (largest first), then the new leaves merged
  // in like a binary counter; the root folds what is left from the right.
  struct Entry {
    int level;
    Hash hash;
  };
  std::vector<Entry> stack;
  if (size > 0) {
    ProofPlan plan;
    PlanRoot(size, &plan);
    Hash hashes[ProofPlan::kMaxNodes];
    bool skip[ProofPlan::kMaxNodes] = {};
    {
      std::shared_lock<std::shared_mutex> lock(mutex_);
      CAIRN_RETURN_IF_ERROR(ResolveLocked(plan, skip, hashes));
    }
    for (int i = 0; i < plan.node_count; ++i) stack.push_back({plan.nodes[i].level, hashes[i]});
  }
  Sha256& sha = Sha256::ThreadLocal();
  for (const Hash& leaf : leaves) {
    stack.push_back({0, leaf});
    while (stack.size() >= 2 && stack[stack.size() - 1].level == stack[stack.size() - 2].level) {
      Entry right = stack.back();
      stack.pop_back();
      stack.back().hash = sha.Node(stack.back().hash, right.hash);
      ++stack.back().level;
    }
  }
  if (stack.empty()) return EmptyRoot();
  Hash acc = stack.back().hash;
  for (size_t i = stack.size() - 1; i-- > 0;) acc = sha.Node(stack[i].hash, acc);
  return acc;
}

Status StreamTree::Verify(uint64_t n, const std::function<Status(std::vector<Hash>*)>& next) {
  if (n > size()) return OutOfRangeError("cannot verify beyond the tree's size");
  // Per tier, the page being rebuilt; a completed one is compared with the stored page and its
  // root becomes a page leaf of the tier above.
  std::vector<std::unique_ptr<TreePage>> rebuilt(kMaxTiers);
  uint32_t count[kMaxTiers] = {};
  uint64_t index[kMaxTiers] = {};
  auto stored = std::make_unique<TreePage>();
  std::function<Status(int, const Hash&)> add = [&](int t, const Hash& h) -> Status {
    if (t >= kMaxTiers) return Status();
    if (!rebuilt[t]) rebuilt[t] = std::make_unique<TreePage>();
    PlaceLeaf(rebuilt[t].get(), count[t], h);
    if (++count[t] < kPageLeaves) return Status();
    CAIRN_RETURN_IF_ERROR(ReadStoredPage(t, index[t], stored.get()));
    if (stored->hashes != rebuilt[t]->hashes) {
      return DataLossError("stored tree page " + std::to_string(index[t]) + " of tier " +
                           std::to_string(t) + " differs from the one rebuilt from the events");
    }
    count[t] = 0;
    ++index[t];
    return add(t + 1, stored->root());
  };
  std::vector<Hash> chunk;
  struct Entry {
    int level;
    Hash hash;
  };
  std::vector<Entry> stack;
  Sha256& sha = Sha256::ThreadLocal();
  uint64_t seen = 0;
  for (;;) {
    chunk.clear();
    CAIRN_RETURN_IF_ERROR(next(&chunk));
    if (chunk.empty()) break;
    for (const Hash& leaf : chunk) {
      if (seen == n) return DataLossError("more events than tree leaves");
      ++seen;
      CAIRN_RETURN_IF_ERROR(add(0, leaf));
      stack.push_back({0, leaf});
      while (stack.size() >= 2 && stack[stack.size() - 1].level == stack[stack.size() - 2].level) {
        Entry right = stack.back();
        stack.pop_back();
        stack.back().hash = sha.Node(stack.back().hash, right.hash);
        ++stack.back().level;
      }
    }
  }
  if (seen != n) {
    return DataLossError("the tree has " + std::to_string(n) + " leaves but there are " +
                         std::to_string(seen) + " events");
  }
  Hash want = EmptyRoot();
  if (!stack.empty()) {
    want = stack.back().hash;
    for (size_t i = stack.size() - 1; i-- > 0;) want = sha.Node(stack[i].hash, want);
  }
  CAIRN_ASSIGN_OR_RETURN(Hash got, Root(n));
  if (got != want) return DataLossError("tree root differs from the root of the events");
  return Status();
}

}  // namespace cairn::eventlog::internal
