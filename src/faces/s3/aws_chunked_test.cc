#include "faces/s3/aws_chunked.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "core/bytes.h"

namespace cairn::s3 {
namespace {

constexpr std::string_view kSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
constexpr std::string_view kEmptySha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

// The streaming context of the AWS chunked-upload examples, for a given seed signature.
StreamingContext ExampleContext(std::string_view seed) {
  return StreamingContext{DeriveSigningKey(kSecret, "20130524", "us-east-1", "s3"),
                          "20130524T000000Z", "20130524/us-east-1/s3/aws4_request",
                          std::string(seed)};
}

// The body of "Example: PUT Object" in "Transferring Payload in Multiple Chunks": 66560 bytes of
// 'a' in a 64 KiB and a 1 KiB chunk, with the documented chunk signatures.
std::string ChunkedExampleBody() {
  return "10000;chunk-signature=ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648"
         "\r\n" +
         std::string(65536, 'a') +
         "\r\n400;chunk-signature=0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497"
         "\r\n" +
         std::string(1024, 'a') +
         "\r\n0;chunk-signature=b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9"
         "\r\n\r\n";
}
constexpr std::string_view kChunkedSeed =
    "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9";

// The body of the trailing-header example (same data, a CRC32C trailer), with the blank line the
// documentation shows after the final chunk when `doc_blank_line`.
std::string TrailerExampleBody(bool doc_blank_line) {
  return "10000;chunk-signature=b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2"
         "\r\n" +
         std::string(65536, 'a') +
         "\r\n400;chunk-signature=1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7"
         "\r\n" +
         std::string(1024, 'a') +
         "\r\n0;chunk-signature=2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992"
         "\r\n" +
         (doc_blank_line ? "\r\n" : "") +
         "x-amz-checksum-crc32c:sOO8/Q==\r\n"
         "x-amz-trailer-signature:d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435"
         "\r\n\r\n";
}
constexpr std::string_view kTrailerSeed =
    "106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e";

struct Outcome {
  std::optional<AuthFailure> failure;  // from Feed or Finish
  bool failed_in_feed = false;
  std::string data;
  std::vector<std::pair<std::string, std::string>> trailers;
};

// Feeds `body` cut at `cuts` (increasing offsets), then finishes.
Outcome Decode(AwsChunkedDecoder& decoder, std::string_view body, const std::vector<size_t>& cuts) {
  Outcome out;
  auto sink = [&](ByteSpan piece) {
    out.data.append(AsStringView(piece));
    return Status::Ok();
  };
  size_t start = 0;
  std::vector<size_t> ends = cuts;
  ends.push_back(body.size());
  for (size_t end : ends) {
    if (end < start) continue;
    out.failure = decoder.Feed(AsBytes(body.substr(start, end - start)), sink);
    start = end;
    if (out.failure) {
      out.failed_in_feed = true;
      return out;
    }
  }
  out.failure = decoder.Finish();
  out.trailers = decoder.trailers();
  return out;
}

Outcome DecodeWhole(PayloadMode mode, StreamingContext ctx, std::string_view body,
                    std::optional<uint64_t> length = std::nullopt,
                    std::optional<std::string> trailer = std::nullopt) {
  AwsChunkedDecoder decoder(mode, std::move(ctx), length, std::move(trailer));
  return Decode(decoder, body, {});
}

std::string Code(const Outcome& o) { return o.failure ? o.failure->code : "OK"; }

// Builds a signed aws-chunked body of `chunks` for `ctx`, computing the signature chain with the
// public building blocks, plus the given trailers (signed when `sign_trailer`).
std::string SignedBody(const StreamingContext& ctx, const std::vector<std::string>& chunks,
                       const std::vector<std::pair<std::string, std::string>>& trailers = {},
                       bool sign_trailer = false) {
  std::string body;
  std::string previous = ctx.seed_signature;
  std::vector<std::string> all = chunks;
  all.emplace_back();
  for (const std::string& chunk : all) {
    std::string sts = "AWS4-HMAC-SHA256-PAYLOAD\n" + ctx.amz_date + "\n" + ctx.scope + "\n" +
                      previous + "\n" + std::string(kEmptySha256) + "\n" + Sha256Hex(chunk);
    previous = HexEncode(AsBytes(HmacSha256(ctx.signing_key, sts)));
    char size[32];
    std::snprintf(size, sizeof(size), "%zx", chunk.size());
    body += std::string(size) + ";chunk-signature=" + previous + "\r\n";
    if (!chunk.empty()) body += chunk + "\r\n";
  }
  std::string canonical;
  for (const auto& [k, v] : trailers) {
    body += k + ":" + v + "\r\n";
    canonical += k + ":" + v + "\n";
  }
  if (sign_trailer) {
    std::string sts = "AWS4-HMAC-SHA256-TRAILER\n" + ctx.amz_date + "\n" + ctx.scope + "\n" +
                      previous + "\n" + Sha256Hex(canonical);
    body +=
        "x-amz-trailer-signature:" + HexEncode(AsBytes(HmacSha256(ctx.signing_key, sts))) + "\r\n";
  }
  return body + "\r\n";
}

// An unsigned aws-chunked body with trailers.
std::string UnsignedBody(const std::vector<std::string>& chunks,
                         const std::vector<std::pair<std::string, std::string>>& trailers) {
  std::string body;
  for (const std::string& chunk : chunks) {
    char size[32];
    std::snprintf(size, sizeof(size), "%zx\r\n", chunk.size());
    body += size + chunk + "\r\n";
  }
  body += "0\r\n";
  for (const auto& [k, v] : trailers) body += k + ":" + v + "\r\n";
  return body + "\r\n";
}

std::string ChecksumOf(ChecksumAlgorithm algorithm, std::string_view data) {
  Checksummer c(algorithm);
  c.Update(AsBytes(data));
  return c.FinishBase64();
}

// ---- Checksums ----

TEST(Checksums, CatalogueCheckValues) {
  const std::string check = "123456789";
  EXPECT_EQ(Crc32(0, AsBytes(check)), 0xCBF43926u);
  EXPECT_EQ(Crc64Nvme(0, AsBytes(check)), 0xAE8B14860A799888ull);  // CRC-64/NVME check value
  EXPECT_EQ(Crc32(0, AsBytes("")), 0u);
  EXPECT_EQ(Crc64Nvme(0, AsBytes("")), 0u);
  EXPECT_EQ(ChecksumOf(ChecksumAlgorithm::kCrc32, check), Base64Encode("\xcb\xf4\x39\x26"));
  EXPECT_EQ(ChecksumOf(ChecksumAlgorithm::kCrc32c, check), Base64Encode("\xe3\x06\x92\x83"));
  EXPECT_EQ(ChecksumOf(ChecksumAlgorithm::kCrc64Nvme, check),
            Base64Encode("\xae\x8b\x14\x86\x0a\x79\x98\x88"));
  std::string sha1;
  ASSERT_TRUE(HexDecode("f7c3bc1d808e04732adf679965ccc34ca7ae3441", &sha1));
  EXPECT_EQ(ChecksumOf(ChecksumAlgorithm::kSha1, check), Base64Encode(sha1));
  EXPECT_EQ(ChecksumOf(ChecksumAlgorithm::kSha256, ""),
            "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
  // The CRC32C of the AWS trailer example's 66560 bytes of 'a'.
  EXPECT_EQ(ChecksumOf(ChecksumAlgorithm::kCrc32c, std::string(66560, 'a')), "sOO8/Q==");
}

TEST(Checksums, IncrementalEqualsWhole) {
  std::string data;
  std::mt19937 rng(7);
  for (int i = 0; i < 10000; ++i) data.push_back(static_cast<char>(rng()));
  for (ChecksumAlgorithm a :
       {ChecksumAlgorithm::kCrc32, ChecksumAlgorithm::kCrc32c, ChecksumAlgorithm::kCrc64Nvme,
        ChecksumAlgorithm::kSha1, ChecksumAlgorithm::kSha256}) {
    const std::string whole = ChecksumOf(a, data);
    Checksummer c(a);
    for (size_t pos = 0, step = 1; pos < data.size(); pos += step, step = step * 3 % 1001 + 1) {
      c.Update(AsBytes(std::string_view(data).substr(pos, step)));
    }
    EXPECT_EQ(c.FinishBase64(), whole) << ChecksumAlgorithmName(a);
  }
  // The 8-byte fast path of CRC64 agrees with byte-at-a-time chaining.
  uint64_t bytewise = 0;
  for (char c : data) bytewise = Crc64Nvme(bytewise, AsBytes(std::string_view(&c, 1)));
  EXPECT_EQ(bytewise, Crc64Nvme(0, AsBytes(data)));
}

TEST(Checksums, NamesAndBase64) {
  EXPECT_EQ(ChecksumAlgorithmFromHeader("X-Amz-Checksum-CRC32C"), ChecksumAlgorithm::kCrc32c);
  EXPECT_EQ(ChecksumAlgorithmFromHeader("x-amz-checksum-crc64nvme"), ChecksumAlgorithm::kCrc64Nvme);
  EXPECT_FALSE(ChecksumAlgorithmFromHeader("x-amz-checksum-type").has_value());
  EXPECT_EQ(ChecksumHeaderName(ChecksumAlgorithm::kSha256), "x-amz-checksum-sha256");
  for (std::string_view s : {"", "f", "fo", "foo", "foob", "fooba", "foobar"}) {
    EXPECT_EQ(Base64Decode(Base64Encode(s)), std::string(s));
  }
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  EXPECT_FALSE(Base64Decode("Zm8").has_value());
  EXPECT_FALSE(Base64Decode("Zm=8").has_value());
  EXPECT_FALSE(Base64Decode("Zm 8").has_value());
}

// ---- The AWS chunked-upload example ----

TEST(AwsChunked, DocumentationExample) {
  const std::string body = ChunkedExampleBody();
  ASSERT_EQ(body.size(), 66824u);  // the example's Content-Length
  AwsChunkedDecoder decoder(PayloadMode::kStreamingSigned, ExampleContext(kChunkedSeed), 66560,
                            std::nullopt);
  Outcome o = Decode(decoder, body, {});
  EXPECT_EQ(Code(o), "OK");
  EXPECT_EQ(o.data, std::string(66560, 'a'));
  EXPECT_EQ(decoder.decoded_bytes(), 66560u);
  EXPECT_TRUE(o.trailers.empty());
  // Our independent signer reproduces the documented body byte for byte.
  EXPECT_EQ(
      SignedBody(ExampleContext(kChunkedSeed), {std::string(65536, 'a'), std::string(1024, 'a')}),
      body);
}

TEST(AwsChunked, SplitInvariance) {
  const std::string body = ChunkedExampleBody();
  // Byte by byte.
  {
    std::vector<size_t> cuts;
    for (size_t i = 1; i < body.size(); ++i) cuts.push_back(i);
    AwsChunkedDecoder decoder(PayloadMode::kStreamingSigned, ExampleContext(kChunkedSeed), 66560,
                              std::nullopt);
    Outcome o = Decode(decoder, body, cuts);
    EXPECT_EQ(Code(o), "OK");
    EXPECT_EQ(o.data, std::string(66560, 'a'));
  }
  // Random pieces, and the same with one data byte changed (always the same failure).
  std::string tampered = body;
  tampered[100] = 'b';
  std::mt19937 rng(42);
  for (int round = 0; round < 20; ++round) {
    std::vector<size_t> cuts;
    for (size_t at = 0; at < body.size();) {
      at += 1 + rng() % (round % 2 ? 70000 : 300);
      if (at < body.size()) cuts.push_back(at);
    }
    AwsChunkedDecoder good(PayloadMode::kStreamingSigned, ExampleContext(kChunkedSeed), 66560,
                           std::nullopt);
    Outcome o = Decode(good, body, cuts);
    EXPECT_EQ(Code(o), "OK");
    EXPECT_EQ(o.data, std::string(66560, 'a'));
    AwsChunkedDecoder bad(PayloadMode::kStreamingSigned, ExampleContext(kChunkedSeed), 66560,
                          std::nullopt);
    Outcome b = Decode(bad, tampered, cuts);
    EXPECT_EQ(Code(b), "SignatureDoesNotMatch");
    EXPECT_TRUE(b.failed_in_feed);
  }
}

TEST(AwsChunked, Tampering) {
  const std::string body = ChunkedExampleBody();
  const StreamingContext ctx = ExampleContext(kChunkedSeed);
  // A changed data byte in the last chunk.
  std::string t = body;
  t[body.size() - 100] = 'b';
  EXPECT_EQ(Code(DecodeWhole(PayloadMode::kStreamingSigned, ctx, t, 66560)),
            "SignatureDoesNotMatch");
  // A changed chunk signature, or the final chunk's.
  t = body;
  t[30] = t[30] == '0' ? '1' : '0';
  EXPECT_EQ(Code(DecodeWhole(PayloadMode::kStreamingSigned, ctx, t, 66560)),
            "SignatureDoesNotMatch");
  t = body;
  t[body.size() - 10] = t[body.size() - 10] == '0' ? '1' : '0';
  EXPECT_EQ(Code(DecodeWhole(PayloadMode::kStreamingSigned, ctx, t, 66560)),
            "SignatureDoesNotMatch");
  // Another seed (another request) does not continue this chain.
  EXPECT_EQ(
      Code(DecodeWhole(PayloadMode::kStreamingSigned, ExampleContext(kTrailerSeed), body, 66560)),
      "SignatureDoesNotMatch");
  // Chunks reordered: each signature is still valid on its own data, but not in this chain.
  const StreamingContext c = ExampleContext(kChunkedSeed);
  std::string ab = SignedBody(c, {"aaaa", "bbbb"});
  std::string ba = SignedBody(c, {"bbbb", "aaaa"});
  std::string swapped = ab.substr(0, ab.find("\r\n4;")) + ba.substr(ba.find("\r\n4;"));
  EXPECT_EQ(Code(DecodeWhole(PayloadMode::kStreamingSigned, c, ab, 8)), "OK");
  EXPECT_EQ(Code(DecodeWhole(PayloadMode::kStreamingSigned, c, swapped, 8)),
            "SignatureDoesNotMatch");
  // Unsigned chunk lines in a signed stream.
  EXPECT_EQ(Code(DecodeWhole(PayloadMode::kStreamingSigned, c, "4\r\naaaa\r\n0\r\n\r\n")),
            "SignatureDoesNotMatch");
}

TEST(AwsChunked, LengthsAndTruncation) {
  const std::string body = ChunkedExampleBody();
  const StreamingContext ctx = ExampleContext(kChunkedSeed);
  EXPECT_EQ(Code(DecodeWhole(PayloadMode::kStreamingSigned, ctx, body, 66561)), "IncompleteBody");
  Outcome o = DecodeWhole(PayloadMode::kStreamingSigned, ctx, body, 1000);
  EXPECT_EQ(Code(o), "InvalidRequest");
  EXPECT_TRUE(o.failed_in_feed);
  EXPECT_TRUE(o.data.empty());  // refused at the chunk header, before any data went out
  // Truncated in the middle of a chunk, and before the final chunk.
  EXPECT_EQ(Code(DecodeWhole(PayloadMode::kStreamingSigned, ctx, body.substr(0, 1000))),
            "IncompleteBody");
  EXPECT_EQ(Code(DecodeWhole(PayloadMode::kStreamingSigned, ctx,
                             body.substr(0, body.find("\r\n0;") + 2))),
            "IncompleteBody");
  // The final empty line may be missing.
  EXPECT_EQ(
      Code(DecodeWhole(PayloadMode::kStreamingSigned, ctx, body.substr(0, body.size() - 2), 66560)),
      "OK");
  // Nothing may follow the end.
  EXPECT_EQ(Code(DecodeWhole(PayloadMode::kStreamingSigned, ctx, body + "x")), "InvalidRequest");
}

TEST(AwsChunked, Framing) {
  const PayloadMode u = PayloadMode::kStreamingUnsignedTrailer;
  EXPECT_EQ(Code(DecodeWhole(u, {}, "3\r\nabc\r\n0\r\n\r\n")), "OK");
  EXPECT_EQ(DecodeWhole(u, {}, "3\r\nabc\r\n0\r\n\r\n").data, "abc");
  EXPECT_EQ(Code(DecodeWhole(u, {}, "zz\r\nabc\r\n0\r\n\r\n")), "InvalidRequest");
  EXPECT_EQ(Code(DecodeWhole(u, {}, "\r\nabc\r\n0\r\n\r\n")), "InvalidRequest");
  EXPECT_EQ(Code(DecodeWhole(u, {}, "3\nabc\r\n0\r\n\r\n")), "InvalidRequest");
  EXPECT_EQ(Code(DecodeWhole(u, {}, "3\r\nabcd\r\n0\r\n\r\n")), "InvalidRequest");
  EXPECT_EQ(Code(DecodeWhole(u, {}, "11111111111111111\r\n")), "InvalidRequest");
  EXPECT_EQ(Code(DecodeWhole(u, {}, "0\r\nnot a trailer\r\n\r\n")), "InvalidRequest");
  // A chunk header line over the limit is refused before its end arrives (bounded memory), and
  // the failure sticks.
  AwsChunkedDecoder decoder(u, {}, std::nullopt, std::nullopt);
  auto sink = [](ByteSpan) { return Status::Ok(); };
  const std::string long_line(AwsChunkedDecoder::kMaxLineBytes + 10, '1');
  std::optional<AuthFailure> f = decoder.Feed(AsBytes(long_line), sink);
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->code, "InvalidRequest");
  EXPECT_EQ(decoder.Feed(AsBytes("\r\n"), sink)->message, f->message);
  EXPECT_EQ(decoder.Finish()->message, f->message);
  // Not a streaming mode.
  EXPECT_EQ(Code(DecodeWhole(PayloadMode::kUnsigned, {}, "0\r\n\r\n")), "InvalidRequest");
}

TEST(AwsChunked, SinkErrorPropagates) {
  AwsChunkedDecoder decoder(PayloadMode::kStreamingSigned, ExampleContext(kChunkedSeed), 66560,
                            std::nullopt);
  size_t received = 0;
  auto sink = [&](ByteSpan piece) {
    received += piece.size();
    return received > 1000 ? IoError("disk full") : Status::Ok();
  };
  const std::string body = ChunkedExampleBody();
  std::optional<AuthFailure> f;
  for (size_t at = 0; at < body.size() && !f; at += 512) {
    f = decoder.Feed(AsBytes(std::string_view(body).substr(at, 512)), sink);
  }
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->code, "InternalError");
  EXPECT_EQ(decoder.sink_status().code(), StatusCode::kIoError);
  EXPECT_EQ(decoder.sink_status().message(), "disk full");
  EXPECT_EQ(decoder.Finish()->code, "InternalError");
}

// ---- Trailers ----

TEST(AwsChunkedTrailer, DocumentationExample) {
  for (bool blank : {true, false}) {
    const std::string body = TrailerExampleBody(blank);
    std::vector<size_t> cuts;
    for (size_t i = 1; i < body.size(); i += 7) cuts.push_back(i);
    for (const auto& c : {std::vector<size_t>{}, cuts}) {
      AwsChunkedDecoder decoder(PayloadMode::kStreamingSignedTrailer, ExampleContext(kTrailerSeed),
                                66560, "x-amz-checksum-crc32c");
      Outcome o = Decode(decoder, body, c);
      EXPECT_EQ(Code(o), "OK") << (o.failure ? o.failure->message : "");
      EXPECT_EQ(o.data, std::string(66560, 'a'));
      ASSERT_EQ(o.trailers.size(), 1u);
      EXPECT_EQ(o.trailers[0].first, "x-amz-checksum-crc32c");
      EXPECT_EQ(o.trailers[0].second, "sOO8/Q==");
    }
  }
  // Our signer reproduces the documented trailer signature.
  EXPECT_EQ(
      SignedBody(ExampleContext(kTrailerSeed), {std::string(65536, 'a'), std::string(1024, 'a')},
                 {{"x-amz-checksum-crc32c", "sOO8/Q=="}}, true),
      TrailerExampleBody(false));
}

TEST(AwsChunkedTrailer, SignedTrailerTampering) {
  const StreamingContext ctx = ExampleContext(kTrailerSeed);
  const std::string body = TrailerExampleBody(false);
  const PayloadMode mode = PayloadMode::kStreamingSignedTrailer;
  auto replaced = [&](std::string_view from, std::string_view to) {
    std::string b = body;
    b.replace(b.find(from), from.size(), to);
    return b;
  };
  // Another (valid) checksum under the same trailer signature.
  EXPECT_EQ(Code(DecodeWhole(mode, ctx, replaced("sOO8/Q==", "AAAAAA=="), 66560,
                             "x-amz-checksum-crc32c")),
            "SignatureDoesNotMatch");
  // No trailer signature.
  std::string no_sig = body.substr(0, body.find("x-amz-trailer-signature")) + "\r\n";
  EXPECT_EQ(Code(DecodeWhole(mode, ctx, no_sig, 66560, "x-amz-checksum-crc32c")),
            "SignatureDoesNotMatch");
  // A correctly signed trailer with the wrong checksum is a checksum failure.
  Outcome o = DecodeWhole(
      mode, ctx,
      SignedBody(ctx, {std::string(66560, 'a')}, {{"x-amz-checksum-crc32c", "AAAAAA=="}}, true),
      66560, "x-amz-checksum-crc32c");
  EXPECT_EQ(Code(o), "BadDigest");
  EXPECT_EQ(o.failure->message, "The CRC32C you specified did not match the calculated checksum.");
  EXPECT_FALSE(o.failed_in_feed);
  // The trailer must be the declared one.
  EXPECT_EQ(Code(DecodeWhole(mode, ctx, body, 66560, "x-amz-checksum-crc32")), "InvalidRequest");
  EXPECT_EQ(Code(DecodeWhole(mode, ctx, body, 66560, "x-amz-checksum-md5")), "InvalidRequest");
}

TEST(AwsChunkedTrailer, UnsignedTrailerEveryAlgorithm) {
  const std::string data = "The quick brown fox jumps over the lazy dog";
  const std::vector<std::string> chunks = {data.substr(0, 20), data.substr(20)};
  for (ChecksumAlgorithm a :
       {ChecksumAlgorithm::kCrc32, ChecksumAlgorithm::kCrc32c, ChecksumAlgorithm::kCrc64Nvme,
        ChecksumAlgorithm::kSha1, ChecksumAlgorithm::kSha256}) {
    const std::string name(ChecksumHeaderName(a));
    const std::string right = ChecksumOf(a, data);
    const std::string wrong = ChecksumOf(a, data + ".");
    Outcome ok = DecodeWhole(PayloadMode::kStreamingUnsignedTrailer, {},
                             UnsignedBody(chunks, {{name, right}}), data.size(), name);
    EXPECT_EQ(Code(ok), "OK") << name;
    EXPECT_EQ(ok.data, data);
    ASSERT_EQ(ok.trailers.size(), 1u);
    EXPECT_EQ(ok.trailers[0].second, right);
    Outcome bad = DecodeWhole(PayloadMode::kStreamingUnsignedTrailer, {},
                              UnsignedBody(chunks, {{name, wrong}}), data.size(), name);
    EXPECT_EQ(Code(bad), "BadDigest") << name;
    EXPECT_EQ(bad.failure->message, "The " + std::string(ChecksumAlgorithmName(a)) +
                                        " you specified did not match the calculated checksum.");
    // Malformed value (wrong size).
    EXPECT_EQ(Code(DecodeWhole(PayloadMode::kStreamingUnsignedTrailer, {},
                               UnsignedBody(chunks, {{name, "AAAA"}}), data.size(), name)),
              "InvalidRequest");
  }
}

TEST(AwsChunkedTrailer, PresenceRules) {
  const PayloadMode u = PayloadMode::kStreamingUnsignedTrailer;
  const std::string crc = ChecksumOf(ChecksumAlgorithm::kCrc32, "abc");
  // Declared but not sent.
  EXPECT_EQ(Code(DecodeWhole(u, {}, UnsignedBody({"abc"}, {}), 3, "x-amz-checksum-crc32")),
            "InvalidRequest");
  // Sent but not declared.
  EXPECT_EQ(Code(DecodeWhole(u, {}, UnsignedBody({"abc"}, {{"x-amz-checksum-crc32", crc}}), 3)),
            "InvalidRequest");
  // Sent twice.
  EXPECT_EQ(Code(DecodeWhole(u, {},
                             UnsignedBody({"abc"}, {{"x-amz-checksum-crc32", crc},
                                                    {"x-amz-checksum-crc32", crc}}),
                             3, "x-amz-checksum-crc32")),
            "InvalidRequest");
  // Neither: fine. Trailer name case and spaces around the value are tolerated.
  EXPECT_EQ(Code(DecodeWhole(u, {}, UnsignedBody({"abc"}, {}), 3)), "OK");
  EXPECT_EQ(Code(DecodeWhole(u, {}, UnsignedBody({"abc"}, {{"X-Amz-Checksum-Crc32", " " + crc}}), 3,
                             "x-amz-checksum-crc32")),
            "OK");
  // An unsigned trailer may not carry a trailer signature; a plain signed stream no trailer.
  EXPECT_EQ(
      Code(DecodeWhole(u, {},
                       UnsignedBody({"abc"}, {{"x-amz-checksum-crc32", crc},
                                              {"x-amz-trailer-signature", std::string(64, '0')}}),
                       3, "x-amz-checksum-crc32")),
      "InvalidRequest");
  const StreamingContext ctx = ExampleContext(kChunkedSeed);
  EXPECT_EQ(Code(DecodeWhole(PayloadMode::kStreamingSigned, ctx,
                             SignedBody(ctx, {"abc"}, {{"x-amz-checksum-crc32", crc}}), 3)),
            "InvalidRequest");
  // An unusable x-amz-trailer value fails every call.
  EXPECT_EQ(Code(DecodeWhole(u, {}, UnsignedBody({"abc"}, {}), 3, "x-amz-meta-foo")),
            "InvalidRequest");
}

// ---- PayloadVerifier ----

std::optional<AuthFailure> VerifyPayload(const net::HttpHeaders& headers, const AuthResult& auth,
                                         std::string_view body) {
  auto made = PayloadVerifier::Make(headers, auth);
  if (auto* f = std::get_if<AuthFailure>(&made)) return *f;
  PayloadVerifier& v = std::get<PayloadVerifier>(made);
  for (char c : body) v.Update(AsBytes(std::string_view(&c, 1)));
  return v.Finish();
}

std::string FailureCode(const std::optional<AuthFailure>& f) { return f ? f->code : "OK"; }

TEST(PayloadVerifier, ContentSha256) {
  AuthResult auth;
  auth.payload = PayloadMode::kSignedSha256;
  auth.payload_sha256 = Sha256Hex("Welcome to Amazon S3.");
  EXPECT_EQ(FailureCode(VerifyPayload({}, auth, "Welcome to Amazon S3.")), "OK");
  auto f = VerifyPayload({}, auth, "Welcome to Amazon S3!");
  EXPECT_EQ(FailureCode(f), "XAmzContentSHA256Mismatch");
  EXPECT_EQ(f->message,
            "The provided 'x-amz-content-sha256' header does not match what was computed.");
  // Unsigned payloads have nothing to check.
  auth.payload = PayloadMode::kUnsigned;
  auto made = PayloadVerifier::Make({}, auth);
  ASSERT_TRUE(std::holds_alternative<PayloadVerifier>(made));
  EXPECT_TRUE(std::get<PayloadVerifier>(made).empty());
}

TEST(PayloadVerifier, ContentMd5) {
  AuthResult auth;
  EXPECT_EQ(
      FailureCode(VerifyPayload({{"Content-MD5", "XUFAKrxLKna5cZ2REBfFkg=="}}, auth, "hello")),
      "OK");
  EXPECT_EQ(FailureCode(VerifyPayload({{"Content-MD5", "1B2M2Y8AsgTpgAmY7PhCfg=="}}, auth, "")),
            "OK");
  auto f = VerifyPayload({{"Content-MD5", "XUFAKrxLKna5cZ2REBfFkg=="}}, auth, "hellO");
  EXPECT_EQ(FailureCode(f), "BadDigest");
  EXPECT_EQ(f->message, "The Content-MD5 you specified did not match what we received.");
  EXPECT_EQ(FailureCode(VerifyPayload({{"Content-MD5", "not base64"}}, auth, "")), "InvalidDigest");
  EXPECT_EQ(FailureCode(VerifyPayload({{"Content-MD5", "Zm9v"}}, auth, "")), "InvalidDigest");
}

TEST(PayloadVerifier, ChecksumHeaders) {
  AuthResult auth;
  const std::string data = "checksummed body";
  auto made = PayloadVerifier::Make(
      {{"x-amz-checksum-crc64nvme", ChecksumOf(ChecksumAlgorithm::kCrc64Nvme, data)}}, auth);
  ASSERT_TRUE(std::holds_alternative<PayloadVerifier>(made));
  PayloadVerifier& v = std::get<PayloadVerifier>(made);
  v.Update(AsBytes(data));
  EXPECT_FALSE(v.Finish().has_value());
  ASSERT_EQ(v.checksums().size(), 1u);
  EXPECT_EQ(v.checksums()[0].first, "x-amz-checksum-crc64nvme");
  EXPECT_EQ(FailureCode(VerifyPayload(
                {{"X-Amz-Checksum-SHA256", ChecksumOf(ChecksumAlgorithm::kSha256, data + "x")}},
                auth, data)),
            "BadDigest");
  EXPECT_EQ(FailureCode(VerifyPayload({{"x-amz-checksum-crc32", "AAAA"}}, auth, data)),
            "InvalidRequest");
  EXPECT_EQ(FailureCode(VerifyPayload(
                {{"x-amz-checksum-crc32", ChecksumOf(ChecksumAlgorithm::kCrc32, data)},
                 {"x-amz-checksum-crc32c", ChecksumOf(ChecksumAlgorithm::kCrc32c, data)}},
                auth, data)),
            "InvalidRequest");
  // x-amz-checksum-type and friends are not checksums.
  EXPECT_EQ(FailureCode(VerifyPayload({{"x-amz-checksum-type", "FULL_OBJECT"}}, auth, data)), "OK");
}

}  // namespace
}  // namespace cairn::s3
