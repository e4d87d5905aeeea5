#include "faces/s3/aws_chunked.h"

#include <isa-l.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>

#include "core/hash.h"

namespace cairn::s3 {
namespace {

constexpr std::string_view kEmptySha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
constexpr std::string_view kTrailerSignature = "x-amz-trailer-signature";

AuthFailure MakeFailure(std::string code, std::string message,
                        std::vector<std::pair<std::string, std::string>> details = {}) {
  return AuthFailure{std::move(code), std::move(message), std::move(details)};
}

AuthFailure Malformed(std::string_view what) {
  return MakeFailure("InvalidRequest", "Malformed aws-chunked body: " + std::string(what));
}

AuthFailure IncompleteBody() {
  return MakeFailure("IncompleteBody",
                     "You did not provide the number of bytes specified by the Content-Length "
                     "HTTP header");
}

AuthFailure SignatureMismatch(std::string_view what) {
  return MakeFailure("SignatureDoesNotMatch",
                     "The request signature we calculated does not match the signature you "
                     "provided. Check your key and signing method.",
                     {{"Detail", std::string(what)}});
}

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool IsHex64(std::string_view s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) { return HexValue(c) >= 0; });
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

size_t ChecksumSize(ChecksumAlgorithm algorithm) {
  switch (algorithm) {
    case ChecksumAlgorithm::kCrc32:
    case ChecksumAlgorithm::kCrc32c:
      return 4;
    case ChecksumAlgorithm::kCrc64Nvme:
      return 8;
    case ChecksumAlgorithm::kSha1:
      return 20;
    case ChecksumAlgorithm::kSha256:
      return 32;
  }
  return 0;
}

// True when `value` is the base64 of a checksum of `algorithm`'s size.
bool ValidChecksumValue(ChecksumAlgorithm algorithm, std::string_view value) {
  auto raw = Base64Decode(value);
  return raw && raw->size() == ChecksumSize(algorithm);
}

AuthFailure ChecksumMismatch(ChecksumAlgorithm algorithm) {
  return MakeFailure("BadDigest", "The " + std::string(ChecksumAlgorithmName(algorithm)) +
                                      " you specified did not match the calculated checksum.");
}

// Slicing-by-8 tables of the reflected CRC-64/NVME polynomial.
using Crc64Tables = std::array<std::array<uint64_t, 256>, 8>;

const Crc64Tables& Crc64NvmeTables() {
  static const Crc64Tables tables = [] {
    constexpr uint64_t kPolyReflected = 0x9A6C9329AC4BC9B5ull;  // bit-reverse of 0xAD93D23594C93659
    Crc64Tables t{};
    for (uint64_t i = 0; i < 256; ++i) {
      uint64_t crc = i;
      for (int bit = 0; bit < 8; ++bit) crc = (crc & 1) ? (crc >> 1) ^ kPolyReflected : crc >> 1;
      t[0][i] = crc;
    }
    for (size_t k = 1; k < 8; ++k) {
      for (size_t i = 0; i < 256; ++i) t[k][i] = (t[k - 1][i] >> 8) ^ t[0][t[k - 1][i] & 0xff];
    }
    return t;
  }();
  return tables;
}

const EVP_MD* MdFor(Digest::Kind kind) {
  switch (kind) {
    case Digest::Kind::kSha256:
      return EVP_sha256();
    case Digest::Kind::kSha1:
      return EVP_sha1();
    case Digest::Kind::kMd5:
      return EVP_md5();
  }
  return EVP_sha256();
}

}  // namespace

// ---- Checksums ----

std::optional<ChecksumAlgorithm> ChecksumAlgorithmFromHeader(std::string_view header_name) {
  const std::string name = ToLower(header_name);
  if (name == "x-amz-checksum-crc32") return ChecksumAlgorithm::kCrc32;
  if (name == "x-amz-checksum-crc32c") return ChecksumAlgorithm::kCrc32c;
  if (name == "x-amz-checksum-crc64nvme") return ChecksumAlgorithm::kCrc64Nvme;
  if (name == "x-amz-checksum-sha1") return ChecksumAlgorithm::kSha1;
  if (name == "x-amz-checksum-sha256") return ChecksumAlgorithm::kSha256;
  return std::nullopt;
}

std::string_view ChecksumHeaderName(ChecksumAlgorithm algorithm) {
  switch (algorithm) {
    case ChecksumAlgorithm::kCrc32:
      return "x-amz-checksum-crc32";
    case ChecksumAlgorithm::kCrc32c:
      return "x-amz-checksum-crc32c";
    case ChecksumAlgorithm::kCrc64Nvme:
      return "x-amz-checksum-crc64nvme";
    case ChecksumAlgorithm::kSha1:
      return "x-amz-checksum-sha1";
    case ChecksumAlgorithm::kSha256:
      return "x-amz-checksum-sha256";
  }
  return "";
}

std::string_view ChecksumAlgorithmName(ChecksumAlgorithm algorithm) {
  switch (algorithm) {
    case ChecksumAlgorithm::kCrc32:
      return "CRC32";
    case ChecksumAlgorithm::kCrc32c:
      return "CRC32C";
    case ChecksumAlgorithm::kCrc64Nvme:
      return "CRC64NVME";
    case ChecksumAlgorithm::kSha1:
      return "SHA1";
    case ChecksumAlgorithm::kSha256:
      return "SHA256";
  }
  return "";
}

uint32_t Crc32(uint32_t crc, ByteSpan data) {
  // ISA-L's gzip CRC is the reflected IEEE CRC-32 with zlib's conventions (it complements on entry
  // and exit), so it chains like zlib's crc32().
  return crc32_gzip_refl(crc, data.data(), data.size());
}

uint64_t Crc64Nvme(uint64_t crc, ByteSpan data) {
  const Crc64Tables& t = Crc64NvmeTables();
  crc = ~crc;
  const uint8_t* p = data.data();
  size_t n = data.size();
  if constexpr (std::endian::native == std::endian::little) {
    while (n >= 8) {
      uint64_t word;
      std::memcpy(&word, p, 8);
      crc ^= word;
      crc = t[7][crc & 0xff] ^ t[6][(crc >> 8) & 0xff] ^ t[5][(crc >> 16) & 0xff] ^
            t[4][(crc >> 24) & 0xff] ^ t[3][(crc >> 32) & 0xff] ^ t[2][(crc >> 40) & 0xff] ^
            t[1][(crc >> 48) & 0xff] ^ t[0][crc >> 56];
      p += 8;
      n -= 8;
    }
  }
  for (; n > 0; --n, ++p) crc = t[0][(crc ^ *p) & 0xff] ^ (crc >> 8);
  return ~crc;
}

std::string Base64Encode(std::string_view raw) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((raw.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= raw.size(); i += 3) {
    uint32_t v = (uint32_t{static_cast<uint8_t>(raw[i])} << 16) |
                 (uint32_t{static_cast<uint8_t>(raw[i + 1])} << 8) |
                 uint32_t{static_cast<uint8_t>(raw[i + 2])};
    out.push_back(kAlphabet[v >> 18]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(kAlphabet[(v >> 6) & 63]);
    out.push_back(kAlphabet[v & 63]);
  }
  if (i < raw.size()) {
    uint32_t v = uint32_t{static_cast<uint8_t>(raw[i])} << 16;
    if (i + 1 < raw.size()) v |= uint32_t{static_cast<uint8_t>(raw[i + 1])} << 8;
    out.push_back(kAlphabet[v >> 18]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(i + 1 < raw.size() ? kAlphabet[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

std::optional<std::string> Base64Decode(std::string_view text) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  if (text.size() % 4 != 0) return std::nullopt;
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (size_t i = 0; i < text.size(); i += 4) {
    const bool last = i + 4 == text.size();
    int pad = 0;
    if (last && text[i + 3] == '=') pad = text[i + 2] == '=' ? 2 : 1;
    uint32_t v = 0;
    for (int j = 0; j < 4; ++j) {
      int d = j >= 4 - pad ? 0 : value(text[i + j]);
      if (d < 0) return std::nullopt;
      v = (v << 6) | static_cast<uint32_t>(d);
    }
    out.push_back(static_cast<char>(v >> 16));
    if (pad < 2) out.push_back(static_cast<char>((v >> 8) & 0xff));
    if (pad < 1) out.push_back(static_cast<char>(v & 0xff));
  }
  return out;
}

void Digest::CtxFree::operator()(evp_md_ctx_st* ctx) const { EVP_MD_CTX_free(ctx); }

Digest::Digest(Kind kind) : kind_(kind), ctx_(EVP_MD_CTX_new()) {
  EVP_DigestInit_ex(ctx_.get(), MdFor(kind_), nullptr);
}
Digest::~Digest() = default;
Digest::Digest(Digest&&) noexcept = default;
Digest& Digest::operator=(Digest&&) noexcept = default;

void Digest::Update(ByteSpan data) {
  if (!data.empty()) EVP_DigestUpdate(ctx_.get(), data.data(), data.size());
}

std::string Digest::Finish() {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  EVP_DigestFinal_ex(ctx_.get(), md, &md_len);
  EVP_DigestInit_ex(ctx_.get(), MdFor(kind_), nullptr);
  return std::string(reinterpret_cast<const char*>(md), md_len);
}

Checksummer::Checksummer(ChecksumAlgorithm algorithm) : algorithm_(algorithm) {
  if (algorithm == ChecksumAlgorithm::kSha1) digest_.emplace(Digest::Kind::kSha1);
  if (algorithm == ChecksumAlgorithm::kSha256) digest_.emplace(Digest::Kind::kSha256);
}

void Checksummer::Update(ByteSpan data) {
  switch (algorithm_) {
    case ChecksumAlgorithm::kCrc32:
      crc_ = Crc32(static_cast<uint32_t>(crc_), data);
      break;
    case ChecksumAlgorithm::kCrc32c:
      crc_ = core::Crc32cExtend(static_cast<uint32_t>(crc_), data);
      break;
    case ChecksumAlgorithm::kCrc64Nvme:
      crc_ = Crc64Nvme(crc_, data);
      break;
    case ChecksumAlgorithm::kSha1:
    case ChecksumAlgorithm::kSha256:
      digest_->Update(data);
      break;
  }
}

std::string Checksummer::FinishBase64() {
  if (digest_) return Base64Encode(digest_->Finish());
  const size_t size = ChecksumSize(algorithm_);
  std::string raw(size, '\0');
  for (size_t i = 0; i < size; ++i) raw[i] = static_cast<char>(crc_ >> (8 * (size - 1 - i)));
  return Base64Encode(raw);
}

// ---- AwsChunkedDecoder ----

AwsChunkedDecoder::AwsChunkedDecoder(PayloadMode mode, StreamingContext ctx,
                                     std::optional<uint64_t> decoded_length,
                                     std::optional<std::string> trailer_header)
    : mode_(mode),
      ctx_(std::move(ctx)),
      decoded_length_(decoded_length),
      previous_signature_(ToLower(ctx_.seed_signature)) {
  if (!IsStreaming(mode_)) {
    failure_ = MakeFailure("InvalidRequest",
                           "An aws-chunked body needs a STREAMING-* x-amz-content-sha256 value.");
    return;
  }
  if (signed_chunks()) {
    if (ctx_.signing_key.empty() || !IsHex64(ctx_.seed_signature)) {
      failure_ = MakeFailure("InternalError", "Missing signing context for a signed stream.");
      return;
    }
    chunk_hash_.emplace(Digest::Kind::kSha256);
  }
  if (trailer_mode() && trailer_header && !Trim(*trailer_header).empty()) {
    declared_ = ChecksumAlgorithmFromHeader(Trim(*trailer_header));
    if (!declared_) {
      failure_ = MakeFailure("InvalidRequest",
                             "The value specified in the x-amz-trailer header is not supported");
      return;
    }
    checksum_.emplace(*declared_);
  }
}

AwsChunkedDecoder::~AwsChunkedDecoder() {
  OPENSSL_cleanse(ctx_.signing_key.data(), ctx_.signing_key.size());
}

bool AwsChunkedDecoder::signed_chunks() const {
  return mode_ == PayloadMode::kStreamingSigned || mode_ == PayloadMode::kStreamingSignedTrailer;
}

bool AwsChunkedDecoder::trailer_mode() const {
  return mode_ == PayloadMode::kStreamingSignedTrailer ||
         mode_ == PayloadMode::kStreamingUnsignedTrailer;
}

std::optional<AuthFailure> AwsChunkedDecoder::Fail(AuthFailure failure) {
  failure_ = std::move(failure);
  return failure_;
}

std::optional<AuthFailure> AwsChunkedDecoder::Feed(ByteSpan raw, const Sink& sink) {
  if (failure_) return failure_;
  size_t pos = 0;
  while (pos < raw.size()) {
    std::optional<AuthFailure> f;
    switch (state_) {
      case State::kSizeLine:
      case State::kTrailerLine:
        f = FeedLine(raw, &pos);
        break;
      case State::kData:
        f = FeedData(raw, &pos, sink);
        break;
      case State::kDataCrlf:
        if (raw[pos] != (crlf_seen_ == 0 ? '\r' : '\n')) {
          return Fail(Malformed("chunk data is not followed by CRLF"));
        }
        ++pos;
        if (++crlf_seen_ == 2) state_ = State::kSizeLine;
        break;
      case State::kDone:
        return Fail(Malformed("data after the end of the body"));
    }
    if (f) return f;
  }
  return std::nullopt;
}

// Accumulates one CRLF-terminated line (bounded) and handles it once complete.
std::optional<AuthFailure> AwsChunkedDecoder::FeedLine(ByteSpan raw, size_t* pos) {
  const uint8_t* begin = raw.data() + *pos;
  const size_t available = raw.size() - *pos;
  const void* newline = std::memchr(begin, '\n', available);
  const size_t take =
      newline ? static_cast<size_t>(static_cast<const uint8_t*>(newline) - begin) + 1 : available;
  if (line_.size() + take > kMaxLineBytes + 2) return Fail(Malformed("line too long"));
  if (state_ == State::kTrailerLine) {
    trailer_bytes_ += take;
    if (trailer_bytes_ > kMaxTrailerBytes) return Fail(Malformed("trailer section too long"));
  }
  line_.append(reinterpret_cast<const char*>(begin), take);
  *pos += take;
  if (!newline) return std::nullopt;
  if (line_.size() < 2 || line_[line_.size() - 2] != '\r') {
    return Fail(Malformed("line not terminated by CRLF"));
  }
  const std::string line = line_.substr(0, line_.size() - 2);
  line_.clear();
  return state_ == State::kSizeLine ? HandleSizeLine(line) : HandleTrailerLine(line);
}

// Passes chunk data straight to the sink, hashing it on the way.
std::optional<AuthFailure> AwsChunkedDecoder::FeedData(ByteSpan raw, size_t* pos,
                                                       const Sink& sink) {
  const size_t n = static_cast<size_t>(std::min<uint64_t>(remaining_, raw.size() - *pos));
  ByteSpan piece = raw.subspan(*pos, n);
  if (chunk_hash_) chunk_hash_->Update(piece);
  if (checksum_) checksum_->Update(piece);
  decoded_ += n;
  remaining_ -= n;
  *pos += n;
  if (sink) {
    Status s = sink(piece);
    if (!s.ok()) {
      sink_status_ = s;
      return Fail(MakeFailure("InternalError", "Writing the body failed: " + s.ToString()));
    }
  }
  if (remaining_ > 0) return std::nullopt;
  state_ = State::kDataCrlf;
  crlf_seen_ = 0;
  if (!chunk_hash_) return std::nullopt;
  return VerifyChunk(HexEncode(AsBytes(chunk_hash_->Finish())));
}

std::optional<AuthFailure> AwsChunkedDecoder::HandleSizeLine(std::string_view line) {
  const size_t semi = line.find(';');
  const std::string_view hex = line.substr(0, semi);
  if (hex.empty() || hex.size() > 16) return Fail(Malformed("bad chunk size"));
  uint64_t size = 0;
  for (char c : hex) {
    int d = HexValue(c);
    if (d < 0) return Fail(Malformed("bad chunk size"));
    size = size * 16 + static_cast<uint64_t>(d);
  }
  if (signed_chunks()) {
    constexpr std::string_view kPrefix = "chunk-signature=";
    std::string_view ext = semi == std::string_view::npos ? "" : line.substr(semi + 1);
    if (ext.substr(0, kPrefix.size()) != kPrefix || !IsHex64(ext.substr(kPrefix.size()))) {
      return Fail(SignatureMismatch("missing or malformed chunk-signature"));
    }
    chunk_signature_ = ToLower(ext.substr(kPrefix.size()));
  }
  if (size == 0) {
    state_ = State::kTrailerLine;
    return signed_chunks() ? VerifyChunk(kEmptySha256) : std::nullopt;
  }
  if (decoded_length_ && (size > *decoded_length_ || decoded_ > *decoded_length_ - size)) {
    return Fail(MakeFailure("InvalidRequest",
                            "The aws-chunked body is longer than x-amz-decoded-content-length."));
  }
  remaining_ = size;
  state_ = State::kData;
  return std::nullopt;
}

std::optional<AuthFailure> AwsChunkedDecoder::VerifyChunk(std::string_view data_sha256_hex) {
  std::string sts = "AWS4-HMAC-SHA256-PAYLOAD\n";
  sts.append(ctx_.amz_date).push_back('\n');
  sts.append(ctx_.scope).push_back('\n');
  sts.append(previous_signature_).push_back('\n');
  sts.append(kEmptySha256).push_back('\n');
  sts.append(data_sha256_hex);
  std::string expected = HexEncode(AsBytes(HmacSha256(ctx_.signing_key, sts)));
  if (!ConstantTimeEquals(expected, chunk_signature_)) {
    return Fail(SignatureMismatch("chunk signature mismatch"));
  }
  previous_signature_ = std::move(expected);
  return std::nullopt;
}

std::optional<AuthFailure> AwsChunkedDecoder::HandleTrailerLine(std::string_view line) {
  if (line.empty()) {
    // AWS's own trailer example puts an empty line between the final chunk and the trailers;
    // skip one while a trailer is still expected.
    const bool expecting = trailer_mode() && trailers_.empty() && !trailer_signature_ &&
                           (declared_ || mode_ == PayloadMode::kStreamingSignedTrailer);
    if (expecting && blank_lines_skipped_ == 0) {
      ++blank_lines_skipped_;
      return std::nullopt;
    }
    return EndOfTrailers();
  }
  if (!trailer_mode()) return Fail(Malformed("trailer in a payload mode without trailers"));
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0) return Fail(Malformed("bad trailer line"));
  const std::string name = ToLower(Trim(line.substr(0, colon)));
  const std::string_view value = Trim(line.substr(colon + 1));
  if (name == kTrailerSignature) {
    if (mode_ != PayloadMode::kStreamingSignedTrailer || trailer_signature_) {
      return Fail(Malformed("unexpected x-amz-trailer-signature"));
    }
    if (!IsHex64(value)) return Fail(SignatureMismatch("malformed trailer signature"));
    trailer_signature_ = ToLower(value);
    return std::nullopt;
  }
  if (trailer_signature_) return Fail(Malformed("trailer after x-amz-trailer-signature"));
  const auto algorithm = ChecksumAlgorithmFromHeader(name);
  if (!declared_ || algorithm != declared_) {
    return Fail(MakeFailure("InvalidRequest",
                            "The trailer " + name + " was not declared in x-amz-trailer."));
  }
  if (!trailers_.empty()) {
    return Fail(MakeFailure("InvalidRequest",
                            "Expecting a single x-amz-checksum- header. Multiple checksum Types "
                            "are not allowed."));
  }
  if (!ValidChecksumValue(*algorithm, value)) {
    return Fail(
        MakeFailure("InvalidRequest", "Value for " + name + " trailing header is invalid."));
  }
  trailers_.emplace_back(name, std::string(value));
  canonical_trailers_.append(name).append(":").append(value).append("\n");
  return std::nullopt;
}

std::optional<AuthFailure> AwsChunkedDecoder::EndOfTrailers() {
  if (mode_ == PayloadMode::kStreamingSignedTrailer) {
    if (!trailer_signature_) return Fail(SignatureMismatch("missing x-amz-trailer-signature"));
    std::string sts = "AWS4-HMAC-SHA256-TRAILER\n";
    sts.append(ctx_.amz_date).push_back('\n');
    sts.append(ctx_.scope).push_back('\n');
    sts.append(previous_signature_).push_back('\n');
    sts.append(Sha256Hex(canonical_trailers_));
    const std::string expected = HexEncode(AsBytes(HmacSha256(ctx_.signing_key, sts)));
    if (!ConstantTimeEquals(expected, *trailer_signature_)) {
      return Fail(SignatureMismatch("trailer signature mismatch"));
    }
  }
  if (declared_ && trailers_.empty()) {
    return Fail(MakeFailure("InvalidRequest", "The x-amz-trailer header names " +
                                                  std::string(ChecksumHeaderName(*declared_)) +
                                                  " but the body has no such trailer."));
  }
  state_ = State::kDone;
  return std::nullopt;
}

std::optional<AuthFailure> AwsChunkedDecoder::Finish() {
  if (failure_) return failure_;
  if (finished_) return std::nullopt;
  // The final empty line may be missing: end the trailer section at a line boundary.
  if (state_ == State::kTrailerLine && line_.empty()) {
    if (auto f = EndOfTrailers()) return f;
  }
  if (state_ != State::kDone) return Fail(IncompleteBody());
  if (decoded_length_ && decoded_ != *decoded_length_) return Fail(IncompleteBody());
  if (checksum_) {
    const auto sent = Base64Decode(trailers_.front().second);
    const auto computed = Base64Decode(checksum_->FinishBase64());
    if (!sent || sent != computed) return Fail(ChecksumMismatch(*declared_));
  }
  finished_ = true;
  return std::nullopt;
}

// ---- PayloadVerifier ----

std::variant<PayloadVerifier, AuthFailure> PayloadVerifier::Make(const net::HttpHeaders& headers,
                                                                 const AuthResult& auth) {
  PayloadVerifier v;
  if (auto md5 = net::FindHeader(headers, "content-md5")) {
    auto raw = Base64Decode(Trim(*md5));
    if (!raw || raw->size() != 16) {
      return MakeFailure("InvalidDigest", "The Content-MD5 you specified is not valid.");
    }
    v.md5_.emplace(Digest::Kind::kMd5);
    v.expected_md5_ = std::move(*raw);
  }
  if (auth.payload == PayloadMode::kSignedSha256) {
    v.sha256_.emplace(Digest::Kind::kSha256);
    v.expected_sha256_ = ToLower(auth.payload_sha256);
  }
  for (const auto& [name, value] : headers) {
    const auto algorithm = ChecksumAlgorithmFromHeader(name);
    if (!algorithm) continue;
    if (v.checksum_ && v.checksum_->algorithm() != *algorithm) {
      return MakeFailure("InvalidRequest",
                         "Expecting a single x-amz-checksum- header. Multiple checksum Types are "
                         "not allowed.");
    }
    const std::string_view trimmed = Trim(value);
    if (!ValidChecksumValue(*algorithm, trimmed) ||
        (v.checksum_ && trimmed != v.expected_checksum_)) {
      return MakeFailure("InvalidRequest", "Value for " + ToLower(name) + " header is invalid.");
    }
    if (!v.checksum_) v.checksum_.emplace(*algorithm);
    v.expected_checksum_ = std::string(trimmed);
  }
  return v;
}

void PayloadVerifier::Update(ByteSpan data) {
  if (md5_) md5_->Update(data);
  if (sha256_) sha256_->Update(data);
  if (checksum_) checksum_->Update(data);
}

std::optional<AuthFailure> PayloadVerifier::Finish() {
  if (sha256_) {
    const std::string computed = HexEncode(AsBytes(sha256_->Finish()));
    if (computed != expected_sha256_) {
      return MakeFailure(
          "XAmzContentSHA256Mismatch",
          "The provided 'x-amz-content-sha256' header does not match what was computed.",
          {{"ClientComputedContentSHA256", expected_sha256_},
           {"S3ComputedContentSHA256", computed}});
    }
  }
  if (md5_) {
    const std::string computed = md5_->Finish();
    if (computed != expected_md5_) {
      return MakeFailure("BadDigest",
                         "The Content-MD5 you specified did not match what we received.",
                         {{"ExpectedDigest", Base64Encode(expected_md5_)},
                          {"CalculatedDigest", Base64Encode(computed)}});
    }
  }
  if (checksum_) {
    const std::string computed = checksum_->FinishBase64();
    if (Base64Decode(computed) != Base64Decode(expected_checksum_)) {
      return ChecksumMismatch(checksum_->algorithm());
    }
    checksums_.emplace_back(std::string(ChecksumHeaderName(checksum_->algorithm())), computed);
  }
  return std::nullopt;
}

}  // namespace cairn::s3
