// WriteBatch: an ordered list of graph mutations that Graph::Write applies atomically (all of
// them become visible together, are logged in one WAL record, and recovery keeps all or none).
//
// Mutations:
//   - PutNode / PutNodeByKey: create the node or replace all its properties.
//   - MergeNode / MergeNodeByKey: create the node or update the named properties (a null value
//     removes that property; others are kept).
//   - DeleteNode / DeleteNodeByKey: remove the node, its key binding and every edge touching it
//     (a no-op when the node does not exist).
//   - PutEdge / MergeEdge (and *ByKeys): create or update the edge (src, label, dst); endpoints
//     that do not exist are created with no properties.
//   - DeleteEdge: remove the edge (a no-op when it does not exist).
// "ByKey" forms name nodes by their string key: an unknown key is bound to a fresh id (the
// largest id the graph has seen plus one). Ids must not be kNoNode; keys must not be empty.
// Labels are at most 65535 distinct strings per graph (the empty string is a label too).
//
// Thread safety: a value; build it on one thread, then hand it to Graph::Write.
#ifndef CAIRN_MODELS_GRAPH_WRITE_BATCH_H_
#define CAIRN_MODELS_GRAPH_WRITE_BATCH_H_

#include <cstddef>
#include <string>
#include <vector>

#include "models/graph/graph_types.h"

namespace cairn::graph {

class WriteBatch {
 public:
  enum class OpKind : uint8_t { kPutNode, kDeleteNode, kPutEdge, kDeleteEdge };

  // One mutation. An endpoint is named by `*_key` when that is non-empty, else by its id.
  struct Op {
    OpKind kind = OpKind::kPutNode;
    bool merge = false;  // puts: merge properties instead of replacing them
    NodeId src = kNoNode;
    NodeId dst = kNoNode;  // edges only
    std::string src_key;
    std::string dst_key;
    std::string label;  // edges only
    Properties props;   // puts only
  };

  void PutNode(NodeId id, Properties props = {});
  void MergeNode(NodeId id, Properties props);
  void PutNodeByKey(std::string key, Properties props = {});
  void MergeNodeByKey(std::string key, Properties props);
  void DeleteNode(NodeId id);
  void DeleteNodeByKey(std::string key);

  void PutEdge(NodeId src, std::string label, NodeId dst, Properties props = {});
  void MergeEdge(NodeId src, std::string label, NodeId dst, Properties props);
  void PutEdgeByKeys(std::string src_key, std::string label, std::string dst_key,
                     Properties props = {});
  void DeleteEdge(NodeId src, std::string label, NodeId dst);

  size_t size() const { return ops_.size(); }
  bool empty() const { return ops_.empty(); }
  void Clear() { ops_.clear(); }
  const std::vector<Op>& ops() const { return ops_; }

 private:
  std::vector<Op> ops_;
};

}  // namespace cairn::graph

#endif  // CAIRN_MODELS_GRAPH_WRITE_BATCH_H_
