// Proof plans: which complete subtrees ("nodes") an RFC 9162 root, inclusion proof or consistency
// proof is made of, computed from the sizes alone (the decomposition of transparency-dev/merkle's
// proof package, equivalent to RFC 9162 §2.1.3.1 PATH and §2.1.4.1 SUBPROOF).
//
// A plan is a list of items in proof order; each item is either one complete node or the fold of
// several (an "ephemeral" node: the root of the incomplete subtree [start, size) on the tree's
// right edge, which is H(n1, H(n2, ... nk)) of the complete nodes n1..nk covering it, left to
// right). Plans live on the stack: no allocation.
//
// Thread safety: pure functions.
#ifndef CAIRN_MODELS_EVENTLOG_INTERNAL_PROOF_PLAN_H_
#define CAIRN_MODELS_EVENTLOG_INTERNAL_PROOF_PLAN_H_

#include <cstdint>

namespace cairn::eventlog::internal {

// The complete subtree of 2^level leaves starting at leaf index << level.
struct NodeId {
  uint8_t level = 0;
  uint64_t index = 0;
};

struct ProofPlan {
  static constexpr int kMaxNodes = 132;
  static constexpr int kMaxItems = 68;
  struct Item {
    uint8_t begin = 0;  // nodes[begin, end) fold into this item's hash
    uint8_t end = 0;
    // For a fold: the item is the right-edge subtree [(size >> edge_bits) << edge_bits, size) of
    // the plan's tree (64: the whole tree), which lets a cache keyed by (size, edge_bits) answer
    // it. 0 for a single node.
    uint8_t edge_bits = 0;
  };
  NodeId nodes[kMaxNodes];
  Item items[kMaxItems];
  int node_count = 0;
  int item_count = 0;
};

// Root of the tree of `size` leaves (size > 0): one item.
void PlanRoot(uint64_t size, ProofPlan* plan);
// Inclusion proof of leaf `index` in the tree of `size` leaves. Precondition: index < size.
void PlanInclusion(uint64_t index, uint64_t size, ProofPlan* plan);
// Consistency proof from `size1` to `size2`. Precondition: 0 < size1 < size2.
void PlanConsistency(uint64_t size1, uint64_t size2, ProofPlan* plan);

}  // namespace cairn::eventlog::internal

#endif  // CAIRN_MODELS_EVENTLOG_INTERNAL_PROOF_PLAN_H_
