// Scalar emulation of the x86 intrinsics that chunker_avx512.cc uses, written from Intel's
// Intrinsics Guide. TEST ONLY: a test build compiles chunker_avx512.cc against this header
// (CAIRN_CHUNKER_AVX512_EMULATION, and chunker.cc with the same define so that the backend
// counts as supported) to run the AVX-512 kernel's logic against the portable kernel on CPUs
// without AVX-512. It proves the lane arithmetic, transposes and masks; it cannot prove the real
// instructions' encoding, which the native test covers wherever the CPU has AVX-512.
// (Separate from core/internal/testing/avx512_emulation.h, which serves BLAKE3 and must not
// change for the chunker; the two are never included in one translation unit.)
#ifndef CAIRN_ENGINE_INTERNAL_TESTING_AVX512_EMULATION_H_
#define CAIRN_ENGINE_INTERNAL_TESTING_AVX512_EMULATION_H_
// clang-format off
#include <cstdint>
#include <cstring>

struct __m128i { uint8_t b[16]; };
struct __m512i { uint8_t b[64]; };
typedef uint16_t __mmask16;
#define _MM_HINT_T0 3

namespace cairn_emu {
inline uint16_t W(const __m512i& a, int i) { uint16_t v; std::memcpy(&v, a.b + 2 * i, 2); return v; }
inline uint32_t D(const __m512i& a, int i) { uint32_t v; std::memcpy(&v, a.b + 4 * i, 4); return v; }
inline void SetW(__m512i& a, int i, uint16_t v) { std::memcpy(a.b + 2 * i, &v, 2); }
inline void SetD(__m512i& a, int i, uint32_t v) { std::memcpy(a.b + 4 * i, &v, 4); }
}  // namespace cairn_emu

static inline void _mm_prefetch(const char*, int) {}
static inline __m128i _mm_loadu_si128(const __m128i* p) { __m128i r; std::memcpy(&r, p, 16); return r; }
static inline int _mm_extract_epi32(__m128i a, int imm) { int32_t v; std::memcpy(&v, a.b + 4 * (imm & 3), 4); return v; }

static inline __m512i _mm512_setzero_si512() { __m512i r; std::memset(&r, 0, 64); return r; }
static inline __m512i _mm512_set1_epi32(int a) { __m512i r; for (int i = 0; i < 16; ++i) cairn_emu::SetD(r, i, static_cast<uint32_t>(a)); return r; }
static inline __m512i _mm512_set1_epi8(char a) { __m512i r; std::memset(&r, static_cast<unsigned char>(a), 64); return r; }
static inline __m512i _mm512_load_si512(const void* p) { __m512i r; std::memcpy(&r, p, 64); return r; }
static inline void _mm512_store_si512(void* p, __m512i a) { std::memcpy(p, &a, 64); }
// Upper 384 bits are undefined for the real instruction; zero here.
static inline __m512i _mm512_castsi128_si512(__m128i a) { __m512i r = _mm512_setzero_si512(); std::memcpy(r.b, a.b, 16); return r; }
static inline __m512i _mm512_inserti32x4(__m512i a, __m128i b, int imm) { std::memcpy(a.b + 16 * (imm & 3), b.b, 16); return a; }
static inline __m128i _mm512_extracti32x4_epi32(__m512i a, int imm) { __m128i r; std::memcpy(r.b, a.b + 16 * (imm & 3), 16); return r; }

static inline __m512i _mm512_and_si512(__m512i a, __m512i b) { for (int i = 0; i < 64; ++i) a.b[i] &= b.b[i]; return a; }
static inline __m512i _mm512_xor_si512(__m512i a, __m512i b) { for (int i = 0; i < 64; ++i) a.b[i] ^= b.b[i]; return a; }
static inline __m512i _mm512_srli_epi16(__m512i a, unsigned imm) { for (int i = 0; i < 32; ++i) cairn_emu::SetW(a, i, imm > 15 ? 0 : static_cast<uint16_t>(cairn_emu::W(a, i) >> imm)); return a; }
static inline __m512i _mm512_add_epi32(__m512i a, __m512i b) { for (int i = 0; i < 16; ++i) cairn_emu::SetD(a, i, cairn_emu::D(a, i) + cairn_emu::D(b, i)); return a; }
static inline __m512i _mm512_min_epu32(__m512i a, __m512i b) { for (int i = 0; i < 16; ++i) { const uint32_t x = cairn_emu::D(a, i), y = cairn_emu::D(b, i); cairn_emu::SetD(a, i, x < y ? x : y); } return a; }
// dst.dword[i] = int16(a.word[2i]) * int16(b.word[2i]) + int16(a.word[2i+1]) * int16(b.word[2i+1]), wrapping.
static inline __m512i _mm512_madd_epi16(__m512i a, __m512i b) {
  __m512i r;
  for (int i = 0; i < 16; ++i) {
    const int64_t lo = int64_t{static_cast<int16_t>(cairn_emu::W(a, 2 * i))} * static_cast<int16_t>(cairn_emu::W(b, 2 * i));
    const int64_t hi = int64_t{static_cast<int16_t>(cairn_emu::W(a, 2 * i + 1))} * static_cast<int16_t>(cairn_emu::W(b, 2 * i + 1));
    cairn_emu::SetD(r, i, static_cast<uint32_t>(lo + hi));
  }
  return r;
}
// Per 128-bit lane: dst[i] = b[i] & 0x80 ? 0 : a[b[i] & 15].
static inline __m512i _mm512_shuffle_epi8(__m512i a, __m512i b) { __m512i r; for (int i = 0; i < 64; ++i) r.b[i] = (b.b[i] & 0x80) ? 0 : a.b[(i & ~15) + (b.b[i] & 15)]; return r; }
// Per 128-bit lane, interleave the low (lo) or high (hi) halves of a and b, a first.
static inline __m512i emu_unpack(__m512i a, __m512i b, int size, bool high) {
  __m512i r;
  const int per_half = 8 / size;  // elements taken from each source per 128-bit lane
  for (int lane = 0; lane < 4; ++lane) {
    const uint8_t* x = a.b + 16 * lane + (high ? 8 : 0);
    const uint8_t* y = b.b + 16 * lane + (high ? 8 : 0);
    uint8_t* o = r.b + 16 * lane;
    for (int e = 0; e < per_half; ++e) {
      std::memcpy(o + 2 * e * size, x + e * size, size);
      std::memcpy(o + (2 * e + 1) * size, y + e * size, size);
    }
  }
  return r;
}
static inline __m512i _mm512_unpacklo_epi8(__m512i a, __m512i b) { return emu_unpack(a, b, 1, false); }
static inline __m512i _mm512_unpackhi_epi8(__m512i a, __m512i b) { return emu_unpack(a, b, 1, true); }
static inline __m512i _mm512_unpacklo_epi16(__m512i a, __m512i b) { return emu_unpack(a, b, 2, false); }
static inline __m512i _mm512_unpackhi_epi16(__m512i a, __m512i b) { return emu_unpack(a, b, 2, true); }
static inline __m512i _mm512_unpacklo_epi32(__m512i a, __m512i b) { return emu_unpack(a, b, 4, false); }
static inline __m512i _mm512_unpackhi_epi32(__m512i a, __m512i b) { return emu_unpack(a, b, 4, true); }
// dst.dword[i] = k bit i ? a : src.dword[i].
static inline __m512i _mm512_mask_set1_epi32(__m512i src, __mmask16 k, int a) { for (int i = 0; i < 16; ++i) if ((k >> i) & 1) cairn_emu::SetD(src, i, static_cast<uint32_t>(a)); return src; }
static inline __mmask16 _mm512_cmplt_epu32_mask(__m512i a, __m512i b) { __mmask16 k = 0; for (int i = 0; i < 16; ++i) if (cairn_emu::D(a, i) < cairn_emu::D(b, i)) k = static_cast<__mmask16>(k | (1u << i)); return k; }
// clang-format on
#endif  // CAIRN_ENGINE_INTERNAL_TESTING_AVX512_EMULATION_H_
