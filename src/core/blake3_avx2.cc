// AVX2 BLAKE3 backend: hash_many hashes 8 inputs at once, one per 32-bit lane of __m256i state
// vectors (4 at once in __m128i for leftovers); single compressions keep the 4x4 state as four
// __m128i rows.
//
// Compiled with -mavx2. Nothing here may run unless Blake3BackendSupported(kAvx2) is true, and
// this file must not instantiate inline functions or templates that other files also use (the
// linker could keep this file's AVX2 copy for all callers): it uses only intrinsics, memcpy and
// its own internal-linkage helpers.
#include <cstring>

#include "core/internal/blake3_impl.h"

#if defined(__x86_64__) || defined(__i386__)

#if !defined(__AVX2__)
#error "blake3_avx2.cc must be compiled with -mavx2"
#endif

#include <immintrin.h>

#define CAIRN_B3_INLINE inline __attribute__((always_inline))
// The short loops over vector arrays carry "#pragma GCC unroll": left rolled (GCC at -O2), the
// arrays stay in memory and the kernels lose about a fifth of their speed.

namespace cairn::core::internal {
namespace {

// ---------------------------------------------------------------------------------------------
// Single compression on four __m128i rows.

// For round r, the message words of the four G steps in row layout: columns take schedule
// positions {0,2,4,6} and {1,3,5,7}; after diagonalization (row 1 fixed, lane j holding
// G(j-1 mod 4, 4+j, ...)) the diagonals take {14,8,10,12} and {15,9,11,13}.
constexpr uint8_t kRowOrder[16] = {0, 2, 4, 6, 1, 3, 5, 7, 14, 8, 10, 12, 15, 9, 11, 13};

struct RowMsgIndex {
  alignas(32) int32_t idx[7][16];
};

constexpr RowMsgIndex MakeRowMsgIndex() {
  RowMsgIndex t{};
  for (int r = 0; r < 7; ++r) {
    for (int k = 0; k < 16; ++k) t.idx[r][k] = kBlake3MsgSchedule[r][kRowOrder[k]];
  }
  return t;
}

constexpr RowMsgIndex kRowMsgIndex = MakeRowMsgIndex();

// Lane-wise operations on four (__m128i) or eight (__m256i) 32-bit words.
CAIRN_B3_INLINE __m128i Add(__m128i a, __m128i b) { return _mm_add_epi32(a, b); }
CAIRN_B3_INLINE __m256i Add(__m256i a, __m256i b) { return _mm256_add_epi32(a, b); }
CAIRN_B3_INLINE __m128i Xor(__m128i a, __m128i b) { return _mm_xor_si128(a, b); }
CAIRN_B3_INLINE __m256i Xor(__m256i a, __m256i b) { return _mm256_xor_si256(a, b); }

// Rotations right by 16 and 8 move whole bytes (one byte shuffle); by 12 and 7 they need shifts.
CAIRN_B3_INLINE __m128i Rot16(__m128i x) {
  return _mm_shuffle_epi8(x, _mm_setr_epi8(2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13));
}
CAIRN_B3_INLINE __m256i Rot16(__m256i x) {
  return _mm256_shuffle_epi8(
      x, _mm256_setr_epi8(2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13,  //
                          2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13));
}
CAIRN_B3_INLINE __m128i Rot12(__m128i x) {
  return _mm_or_si128(_mm_srli_epi32(x, 12), _mm_slli_epi32(x, 20));
}
CAIRN_B3_INLINE __m256i Rot12(__m256i x) {
  return _mm256_or_si256(_mm256_srli_epi32(x, 12), _mm256_slli_epi32(x, 20));
}
CAIRN_B3_INLINE __m128i Rot8(__m128i x) {
  return _mm_shuffle_epi8(x, _mm_setr_epi8(1, 2, 3, 0, 5, 6, 7, 4, 9, 10, 11, 8, 13, 14, 15, 12));
}
CAIRN_B3_INLINE __m256i Rot8(__m256i x) {
  return _mm256_shuffle_epi8(
      x, _mm256_setr_epi8(1, 2, 3, 0, 5, 6, 7, 4, 9, 10, 11, 8, 13, 14, 15, 12,  //
                          1, 2, 3, 0, 5, 6, 7, 4, 9, 10, 11, 8, 13, 14, 15, 12));
}
CAIRN_B3_INLINE __m128i Rot7(__m128i x) {
  return _mm_or_si128(_mm_srli_epi32(x, 7), _mm_slli_epi32(x, 25));
}
CAIRN_B3_INLINE __m256i Rot7(__m256i x) {
  return _mm256_or_si256(_mm256_srli_epi32(x, 7), _mm256_slli_epi32(x, 25));
}

// The first (x) or second (y) half of G on all four columns of the rows.
CAIRN_B3_INLINE void HalfG1(__m128i& a, __m128i& b, __m128i& c, __m128i& d, __m128i m) {
  a = Add(Add(a, b), m);
  d = Rot16(Xor(d, a));
  c = Add(c, d);
  b = Rot12(Xor(b, c));
}
CAIRN_B3_INLINE void HalfG2(__m128i& a, __m128i& b, __m128i& c, __m128i& d, __m128i m) {
  a = Add(Add(a, b), m);
  d = Rot8(Xor(d, a));
  c = Add(c, d);
  b = Rot7(Xor(b, c));
}

// Gathers the 16 message words of round r (row order) from the block halves lo and hi.
CAIRN_B3_INLINE void RoundMsg(__m256i lo, __m256i hi, int r, __m128i m[4]) {
  const __m256i seven = _mm256_set1_epi32(7);
  for (int half = 0; half < 2; ++half) {
    const __m256i idx =
        _mm256_load_si256(reinterpret_cast<const __m256i*>(&kRowMsgIndex.idx[r][8 * half]));
    const __m256i from_hi = _mm256_cmpgt_epi32(idx, seven);
    const __m256i words = _mm256_blendv_epi8(_mm256_permutevar8x32_epi32(lo, idx),
                                             _mm256_permutevar8x32_epi32(hi, idx), from_hi);
    m[2 * half] = _mm256_castsi256_si128(words);
    m[2 * half + 1] = _mm256_extracti128_si256(words, 1);
  }
}

void CompressRows(const uint32_t cv[8], const uint8_t block[kBlake3BlockLen], uint8_t block_len,
                  uint64_t counter, uint8_t flags, __m128i rows[4]) {
  __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(cv));
  __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(cv + 4));
  __m128i c = _mm_setr_epi32(static_cast<int>(kBlake3Iv[0]), static_cast<int>(kBlake3Iv[1]),
                             static_cast<int>(kBlake3Iv[2]), static_cast<int>(kBlake3Iv[3]));
  __m128i d = _mm_setr_epi32(static_cast<int>(static_cast<uint32_t>(counter)),
                             static_cast<int>(static_cast<uint32_t>(counter >> 32)),
                             static_cast<int>(block_len), static_cast<int>(flags));
  const __m256i lo = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(block));
  const __m256i hi = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(block + 32));
  for (int r = 0; r < 7; ++r) {
    __m128i m[4];
    RoundMsg(lo, hi, r, m);
    HalfG1(a, b, c, d, m[0]);
    HalfG2(a, b, c, d, m[1]);
    // Diagonalize: lane j now holds the diagonal G whose b is v[4 + j].
    a = _mm_shuffle_epi32(a, _MM_SHUFFLE(2, 1, 0, 3));
    d = _mm_shuffle_epi32(d, _MM_SHUFFLE(1, 0, 3, 2));
    c = _mm_shuffle_epi32(c, _MM_SHUFFLE(0, 3, 2, 1));
    HalfG1(a, b, c, d, m[2]);
    HalfG2(a, b, c, d, m[3]);
    a = _mm_shuffle_epi32(a, _MM_SHUFFLE(0, 3, 2, 1));
    d = _mm_shuffle_epi32(d, _MM_SHUFFLE(1, 0, 3, 2));
    c = _mm_shuffle_epi32(c, _MM_SHUFFLE(2, 1, 0, 3));
  }
  rows[0] = a;
  rows[1] = b;
  rows[2] = c;
  rows[3] = d;
}

void CompressInPlace(uint32_t cv[8], const uint8_t block[kBlake3BlockLen], uint8_t block_len,
                     uint64_t counter, uint8_t flags) {
  __m128i rows[4];
  CompressRows(cv, block, block_len, counter, flags, rows);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(cv), _mm_xor_si128(rows[0], rows[2]));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(cv + 4), _mm_xor_si128(rows[1], rows[3]));
}

void CompressXof(const uint32_t cv[8], const uint8_t block[kBlake3BlockLen], uint8_t block_len,
                 uint64_t counter, uint8_t flags, uint8_t out[kBlake3BlockLen]) {
  __m128i rows[4];
  CompressRows(cv, block, block_len, counter, flags, rows);
  const __m128i cv_lo = _mm_loadu_si128(reinterpret_cast<const __m128i*>(cv));
  const __m128i cv_hi = _mm_loadu_si128(reinterpret_cast<const __m128i*>(cv + 4));
  __m128i* o = reinterpret_cast<__m128i*>(out);
  _mm_storeu_si128(o, _mm_xor_si128(rows[0], rows[2]));
  _mm_storeu_si128(o + 1, _mm_xor_si128(rows[1], rows[3]));
  _mm_storeu_si128(o + 2, _mm_xor_si128(rows[2], cv_lo));
  _mm_storeu_si128(o + 3, _mm_xor_si128(rows[3], cv_hi));
}

// ---------------------------------------------------------------------------------------------
// Four (__m128i) or eight (__m256i) inputs at once: state word i of all inputs lives in v[i].

template <typename V>
CAIRN_B3_INLINE void G(V v[16], int a, int b, int c, int d, V x, V y) {
  v[a] = Add(Add(v[a], v[b]), x);
  v[d] = Rot16(Xor(v[d], v[a]));
  v[c] = Add(v[c], v[d]);
  v[b] = Rot12(Xor(v[b], v[c]));
  v[a] = Add(Add(v[a], v[b]), y);
  v[d] = Rot8(Xor(v[d], v[a]));
  v[c] = Add(v[c], v[d]);
  v[b] = Rot7(Xor(v[b], v[c]));
}

template <typename V>
CAIRN_B3_INLINE void Round(V v[16], const V m[16], int r) {
  const uint8_t* s = kBlake3MsgSchedule[r];
  G(v, 0, 4, 8, 12, m[s[0]], m[s[1]]);
  G(v, 1, 5, 9, 13, m[s[2]], m[s[3]]);
  G(v, 2, 6, 10, 14, m[s[4]], m[s[5]]);
  G(v, 3, 7, 11, 15, m[s[6]], m[s[7]]);
  G(v, 0, 5, 10, 15, m[s[8]], m[s[9]]);
  G(v, 1, 6, 11, 12, m[s[10]], m[s[11]]);
  G(v, 2, 7, 8, 13, m[s[12]], m[s[13]]);
  G(v, 3, 4, 9, 14, m[s[14]], m[s[15]]);
}

CAIRN_B3_INLINE void Splat(uint32_t w, __m128i& out) { out = _mm_set1_epi32(static_cast<int>(w)); }
CAIRN_B3_INLINE void Splat(uint32_t w, __m256i& out) {
  out = _mm256_set1_epi32(static_cast<int>(w));
}
CAIRN_B3_INLINE void Load(const uint32_t* p, __m128i& out) {
  out = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
}
CAIRN_B3_INLINE void Load(const uint32_t* p, __m256i& out) {
  out = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
}

// Transposes the 4x4 matrix of 32-bit words whose rows are x[0..3]. Its own inverse.
CAIRN_B3_INLINE void Transpose4(__m128i x[4]) {
  const __m128i ab_01 = _mm_unpacklo_epi32(x[0], x[1]);
  const __m128i ab_23 = _mm_unpackhi_epi32(x[0], x[1]);
  const __m128i cd_01 = _mm_unpacklo_epi32(x[2], x[3]);
  const __m128i cd_23 = _mm_unpackhi_epi32(x[2], x[3]);
  x[0] = _mm_unpacklo_epi64(ab_01, cd_01);
  x[1] = _mm_unpackhi_epi64(ab_01, cd_01);
  x[2] = _mm_unpacklo_epi64(ab_23, cd_23);
  x[3] = _mm_unpackhi_epi64(ab_23, cd_23);
}

// Transposes the 8x8 matrix of 32-bit words whose rows are x[0..7]. Its own inverse.
CAIRN_B3_INLINE void Transpose8(__m256i x[8]) {
  // Within each 128-bit lane: pairs of rows interleaved by words, then by double words.
  const __m256i ab_0145 = _mm256_unpacklo_epi32(x[0], x[1]);
  const __m256i ab_2367 = _mm256_unpackhi_epi32(x[0], x[1]);
  const __m256i cd_0145 = _mm256_unpacklo_epi32(x[2], x[3]);
  const __m256i cd_2367 = _mm256_unpackhi_epi32(x[2], x[3]);
  const __m256i ef_0145 = _mm256_unpacklo_epi32(x[4], x[5]);
  const __m256i ef_2367 = _mm256_unpackhi_epi32(x[4], x[5]);
  const __m256i gh_0145 = _mm256_unpacklo_epi32(x[6], x[7]);
  const __m256i gh_2367 = _mm256_unpackhi_epi32(x[6], x[7]);
  const __m256i abcd_04 = _mm256_unpacklo_epi64(ab_0145, cd_0145);
  const __m256i abcd_15 = _mm256_unpackhi_epi64(ab_0145, cd_0145);
  const __m256i abcd_26 = _mm256_unpacklo_epi64(ab_2367, cd_2367);
  const __m256i abcd_37 = _mm256_unpackhi_epi64(ab_2367, cd_2367);
  const __m256i efgh_04 = _mm256_unpacklo_epi64(ef_0145, gh_0145);
  const __m256i efgh_15 = _mm256_unpackhi_epi64(ef_0145, gh_0145);
  const __m256i efgh_26 = _mm256_unpacklo_epi64(ef_2367, gh_2367);
  const __m256i efgh_37 = _mm256_unpackhi_epi64(ef_2367, gh_2367);
  // Across lanes: low halves give words 0-3, high halves words 4-7.
  x[0] = _mm256_permute2x128_si256(abcd_04, efgh_04, 0x20);
  x[1] = _mm256_permute2x128_si256(abcd_15, efgh_15, 0x20);
  x[2] = _mm256_permute2x128_si256(abcd_26, efgh_26, 0x20);
  x[3] = _mm256_permute2x128_si256(abcd_37, efgh_37, 0x20);
  x[4] = _mm256_permute2x128_si256(abcd_04, efgh_04, 0x31);
  x[5] = _mm256_permute2x128_si256(abcd_15, efgh_15, 0x31);
  x[6] = _mm256_permute2x128_si256(abcd_26, efgh_26, 0x31);
  x[7] = _mm256_permute2x128_si256(abcd_37, efgh_37, 0x31);
}

// m[j] = message word j of the block at `offset` of all four / eight inputs.
CAIRN_B3_INLINE void LoadMsg(const uint8_t* const* inputs, size_t offset, __m128i m[16]) {
#pragma GCC unroll 16
  for (int q = 0; q < 4; ++q) {
#pragma GCC unroll 16
    for (int i = 0; i < 4; ++i) {
      m[4 * q + i] = _mm_loadu_si128(reinterpret_cast<const __m128i*>(inputs[i] + offset + 16 * q));
    }
    Transpose4(m + 4 * q);
  }
#pragma GCC unroll 16
  for (int i = 0; i < 4; ++i) {
    _mm_prefetch(reinterpret_cast<const char*>(inputs[i] + offset + 256), _MM_HINT_T0);
  }
}
CAIRN_B3_INLINE void LoadMsg(const uint8_t* const* inputs, size_t offset, __m256i m[16]) {
#pragma GCC unroll 16
  for (int i = 0; i < 8; ++i) {
    m[i] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(inputs[i] + offset));
    m[8 + i] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(inputs[i] + offset + 32));
    _mm_prefetch(reinterpret_cast<const char*>(inputs[i] + offset + 256), _MM_HINT_T0);
  }
  Transpose8(m);
  Transpose8(m + 8);
}

// Writes the 32-byte chaining value of input i to out + 32 * i; h[j] holds word j of all inputs.
CAIRN_B3_INLINE void StoreCvs(__m128i h[8], uint8_t* out) {
  Transpose4(h);
  Transpose4(h + 4);
#pragma GCC unroll 16
  for (int i = 0; i < 4; ++i) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 32 * i), h[i]);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 32 * i + 16), h[4 + i]);
  }
}
CAIRN_B3_INLINE void StoreCvs(__m256i h[8], uint8_t* out) {
  Transpose8(h);
#pragma GCC unroll 16
  for (int i = 0; i < 8; ++i) _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + 32 * i), h[i]);
}

// hash_many for exactly kLanes (the number of 32-bit words in V) inputs.
template <typename V, int kLanes>
void HashLanes(const uint8_t* const* inputs, size_t blocks, const uint32_t key[8], uint64_t counter,
               bool increment_counter, uint8_t flags, uint8_t flags_start, uint8_t flags_end,
               uint8_t* out) {
  static_assert(sizeof(V) == 4 * kLanes);
  uint32_t counter_lo[kLanes];
  uint32_t counter_hi[kLanes];
#pragma GCC unroll 16
  for (int i = 0; i < kLanes; ++i) {
    const uint64_t c = counter + (increment_counter ? static_cast<uint64_t>(i) : 0);
    counter_lo[i] = static_cast<uint32_t>(c);
    counter_hi[i] = static_cast<uint32_t>(c >> 32);
  }
  V h[8];
#pragma GCC unroll 16
  for (int i = 0; i < 8; ++i) Splat(key[i], h[i]);
  for (size_t b = 0; b < blocks; ++b) {
    uint8_t block_flags = flags;
    if (b == 0) block_flags = static_cast<uint8_t>(block_flags | flags_start);
    if (b + 1 == blocks) block_flags = static_cast<uint8_t>(block_flags | flags_end);
    V m[16];
    LoadMsg(inputs, b * kBlake3BlockLen, m);
    V v[16];
#pragma GCC unroll 16
    for (int i = 0; i < 8; ++i) v[i] = h[i];
#pragma GCC unroll 16
    for (int i = 0; i < 4; ++i) Splat(kBlake3Iv[i], v[8 + i]);
    Load(counter_lo, v[12]);
    Load(counter_hi, v[13]);
    Splat(kBlake3BlockLen, v[14]);
    Splat(block_flags, v[15]);
    Round(v, m, 0);
    Round(v, m, 1);
    Round(v, m, 2);
    Round(v, m, 3);
    Round(v, m, 4);
    Round(v, m, 5);
    Round(v, m, 6);
#pragma GCC unroll 16
    for (int i = 0; i < 8; ++i) h[i] = Xor(v[i], v[i + 8]);
  }
  StoreCvs(h, out);
}

// hash_many for fewer than kLanes inputs (at least one): the idle lanes hash copies of the last
// input and their results are dropped.
template <typename V, int kLanes>
void HashLanesPadded(const uint8_t* const* inputs, size_t num_inputs, size_t blocks,
                     const uint32_t key[8], uint64_t counter, bool increment_counter, uint8_t flags,
                     uint8_t flags_start, uint8_t flags_end, uint8_t* out) {
  const uint8_t* padded[kLanes];
  for (size_t i = 0; i < kLanes; ++i) padded[i] = inputs[i < num_inputs ? i : num_inputs - 1];
  uint8_t cvs[kLanes * 32];
  HashLanes<V, kLanes>(padded, blocks, key, counter, increment_counter, flags, flags_start,
                       flags_end, cvs);
  std::memcpy(out, cvs, num_inputs * 32);
}

void HashOne(const uint8_t* input, size_t blocks, const uint32_t key[8], uint64_t counter,
             uint8_t flags, uint8_t flags_start, uint8_t flags_end, uint8_t out[32]) {
  uint32_t cv[8];
  std::memcpy(cv, key, sizeof(cv));
  uint8_t block_flags = static_cast<uint8_t>(flags | flags_start);
  for (size_t b = 0; b < blocks; ++b) {
    if (b + 1 == blocks) block_flags = static_cast<uint8_t>(block_flags | flags_end);
    CompressInPlace(cv, input + b * kBlake3BlockLen, kBlake3BlockLen, counter, block_flags);
    block_flags = flags;
  }
  std::memcpy(out, cv, sizeof(cv));  // x86 is little-endian
}

constexpr Blake3Ops kAvx2Ops = {CompressInPlace, CompressXof, Blake3HashManyAvx2, 8};

}  // namespace

void Blake3HashManyAvx2(const uint8_t* const* inputs, size_t num_inputs, size_t blocks,
                        const uint32_t key[8], uint64_t counter, bool increment_counter,
                        uint8_t flags, uint8_t flags_start, uint8_t flags_end, uint8_t* out) {
  for (; num_inputs >= 8; num_inputs -= 8, inputs += 8, out += 8 * 32) {
    HashLanes<__m256i, 8>(inputs, blocks, key, counter, increment_counter, flags, flags_start,
                          flags_end, out);
    if (increment_counter) counter += 8;
  }
  // Leftovers: one pass of the narrowest kernel that takes them all. The 4-lane kernel costs
  // about half the 8-lane one; one input is as quick on the latency-bound row compression.
  if (num_inputs > 4) {
    HashLanesPadded<__m256i, 8>(inputs, num_inputs, blocks, key, counter, increment_counter, flags,
                                flags_start, flags_end, out);
  } else if (num_inputs > 1) {
    HashLanesPadded<__m128i, 4>(inputs, num_inputs, blocks, key, counter, increment_counter, flags,
                                flags_start, flags_end, out);
  } else if (num_inputs == 1) {
    HashOne(inputs[0], blocks, key, counter, flags, flags_start, flags_end, out);
  }
}

const Blake3Ops* Blake3Avx2Ops() { return &kAvx2Ops; }

}  // namespace cairn::core::internal

#else  // not x86

namespace cairn::core::internal {
const Blake3Ops* Blake3Avx2Ops() { return nullptr; }
}  // namespace cairn::core::internal

#endif
