// Proofs served by the event log, checked against the RFC 6962 vectors, transparency-dev/merkle's
// golden probes, and a naive in-memory tree (RFC 6962 §2.1's recursive definitions, memoised) for
// random sizes up to 100,000.
#include "models/eventlog/proofs.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/env/env.h"
#include "models/eventlog/event_log.h"
#include "models/eventlog/internal/sha256.h"

namespace cairn::eventlog {
namespace {

using nlohmann::json;

json LoadVectors() {
  std::ifstream in(CAIRN_TESTDATA_DIR "/merkle/rfc6962_vectors.json");
  EXPECT_TRUE(in.good());
  return json::parse(in);
}

// A 32-byte hash from hex; false for any other length (some probes are malformed on purpose).
bool ToHash(const std::string& hex, Hash* out) {
  std::string raw;
  if (!HexDecode(hex, &raw) || raw.size() != 32) return false;
  std::memcpy(out->data(), raw.data(), 32);
  return true;
}

Hash H(const std::string& hex) {
  Hash h{};
  EXPECT_TRUE(ToHash(hex, &h)) << hex;
  return h;
}

bool ToProof(const json& arr, std::vector<Hash>* out) {
  for (const auto& p : arr) {
    Hash h;
    if (!ToHash(p.get<std::string>(), &h)) return false;
    out->push_back(h);
  }
  return true;
}

// RFC 6962 §2.1 word for word: MTH, PATH and SUBPROOF over an in-memory list of leaf hashes.
class NaiveTree {
 public:
  explicit NaiveTree(std::vector<Hash> leaves) : leaves_(std::move(leaves)) {}

  Hash Root(uint64_t n) { return n == 0 ? EmptyTreeRoot() : Mth(0, n); }
  std::vector<Hash> Path(uint64_t m, uint64_t n) {
    std::vector<Hash> out;
    PathRec(m, 0, n, &out);
    return out;
  }
  std::vector<Hash> Proof(uint64_t m, uint64_t n) {
    std::vector<Hash> out;
    if (m > 0 && m < n) SubProof(m, 0, n, true, &out);
    return out;
  }
  Hash Mth(uint64_t lo, uint64_t hi) {
    if (hi - lo == 1) return leaves_[lo];
    const uint64_t key = lo << 32 | hi;
    auto it = memo_.find(key);
    if (it != memo_.end()) return it->second;
    const uint64_t k = Split(hi - lo);
    Hash h = NodeHash(Mth(lo, lo + k), Mth(lo + k, hi));
    memo_.emplace(key, h);
    return h;
  }

 private:
  // The largest power of two smaller than n (n > 1).
  static uint64_t Split(uint64_t n) {
    uint64_t k = 1;
    while (k * 2 < n) k *= 2;
    return k;
  }
  void PathRec(uint64_t m, uint64_t lo, uint64_t hi, std::vector<Hash>* out) {
    if (hi - lo <= 1) return;
    const uint64_t k = Split(hi - lo);
    if (m < k) {
      PathRec(m, lo, lo + k, out);
      out->push_back(Mth(lo + k, hi));
    } else {
      PathRec(m - k, lo + k, hi, out);
      out->push_back(Mth(lo, lo + k));
    }
  }
  void SubProof(uint64_t m, uint64_t lo, uint64_t hi, bool b, std::vector<Hash>* out) {
    const uint64_t n = hi - lo;
    if (m == n) {
      if (!b) out->push_back(Mth(lo, hi));
      return;
    }
    const uint64_t k = Split(n);
    if (m <= k) {
      SubProof(m, lo, lo + k, b, out);
      out->push_back(Mth(lo + k, hi));
    } else {
      SubProof(m - k, lo + k, hi, false, out);
      out->push_back(Mth(lo, lo + k));
    }
  }

  std::vector<Hash> leaves_;
  std::unordered_map<uint64_t, Hash> memo_;
};

class ProofsTest : public ::testing::Test {
 protected:
  void SetUp() override { env_ = core::NewMemEnv(); }
  std::unique_ptr<EventLog> Open(uint64_t cache_bytes = 64ull << 20) {
    EventLogOptions o;
    o.env = env_.get();
    o.dir = "/el";
    o.page_cache_bytes = cache_bytes;
    auto log = EventLog::Open(o);
    EXPECT_TRUE(log.ok()) << log.status();
    return log.ok() ? std::move(log).value() : nullptr;
  }
  std::unique_ptr<core::Env> env_;
};

TEST_F(ProofsTest, HasherVectors) {
  json v = LoadVectors();
  for (const auto& hv : v["hasher_vectors"]) {
    std::string raw;
    if (hv["kind"] == "empty_root") {
      EXPECT_EQ(EmptyTreeRoot(), H(hv["hash_hex"]));
    }
    if (hv["kind"] == "leaf") {
      ASSERT_TRUE(HexDecode(hv["leaf_hex"].get<std::string>(), &raw));
      EXPECT_EQ(EventLeafHash(AsBytes(raw)), H(hv["hash_hex"]));
    }
    if (hv["kind"] == "node") {
      // Raw children (not 32-byte hashes): the node hash is SHA-256(0x01 || left || right).
      std::string l, r;
      ASSERT_TRUE(HexDecode(hv["left_hex"].get<std::string>(), &l));
      ASSERT_TRUE(HexDecode(hv["right_hex"].get<std::string>(), &r));
      const uint8_t one = 1;
      Hash got = internal::Sha256::ThreadLocal().Hash(ByteSpan(&one, 1), AsBytes(l), AsBytes(r));
      EXPECT_EQ(got, H(hv["hash_hex"]));
    }
  }
}

TEST_F(ProofsTest, Rfc6962VectorsFromTheLog) {
  json v = LoadVectors();
  auto log = Open();
  std::vector<Hash> leaf_hashes;
  for (const auto& hex : v["leaves_hex"]) {
    std::string raw;
    ASSERT_TRUE(HexDecode(hex.get<std::string>(), &raw));
    ASSERT_TRUE(log->Append("rfc", AsBytes(raw)).ok());
    leaf_hashes.push_back(EventLeafHash(AsBytes(raw)));
  }
  NaiveTree naive(leaf_hashes);
  for (const auto& r : v["roots"]) {
    const uint64_t size = r["size"];
    EXPECT_EQ(log->Root("rfc", size).value(), H(r["root_hex"])) << size;
    EXPECT_EQ(naive.Root(size), H(r["root_hex"])) << size;
  }
  const auto& levels = v["node_hashes"];
  for (size_t level = 0; level < levels.size(); ++level) {
    for (size_t i = 0; i < levels[level].size(); ++i) {
      const uint64_t width = uint64_t{1} << level;
      EXPECT_EQ(naive.Mth(i * width, (i + 1) * width), H(levels[level][i]));
      if (level == 0) {
        EXPECT_EQ(log->LeafHash("rfc", i).value(), H(levels[level][i]));
      }
      if (i == 0) {
        EXPECT_EQ(log->Root("rfc", width).value(), H(levels[level][i]));
      }
    }
  }
  for (const auto& c : v["inclusion"]) {
    const uint64_t size = c["size"], index = c["index"];
    std::vector<Hash> want;
    ASSERT_TRUE(ToProof(c["proof_hex"], &want));
    auto got = log->InclusionProof("rfc", index, size);
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_EQ(*got, want) << index << " in " << size;
    EXPECT_EQ(log->LeafHash("rfc", index).value(), H(c["leaf_hash_hex"]));
    EXPECT_TRUE(VerifyInclusion(index, size, H(c["leaf_hash_hex"]), *got, H(c["root_hex"])).ok());
  }
  for (const auto& c : v["consistency"]) {
    const uint64_t size1 = c["size1"], size2 = c["size2"];
    std::vector<Hash> want;
    ASSERT_TRUE(ToProof(c["proof_hex"], &want));
    auto got = log->ConsistencyProof("rfc", size1, size2);
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_EQ(*got, want) << size1 << " -> " << size2;
    EXPECT_TRUE(VerifyConsistency(size1, size2, H(c["root1_hex"]), H(c["root2_hex"]), *got).ok());
  }
  // Every proof the 8 leaves allow, against the naive tree.
  for (uint64_t size = 1; size <= 8; ++size) {
    for (uint64_t i = 0; i < size; ++i) {
      EXPECT_EQ(log->InclusionProof("rfc", i, size).value(), naive.Path(i, size));
    }
    for (uint64_t m = 0; m <= size; ++m) {
      EXPECT_EQ(log->ConsistencyProof("rfc", m, size).value(), naive.Proof(m, size));
    }
  }
  // Golden happy-path probes are proofs over the same leaves: the log must produce them too.
  int matched = 0;
  for (const auto& p : v["inclusion_probes"]) {
    Hash leaf;
    std::vector<Hash> proof;
    if (p["want_error"].get<bool>() || !ToHash(p["leaf_hash_hex"], &leaf) ||
        !ToProof(p["proof_hex"], &proof) || p["size"].get<uint64_t>() > 8) {
      continue;
    }
    if (log->LeafHash("rfc", p["index"]).value() != leaf) continue;
    EXPECT_EQ(log->InclusionProof("rfc", p["index"], p["size"]).value(), proof) << p["file"];
    ++matched;
  }
  EXPECT_GT(matched, 0);
}

TEST_F(ProofsTest, GoldenProbes) {
  json v = LoadVectors();
  int checked = 0;
  for (const auto& p : v["inclusion_probes"]) {
    Hash leaf, root;
    std::vector<Hash> proof;
    const bool well_formed = ToHash(p["leaf_hash_hex"], &leaf) && ToHash(p["root_hex"], &root) &&
                             ToProof(p["proof_hex"], &proof);
    const bool ok = well_formed && VerifyInclusion(p["index"], p["size"], leaf, proof, root).ok();
    EXPECT_EQ(ok, !p["want_error"].get<bool>()) << p["file"];
    ++checked;
  }
  for (const auto& p : v["consistency_probes"]) {
    Hash r1, r2;
    std::vector<Hash> proof;
    const bool well_formed = ToHash(p["root1_hex"], &r1) && ToHash(p["root2_hex"], &r2) &&
                             ToProof(p["proof_hex"], &proof);
    bool ok = well_formed && VerifyConsistency(p["size1"], p["size2"], r1, r2, proof).ok();
    if (!well_formed && p["size1"] == p["size2"] && p["size1"] != 0 && p["proof_hex"].empty()) {
      // Equal sizes compare the roots as bytes; these probes' roots are not 32 bytes long.
      ok = p["root1_hex"] == p["root2_hex"];
    }
    EXPECT_EQ(ok, !p["want_error"].get<bool>()) << p["file"];
    ++checked;
  }
  EXPECT_EQ(checked, 196);
}

// Flips one bit of one proof element, or drops or adds one; a verifier must refuse each.
std::vector<std::vector<Hash>> Tampered(const std::vector<Hash>& proof, std::mt19937_64& rng) {
  std::vector<std::vector<Hash>> out;
  if (!proof.empty()) {
    auto flipped = proof;
    flipped[rng() % flipped.size()][rng() % 32] ^= static_cast<uint8_t>(1u << (rng() % 8));
    out.push_back(flipped);
    auto shorter = proof;
    shorter.pop_back();
    out.push_back(shorter);
  }
  auto longer = proof;
  longer.push_back(Hash{});
  out.push_back(longer);
  return out;
}

// Random sizes up to 100,000 against the naive tree: roots, inclusion and consistency proofs
// verify, and tampered ones do not. A cache of 16 pages makes most lookups go to the page files.
TEST_F(ProofsTest, RandomSizesAgainstNaiveTree) {
  constexpr uint64_t kEvents = 100000;
  auto log = Open(/*cache_bytes=*/1);
  std::vector<Hash> leaf_hashes;
  std::vector<std::string> batch;
  std::mt19937_64 rng(20240611);
  for (uint64_t i = 0; i < kEvents; ++i) {
    std::string e = "event-" + std::to_string(i) + "-" + std::to_string(rng() % 1000);
    leaf_hashes.push_back(EventLeafHash(AsBytes(e)));
    batch.push_back(std::move(e));
    if (batch.size() == 777 || i + 1 == kEvents) {
      ASSERT_TRUE(log->AppendBatch("p", batch).ok());
      batch.clear();
    }
  }
  ASSERT_EQ(log->Size("p").value(), kEvents);
  NaiveTree naive(leaf_hashes);

  std::vector<uint64_t> sizes = {1,   2,     3,     255,   256,   257,   511,    512,
                                 513, 65535, 65536, 65537, 65791, 99999, kEvents};
  for (int i = 0; i < 200; ++i) sizes.push_back(1 + rng() % kEvents);
  std::vector<Hash> proof;
  for (uint64_t size : sizes) {
    const Hash root = naive.Root(size);
    ASSERT_EQ(log->Root("p", size).value(), root) << size;
    std::vector<uint64_t> indices = {0, size - 1, size / 2, rng() % size, rng() % size};
    if (size > 256) indices.push_back(255), indices.push_back(256);
    for (uint64_t index : indices) {
      ASSERT_TRUE(log->InclusionProof("p", index, size, &proof).ok());
      ASSERT_EQ(proof, naive.Path(index, size)) << index << " in " << size;
      EXPECT_TRUE(VerifyInclusion(index, size, leaf_hashes[index], proof, root).ok());
      for (const auto& bad : Tampered(proof, rng)) {
        EXPECT_FALSE(VerifyInclusion(index, size, leaf_hashes[index], bad, root).ok());
      }
      Hash wrong_leaf = leaf_hashes[index];
      wrong_leaf[0] ^= 1;
      EXPECT_EQ(VerifyInclusion(index, size, wrong_leaf, proof, root).code(),
                StatusCode::kDataLoss);
      if (size > 1) {
        const uint64_t other = (index + 1) % size;
        EXPECT_FALSE(VerifyInclusion(other, size, leaf_hashes[index], proof, root).ok());
      }
    }
    const uint64_t size1 = 1 + rng() % size;
    ASSERT_TRUE(log->ConsistencyProof("p", size1, size, &proof).ok());
    ASSERT_EQ(proof, naive.Proof(size1, size)) << size1 << " -> " << size;
    const Hash root1 = naive.Root(size1);
    EXPECT_TRUE(VerifyConsistency(size1, size, root1, root, proof).ok());
    if (size1 < size) {
      for (const auto& bad : Tampered(proof, rng)) {
        EXPECT_FALSE(VerifyConsistency(size1, size, root1, root, bad).ok());
      }
      Hash wrong = root1;
      wrong[31] ^= 0x80;
      EXPECT_FALSE(VerifyConsistency(size1, size, wrong, root, proof).ok());
    }
  }
  EXPECT_GT(log->stats().page_cache_misses, 0u);
}

TEST_F(ProofsTest, OutOfRangeRequests) {
  auto log = Open();
  ASSERT_TRUE(log->AppendBatch("s", std::vector<std::string>{"a", "b", "c"}).ok());
  std::vector<Hash> proof;
  EXPECT_EQ(log->InclusionProof("s", 3, 3, &proof).code(), StatusCode::kOutOfRange);
  EXPECT_EQ(log->InclusionProof("s", 0, 4, &proof).code(), StatusCode::kOutOfRange);
  EXPECT_EQ(log->ConsistencyProof("s", 2, 1, &proof).code(), StatusCode::kOutOfRange);
  EXPECT_EQ(log->ConsistencyProof("s", 1, 4, &proof).code(), StatusCode::kOutOfRange);
  EXPECT_EQ(log->Root("s", 4).status().code(), StatusCode::kOutOfRange);
  EXPECT_EQ(log->Root("nope", 0).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(log->Root("s", 0).value(), EmptyTreeRoot());
  EXPECT_TRUE(log->ConsistencyProof("s", 0, 3).value().empty());
  EXPECT_TRUE(log->ConsistencyProof("s", 3, 3).value().empty());
}

}  // namespace
}  // namespace cairn::eventlog
