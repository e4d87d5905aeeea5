// Graph traversals: direction-optimising parallel BFS, k-hop, bidirectional BFS, Dijkstra.
#include <algorithm>
#include <atomic>
#include <bit>
#include <cmath>
#include <future>
#include <limits>
#include <mutex>
#include <queue>
#include <shared_mutex>
#include <unordered_map>
#include <unordered_set>

#include "models/graph/graph.h"
#include "models/graph/internal/graph_impl.h"

namespace cairn::graph {

using internal::AdjEntry;
using internal::AdjReq;
using internal::Snapshot;
using internal::View;

namespace {

// Chunks of a level handed out to threads: large enough to amortise a hand-out, small enough
// to balance (about four per thread while the level is small).
constexpr size_t kTopDownChunk = 1024;
constexpr size_t kMinChunk = 256;
constexpr uint32_t kBottomUpChunk = 4096;  // multiples of 64: chunks own whole bitmap words

size_t ChunkFor(size_t items, unsigned threads, size_t max_chunk) {
  size_t c = items / (size_t{threads} * 4);
  return std::clamp<size_t>((c + 63) / 64 * 64, kMinChunk, max_chunk);
}
constexpr uint64_t kAlpha = 15;  // Beamer et al.'s switching parameters
constexpr uint64_t kBeta = 18;
constexpr double kInf = std::numeric_limits<double>::infinity();

std::vector<int> DirsOf(Direction d) {
  switch (d) {
    case Direction::kOut:
      return {0};
    case Direction::kIn:
      return {1};
    case Direction::kBoth:
      return {0, 1};
  }
  return {0};
}

std::vector<int> Reverse(const std::vector<int>& dirs) {
  std::vector<int> r;
  for (int d : dirs) r.push_back(1 - d);
  return r;
}

inline bool BitSet(const uint64_t* w, uint64_t i) { return (w[i >> 6] >> (i & 63)) & 1; }

// The label to filter on: nullopt = all labels; `none` set when the label does not exist.
struct LabelFilter {
  std::optional<uint16_t> id;
  bool none = false;
};

LabelFilter ResolveLabel(const View& v, const std::optional<std::string>& label) {
  LabelFilter f;
  if (label) {
    f.id = v.labels().Find(*label);
    f.none = !f.id;
  }
  return f;
}

// Runs fn(chunk, thread) for chunks [0, chunks) on up to `threads` threads (the caller's
// included), handing out chunks dynamically. Returns the first error.
template <typename Fn>
Status ParallelFor(core::ThreadPool* pool, unsigned threads, size_t chunks, Fn fn) {
  unsigned nt = static_cast<unsigned>(std::min<size_t>(threads, chunks));
  if (nt <= 1 || pool == nullptr) {
    for (size_t c = 0; c < chunks; ++c) CAIRN_RETURN_IF_ERROR(fn(c, 0u));
    return Status();
  }
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  std::mutex mu;
  Status first;
  auto work = [&](unsigned t) {
    while (!failed.load(std::memory_order_relaxed)) {
      size_t c = next.fetch_add(1, std::memory_order_relaxed);
      if (c >= chunks) break;
      Status s = fn(c, t);
      if (!s.ok()) {
        std::lock_guard<std::mutex> l(mu);
        if (first.ok()) first = s;
        failed = true;
      }
    }
  };
  std::vector<std::future<void>> fs;
  for (unsigned t = 1; t < nt; ++t) fs.push_back(pool->Async([&work, t] { work(t); }));
  work(0);
  for (auto& f : fs) f.wait();
  return first;
}

// Adjacency access shared by the threads of one traversal: snapshot arrays (mapped, loaded or
// read in batches) and, for nodes the delta touched, the merged lists.
class AdjAccess {
 public:
  AdjAccess(const View& v, std::optional<uint16_t> label) : view_(v), label_(label) {
    const Snapshot& s = v.snap();
    slots_ = s.slots();
    resident_ = slots_ == 0 || s.topology_resident();
    for (int d = 0; d < 2; ++d) {
      off_[d] = s.Offsets(d);
      nbrs_[d] = s.Nbrs(d);
      labels_[d] = s.Labels(d);
    }
    has_delta_ = v.AnyAdjDelta();
    if (has_delta_) {
      size_t words = (v.total_slots() + 63) / 64;
      for (int d = 0; d < 2; ++d) {
        touched_[d].assign(words, 0);
        for (const auto* l : v.layers()) {
          const auto& b = l->touched_bits[d];
          for (size_t i = 0; i < std::min(words, b.size()); ++i) touched_[d][i] |= b[i];
        }
      }
    }
  }

  const View& view() const { return view_; }
  bool resident() const { return resident_; }
  uint32_t slots() const { return slots_; }
  std::optional<uint16_t> label() const { return label_; }
  bool has_delta() const { return has_delta_; }
  bool touched(int d, uint32_t u) const { return has_delta_ && BitSet(touched_[d].data(), u); }
  uint64_t SnapDegree(int d, uint32_t u) const {
    return u < slots_ ? off_[d][u + 1] - off_[d][u] : 0;
  }
  const uint64_t* off(int d) const { return off_[d]; }
  const uint32_t* nbrs(int d) const { return nbrs_[d]; }
  const uint16_t* labels(int d) const { return labels_[d]; }

 private:
  const View& view_;
  std::optional<uint16_t> label_;
  uint32_t slots_ = 0;
  bool resident_ = true;
  bool has_delta_ = false;
  const uint64_t* off_[2] = {nullptr, nullptr};
  const uint32_t* nbrs_[2] = {nullptr, nullptr};
  const uint16_t* labels_[2] = {nullptr, nullptr};
  std::vector<uint64_t> touched_[2];
};

// One thread's view of the adjacency of a chunk of vertices. On the read paths that keep edges
// on disk, Load() fetches the chunk's snapshot lists in one batch first.
class ChunkReader {
 public:
  explicit ChunkReader(const AdjAccess* a) : a_(a) {}

  Status Load(int d, const uint32_t* verts, size_t n) {
    if (a_->resident()) return Status();
    start_.resize(n);
    len_.resize(n);
    reqs_.clear();
    uint64_t total = 0;
    const uint64_t* off = a_->off(d);
    for (size_t i = 0; i < n; ++i) {
      uint32_t u = verts[i];
      len_[i] = 0;
      start_[i] = total;
      if (u >= a_->slots()) continue;
      uint64_t b = off[u], e = off[u + 1];
      if (e == b) continue;
      reqs_.push_back(AdjReq{b, e, nullptr, nullptr});
      len_[i] = e - b;
      total += e - b;
    }
    bool labels = (a_->label() || a_->has_delta()) && a_->view().snap().has_labels();
    nbuf_.resize(total);
    lbuf_.resize(labels ? total : 0);
    uint64_t pos = 0;
    for (AdjReq& r : reqs_) {
      r.nbrs = nbuf_.data() + pos;
      r.labels = labels ? lbuf_.data() + pos : nullptr;
      pos += r.end - r.begin;
    }
    return a_->view().snap().ReadAdj(d, reqs_);
  }

  // Calls f(neighbour) for vertex `u` (the i-th of the loaded chunk) until it returns false.
  template <typename F>
  void Visit(int d, uint32_t u, size_t i, F&& f) {
    const uint32_t* nb = nullptr;
    const uint16_t* lb = nullptr;
    uint64_t n = 0;
    if (u < a_->slots()) {
      if (a_->resident()) {
        uint64_t b = a_->off(d)[u];
        n = a_->off(d)[u + 1] - b;
        nb = a_->nbrs(d) + b;
        lb = a_->labels(d) ? a_->labels(d) + b : nullptr;
      } else {
        n = len_[i];
        nb = nbuf_.data() + start_[i];
        lb = lbuf_.empty() ? nullptr : lbuf_.data() + start_[i];
      }
    }
    uint64_t lo = 0, hi = n;
    if (a_->label()) {
      if (lb == nullptr) {
        if (*a_->label() != 0) hi = 0;
      } else {
        auto r = std::equal_range(lb, lb + n, *a_->label());
        lo = static_cast<uint64_t>(r.first - lb);
        hi = static_cast<uint64_t>(r.second - lb);
      }
    }
    if (a_->touched(d, u)) {
      // The snapshot's list (already here) with the delta layers applied.
      scratch_.clear();
      for (uint64_t p = lo; p < hi; ++p) {
        scratch_.push_back(AdjEntry{lb ? lb[p] : uint16_t{0}, nb[p], internal::kNoPos, nullptr});
      }
      a_->view().OverlayAdj(d, u, a_->label(), &scratch_);
      for (const AdjEntry& e : scratch_) {
        if (!f(e.nbr)) break;
      }
      return;
    }
    for (uint64_t p = lo; p < hi; ++p) {
      if (!f(nb[p])) break;
    }
  }

 private:
  const AdjAccess* a_;
  std::vector<uint64_t> start_;
  std::vector<uint64_t> len_;
  std::vector<uint32_t> nbuf_;
  std::vector<uint16_t> lbuf_;
  std::vector<AdjReq> reqs_;
  std::vector<AdjEntry> scratch_;
};

// Direction-optimising BFS (Beamer, Asanović, Patterson 2012; loop structure as in the GAP
// benchmark suite): top-down steps over a queue while the frontier is small, bottom-up steps
// over a bitmap (each unvisited vertex looks for a parent in the frontier) while it is large.
class BfsRunner {
 public:
  BfsRunner(const AdjAccess* a, std::vector<int> dirs, core::ThreadPool* pool, unsigned threads,
            bool parents)
      : a_(a),
        dirs_(std::move(dirs)),
        rdirs_(Reverse(dirs_)),
        pool_(pool),
        threads_(std::max(1u, threads)),
        parents_(parents) {
    for (unsigned t = 0; t < threads_; ++t) ts_.emplace_back(a);
  }

  Result<BfsResult> Run(uint32_t src, uint32_t max_depth);

 private:
  struct ThreadState {
    explicit ThreadState(const AdjAccess* a) : reader(a) {}
    ChunkReader reader;
    std::vector<uint32_t> out;
    std::vector<uint32_t> verts;
    uint64_t scout = 0;
    uint64_t awake = 0;
  };

  uint64_t Degree(uint32_t u) const {
    uint64_t d = 0;
    for (int dir : dirs_) d += a_->SnapDegree(dir, u);
    return d;
  }
  Status TopDown(int32_t level, uint64_t* scout);
  Status BottomUp(int32_t level, uint64_t* awake);
  Status CountEdges(BfsResult* r);

  const AdjAccess* a_;
  std::vector<int> dirs_, rdirs_;
  core::ThreadPool* pool_;
  unsigned threads_;
  bool parents_;
  std::vector<ThreadState> ts_;
  uint32_t n_ = 0;
  std::vector<int32_t> depth_;
  std::vector<uint32_t> parent_;
  std::vector<uint32_t> queue_;
  std::vector<uint64_t> cur_, next_;
};

Status BfsRunner::TopDown(int32_t level, uint64_t* scout) {
  const size_t chunk = ChunkFor(queue_.size(), threads_, kTopDownChunk);
  size_t chunks = (queue_.size() + chunk - 1) / chunk;
  CAIRN_RETURN_IF_ERROR(ParallelFor(pool_, threads_, chunks, [&](size_t c, unsigned t) {
    ThreadState& ts = ts_[t];
    size_t lo = c * chunk, hi = std::min(queue_.size(), lo + chunk);
    for (int d : dirs_) {
      CAIRN_RETURN_IF_ERROR(ts.reader.Load(d, queue_.data() + lo, hi - lo));
      for (size_t i = lo; i < hi; ++i) {
        uint32_t u = queue_[i];
        ts.reader.Visit(d, u, i - lo, [&](uint32_t w) {
          std::atomic_ref<int32_t> dw(depth_[w]);
          int32_t expected = -1;
          if (dw.load(std::memory_order_relaxed) < 0 &&
              dw.compare_exchange_strong(expected, level + 1, std::memory_order_relaxed)) {
            ts.out.push_back(w);
            if (parents_) parent_[w] = u;
            ts.scout += Degree(w);
          }
          return true;
        });
      }
    }
    return Status();
  }));
  queue_.clear();
  *scout = 0;
  for (ThreadState& ts : ts_) {
    queue_.insert(queue_.end(), ts.out.begin(), ts.out.end());
    ts.out.clear();
    *scout += ts.scout;
    ts.scout = 0;
  }
  return Status();
}

Status BfsRunner::BottomUp(int32_t level, uint64_t* awake) {
  const size_t chunk = ChunkFor(n_, threads_, kBottomUpChunk);
  size_t chunks = (n_ + chunk - 1) / chunk;
  std::fill(next_.begin(), next_.end(), 0);
  CAIRN_RETURN_IF_ERROR(ParallelFor(pool_, threads_, chunks, [&](size_t c, unsigned t) {
    ThreadState& ts = ts_[t];
    uint32_t lo = static_cast<uint32_t>(c * chunk);
    uint32_t hi = static_cast<uint32_t>(std::min<size_t>(n_, lo + chunk));
    ts.verts.clear();
    for (uint32_t v = lo; v < hi; ++v) {
      if (depth_[v] < 0) ts.verts.push_back(v);
    }
    for (int d : rdirs_) {
      CAIRN_RETURN_IF_ERROR(ts.reader.Load(d, ts.verts.data(), ts.verts.size()));
      for (size_t i = 0; i < ts.verts.size(); ++i) {
        uint32_t v = ts.verts[i];
        if (depth_[v] >= 0) continue;  // found through the other direction
        ts.reader.Visit(d, v, i, [&](uint32_t u) {
          if (!BitSet(cur_.data(), u)) return true;
          depth_[v] = level + 1;
          if (parents_) parent_[v] = u;
          next_[v >> 6] |= 1ull << (v & 63);
          ++ts.awake;
          return false;
        });
      }
    }
    return Status();
  }));
  *awake = 0;
  for (ThreadState& ts : ts_) {
    *awake += ts.awake;
    ts.awake = 0;
  }
  cur_.swap(next_);
  return Status();
}

Result<BfsResult> BfsRunner::Run(uint32_t src, uint32_t max_depth) {
  n_ = a_->view().total_slots();
  depth_.assign(n_, -1);
  if (parents_) parent_.assign(n_, kNoIndex);
  depth_[src] = 0;
  queue_ = {src};
  uint64_t edges_to_check = a_->view().snap().edges() * dirs_.size();
  uint64_t scout = Degree(src);
  BfsResult r;
  int32_t level = 0;
  auto depth_left = [&] { return static_cast<uint32_t>(level) < max_depth; };
  while (!queue_.empty() && depth_left()) {
    if (scout > edges_to_check / kAlpha) {
      cur_.assign((n_ + 63) / 64, 0);
      next_.assign(cur_.size(), 0);
      for (uint32_t u : queue_) cur_[u >> 6] |= 1ull << (u & 63);
      uint64_t awake = queue_.size(), old_awake;
      do {
        old_awake = awake;
        CAIRN_RETURN_IF_ERROR(BottomUp(level, &awake));
        ++level;
        ++r.bottom_up_levels;
      } while ((awake >= old_awake || awake > n_ / kBeta) && awake > 0 && depth_left());
      queue_.clear();
      for (size_t w = 0; w < cur_.size(); ++w) {
        for (uint64_t bits = cur_[w]; bits != 0; bits &= bits - 1) {
          queue_.push_back(static_cast<uint32_t>(w * 64 + std::countr_zero(bits)));
        }
      }
      scout = 1;
    } else {
      edges_to_check -= std::min(edges_to_check, scout);
      CAIRN_RETURN_IF_ERROR(TopDown(level, &scout));
      ++level;
    }
  }
  r.levels = static_cast<uint32_t>(level);
  CAIRN_RETURN_IF_ERROR(CountEdges(&r));
  r.depth = std::move(depth_);
  r.parent = std::move(parent_);
  return r;
}

Status BfsRunner::CountEdges(BfsResult* r) {
  // Degrees from the offsets where they suffice; lists are walked (in batches) only for
  // vertices the delta touched or when a label filters them.
  std::vector<uint32_t> walk;
  for (uint32_t v = 0; v < n_; ++v) {
    if (depth_[v] < 0) continue;
    ++r->reached;
    bool needs_walk = a_->label().has_value();
    for (int d : dirs_) {
      if (a_->touched(d, v)) needs_walk = true;
    }
    if (needs_walk) {
      walk.push_back(v);
    } else {
      r->edges += Degree(v);
    }
  }
  size_t chunks = (walk.size() + kTopDownChunk - 1) / kTopDownChunk;
  std::vector<uint64_t> counts(threads_, 0);
  CAIRN_RETURN_IF_ERROR(ParallelFor(pool_, threads_, chunks, [&](size_t c, unsigned t) {
    size_t lo = c * kTopDownChunk, hi = std::min(walk.size(), lo + kTopDownChunk);
    for (int d : dirs_) {
      CAIRN_RETURN_IF_ERROR(ts_[t].reader.Load(d, walk.data() + lo, hi - lo));
      for (size_t i = lo; i < hi; ++i) {
        ts_[t].reader.Visit(d, walk[i], i - lo, [&](uint32_t) {
          ++counts[t];
          return true;
        });
      }
    }
    return Status();
  }));
  for (uint64_t c : counts) r->edges += c;
  return Status();
}

Result<uint32_t> SourceSlot(const View& v, NodeId id) {
  std::optional<uint32_t> slot = v.SlotOf(id);
  if (!slot || !v.Live(*slot)) return NotFoundError("graph: no node " + std::to_string(id));
  return *slot;
}

// Weighted edges for Dijkstra.
class Weights {
 public:
  Weights(const View& v, const PathOptions& o) : v_(v), o_(o) {
    col_ = o.weight ? v.snap().EdgeColumn(*o.weight) : -1;
  }
  // Reads the snapshot weights of u's out-edges at once (call before Of(0, u, ...)).
  Status Prefetch(uint32_t u) {
    if (!o_.weight || col_ < 0 || u >= v_.snap().slots()) return Status();
    base_ = v_.snap().Begin(0, u);
    buf_.resize(v_.snap().End(0, u) - base_);
    return v_.snap().ReadNumbers(col_, base_, base_ + buf_.size(), buf_.data());
  }
  // The weight of entry `e` of (dir, u), or nullopt when the edge is not traversable.
  Result<std::optional<double>> Of(int dir, uint32_t u, const AdjEntry& e) {
    if (!o_.weight) return std::optional<double>(1.0);
    std::optional<double> w;
    if (dir == 0 && e.state == nullptr) {
      if (e.pos != internal::kNoPos && col_ >= 0) {
        double x = buf_[e.pos - base_];
        if (!std::isnan(x)) w = x;
      }
    } else {
      const Properties* props = nullptr;
      if (dir == 0) {
        props = &e.state->props;
      } else {
        bool found = false;
        CAIRN_RETURN_IF_ERROR(v_.FindEdge(e.nbr, e.label, u, &found, &props_));
        props = &props_;
      }
      auto it = props->find(*o_.weight);
      if (it != props->end()) w = AsNumber(it->second);
      if (w && std::isnan(*w)) w.reset();
    }
    if (!w) w = o_.default_weight;
    if (w && *w < 0) {
      return InvalidArgumentError("graph: negative edge weight " + std::to_string(*w) + " in " +
                                  *o_.weight);
    }
    return w;
  }

 private:
  const View& v_;
  const PathOptions& o_;
  int col_ = -1;
  Properties props_;
  uint64_t base_ = 0;
  std::vector<double> buf_;
};

// Dijkstra from `src` (stops early at `target` when given).
Status Dijkstra(const View& v, uint32_t src, std::optional<uint32_t> target, const PathOptions& o,
                std::vector<double>* dist, std::vector<uint32_t>* parent) {
  const uint32_t n = v.total_slots();
  dist->assign(n, kInf);
  parent->assign(n, kNoIndex);
  LabelFilter lf = ResolveLabel(v, o.label);
  Weights weights(v, o);
  using Item = std::pair<double, uint32_t>;
  std::priority_queue<Item, std::vector<Item>, std::greater<Item>> pq;
  (*dist)[src] = 0;
  pq.emplace(0.0, src);
  std::vector<AdjEntry> es;
  std::vector<int> dirs = DirsOf(o.direction);
  while (!pq.empty()) {
    auto [d, u] = pq.top();
    pq.pop();
    if (d > (*dist)[u]) continue;
    if (target && u == *target) break;
    if (lf.none) continue;
    for (int dir : dirs) {
      CAIRN_RETURN_IF_ERROR(v.Adj(dir, u, lf.id, &es));
      if (dir == 0) CAIRN_RETURN_IF_ERROR(weights.Prefetch(u));
      for (const AdjEntry& e : es) {
        CAIRN_ASSIGN_OR_RETURN(std::optional<double> w, weights.Of(dir, u, e));
        if (!w) continue;
        double nd = d + *w;
        if (nd < (*dist)[e.nbr]) {
          (*dist)[e.nbr] = nd;
          (*parent)[e.nbr] = u;
          pq.emplace(nd, e.nbr);
        }
      }
    }
  }
  return Status();
}

// Bidirectional BFS: expands whole levels of the smaller side; the first level on which the
// sides meet gives a shortest path (every meeting on it has the same length).
Result<std::optional<Path>> BidirectionalBfs(const View& v, uint32_t s, uint32_t t,
                                             const PathOptions& o) {
  Path path;
  if (s == t) {
    path.nodes = {v.IdOf(s)};
    return std::optional<Path>(path);
  }
  LabelFilter lf = ResolveLabel(v, o.label);
  if (lf.none) return std::optional<Path>();
  std::vector<int> dirs[2] = {DirsOf(o.direction), Reverse(DirsOf(o.direction))};
  std::unordered_map<uint32_t, uint32_t> parent[2] = {{{s, kNoIndex}}, {{t, kNoIndex}}};
  std::vector<uint32_t> frontier[2] = {{s}, {t}};
  std::vector<AdjEntry> es;
  uint32_t meet = kNoIndex;
  while (meet == kNoIndex && !frontier[0].empty() && !frontier[1].empty()) {
    int side = frontier[0].size() <= frontier[1].size() ? 0 : 1;
    std::vector<uint32_t> next;
    for (uint32_t u : frontier[side]) {
      for (int dir : dirs[side]) {
        CAIRN_RETURN_IF_ERROR(v.Adj(dir, u, lf.id, &es));
        for (const AdjEntry& e : es) {
          if (!parent[side].emplace(e.nbr, u).second) continue;
          next.push_back(e.nbr);
          if (meet == kNoIndex && parent[1 - side].count(e.nbr)) meet = e.nbr;
        }
      }
    }
    frontier[side].swap(next);
  }
  if (meet == kNoIndex) return std::optional<Path>();
  std::vector<uint32_t> slots;
  for (uint32_t x = meet; x != kNoIndex; x = parent[0][x]) slots.push_back(x);
  std::reverse(slots.begin(), slots.end());
  for (uint32_t x = parent[1][meet]; x != kNoIndex; x = parent[1][x]) slots.push_back(x);
  for (uint32_t x : slots) path.nodes.push_back(v.IdOf(x));
  path.cost = static_cast<double>(slots.size() - 1);
  return std::optional<Path>(std::move(path));
}

}  // namespace

Result<BfsResult> Graph::Bfs(NodeId source, const BfsOptions& options) const {
  std::shared_lock<std::shared_mutex> dl(impl_->data_mutex);
  View v = impl_->MakeView();
  CAIRN_ASSIGN_OR_RETURN(uint32_t src, SourceSlot(v, source));
  LabelFilter lf = ResolveLabel(v, options.label);
  if (lf.none) {
    BfsResult r;
    r.depth.assign(v.total_slots(), -1);
    r.depth[src] = 0;
    if (options.parents) r.parent.assign(v.total_slots(), kNoIndex);
    r.reached = 1;
    return r;
  }
  AdjAccess access(v, lf.id);
  BfsRunner runner(&access, DirsOf(options.direction), impl_->pool.get(), impl_->query_threads,
                   options.parents);
  return runner.Run(src, options.max_depth);
}

Result<std::vector<std::pair<NodeId, uint32_t>>> Graph::KHop(NodeId source, uint32_t k,
                                                             const BfsOptions& options,
                                                             size_t limit) const {
  std::shared_lock<std::shared_mutex> dl(impl_->data_mutex);
  View v = impl_->MakeView();
  CAIRN_ASSIGN_OR_RETURN(uint32_t src, SourceSlot(v, source));
  std::vector<std::pair<NodeId, uint32_t>> out;
  if (limit == 0) return out;
  out.emplace_back(source, 0);
  LabelFilter lf = ResolveLabel(v, options.label);
  if (lf.none) return out;
  std::unordered_set<uint32_t> seen{src};
  std::vector<uint32_t> frontier{src}, next;
  std::vector<AdjEntry> es;
  k = std::min(k, options.max_depth);
  for (uint32_t depth = 1; depth <= k && !frontier.empty(); ++depth) {
    next.clear();
    for (uint32_t u : frontier) {
      for (int dir : DirsOf(options.direction)) {
        CAIRN_RETURN_IF_ERROR(v.Adj(dir, u, lf.id, &es));
        for (const AdjEntry& e : es) {
          if (!seen.insert(e.nbr).second) continue;
          out.emplace_back(v.IdOf(e.nbr), depth);
          if (out.size() >= limit) return out;
          next.push_back(e.nbr);
        }
      }
    }
    frontier.swap(next);
  }
  return out;
}

Result<std::optional<Path>> Graph::ShortestPath(NodeId src, NodeId dst,
                                                const PathOptions& options) const {
  std::shared_lock<std::shared_mutex> dl(impl_->data_mutex);
  View v = impl_->MakeView();
  CAIRN_ASSIGN_OR_RETURN(uint32_t s, SourceSlot(v, src));
  CAIRN_ASSIGN_OR_RETURN(uint32_t t, SourceSlot(v, dst));
  if (!options.weight) return BidirectionalBfs(v, s, t, options);
  std::vector<double> dist;
  std::vector<uint32_t> parent;
  CAIRN_RETURN_IF_ERROR(Dijkstra(v, s, t, options, &dist, &parent));
  if (dist[t] == kInf) return std::optional<Path>();
  Path p;
  p.cost = dist[t];
  for (uint32_t x = t; x != kNoIndex; x = parent[x]) p.nodes.push_back(v.IdOf(x));
  std::reverse(p.nodes.begin(), p.nodes.end());
  return std::optional<Path>(std::move(p));
}

Result<std::vector<double>> Graph::Distances(NodeId source, const PathOptions& options) const {
  if (!options.weight) {
    BfsOptions bo;
    bo.direction = options.direction;
    bo.label = options.label;
    CAIRN_ASSIGN_OR_RETURN(BfsResult r, Bfs(source, bo));
    std::vector<double> d(r.depth.size());
    for (size_t i = 0; i < d.size(); ++i) d[i] = r.depth[i] < 0 ? kInf : r.depth[i];
    return d;
  }
  std::shared_lock<std::shared_mutex> dl(impl_->data_mutex);
  View v = impl_->MakeView();
  CAIRN_ASSIGN_OR_RETURN(uint32_t s, SourceSlot(v, source));
  std::vector<double> dist;
  std::vector<uint32_t> parent;
  CAIRN_RETURN_IF_ERROR(Dijkstra(v, s, std::nullopt, options, &dist, &parent));
  return dist;
}

}  // namespace cairn::graph
