// Delta layers and the merged view of snapshot + deltas.
//
// A DeltaLayer holds, for every node and edge that mutations touched since the layer was
// started, its full new state (a tombstone for deletions) keyed by node slot. The graph has one
// active (mutable) layer and, while a compaction runs, one frozen layer below it; reads see
// snapshot < frozen < active. Slots are stable: a node keeps its slot across compactions, new
// nodes get the next free slot, and a deleted node's slot stays (dead) for the id, so the active
// layer stays valid when the snapshot under it is replaced.
//
// Edge keys pack (label, neighbour slot) as label << 32 | slot, so a node's adjacency sorted by
// key is sorted by label, then neighbour, exactly like the snapshot's arrays.
//
// Thread safety: a View and frozen layers are read concurrently; the active layer is written
// only under the graph's exclusive lock (Applier) and read under its shared lock.
#ifndef CAIRN_MODELS_GRAPH_INTERNAL_DELTA_H_
#define CAIRN_MODELS_GRAPH_INTERNAL_DELTA_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/result.h"
#include "models/graph/graph_types.h"
#include "models/graph/internal/codec.h"
#include "models/graph/internal/snapshot.h"

namespace cairn::graph::internal {

inline constexpr uint64_t kNoPos = ~0ull;
inline constexpr size_t kMaxLabels = 65536;

inline uint64_t AdjKey(uint16_t label, uint32_t nbr) { return (uint64_t{label} << 32) | nbr; }
inline uint16_t KeyLabel(uint64_t key) { return static_cast<uint16_t>(key >> 32); }
inline uint32_t KeyNbr(uint64_t key) { return static_cast<uint32_t>(key); }

inline bool TestBit(const std::vector<uint64_t>& bits, uint64_t i) {
  return (i >> 6) < bits.size() && ((bits[i >> 6] >> (i & 63)) & 1);
}
inline void SetBit(std::vector<uint64_t>* bits, uint64_t i) {
  if ((i >> 6) >= bits->size()) bits->resize((i >> 6) + 1 + bits->size() / 2, 0);
  (*bits)[i >> 6] |= 1ull << (i & 63);
}

struct EdgeState {
  bool live = false;
  Properties props;  // out side only; the in side records liveness
};

struct NodeState {
  bool live = false;
  std::string key;
  Properties props;
};

// Label id <-> label. Ids are stable and only ever added.
struct LabelDict {
  std::vector<std::string> names{""};
  std::unordered_map<std::string, uint16_t> ids{{"", 0}};
  std::optional<uint16_t> Find(std::string_view label) const;
  uint16_t Intern(const std::string& label);  // caller checked names.size() < kMaxLabels
};

class DeltaLayer {
 public:
  explicit DeltaLayer(uint32_t first_slot) : first_slot(first_slot) {}
  uint32_t end_slot() const { return first_slot + static_cast<uint32_t>(new_ids.size()); }
  bool touched(int dir, uint32_t slot) const { return TestBit(touched_bits[dir], slot); }
  std::map<uint64_t, EdgeState>& AdjOf(int dir, uint32_t slot);

  uint32_t first_slot;                             // slots this layer allocates start here
  std::vector<NodeId> new_ids;                     // slot first_slot + i -> id
  std::unordered_map<NodeId, uint32_t> new_slots;  // id -> slot, for new_ids
  std::unordered_map<uint32_t, NodeState> nodes;   // nodes changed here (full state)
  std::unordered_map<std::string, NodeId> keys;    // key bindings changed here (kNoNode: none)
  std::unordered_map<uint32_t, std::map<uint64_t, EdgeState>> adj[2];  // 0 out, 1 in
  std::vector<uint64_t> touched_bits[2];  // slots with an adj entry, per direction
  uint64_t ops = 0;                       // logged operations applied to this layer
};

// One entry of a merged adjacency list.
struct AdjEntry {
  uint16_t label = 0;
  uint32_t nbr = 0;
  uint64_t pos = kNoPos;             // position in the snapshot's arrays of that direction
  const EdgeState* state = nullptr;  // the delta state, when a layer holds the edge
};

// Snapshot + layers (oldest first; the newest may be the active one).
class View {
 public:
  View(const Snapshot* snap, std::vector<const DeltaLayer*> layers, const LabelDict* labels);

  const Snapshot& snap() const { return *snap_; }
  const std::vector<const DeltaLayer*>& layers() const { return layers_; }
  const LabelDict& labels() const { return *labels_; }
  uint32_t total_slots() const;

  std::optional<uint32_t> SlotOf(NodeId id) const;  // live or dead
  NodeId IdOf(uint32_t slot) const;
  bool Live(uint32_t slot) const;
  // The node's state (live or not). Errors: snapshot read errors.
  Status NodeAt(uint32_t slot, NodeState* out) const;
  Result<std::optional<uint32_t>> SlotOfKey(std::string_view key) const;
  bool Touched(int dir, uint32_t slot) const;
  bool AnyAdjDelta() const;

  // The merged adjacency of `slot` in direction `dir` (0 out, 1 in), sorted by (label, nbr);
  // only `label` when given.
  Status Adj(int dir, uint32_t slot, std::optional<uint16_t> label,
             std::vector<AdjEntry>* out) const;
  // Applies the layers to `out`, which holds the snapshot's list of (dir, slot) (only `label`
  // when given), sorted.
  void OverlayAdj(int dir, uint32_t slot, std::optional<uint16_t> label,
                  std::vector<AdjEntry>* out) const;
  // Looks up the live edge (src, label, dst). *found false when there is none.
  Status FindEdge(uint32_t src, uint16_t label, uint32_t dst, bool* found, Properties* props) const;
  // The properties of an adjacency entry of (dir, slot).
  Status EntryProps(int dir, uint32_t slot, const AdjEntry& e, Properties* props) const;

 private:
  Status SnapshotAdj(int dir, uint32_t slot, std::optional<uint16_t> label,
                     std::vector<AdjEntry>* out) const;

  const Snapshot* snap_;
  std::vector<const DeltaLayer*> layers_;
  const LabelDict* labels_;
};

// Applies logged operations to the active layer (the newest of the view's layers). Also used by
// WAL replay. Counters are the graph's live node / edge counts and next fresh id.
struct GraphCounters {
  uint64_t live_nodes = 0;
  uint64_t live_edges = 0;
  NodeId next_id = 0;
};

class Applier {
 public:
  Applier(const View* view, DeltaLayer* active, LabelDict* labels, GraphCounters* counters)
      : view_(view), active_(active), labels_(labels), counters_(counters) {}
  // Errors: snapshot read errors (the layer may then hold part of the batch).
  Status Apply(const LogOp& op);

 private:
  Result<uint32_t> EnsureNode(NodeId id);
  Status PutNode(const LogOp& op);
  Status DeleteNode(NodeId id);
  Status PutEdge(const LogOp& op);
  Status DeleteEdge(const LogOp& op);
  Status BindKey(NodeId id, const std::string& key);
  void SetEdge(uint32_t src, uint16_t label, uint32_t dst, EdgeState out_state);

  const View* view_;
  DeltaLayer* active_;
  LabelDict* labels_;
  GraphCounters* counters_;
};

// Property merge: null values remove keys.
void MergeProps(const Properties& update, Properties* props);
// `props` without null values.
Properties WithoutNulls(const Properties& props);

}  // namespace cairn::graph::internal

#endif  // CAIRN_MODELS_GRAPH_INTERNAL_DELTA_H_
