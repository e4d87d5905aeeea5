// AVX2 gear-hash scan kernel: eight 32-bit lanes hash eight separate stretches of the input at
// once. Since a hash value depends only on the 32 bytes before it (internal/chunker_impl.h), a
// lane can start anywhere after a 32-byte warm-up, and the first hit overall is the first hit of
// the lowest lane that has one.
//
// Layout: a block is 8 lanes of lane_len bytes (a multiple of 32), scanned in groups of 32 steps.
// Every 16 steps, 16-byte loads of lanes k and k + 4 share a register and a 16-bit then a 32-bit
// interleave transpose them into four vectors of 4 steps x 8 lanes. Per such vector: two pshufb
// pairs look up the two bytes of H (the 16-bit core of the gear function) for all 32 bytes, one
// unpack makes them words and pmaddwd turns them into sign-extended 32-bit gear values times
// kGearMul, even words and odd words giving one step each. The per-step work is then two adds
// (h + h + gear) and an unsigned min: the group's minimum per lane tells whether any hash fell
// below the threshold, and only then is that lane's group replayed in scalar code to find the
// exact position.
//
// Cost: about 30 vector instructions per 32 bytes, all in registers (an 8x8 transpose of whole
// 32-byte loads needed more than 16 registers, and the spills put store-forwarding latency on the
// hash chain: 25% slower). The chain itself is 2 cycles per step. Prefetching the next block
// matters (about 25% on 512 MiB): the hardware prefetchers do not follow eight short interleaved
// streams well.
//
// Compiled with -mavx2. Nothing here may run unless ChunkerBackendSupported(kAvx2) is true, and
// this file must not instantiate inline functions or templates that other files also use (the
// linker could keep this file's AVX2 copy for all callers): it uses only intrinsics and its own
// internal-linkage helpers.
#include <cstddef>
#include <cstdint>

#include "engine/internal/chunker_impl.h"

#if defined(__x86_64__) || defined(__i386__)

#if !defined(__AVX2__)
#error "chunker_avx2.cc must be compiled with -mavx2"
#endif

#include <immintrin.h>

#define CAIRN_CDC_INLINE inline __attribute__((always_inline))

namespace cairn::engine::internal {
namespace {

constexpr size_t kLanes = 8;
constexpr size_t kGroup = 32;  // steps per group: one 32-byte load per lane
// Longest lane. Longer lanes spread the 32-step warm-up over more bytes; shorter ones waste less
// work past a hit (the rest of the block is scanned anyway). 512 to 2048, and lengths adapted to
// the expected distance between hits, measured the same (within noise) on Zen 3.
constexpr size_t kMaxLaneLen = 1024;

// pshufb tables: byte `j` of the 16-bit nibble table entries, the same 16 bytes in both halves.
struct PlaneBytes {
  alignas(32) uint8_t low[2][32];
  alignas(32) uint8_t high[2][32];
};

consteval PlaneBytes MakePlaneBytes() {
  PlaneBytes p{};
  for (int j = 0; j < 2; ++j) {
    for (int i = 0; i < 32; ++i) {
      p.low[j][i] = static_cast<uint8_t>(kGearLow.v[i & 15] >> (8 * j));
      p.high[j][i] = static_cast<uint8_t>(kGearHigh.v[i & 15] >> (8 * j));
    }
  }
  return p;
}

constexpr PlaneBytes kPlaneBytes = MakePlaneBytes();

struct Consts {
  __m256i low[2];
  __m256i high[2];
  __m256i nibble;
  __m256i mul_even;  // pmaddwd: the low word of each dword times kGearMul
  __m256i mul_odd;   // pmaddwd: the high word of each dword times kGearMul
};

CAIRN_CDC_INLINE Consts LoadConsts() {
  Consts c;
  for (int j = 0; j < 2; ++j) {
    c.low[j] = _mm256_load_si256(reinterpret_cast<const __m256i*>(kPlaneBytes.low[j]));
    c.high[j] = _mm256_load_si256(reinterpret_cast<const __m256i*>(kPlaneBytes.high[j]));
  }
  c.nibble = _mm256_set1_epi8(0x0F);
  c.mul_even = _mm256_set1_epi32(kGearMul);
  c.mul_odd = _mm256_set1_epi32(static_cast<int32_t>(static_cast<uint32_t>(kGearMul) << 16));
  return c;
}

// b: 4 steps of 8 lanes; per 128-bit half (lanes 0-3, lanes 4-7), bytes 2d, 2d+1 = steps 0, 1 of
// lane d and bytes 8+2d, 9+2d = steps 2, 3. Writes g[s] (s = 0..3): dword k = Gear(step s of lane
// k).
CAIRN_CDC_INLINE void Gear4(__m256i b, const Consts& c, __m256i g[4]) {
  const __m256i lo = _mm256_and_si256(b, c.nibble);
  const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(b, 4), c.nibble);
  const __m256i h0 =
      _mm256_xor_si256(_mm256_shuffle_epi8(c.low[0], lo), _mm256_shuffle_epi8(c.high[0], hi));
  const __m256i h1 =
      _mm256_xor_si256(_mm256_shuffle_epi8(c.low[1], lo), _mm256_shuffle_epi8(c.high[1], hi));
  const __m256i words_01 = _mm256_unpacklo_epi8(h0, h1);  // H of steps 0 (even) and 1 (odd)
  const __m256i words_23 = _mm256_unpackhi_epi8(h0, h1);  // H of steps 2 (even) and 3 (odd)
  g[0] = _mm256_madd_epi16(words_01, c.mul_even);
  g[1] = _mm256_madd_epi16(words_01, c.mul_odd);
  g[2] = _mm256_madd_epi16(words_23, c.mul_even);
  g[3] = _mm256_madd_epi16(words_23, c.mul_odd);
}

// 32 steps of all lanes over lane[k][off, off + 32). Returns the hashes after the last step;
// with kTrack, *m becomes the lane-wise minimum of *m and all 32 hashes.
template <bool kTrack>
CAIRN_CDC_INLINE __m256i Run32(const uint8_t* const lane[kLanes], size_t off, __m256i h, __m256i* m,
                               const Consts& c) {
#pragma GCC unroll 2
  for (size_t half = 0; half < 2; ++half) {
    const size_t o = off + 16 * half;
    // x[k]: 16 bytes of lane k in the low 128-bit half, of lane k + 4 in the high half. Then a
    // 16-bit and a 32-bit interleave give y[q] = steps 4q..4q+3 of every lane, in the order
    // Gear4 wants. Working on 16-byte pieces keeps everything in registers (16 of them).
    __m256i x[4];
#pragma GCC unroll 4
    for (size_t k = 0; k < 4; ++k) {
      x[k] = _mm256_inserti128_si256(
          _mm256_castsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(lane[k] + o))),
          _mm_loadu_si128(reinterpret_cast<const __m128i*>(lane[k + 4] + o)), 1);
    }
    const __m256i t0 = _mm256_unpacklo_epi16(x[0], x[1]);
    const __m256i t1 = _mm256_unpackhi_epi16(x[0], x[1]);
    const __m256i t2 = _mm256_unpacklo_epi16(x[2], x[3]);
    const __m256i t3 = _mm256_unpackhi_epi16(x[2], x[3]);
    const __m256i y[4] = {_mm256_unpacklo_epi32(t0, t2), _mm256_unpackhi_epi32(t0, t2),
                          _mm256_unpacklo_epi32(t1, t3), _mm256_unpackhi_epi32(t1, t3)};
#pragma GCC unroll 4
    for (int q = 0; q < 4; ++q) {
      __m256i g[4];
      Gear4(y[q], c, g);
#pragma GCC unroll 4
      for (int s = 0; s < 4; ++s) {
        // h << 1 as an add, which more execution ports take than shifts.
        h = _mm256_add_epi32(_mm256_add_epi32(h, h), g[s]);
        if constexpr (kTrack) *m = _mm256_min_epu32(*m, h);
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

// Scans the 8 * lane_len bytes at `block` (lane_len a multiple of 32, at least 32), starting from
// hash *h_io. Returns the offset of the first hit and sets *h_io to its hash, or returns
// 8 * lane_len and sets *h_io to the hash after the block. Prefetches up to 256 *
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
  __m256i h = Run32<false>(warm, 0, _mm256_setzero_si256(), nullptr, c);
  h = _mm256_blend_epi32(h, _mm256_set1_epi32(static_cast<int>(*h_io)), 0x01);

  const __m256i limit = _mm256_set1_epi32(static_cast<int>(threshold - 1));
  size_t hit[kLanes] = {};
  uint32_t hit_hash[kLanes] = {};
  unsigned hit_lanes = 0;
  for (size_t off = 0; off < lane_len; off += kGroup) {
    const __m256i start = h;
    // Pull the next block into L1 while this one runs, 256 bytes per group.
    if (prefetch_groups != 0) {
      const char* next = reinterpret_cast<const char*>(block + kLanes * lane_len + kLanes * off);
      for (int l = 0; l < 4; ++l) _mm_prefetch(next + 64 * l, _MM_HINT_T0);
      --prefetch_groups;
    }
    __m256i m = _mm256_set1_epi32(-1);
    h = Run32<true>(lane, off, h, &m, c);
    // m <= threshold - 1 in some lane: that lane has a hit in this group.
    const __m256i below = _mm256_cmpeq_epi32(_mm256_min_epu32(m, limit), m);
    unsigned flagged =
        static_cast<unsigned>(_mm256_movemask_ps(_mm256_castsi256_ps(below))) & ~hit_lanes;
    if (flagged == 0) continue;
    alignas(32) uint32_t starts[kLanes];
    _mm256_store_si256(reinterpret_cast<__m256i*>(starts), start);
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
  *h_io = static_cast<uint32_t>(_mm256_extract_epi32(h, 7));
  return kLanes * lane_len;
}

size_t GearScanAvx2(const uint8_t* data, size_t n, uint32_t h, uint32_t threshold,
                    uint32_t* h_out) {
  const Consts c = LoadConsts();
  size_t pos = 0;
  while (n - pos >= kLanes * kGroup) {
    size_t lane_len = (n - pos) / (kLanes * kGroup) * kGroup;
    if (lane_len > kMaxLaneLen) lane_len = kMaxLaneLen;
    const size_t block_len = kLanes * lane_len;
    const size_t hit =
        ScanBlock(data + pos, lane_len, &h, threshold, c, (n - pos - block_len) / 256);
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

GearScanFn GearScanAvx2Fn() { return &GearScanAvx2; }

}  // namespace cairn::engine::internal

#else  // not x86

namespace cairn::engine::internal {
GearScanFn GearScanAvx2Fn() { return nullptr; }
}  // namespace cairn::engine::internal

#endif
