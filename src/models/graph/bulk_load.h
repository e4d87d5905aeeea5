// BulkLoader: builds a graph's first CSR snapshot straight from an edge list — no WAL record
// per edge. Edges (and optionally nodes with properties or keys) are collected in compact
// arrays; Finish() maps ids to dense slots, counting-sorts the edges into both CSR directions on
// a thread pool, removes duplicates, writes the snapshot files, syncs them and writes the
// MANIFEST (generation 1, WAL empty). The directory can then be opened with Graph::Open.
//
// Memory: about 18 bytes per edge while collecting (ids as 64-bit), plus 16 per edge while
// sorting (less once the ids are replaced by slots). Duplicate (src, label, dst) triples are
// merged: the last one added wins (its properties).
//
// Also here: the edge-list text format (one edge per line, "src dst [label]", whitespace
// separated; blank lines and lines starting with '#' or '%' skipped) that Graph::ExportEdgeList
// writes, with a parser that feeds a loader.
//
// Thread safety: one thread at a time per loader.
#ifndef CAIRN_MODELS_GRAPH_BULK_LOAD_H_
#define CAIRN_MODELS_GRAPH_BULK_LOAD_H_

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/result.h"
#include "models/graph/graph_types.h"

namespace cairn::core {
class Env;
class ThreadPool;
}  // namespace cairn::core

namespace cairn::graph {

struct BulkLoadOptions {
  core::Env* env = nullptr;  // required
  std::string dir;           // the graph directory; must not hold a graph yet (created if missing)
  unsigned threads = 0;      // sorting threads (the caller's included); 0: one per hardware thread
};

struct BulkLoadStats {
  uint64_t nodes = 0;
  uint64_t edges = 0;            // after merging duplicates
  uint64_t duplicate_edges = 0;  // merged away
  uint64_t bytes = 0;            // snapshot files
};

class BulkLoader {
 public:
  explicit BulkLoader(BulkLoadOptions options);
  ~BulkLoader();
  BulkLoader(const BulkLoader&) = delete;
  BulkLoader& operator=(const BulkLoader&) = delete;

  // The id of an edge label for AddEdge (label 0 is ""). Errors: kResourceExhausted past 65536.
  Result<uint16_t> Label(std::string_view label);

  // Adds an edge; ids must not be kNoNode (Finish fails with kInvalidArgument).
  void AddEdge(NodeId src, NodeId dst, uint16_t label = 0) {
    src_.push_back(src);
    dst_.push_back(dst);
    if (!labels_.empty() || label != 0) AddLabel(label);
    if (!prop_index_.empty()) prop_index_.push_back(kNoProps);
  }
  void AddEdge(NodeId src, NodeId dst, uint16_t label, Properties props);
  // Many edges with one label (the fast path for plain edge lists).
  void AddEdges(std::span<const NodeId> src, std::span<const NodeId> dst, uint16_t label = 0);
  // A node with properties and / or a key (nodes that only appear in edges need no call). The
  // last call for an id wins. Keys must be unique.
  void AddNode(NodeId id, Properties props = {}, std::string key = {});

  uint64_t edges_added() const { return src_.size(); }

  // Writes the graph. The loader is spent afterwards. Errors: kAlreadyExists (the directory
  // holds a graph), kInvalidArgument (kNoNode, a key on two nodes), kResourceExhausted (more than
  // 2^32 - 1 nodes), Env errors.
  Result<BulkLoadStats> Finish();

 private:
  static constexpr uint32_t kNoProps = ~0u;
  void AddLabel(uint16_t label);
  Status MapIds(std::vector<NodeId>* ids);
  Status BuildOut(uint32_t n, std::vector<uint64_t>* off, std::vector<uint64_t>* keys,
                  std::vector<uint32_t>* idx, uint64_t* dups);
  Status BuildIn(uint32_t n, const std::vector<uint64_t>& out_off,
                 const std::vector<uint64_t>& out_keys, std::vector<uint64_t>* off,
                 std::vector<uint64_t>* keys);
  Status Write(const std::vector<NodeId>& ids, const std::vector<uint64_t>* off,
               const std::vector<uint64_t>* keys, const std::vector<uint32_t>& idx,
               BulkLoadStats* stats);

  BulkLoadOptions options_;
  std::unique_ptr<core::ThreadPool> pool_;
  unsigned threads_ = 1;
  std::vector<NodeId> src_, dst_;
  std::vector<uint16_t> labels_;      // empty while every label is 0
  std::vector<uint32_t> prop_index_;  // empty while no edge has properties
  std::vector<Properties> edge_props_;
  std::vector<std::string> label_names_{""};
  std::unordered_map<std::string, uint16_t> label_ids_{{"", 0}};
  struct NodeData {
    Properties props;
    std::string key;
  };
  std::unordered_map<NodeId, NodeData> nodes_;
};

// Parses edge-list text (whole lines) into `loader`. `line` is the number of the first line, for
// error messages. Errors: kInvalidArgument ("line N: ...").
Status ParseEdgeList(std::string_view text, BulkLoader* loader, uint64_t line = 1);
// Streams an edge-list file through ParseEdgeList in 16 MiB pieces. Returns the edges added.
Result<uint64_t> LoadEdgeListFile(core::Env* env, const std::string& path, BulkLoader* loader);

}  // namespace cairn::graph

#endif  // CAIRN_MODELS_GRAPH_BULK_LOAD_H_
