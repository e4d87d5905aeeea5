#include "models/graph/internal/delta.h"

#include <algorithm>

namespace cairn::graph::internal {

std::optional<uint16_t> LabelDict::Find(std::string_view label) const {
  auto it = ids.find(std::string(label));
  if (it == ids.end()) return std::nullopt;
  return it->second;
}

uint16_t LabelDict::Intern(const std::string& label) {
  auto [it, inserted] = ids.try_emplace(label, static_cast<uint16_t>(names.size()));
  if (inserted) names.push_back(label);
  return it->second;
}

std::map<uint64_t, EdgeState>& DeltaLayer::AdjOf(int dir, uint32_t slot) {
  SetBit(&touched_bits[dir], slot);
  return adj[dir][slot];
}

void MergeProps(const Properties& update, Properties* props) {
  for (const auto& [k, v] : update) {
    if (TypeOf(v) == ValueType::kNull) {
      auto it = props->find(k);
      if (it != props->end()) props->erase(it);
    } else {
      (*props)[k] = v;
    }
  }
}

Properties WithoutNulls(const Properties& props) {
  Properties out;
  for (const auto& [k, v] : props) {
    if (TypeOf(v) != ValueType::kNull) out.emplace(k, v);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// View

View::View(const Snapshot* snap, std::vector<const DeltaLayer*> layers, const LabelDict* labels)
    : snap_(snap), layers_(std::move(layers)), labels_(labels) {}

uint32_t View::total_slots() const {
  return layers_.empty() ? snap_->slots() : layers_.back()->end_slot();
}

std::optional<uint32_t> View::SlotOf(NodeId id) const {
  for (auto it = layers_.rbegin(); it != layers_.rend(); ++it) {
    auto f = (*it)->new_slots.find(id);
    if (f != (*it)->new_slots.end()) return f->second;
  }
  return snap_->SlotOf(id);
}

NodeId View::IdOf(uint32_t slot) const {
  if (slot < snap_->slots()) return snap_->IdOf(slot);
  for (const DeltaLayer* l : layers_) {
    if (slot >= l->first_slot && slot < l->end_slot()) return l->new_ids[slot - l->first_slot];
  }
  return kNoNode;
}

bool View::Live(uint32_t slot) const {
  for (auto it = layers_.rbegin(); it != layers_.rend(); ++it) {
    auto f = (*it)->nodes.find(slot);
    if (f != (*it)->nodes.end()) return f->second.live;
  }
  return snap_->Live(slot);
}

Status View::NodeAt(uint32_t slot, NodeState* out) const {
  for (auto it = layers_.rbegin(); it != layers_.rend(); ++it) {
    auto f = (*it)->nodes.find(slot);
    if (f != (*it)->nodes.end()) {
      *out = f->second;
      return Status();
    }
  }
  *out = NodeState{};
  out->live = snap_->Live(slot);
  if (!out->live) return Status();
  CAIRN_ASSIGN_OR_RETURN(out->key, snap_->KeyOf(slot));
  return snap_->NodeProps(slot, &out->props);
}

Result<std::optional<uint32_t>> View::SlotOfKey(std::string_view key) const {
  std::string k(key);
  for (auto it = layers_.rbegin(); it != layers_.rend(); ++it) {
    auto f = (*it)->keys.find(k);
    if (f != (*it)->keys.end()) {
      if (f->second == kNoNode) return std::optional<uint32_t>();
      return SlotOf(f->second);
    }
  }
  return snap_->SlotOfKey(key);
}

bool View::Touched(int dir, uint32_t slot) const {
  for (const DeltaLayer* l : layers_) {
    if (l->touched(dir, slot)) return true;
  }
  return false;
}

bool View::AnyAdjDelta() const {
  for (const DeltaLayer* l : layers_) {
    if (!l->adj[0].empty() || !l->adj[1].empty()) return true;
  }
  return false;
}

Status View::SnapshotAdj(int dir, uint32_t slot, std::optional<uint16_t> label,
                         std::vector<AdjEntry>* out) const {
  if (slot >= snap_->slots()) return Status();
  uint64_t b = snap_->Begin(dir, slot), e = snap_->End(dir, slot);
  if (b == e) return Status();
  const uint32_t* nbrs = snap_->Nbrs(dir);
  const uint16_t* labels = snap_->Labels(dir);
  std::vector<uint32_t> nbuf;
  std::vector<uint16_t> lbuf;
  uint64_t base = 0;  // nbrs[i - base] holds position i
  if (!snap_->topology_resident()) {
    nbuf.resize(e - b);
    lbuf.resize(snap_->has_labels() ? e - b : 0);
    AdjReq r{b, e, nbuf.data(), lbuf.empty() ? nullptr : lbuf.data()};
    CAIRN_RETURN_IF_ERROR(snap_->ReadAdj(dir, std::span<AdjReq>(&r, 1)));
    nbrs = nbuf.data();
    labels = lbuf.empty() ? nullptr : lbuf.data();
    base = b;
  }
  uint64_t lo = b, hi = e;
  if (label) {
    if (labels == nullptr) {
      if (*label != 0) return Status();
    } else {
      const uint16_t* first = labels + (b - base);
      const uint16_t* last = labels + (e - base);
      auto range = std::equal_range(first, last, *label);
      lo = b + static_cast<uint64_t>(range.first - first);
      hi = b + static_cast<uint64_t>(range.second - first);
    }
  }
  for (uint64_t i = lo; i < hi; ++i) {
    out->push_back(AdjEntry{labels ? labels[i - base] : uint16_t{0}, nbrs[i - base], i, nullptr});
  }
  return Status();
}

Status View::Adj(int dir, uint32_t slot, std::optional<uint16_t> label,
                 std::vector<AdjEntry>* out) const {
  out->clear();
  CAIRN_RETURN_IF_ERROR(SnapshotAdj(dir, slot, label, out));
  OverlayAdj(dir, slot, label, out);
  return Status();
}

void View::OverlayAdj(int dir, uint32_t slot, std::optional<uint16_t> label,
                      std::vector<AdjEntry>* out) const {
  std::vector<AdjEntry> merged;
  for (const DeltaLayer* l : layers_) {
    if (!l->touched(dir, slot)) continue;
    auto it = l->adj[dir].find(slot);
    if (it == l->adj[dir].end()) continue;
    const auto& m = it->second;
    auto first = label ? m.lower_bound(AdjKey(*label, 0)) : m.begin();
    auto last = label ? m.lower_bound((uint64_t{*label} + 1) << 32) : m.end();
    if (first == last) continue;
    merged.clear();
    merged.reserve(out->size() + static_cast<size_t>(std::distance(first, last)));
    size_t i = 0;
    for (auto d = first; d != last; ++d) {
      uint64_t k = d->first;
      while (i < out->size() && AdjKey((*out)[i].label, (*out)[i].nbr) < k) {
        merged.push_back((*out)[i++]);
      }
      if (i < out->size() && AdjKey((*out)[i].label, (*out)[i].nbr) == k) ++i;
      if (d->second.live) merged.push_back(AdjEntry{KeyLabel(k), KeyNbr(k), kNoPos, &d->second});
    }
    while (i < out->size()) merged.push_back((*out)[i++]);
    out->swap(merged);
  }
}

Status View::FindEdge(uint32_t src, uint16_t label, uint32_t dst, bool* found,
                      Properties* props) const {
  const uint64_t key = AdjKey(label, dst);
  for (auto it = layers_.rbegin(); it != layers_.rend(); ++it) {
    if (!(*it)->touched(0, src)) continue;
    auto a = (*it)->adj[0].find(src);
    if (a == (*it)->adj[0].end()) continue;
    auto f = a->second.find(key);
    if (f == a->second.end()) continue;
    *found = f->second.live;
    if (*found && props) *props = f->second.props;
    return Status();
  }
  *found = false;
  std::vector<AdjEntry> list;
  CAIRN_RETURN_IF_ERROR(SnapshotAdj(0, src, label, &list));
  auto it = std::lower_bound(list.begin(), list.end(), dst,
                             [](const AdjEntry& e, uint32_t v) { return e.nbr < v; });
  if (it == list.end() || it->nbr != dst) return Status();
  *found = true;
  if (props) return snap_->EdgeProps(it->pos, props);
  return Status();
}

Status View::EntryProps(int dir, uint32_t slot, const AdjEntry& e, Properties* props) const {
  props->clear();
  if (dir == 0) {
    if (e.state) {
      *props = e.state->props;
      return Status();
    }
    if (e.pos != kNoPos) return snap_->EdgeProps(e.pos, props);
    return Status();
  }
  bool found = false;
  return FindEdge(e.nbr, e.label, slot, &found, props);
}

// ---------------------------------------------------------------------------------------------
// Applier

Status Applier::Apply(const LogOp& op) {
  ++active_->ops;
  switch (op.kind) {
    case LogOp::kPutNode:
      return PutNode(op);
    case LogOp::kDeleteNode:
      return DeleteNode(op.src);
    case LogOp::kPutEdge:
      return PutEdge(op);
    case LogOp::kDeleteEdge:
      return DeleteEdge(op);
    case LogOp::kBindKey:
      return BindKey(op.src, op.text);
  }
  return DataLossError("graph: unknown WAL operation");
}

Result<uint32_t> Applier::EnsureNode(NodeId id) {
  counters_->next_id = std::max(counters_->next_id, id + 1);
  std::optional<uint32_t> slot = view_->SlotOf(id);
  if (!slot) {
    uint32_t s = active_->end_slot();
    if (s == ~0u) return ResourceExhaustedError("graph: node slots exhausted");
    active_->new_ids.push_back(id);
    active_->new_slots[id] = s;
    active_->nodes[s] = NodeState{true, {}, {}};
    ++counters_->live_nodes;
    return s;
  }
  if (!view_->Live(*slot)) {
    active_->nodes[*slot] = NodeState{true, {}, {}};
    ++counters_->live_nodes;
  }
  return *slot;
}

Status Applier::PutNode(const LogOp& op) {
  CAIRN_ASSIGN_OR_RETURN(uint32_t slot, EnsureNode(op.src));
  NodeState st;
  CAIRN_RETURN_IF_ERROR(view_->NodeAt(slot, &st));
  if (op.merge) {
    MergeProps(op.props, &st.props);
  } else {
    st.props = WithoutNulls(op.props);
  }
  active_->nodes[slot] = std::move(st);
  return Status();
}

void Applier::SetEdge(uint32_t src, uint16_t label, uint32_t dst, EdgeState out_state) {
  bool live = out_state.live;
  active_->AdjOf(0, src)[AdjKey(label, dst)] = std::move(out_state);
  active_->AdjOf(1, dst)[AdjKey(label, src)] = EdgeState{live, {}};
}

Status Applier::DeleteNode(NodeId id) {
  std::optional<uint32_t> slot = view_->SlotOf(id);
  if (!slot || !view_->Live(*slot)) return Status();
  std::vector<AdjEntry> es;
  CAIRN_RETURN_IF_ERROR(view_->Adj(0, *slot, std::nullopt, &es));
  for (const AdjEntry& e : es) {
    SetEdge(*slot, e.label, e.nbr, EdgeState{});
    --counters_->live_edges;
  }
  CAIRN_RETURN_IF_ERROR(view_->Adj(1, *slot, std::nullopt, &es));
  for (const AdjEntry& e : es) {
    if (e.nbr == *slot) continue;  // a self-loop, already gone with the out-edges
    SetEdge(e.nbr, e.label, *slot, EdgeState{});
    --counters_->live_edges;
  }
  NodeState st;
  CAIRN_RETURN_IF_ERROR(view_->NodeAt(*slot, &st));
  if (!st.key.empty()) active_->keys[st.key] = kNoNode;
  active_->nodes[*slot] = NodeState{};
  --counters_->live_nodes;
  return Status();
}

Status Applier::PutEdge(const LogOp& op) {
  if (!labels_->Find(op.text) && labels_->names.size() >= kMaxLabels) {
    return ResourceExhaustedError("graph: more than 65536 edge labels");
  }
  uint16_t label = labels_->Intern(op.text);
  CAIRN_ASSIGN_OR_RETURN(uint32_t s, EnsureNode(op.src));
  CAIRN_ASSIGN_OR_RETURN(uint32_t d, EnsureNode(op.dst));
  bool found = false;
  Properties props;
  CAIRN_RETURN_IF_ERROR(view_->FindEdge(s, label, d, &found, op.merge ? &props : nullptr));
  if (op.merge && found) {
    MergeProps(op.props, &props);
  } else {
    props = WithoutNulls(op.props);
  }
  SetEdge(s, label, d, EdgeState{true, std::move(props)});
  if (!found) ++counters_->live_edges;
  return Status();
}

Status Applier::DeleteEdge(const LogOp& op) {
  std::optional<uint16_t> label = labels_->Find(op.text);
  std::optional<uint32_t> s = view_->SlotOf(op.src), d = view_->SlotOf(op.dst);
  if (!label || !s || !d) return Status();
  bool found = false;
  CAIRN_RETURN_IF_ERROR(view_->FindEdge(*s, *label, *d, &found, nullptr));
  if (!found) return Status();
  SetEdge(*s, *label, *d, EdgeState{});
  --counters_->live_edges;
  return Status();
}

Status Applier::BindKey(NodeId id, const std::string& key) {
  CAIRN_ASSIGN_OR_RETURN(uint32_t slot, EnsureNode(id));
  NodeState st;
  CAIRN_RETURN_IF_ERROR(view_->NodeAt(slot, &st));
  if (st.key == key) return Status();
  if (!st.key.empty()) active_->keys[st.key] = kNoNode;
  CAIRN_ASSIGN_OR_RETURN(std::optional<uint32_t> other, view_->SlotOfKey(key));
  if (other && *other != slot) {
    NodeState o;
    CAIRN_RETURN_IF_ERROR(view_->NodeAt(*other, &o));
    o.key.clear();
    active_->nodes[*other] = std::move(o);
  }
  st.key = key;
  active_->nodes[slot] = std::move(st);
  active_->keys[key] = id;
  return Status();
}

}  // namespace cairn::graph::internal
