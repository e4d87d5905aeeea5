// Graph: a durable property graph — nodes (64-bit ids or string keys) and directed, labelled
// edges with properties — with traversal queries (neighbours, degree, k-hop, BFS, shortest
// paths). No HTTP or CLI here: faces and tools call this API.
//
// Storage (docs/graph.md):
//   - Write() logs each batch as one record of a WAL (engine::SegmentLog under DIR/wal), applies
//     it to an in-memory delta layer, and returns once the record is fdatasync'ed (group commit:
//     one sync for all writers waiting). A batch is visible to readers as soon as it is applied,
//     a moment before its sync returns; an acknowledged batch survives any crash.
//   - Compaction (in the background once the delta holds compact_after_ops operations, or
//     Compact()) freezes the delta, merges it with the current CSR snapshot into a new snapshot
//     directory (DIR/snap-N: 4 KiB-aligned array files, offsets + neighbours for both directions,
//     labels, property columns), syncs it, switches DIR/MANIFEST atomically, and only then drops
//     the WAL segments and snapshot files the manifest no longer needs. Writers and readers go on
//     during the merge; a crash at any point recovers the last manifest + the WAL after its mark.
//   - Snapshot files are mapped when they fit memory_budget_bytes, else read with O_DIRECT via
//     io_uring (buffered pread where O_DIRECT is refused); stats().read_path says which.
//   - BulkLoader (bulk_load.h) writes a first snapshot straight from an edge list.
//
// Node indices: every node has a dense index ("slot") in [0, node_index_bound()), stable while
// the graph is open (compaction keeps them; a deleted node's index is not reused). Whole-graph
// results (BFS depths, distances) are vectors indexed by it; NodeIds() maps them back.
//
// Thread safety: all methods may be called concurrently. Writers are serialised for the apply
// step only; queries run in parallel with each other and hold a shared lock for their duration,
// so a long traversal delays writers (not other readers) until it finishes.
#ifndef CAIRN_MODELS_GRAPH_GRAPH_H_
#define CAIRN_MODELS_GRAPH_GRAPH_H_

#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"
#include "models/graph/graph_options.h"
#include "models/graph/graph_types.h"
#include "models/graph/write_batch.h"

namespace cairn::graph {

inline constexpr uint32_t kNoIndex = ~0u;

struct WriteResult {
  // Every key the batch named, with the id it resolved to (kNoNode for a deleted key that was
  // not bound).
  std::vector<std::pair<std::string, NodeId>> keys;
};

struct NeighborOptions {
  Direction direction = Direction::kOut;
  std::optional<std::string> label;  // only edges with this label
  bool with_props = false;           // fill Edge::props
  size_t limit = std::numeric_limits<size_t>::max();
};

struct BfsOptions {
  Direction direction = Direction::kOut;
  std::optional<std::string> label;  // traverse only edges with this label
  uint32_t max_depth = std::numeric_limits<uint32_t>::max();
  bool parents = false;  // fill BfsResult::parent
};

struct BfsResult {
  std::vector<int32_t> depth;    // per node index: hops from the source, -1 when unreached
  std::vector<uint32_t> parent;  // per node index (when asked): BFS-tree parent, or kNoIndex
  uint64_t reached = 0;          // nodes reached, the source included
  // Sum over reached nodes of their degree in the traversal direction (the usual "edges
  // traversed" figure for TEPS).
  uint64_t edges = 0;
  uint32_t levels = 0;            // BFS levels expanded
  uint32_t bottom_up_levels = 0;  // of which bottom-up (direction-optimising)
};

struct PathOptions {
  Direction direction = Direction::kOut;
  std::optional<std::string> label;
  // Dijkstra on this numeric edge property (bool, int or double; must be >= 0). Unset: hops.
  std::optional<std::string> weight;
  // The weight of an edge without a numeric `weight`; unset: such edges are not traversed.
  std::optional<double> default_weight;
};

struct Path {
  std::vector<NodeId> nodes;  // source first, destination last
  double cost = 0;            // hops, or the sum of weights
};

struct GraphStats {
  uint64_t nodes = 0;  // live
  uint64_t edges = 0;  // live
  uint32_t node_index_bound = 0;
  uint64_t generation = 0;  // of the snapshot (0: none yet)
  uint64_t snapshot_edges = 0;
  uint64_t snapshot_bytes = 0;
  uint64_t delta_ops = 0;  // operations in delta layers (not yet compacted)
  uint64_t compactions = 0;
  ReadPath read_path = ReadPath::kNone;
  uint64_t io_reads = 0;  // O_DIRECT / pread requests of the current snapshot
  uint64_t io_bytes = 0;
  uint64_t wal_bytes = 0;
};

class Graph {
 public:
  // Opens or creates the graph in options.dir: takes DIR/LOCK, opens the MANIFEST's snapshot,
  // replays the WAL after its mark, removes leftovers of an interrupted compaction.
  // Errors: kInvalidArgument (options), kUnavailable (another process holds the graph),
  // kDataLoss (corrupt manifest, snapshot or WAL record), Env errors.
  static Result<std::unique_ptr<Graph>> Open(const GraphOptions& options);
  ~Graph();  // Close()
  Graph(const Graph&) = delete;
  Graph& operator=(const Graph&) = delete;

  // Stops background compaction and syncs the WAL. Idempotent; afterwards writes and Compact()
  // fail with kFailedPrecondition (reads still work). The destructor calls it.
  Status Close();

  // --- Writes -------------------------------------------------------------------------------
  // Applies `batch` atomically (see write_batch.h). Returns once durable (options.sync).
  // Errors: kInvalidArgument (kNoNode id, empty key), kResourceExhausted (labels, disk), the
  // WAL's errors. After a failed WAL sync the graph refuses writes (kFailedPrecondition with the
  // cause) until reopened: batches applied since the last good sync are visible but may be lost.
  Status Write(const WriteBatch& batch, WriteResult* result = nullptr);
  Status PutNode(NodeId id, Properties props = {});
  Result<NodeId> PutNodeByKey(std::string key, Properties props = {});
  Status DeleteNode(NodeId id);
  Status PutEdge(NodeId src, std::string label, NodeId dst, Properties props = {});
  Status DeleteEdge(NodeId src, std::string label, NodeId dst);

  // --- Point reads (kNotFound when absent) ----------------------------------------------------
  Result<Node> GetNode(NodeId id) const;
  Result<Node> GetNodeByKey(std::string_view key) const;
  Result<NodeId> LookupKey(std::string_view key) const;
  Result<Edge> GetEdge(NodeId src, std::string_view label, NodeId dst) const;
  // The node's edges in options.direction (kBoth: out-edges first, then in-edges), sorted by
  // label, then neighbour index. Each Edge is oriented as stored (src -> dst).
  Result<std::vector<Edge>> Neighbors(NodeId id, const NeighborOptions& options = {}) const;
  // Number of edges (kBoth: out + in, a self-loop counting twice).
  Result<uint64_t> Degree(NodeId id, Direction direction = Direction::kOut,
                          std::optional<std::string_view> label = std::nullopt) const;

  // --- Traversals ------------------------------------------------------------------------------
  // Nodes within `k` hops of `source` (itself at 0), with their distance, in BFS order; at most
  // `limit` nodes.
  Result<std::vector<std::pair<NodeId, uint32_t>>> KHop(
      NodeId source, uint32_t k, const BfsOptions& options = {},
      size_t limit = std::numeric_limits<size_t>::max()) const;
  // Direction-optimising, multi-threaded BFS over every reachable node.
  Result<BfsResult> Bfs(NodeId source, const BfsOptions& options = {}) const;
  // Shortest path (bidirectional BFS for hops; Dijkstra with options.weight); nullopt when
  // `dst` is unreachable. Errors: kNotFound (an endpoint), kInvalidArgument (negative weight).
  Result<std::optional<Path>> ShortestPath(NodeId src, NodeId dst,
                                           const PathOptions& options = {}) const;
  // Distances from `source` to every node index (hops or weights): +infinity when unreachable.
  Result<std::vector<double>> Distances(NodeId source, const PathOptions& options = {}) const;

  // --- Node indices ----------------------------------------------------------------------------
  uint32_t node_index_bound() const;
  Result<uint32_t> NodeIndex(NodeId id) const;  // kNotFound unless live
  // Id per node index; kNoNode for deleted nodes.
  std::vector<NodeId> NodeIds() const;

  // --- Export ----------------------------------------------------------------------------------
  // Calls `fn` for every live node (index order) until it returns false.
  Status ForEachNode(const std::function<bool(const Node&)>& fn, bool with_props = true) const;
  // Calls `fn` for every live edge, grouped by source (index order), until it returns false.
  Status ForEachEdge(const std::function<bool(const Edge&)>& fn, bool with_props = false) const;
  // Writes every edge as a line "src<TAB>dst[<TAB>label]" to `path` (through the Env, synced);
  // returns the number of edges. The bulk loader's text parser reads this format back.
  Result<uint64_t> ExportEdgeList(const std::string& path) const;

  // --- Maintenance -----------------------------------------------------------------------------
  // Merges the delta into a new snapshot now (waits for a running background compaction).
  Status Compact();
  GraphStats stats() const;
  ReadPath read_path() const;

 private:
  struct Impl;  // internal/graph_impl.h
  explicit Graph(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace cairn::graph

#endif  // CAIRN_MODELS_GRAPH_GRAPH_H_
