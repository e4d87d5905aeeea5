// AVX-512 BLAKE3 backend: hash_many hashes 16 inputs at once, one per 32-bit lane of __m512i
// state vectors; single compressions keep the 4x4 state as four __m128i rows (AVX-512VL
// rotates) and gather each round's message words with one cross-lane permute. Fewer than 16
// leftover inputs go to the AVX2 code (Blake3BackendSupported(kAvx512) implies AVX2).
//
// Compiled with -mavx512f -mavx512vl. Nothing here may run unless
// Blake3BackendSupported(kAvx512) is true, and this file must not instantiate inline functions
// or templates that other files also use: it uses only intrinsics, memcpy and its own
// internal-linkage helpers.
#include <cstring>

#include "core/internal/blake3_impl.h"

#if defined(__x86_64__) || defined(__i386__)

#if defined(CAIRN_BLAKE3_AVX512_EMULATION)
// Test build only: scalar stand-ins for the intrinsics (see the header).
#include "core/internal/testing/avx512_emulation.h"
#else
#if !defined(__AVX512F__) || !defined(__AVX512VL__)
#error "blake3_avx512.cc must be compiled with -mavx512f -mavx512vl"
#endif

#include "core/internal/immintrin_avx512.h"  // <immintrin.h>, GCC 12 false positive silenced
#endif                                       // CAIRN_BLAKE3_AVX512_EMULATION

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
  alignas(64) int32_t idx[7][16];
};

constexpr RowMsgIndex MakeRowMsgIndex() {
  RowMsgIndex t{};
  for (int r = 0; r < 7; ++r) {
    for (int k = 0; k < 16; ++k) t.idx[r][k] = kBlake3MsgSchedule[r][kRowOrder[k]];
  }
  return t;
}

constexpr RowMsgIndex kRowMsgIndex = MakeRowMsgIndex();

// The first (x) or second (y) half of G on all four columns of the rows.
CAIRN_B3_INLINE void HalfG1(__m128i& a, __m128i& b, __m128i& c, __m128i& d, __m128i m) {
  a = _mm_add_epi32(_mm_add_epi32(a, b), m);
  d = _mm_ror_epi32(_mm_xor_si128(d, a), 16);
  c = _mm_add_epi32(c, d);
  b = _mm_ror_epi32(_mm_xor_si128(b, c), 12);
}
CAIRN_B3_INLINE void HalfG2(__m128i& a, __m128i& b, __m128i& c, __m128i& d, __m128i m) {
  a = _mm_add_epi32(_mm_add_epi32(a, b), m);
  d = _mm_ror_epi32(_mm_xor_si128(d, a), 8);
  c = _mm_add_epi32(c, d);
  b = _mm_ror_epi32(_mm_xor_si128(b, c), 7);
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
  const __m512i msg = _mm512_loadu_si512(block);
  for (int r = 0; r < 7; ++r) {
    const __m512i words = _mm512_permutexvar_epi32(_mm512_load_si512(kRowMsgIndex.idx[r]), msg);
    HalfG1(a, b, c, d, _mm512_castsi512_si128(words));
    HalfG2(a, b, c, d, _mm512_extracti32x4_epi32(words, 1));
    // Diagonalize: lane j now holds the diagonal G whose b is v[4 + j].
    a = _mm_shuffle_epi32(a, _MM_SHUFFLE(2, 1, 0, 3));
    d = _mm_shuffle_epi32(d, _MM_SHUFFLE(1, 0, 3, 2));
    c = _mm_shuffle_epi32(c, _MM_SHUFFLE(0, 3, 2, 1));
    HalfG1(a, b, c, d, _mm512_extracti32x4_epi32(words, 2));
    HalfG2(a, b, c, d, _mm512_extracti32x4_epi32(words, 3));
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
// Sixteen inputs at once: state word i of all sixteen inputs lives in v[i].

CAIRN_B3_INLINE void G16(__m512i v[16], int a, int b, int c, int d, __m512i x, __m512i y) {
  v[a] = _mm512_add_epi32(_mm512_add_epi32(v[a], v[b]), x);
  v[d] = _mm512_ror_epi32(_mm512_xor_si512(v[d], v[a]), 16);
  v[c] = _mm512_add_epi32(v[c], v[d]);
  v[b] = _mm512_ror_epi32(_mm512_xor_si512(v[b], v[c]), 12);
  v[a] = _mm512_add_epi32(_mm512_add_epi32(v[a], v[b]), y);
  v[d] = _mm512_ror_epi32(_mm512_xor_si512(v[d], v[a]), 8);
  v[c] = _mm512_add_epi32(v[c], v[d]);
  v[b] = _mm512_ror_epi32(_mm512_xor_si512(v[b], v[c]), 7);
}

CAIRN_B3_INLINE void Round16(__m512i v[16], const __m512i m[16], int r) {
  const uint8_t* s = kBlake3MsgSchedule[r];
  G16(v, 0, 4, 8, 12, m[s[0]], m[s[1]]);
  G16(v, 1, 5, 9, 13, m[s[2]], m[s[3]]);
  G16(v, 2, 6, 10, 14, m[s[4]], m[s[5]]);
  G16(v, 3, 7, 11, 15, m[s[6]], m[s[7]]);
  G16(v, 0, 5, 10, 15, m[s[8]], m[s[9]]);
  G16(v, 1, 6, 11, 12, m[s[10]], m[s[11]]);
  G16(v, 2, 7, 8, 13, m[s[12]], m[s[13]]);
  G16(v, 3, 4, 9, 14, m[s[14]], m[s[15]]);
}

// Transposes the 16x16 matrix of 32-bit words whose rows are x[0..15]. Its own inverse.
CAIRN_B3_INLINE void Transpose16(__m512i x[16]) {
  // q[g][k], for the rows 4g..4g+3: 128-bit lane L holds word 4L+k of those four rows.
  __m512i q[4][4];
#pragma GCC unroll 16
  for (int g = 0; g < 4; ++g) {
    const __m512i lo01 = _mm512_unpacklo_epi32(x[4 * g], x[4 * g + 1]);
    const __m512i hi01 = _mm512_unpackhi_epi32(x[4 * g], x[4 * g + 1]);
    const __m512i lo23 = _mm512_unpacklo_epi32(x[4 * g + 2], x[4 * g + 3]);
    const __m512i hi23 = _mm512_unpackhi_epi32(x[4 * g + 2], x[4 * g + 3]);
    q[g][0] = _mm512_unpacklo_epi64(lo01, lo23);
    q[g][1] = _mm512_unpackhi_epi64(lo01, lo23);
    q[g][2] = _mm512_unpacklo_epi64(hi01, hi23);
    q[g][3] = _mm512_unpackhi_epi64(hi01, hi23);
  }
#pragma GCC unroll 16
  // For each k, a 4x4 transpose of 128-bit lanes: word 4L+k of all rows is lane L of q[0..3][k].
  for (int k = 0; k < 4; ++k) {
    // t0 = q0.L0 q0.L1 q1.L0 q1.L1, t1 = q0.L2 q0.L3 q1.L2 q1.L3, and t2, t3 alike from q2, q3.
    const __m512i t0 = _mm512_shuffle_i32x4(q[0][k], q[1][k], 0x44);
    const __m512i t1 = _mm512_shuffle_i32x4(q[0][k], q[1][k], 0xEE);
    const __m512i t2 = _mm512_shuffle_i32x4(q[2][k], q[3][k], 0x44);
    const __m512i t3 = _mm512_shuffle_i32x4(q[2][k], q[3][k], 0xEE);
    // x[4L + k] = lane L of q0, q1, q2 and q3.
    x[k] = _mm512_shuffle_i32x4(t0, t2, 0x88);
    x[4 + k] = _mm512_shuffle_i32x4(t0, t2, 0xDD);
    x[8 + k] = _mm512_shuffle_i32x4(t1, t3, 0x88);
    x[12 + k] = _mm512_shuffle_i32x4(t1, t3, 0xDD);
  }
}

// m[j] = message word j of the block at `offset` of all sixteen inputs.
CAIRN_B3_INLINE void LoadMsg16(const uint8_t* const* inputs, size_t offset, __m512i m[16]) {
#pragma GCC unroll 16
  for (int i = 0; i < 16; ++i) {
    m[i] = _mm512_loadu_si512(inputs[i] + offset);
    _mm_prefetch(reinterpret_cast<const char*>(inputs[i] + offset + 256), _MM_HINT_T0);
  }
  Transpose16(m);
}

// hash_many for exactly sixteen inputs; writes 16 * 32 bytes to `out`.
void Hash16(const uint8_t* const* inputs, size_t blocks, const uint32_t key[8], uint64_t counter,
            bool increment_counter, uint8_t flags, uint8_t flags_start, uint8_t flags_end,
            uint8_t* out) {
  alignas(64) uint32_t counter_lo[16];
  alignas(64) uint32_t counter_hi[16];
#pragma GCC unroll 16
  for (int i = 0; i < 16; ++i) {
    const uint64_t c = counter + (increment_counter ? static_cast<uint64_t>(i) : 0);
    counter_lo[i] = static_cast<uint32_t>(c);
    counter_hi[i] = static_cast<uint32_t>(c >> 32);
  }
  __m512i h[16];
#pragma GCC unroll 16
  for (int i = 0; i < 8; ++i) h[i] = _mm512_set1_epi32(static_cast<int>(key[i]));
  for (size_t b = 0; b < blocks; ++b) {
    uint8_t block_flags = flags;
    if (b == 0) block_flags = static_cast<uint8_t>(block_flags | flags_start);
    if (b + 1 == blocks) block_flags = static_cast<uint8_t>(block_flags | flags_end);
    __m512i m[16];
    LoadMsg16(inputs, b * kBlake3BlockLen, m);
    __m512i v[16];
#pragma GCC unroll 16
    for (int i = 0; i < 8; ++i) v[i] = h[i];
#pragma GCC unroll 16
    for (int i = 0; i < 4; ++i) v[8 + i] = _mm512_set1_epi32(static_cast<int>(kBlake3Iv[i]));
    v[12] = _mm512_load_si512(counter_lo);
    v[13] = _mm512_load_si512(counter_hi);
    v[14] = _mm512_set1_epi32(static_cast<int>(kBlake3BlockLen));
    v[15] = _mm512_set1_epi32(block_flags);
    Round16(v, m, 0);
    Round16(v, m, 1);
    Round16(v, m, 2);
    Round16(v, m, 3);
    Round16(v, m, 4);
    Round16(v, m, 5);
    Round16(v, m, 6);
#pragma GCC unroll 16
    for (int i = 0; i < 8; ++i) h[i] = _mm512_xor_si512(v[i], v[i + 8]);
  }
#pragma GCC unroll 16
  // Transposed, row i starts with the eight chaining-value words of input i.
  for (int i = 8; i < 16; ++i) h[i] = _mm512_setzero_si512();
  Transpose16(h);
#pragma GCC unroll 16
  for (int i = 0; i < 16; ++i) _mm512_mask_storeu_epi32(out + 32 * i, 0x00FF, h[i]);
}

void HashMany(const uint8_t* const* inputs, size_t num_inputs, size_t blocks, const uint32_t key[8],
              uint64_t counter, bool increment_counter, uint8_t flags, uint8_t flags_start,
              uint8_t flags_end, uint8_t* out) {
  for (; num_inputs >= 16; num_inputs -= 16, inputs += 16, out += 16 * 32) {
    Hash16(inputs, blocks, key, counter, increment_counter, flags, flags_start, flags_end, out);
    if (increment_counter) counter += 16;
  }
  if (num_inputs > 8) {
    // Fill the idle lanes with copies of the last input and drop their results.
    const uint8_t* padded[16];
    for (size_t i = 0; i < 16; ++i) padded[i] = inputs[i < num_inputs ? i : num_inputs - 1];
    uint8_t cvs[16 * 32];
    Hash16(padded, blocks, key, counter, increment_counter, flags, flags_start, flags_end, cvs);
    std::memcpy(out, cvs, num_inputs * 32);
  } else if (num_inputs > 0) {
    Blake3HashManyAvx2(inputs, num_inputs, blocks, key, counter, increment_counter, flags,
                       flags_start, flags_end, out);
  }
}

constexpr Blake3Ops kAvx512Ops = {CompressInPlace, CompressXof, HashMany, 16};

}  // namespace

const Blake3Ops* Blake3Avx512Ops() { return &kAvx512Ops; }

}  // namespace cairn::core::internal

#else  // not x86

namespace cairn::core::internal {
const Blake3Ops* Blake3Avx512Ops() { return nullptr; }
}  // namespace cairn::core::internal

#endif
