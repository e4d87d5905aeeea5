// AVX2 gear-hash scan kernel: eight 32-bit lanes hash eight separate stretches of the input at
// once. Since a hash value depends only on the 32 bytes before it (internal/chunker_impl.h), a
// lane can start anywhere after a 32-byte warm-up, and the first hit overall is the first hit of
// the lowest lane that has one.
//
// Layout: a block is 8 lanes of lane_len bytes (a multiple of 32). Each group of 32 steps loads
// 32 bytes per lane and transposes the 8x8 dwords, so that vector q holds bytes 4q..4q+3 of
// every lane; a byte shuffle then orders them step-major. Gear values come from two 16-entry
// nibble tables, looked up one output byte plane at a time with pshufb and interleaved back into
// dwords. The per-step work is a shift, an add and an unsigned min: the group's minimum per lane
// tells whether any hash fell below the threshold, and only then is that lane's group replayed
// in scalar code to find the exact position.
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
// Longest lane: longer lanes spread the 32-byte warm-up over more bytes, shorter ones waste less
// work past a hit (the rest of the block is scanned anyway). Measured best on Zen 3.
constexpr size_t kMaxLaneLen = 1024;

// Byte j of the nibble tables' entries, as pshufb tables (the same 16 bytes in both halves).
struct PlaneBytes {
  alignas(32) uint8_t low[4][32];
  alignas(32) uint8_t high[4][32];
};

consteval PlaneBytes MakePlaneBytes() {
  PlaneBytes p{};
  for (int j = 0; j < 4; ++j) {
    for (int i = 0; i < 32; ++i) {
      p.low[j][i] = static_cast<uint8_t>(kGearLow.v[i & 15] >> (8 * j));
      p.high[j][i] = static_cast<uint8_t>(kGearHigh.v[i & 15] >> (8 * j));
    }
  }
  return p;
}

constexpr PlaneBytes kPlaneBytes = MakePlaneBytes();

struct Consts {
  __m256i low[4];
  __m256i high[4];
  __m256i nibble;
  __m256i step_major;  // per 128-bit half: byte 4 * lane + step -> 4 * step + lane
};

CAIRN_CDC_INLINE Consts LoadConsts() {
  Consts c;
  for (int j = 0; j < 4; ++j) {
    c.low[j] = _mm256_load_si256(reinterpret_cast<const __m256i*>(kPlaneBytes.low[j]));
    c.high[j] = _mm256_load_si256(reinterpret_cast<const __m256i*>(kPlaneBytes.high[j]));
  }
  c.nibble = _mm256_set1_epi8(0x0F);
  c.step_major = _mm256_setr_epi8(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15,  //
                                  0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
  return c;
}

// y: dword k = the next 4 bytes of lane k. Writes g[s] (s = 0..3): dword k = Gear(byte s of
// lane k).
CAIRN_CDC_INLINE void Gear4(__m256i y, const Consts& c, __m256i g[4]) {
#ifdef MULG
  (void)c;
  const __m256i ff = _mm256_set1_epi32(0xFF);
  __m256i b[4] = {_mm256_and_si256(y, ff), _mm256_and_si256(_mm256_srli_epi32(y, 8), ff),
                  _mm256_and_si256(_mm256_srli_epi32(y, 16), ff), _mm256_srli_epi32(y, 24)};
  for (int s = 0; s < 4; ++s) {
    __m256i x = _mm256_mullo_epi32(b[s], _mm256_set1_epi32(0x9E3779B1));
    x = _mm256_xor_si256(x, _mm256_srli_epi32(x, 15));
    x = _mm256_mullo_epi32(x, _mm256_set1_epi32(0x85EBCA77));
#ifdef MULG3
    x = _mm256_xor_si256(x, _mm256_srli_epi32(x, 13));
#endif
    g[s] = x;
  }
#else
  const __m256i b = _mm256_shuffle_epi8(y, c.step_major);
  const __m256i lo = _mm256_and_si256(b, c.nibble);
  const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(b, 4), c.nibble);
  __m256i p[4];
#ifdef DERIVED
#pragma GCC unroll 2
  for (int j = 0; j < 2; ++j) {
    p[j] = _mm256_xor_si256(_mm256_shuffle_epi8(c.low[j], lo), _mm256_shuffle_epi8(c.high[j], hi));
  }
  p[2] = _mm256_xor_si256(p[0], _mm256_add_epi8(p[1], p[1]));
  p[3] = _mm256_add_epi8(p[0], p[1]);
#elif defined(HMUL)
#pragma GCC unroll 2
  for (int j = 0; j < 2; ++j) {
    p[j] = _mm256_xor_si256(_mm256_shuffle_epi8(c.low[j], lo), _mm256_shuffle_epi8(c.high[j], hi));
  }
  {
    const __m256i w_lo = _mm256_unpacklo_epi8(p[0], p[1]);
    const __m256i w_hi = _mm256_unpackhi_epi8(p[0], p[1]);
    const __m256i z = _mm256_setzero_si256();
    const __m256i k = _mm256_set1_epi32(0x9E3779B1);
    g[0] = _mm256_mullo_epi32(_mm256_unpacklo_epi16(w_lo, z), k);
    g[1] = _mm256_mullo_epi32(_mm256_unpackhi_epi16(w_lo, z), k);
    g[2] = _mm256_mullo_epi32(_mm256_unpacklo_epi16(w_hi, z), k);
    g[3] = _mm256_mullo_epi32(_mm256_unpackhi_epi16(w_hi, z), k);
    return;
  }
#else
#pragma GCC unroll 4
  for (int j = 0; j < 4; ++j) {
    p[j] = _mm256_xor_si256(_mm256_shuffle_epi8(c.low[j], lo), _mm256_shuffle_epi8(c.high[j], hi));
  }
#endif
  const __m256i p01_lo = _mm256_unpacklo_epi8(p[0], p[1]);
  const __m256i p01_hi = _mm256_unpackhi_epi8(p[0], p[1]);
  const __m256i p23_lo = _mm256_unpacklo_epi8(p[2], p[3]);
  const __m256i p23_hi = _mm256_unpackhi_epi8(p[2], p[3]);
  g[0] = _mm256_unpacklo_epi16(p01_lo, p23_lo);
  g[1] = _mm256_unpackhi_epi16(p01_lo, p23_lo);
  g[2] = _mm256_unpacklo_epi16(p01_hi, p23_hi);
  g[3] = _mm256_unpackhi_epi16(p01_hi, p23_hi);
#endif
}

// 32 steps of all lanes over lane[k][off, off + 32). Returns the hashes after the last step;
// with kTrack, *m becomes the lane-wise minimum of *m and all 32 hashes.
template <bool kTrack>
CAIRN_CDC_INLINE __m256i Run32(const uint8_t* const lane[kLanes], size_t off, __m256i h, __m256i* m,
                               const Consts& c) {
  __m256i x[8];
#pragma GCC unroll 8
  for (size_t k = 0; k < kLanes; ++k) {
    x[k] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(lane[k] + off));
  }
  // 8x8 dword transpose: y[q] dword k = dword q of x[k].
  __m256i t[8];
#pragma GCC unroll 4
  for (int i = 0; i < 8; i += 2) {
    t[i] = _mm256_unpacklo_epi32(x[i], x[i + 1]);
    t[i + 1] = _mm256_unpackhi_epi32(x[i], x[i + 1]);
  }
  __m256i u[8];
#pragma GCC unroll 2
  for (int i = 0; i < 8; i += 4) {
    u[i] = _mm256_unpacklo_epi64(t[i], t[i + 2]);
    u[i + 1] = _mm256_unpackhi_epi64(t[i], t[i + 2]);
    u[i + 2] = _mm256_unpacklo_epi64(t[i + 1], t[i + 3]);
    u[i + 3] = _mm256_unpackhi_epi64(t[i + 1], t[i + 3]);
  }
  __m256i y[8];
#pragma GCC unroll 4
  for (int q = 0; q < 4; ++q) {
    y[q] = _mm256_permute2x128_si256(u[q], u[q + 4], 0x20);
    y[q + 4] = _mm256_permute2x128_si256(u[q], u[q + 4], 0x31);
  }
#pragma GCC unroll 8
  for (int q = 0; q < 8; ++q) {
    __m256i g[4];
    Gear4(y[q], c, g);
    // Four steps with half the loop-carried latency: h2 and h4 come from h and h2 by one
    // shift-add each; h1 and h3 hang off the chain.
    const __m256i g01 = _mm256_add_epi32(_mm256_slli_epi32(g[0], 1), g[1]);
    const __m256i g23 = _mm256_add_epi32(_mm256_slli_epi32(g[2], 1), g[3]);
    const __m256i h1 = _mm256_add_epi32(_mm256_slli_epi32(h, 1), g[0]);
    const __m256i h2 = _mm256_add_epi32(_mm256_slli_epi32(h, 2), g01);
    const __m256i h3 = _mm256_add_epi32(_mm256_slli_epi32(h2, 1), g[2]);
    h = _mm256_add_epi32(_mm256_slli_epi32(h2, 2), g23);
    if constexpr (kTrack) {
      *m =
          _mm256_min_epu32(*m, _mm256_min_epu32(_mm256_min_epu32(h1, h2), _mm256_min_epu32(h3, h)));
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
// 8 * lane_len and sets *h_io to the hash after the block.
size_t ScanBlock(const uint8_t* block, size_t lane_len, uint32_t* h_io, uint32_t threshold,
                 const Consts& c, size_t prefetch_lines) {
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
#ifdef PF
    if (prefetch_lines != 0) {
      const char* next = reinterpret_cast<const char*>(block) + kLanes * lane_len + off * kLanes;
      for (int l = 0; l < 4; ++l) _mm_prefetch(next + 64 * l, _MM_HINT_T0);
      --prefetch_lines;
    }
#endif
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
    const size_t ahead = n - pos - kLanes * lane_len;
    const size_t hit = ScanBlock(data + pos, lane_len, &h, threshold, c, ahead / 256);
    if (hit < kLanes * lane_len) {
      *h_out = h;
      return pos + hit;
    }
    pos += kLanes * lane_len;
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
