#include "models/graph/bulk_load.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <future>
#include <set>
#include <thread>

#include "core/env/env.h"
#include "core/thread_pool.h"
#include "models/graph/internal/codec.h"
#include "models/graph/internal/delta.h"
#include "models/graph/internal/snapshot_writer.h"

namespace cairn::graph {

using internal::ColumnSpec;
using internal::SnapshotWriter;

namespace {

constexpr uint64_t kLabelShift = 32;

// Runs fn(begin, end, t) over `threads` equal parts of [0, n) (the caller runs part 0).
template <typename Fn>
void ParallelRanges(core::ThreadPool* pool, unsigned threads, uint64_t n, Fn fn) {
  unsigned t = pool == nullptr ? 1u : static_cast<unsigned>(std::min<uint64_t>(threads, n));
  if (t <= 1) {
    fn(uint64_t{0}, n, 0u);
    return;
  }
  std::vector<std::future<void>> fs;
  for (unsigned i = 1; i < t; ++i) {
    fs.push_back(pool->Async([&fn, i, t, n] { fn(n * i / t, n * (i + 1) / t, i); }));
  }
  fn(0, n / t, 0u);
  for (auto& f : fs) f.wait();
}

// Runs fn(begin, end) over chunks of [0, n) handed out dynamically.
template <typename Fn>
void ParallelChunks(core::ThreadPool* pool, unsigned threads, uint64_t n, uint64_t chunk, Fn fn) {
  std::atomic<uint64_t> next{0};
  ParallelRanges(pool, threads, threads, [&](uint64_t, uint64_t, unsigned) {
    for (;;) {
      uint64_t b = next.fetch_add(chunk);
      if (b >= n) break;
      fn(b, std::min(n, b + chunk));
    }
  });
}

ColumnSpec PlanColumn(ColumnSpec::Rows rows, const std::string& key,
                      const std::set<ValueType>& types) {
  ColumnSpec c;
  c.rows = rows;
  c.key = key;
  bool fixed = types.size() == 1 && *types.begin() != ValueType::kString;
  c.kind = fixed ? ColumnSpec::kFixed : ColumnSpec::kVar;
  c.type = fixed ? *types.begin() : ValueType::kNull;
  return c;
}

}  // namespace

BulkLoader::BulkLoader(BulkLoadOptions options) : options_(std::move(options)) {
  threads_ =
      options_.threads ? options_.threads : std::max(1u, std::thread::hardware_concurrency());
  if (threads_ > 1) pool_ = std::make_unique<core::ThreadPool>(threads_ - 1);
}

BulkLoader::~BulkLoader() = default;

Result<uint16_t> BulkLoader::Label(std::string_view label) {
  std::string l(label);
  auto it = label_ids_.find(l);
  if (it != label_ids_.end()) return it->second;
  if (label_names_.size() >= internal::kMaxLabels) {
    return ResourceExhaustedError("graph bulk load: more than 65536 edge labels");
  }
  uint16_t id = static_cast<uint16_t>(label_names_.size());
  label_names_.push_back(l);
  label_ids_.emplace(std::move(l), id);
  return id;
}

void BulkLoader::AddLabel(uint16_t label) {
  if (labels_.empty()) labels_.assign(src_.size() - 1, 0);
  labels_.push_back(label);
}

void BulkLoader::AddEdge(NodeId src, NodeId dst, uint16_t label, Properties props) {
  AddEdge(src, dst, label);
  if (props.empty()) return;
  if (prop_index_.empty()) prop_index_.assign(src_.size(), kNoProps);
  prop_index_.back() = static_cast<uint32_t>(edge_props_.size());
  edge_props_.push_back(std::move(props));
}

void BulkLoader::AddEdges(std::span<const NodeId> src, std::span<const NodeId> dst,
                          uint16_t label) {
  size_t n = std::min(src.size(), dst.size());
  src_.insert(src_.end(), src.begin(), src.begin() + n);
  dst_.insert(dst_.end(), dst.begin(), dst.begin() + n);
  if (!labels_.empty() || label != 0) {
    if (labels_.empty()) labels_.assign(src_.size() - n, 0);
    labels_.resize(src_.size(), label);
  }
  if (!prop_index_.empty()) prop_index_.resize(src_.size(), kNoProps);
}

void BulkLoader::AddNode(NodeId id, Properties props, std::string key) {
  nodes_[id] = NodeData{internal::WithoutNulls(props), std::move(key)};
}

// Replaces the ids in src_ / dst_ by dense slots (ascending id order); `ids` gets slot -> id.
Status BulkLoader::MapIds(std::vector<NodeId>* ids) {
  const uint64_t m = src_.size();
  std::vector<NodeId> maxes(threads_, 0);
  std::atomic<bool> bad{false};
  ParallelRanges(pool_.get(), threads_, m, [&](uint64_t b, uint64_t e, unsigned t) {
    NodeId mx = 0;
    for (uint64_t i = b; i < e; ++i) {
      if (src_[i] == kNoNode || dst_[i] == kNoNode) bad = true;
      mx = std::max({mx, src_[i], dst_[i]});
    }
    maxes[t] = mx;
  });
  NodeId max_id = *std::max_element(maxes.begin(), maxes.end());
  for (const auto& [id, nd] : nodes_) {
    if (id == kNoNode) bad = true;
    max_id = std::max(max_id, id);
  }
  if (bad) return InvalidArgumentError("graph bulk load: node id kNoNode");
  const uint64_t named = 2 * m + nodes_.size();
  if (named == 0) return Status();
  if (max_id < 0xffffffffull && max_id + 1 <= std::max<uint64_t>(1ull << 24, 2 * named)) {
    // Dense ids: a direct id -> slot table.
    std::vector<uint32_t> map(max_id + 1, 0);
    ParallelRanges(pool_.get(), threads_, m, [&](uint64_t b, uint64_t e, unsigned) {
      for (uint64_t i = b; i < e; ++i) {
        std::atomic_ref<uint32_t>(map[src_[i]]).store(1, std::memory_order_relaxed);
        std::atomic_ref<uint32_t>(map[dst_[i]]).store(1, std::memory_order_relaxed);
      }
    });
    for (const auto& [id, nd] : nodes_) map[id] = 1;
    uint32_t slot = 0;
    for (uint64_t id = 0; id <= max_id; ++id) {
      if (map[id] == 0) continue;
      map[id] = slot++;
      ids->push_back(id);
    }
    ParallelRanges(pool_.get(), threads_, m, [&](uint64_t b, uint64_t e, unsigned) {
      for (uint64_t i = b; i < e; ++i) {
        src_[i] = map[src_[i]];
        dst_[i] = map[dst_[i]];
      }
    });
    return Status();
  }
  // Sparse ids: sort them, then binary-search each endpoint.
  ids->reserve(named);
  ids->insert(ids->end(), src_.begin(), src_.end());
  ids->insert(ids->end(), dst_.begin(), dst_.end());
  for (const auto& [id, nd] : nodes_) ids->push_back(id);
  std::sort(ids->begin(), ids->end());
  ids->erase(std::unique(ids->begin(), ids->end()), ids->end());
  ids->shrink_to_fit();
  if (ids->size() >= 0xffffffffull) {
    return ResourceExhaustedError("graph bulk load: more than 2^32 - 1 nodes");
  }
  ParallelRanges(pool_.get(), threads_, m, [&](uint64_t b, uint64_t e, unsigned) {
    for (uint64_t i = b; i < e; ++i) {
      src_[i] =
          static_cast<uint64_t>(std::lower_bound(ids->begin(), ids->end(), src_[i]) - ids->begin());
      dst_[i] =
          static_cast<uint64_t>(std::lower_bound(ids->begin(), ids->end(), dst_[i]) - ids->begin());
    }
  });
  return Status();
}

// Counting sort by source slot (stable, so the last duplicate stays last), then per-node sort
// by (label, neighbour) and duplicate removal.
Status BulkLoader::BuildOut(uint32_t n, std::vector<uint64_t>* off, std::vector<uint64_t>* keys,
                            std::vector<uint32_t>* idx, uint64_t* dups) {
  const uint64_t m = src_.size();
  const bool props = !prop_index_.empty();
  unsigned tc = std::min(threads_, 8u);
  if (uint64_t{n} * tc * 8 > (2ull << 30)) tc = 1;
  std::vector<std::vector<uint64_t>> cnt(tc, std::vector<uint64_t>(n, 0));
  ParallelRanges(pool_.get(), tc, m, [&](uint64_t b, uint64_t e, unsigned t) {
    for (uint64_t i = b; i < e; ++i) ++cnt[t][src_[i]];
  });
  off->assign(uint64_t{n} + 1, 0);
  uint64_t pos = 0;
  for (uint32_t s = 0; s < n; ++s) {
    (*off)[s] = pos;
    for (unsigned t = 0; t < tc; ++t) {
      uint64_t c = cnt[t][s];
      cnt[t][s] = pos;  // becomes thread t's cursor for s
      pos += c;
    }
  }
  (*off)[n] = pos;
  keys->resize(m);
  if (props) idx->resize(m);
  ParallelRanges(pool_.get(), tc, m, [&](uint64_t b, uint64_t e, unsigned t) {
    for (uint64_t i = b; i < e; ++i) {
      uint64_t p = cnt[t][src_[i]]++;
      uint64_t label = labels_.empty() ? 0 : labels_[i];
      (*keys)[p] = (label << kLabelShift) | dst_[i];
      if (props) (*idx)[p] = static_cast<uint32_t>(i);
    }
  });
  cnt.clear();
  cnt.shrink_to_fit();
  std::vector<NodeId>().swap(dst_);
  std::vector<NodeId>().swap(src_);
  std::vector<uint16_t>().swap(labels_);
  std::vector<uint64_t> deg(n);
  ParallelChunks(pool_.get(), threads_, n, 4096, [&](uint64_t lo, uint64_t hi) {
    std::vector<std::pair<uint64_t, uint32_t>> tmp;
    for (uint64_t s = lo; s < hi; ++s) {
      uint64_t b = (*off)[s], e = (*off)[s + 1];
      if (!props) {
        std::sort(keys->begin() + b, keys->begin() + e);
        deg[s] = std::unique(keys->begin() + b, keys->begin() + e) - (keys->begin() + b);
        continue;
      }
      tmp.clear();
      for (uint64_t p = b; p < e; ++p) tmp.emplace_back((*keys)[p], (*idx)[p]);
      std::sort(tmp.begin(), tmp.end());
      uint64_t w = b;
      for (size_t i = 0; i < tmp.size(); ++i) {
        if (i + 1 < tmp.size() && tmp[i + 1].first == tmp[i].first) continue;  // keep the last
        (*keys)[w] = tmp[i].first;
        (*idx)[w] = tmp[i].second;
        ++w;
      }
      deg[s] = w - b;
    }
  });
  uint64_t w = 0;
  for (uint32_t s = 0; s < n; ++s) {
    uint64_t b = (*off)[s];
    (*off)[s] = w;
    if (w != b) {
      std::copy(keys->begin() + b, keys->begin() + b + deg[s], keys->begin() + w);
      if (props) std::copy(idx->begin() + b, idx->begin() + b + deg[s], idx->begin() + w);
    }
    w += deg[s];
  }
  *dups = m - w;
  (*off)[n] = w;
  keys->resize(w);
  keys->shrink_to_fit();
  if (props) idx->resize(w);
  return Status();
}

// The in-direction CSR from the out one: scatter by destination (sources ascending), then sort
// each list by (label, source) when there are several labels.
Status BulkLoader::BuildIn(uint32_t n, const std::vector<uint64_t>& out_off,
                           const std::vector<uint64_t>& out_keys, std::vector<uint64_t>* off,
                           std::vector<uint64_t>* keys) {
  const uint64_t m = out_keys.size();
  off->assign(uint64_t{n} + 1, 0);
  for (uint64_t k : out_keys) ++(*off)[static_cast<uint32_t>(k) + 1];
  for (uint32_t s = 0; s < n; ++s) (*off)[s + 1] += (*off)[s];
  std::vector<uint64_t> cur(off->begin(), off->end() - 1);
  keys->resize(m);
  for (uint32_t s = 0; s < n; ++s) {
    for (uint64_t p = out_off[s]; p < out_off[s + 1]; ++p) {
      uint64_t k = out_keys[p];
      (*keys)[cur[static_cast<uint32_t>(k)]++] = (k >> kLabelShift << kLabelShift) | s;
    }
  }
  if (label_names_.size() > 1) {
    ParallelChunks(pool_.get(), threads_, n, 4096, [&](uint64_t lo, uint64_t hi) {
      for (uint64_t s = lo; s < hi; ++s) {
        std::sort(keys->begin() + (*off)[s], keys->begin() + (*off)[s + 1]);
      }
    });
  }
  return Status();
}

Status BulkLoader::Write(const std::vector<NodeId>& ids, const std::vector<uint64_t>* off,
                         const std::vector<uint64_t>* keys, const std::vector<uint32_t>& idx,
                         BulkLoadStats* stats) {
  core::Env* env = options_.env;
  const uint32_t n = static_cast<uint32_t>(ids.size());
  auto slot_of = [&](NodeId id) {
    return static_cast<uint32_t>(std::lower_bound(ids.begin(), ids.end(), id) - ids.begin());
  };
  std::vector<const Properties*> node_props(n, nullptr);
  std::vector<std::pair<uint32_t, std::string>> node_keys;
  std::map<std::string, std::set<ValueType>> node_types, edge_types;
  for (const auto& [id, nd] : nodes_) {
    uint32_t s = slot_of(id);
    if (!nd.props.empty()) node_props[s] = &nd.props;
    if (!nd.key.empty()) node_keys.emplace_back(s, nd.key);
    for (const auto& [k, v] : nd.props) node_types[k].insert(TypeOf(v));
  }
  std::sort(node_keys.begin(), node_keys.end(),
            [](const auto& a, const auto& b) { return a.second < b.second; });
  for (size_t i = 1; i < node_keys.size(); ++i) {
    if (node_keys[i].second == node_keys[i - 1].second) {
      return InvalidArgumentError("graph bulk load: key " + node_keys[i].second +
                                  " names two nodes");
    }
  }
  std::sort(node_keys.begin(), node_keys.end());
  for (const Properties& p : edge_props_) {
    for (const auto& [k, v] : p) {
      if (TypeOf(v) != ValueType::kNull) edge_types[k].insert(TypeOf(v));
    }
  }

  std::string dir = core::JoinPath(options_.dir, "snap-00000001");
  if (env->FileExists(dir)) {  // left by a load that failed before its MANIFEST
    CAIRN_ASSIGN_OR_RETURN(auto names, env->ListDir(dir));
    for (const auto& n : names) CAIRN_RETURN_IF_ERROR(env->DeleteFile(core::JoinPath(dir, n)));
    CAIRN_RETURN_IF_ERROR(env->DeleteDir(dir));
  }
  SnapshotWriter w(env, dir);
  CAIRN_RETURN_IF_ERROR(w.Begin());
  std::vector<uint64_t> live((uint64_t{n} + 63) / 64, ~0ull);
  if (n % 64) live.back() = (1ull << (n % 64)) - 1;
  CAIRN_RETURN_IF_ERROR(w.WriteNodes(ids, live, n, node_keys));
  for (const auto& [key, types] : node_types) {
    CAIRN_ASSIGN_OR_RETURN(auto* c, w.AddColumn(PlanColumn(ColumnSpec::kNodeRows, key, types)));
    for (uint32_t s = 0; s < n; ++s) {
      const PropertyValue* v = nullptr;
      if (node_props[s]) {
        auto it = node_props[s]->find(key);
        if (it != node_props[s]->end()) v = &it->second;
      }
      CAIRN_RETURN_IF_ERROR(c->Add(v));
    }
  }
  for (const auto& [key, types] : edge_types) {
    CAIRN_ASSIGN_OR_RETURN(auto* c, w.AddColumn(PlanColumn(ColumnSpec::kEdgeRows, key, types)));
    for (uint64_t p = 0; p < keys[0].size(); ++p) {
      const PropertyValue* v = nullptr;
      uint32_t pi = prop_index_[idx[p]];
      if (pi != kNoProps) {
        auto it = edge_props_[pi].find(key);
        if (it != edge_props_[pi].end()) v = &it->second;
      }
      CAIRN_RETURN_IF_ERROR(c->Add(v));
    }
  }
  const bool has_labels = label_names_.size() > 1;
  constexpr uint64_t kPiece = 1 << 20;
  std::vector<uint32_t> nb(kPiece);
  std::vector<uint16_t> lb(has_labels ? kPiece : 0);
  for (int d = 0; d < 2; ++d) {
    CAIRN_ASSIGN_OR_RETURN(auto* t, w.StartTopology(d, has_labels));
    CAIRN_RETURN_IF_ERROR(t->SetOffsets(off[d].data(), n));
    const std::vector<uint64_t>& k = keys[d];
    for (uint64_t p = 0; p < k.size(); p += kPiece) {
      uint64_t e = std::min<uint64_t>(k.size(), p + kPiece);
      for (uint64_t i = p; i < e; ++i) {
        nb[i - p] = static_cast<uint32_t>(k[i]);
        if (has_labels) lb[i - p] = static_cast<uint16_t>(k[i] >> kLabelShift);
      }
      CAIRN_RETURN_IF_ERROR(t->AppendEdges(nb.data(), has_labels ? lb.data() : nullptr, e - p));
    }
  }
  internal::Manifest manifest;
  NodeId next_id = ids.empty() ? 0 : ids.back() + 1;
  CAIRN_RETURN_IF_ERROR(w.Finish(label_names_, next_id, &manifest));
  manifest.generation = 1;
  for (const auto& [name, size] : manifest.files) stats->bytes += size;
  std::string encoded = internal::EncodeManifest(manifest);
  return core::WriteFileAtomically(env, core::JoinPath(options_.dir, "MANIFEST"), AsBytes(encoded));
}

Result<BulkLoadStats> BulkLoader::Finish() {
  core::Env* env = options_.env;
  if (env == nullptr || options_.dir.empty()) {
    return InvalidArgumentError("graph bulk load: options.env and options.dir are required");
  }
  CAIRN_RETURN_IF_ERROR(core::CreateDirs(env, options_.dir));
  CAIRN_ASSIGN_OR_RETURN(auto lock, env->LockFile(core::JoinPath(options_.dir, "LOCK")));
  if (env->FileExists(core::JoinPath(options_.dir, "MANIFEST")) ||
      env->FileExists(core::JoinPath(options_.dir, "wal"))) {
    return AlreadyExistsError("graph bulk load: " + options_.dir + " already holds a graph");
  }
  uint64_t start = env->NowMicros();
  BulkLoadStats stats;
  std::vector<NodeId> ids;
  uint64_t t[5];
  t[0] = env->NowMicros();
  CAIRN_RETURN_IF_ERROR(MapIds(&ids));
  const uint32_t n = static_cast<uint32_t>(ids.size());
  std::vector<uint64_t> off[2], keys[2];
  std::vector<uint32_t> idx;
  t[1] = env->NowMicros();
  CAIRN_RETURN_IF_ERROR(BuildOut(n, &off[0], &keys[0], &idx, &stats.duplicate_edges));
  t[2] = env->NowMicros();
  CAIRN_RETURN_IF_ERROR(BuildIn(n, off[0], keys[0], &off[1], &keys[1]));
  t[3] = env->NowMicros();
  CAIRN_RETURN_IF_ERROR(Write(ids, off, keys, idx, &stats));
  t[4] = env->NowMicros();
  stats.nodes = n;
  stats.edges = keys[0].size();
  spdlog::info(
      "graph: bulk load of {} wrote {} nodes, {} edges ({} duplicates merged) in {} ms "
      "(ids {} ms, out {} ms, in {} ms, files {} ms)",
      options_.dir, stats.nodes, stats.edges, stats.duplicate_edges, (t[4] - start) / 1000,
      (t[1] - t[0]) / 1000, (t[2] - t[1]) / 1000, (t[3] - t[2]) / 1000, (t[4] - t[3]) / 1000);
  return stats;
}

namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r'; }

}  // namespace

Status ParseEdgeList(std::string_view text, BulkLoader* loader, uint64_t line) {
  std::string last_label;
  uint16_t last_id = 0;
  size_t pos = 0;
  for (; pos < text.size(); ++line) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    const char* p = text.data() + pos;
    const char* end = text.data() + eol;
    pos = eol + 1;
    while (p < end && IsSpace(*p)) ++p;
    if (p == end || *p == '#' || *p == '%') continue;
    NodeId ids[2];
    for (NodeId& id : ids) {
      while (p < end && IsSpace(*p)) ++p;
      auto r = std::from_chars(p, end, id);
      if (r.ec != std::errc() || (r.ptr < end && !IsSpace(*r.ptr))) {
        return InvalidArgumentError("edge list line " + std::to_string(line) +
                                    ": expected two unsigned node ids");
      }
      p = r.ptr;
    }
    while (p < end && IsSpace(*p)) ++p;
    while (end > p && IsSpace(end[-1])) --end;
    std::string_view label(p, static_cast<size_t>(end - p));
    uint16_t lid = 0;
    if (!label.empty()) {
      if (label != last_label) {
        CAIRN_ASSIGN_OR_RETURN(last_id, loader->Label(label));
        last_label.assign(label);
      }
      lid = last_id;
    }
    loader->AddEdge(ids[0], ids[1], lid);
  }
  return Status();
}

Result<uint64_t> LoadEdgeListFile(core::Env* env, const std::string& path, BulkLoader* loader) {
  core::OpenOptions o;
  o.read_only = true;
  CAIRN_ASSIGN_OR_RETURN(auto file, env->OpenFile(path, o));
  constexpr size_t kPiece = 16 << 20;
  std::string buf;
  uint64_t offset = 0, line = 1, before = loader->edges_added();
  for (;;) {
    size_t have = buf.size();
    buf.resize(have + kPiece);
    CAIRN_ASSIGN_OR_RETURN(
        size_t n, file->ReadAt(offset, MutableByteSpan(
                                           reinterpret_cast<uint8_t*>(buf.data()) + have, kPiece)));
    buf.resize(have + n);
    offset += n;
    size_t cut = n == 0 ? buf.size() : buf.rfind('\n');
    if (cut == std::string::npos) {
      if (buf.size() > (256u << 20)) return InvalidArgumentError("edge list: line too long");
      continue;
    }
    if (n != 0) ++cut;  // keep the newline with the parsed part
    std::string_view whole(buf.data(), cut);
    CAIRN_RETURN_IF_ERROR(ParseEdgeList(whole, loader, line));
    line += static_cast<uint64_t>(std::count(whole.begin(), whole.end(), '\n'));
    buf.erase(0, cut);
    if (n == 0) break;
  }
  return loader->edges_added() - before;
}

}  // namespace cairn::graph
