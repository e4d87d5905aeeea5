// AWS Signature Version 2 for the S3 face: verification of requests signed with
// `Authorization: AWS AccessKeyId:Signature` or with the AWSAccessKeyId / Signature / Expires
// query parameters (the presigned URLs older SDKs, e.g. boto3 before SigV4 became its default,
// and s3cmd still make).
//
// The rules followed are those of the S3 documentation ("Signing and Authenticating REST
// Requests"): Signature = Base64(HMAC-SHA1(secret, StringToSign)), StringToSign = Verb "\n"
// Content-MD5 "\n" Content-Type "\n" Date "\n" CanonicalizedAmzHeaders CanonicalizedResource,
// where
//   - Date is empty when x-amz-date is sent (x-amz-date is then among the amz headers), and is the
//     Expires parameter with query authentication;
//   - CanonicalizedAmzHeaders: every x-amz-* header, name lower-cased, sorted by name, values
//     trimmed and unfolded, repeated names joined with ',', each line "name:value\n". With query
//     authentication, x-amz-* query parameters count as headers too (botocore and the JS SDK move
//     the x-amz-* headers of a presigned request into its query);
//   - CanonicalizedResource: "/" + bucket for virtual-host requests, then the path exactly as sent
//     (still URL-encoded), then "?" and the signed sub-resources of the query (acl, delete,
//     tagging, uploadId, versionId, response-content-type... the union of the S3 documentation's
//     list and those the SDKs sign), sorted by name (stable), values URL-decoded, joined with '&'
//     ("name" or "name=value", as sent). A path-style request for a bucket alone ("/bkt") may be
//     signed as "/bkt/" (what botocore, the Java SDK and s3cmd sign) or as "/bkt".
// The payload is not signed in V2: a sent Content-MD5 is checked by the body verifier, as for V4.
//
// Thread safety: every function here is pure (no shared state); SecretLookup must be safe to call
// from the calling thread.
#ifndef CAIRN_FACES_S3_SIGV2_H_
#define CAIRN_FACES_S3_SIGV2_H_

#include <cstdint>
#include <string_view>
#include <variant>

#include "faces/s3/sigv4.h"
#include "net/http.h"

namespace cairn::s3 {

// True when the request is signed with SigV2: an Authorization header whose scheme is "AWS", or,
// without an Authorization header, an AWSAccessKeyId or Signature query parameter and none of
// X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature. Such requests go to VerifySigV2, the
// others (unless IsAnonymous) to VerifySigV4.
bool IsSigV2(std::string_view query, const net::HttpHeaders& headers);

// Verifies AWS Signature Version 2 (Authorization: AWS ak:sig, or AWSAccessKeyId/Signature/Expires
// query). `path` and `query` are exactly as sent on the wire (not decoded). `bucket_from_host` is
// the bucket when the request is virtual-host style (its CanonicalizedResource starts with
// "/bucket"), empty otherwise. `now_unix` is the server clock. Of `options`, only
// max_skew_seconds applies (V2 has no region, and S3 puts no upper bound on Expires).
//
// On success: access_key, presigned (query auth), payload = PayloadMode::kUnsigned and
// request_time (the Date / x-amz-date of header auth; the Expires time of query auth, which
// carries no signing time). payload_sha256 and streaming stay empty.
//
// Failures, by code: InvalidArgument (both header and query auth, an Authorization value that is
// not "AWS ak:sig"), AccessDenied (no valid Date / x-amz-date, a missing query parameter, an
// Expires that is not unix seconds, "Request has expired" with Expires and ServerTime details),
// InvalidAccessKeyId, RequestTimeTooSkewed (Date / x-amz-date more than max_skew_seconds off),
// SignatureDoesNotMatch (with the StringToSign we computed; the comparison is constant-time).
//
// Precondition: IsSigV2(query, headers).
std::variant<AuthResult, AuthFailure> VerifySigV2(std::string_view method, std::string_view path,
                                                  std::string_view query,
                                                  const net::HttpHeaders& headers,
                                                  std::string_view bucket_from_host,
                                                  const SecretLookup& secrets, int64_t now_unix,
                                                  const SigV4Options& options = {});

}  // namespace cairn::s3

#endif  // CAIRN_FACES_S3_SIGV2_H_
