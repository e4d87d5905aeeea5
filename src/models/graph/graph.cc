// Graph: open / recovery, writes (WAL + delta), group commit, compaction, stats.
#include "models/graph/graph.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <unordered_map>
#include <unordered_set>

#include "models/graph/internal/compaction.h"
#include "models/graph/internal/graph_impl.h"
#include "models/graph/internal/snapshot_writer.h"

namespace cairn::graph {

using internal::Applier;
using internal::DeltaLayer;
using internal::LogOp;
using internal::Manifest;
using internal::Snapshot;
using internal::View;

namespace {

constexpr char kManifestName[] = "MANIFEST";

internal::SnapshotOpenOptions SnapshotOptions(const GraphOptions& o, const std::string& dir) {
  internal::SnapshotOpenOptions so;
  so.env = o.env;
  so.dir = dir;
  so.mode = o.read_mode;
  so.memory_budget_bytes = o.memory_budget_bytes;
  so.queue_depth = o.io_queue_depth;
  so.verify = o.verify_checksums;
  return so;
}

}  // namespace

std::string Graph::Impl::SnapshotName(uint64_t generation) {
  char name[32];
  std::snprintf(name, sizeof(name), "snap-%08llu", static_cast<unsigned long long>(generation));
  return name;
}

std::string Graph::Impl::SnapshotDir(uint64_t generation) const {
  return core::JoinPath(options.dir, SnapshotName(generation));
}

Status Graph::Impl::RemoveDir(const std::string& dir) {
  core::Env* env = options.env;
  CAIRN_ASSIGN_OR_RETURN(auto names, env->ListDir(dir));
  for (const auto& n : names) CAIRN_RETURN_IF_ERROR(env->DeleteFile(core::JoinPath(dir, n)));
  CAIRN_RETURN_IF_ERROR(env->DeleteDir(dir));
  return env->SyncDir(options.dir);
}

Graph::Graph(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Graph::~Graph() { Close().IgnoreError(); }

Result<std::unique_ptr<Graph>> Graph::Open(const GraphOptions& options) {
  if (options.env == nullptr || options.dir.empty()) {
    return InvalidArgumentError("graph: options.env and options.dir are required");
  }
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  CAIRN_RETURN_IF_ERROR(core::CreateDirs(options.env, options.dir));
  CAIRN_ASSIGN_OR_RETURN(impl->lock, options.env->LockFile(core::JoinPath(options.dir, "LOCK")));
  CAIRN_RETURN_IF_ERROR(impl->Recover());
  unsigned q = options.query_threads;
  if (q == 0) q = std::max(1u, std::thread::hardware_concurrency());
  impl->query_threads = q;
  if (q > 1) impl->pool = std::make_unique<core::ThreadPool>(q - 1);
  Impl* raw = impl.get();
  if (options.compact_after_ops > 0) {
    impl->compactor = std::thread([raw] { raw->BackgroundLoop(); });
    raw->MaybeScheduleCompaction(raw->active->ops);
  }
  return std::unique_ptr<Graph>(new Graph(std::move(impl)));
}

Status Graph::Impl::Recover() {
  core::Env* env = options.env;
  std::string manifest_path = core::JoinPath(options.dir, kManifestName);
  if (env->FileExists(manifest_path)) {
    CAIRN_ASSIGN_OR_RETURN(std::string data, core::ReadFileToString(env, manifest_path));
    CAIRN_ASSIGN_OR_RETURN(manifest, internal::DecodeManifest(data));
  }
  // Leftovers of an interrupted compaction: snapshot directories the manifest does not name.
  CAIRN_ASSIGN_OR_RETURN(auto names, env->ListDir(options.dir));
  std::string current = SnapshotName(manifest.generation);
  for (const auto& n : names) {
    if (n.rfind("snap-", 0) == 0 && (manifest.generation == 0 || n != current)) {
      spdlog::info("graph: removing {} (not in the manifest)", n);
      CAIRN_RETURN_IF_ERROR(RemoveDir(core::JoinPath(options.dir, n)));
    }
  }
  if (manifest.generation > 0) {
    CAIRN_ASSIGN_OR_RETURN(
        snapshot,
        Snapshot::Open(SnapshotOptions(options, SnapshotDir(manifest.generation)), manifest));
  } else {
    snapshot = Snapshot::Empty();
  }
  const internal::SnapshotMeta& meta = snapshot->meta();
  labels = internal::LabelDict();
  labels.names.clear();
  labels.ids.clear();
  for (const auto& l : meta.labels) labels.Intern(l);
  if (labels.names.empty()) labels.Intern("");
  counters.live_nodes = meta.live_nodes;
  counters.live_edges = meta.out_edges;
  counters.next_id = meta.next_id;
  active = std::make_unique<DeltaLayer>(snapshot->slots());

  engine::SegmentLogOptions lo;
  lo.env = env;
  lo.dir = core::JoinPath(options.dir, "wal");
  lo.segment_bytes = options.wal_segment_bytes;
  CAIRN_ASSIGN_OR_RETURN(wal, engine::SegmentLog::Open(lo));
  CAIRN_RETURN_IF_ERROR(ReplayWal());
  for (uint32_t seg : wal->Segments()) {
    if (seg < manifest.mark_segment && seg != wal->active_segment()) {
      CAIRN_RETURN_IF_ERROR(wal->DeleteSegment(seg));
    }
  }
  return Status();
}

Status Graph::Impl::ReplayWal() {
  View view = MakeView();
  Applier applier(&view, active.get(), &labels, &counters);
  uint64_t records = 0;
  std::vector<LogOp> ops;
  for (uint32_t seg : wal->Segments()) {
    if (seg < manifest.mark_segment) continue;
    Status inner;
    Status s = wal->Scan(seg, [&](const engine::RecordAddress& a, uint8_t type, ByteSpan payload) {
      if (seg == manifest.mark_segment && a.offset <= manifest.mark_offset) return true;
      if (type != internal::kWalBatch) return true;
      inner = internal::DecodeLogOps(AsStringView(payload), &ops);
      for (size_t i = 0; inner.ok() && i < ops.size(); ++i) inner = applier.Apply(ops[i]);
      ++records;
      return inner.ok();
    });
    CAIRN_RETURN_IF_ERROR(s.WithContext("graph WAL segment " + std::to_string(seg)));
    CAIRN_RETURN_IF_ERROR(inner.WithContext("graph WAL replay"));
  }
  if (records > 0) {
    spdlog::info("graph: {} replayed {} WAL batches ({} operations)", options.dir, records,
                 active->ops);
  }
  return Status();
}

Status Graph::Close() {
  {
    std::lock_guard<std::mutex> l(impl_->bg_mutex);
    impl_->bg_stop = true;
  }
  impl_->bg_cv.notify_all();
  if (impl_->compactor.joinable()) impl_->compactor.join();
  std::lock_guard<std::mutex> wl(impl_->write_mutex);
  if (impl_->closed) return Status();
  impl_->closed = true;
  if (!impl_->broken.ok() || !impl_->wal) return Status();
  return impl_->wal->Sync();
}

// ---------------------------------------------------------------------------------------------
// Writes

Status Graph::Impl::ResolveBatch(const View& view, const WriteBatch& batch, std::vector<LogOp>* ops,
                                 WriteResult* result) {
  NodeId next_id = counters.next_id;
  std::unordered_set<std::string> new_labels;
  for (const auto& op : batch.ops()) {
    // Fresh keys must not take an id that a later put of this batch creates.
    bool put = op.kind == WriteBatch::OpKind::kPutNode || op.kind == WriteBatch::OpKind::kPutEdge;
    for (NodeId id : {op.src, op.dst}) {
      if (put && id != kNoNode) next_id = std::max(next_id, id + 1);
    }
    if (op.kind == WriteBatch::OpKind::kPutEdge && !labels.Find(op.label)) {
      new_labels.insert(op.label);
    }
  }
  if (labels.names.size() + new_labels.size() > internal::kMaxLabels) {
    return ResourceExhaustedError("graph: more than 65536 edge labels");
  }
  std::unordered_map<std::string, NodeId> local;  // keys bound or unbound in this batch
  auto resolve = [&](const std::string& key, bool create) -> Result<NodeId> {
    if (key.empty()) return InvalidArgumentError("graph: empty node key");
    auto it = local.find(key);
    NodeId id = kNoNode;
    if (it != local.end()) {
      id = it->second;
    } else {
      CAIRN_ASSIGN_OR_RETURN(std::optional<uint32_t> slot, view.SlotOfKey(key));
      if (slot) id = view.IdOf(*slot);
    }
    if (id == kNoNode && create) {
      if (next_id == kNoNode) return ResourceExhaustedError("graph: node ids exhausted");
      id = next_id++;
      LogOp bind;
      bind.kind = LogOp::kBindKey;
      bind.src = id;
      bind.text = key;
      ops->push_back(std::move(bind));
    }
    local[key] = id;
    if (result) result->keys.emplace_back(key, id);
    return id;
  };
  auto unbind = [&](NodeId id) -> Status {
    for (auto& [k, v] : local) {
      if (v == id) v = kNoNode;
    }
    std::optional<uint32_t> slot = view.SlotOf(id);
    if (!slot) return Status();
    internal::NodeState st;
    CAIRN_RETURN_IF_ERROR(view.NodeAt(*slot, &st));
    if (!st.key.empty() && !local.count(st.key)) local[st.key] = kNoNode;
    return Status();
  };
  for (const auto& op : batch.ops()) {
    LogOp out;
    out.merge = op.merge;
    out.props = op.props;
    out.text = op.label;
    bool named_src = !op.src_key.empty() || op.src != kNoNode;
    if (!named_src ||
        (op.kind >= WriteBatch::OpKind::kPutEdge && op.dst_key.empty() && op.dst == kNoNode)) {
      return InvalidArgumentError("graph: an operation names no node (or kNoNode)");
    }
    bool create =
        op.kind != WriteBatch::OpKind::kDeleteNode && op.kind != WriteBatch::OpKind::kDeleteEdge;
    out.src = op.src;
    if (!op.src_key.empty()) {
      CAIRN_ASSIGN_OR_RETURN(out.src, resolve(op.src_key, create));
    }
    out.dst = op.dst;
    if (!op.dst_key.empty()) {
      CAIRN_ASSIGN_OR_RETURN(out.dst, resolve(op.dst_key, create));
    }
    switch (op.kind) {
      case WriteBatch::OpKind::kPutNode:
        out.kind = LogOp::kPutNode;
        break;
      case WriteBatch::OpKind::kDeleteNode:
        out.kind = LogOp::kDeleteNode;
        if (out.src == kNoNode) continue;  // an unbound key: nothing to delete
        CAIRN_RETURN_IF_ERROR(unbind(out.src));
        break;
      case WriteBatch::OpKind::kPutEdge:
        out.kind = LogOp::kPutEdge;
        break;
      case WriteBatch::OpKind::kDeleteEdge:
        out.kind = LogOp::kDeleteEdge;
        if (out.src == kNoNode || out.dst == kNoNode) continue;
        break;
    }
    ops->push_back(std::move(out));
  }
  return Status();
}

Status Graph::Write(const WriteBatch& batch, WriteResult* result) {
  Impl& g = *impl_;
  if (result) result->keys.clear();
  if (batch.empty()) return Status();
  uint64_t seq = 0, active_ops = 0;
  {
    std::lock_guard<std::mutex> wl(g.write_mutex);
    if (g.closed) return FailedPreconditionError("graph is closed");
    if (!g.broken.ok()) {
      return FailedPreconditionError("graph refuses writes after an earlier failure (" +
                                     g.broken.ToString() + "); reopen to recover");
    }
    std::vector<LogOp> ops;
    {
      std::shared_lock<std::shared_mutex> dl(g.data_mutex);
      View v = g.MakeView();
      CAIRN_RETURN_IF_ERROR(g.ResolveBatch(v, batch, &ops, result));
    }
    if (ops.empty()) return Status();
    std::string payload;
    internal::EncodeLogOps(ops, &payload);
    CAIRN_RETURN_IF_ERROR(g.wal->Append(internal::kWalBatch, AsBytes(payload), false).status());
    seq = g.appended_seq.fetch_add(1) + 1;
    std::unique_lock<std::shared_mutex> dl(g.data_mutex);
    View v = g.MakeView();
    Applier applier(&v, g.active.get(), &g.labels, &g.counters);
    for (const LogOp& op : ops) {
      Status s = applier.Apply(op);
      if (!s.ok()) {
        g.broken = s.WithContext("graph: applying a logged batch failed");
        return g.broken;
      }
    }
    active_ops = g.active->ops;
  }
  g.MaybeScheduleCompaction(active_ops);
  if (g.options.sync) return g.SyncTo(seq);
  return Status();
}

Status Graph::Impl::SyncTo(uint64_t seq) {
  Status s;
  {
    std::lock_guard<std::mutex> l(sync_mutex);
    if (durable_seq >= seq) return Status();
    uint64_t target = appended_seq.load();
    s = wal->Sync();
    if (s.ok()) {
      durable_seq = target;
      return Status();
    }
  }
  std::lock_guard<std::mutex> wl(write_mutex);
  if (broken.ok()) broken = s.WithContext("graph WAL sync failed");
  return s;
}

Status Graph::PutNode(NodeId id, Properties props) {
  WriteBatch b;
  b.PutNode(id, std::move(props));
  return Write(b);
}

Result<NodeId> Graph::PutNodeByKey(std::string key, Properties props) {
  WriteBatch b;
  b.PutNodeByKey(std::move(key), std::move(props));
  WriteResult r;
  CAIRN_RETURN_IF_ERROR(Write(b, &r));
  return r.keys.at(0).second;
}

Status Graph::DeleteNode(NodeId id) {
  WriteBatch b;
  b.DeleteNode(id);
  return Write(b);
}

Status Graph::PutEdge(NodeId src, std::string label, NodeId dst, Properties props) {
  WriteBatch b;
  b.PutEdge(src, std::move(label), dst, std::move(props));
  return Write(b);
}

Status Graph::DeleteEdge(NodeId src, std::string label, NodeId dst) {
  WriteBatch b;
  b.DeleteEdge(src, std::move(label), dst);
  return Write(b);
}

// ---------------------------------------------------------------------------------------------
// Compaction

void Graph::Impl::MaybeScheduleCompaction(uint64_t active_ops) {
  if (options.compact_after_ops == 0 || active_ops < options.compact_after_ops) return;
  {
    std::lock_guard<std::mutex> l(bg_mutex);
    bg_wanted = true;
  }
  bg_cv.notify_all();
}

void Graph::Impl::BackgroundLoop() {
  std::unique_lock<std::mutex> l(bg_mutex);
  for (;;) {
    bg_cv.wait(l, [&] { return bg_stop || bg_wanted; });
    if (bg_stop) return;
    bg_wanted = false;
    l.unlock();
    Status s = CompactNow();
    l.lock();
    if (!s.ok()) {
      spdlog::error("graph: background compaction of {} failed: {}", options.dir, s.ToString());
      bg_cv.wait_for(l, std::chrono::seconds(5), [&] { return bg_stop; });
      bg_wanted = true;
    }
  }
}

Status Graph::Compact() {
  bool had_frozen;
  {
    std::lock_guard<std::mutex> cl(impl_->compact_mutex);
    had_frozen = impl_->frozen != nullptr;
  }
  CAIRN_RETURN_IF_ERROR(impl_->CompactNow());
  // A frozen layer left by a failed attempt was merged first; now merge what was active.
  if (had_frozen) return impl_->CompactNow();
  return Status();
}

Status Graph::Impl::CompactNow() {
  std::lock_guard<std::mutex> cl(compact_mutex);
  core::Env* env = options.env;
  uint64_t start = env->NowMicros();
  if (!frozen) {
    std::lock_guard<std::mutex> wl(write_mutex);
    if (closed) return FailedPreconditionError("graph is closed");
    if (!broken.ok()) return FailedPreconditionError("graph is broken: " + broken.ToString());
    if (active->ops == 0) return Status();
    CAIRN_ASSIGN_OR_RETURN(frozen_mark, wal->Append(internal::kWalMark, ByteSpan(), false));
    std::unique_lock<std::shared_mutex> dl(data_mutex);
    frozen = std::move(active);
    active = std::make_unique<DeltaLayer>(frozen->end_slot());
    frozen_labels = labels;
    frozen_next_id = counters.next_id;
  }
  // The mark must be durable before a manifest names it: otherwise a crash could cut it and
  // later records would land before the offset the manifest skips to.
  CAIRN_RETURN_IF_ERROR(wal->Sync());
  Manifest m;
  m.generation = manifest.generation + 1;
  m.mark_segment = frozen_mark.segment;
  m.mark_offset = frozen_mark.offset;
  std::string dir = SnapshotDir(m.generation);
  if (env->FileExists(dir)) CAIRN_RETURN_IF_ERROR(RemoveDir(dir));
  {
    View view(snapshot.get(), {frozen.get()}, &frozen_labels);
    internal::SnapshotWriter writer(env, dir);
    CAIRN_RETURN_IF_ERROR(internal::WriteMergedSnapshot(view, frozen_next_id, &writer, &m));
  }
  std::string encoded = internal::EncodeManifest(m);
  CAIRN_RETURN_IF_ERROR(
      core::WriteFileAtomically(env, core::JoinPath(options.dir, kManifestName), AsBytes(encoded)));
  manifest = m;
  CAIRN_ASSIGN_OR_RETURN(auto next, Snapshot::Open(SnapshotOptions(options, dir), m));
  std::unique_ptr<Snapshot> old;
  {
    std::unique_lock<std::shared_mutex> dl(data_mutex);
    old = std::move(snapshot);
    snapshot = std::move(next);
    frozen.reset();
  }
  old.reset();
  // Only now is the previous snapshot, and the WAL before the mark, garbage.
  CAIRN_ASSIGN_OR_RETURN(auto names, env->ListDir(options.dir));
  std::string current = SnapshotName(m.generation);
  for (const auto& n : names) {
    if (n.rfind("snap-", 0) == 0 && n != current) {
      CAIRN_RETURN_IF_ERROR(RemoveDir(core::JoinPath(options.dir, n)));
    }
  }
  for (uint32_t seg : wal->Segments()) {
    if (seg < m.mark_segment && seg != wal->active_segment()) {
      CAIRN_RETURN_IF_ERROR(wal->DeleteSegment(seg));
    }
  }
  compactions.fetch_add(1);
  spdlog::info("graph: {} compacted into generation {} ({} slots, {} edges) in {} ms", options.dir,
               m.generation, snapshot->slots(), snapshot->edges(),
               (env->NowMicros() - start) / 1000);
  return Status();
}

// ---------------------------------------------------------------------------------------------
// Stats

GraphStats Graph::stats() const {
  const Impl& g = *impl_;
  GraphStats s;
  {
    std::shared_lock<std::shared_mutex> dl(g.data_mutex);
    s.nodes = g.counters.live_nodes;
    s.edges = g.counters.live_edges;
    s.node_index_bound = g.active->end_slot();
    s.generation = g.snapshot->generation();
    s.snapshot_edges = g.snapshot->edges();
    s.snapshot_bytes = g.snapshot->file_bytes();
    s.delta_ops = g.active->ops + (g.frozen ? g.frozen->ops : 0);
    s.read_path = g.snapshot->read_path();
    if (g.snapshot->io()) {
      s.io_reads = g.snapshot->io()->reads.load();
      s.io_bytes = g.snapshot->io()->bytes_read.load();
    }
  }
  s.compactions = g.compactions.load();
  s.wal_bytes = g.wal->total_bytes();
  return s;
}

ReadPath Graph::read_path() const {
  std::shared_lock<std::shared_mutex> dl(impl_->data_mutex);
  return impl_->snapshot->read_path();
}

}  // namespace cairn::graph
