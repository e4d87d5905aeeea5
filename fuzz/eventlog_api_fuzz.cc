// Fuzzes the event log face's request and peer codecs (faces/eventlog/log_codec.h): append
// bodies as POST /v1/log/{stream}/append receives them, the follower's sync batches and query
// strings.
//
// Input layout (see fuzz/corpus/eventlog_api/ for examples): byte 0 picks the parser, the rest is
// its input.
//   0  ParseAppendBody as application/json
//   1  ParseAppendBody as application/x-cairn-events (binary batch)
//   2  ParseAppendBody as a raw event (application/octet-stream)
//   3  DecodeSyncBatch
//   4  ParseQuery, then ParseU64 of every value; Base64Decode of the input
//
// Checked: failures are kInvalidArgument only; parsed events respect the size limit; a binary
// batch and a sync batch re-encode to exactly their input; base64 round-trips.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "faces/eventlog/log_codec.h"

namespace {

using namespace cairn;
using namespace cairn::eventlog_face;

constexpr uint64_t kMaxEvent = 4096;

void Check(bool ok) {
  if (!ok) std::abort();
}

void CheckAppend(std::string_view type, std::string_view body) {
  auto r = ParseAppendBody(type, body, kMaxEvent, 1000);
  if (!r.ok()) {
    Check(r.status().code() == StatusCode::kInvalidArgument);
    return;
  }
  Check(!r->events.empty() && r->events.size() <= 1000);
  for (const auto& e : r->events) Check(e.size() <= kMaxEvent);
  if (type == kEventsType) Check(EncodeEventsBody(r->events) == body);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 5) {
    case 0:
      CheckAppend("application/json", in);
      break;
    case 1:
      CheckAppend(kEventsType, in);
      break;
    case 2:
      CheckAppend("application/octet-stream", in);
      break;
    case 3: {
      auto b = DecodeSyncBatch(in);
      if (!b.ok()) {
        Check(b.status().code() == StatusCode::kInvalidArgument);
      } else {
        Check(EncodeSyncBatch(*b) == in);
        Check(b->start + b->events.size() <= b->head_size);
      }
      break;
    }
    case 4: {
      auto q = ParseQuery(in);
      if (q.ok()) {
        for (const auto& [k, v] : *q) (void)ParseU64(v, k);
      } else {
        Check(q.status().code() == StatusCode::kInvalidArgument);
      }
      auto d = Base64Decode(in);
      if (d.ok()) Check(Base64Encode(*d) == in);
      break;
    }
  }
  return 0;
}
