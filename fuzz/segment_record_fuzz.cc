// Fuzzes the segment log's record decoder: arbitrary bytes must decode to a valid record or give
// kOutOfRange / kDataLoss, and a decoded record must re-encode to the same bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "engine/segment_log.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cairn;
  uint8_t type;
  ByteSpan payload;
  uint64_t n;
  Status s = engine::DecodeRecord(ByteSpan(data, size), 1 << 20, &type, &payload, &n);
  if (!s.ok()) {
    if (s.code() != StatusCode::kOutOfRange && s.code() != StatusCode::kDataLoss) std::abort();
    return 0;
  }
  Buffer again;
  engine::EncodeRecord(type, payload, &again);
  if (again.size() != n || std::memcmp(again.data(), data, n) != 0) std::abort();
  return 0;
}
