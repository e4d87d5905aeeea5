#include "models/eventlog/proofs.h"

#include "engine/merkle.h"
#include "models/eventlog/internal/sha256.h"

namespace cairn::eventlog {

Hash EventLeafHash(ByteSpan event) { return internal::Sha256::ThreadLocal().Leaf(event); }

Hash NodeHash(const Hash& left, const Hash& right) {
  return internal::Sha256::ThreadLocal().Node(left, right);
}

Hash EmptyTreeRoot() { return internal::Sha256::ThreadLocal().Hash(ByteSpan()); }

Status VerifyInclusion(uint64_t index, uint64_t size, const Hash& leaf_hash,
                       const std::vector<Hash>& proof, const Hash& root) {
  return engine::VerifyInclusion(engine::Sha256Merkle(), index, size, leaf_hash, proof, root);
}

Status VerifyConsistency(uint64_t size1, uint64_t size2, const Hash& root1, const Hash& root2,
                         const std::vector<Hash>& proof) {
  return engine::VerifyConsistency(engine::Sha256Merkle(), size1, size2, root1, root2, proof);
}

}  // namespace cairn::eventlog
