// Fuzzes the event log's decoders (models/eventlog): tree pages, signed notes, checkpoints and
// verifier keys, and the record payloads the event log keeps in its segment log.
//
// Input layout (see fuzz/corpus/eventlog_page/ for examples): byte 0 picks the decoder, the rest
// is its input.
//   0  DecodeTreePage on the bytes as they are
//   1  DecodeTreePage after the harness writes the right CRC into bytes 28..31, so the checks
//      behind the checksum (magic, version, tier, levels, reserved bytes) are reached
//   2  ParseNote, OpenNote (with a fixed key), ParseCheckpoint and ParseVerifierKey on the text
//   3  the batch and checkpoint record parsers
//
// Checked: pages and records fail only with kDataLoss, text only with kInvalidArgument (or
// kUnauthenticated from OpenNote); a decoded page re-encodes to the same bytes; a parsed note or
// checkpoint writes back to exactly its input (a verifier key to an equivalent one); an events
// entry yields exactly its count of events.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "core/coding.h"
#include "core/hash.h"
#include "models/eventlog/internal/log_records.h"
#include "models/eventlog/signed_note.h"
#include "models/eventlog/tree_page.h"

namespace {

using namespace cairn;
using namespace cairn::eventlog;

#define FUZZ_CHECK(cond)           \
  do {                             \
    if (!(cond)) __builtin_trap(); \
  } while (0)

void FuzzPage(const uint8_t* data, size_t size, bool fix_crc) {
  std::vector<uint8_t> page(data, data + size);
  if (fix_crc && page.size() == kPageBytes) {
    // The page checksum (docs/eventlog.md): CRC32C of bytes 0..27 and 32..16383, masked.
    uint32_t crc = core::Crc32c(ByteSpan(page.data(), 28));
    crc = core::Crc32cExtend(crc, ByteSpan(page.data() + 32, kPageBytes - 32));
    core::EncodeFixed32(page.data() + 28, core::MaskCrc(crc));
  }
  TreePage decoded;
  PageId id;
  Status s = DecodeTreePage(ByteSpan(page), &id, &decoded);
  if (!s.ok()) {
    FUZZ_CHECK(s.code() == StatusCode::kDataLoss);
    return;
  }
  FUZZ_CHECK(page.size() == kPageBytes && id.tier < kMaxTiers);
  std::vector<uint8_t> again(kPageBytes);
  EncodeTreePage(id, decoded, again.data());
  FUZZ_CHECK(again == page);
  FUZZ_CHECK(DecodeTreePageAs(ByteSpan(page), id, &decoded).ok());
  CheckTreePageHashes(decoded).IgnoreError();
}

void FuzzText(std::string_view text) {
  auto note = ParseNote(text);
  if (note.ok()) {
    FUZZ_CHECK(!note->signatures.empty() && note->signatures.size() <= 100);
    FUZZ_CHECK(!note->text.empty() && note->text.back() == '\n');
  } else {
    FUZZ_CHECK(note.status().code() == StatusCode::kInvalidArgument);
  }
  static const NoteSigner signer = NoteSigner::FromSeed(std::array<uint8_t, 32>{7});
  auto opened = OpenNote(text, "fuzz", signer.public_key());
  FUZZ_CHECK(opened.ok() || opened.status().code() == StatusCode::kInvalidArgument ||
             opened.status().code() == StatusCode::kUnauthenticated);
  auto cp = ParseCheckpoint(note.ok() ? std::string_view(note->text) : text);
  if (cp.ok()) {
    auto back = FormatCheckpoint(*cp);
    FUZZ_CHECK(back.ok() && *back == (note.ok() ? note->text : std::string(text)));
    CheckpointTimestamp(*cp);
  } else {
    FUZZ_CHECK(cp.status().code() == StatusCode::kInvalidArgument);
  }
  auto vkey = ParseVerifierKey(text);
  if (vkey.ok()) {
    // The key ID may be written in either case; what it names must survive a round trip.
    auto again = ParseVerifierKey(FormatVerifierKey(vkey->name, vkey->key));
    FUZZ_CHECK(again.ok() && again->name == vkey->name && again->key == vkey->key);
  }
  if (note.ok()) {
    // Signing the text again and adding it as a signature keeps a parsable note.
    auto line = signer.SignatureLine(note->text, "fuzz");
    if (line.ok()) {
      std::string cosigned = std::string(text) + *line;
      bool has_fuzz_line = false;  // a forged line under our name and key ID rejects the note
      for (const NoteSignature& sig : note->signatures) has_fuzz_line |= sig.key_name == "fuzz";
      FUZZ_CHECK(OpenNote(cosigned, "fuzz", signer.public_key()).ok() || has_fuzz_line ||
                 note->signatures.size() == 100);
    }
  }
}

void FuzzRecords(ByteSpan payload) {
  std::vector<internal::BatchEntry> entries;
  Status s = internal::ParseBatch(payload, [&](const internal::BatchEntry& e) {
    entries.push_back(e);
    return Status();
  });
  FUZZ_CHECK(s.ok() || s.code() == StatusCode::kDataLoss);
  if (s.ok()) {
    for (const internal::BatchEntry& e : entries) {
      if (e.type != internal::kEventsEntry) continue;
      uint64_t seen = 0;
      Status f = internal::ForEachEvent(
          payload, e.offset, e.stream_id, 0, ~uint64_t{0}, [&](uint64_t index, ByteSpan event) {
            FUZZ_CHECK(index == e.first + seen);
            FUZZ_CHECK(event.data() >= payload.data() &&
                       event.data() + event.size() <= payload.data() + payload.size());
            ++seen;
            return true;
          });
      FUZZ_CHECK(f.ok() && seen == e.count);
    }
  }
  std::vector<internal::CheckpointEntry> checkpoints;
  Status c = internal::DecodeCheckpoints(payload, &checkpoints);
  FUZZ_CHECK(c.ok() || c.code() == StatusCode::kDataLoss);
  if (c.ok()) {
    Buffer again;
    internal::EncodeCheckpoints(checkpoints, &again);
    FUZZ_CHECK(again.size() == payload.size() &&
               std::memcmp(again.data(), payload.data(), payload.size()) == 0);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t mode = data[0] % 4;
  ++data;
  --size;
  switch (mode) {
    case 0:
    case 1:
      FuzzPage(data, size, mode == 1);
      break;
    case 2:
      FuzzText(std::string_view(reinterpret_cast<const char*>(data), size));
      break;
    default:
      FuzzRecords(ByteSpan(data, size));
      break;
  }
  return 0;
}
