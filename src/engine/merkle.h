// Merkle trees in the shape of RFC 6962 / RFC 9162 (Certificate Transparency): leaves hashed with
// a 0x00 prefix, interior nodes with 0x01, a tree of n leaves split at the largest power of two
// below n. The hash function is pluggable: BLAKE3 for object manifests (each leaf is a chunk id),
// SHA-256 for logs that standard transparency-log tools must be able to check.
//
// Provided: root computation, inclusion (audit) proofs and consistency proofs, and their
// verifiers, which follow RFC 9162 §2.1.3.2 and §2.1.4.2 exactly and reject malformed proofs.
// Proofs have O(log n) hashes.
//
// Thread safety: pure functions; hashers are stateless.
#ifndef CAIRN_ENGINE_MERKLE_H_
#define CAIRN_ENGINE_MERKLE_H_

#include <array>
#include <cstdint>
#include <vector>

#include "core/bytes.h"
#include "core/result.h"

namespace cairn::engine {

using Hash32 = std::array<uint8_t, 32>;

class MerkleHasher {
 public:
  virtual ~MerkleHasher() = default;
  // H(0x00 || data)
  virtual Hash32 LeafHash(ByteSpan data) const = 0;
  // H(0x01 || left || right)
  virtual Hash32 NodeHash(const Hash32& left, const Hash32& right) const = 0;
  // H("") — the root of the empty tree.
  virtual Hash32 EmptyRoot() const = 0;
};

// SHA-256 (OpenSSL): byte-compatible with RFC 6962 trees.
const MerkleHasher& Sha256Merkle();
// BLAKE3 (cairn's own object trees).
const MerkleHasher& Blake3Merkle();

// Root over `leaf_hashes` (already LeafHash'ed).
Hash32 MerkleRoot(const MerkleHasher& h, const std::vector<Hash32>& leaf_hashes);

// Audit path for leaf `index` in the tree of leaf_hashes.size() leaves.
// Errors: kOutOfRange when index >= size.
Result<std::vector<Hash32>> InclusionProof(const MerkleHasher& h,
                                           const std::vector<Hash32>& leaf_hashes, uint64_t index);

// Consistency proof between the tree of the first `old_size` leaves and the tree of all of
// them. Errors: kOutOfRange unless old_size <= size.
Result<std::vector<Hash32>> ConsistencyProof(const MerkleHasher& h,
                                             const std::vector<Hash32>& leaf_hashes,
                                             uint64_t old_size);

// Checks that `leaf_hash` is leaf `index` of a tree of `size` leaves with root `root`.
// Errors: kInvalidArgument for an impossible index/size or a proof of the wrong length,
// kDataLoss when the proof does not lead to the root.
Status VerifyInclusion(const MerkleHasher& h, uint64_t index, uint64_t size,
                       const Hash32& leaf_hash, const std::vector<Hash32>& proof,
                       const Hash32& root);

// Checks that the tree of size `size1` with `root1` is a prefix of the tree of size `size2`
// with `root2`. Errors as VerifyInclusion; size1 == 0 is kInvalidArgument (nothing to check).
Status VerifyConsistency(const MerkleHasher& h, uint64_t size1, uint64_t size2, const Hash32& root1,
                         const Hash32& root2, const std::vector<Hash32>& proof);

}  // namespace cairn::engine

#endif  // CAIRN_ENGINE_MERKLE_H_
