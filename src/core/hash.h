// Fast non-cryptographic checksums: CRC32C (Castagnoli, hardware-accelerated through ISA-L) for
// on-disk record integrity, and XXH3-64 (xxHash) for hash tables and sharding.
// BLAKE3 (cryptographic content hashes) lives in blake3.h.
//
// Thread safety: pure functions.
#ifndef CAIRN_CORE_HASH_H_
#define CAIRN_CORE_HASH_H_

#include <cstdint>

#include "core/bytes.h"

namespace cairn::core {

// CRC32C of `data` (standard: init ~0, final xor ~0; "123456789" -> 0xE3069283).
uint32_t Crc32c(ByteSpan data);
// Extends a CRC32C: Crc32cExtend(Crc32c(a), b) == Crc32c(a ++ b).
uint32_t Crc32cExtend(uint32_t crc, ByteSpan data);

// A CRC stored next to the data it covers is masked (as leveldb does) so that a CRC of a buffer
// that itself contains CRCs does not degenerate.
inline uint32_t MaskCrc(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + 0xa282ead8u; }
inline uint32_t UnmaskCrc(uint32_t masked) {
  uint32_t rot = masked - 0xa282ead8u;
  return (rot >> 17) | (rot << 15);
}

// XXH3 64-bit hash of `data` with `seed`.
uint64_t XxHash64(ByteSpan data, uint64_t seed = 0);

}  // namespace cairn::core

#endif  // CAIRN_CORE_HASH_H_
