#include "engine/merkle.h"

#include <openssl/evp.h>

#include <bit>

#include "core/blake3.h"

namespace cairn::engine {
namespace {

class Sha256Hasher final : public MerkleHasher {
 public:
  Hash32 LeafHash(ByteSpan data) const override {
    const uint8_t prefix = 0x00;
    return Digest({ByteSpan(&prefix, 1), data});
  }
  Hash32 NodeHash(const Hash32& l, const Hash32& r) const override {
    const uint8_t prefix = 0x01;
    return Digest({ByteSpan(&prefix, 1), ByteSpan(l), ByteSpan(r)});
  }
  Hash32 EmptyRoot() const override { return Digest({}); }

 private:
  static Hash32 Digest(std::initializer_list<ByteSpan> parts) {
    Hash32 out{};
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
    for (ByteSpan p : parts) EVP_DigestUpdate(ctx, p.data(), p.size());
    unsigned int n = 0;
    EVP_DigestFinal_ex(ctx, out.data(), &n);
    EVP_MD_CTX_free(ctx);
    return out;
  }
};

class Blake3Hasher final : public MerkleHasher {
 public:
  Hash32 LeafHash(ByteSpan data) const override {
    core::Blake3Hasher h;
    const uint8_t prefix = 0x00;
    h.Update(ByteSpan(&prefix, 1));
    h.Update(data);
    return h.Finalize();
  }
  Hash32 NodeHash(const Hash32& l, const Hash32& r) const override {
    core::Blake3Hasher h;
    const uint8_t prefix = 0x01;
    h.Update(ByteSpan(&prefix, 1));
    h.Update(ByteSpan(l));
    h.Update(ByteSpan(r));
    return h.Finalize();
  }
  Hash32 EmptyRoot() const override { return core::Blake3(ByteSpan()); }
};

// Largest power of two strictly less than n (n >= 2).
uint64_t SplitPoint(uint64_t n) { return std::bit_floor(n - 1); }

Hash32 Root(const MerkleHasher& h, const Hash32* leaves, uint64_t n) {
  if (n == 1) return leaves[0];
  uint64_t k = SplitPoint(n);
  return h.NodeHash(Root(h, leaves, k), Root(h, leaves + k, n - k));
}

void Path(const MerkleHasher& h, uint64_t m, const Hash32* leaves, uint64_t n,
          std::vector<Hash32>* out) {
  if (n == 1) return;
  uint64_t k = SplitPoint(n);
  if (m < k) {
    Path(h, m, leaves, k, out);
    out->push_back(Root(h, leaves + k, n - k));
  } else {
    Path(h, m - k, leaves + k, n - k, out);
    out->push_back(Root(h, leaves, k));
  }
}

// RFC 6962 §2.1.2 SUBPROOF(m, D[n], b).
void SubProof(const MerkleHasher& h, uint64_t m, const Hash32* leaves, uint64_t n, bool complete,
              std::vector<Hash32>* out) {
  if (m == n) {
    if (!complete) out->push_back(Root(h, leaves, n));
    return;
  }
  uint64_t k = SplitPoint(n);
  if (m <= k) {
    SubProof(h, m, leaves, k, complete, out);
    out->push_back(Root(h, leaves + k, n - k));
  } else {
    SubProof(h, m - k, leaves + k, n - k, false, out);
    out->push_back(Root(h, leaves, k));
  }
}

}  // namespace

const MerkleHasher& Sha256Merkle() {
  static const Sha256Hasher hasher;
  return hasher;
}

const MerkleHasher& Blake3Merkle() {
  static const Blake3Hasher hasher;
  return hasher;
}

Hash32 MerkleRoot(const MerkleHasher& h, const std::vector<Hash32>& leaf_hashes) {
  if (leaf_hashes.empty()) return h.EmptyRoot();
  return Root(h, leaf_hashes.data(), leaf_hashes.size());
}

Result<std::vector<Hash32>> InclusionProof(const MerkleHasher& h,
                                           const std::vector<Hash32>& leaf_hashes, uint64_t index) {
  if (index >= leaf_hashes.size()) {
    return OutOfRangeError("leaf index " + std::to_string(index) + " not in a tree of " +
                           std::to_string(leaf_hashes.size()));
  }
  std::vector<Hash32> proof;
  Path(h, index, leaf_hashes.data(), leaf_hashes.size(), &proof);
  return proof;
}

Result<std::vector<Hash32>> ConsistencyProof(const MerkleHasher& h,
                                             const std::vector<Hash32>& leaf_hashes,
                                             uint64_t old_size) {
  if (old_size > leaf_hashes.size()) {
    return OutOfRangeError("old size " + std::to_string(old_size) + " exceeds tree size " +
                           std::to_string(leaf_hashes.size()));
  }
  std::vector<Hash32> proof;
  if (old_size == 0 || old_size == leaf_hashes.size()) return proof;
  SubProof(h, old_size, leaf_hashes.data(), leaf_hashes.size(), true, &proof);
  return proof;
}

Status VerifyInclusion(const MerkleHasher& h, uint64_t index, uint64_t size,
                       const Hash32& leaf_hash, const std::vector<Hash32>& proof,
                       const Hash32& root) {
  if (index >= size) return InvalidArgumentError("leaf index is not below the tree size");
  uint64_t fn = index;
  uint64_t sn = size - 1;
  Hash32 r = leaf_hash;
  for (const Hash32& p : proof) {
    if (sn == 0) return InvalidArgumentError("inclusion proof is too long");
    if ((fn & 1) != 0 || fn == sn) {
      r = h.NodeHash(p, r);
      while ((fn & 1) == 0 && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      r = h.NodeHash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return InvalidArgumentError("inclusion proof is too short");
  if (r != root) return DataLossError("inclusion proof does not lead to the root");
  return Status();
}

Status VerifyConsistency(const MerkleHasher& h, uint64_t size1, uint64_t size2, const Hash32& root1,
                         const Hash32& root2, const std::vector<Hash32>& proof) {
  if (size1 > size2) return InvalidArgumentError("first tree is larger than the second");
  if (size1 == 0) {
    // Every tree extends the empty tree, so such a "proof" proves nothing; like the
    // transparency-dev verifier, refuse the question rather than answer yes.
    return InvalidArgumentError("consistency with the empty tree is not checkable");
  }
  if (size1 == size2) {
    if (!proof.empty()) return InvalidArgumentError("proof must be empty for equal sizes");
    if (root1 != root2) return DataLossError("equal sizes but different roots");
    return Status();
  }
  if (proof.empty()) return InvalidArgumentError("consistency proof is empty");
  std::vector<Hash32> path = proof;
  // If size1 is a power of two, the first tree's root is the proof's implicit first element.
  if (std::has_single_bit(size1)) path.insert(path.begin(), root1);
  uint64_t fn = size1 - 1;
  uint64_t sn = size2 - 1;
  while ((fn & 1) != 0) {
    fn >>= 1;
    sn >>= 1;
  }
  Hash32 fr = path[0];
  Hash32 sr = path[0];
  for (size_t i = 1; i < path.size(); ++i) {
    const Hash32& c = path[i];
    if (sn == 0) return InvalidArgumentError("consistency proof is too long");
    if ((fn & 1) != 0 || fn == sn) {
      fr = h.NodeHash(c, fr);
      sr = h.NodeHash(c, sr);
      while ((fn & 1) == 0 && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      sr = h.NodeHash(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return InvalidArgumentError("consistency proof is too short");
  if (fr != root1 || sr != root2) return DataLossError("consistency proof does not match roots");
  return Status();
}

}  // namespace cairn::engine
