// Graph: point reads, node indices and export.
#include <charconv>
#include <mutex>
#include <shared_mutex>

#include "models/graph/graph.h"
#include "models/graph/internal/graph_impl.h"

namespace cairn::graph {

using internal::AdjEntry;
using internal::NodeState;
using internal::View;

namespace {

std::string IdText(NodeId id) { return std::to_string(id); }

// The live slot of `id`. Errors: kNotFound.
Result<uint32_t> LiveSlot(const View& v, NodeId id) {
  std::optional<uint32_t> slot = v.SlotOf(id);
  if (!slot || !v.Live(*slot)) return NotFoundError("graph: no node " + IdText(id));
  return *slot;
}

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

}  // namespace

Result<Node> Graph::GetNode(NodeId id) const {
  std::shared_lock<std::shared_mutex> dl(impl_->data_mutex);
  View v = impl_->MakeView();
  CAIRN_ASSIGN_OR_RETURN(uint32_t slot, LiveSlot(v, id));
  NodeState st;
  CAIRN_RETURN_IF_ERROR(v.NodeAt(slot, &st));
  return Node{id, std::move(st.key), std::move(st.props)};
}

Result<Node> Graph::GetNodeByKey(std::string_view key) const {
  std::shared_lock<std::shared_mutex> dl(impl_->data_mutex);
  View v = impl_->MakeView();
  CAIRN_ASSIGN_OR_RETURN(std::optional<uint32_t> slot, v.SlotOfKey(key));
  if (!slot || !v.Live(*slot)) return NotFoundError("graph: no node with key " + std::string(key));
  NodeState st;
  CAIRN_RETURN_IF_ERROR(v.NodeAt(*slot, &st));
  return Node{v.IdOf(*slot), std::move(st.key), std::move(st.props)};
}

Result<NodeId> Graph::LookupKey(std::string_view key) const {
  std::shared_lock<std::shared_mutex> dl(impl_->data_mutex);
  View v = impl_->MakeView();
  CAIRN_ASSIGN_OR_RETURN(std::optional<uint32_t> slot, v.SlotOfKey(key));
  if (!slot || !v.Live(*slot)) return NotFoundError("graph: no node with key " + std::string(key));
  return v.IdOf(*slot);
}

Result<Edge> Graph::GetEdge(NodeId src, std::string_view label, NodeId dst) const {
  std::shared_lock<std::shared_mutex> dl(impl_->data_mutex);
  View v = impl_->MakeView();
  std::optional<uint16_t> lid = v.labels().Find(label);
  std::optional<uint32_t> s = v.SlotOf(src), d = v.SlotOf(dst);
  Edge e{src, dst, std::string(label), {}};
  bool found = false;
  if (lid && s && d) CAIRN_RETURN_IF_ERROR(v.FindEdge(*s, *lid, *d, &found, &e.props));
  if (!found) {
    return NotFoundError("graph: no edge " + IdText(src) + " -[" + std::string(label) + "]-> " +
                         IdText(dst));
  }
  return e;
}

Result<std::vector<Edge>> Graph::Neighbors(NodeId id, const NeighborOptions& options) const {
  std::shared_lock<std::shared_mutex> dl(impl_->data_mutex);
  View v = impl_->MakeView();
  CAIRN_ASSIGN_OR_RETURN(uint32_t slot, LiveSlot(v, id));
  std::vector<Edge> out;
  std::optional<uint16_t> label;
  if (options.label) {
    label = v.labels().Find(*options.label);
    if (!label) return out;
  }
  std::vector<AdjEntry> entries;
  for (int dir : DirsOf(options.direction)) {
    CAIRN_RETURN_IF_ERROR(v.Adj(dir, slot, label, &entries));
    for (const AdjEntry& e : entries) {
      if (out.size() >= options.limit) return out;
      NodeId other = v.IdOf(e.nbr);
      Edge edge{dir == 0 ? id : other, dir == 0 ? other : id, v.labels().names[e.label], {}};
      if (options.with_props) CAIRN_RETURN_IF_ERROR(v.EntryProps(dir, slot, e, &edge.props));
      out.push_back(std::move(edge));
    }
  }
  return out;
}

Result<uint64_t> Graph::Degree(NodeId id, Direction direction,
                               std::optional<std::string_view> label) const {
  std::shared_lock<std::shared_mutex> dl(impl_->data_mutex);
  View v = impl_->MakeView();
  CAIRN_ASSIGN_OR_RETURN(uint32_t slot, LiveSlot(v, id));
  std::optional<uint16_t> lid;
  if (label) {
    lid = v.labels().Find(*label);
    if (!lid) return uint64_t{0};
  }
  uint64_t n = 0;
  std::vector<AdjEntry> entries;
  for (int dir : DirsOf(direction)) {
    if (!lid && !v.Touched(dir, slot)) {
      n += v.snap().End(dir, slot) - v.snap().Begin(dir, slot);
      continue;
    }
    CAIRN_RETURN_IF_ERROR(v.Adj(dir, slot, lid, &entries));
    n += entries.size();
  }
  return n;
}

uint32_t Graph::node_index_bound() const {
  std::shared_lock<std::shared_mutex> dl(impl_->data_mutex);
  return impl_->active->end_slot();
}

Result<uint32_t> Graph::NodeIndex(NodeId id) const {
  std::shared_lock<std::shared_mutex> dl(impl_->data_mutex);
  View v = impl_->MakeView();
  return LiveSlot(v, id);
}

std::vector<NodeId> Graph::NodeIds() const {
  std::shared_lock<std::shared_mutex> dl(impl_->data_mutex);
  View v = impl_->MakeView();
  const uint32_t n = v.total_slots();
  std::vector<NodeId> ids(n);
  for (uint32_t s = 0; s < n; ++s) ids[s] = v.Live(s) ? v.IdOf(s) : kNoNode;
  return ids;
}

Status Graph::ForEachNode(const std::function<bool(const Node&)>& fn, bool with_props) const {
  std::shared_lock<std::shared_mutex> dl(impl_->data_mutex);
  View v = impl_->MakeView();
  const uint32_t n = v.total_slots();
  Node node;
  for (uint32_t s = 0; s < n; ++s) {
    if (!v.Live(s)) continue;
    NodeState st;
    CAIRN_RETURN_IF_ERROR(v.NodeAt(s, &st));
    node.id = v.IdOf(s);
    node.key = std::move(st.key);
    node.props = with_props ? std::move(st.props) : Properties();
    if (!fn(node)) break;
  }
  return Status();
}

Status Graph::ForEachEdge(const std::function<bool(const Edge&)>& fn, bool with_props) const {
  std::shared_lock<std::shared_mutex> dl(impl_->data_mutex);
  View v = impl_->MakeView();
  const uint32_t n = v.total_slots();
  std::vector<AdjEntry> entries;
  Edge edge;
  for (uint32_t s = 0; s < n; ++s) {
    CAIRN_RETURN_IF_ERROR(v.Adj(0, s, std::nullopt, &entries));
    if (entries.empty()) continue;
    edge.src = v.IdOf(s);
    for (const AdjEntry& e : entries) {
      edge.dst = v.IdOf(e.nbr);
      edge.label = v.labels().names[e.label];
      if (with_props) CAIRN_RETURN_IF_ERROR(v.EntryProps(0, s, e, &edge.props));
      if (!fn(edge)) return Status();
    }
  }
  return Status();
}

Result<uint64_t> Graph::ExportEdgeList(const std::string& path) const {
  core::Env* env = impl_->options.env;
  core::OpenOptions o;
  o.create = true;
  o.truncate = true;
  CAIRN_ASSIGN_OR_RETURN(auto file, env->OpenFile(path, o));
  std::string buf;
  uint64_t count = 0;
  Status io;
  auto append_id = [&](NodeId id) {
    char tmp[24];
    auto r = std::to_chars(tmp, tmp + sizeof(tmp), id);
    buf.append(tmp, r.ptr);
  };
  CAIRN_RETURN_IF_ERROR(ForEachEdge([&](const Edge& e) {
    if (e.label.find_first_of("\t\n\r") != std::string::npos) {
      io = InvalidArgumentError("graph export: label with a tab or newline: " + e.label);
      return false;
    }
    append_id(e.src);
    buf.push_back('\t');
    append_id(e.dst);
    if (!e.label.empty()) {
      buf.push_back('\t');
      buf.append(e.label);
    }
    buf.push_back('\n');
    ++count;
    if (buf.size() >= (1u << 20)) {
      io = file->Append(AsBytes(buf));
      buf.clear();
      if (!io.ok()) return false;
    }
    return true;
  }));
  CAIRN_RETURN_IF_ERROR(io);
  if (!buf.empty()) CAIRN_RETURN_IF_ERROR(file->Append(AsBytes(buf)));
  CAIRN_RETURN_IF_ERROR(file->Sync());
  CAIRN_RETURN_IF_ERROR(file->Close());
  return count;
}

}  // namespace cairn::graph
