// AWS Signature Version 4 for the S3 face: verification of signed requests (Authorization header
// or presigned query parameters) and the building blocks to sign them (presigned URLs for
// `cairn url create`, request signing for the CLI and tests).
//
// The rules followed are those of the S3 documentation ("Signature Calculations for the
// Authorization Header", "Authenticating Requests: Using Query Parameters"), including the S3
// specifics: the canonical URI is the decoded path re-encoded once (no double encoding, no
// dot-segment normalisation), `host` must be signed, unsigned `x-amz-*` headers are refused
// (except x-amz-content-sha256), and x-amz-content-sha256 is required with header auth.
//
// Verification never reads the body. What the body check needs (the announced SHA-256, or the
// context to continue the chunk-signature chain of an aws-chunked body) is returned in AuthResult;
// see aws_chunked.h for the body side.
//
// Thread safety: every function here is pure (no shared state); SecretLookup must be safe to call
// from the calling thread.
#ifndef CAIRN_FACES_S3_SIGV4_H_
#define CAIRN_FACES_S3_SIGV4_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "net/http.h"

namespace cairn::s3 {

// A failed authentication or body check, as an S3 error code and message (the face maps the code
// to its HTTP status and error XML). Codes used here: AccessDenied, SignatureDoesNotMatch,
// InvalidAccessKeyId, RequestTimeTooSkewed, AuthorizationHeaderMalformed,
// AuthorizationQueryParametersError, InvalidArgument, InvalidRequest, NotImplemented,
// XAmzContentSHA256Mismatch, BadDigest, InvalidDigest, IncompleteBody, InternalError (a failed
// body sink, see AwsChunkedDecoder).
struct AuthFailure {
  std::string code;
  std::string message;
  // Extra elements S3 puts in the error XML, in order, e.g. {"HeadersNotSigned", "x-amz-acl"},
  // {"Region", "eu-west-1"}, {"StringToSign", ...}. Never contains secrets.
  std::vector<std::pair<std::string, std::string>> details;
};

enum class PayloadMode {
  kSignedSha256,              // x-amz-content-sha256 is a hex SHA-256 the body must match
  kUnsigned,                  // UNSIGNED-PAYLOAD (also presigned URLs without the header)
  kStreamingSigned,           // STREAMING-AWS4-HMAC-SHA256-PAYLOAD
  kStreamingSignedTrailer,    // STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER
  kStreamingUnsignedTrailer,  // STREAMING-UNSIGNED-PAYLOAD-TRAILER
};

// True for the three STREAMING-* modes, whose body is aws-chunked and must go through
// AwsChunkedDecoder whatever the Content-Encoding says.
inline bool IsStreaming(PayloadMode mode) {
  return mode == PayloadMode::kStreamingSigned || mode == PayloadMode::kStreamingSignedTrailer ||
         mode == PayloadMode::kStreamingUnsignedTrailer;
}

// What aws-chunked decoding of a signed stream needs to continue the signature chain.
struct StreamingContext {
  std::string signing_key;     // 32 raw bytes: the derived kSigning
  std::string amz_date;        // 20130524T000000Z
  std::string scope;           // 20130524/us-east-1/s3/aws4_request
  std::string seed_signature;  // lower-case hex, the request's own signature
};

struct AuthResult {
  std::string access_key;
  bool presigned = false;
  PayloadMode payload = PayloadMode::kUnsigned;
  std::string payload_sha256;  // lower-case hex, for kSignedSha256
  StreamingContext streaming;  // filled for every mode (the signed streaming modes need it)
  // Unix seconds of x-amz-date / Date / X-Amz-Date; for SigV2 query auth, of Expires (the only
  // time such a request carries).
  int64_t request_time = 0;
};

struct SigV4Options {
  // The region this endpoint serves. A credential scope naming another region is
  // AuthorizationHeaderMalformed (AuthorizationQueryParametersError when presigned), with S3's
  // message and a Region detail. Empty accepts any region.
  std::string region = "us-east-1";
  // RequestTimeTooSkewed beyond this (header auth); presigned URLs dated further in the future are
  // AccessDenied "Request is not valid yet".
  int64_t max_skew_seconds = 15 * 60;
  // X-Amz-Expires above this is AuthorizationQueryParametersError (S3: one week).
  int64_t max_presign_expires = 7 * 24 * 3600;
};

// Returns the secret key for an access key, or nullopt (-> InvalidAccessKeyId).
using SecretLookup = std::function<std::optional<std::string>(std::string_view access_key)>;

// Verifies a request signed with AWS SigV4 (algorithm AWS4-HMAC-SHA256), either in the
// Authorization header or as presigned query parameters (X-Amz-Algorithm, X-Amz-Credential,
// X-Amz-Date, X-Amz-Expires, X-Amz-SignedHeaders, X-Amz-Signature). `path` and `query` are exactly
// as sent on the wire (not decoded). `now_unix` is the server clock.
//
// Does NOT read the body: for kSignedSha256 the caller hashes the body and compares it to
// payload_sha256 (XAmzContentSHA256Mismatch; PayloadVerifier does it); for the STREAMING-* modes
// the body goes through AwsChunkedDecoder with `streaming`.
//
// Failures, by code: InvalidRequest (SigV2 or SigV4a, missing x-amz-content-sha256),
// InvalidArgument (both header and query auth, bad x-amz-content-sha256 value),
// AuthorizationHeaderMalformed / AuthorizationQueryParametersError (unparsable auth, wrong region,
// service or terminator, credential date differs from the request date, bad X-Amz-Expires),
// AccessDenied (no valid date, host or an x-amz-* header not signed, presigned URL expired or not
// yet valid), InvalidAccessKeyId, RequestTimeTooSkewed, SignatureDoesNotMatch, NotImplemented
// (STREAMING-AWS4-ECDSA-P256-SHA256-*).
//
// Precondition: !IsAnonymous(query, headers) (anonymous requests are the caller's business).
// SigV2 requests (IsSigV2 in sigv2.h) belong to VerifySigV2; given one, this answers
// InvalidRequest ("Please use AWS4-HMAC-SHA256").
std::variant<AuthResult, AuthFailure> VerifySigV4(std::string_view method, std::string_view path,
                                                  std::string_view query,
                                                  const net::HttpHeaders& headers,
                                                  const SecretLookup& secrets, int64_t now_unix,
                                                  const SigV4Options& options = {});

// True when the request carries no authentication at all: no Authorization header and none of the
// query parameters X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, AWSAccessKeyId, Signature.
bool IsAnonymous(std::string_view query, const net::HttpHeaders& headers);

// ---- Building blocks (exposed for tests and for signing) ----

// The canonical URI of an S3 request: `raw_path` (wire form) percent-decoded once, then each byte
// outside A-Za-z0-9-._~ and '/' encoded as %XX (upper-case hex). No dot-segment normalisation, no
// double encoding. Invalid escapes are kept literally (their '%' becomes %25). "" becomes "/".
std::string CanonicalUri(std::string_view raw_path);

// The canonical query string: parameters decoded and re-encoded (unreserved set only, so '/' is
// %2F), sorted by encoded key then encoded value, a key without '=' gets an empty value, empty
// parameters are dropped. `drop_signature` leaves out X-Amz-Signature (presigned requests).
// `plus_is_space` decodes a literal '+' as a space (what form-encoding clients mean); false keeps
// it as '+' (%2B), the legacy reading VerifySigV4 falls back to.
std::string CanonicalQuery(std::string_view raw_query, bool drop_signature,
                           bool plus_is_space = true);

// Percent-encodes `data` with the SigV4 unreserved set A-Za-z0-9-._~ (upper-case hex), also
// keeping '/' when `keep_slash`.
std::string UriEncode(std::string_view data, bool keep_slash);

// kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request"),
// 32 raw bytes. `date` is YYYYMMDD.
std::string DeriveSigningKey(std::string_view secret, std::string_view date,
                             std::string_view region, std::string_view service);
// Raw 32-byte HMAC-SHA256.
std::string HmacSha256(std::string_view key, std::string_view data);
// Lower-case hex SHA-256.
std::string Sha256Hex(std::string_view data);

// Unix seconds -> "YYYYMMDDTHHMMSSZ" (UTC).
std::string FormatAmzDate(int64_t unix_seconds);
// "YYYYMMDDTHHMMSSZ" -> unix seconds; nullopt when malformed.
std::optional<int64_t> ParseAmzDate(std::string_view amz_date);

// Builds the query string of a presigned URL for `method path` on `host` (the only signed header),
// valid `expires_seconds` from `now_unix`: X-Amz-Algorithm, X-Amz-Credential, X-Amz-Date,
// X-Amz-Expires, X-Amz-SignedHeaders, then X-Amz-Signature last. `path` is in wire form (already
// encoded as it will be sent). `extra_query` (wire form, e.g. "versionId=3") is signed too and
// comes first in the result. Payload hash: UNSIGNED-PAYLOAD.
std::string PresignQuery(std::string_view method, std::string_view host, std::string_view path,
                         std::string_view access_key, std::string_view secret,
                         std::string_view region, int64_t now_unix, int64_t expires_seconds,
                         std::string_view extra_query = {});

// Returns the Authorization header value for a request signing every header in `headers` (names
// lower-cased and sorted; values trimmed). Preconditions: `headers` holds host, x-amz-date (or
// Date) and x-amz-content-sha256 (whose value is the payload hash signed).
std::string SignAuthorization(std::string_view method, std::string_view path,
                              std::string_view query, const net::HttpHeaders& headers,
                              std::string_view access_key, std::string_view secret,
                              std::string_view region);

}  // namespace cairn::s3

#endif  // CAIRN_FACES_S3_SIGV4_H_
