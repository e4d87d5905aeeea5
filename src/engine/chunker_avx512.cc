// AVX-512 gear-hash scan kernel: the AVX2 kernel's method (see chunker_avx2.cc) on sixteen 32-bit
// lanes. Every 16 steps, 16-byte loads of lanes k, k + 4, k + 8 and k + 12 share a register
// (one per 128-bit lane), so the same in-lane 16-bit and 32-bit interleaves leave dword j = lane
// j; pshufb, unpack and pmaddwd work within 128-bit lanes exactly as in AVX2, and the group's
// "any hash below the threshold" test is one unsigned compare into a mask register.
//
// Compiled with -mavx512f -mavx512vl -mavx512bw. Nothing here may run unless
// ChunkerBackendSupported(kAvx512) is true, and this file must not instantiate inline functions
// or templates that other files also use: it uses only intrinsics and its own internal-linkage
// helpers. Built without those flags (and without CAIRN_CHUNKER_AVX512_EMULATION) it compiles to
// a stub that reports the backend absent, and the test Avx512CompiledInWhereSupported fails on
// CPUs that have AVX-512.
#include <cstddef>
#include <cstdint>

#include "engine/internal/chunker_impl.h"

#if defined(CAIRN_CHUNKER_AVX512_EMULATION)
// Test build only: scalar stand-ins for the intrinsics (see the header).
#include "engine/internal/testing/avx512_emulation.h"
#define CAIRN_CDC_HAVE_AVX512 1
#elif (defined(__x86_64__) || defined(__i386__)) && defined(__AVX512F__) && \
    defined(__AVX512VL__) && defined(__AVX512BW__)
#include "core/internal/immintrin_avx512.h"  // <immintrin.h>, GCC 12 false positive silenced
#define CAIRN_CDC_HAVE_AVX512 1
#endif

#if defined(CAIRN_CDC_HAVE_AVX512)

#define CAIRN_CDC_INLINE inline __attribute__((always_inline))

namespace cairn::engine::internal {
namespace {

constexpr size_t kLanes = 16;
constexpr size_t kGroup = 32;  // steps per group
// Longest lane: blocks of 8 KiB, as in the AVX2 kernel (there, 4 to 16 KiB measured the same).
constexpr size_t kMaxLaneLen = 512;

// pshufb tables: byte `j` of the 16-bit nibble table entries, the same 16 bytes in every
// 128-bit lane.
struct PlaneBytes {
  alignas(64) uint8_t low[2][64];
  alignas(64) uint8_t high[2][64];
};

consteval PlaneBytes MakePlaneBytes() {
  PlaneBytes p{};
  for (int j = 0; j < 2; ++j) {
    for (int i = 0; i < 64; ++i) {
      p.low[j][i] = static_cast<uint8_t>(kGearLow.v[i & 15] >> (8 * j));
      p.high[j][i] = static_cast<uint8_t>(kGearHigh.v[i & 15] >> (8 * j));
    }
  }
  return p;
}

constexpr PlaneBytes kPlaneBytes = MakePlaneBytes();

struct Consts {
  __m512i low[2];
  __m512i high[2];
  __m512i nibble;
  __m512i mul_even;  // pmaddwd: the low word of each dword times kGearMul
  __m512i mul_odd;   // pmaddwd: the high word of each dword times kGearMul
};

CAIRN_CDC_INLINE Consts LoadConsts() {
  Consts c;
  for (int j = 0; j < 2; ++j) {
    c.low[j] = _mm512_load_si512(kPlaneBytes.low[j]);
    c.high[j] = _mm512_load_si512(kPlaneBytes.high[j]);
  }
  c.nibble = _mm512_set1_epi8(0x0F);
  c.mul_even = _mm512_set1_epi32(kGearMul);
  c.mul_odd = _mm512_set1_epi32(static_cast<int32_t>(static_cast<uint32_t>(kGearMul) << 16));
  return c;
}

// b: 4 steps of 16 lanes; per 128-bit lane L (lanes 4L..4L+3), bytes 2d, 2d+1 = steps 0, 1 of
// lane 4L+d and bytes 8+2d, 9+2d = steps 2, 3. Writes g[s] (s = 0..3): dword k = Gear(step s of
// lane k).
CAIRN_CDC_INLINE void Gear4(__m512i b, const Consts& c, __m512i g[4]) {
  const __m512i lo = _mm512_and_si512(b, c.nibble);
  const __m512i hi = _mm512_and_si512(_mm512_srli_epi16(b, 4), c.nibble);
  const __m512i h0 =
      _mm512_xor_si512(_mm512_shuffle_epi8(c.low[0], lo), _mm512_shuffle_epi8(c.high[0], hi));
  const __m512i h1 =
      _mm512_xor_si512(_mm512_shuffle_epi8(c.low[1], lo), _mm512_shuffle_epi8(c.high[1], hi));
  const __m512i words_01 = _mm512_unpacklo_epi8(h0, h1);  // H of steps 0 (even) and 1 (odd)
  const __m512i words_23 = _mm512_unpackhi_epi8(h0, h1);  // H of steps 2 (even) and 3 (odd)
  g[0] = _mm512_madd_epi16(words_01, c.mul_even);
  g[1] = _mm512_madd_epi16(words_01, c.mul_odd);
  g[2] = _mm512_madd_epi16(words_23, c.mul_even);
  g[3] = _mm512_madd_epi16(words_23, c.mul_odd);
}

CAIRN_CDC_INLINE __m128i Load16(const uint8_t* p) {
  return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
}

// 32 steps of all lanes over lane[k][off, off + 32). Returns the hashes after the last step;
// with kTrack, *m becomes the lane-wise minimum of *m and all 32 hashes.
template <bool kTrack>
CAIRN_CDC_INLINE __m512i Run32(const uint8_t* const lane[kLanes], size_t off, __m512i h, __m512i* m,
                               const Consts& c) {
#pragma GCC unroll 2
  for (size_t half = 0; half < 2; ++half) {
    const size_t o = off + 16 * half;
    // x[k]: 16 bytes each of lanes k, k + 4, k + 8, k + 12 in 128-bit lanes 0..3.
    __m512i x[4];
#pragma GCC unroll 4
    for (size_t k = 0; k < 4; ++k) {
      __m512i v = _mm512_castsi128_si512(Load16(lane[k] + o));
      v = _mm512_inserti32x4(v, Load16(lane[k + 4] + o), 1);
      v = _mm512_inserti32x4(v, Load16(lane[k + 8] + o), 2);
      x[k] = _mm512_inserti32x4(v, Load16(lane[k + 12] + o), 3);
    }
    const __m512i t0 = _mm512_unpacklo_epi16(x[0], x[1]);
    const __m512i t1 = _mm512_unpackhi_epi16(x[0], x[1]);
    const __m512i t2 = _mm512_unpacklo_epi16(x[2], x[3]);
    const __m512i t3 = _mm512_unpackhi_epi16(x[2], x[3]);
    const __m512i y[4] = {_mm512_unpacklo_epi32(t0, t2), _mm512_unpackhi_epi32(t0, t2),
                          _mm512_unpacklo_epi32(t1, t3), _mm512_unpackhi_epi32(t1, t3)};
#pragma GCC unroll 4
    for (int q = 0; q < 4; ++q) {
      __m512i g[4];
      Gear4(y[q], c, g);
#pragma GCC unroll 4
      for (int s = 0; s < 4; ++s) {
        h = _mm512_add_epi32(_mm512_add_epi32(h, h), g[s]);
        if constexpr (kTrack) *m = _mm512_min_epu32(*m, h);
      }
    }
  }
  return h;
}

// Replays one lane's group in scalar code from hash `h`: the first position (0..31) whose hash is
// below `threshold`, with that hash in *h_hit; 32 if none.
size_t FindInGroup(const uint8_t* p, uint32_t h, uint32_t threshold, uint32_t* h_hit) {
  for (size_t i = 0; i < kGroup; ++i) {
    h = (h << 1) + kGear.v[p[i]];
    if (h < threshold) {
      *h_hit = h;
      return i;
    }
  }
  return kGroup;
}

// Scans the 16 * lane_len bytes at `block` (lane_len a multiple of 32, at least 32), starting
// from hash *h_io. Returns the offset of the first hit and sets *h_io to its hash, or returns
// 16 * lane_len and sets *h_io to the hash after the block. Prefetches up to 512 *
// prefetch_groups bytes that follow the block (the caller guarantees they are in bounds).
size_t ScanBlock(const uint8_t* block, size_t lane_len, uint32_t* h_io, uint32_t threshold,
                 const Consts& c, size_t prefetch_groups) {
  const uint8_t* lane[kLanes];
  for (size_t k = 0; k < kLanes; ++k) lane[k] = block + k * lane_len;
  // Warm-up: lane k >= 1 hashes the 32 bytes before its start, which gives its exact hash there.
  // Lane 0 may not read before the block: it replays lane 1's bytes and then takes *h_io.
  const uint8_t* warm[kLanes];
  warm[0] = lane[1] - kGroup;
  for (size_t k = 1; k < kLanes; ++k) warm[k] = lane[k] - kGroup;
  __m512i h = Run32<false>(warm, 0, _mm512_setzero_si512(), nullptr, c);
  h = _mm512_mask_set1_epi32(h, 1, static_cast<int>(*h_io));

  const __m512i limit = _mm512_set1_epi32(static_cast<int>(threshold));
  size_t hit[kLanes] = {};
  uint32_t hit_hash[kLanes] = {};
  unsigned hit_lanes = 0;
  for (size_t off = 0; off < lane_len; off += kGroup) {
    const __m512i start = h;
    // Pull the next block into L1 while this one runs, 512 bytes per group.
    if (prefetch_groups != 0) {
      const char* next = reinterpret_cast<const char*>(block + kLanes * lane_len + kLanes * off);
      for (int l = 0; l < 8; ++l) _mm_prefetch(next + 64 * l, _MM_HINT_T0);
      --prefetch_groups;
    }
    __m512i m = _mm512_set1_epi32(-1);
    h = Run32<true>(lane, off, h, &m, c);
    unsigned flagged = static_cast<unsigned>(_mm512_cmplt_epu32_mask(m, limit)) & ~hit_lanes;
    if (flagged == 0) continue;
    alignas(64) uint32_t starts[kLanes];
    _mm512_store_si512(starts, start);
    while (flagged != 0) {
      const unsigned k = static_cast<unsigned>(__builtin_ctz(flagged));
      flagged &= flagged - 1;
      hit[k] = k * lane_len + off + FindInGroup(lane[k] + off, starts[k], threshold, &hit_hash[k]);
      hit_lanes |= 1u << k;
    }
    if (hit_lanes & 1u) break;  // lane 0 comes first: nothing later can win
  }
  if (hit_lanes != 0) {
    const unsigned k = static_cast<unsigned>(__builtin_ctz(hit_lanes));
    *h_io = hit_hash[k];
    return hit[k];
  }
  *h_io = static_cast<uint32_t>(_mm_extract_epi32(_mm512_extracti32x4_epi32(h, 3), 3));
  return kLanes * lane_len;
}

size_t GearScanAvx512(const uint8_t* data, size_t n, uint32_t h, uint32_t threshold,
                      uint32_t* h_out) {
  const Consts c = LoadConsts();
  size_t pos = 0;
  while (n - pos >= kLanes * kGroup) {
    size_t lane_len = (n - pos) / (kLanes * kGroup) * kGroup;
    if (lane_len > kMaxLaneLen) lane_len = kMaxLaneLen;
    const size_t block_len = kLanes * lane_len;
    const size_t hit =
        ScanBlock(data + pos, lane_len, &h, threshold, c, (n - pos - block_len) / 512);
    if (hit < block_len) {
      *h_out = h;
      return pos + hit;
    }
    pos += block_len;
  }
  for (; pos < n; ++pos) {
    h = (h << 1) + kGear.v[data[pos]];
    if (h < threshold) break;
  }
  *h_out = h;
  return pos;
}

}  // namespace

GearScanFn GearScanAvx512Fn() { return &GearScanAvx512; }

}  // namespace cairn::engine::internal

#else  // no AVX-512 code in this build

namespace cairn::engine::internal {
GearScanFn GearScanAvx512Fn() { return nullptr; }
}  // namespace cairn::engine::internal

#endif
