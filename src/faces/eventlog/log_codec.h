// The event log face's codec: what travels over HTTP between cairnd, its clients and its
// followers, kept apart from dispatch so it can be tested and fuzzed on its own
// (fuzz/eventlog_api_fuzz.cc).
//
//   - append bodies (POST /v1/log/{stream}/append): one raw event (any Content-Type but the two
//     below), a JSON batch (application/json: {"events": [base64, ...], "expected_size": n}) or a
//     binary batch (application/x-cairn-events: events back to back, each a u32 big-endian
//     length and the bytes);
//   - sync batches (GET /v1/log/{stream}/sync, application/x-cairn-sync), the follower's unit:
//       "CSB1", u64 start, u64 head size, u32 count, u32 proof hashes, 32-byte root at
//       start + count, the proof hashes (32 bytes each: the consistency proof from start + count
//       to the head size), then count × (u32 length, event bytes); integers big-endian;
//   - base64 (RFC 4648 standard alphabet, padded, canonical) and query strings.
//
// Thread safety: pure functions.
#ifndef CAIRN_FACES_EVENTLOG_LOG_CODEC_H_
#define CAIRN_FACES_EVENTLOG_LOG_CODEC_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.h"
#include "core/result.h"
#include "models/eventlog/tree_page.h"

namespace cairn::eventlog_face {

using eventlog::Hash;

inline constexpr std::string_view kJsonType = "application/json";
inline constexpr std::string_view kEventsType = "application/x-cairn-events";
inline constexpr std::string_view kSyncType = "application/x-cairn-sync";

std::string Base64Encode(ByteSpan bytes);
inline std::string Base64Encode(std::string_view s) { return Base64Encode(AsBytes(s)); }
// Strict: standard alphabet, padding, no whitespace, canonical. Errors: kInvalidArgument.
Result<std::string> Base64Decode(std::string_view text);
std::string HashBase64(const Hash& h);
// Errors: kInvalidArgument (not base64 of 32 bytes).
Result<Hash> HashFromBase64(std::string_view text);

// "a=1&b=x" -> {a: 1, b: x}; values percent-decoded ('+' is a space). A repeated key keeps the
// last value. Errors: kInvalidArgument (a bad %-escape).
Result<std::map<std::string, std::string, std::less<>>> ParseQuery(std::string_view query);
// Decimal u64 without sign or leading '+'. Errors: kInvalidArgument naming `what`.
Result<uint64_t> ParseU64(std::string_view text, std::string_view what);

struct AppendRequest {
  std::vector<std::string> events;
  std::optional<uint64_t> expected_size;  // JSON batches only
};

// Parses an append body by its Content-Type (media type compared case-insensitively, parameters
// ignored). Events over `max_event_bytes` or more than `max_events` events are refused here so a
// hostile body cannot make the face allocate much beyond its own size. Errors: kInvalidArgument
// (malformed JSON or binary framing, bad base64, no events, too many or too large events).
Result<AppendRequest> ParseAppendBody(std::string_view content_type, std::string_view body,
                                      uint64_t max_event_bytes, uint64_t max_events = 1u << 20);
// The binary batch body of `events` (application/x-cairn-events).
std::string EncodeEventsBody(const std::vector<std::string>& events);

struct SyncBatch {
  uint64_t start = 0;
  uint64_t head_size = 0;
  Hash end_root{};          // root of the tree of start + events.size() events
  std::vector<Hash> proof;  // consistency proof from start + events.size() to head_size
  std::vector<std::string> events;
};

std::string EncodeSyncBatch(const SyncBatch& batch);
// Errors: kInvalidArgument (bad magic, truncated, trailing bytes, counts that do not add up).
Result<SyncBatch> DecodeSyncBatch(std::string_view body);

}  // namespace cairn::eventlog_face

#endif  // CAIRN_FACES_EVENTLOG_LOG_CODEC_H_
