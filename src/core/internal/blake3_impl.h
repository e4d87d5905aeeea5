// Internal interface between the BLAKE3 tree logic (src/core/blake3.cc) and the compression
// backends (blake3_portable.cc, blake3_avx2.cc, blake3_avx512.cc). Not part of the public API.
//
// Each backend provides three primitives with identical results:
//   * compress_in_place: one compression, keeps the 8-word chaining value;
//   * compress_xof:      one compression, returns the full 64-byte extended output;
//   * hash_many:         hashes many equal-length inputs made of whole blocks, one per SIMD lane.
//
// The SIMD backend files are compiled with -mavx2 / -mavx512f -mavx512vl. Code in them may only
// run after Blake3BackendSupported() said yes, and this header therefore only holds declarations
// and constant data: an inline function defined here would be compiled with those flags in the
// SIMD translation units and could be picked by the linker for callers on any CPU.
#ifndef CAIRN_CORE_INTERNAL_BLAKE3_IMPL_H_
#define CAIRN_CORE_INTERNAL_BLAKE3_IMPL_H_

#include <cstddef>
#include <cstdint>

namespace cairn::core::internal {

inline constexpr size_t kBlake3BlockLen = 64;
inline constexpr size_t kBlake3ChunkLen = 1024;
inline constexpr size_t kBlake3BlocksPerChunk = kBlake3ChunkLen / kBlake3BlockLen;
// Most inputs any backend hashes in one hash_many pass (AVX-512: 16 lanes).
inline constexpr size_t kBlake3MaxSimdDegree = 16;

// Domain separation flags (BLAKE3 specification, table 3).
inline constexpr uint8_t kBlake3ChunkStart = 1 << 0;
inline constexpr uint8_t kBlake3ChunkEnd = 1 << 1;
inline constexpr uint8_t kBlake3Parent = 1 << 2;
inline constexpr uint8_t kBlake3Root = 1 << 3;
inline constexpr uint8_t kBlake3KeyedHash = 1 << 4;
inline constexpr uint8_t kBlake3DeriveKeyContext = 1 << 5;
inline constexpr uint8_t kBlake3DeriveKeyMaterial = 1 << 6;

// The initial value: the same eight words as SHA-256's.
inline constexpr uint32_t kBlake3Iv[8] = {0x6A09E667, 0xBB67AE85, 0x3C6EF372, 0xA54FF53A,
                                          0x510E527F, 0x9B05688C, 0x1F83D9AB, 0x5BE0CD19};

// kBlake3MsgSchedule[r][i]: the message word fed as the i-th G input in round r. Row 0 is the
// identity and each row is the previous one put through the specification's permutation
// {2, 6, 3, 10, 7, 0, 4, 13, 1, 11, 12, 5, 9, 14, 15, 8} (checked by a static_assert in
// blake3_portable.cc).
inline constexpr uint8_t kBlake3MsgSchedule[7][16] = {
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
    {2, 6, 3, 10, 7, 0, 4, 13, 1, 11, 12, 5, 9, 14, 15, 8},
    {3, 4, 10, 12, 13, 2, 7, 14, 6, 5, 9, 0, 11, 15, 8, 1},
    {10, 7, 12, 9, 14, 3, 13, 15, 4, 0, 11, 2, 5, 8, 1, 6},
    {12, 13, 9, 11, 15, 10, 14, 8, 7, 2, 5, 3, 0, 1, 6, 4},
    {9, 14, 11, 5, 8, 12, 15, 1, 13, 3, 0, 10, 2, 6, 4, 7},
    {11, 15, 5, 0, 1, 9, 8, 6, 14, 10, 2, 12, 3, 4, 7, 13},
};

// One compression's inputs, kept so that the root can be compressed again at any output
// counter (the extendable output) or turned into a chaining value.
struct Blake3Output {
  uint32_t input_cv[8];
  uint8_t block[kBlake3BlockLen];
  uint64_t counter;
  uint8_t block_len;
  uint8_t flags;
};

// Compresses `block` (its first `block_len` bytes are message, the rest zero) into `cv`.
using Blake3CompressInPlaceFn = void (*)(uint32_t cv[8], const uint8_t block[kBlake3BlockLen],
                                         uint8_t block_len, uint64_t counter, uint8_t flags);

// Writes the 64-byte extended output of one compression to `out`; `cv` is left unchanged.
using Blake3CompressXofFn = void (*)(const uint32_t cv[8], const uint8_t block[kBlake3BlockLen],
                                     uint8_t block_len, uint64_t counter, uint8_t flags,
                                     uint8_t out[kBlake3BlockLen]);

// Hashes `num_inputs` inputs of `blocks` whole 64-byte blocks each, starting every one from
// `key`. Input i uses counter `counter + i` when `increment_counter`, else `counter`. Every block
// gets `flags`; the first also `flags_start`, the last also `flags_end`. The 32-byte chaining
// value of input i goes to out[32 * i, 32 * i + 32). `out` must not overlap the inputs.
using Blake3HashManyFn = void (*)(const uint8_t* const* inputs, size_t num_inputs, size_t blocks,
                                  const uint32_t key[8], uint64_t counter, bool increment_counter,
                                  uint8_t flags, uint8_t flags_start, uint8_t flags_end,
                                  uint8_t* out);

struct Blake3Ops {
  Blake3CompressInPlaceFn compress_in_place;
  Blake3CompressXofFn compress_xof;
  Blake3HashManyFn hash_many;
  size_t simd_degree;  // inputs per hash_many pass that fill all lanes
};

// The backends. The SIMD ones return nullptr when this build has no code for them (a target
// other than x86-64); they never check the CPU: that is Blake3BackendSupported()'s job.
const Blake3Ops* Blake3PortableOps();
const Blake3Ops* Blake3Avx2Ops();
const Blake3Ops* Blake3Avx512Ops();

// The AVX2 hash_many, also used by the AVX-512 backend for its last (< 16) inputs. Requires AVX2.
void Blake3HashManyAvx2(const uint8_t* const* inputs, size_t num_inputs, size_t blocks,
                        const uint32_t key[8], uint64_t counter, bool increment_counter,
                        uint8_t flags, uint8_t flags_start, uint8_t flags_end, uint8_t* out);

}  // namespace cairn::core::internal

#endif  // CAIRN_CORE_INTERNAL_BLAKE3_IMPL_H_
