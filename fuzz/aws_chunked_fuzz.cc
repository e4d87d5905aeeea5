// Fuzzes the aws-chunked body decoder (faces/s3/aws_chunked.h) in every payload mode.
//
// Input layout (see fuzz/corpus/aws_chunked/ for examples):
//   byte 0   bits 0-2: payload mode (kModes), bits 3-5: x-amz-trailer value (kTrailers),
//            bit 6: an x-amz-decoded-content-length follows, bit 7: a sink limit follows
//   byte 1   largest piece fed at once in the split run (0: one piece there too)
//   byte 2   seed of the piece sizes
//   [8 bytes little-endian x-amz-decoded-content-length]  when bit 6
//   [1 byte: the sink fails once it would hold more than this many bytes]  when bit 7
//   rest     the raw body
//
// Each input is decoded twice, as one Feed() and as fuzz-chosen pieces (empty ones included),
// with a fixed signing context, and must give the same outcome: the same failure code, or the same
// decoded bytes. Also checked: the sink never receives more bytes than the raw body; a successful
// Finish() has decoded_bytes() equal to what the sink got and to the declared length; a failure
// sticks; a mode that is not STREAMING-* always fails with InvalidRequest.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/bytes.h"
#include "core/status.h"
#include "faces/s3/aws_chunked.h"
#include "faces/s3/sigv4.h"
#include "splitter.h"

namespace {

using cairn::ByteSpan;
using cairn::Status;
using cairn::s3::AuthFailure;
using cairn::s3::AwsChunkedDecoder;
using cairn::s3::PayloadMode;

#define FUZZ_CHECK(cond)           \
  do {                             \
    if (!(cond)) __builtin_trap(); \
  } while (0)

constexpr PayloadMode kModes[8] = {
    PayloadMode::kStreamingSigned,
    PayloadMode::kStreamingSignedTrailer,
    PayloadMode::kStreamingUnsignedTrailer,
    PayloadMode::kSignedSha256,
    PayloadMode::kUnsigned,
    PayloadMode::kStreamingSigned,
    PayloadMode::kStreamingSignedTrailer,
    PayloadMode::kStreamingUnsignedTrailer,
};

// nullopt for index 0 (no x-amz-trailer header).
constexpr const char* kTrailers[8] = {
    nullptr,
    "x-amz-checksum-crc32",
    "x-amz-checksum-crc32c",
    "x-amz-checksum-crc64nvme",
    "x-amz-checksum-sha1",
    "x-amz-checksum-sha256",
    " X-Amz-Checksum-CRC32C\t",  // any case, trimmed
    "x-amz-checksum-md5",        // unsupported
};

// The AWS documentation's example credentials and seed signature; the seed corpus is signed with
// them (chunk signatures chain from the seed signature).
const cairn::s3::StreamingContext& Context() {
  static const cairn::s3::StreamingContext* ctx = [] {
    auto* c = new cairn::s3::StreamingContext;
    c->signing_key = cairn::s3::DeriveSigningKey("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                                                 "20130524", "us-east-1", "s3");
    c->amz_date = "20130524T000000Z";
    c->scope = "20130524/us-east-1/s3/aws4_request";
    c->seed_signature = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9";
    return c;
  }();
  return *ctx;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

struct Params {
  PayloadMode mode;
  std::optional<std::string> trailer;
  std::optional<uint64_t> decoded_length;
  std::optional<size_t> sink_limit;
  size_t max_piece;
  uint32_t seed;
};

struct Outcome {
  std::optional<AuthFailure> failure;
  std::string decoded;  // everything the sink received
};

using cairn::fuzz::Splitter;

// Feeds `body` whole, or in the pieces the Splitter picks; returns the first failure.
std::optional<AuthFailure> FeedAll(AwsChunkedDecoder* decoder, const Params& p, ByteSpan body,
                                   bool split, const AwsChunkedDecoder::Sink& sink) {
  if (!split || p.max_piece == 0) return decoder->Feed(body, sink);
  Splitter splitter(p.max_piece, p.seed);
  for (size_t pos = 0; pos < body.size();) {
    const size_t n = std::min(splitter.Next(), body.size() - pos);
    if (auto failure = decoder->Feed(body.subspan(pos, n), sink)) return failure;
    pos += n;
  }
  return std::nullopt;
}

// A failure sticks: Feed() and Finish() return it again and the sink hears nothing more.
void CheckFailureSticks(AwsChunkedDecoder* decoder, ByteSpan body,
                        const AwsChunkedDecoder::Sink& sink, const Outcome& out) {
  const std::string& code = out.failure->code;
  FUZZ_CHECK(!code.empty());
  const size_t sink_bytes = out.decoded.size();
  const auto again = decoder->Feed(body, sink);
  FUZZ_CHECK(again && again->code == code);
  const auto finish = decoder->Finish();
  FUZZ_CHECK(finish && finish->code == code);
  FUZZ_CHECK(out.decoded.size() == sink_bytes);
  // With a usable signing context, InternalError means exactly "the sink failed".
  FUZZ_CHECK((code == "InternalError") == !decoder->sink_status().ok());
}

// After Finish() succeeded: the length announced was delivered, and the trailer checksum, if
// any, is the declared one and matches the bytes the sink received.
void CheckSuccess(AwsChunkedDecoder* decoder, const Params& p, const std::string& decoded) {
  FUZZ_CHECK(cairn::s3::IsStreaming(p.mode));
  if (p.decoded_length) FUZZ_CHECK(decoder->decoded_bytes() == *p.decoded_length);
  FUZZ_CHECK(!decoder->Finish());  // Finish() again is harmless
  const bool trailer_mode = p.mode == PayloadMode::kStreamingSignedTrailer ||
                            p.mode == PayloadMode::kStreamingUnsignedTrailer;
  const auto& trailers = decoder->trailers();
  FUZZ_CHECK(trailers.size() <= 1);
  if (trailer_mode && p.trailer && !Trim(*p.trailer).empty()) FUZZ_CHECK(trailers.size() == 1);
  if (trailers.empty()) return;
  FUZZ_CHECK(trailer_mode && p.trailer);
  const auto algorithm = cairn::s3::ChecksumAlgorithmFromHeader(trailers[0].first);
  FUZZ_CHECK(algorithm && algorithm == cairn::s3::ChecksumAlgorithmFromHeader(Trim(*p.trailer)));
  cairn::s3::Checksummer sum(*algorithm);
  sum.Update(cairn::AsBytes(decoded));
  FUZZ_CHECK(cairn::s3::Base64Decode(sum.FinishBase64()) ==
             cairn::s3::Base64Decode(trailers[0].second));
}

Outcome Decode(const Params& p, ByteSpan body, bool split) {
  AwsChunkedDecoder decoder(p.mode, Context(), p.decoded_length, p.trailer);
  Outcome out;
  const AwsChunkedDecoder::Sink sink = [&](ByteSpan piece) -> Status {
    out.decoded.append(cairn::AsStringView(piece));
    FUZZ_CHECK(out.decoded.size() <= body.size());
    if (p.sink_limit && out.decoded.size() > *p.sink_limit) {
      return cairn::ResourceExhaustedError("fuzz sink full");
    }
    return Status();
  };
  out.failure = FeedAll(&decoder, p, body, split, sink);
  if (out.failure) {
    CheckFailureSticks(&decoder, body, sink, out);
    return out;
  }
  out.failure = decoder.Finish();
  FUZZ_CHECK(decoder.decoded_bytes() == out.decoded.size());
  if (out.failure) {
    FUZZ_CHECK(!out.failure->code.empty());
  } else {
    CheckSuccess(&decoder, p, out.decoded);
  }
  return out;
}

bool SameOutcome(const Outcome& a, const Outcome& b) {
  if (a.failure || b.failure) return a.failure && b.failure && a.failure->code == b.failure->code;
  return a.decoded == b.decoded;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 3) return 0;
  const uint8_t flags = data[0];
  Params p;
  p.mode = kModes[flags & 7];
  if (const char* t = kTrailers[(flags >> 3) & 7]) p.trailer = t;
  p.max_piece = data[1];
  p.seed = data[2] * 0x9e3779b9u;
  size_t pos = 3;
  if (flags & 0x40) {
    if (size - pos < 8) return 0;
    uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = v << 8 | data[pos + static_cast<size_t>(i)];
    p.decoded_length = v;
    pos += 8;
  }
  if (flags & 0x80) {
    if (size - pos < 1) return 0;
    p.sink_limit = data[pos++];
  }
  const ByteSpan body(data + pos, size - pos);

  const Outcome whole = Decode(p, body, /*split=*/false);
  const Outcome pieces = Decode(p, body, /*split=*/true);
  FUZZ_CHECK(SameOutcome(whole, pieces));
  if (!cairn::s3::IsStreaming(p.mode)) {
    FUZZ_CHECK(whole.failure && whole.failure->code == "InvalidRequest" && whole.decoded.empty());
  }

  // Base64Decode on raw bytes: whatever it accepts re-encodes to something it decodes the same.
  const std::string_view text = cairn::AsStringView(body);
  if (auto raw = cairn::s3::Base64Decode(text)) {
    FUZZ_CHECK(cairn::s3::Base64Decode(cairn::s3::Base64Encode(*raw)) == raw);
  }
  return 0;
}
