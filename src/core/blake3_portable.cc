// Portable (plain C++) BLAKE3 compression backend. Runs on any CPU; the reference the SIMD
// backends must agree with bit for bit.
#include <cstring>

#include "core/internal/blake3_impl.h"

namespace cairn::core::internal {
namespace {

constexpr uint8_t kPermutation[16] = {2, 6, 3, 10, 7, 0, 4, 13, 1, 11, 12, 5, 9, 14, 15, 8};

// True when every row of kBlake3MsgSchedule is the previous row permuted by kPermutation.
constexpr bool ScheduleMatchesPermutation() {
  for (int i = 0; i < 16; ++i) {
    if (kBlake3MsgSchedule[0][i] != i) return false;
  }
  for (int r = 1; r < 7; ++r) {
    for (int i = 0; i < 16; ++i) {
      if (kBlake3MsgSchedule[r][i] != kBlake3MsgSchedule[r - 1][kPermutation[i]]) return false;
    }
  }
  return true;
}
static_assert(ScheduleMatchesPermutation(), "kBlake3MsgSchedule disagrees with the permutation");

uint32_t Load32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) |
         (static_cast<uint32_t>(p[2]) << 16) | (static_cast<uint32_t>(p[3]) << 24);
}

void Store32(uint8_t* p, uint32_t w) {
  p[0] = static_cast<uint8_t>(w);
  p[1] = static_cast<uint8_t>(w >> 8);
  p[2] = static_cast<uint8_t>(w >> 16);
  p[3] = static_cast<uint8_t>(w >> 24);
}

uint32_t Rotr(uint32_t w, int c) { return (w >> c) | (w << (32 - c)); }

// The quarter-round G on state words a, b, c, d with message words x, y.
inline void G(uint32_t* s, int a, int b, int c, int d, uint32_t x, uint32_t y) {
  s[a] = s[a] + s[b] + x;
  s[d] = Rotr(s[d] ^ s[a], 16);
  s[c] = s[c] + s[d];
  s[b] = Rotr(s[b] ^ s[c], 12);
  s[a] = s[a] + s[b] + y;
  s[d] = Rotr(s[d] ^ s[a], 8);
  s[c] = s[c] + s[d];
  s[b] = Rotr(s[b] ^ s[c], 7);
}

inline void Round(uint32_t s[16], const uint32_t m[16], int r) {
  const uint8_t* sch = kBlake3MsgSchedule[r];
  // Columns.
  G(s, 0, 4, 8, 12, m[sch[0]], m[sch[1]]);
  G(s, 1, 5, 9, 13, m[sch[2]], m[sch[3]]);
  G(s, 2, 6, 10, 14, m[sch[4]], m[sch[5]]);
  G(s, 3, 7, 11, 15, m[sch[6]], m[sch[7]]);
  // Diagonals.
  G(s, 0, 5, 10, 15, m[sch[8]], m[sch[9]]);
  G(s, 1, 6, 11, 12, m[sch[10]], m[sch[11]]);
  G(s, 2, 7, 8, 13, m[sch[12]], m[sch[13]]);
  G(s, 3, 4, 9, 14, m[sch[14]], m[sch[15]]);
}

// Runs the seven rounds; leaves the final 16-word state in `s`.
void CompressCore(const uint32_t cv[8], const uint8_t block[kBlake3BlockLen], uint8_t block_len,
                  uint64_t counter, uint8_t flags, uint32_t s[16]) {
  uint32_t m[16];
  for (int i = 0; i < 16; ++i) m[i] = Load32(block + 4 * i);
  for (int i = 0; i < 8; ++i) s[i] = cv[i];
  for (int i = 0; i < 4; ++i) s[8 + i] = kBlake3Iv[i];
  s[12] = static_cast<uint32_t>(counter);
  s[13] = static_cast<uint32_t>(counter >> 32);
  s[14] = block_len;
  s[15] = flags;
  // Spelled out so that every schedule index is a constant.
  Round(s, m, 0);
  Round(s, m, 1);
  Round(s, m, 2);
  Round(s, m, 3);
  Round(s, m, 4);
  Round(s, m, 5);
  Round(s, m, 6);
}

void CompressInPlace(uint32_t cv[8], const uint8_t block[kBlake3BlockLen], uint8_t block_len,
                     uint64_t counter, uint8_t flags) {
  uint32_t s[16];
  CompressCore(cv, block, block_len, counter, flags, s);
  for (int i = 0; i < 8; ++i) cv[i] = s[i] ^ s[i + 8];
}

void CompressXof(const uint32_t cv[8], const uint8_t block[kBlake3BlockLen], uint8_t block_len,
                 uint64_t counter, uint8_t flags, uint8_t out[kBlake3BlockLen]) {
  uint32_t s[16];
  CompressCore(cv, block, block_len, counter, flags, s);
  for (int i = 0; i < 8; ++i) {
    Store32(out + 4 * i, s[i] ^ s[i + 8]);
    Store32(out + 32 + 4 * i, s[i + 8] ^ cv[i]);
  }
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
  for (int i = 0; i < 8; ++i) Store32(out + 4 * i, cv[i]);
}

void HashMany(const uint8_t* const* inputs, size_t num_inputs, size_t blocks, const uint32_t key[8],
              uint64_t counter, bool increment_counter, uint8_t flags, uint8_t flags_start,
              uint8_t flags_end, uint8_t* out) {
  for (size_t i = 0; i < num_inputs; ++i) {
    HashOne(inputs[i], blocks, key, counter, flags, flags_start, flags_end, out + 32 * i);
    if (increment_counter) ++counter;
  }
}

constexpr Blake3Ops kPortableOps = {CompressInPlace, CompressXof, HashMany, 1};

}  // namespace

const Blake3Ops* Blake3PortableOps() { return &kPortableOps; }

}  // namespace cairn::core::internal
