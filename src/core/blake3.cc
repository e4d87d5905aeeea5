// BLAKE3 tree logic shared by all backends: chunk state, chaining-value stack, wide subtree
// hashing (many chunks per hash_many pass), multi-threaded subtrees, root output and backend
// dispatch. See blake3.h for the contract and internal/blake3_impl.h for the backend interface.
#include "core/blake3.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <system_error>
#include <thread>
#include <utility>

#include "core/cpu.h"
#include "core/internal/blake3_impl.h"

#if defined(__x86_64__) || defined(__i386__)
#endif

namespace cairn::core {
namespace {

using internal::Blake3Ops;
using internal::Blake3Output;
using internal::kBlake3BlockLen;
using internal::kBlake3ChunkLen;

// Chunks hashed (and reduced to one or two chaining values) per pass of HashChunkBatch: 64 KiB of
// input, 2 KiB of chaining values on the stack.
constexpr size_t kBatchChunks = 64;
// Input each extra thread of UpdateParallel must at least get.
constexpr size_t kMinBytesPerThread = size_t{1} << 20;

// ---------------------------------------------------------------------------------------------
// CPU feature detection.

struct CpuFeatures {
  bool avx2 = false;
  bool avx512 = false;  // AVX-512F and AVX-512VL
};

const CpuFeatures& Cpu() {
  static const CpuFeatures features = [] {
    const core::CpuFeatures& cpu = core::DetectedCpuFeatures();
    CpuFeatures f;
    f.avx2 = cpu.avx2;
    f.avx512 = cpu.avx2 && cpu.avx512f && cpu.avx512vl;
#if defined(CAIRN_BLAKE3_AVX512_EMULATION)
    // Test build: the AVX-512 kernel runs on scalar stand-ins; its short tails still use AVX2.
    f.avx512 = f.avx2;
#endif
    return f;
  }();
  return features;
}

const Blake3Ops* OpsFor(Blake3Backend backend) {
  switch (backend) {
    case Blake3Backend::kPortable:
      return internal::Blake3PortableOps();
    case Blake3Backend::kAvx2:
      return Cpu().avx2 ? internal::Blake3Avx2Ops() : nullptr;
    case Blake3Backend::kAvx512:
      return Cpu().avx512 ? internal::Blake3Avx512Ops() : nullptr;
  }
  return nullptr;
}

Blake3Backend ClampBackend(Blake3Backend backend) {
  return Blake3BackendSupported(backend) ? backend : Blake3BestBackend();
}

// ---------------------------------------------------------------------------------------------
// Little helpers on words, chaining values and output nodes.

void KeyWordsFromBytes(const uint8_t* bytes, uint32_t words[8]) {
  for (int i = 0; i < 8; ++i) {
    const uint8_t* p = bytes + 4 * i;
    words[i] = static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) |
               (static_cast<uint32_t>(p[2]) << 16) | (static_cast<uint32_t>(p[3]) << 24);
  }
}

void WordsToBytes(const uint32_t words[8], uint8_t bytes[kBlake3OutLen]) {
  for (int i = 0; i < 8; ++i) {
    for (int j = 0; j < 4; ++j) bytes[4 * i + j] = static_cast<uint8_t>(words[i] >> (8 * j));
  }
}

// The (non-root) chaining value of an output node.
void OutputCv(const Blake3Ops& ops, const Blake3Output& node, uint8_t cv[kBlake3OutLen]) {
  uint32_t words[8];
  std::memcpy(words, node.input_cv, sizeof(words));
  ops.compress_in_place(words, node.block, node.block_len, node.counter, node.flags);
  WordsToBytes(words, cv);
}

// The output node of a parent whose two children's chaining values are `children`.
Blake3Output ParentOutput(const uint32_t key[8], uint8_t flags,
                          const uint8_t children[2 * kBlake3OutLen]) {
  Blake3Output node;
  std::memcpy(node.input_cv, key, sizeof(node.input_cv));
  std::memcpy(node.block, children, kBlake3BlockLen);
  node.counter = 0;
  node.block_len = kBlake3BlockLen;
  node.flags = static_cast<uint8_t>(flags | internal::kBlake3Parent);
  return node;
}

void ParentCv(const Blake3Ops& ops, const uint32_t key[8], uint8_t flags,
              const uint8_t children[2 * kBlake3OutLen], uint8_t cv[kBlake3OutLen]) {
  OutputCv(ops, ParentOutput(key, flags, children), cv);
}

// Root output bytes [seek, seek + out.size()).
void RootBytes(const Blake3Ops& ops, const Blake3Output& node, uint64_t seek,
               std::span<uint8_t> out) {
  uint64_t block_counter = seek / kBlake3BlockLen;
  size_t offset = static_cast<size_t>(seek % kBlake3BlockLen);
  const uint8_t flags = static_cast<uint8_t>(node.flags | internal::kBlake3Root);
  size_t done = 0;
  while (done < out.size()) {
    uint8_t block[kBlake3BlockLen];
    ops.compress_xof(node.input_cv, node.block, node.block_len, block_counter, flags, block);
    const size_t take = std::min(kBlake3BlockLen - offset, out.size() - done);
    std::memcpy(out.data() + done, block + offset, take);
    done += take;
    offset = 0;
    ++block_counter;
  }
}

// ---------------------------------------------------------------------------------------------
// Wide subtree hashing.

// What every node of one hash shares.
struct TreeParams {
  const Blake3Ops* ops;
  const uint32_t* key;  // 8 words
  uint8_t flags;
};

// Hashes the `n` (a power of two, 1..kBatchChunks) whole chunks at `input`, the first numbered
// `counter`, and merges their chaining values until `target` (1 or 2, at most n) remain; writes
// those to `out`.
void HashChunkBatch(const TreeParams& t, const uint8_t* input, size_t n, uint64_t counter,
                    size_t target, uint8_t* out) {
  const uint8_t* inputs[kBatchChunks] = {};
  uint8_t cvs_a[kBatchChunks * kBlake3OutLen];
  uint8_t cvs_b[kBatchChunks / 2 * kBlake3OutLen];
  for (size_t i = 0; i < n; ++i) inputs[i] = input + i * kBlake3ChunkLen;
  t.ops->hash_many(inputs, n, internal::kBlake3BlocksPerChunk, t.key, counter, true, t.flags,
                   internal::kBlake3ChunkStart, internal::kBlake3ChunkEnd, cvs_a);
  uint8_t* cur = cvs_a;
  uint8_t* next = cvs_b;
  while (n > target) {
    n /= 2;
    for (size_t i = 0; i < n; ++i) inputs[i] = cur + i * 2 * kBlake3OutLen;
    t.ops->hash_many(inputs, n, 1, t.key, 0, false,
                     static_cast<uint8_t>(t.flags | internal::kBlake3Parent), 0, 0, next);
    std::swap(cur, next);
  }
  std::memcpy(out, cur, n * kBlake3OutLen);
}

// Starts `fn` on a new thread. When the system cannot start one, std::thread throws; that must
// not escape this library, so the result is then a non-joinable thread and the caller runs `fn`
// itself.
template <typename Fn>
std::thread TryStartThread(Fn fn) {
  try {
    return std::thread(std::move(fn));
  } catch (const std::system_error&) {
    return std::thread();
  }
}

// Hashes the complete subtree of `n` (a power of two, >= 2) whole chunks at `input`, whose
// first chunk is number `counter` (a multiple of n). With target 1 writes the subtree's
// chaining value to `out`; with target 2 the chaining values of its two halves. Uses up to
// `threads` threads, each on at least kMinBytesPerThread bytes.
void HashSubtree(const TreeParams& t, const uint8_t* input, uint64_t n, uint64_t counter,
                 size_t target, uint8_t* out, unsigned threads) {
  if (n <= kBatchChunks) {
    HashChunkBatch(t, input, static_cast<size_t>(n), counter, target, out);
    return;
  }
  const uint64_t half = n / 2;
  const uint8_t* right_input = input + half * kBlake3ChunkLen;
  uint8_t children[2 * kBlake3OutLen];
  const bool split = threads > 1 && n * kBlake3ChunkLen >= 2 * kMinBytesPerThread;
  const unsigned left_threads = split ? threads / 2 : 1;
  const unsigned right_threads = split ? threads - left_threads : 1;
  auto hash_left = [&t, input, half, counter, &children, left_threads] {
    HashSubtree(t, input, half, counter, 1, children, left_threads);
  };
  std::thread left_thread;
  if (split) left_thread = TryStartThread(hash_left);
  if (!left_thread.joinable()) hash_left();
  HashSubtree(t, right_input, half, counter + half, 1, children + kBlake3OutLen, right_threads);
  if (left_thread.joinable()) left_thread.join();
  if (target == 2) {
    std::memcpy(out, children, sizeof(children));
  } else {
    ParentCv(*t.ops, t.key, t.flags, children, out);
  }
}

// The largest power of two <= x (x > 0).
uint64_t RoundDownToPowerOf2(uint64_t x) { return uint64_t{1} << (63 - std::countl_zero(x)); }

}  // namespace

// ---------------------------------------------------------------------------------------------
// Backends.

bool Blake3BackendSupported(Blake3Backend backend) { return OpsFor(backend) != nullptr; }

Blake3Backend Blake3BestBackend() {
  static const Blake3Backend best = [] {
    if (Blake3BackendSupported(Blake3Backend::kAvx512)) return Blake3Backend::kAvx512;
    if (Blake3BackendSupported(Blake3Backend::kAvx2)) return Blake3Backend::kAvx2;
    return Blake3Backend::kPortable;
  }();
  return best;
}

const char* Blake3BackendName(Blake3Backend backend) {
  switch (backend) {
    case Blake3Backend::kPortable:
      return "portable";
    case Blake3Backend::kAvx2:
      return "avx2";
    case Blake3Backend::kAvx512:
      return "avx512";
  }
  return "unknown";
}

// ---------------------------------------------------------------------------------------------
// Blake3Hasher: construction.

Blake3Hasher::Blake3Hasher(Blake3Backend backend) : Blake3Hasher(internal::kBlake3Iv, 0, backend) {}

Blake3Hasher::Blake3Hasher(const uint32_t key[8], uint8_t flags, Blake3Backend backend)
    : ops_(nullptr), backend_(ClampBackend(backend)), flags_(flags) {
  ops_ = OpsFor(backend_);
  std::copy(key, key + 8, key_.begin());
  Reset();
}

Blake3Hasher Blake3Hasher::Keyed(std::span<const uint8_t, kBlake3KeyLen> key,
                                 Blake3Backend backend) {
  uint32_t words[8];
  KeyWordsFromBytes(key.data(), words);
  return Blake3Hasher(words, internal::kBlake3KeyedHash, backend);
}

Blake3Hasher Blake3Hasher::DeriveKey(std::string_view context, Blake3Backend backend) {
  Blake3Hasher context_hasher(internal::kBlake3Iv, internal::kBlake3DeriveKeyContext, backend);
  context_hasher.Update(context);
  const std::array<uint8_t, kBlake3OutLen> context_key = context_hasher.Finalize();
  uint32_t words[8];
  KeyWordsFromBytes(context_key.data(), words);
  return Blake3Hasher(words, internal::kBlake3DeriveKeyMaterial, backend);
}

void Blake3Hasher::Reset() {
  ChunkResetTo(0);
  cv_stack_len_ = 0;
}

// ---------------------------------------------------------------------------------------------
// Blake3Hasher: the chunk being filled.

size_t Blake3Hasher::ChunkLen() const {
  return size_t{blocks_compressed_} * kBlake3BlockLen + block_len_;
}

void Blake3Hasher::ChunkResetTo(uint64_t chunk_counter) {
  chunk_cv_ = key_;
  chunk_counter_ = chunk_counter;
  block_.fill(0);
  block_len_ = 0;
  blocks_compressed_ = 0;
}

// Adds `len` bytes (ChunkLen() + len <= 1024) to the chunk. The last block always stays
// buffered: it is the one that gets CHUNK_END, and ROOT when the chunk is the whole input.
void Blake3Hasher::ChunkUpdate(const uint8_t* input, size_t len) {
  auto compress = [this](const uint8_t* block) {
    const uint8_t start = blocks_compressed_ == 0 ? internal::kBlake3ChunkStart : 0;
    ops_->compress_in_place(chunk_cv_.data(), block, kBlake3BlockLen, chunk_counter_,
                            static_cast<uint8_t>(flags_ | start));
    ++blocks_compressed_;
  };
  if (block_len_ > 0) {
    const size_t take = std::min(kBlake3BlockLen - block_len_, len);
    std::memcpy(block_.data() + block_len_, input, take);
    block_len_ = static_cast<uint8_t>(block_len_ + take);
    input += take;
    len -= take;
    if (len == 0) return;
    compress(block_.data());
    block_.fill(0);
    block_len_ = 0;
  }
  for (; len > kBlake3BlockLen; input += kBlake3BlockLen, len -= kBlake3BlockLen) {
    compress(input);
  }
  std::memcpy(block_.data(), input, len);
  block_len_ = static_cast<uint8_t>(len);
}

Blake3Output Blake3Hasher::ChunkOutput() const {
  Blake3Output node;
  std::copy(chunk_cv_.begin(), chunk_cv_.end(), node.input_cv);
  std::copy(block_.begin(), block_.end(), node.block);
  node.counter = chunk_counter_;
  node.block_len = block_len_;
  const uint8_t start = blocks_compressed_ == 0 ? internal::kBlake3ChunkStart : 0;
  node.flags = static_cast<uint8_t>(flags_ | start | internal::kBlake3ChunkEnd);
  return node;
}

// ---------------------------------------------------------------------------------------------
// Blake3Hasher: the chaining-value stack.

// Merges the stack until it holds one entry per 1 bit of `total_chunks` (the chunks it covers):
// entries beyond those are siblings that, now that more input follows, are not the root.
void Blake3Hasher::MergeCvStack(uint64_t total_chunks) {
  const size_t merged_len = static_cast<size_t>(std::popcount(total_chunks));
  while (cv_stack_len_ > merged_len) {
    uint8_t* left = cv_stack_[cv_stack_len_ - 2].data();
    uint8_t children[2 * kBlake3OutLen];
    std::memcpy(children, left, kBlake3OutLen);
    std::memcpy(children + kBlake3OutLen, cv_stack_[cv_stack_len_ - 1].data(), kBlake3OutLen);
    ParentCv(*ops_, key_.data(), flags_, children, left);
    --cv_stack_len_;
  }
}

// Pushes the chaining value of the subtree starting at chunk `chunk_counter`.
void Blake3Hasher::PushCv(const uint8_t cv[kBlake3OutLen], uint64_t chunk_counter) {
  MergeCvStack(chunk_counter);
  std::memcpy(cv_stack_[cv_stack_len_].data(), cv, kBlake3OutLen);
  ++cv_stack_len_;
}

// ---------------------------------------------------------------------------------------------
// Blake3Hasher: input.

void Blake3Hasher::Update(std::span<const uint8_t> data) {
  UpdateImpl(data.data(), data.size(), 1);
}

void Blake3Hasher::Update(std::string_view data) {
  UpdateImpl(reinterpret_cast<const uint8_t*>(data.data()), data.size(), 1);
}

void Blake3Hasher::UpdateParallel(std::span<const uint8_t> data, unsigned threads) {
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  UpdateImpl(data.data(), data.size(), threads);
}

void Blake3Hasher::UpdateImpl(const uint8_t* input, size_t len, unsigned threads) {
  if (len == 0) return;
  // Finish the chunk in progress. It is pushed only once more input shows it is not the last.
  if (ChunkLen() > 0) {
    const size_t take = std::min(kBlake3ChunkLen - ChunkLen(), len);
    ChunkUpdate(input, take);
    input += take;
    len -= take;
    if (len == 0) return;
    uint8_t cv[kBlake3OutLen];
    OutputCv(*ops_, ChunkOutput(), cv);
    PushCv(cv, chunk_counter_);
    ChunkResetTo(chunk_counter_ + 1);
  }
  // Hash the largest complete subtrees that start at the current chunk counter, keeping at
  // least one byte back unless a subtree takes all that is left (then its two halves' chaining
  // values stay unmerged on the stack, so that Finalize can make their parent the root).
  const TreeParams tree{ops_, key_.data(), flags_};
  while (len > kBlake3ChunkLen) {
    uint64_t subtree_len = RoundDownToPowerOf2(len);
    const uint64_t bytes_so_far = chunk_counter_ * kBlake3ChunkLen;
    while (((subtree_len - 1) & bytes_so_far) != 0) subtree_len /= 2;
    const uint64_t subtree_chunks = subtree_len / kBlake3ChunkLen;
    if (subtree_chunks == 1) {
      ChunkUpdate(input, kBlake3ChunkLen);
      uint8_t cv[kBlake3OutLen];
      OutputCv(*ops_, ChunkOutput(), cv);
      PushCv(cv, chunk_counter_);
    } else {
      uint8_t cvs[2 * kBlake3OutLen];
      HashSubtree(tree, input, subtree_chunks, chunk_counter_, 2, cvs, threads);
      PushCv(cvs, chunk_counter_);
      PushCv(cvs + kBlake3OutLen, chunk_counter_ + subtree_chunks / 2);
    }
    ChunkResetTo(chunk_counter_ + subtree_chunks);
    input += subtree_len;
    len -= static_cast<size_t>(subtree_len);
  }
  if (len > 0) {
    ChunkUpdate(input, len);
    // More input follows what the stack holds, so none of it is the root: merge it.
    MergeCvStack(chunk_counter_);
  }
}

// ---------------------------------------------------------------------------------------------
// Blake3Hasher: output.

// Folds the stack, right to left, with the chunk in progress into the root node.
Blake3Output Blake3Hasher::RootOutput() const {
  if (cv_stack_len_ == 0) return ChunkOutput();
  Blake3Output node;
  size_t remaining = cv_stack_len_;
  if (ChunkLen() > 0) {
    node = ChunkOutput();
  } else {
    // The input ended exactly at a subtree boundary: the top two entries are the root's children.
    uint8_t children[2 * kBlake3OutLen];
    std::memcpy(children, cv_stack_[remaining - 2].data(), kBlake3OutLen);
    std::memcpy(children + kBlake3OutLen, cv_stack_[remaining - 1].data(), kBlake3OutLen);
    node = ParentOutput(key_.data(), flags_, children);
    remaining -= 2;
  }
  while (remaining > 0) {
    --remaining;
    uint8_t children[2 * kBlake3OutLen];
    std::memcpy(children, cv_stack_[remaining].data(), kBlake3OutLen);
    OutputCv(*ops_, node, children + kBlake3OutLen);
    node = ParentOutput(key_.data(), flags_, children);
  }
  return node;
}

void Blake3Hasher::Finalize(std::span<uint8_t> out) const { FinalizeSeek(0, out); }

void Blake3Hasher::FinalizeSeek(uint64_t seek, std::span<uint8_t> out) const {
  if (out.empty()) return;
  RootBytes(*ops_, RootOutput(), seek, out);
}

std::array<uint8_t, kBlake3OutLen> Blake3Hasher::Finalize() const {
  std::array<uint8_t, kBlake3OutLen> out;
  Finalize(out);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Free functions.

std::array<uint8_t, kBlake3OutLen> Blake3(std::span<const uint8_t> data) {
  Blake3Hasher hasher;
  hasher.Update(data);
  return hasher.Finalize();
}

std::array<uint8_t, kBlake3OutLen> Blake3(std::string_view data) {
  Blake3Hasher hasher;
  hasher.Update(data);
  return hasher.Finalize();
}

}  // namespace cairn::core
