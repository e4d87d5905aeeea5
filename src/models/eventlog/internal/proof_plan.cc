#include "models/eventlog/internal/proof_plan.h"

#include <bit>

namespace cairn::eventlog::internal {
namespace {

void AddNode(ProofPlan* p, int level, uint64_t index) {
  p->nodes[p->node_count++] = NodeId{static_cast<uint8_t>(level), index};
}

void AddSingle(ProofPlan* p, int level, uint64_t index) {
  const auto begin = static_cast<uint8_t>(p->node_count);
  AddNode(p, level, index);
  p->items[p->item_count++] = {begin, static_cast<uint8_t>(p->node_count), 0};
}

// One item for the leaves [start, size): the complete nodes of its binary decomposition, left to
// right (largest first). `start` is a multiple of 2^edge_bits and size - start < 2^edge_bits.
void AddRange(ProofPlan* p, uint64_t start, uint64_t size, int edge_bits) {
  const auto begin = static_cast<uint8_t>(p->node_count);
  uint64_t rest = size - start;
  while (rest != 0) {
    const int b = std::bit_width(rest) - 1;
    AddNode(p, b, start >> b);
    start += uint64_t{1} << b;
    rest -= uint64_t{1} << b;
  }
  const auto end = static_cast<uint8_t>(p->node_count);
  p->items[p->item_count++] = {begin, end, static_cast<uint8_t>(end - begin > 1 ? edge_bits : 0)};
}

// The nodes proving that node (level, index) is part of the tree of `size` leaves, bottom-up:
// optionally the node itself, its siblings up to the point where its path leaves the right edge
// (the "fork"), the fork's sibling (ephemeral when incomplete, absent when empty), then the left
// siblings of the fork's ancestors.
void PlanNodes(uint64_t index, int level, uint64_t size, bool include_first, ProofPlan* p) {
  p->node_count = p->item_count = 0;
  // index < size >> level, so the two paths differ somewhere: at bit `inner` first from the top.
  const int inner = std::bit_width(index ^ (size >> level)) - 1;
  if (include_first) AddSingle(p, level, index);
  for (int i = 0; i < inner; ++i) AddSingle(p, level + i, (index >> i) ^ 1);
  const int fork_bits = level + inner;
  const uint64_t fork_begin = (index >> inner) << fork_bits;
  const uint64_t fork_end = fork_begin + (uint64_t{1} << fork_bits);
  if (fork_end < size) AddRange(p, fork_end, size, fork_bits);
  for (uint64_t rest = fork_begin; rest != 0; rest &= rest - 1) {
    const int b = std::countr_zero(rest);
    AddSingle(p, b, (fork_begin >> b) - 1);
  }
}

}  // namespace

void PlanRoot(uint64_t size, ProofPlan* plan) {
  plan->node_count = plan->item_count = 0;
  AddRange(plan, 0, size, 64);
}

void PlanInclusion(uint64_t index, uint64_t size, ProofPlan* plan) {
  PlanNodes(index, 0, size, false, plan);
}

void PlanConsistency(uint64_t size1, uint64_t size2, ProofPlan* plan) {
  // The biggest complete subtree that ends at size1, and its inclusion in the tree of size2. When
  // size1 is a power of two that subtree is the old root, which the verifier already has.
  const int level = std::countr_zero(size1);
  const uint64_t index = (size1 - 1) >> level;
  PlanNodes(index, level, size2, index != 0, plan);
}

}  // namespace cairn::eventlog::internal
