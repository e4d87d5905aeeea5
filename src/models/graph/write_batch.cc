#include "models/graph/write_batch.h"

#include <utility>

namespace cairn::graph {

void WriteBatch::PutNode(NodeId id, Properties props) {
  ops_.push_back(Op{OpKind::kPutNode, false, id, kNoNode, {}, {}, {}, std::move(props)});
}

void WriteBatch::MergeNode(NodeId id, Properties props) {
  ops_.push_back(Op{OpKind::kPutNode, true, id, kNoNode, {}, {}, {}, std::move(props)});
}

void WriteBatch::PutNodeByKey(std::string key, Properties props) {
  ops_.push_back(
      Op{OpKind::kPutNode, false, kNoNode, kNoNode, std::move(key), {}, {}, std::move(props)});
}

void WriteBatch::MergeNodeByKey(std::string key, Properties props) {
  ops_.push_back(
      Op{OpKind::kPutNode, true, kNoNode, kNoNode, std::move(key), {}, {}, std::move(props)});
}

void WriteBatch::DeleteNode(NodeId id) {
  ops_.push_back(Op{OpKind::kDeleteNode, false, id, kNoNode, {}, {}, {}, {}});
}

void WriteBatch::DeleteNodeByKey(std::string key) {
  ops_.push_back(Op{OpKind::kDeleteNode, false, kNoNode, kNoNode, std::move(key), {}, {}, {}});
}

void WriteBatch::PutEdge(NodeId src, std::string label, NodeId dst, Properties props) {
  ops_.push_back(Op{OpKind::kPutEdge, false, src, dst, {}, {}, std::move(label), std::move(props)});
}

void WriteBatch::MergeEdge(NodeId src, std::string label, NodeId dst, Properties props) {
  ops_.push_back(Op{OpKind::kPutEdge, true, src, dst, {}, {}, std::move(label), std::move(props)});
}

void WriteBatch::PutEdgeByKeys(std::string src_key, std::string label, std::string dst_key,
                               Properties props) {
  ops_.push_back(Op{OpKind::kPutEdge, false, kNoNode, kNoNode, std::move(src_key),
                    std::move(dst_key), std::move(label), std::move(props)});
}

void WriteBatch::DeleteEdge(NodeId src, std::string label, NodeId dst) {
  ops_.push_back(Op{OpKind::kDeleteEdge, false, src, dst, {}, {}, std::move(label), {}});
}

}  // namespace cairn::graph
