// Scalar emulation of the x86 intrinsics that blake3_avx512.cc uses, written from Intel's
// Intrinsics Guide. TEST ONLY: the cairn_blake3_avx512_emulated_test target compiles
// blake3_avx512.cc against this header (CAIRN_BLAKE3_AVX512_EMULATION) so the AVX-512 kernel's
// logic runs against the official vectors on CPUs without AVX-512. It proves the lane
// arithmetic, transposes and permutes; it cannot prove the real instructions' encoding, which
// the native test covers wherever the CPU has AVX-512.
#ifndef CAIRN_CORE_INTERNAL_TESTING_AVX512_EMULATION_H_
#define CAIRN_CORE_INTERNAL_TESTING_AVX512_EMULATION_H_
// clang-format off
#include <cassert>
#include <cstdint>
#include <cstring>
struct __m128i { uint32_t w[4]; };
struct __m512i { uint32_t w[16]; };
typedef uint16_t __mmask16;
#define _MM_HINT_T0 3
#define _MM_SHUFFLE(a, b, c, d) (((a) << 6) | ((b) << 4) | ((c) << 2) | (d))
static inline uint32_t emu_ror(uint32_t x, int n) { n &= 31; return n ? (x >> n) | (x << (32 - n)) : x; }
static inline void _mm_prefetch(const char*, int) {}
// 128-bit
static inline __m128i _mm_loadu_si128(const __m128i* p) { __m128i r; memcpy(&r, p, 16); return r; }
static inline void _mm_storeu_si128(__m128i* p, __m128i a) { memcpy(p, &a, 16); }
static inline __m128i _mm_setr_epi32(int a, int b, int c, int d) { return {{(uint32_t)a, (uint32_t)b, (uint32_t)c, (uint32_t)d}}; }
static inline __m128i _mm_add_epi32(__m128i a, __m128i b) { for (int i = 0; i < 4; ++i) a.w[i] += b.w[i]; return a; }
static inline __m128i _mm_xor_si128(__m128i a, __m128i b) { for (int i = 0; i < 4; ++i) a.w[i] ^= b.w[i]; return a; }
static inline __m128i _mm_ror_epi32(__m128i a, int imm) { for (int i = 0; i < 4; ++i) a.w[i] = emu_ror(a.w[i], imm); return a; }
// dst[i] = a[(imm >> 2i) & 3]
static inline __m128i _mm_shuffle_epi32(__m128i a, int imm) { __m128i r; for (int i = 0; i < 4; ++i) r.w[i] = a.w[(imm >> (2 * i)) & 3]; return r; }
// 512-bit
static inline __m512i _mm512_loadu_si512(const void* p) { __m512i r; memcpy(&r, p, 64); return r; }
static inline __m512i _mm512_load_si512(const void* p) { assert(((uintptr_t)p & 63) == 0); __m512i r; memcpy(&r, p, 64); return r; }
static inline __m512i _mm512_set1_epi32(int a) { __m512i r; for (int i = 0; i < 16; ++i) r.w[i] = (uint32_t)a; return r; }
static inline __m512i _mm512_setzero_si512() { return _mm512_set1_epi32(0); }
static inline __m512i _mm512_add_epi32(__m512i a, __m512i b) { for (int i = 0; i < 16; ++i) a.w[i] += b.w[i]; return a; }
static inline __m512i _mm512_xor_si512(__m512i a, __m512i b) { for (int i = 0; i < 16; ++i) a.w[i] ^= b.w[i]; return a; }
static inline __m512i _mm512_ror_epi32(__m512i a, int imm) { for (int i = 0; i < 16; ++i) a.w[i] = emu_ror(a.w[i], imm); return a; }
// Per 128-bit lane L: lo32 -> a0 b0 a1 b1 ; hi32 -> a2 b2 a3 b3 ; lo64 -> a0 a1 b0 b1 ; hi64 -> a2 a3 b2 b3
static inline __m512i _mm512_unpacklo_epi32(__m512i a, __m512i b) { __m512i r; for (int L = 0; L < 4; ++L) { const uint32_t* x = a.w + 4 * L; const uint32_t* y = b.w + 4 * L; uint32_t* o = r.w + 4 * L; o[0] = x[0]; o[1] = y[0]; o[2] = x[1]; o[3] = y[1]; } return r; }
static inline __m512i _mm512_unpackhi_epi32(__m512i a, __m512i b) { __m512i r; for (int L = 0; L < 4; ++L) { const uint32_t* x = a.w + 4 * L; const uint32_t* y = b.w + 4 * L; uint32_t* o = r.w + 4 * L; o[0] = x[2]; o[1] = y[2]; o[2] = x[3]; o[3] = y[3]; } return r; }
static inline __m512i _mm512_unpacklo_epi64(__m512i a, __m512i b) { __m512i r; for (int L = 0; L < 4; ++L) { const uint32_t* x = a.w + 4 * L; const uint32_t* y = b.w + 4 * L; uint32_t* o = r.w + 4 * L; o[0] = x[0]; o[1] = x[1]; o[2] = y[0]; o[3] = y[1]; } return r; }
static inline __m512i _mm512_unpackhi_epi64(__m512i a, __m512i b) { __m512i r; for (int L = 0; L < 4; ++L) { const uint32_t* x = a.w + 4 * L; const uint32_t* y = b.w + 4 * L; uint32_t* o = r.w + 4 * L; o[0] = x[2]; o[1] = x[3]; o[2] = y[2]; o[3] = y[3]; } return r; }
// dst.lane0 = a.lane[imm[1:0]], lane1 = a.lane[imm[3:2]], lane2 = b.lane[imm[5:4]], lane3 = b.lane[imm[7:6]]
static inline __m512i _mm512_shuffle_i32x4(__m512i a, __m512i b, int imm) { __m512i r; for (int L = 0; L < 4; ++L) { const __m512i& src = L < 2 ? a : b; int sel = (imm >> (2 * L)) & 3; memcpy(r.w + 4 * L, src.w + 4 * sel, 16); } return r; }
// dst[i] = a[idx[i] & 15]   (note: index vector first)
static inline __m512i _mm512_permutexvar_epi32(__m512i idx, __m512i a) { __m512i r; for (int i = 0; i < 16; ++i) r.w[i] = a.w[idx.w[i] & 15]; return r; }
static inline __m128i _mm512_castsi512_si128(__m512i a) { __m128i r; memcpy(&r, a.w, 16); return r; }
static inline __m128i _mm512_extracti32x4_epi32(__m512i a, int imm) { __m128i r; memcpy(&r, a.w + 4 * (imm & 3), 16); return r; }
static inline void _mm512_mask_storeu_epi32(void* p, __mmask16 k, __m512i a) { for (int i = 0; i < 16; ++i) if ((k >> i) & 1) memcpy((char*)p + 4 * i, &a.w[i], 4); }
// clang-format on
#endif  // CAIRN_CORE_INTERNAL_TESTING_AVX512_EMULATION_H_
