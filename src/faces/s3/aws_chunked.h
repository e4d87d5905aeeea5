// The body side of S3 authentication: aws-chunked decoding (Content-Encoding: aws-chunked, the
// STREAMING-* payload modes) with chunk- and trailer-signature verification, and the payload
// checks of plain bodies (Content-MD5, x-amz-content-sha256, x-amz-checksum-*).
//
// Wire format of an aws-chunked body (all line ends are CRLF):
//   hex-size[;chunk-signature=SIG] CRLF  DATA CRLF  ...  0[;chunk-signature=SIG] CRLF
//   [trailer-name:value CRLF ...  [x-amz-trailer-signature:SIG CRLF]]  CRLF
// Chunk n's signature is HMAC(kSigning, "AWS4-HMAC-SHA256-PAYLOAD\n" date "\n" scope "\n"
// signature(n-1) "\n" sha256("") "\n" sha256(DATA n)), chained from the request's seed signature;
// the trailer signature is HMAC(kSigning, "AWS4-HMAC-SHA256-TRAILER\n" date "\n" scope "\n"
// signature(final chunk) "\n" sha256("name:value\n" for each trailer, in order sent)).
//
// Decoding streams: data goes to the sink as it arrives, never buffered whole, so a chunk's data
// reaches the sink BEFORE its signature (which follows the data) has been checked. Callers must
// not make anything visible until Finish() has succeeded.
//
// Thread safety: none; one decoder/verifier per request, used from one thread at a time.
#ifndef CAIRN_FACES_S3_AWS_CHUNKED_H_
#define CAIRN_FACES_S3_AWS_CHUNKED_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "core/bytes.h"
#include "core/status.h"
#include "faces/s3/sigv4.h"
#include "net/http.h"

struct evp_md_ctx_st;  // OpenSSL's EVP_MD_CTX, kept out of this header

namespace cairn::s3 {

// ---- Checksums ----

// The S3 additional checksums (x-amz-checksum-*).
enum class ChecksumAlgorithm { kCrc32, kCrc32c, kCrc64Nvme, kSha1, kSha256 };

// "x-amz-checksum-crc32" (any case) -> kCrc32, ...; nullopt for any other name.
std::optional<ChecksumAlgorithm> ChecksumAlgorithmFromHeader(std::string_view header_name);
// kCrc32 -> "x-amz-checksum-crc32".
std::string_view ChecksumHeaderName(ChecksumAlgorithm algorithm);
// kCrc32 -> "CRC32" (as in S3 messages and x-amz-sdk-checksum-algorithm).
std::string_view ChecksumAlgorithmName(ChecksumAlgorithm algorithm);

// CRC-32 (IEEE, as zlib and S3 compute it): Crc32(0, data) is the CRC of data, and
// Crc32(Crc32(0, a), b) == Crc32(0, a ++ b). "123456789" -> 0xCBF43926.
uint32_t Crc32(uint32_t crc, ByteSpan data);
// CRC-64/NVME (S3's CRC64NVME; poly 0xAD93D23594C93659 reflected, init and xorout all ones), same
// chaining as Crc32. "123456789" -> 0xAE8B14860A799888.
uint64_t Crc64Nvme(uint64_t crc, ByteSpan data);

// Standard base64 with padding.
std::string Base64Encode(std::string_view raw);
// Strict: padded, length a multiple of 4, no whitespace; nullopt otherwise.
std::optional<std::string> Base64Decode(std::string_view text);

// An incremental SHA-256, SHA-1 or MD5 (OpenSSL EVP). Movable, not copyable.
class Digest {
 public:
  enum class Kind { kSha256, kSha1, kMd5 };
  explicit Digest(Kind kind);
  ~Digest();
  Digest(Digest&&) noexcept;
  Digest& operator=(Digest&&) noexcept;

  void Update(ByteSpan data);
  // The raw digest of everything updated since construction or the previous Finish(); the object
  // then starts over.
  std::string Finish();

 private:
  struct CtxFree {
    void operator()(evp_md_ctx_st* ctx) const;
  };
  Kind kind_;
  std::unique_ptr<evp_md_ctx_st, CtxFree> ctx_;
};

// An incremental S3 checksum. The value is the base64 of the big-endian CRC or of the digest.
class Checksummer {
 public:
  explicit Checksummer(ChecksumAlgorithm algorithm);
  ChecksumAlgorithm algorithm() const { return algorithm_; }
  void Update(ByteSpan data);
  // Base64 value of everything updated. Call once; the object is spent afterwards.
  std::string FinishBase64();

 private:
  ChecksumAlgorithm algorithm_;
  uint64_t crc_ = 0;
  std::optional<Digest> digest_;
};

// ---- aws-chunked ----

// Decodes an aws-chunked request body as it streams in, verifying chunk signatures (signed
// modes), parsing and verifying the trailer (trailer modes), the decoded length, and the
// checksum announced in the trailer.
class AwsChunkedDecoder {
 public:
  // Receives decoded payload bytes. A non-OK Status aborts decoding (see sink_status()).
  using Sink = std::function<Status(ByteSpan)>;

  // A chunk-size line or trailer line longer than this is refused.
  static constexpr size_t kMaxLineBytes = 4096;
  // The whole trailer section is bounded by this.
  static constexpr size_t kMaxTrailerBytes = 16 * 1024;

  // `mode` must be a STREAMING-* mode and `ctx` the AuthResult's streaming context (only the
  // signed modes use it). `decoded_length` is x-amz-decoded-content-length when the request
  // carries it (unchecked when nullopt: the face decides whether to require it).
  // `trailer_header` is the x-amz-trailer value: in the trailer modes it names the one checksum
  // the trailer may carry (x-amz-checksum-crc32 / -crc32c / -crc64nvme / -sha1 / -sha256); a
  // trailer-mode body without it may carry no checksum. An unusable mode or x-amz-trailer value
  // makes every Feed()/Finish() fail with InvalidRequest.
  AwsChunkedDecoder(PayloadMode mode, StreamingContext ctx, std::optional<uint64_t> decoded_length,
                    std::optional<std::string> trailer_header);
  ~AwsChunkedDecoder();
  AwsChunkedDecoder(const AwsChunkedDecoder&) = delete;
  AwsChunkedDecoder& operator=(const AwsChunkedDecoder&) = delete;

  // Consumes the next raw body bytes (any split) and passes decoded payload bytes to `sink`.
  // Returns nullopt to go on, or the failure: InvalidRequest (bad framing, a line over
  // kMaxLineBytes, more data than x-amz-decoded-content-length, an undeclared or malformed
  // trailer, bytes after the end), SignatureDoesNotMatch (a chunk or trailer signature wrong or
  // missing), InternalError (the sink failed; its Status is in sink_status()). After a failure
  // every call returns the same failure.
  std::optional<AuthFailure> Feed(ByteSpan raw, const Sink& sink);

  // Call once the whole body has been fed. Checks that the body ended (IncompleteBody), the
  // decoded length matches x-amz-decoded-content-length (IncompleteBody), the trailer signature
  // (SignatureDoesNotMatch) and the trailer checksum over the decoded payload (BadDigest, S3's
  // message). The final empty line of the body may be missing.
  std::optional<AuthFailure> Finish();

  // Verified trailer checksums (valid after Finish() succeeded), e.g.
  // {"x-amz-checksum-crc32c", "sOO8/Q=="}, for echoing in the response.
  const std::vector<std::pair<std::string, std::string>>& trailers() const { return trailers_; }
  uint64_t decoded_bytes() const { return decoded_; }
  // The sink's error when a Feed() failed with InternalError; OK otherwise.
  const Status& sink_status() const { return sink_status_; }

 private:
  enum class State { kSizeLine, kData, kDataCrlf, kTrailerLine, kDone };

  bool signed_chunks() const;
  bool trailer_mode() const;
  std::optional<AuthFailure> Fail(AuthFailure failure);
  std::optional<AuthFailure> FeedLine(ByteSpan raw, size_t* pos);
  std::optional<AuthFailure> FeedData(ByteSpan raw, size_t* pos, const Sink& sink);
  std::optional<AuthFailure> HandleSizeLine(std::string_view line);
  std::optional<AuthFailure> HandleTrailerLine(std::string_view line);
  std::optional<AuthFailure> VerifyChunk(std::string_view data_sha256_hex);
  std::optional<AuthFailure> EndOfTrailers();

  PayloadMode mode_;
  StreamingContext ctx_;
  std::optional<uint64_t> decoded_length_;
  std::optional<ChecksumAlgorithm> declared_;  // from x-amz-trailer
  std::optional<Checksummer> checksum_;        // over the decoded payload, when declared_
  std::optional<Digest> chunk_hash_;           // SHA-256 of the current chunk, signed modes

  State state_ = State::kSizeLine;
  std::string line_;  // the partial line being read
  uint64_t remaining_ = 0;
  int crlf_seen_ = 0;
  uint64_t decoded_ = 0;
  std::string previous_signature_;
  std::string chunk_signature_;  // announced for the current chunk
  size_t trailer_bytes_ = 0;
  int blank_lines_skipped_ = 0;
  std::string canonical_trailers_;
  std::optional<std::string> trailer_signature_;
  std::vector<std::pair<std::string, std::string>> trailers_;
  std::optional<AuthFailure> failure_;
  Status sink_status_;
  bool finished_ = false;
};

// ---- Plain bodies ----

// Checks a non-chunked body (or the decoded payload of an aws-chunked one) against Content-MD5,
// x-amz-content-sha256 (when the AuthResult says kSignedSha256) and one x-amz-checksum-{crc32,
// crc32c,crc64nvme,sha1,sha256} header, hashing incrementally.
class PayloadVerifier {
 public:
  // Reads the expectations from the request headers and `auth`. Fails with InvalidDigest (a
  // Content-MD5 that is not base64 of 16 bytes) or InvalidRequest (more than one checksum
  // algorithm, a checksum value of the wrong form).
  static std::variant<PayloadVerifier, AuthFailure> Make(const net::HttpHeaders& headers,
                                                         const AuthResult& auth);

  // True when there is nothing to check (the caller may skip Update()).
  bool empty() const { return !md5_ && !sha256_ && !checksum_; }
  void Update(ByteSpan data);
  // After the whole body: XAmzContentSHA256Mismatch, or BadDigest (Content-MD5 or checksum,
  // S3's messages), or nullopt when everything matched. Call once.
  std::optional<AuthFailure> Finish();
  // The verified x-amz-checksum-* header, if any, as {name, base64 value} (valid after Finish()).
  const std::vector<std::pair<std::string, std::string>>& checksums() const { return checksums_; }

 private:
  PayloadVerifier() = default;

  std::optional<Digest> md5_;
  std::string expected_md5_;  // raw 16 bytes
  std::optional<Digest> sha256_;
  std::string expected_sha256_;  // lower-case hex
  std::optional<Checksummer> checksum_;
  std::string expected_checksum_;  // base64 as sent
  std::vector<std::pair<std::string, std::string>> checksums_;
};

}  // namespace cairn::s3

#endif  // CAIRN_FACES_S3_AWS_CHUNKED_H_
