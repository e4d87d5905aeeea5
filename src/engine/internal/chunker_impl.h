// Internal interface between the chunking rules (src/engine/chunker.cc) and the gear-hash scan
// kernels (portable in chunker.cc, chunker_avx2.cc, chunker_avx512.cc). Not part of the public
// API; the format it defines is described in engine/chunker.h.
//
// The gear hash. For stream bytes b_0, b_1, ... the hash after byte i is
//   h_i = (h_{i-1} << 1) + Gear(b_i)  (mod 2^32),  h_{-1} = 0,
// so h_i = sum_{j=0}^{31} Gear(b_{i-j}) << j: it depends only on the 32 bytes ending at i (fewer
// at the start of the stream), whatever came before. That is what lets the SIMD kernels hash
// separate stretches of the input in separate lanes after a 32-byte warm-up, and what makes the
// cut points a function of local content.
//
// Gear() is defined below; SIMD code computes it without gathers, scalar code uses the table
// kGear. Changing any of this changes every chunk boundary: a format change
// (kChunkerFormatVersion in engine/chunker.h).
//
// The SIMD backend files are compiled with ISA flags (-mavx2, -mavx512*). Code in them may only
// run after ChunkerBackendSupported() said yes, so this header holds only declarations and
// constant data (its consteval helpers never reach object code): an inline function defined here
// would be compiled with those flags in the SIMD translation units and could be picked by the
// linker for callers on any CPU.
#ifndef CAIRN_ENGINE_INTERNAL_CHUNKER_IMPL_H_
#define CAIRN_ENGINE_INTERNAL_CHUNKER_IMPL_H_

#include <cstddef>
#include <cstdint>

namespace cairn::engine::internal {

// Bytes that determine one hash value.
inline constexpr size_t kGearWindow = 32;

consteval uint64_t SplitMix64(uint64_t index) {
  uint64_t z = (index + 1) * 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// Gear(b) = int32(int16(H(b))) * kGearMul mod 2^32, with the 16-bit
// H(b) = kGearLow[b & 15] ^ kGearHigh[b >> 4], where kGearLow[i] and kGearHigh[i] are the top 16
// bits of splitmix64 outputs i and 16 + i (seed 0). All 256 values are distinct and non-zero
// (checked below). The shape is what SIMD code computes cheaply: two byte shuffles (pshufb) per
// nibble table look up H's two bytes for 32 input bytes at once, and one multiply-add of 16-bit
// words (pmaddwd) sign-extends and multiplies. (Tried: chunk-length statistics on random data, C
// sources and binaries match those of a table of 256 independent random values, within the
// spread between such tables.)
inline constexpr int32_t kGearMul = 0x6A09;

struct GearNibbleTable {
  uint16_t v[16];
};

consteval GearNibbleTable MakeGearNibbleTable(uint64_t first_index) {
  GearNibbleTable t{};
  for (uint64_t i = 0; i < 16; ++i)
    t.v[i] = static_cast<uint16_t>(SplitMix64(first_index + i) >> 48);
  return t;
}

inline constexpr GearNibbleTable kGearLow = MakeGearNibbleTable(0);
inline constexpr GearNibbleTable kGearHigh = MakeGearNibbleTable(16);

struct GearTable {
  uint32_t v[256];
};

consteval GearTable MakeGearTable() {
  GearTable t{};
  for (int b = 0; b < 256; ++b) {
    const auto h = static_cast<int16_t>(kGearLow.v[b & 15] ^ kGearHigh.v[b >> 4]);
    t.v[b] = static_cast<uint32_t>(int32_t{h} * kGearMul);
  }
  return t;
}

// Gear(b) for every byte value, for scalar code.
inline constexpr GearTable kGear = MakeGearTable();

consteval bool GearValuesDistinctAndNonZero() {
  for (int a = 0; a < 256; ++a) {
    if (kGear.v[a] == 0) return false;
    for (int b = a + 1; b < 256; ++b) {
      if (kGear.v[a] == kGear.v[b]) return false;
    }
  }
  return true;
}
static_assert(GearValuesDistinctAndNonZero());

// Finds the first position i in [0, n) with h_i < threshold, where h_{-1} = h_in and
// h_i = (h_{i-1} << 1) + Gear(data[i]). Returns i and sets *h_out = h_i; returns n and sets
// *h_out = h_{n-1} (h_in when n == 0) when there is none. Reads only data[0, n).
// Preconditions: threshold >= 1. Every kernel returns exactly the same results.
using GearScanFn = size_t (*)(const uint8_t* data, size_t n, uint32_t h_in, uint32_t threshold,
                              uint32_t* h_out);

// The kernels. The SIMD ones return nullptr when this build has no code for them (a target other
// than x86-64; for AVX-512 also a build without its flags); they never check the CPU: that is
// ChunkerBackendSupported()'s job.
GearScanFn GearScanPortableFn();
GearScanFn GearScanAvx2Fn();
GearScanFn GearScanAvx512Fn();

}  // namespace cairn::engine::internal

#endif  // CAIRN_ENGINE_INTERNAL_CHUNKER_IMPL_H_
