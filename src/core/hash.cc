#include "core/hash.h"

#include <isa-l/crc.h>
#include <xxhash.h>

#include <algorithm>
#include <climits>

namespace cairn::core {

uint32_t Crc32cExtend(uint32_t crc, ByteSpan data) {
  // ISA-L works on the raw (non-inverted) register and takes an int length, so invert around
  // it and feed large inputs in pieces.
  uint32_t reg = ~crc;
  const uint8_t* p = data.data();
  size_t left = data.size();
  while (left > 0) {
    size_t n = std::min<size_t>(left, size_t{1} << 30);
    reg = crc32_iscsi(const_cast<uint8_t*>(p), static_cast<int>(n), reg);
    p += n;
    left -= n;
  }
  return ~reg;
}

uint32_t Crc32c(ByteSpan data) { return Crc32cExtend(0, data); }

uint64_t XxHash64(ByteSpan data, uint64_t seed) {
  return XXH3_64bits_withSeed(data.data(), data.size(), seed);
}

}  // namespace cairn::core
