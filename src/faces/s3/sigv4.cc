#include "faces/s3/sigv4.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cstdio>
#include <map>

#include "core/bytes.h"
#include "faces/s3/internal/sig_common.h"
#include "faces/s3/s3_xml.h"

namespace cairn::s3 {
namespace {

using sig_internal::Civil;
using sig_internal::CivilFromUnix;
using sig_internal::ConstantTimeEquals;
using sig_internal::EqualsIgnoreCase;
using sig_internal::Fail;
using sig_internal::FormatIsoExtended;
using sig_internal::HexValue;
using sig_internal::IsDigits;
using sig_internal::IsSpace;
using sig_internal::NoValidDate;
using sig_internal::OneAuthMechanismOnly;
using sig_internal::ParseQuery;
using sig_internal::PercentDecode;
using sig_internal::Split;
using sig_internal::ToInt;
using sig_internal::ToLower;
using sig_internal::Trim;

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
constexpr std::string_view kService = "s3";
constexpr std::string_view kTerminal = "aws4_request";
constexpr std::string_view kContentSha256 = "x-amz-content-sha256";
constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";

// SigV4 header value canonicalisation: trim, and collapse runs of whitespace into one space.
std::string TrimAll(std::string_view value) {
  value = Trim(value);
  std::string out;
  out.reserve(value.size());
  bool in_space = false;
  for (char c : value) {
    if (IsSpace(c)) {
      in_space = true;
      continue;
    }
    if (in_space) out.push_back(' ');
    in_space = false;
    out.push_back(c);
  }
  return out;
}

std::string Hex(std::string_view raw) { return HexEncode(AsBytes(raw)); }

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
int64_t DaysFromCivil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

std::optional<int64_t> UnixFromCivil(const Civil& c) {
  static constexpr int kDaysInMonth[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (c.month < 1 || c.month > 12 || c.day < 1 || c.day > kDaysInMonth[c.month - 1]) {
    return std::nullopt;
  }
  if (c.hour > 23 || c.minute > 59 || c.second > 60) return std::nullopt;
  return DaysFromCivil(c.year, c.month, c.day) * 86400 + c.hour * 3600 + c.minute * 60 + c.second;
}

std::string Scope(std::string_view date, std::string_view region) {
  std::string scope;
  scope.append(date).append("/").append(region).append("/").append(kService);
  scope.append("/").append(kTerminal);
  return scope;
}

// The canonical headers block ("name:value\n" per signed header) for `signed_headers` (lower-case
// names). Repeated headers are joined with ',' in request order; a signed header absent from the
// request canonicalises to an empty value (and so fails the signature unless signed that way).
std::string CanonicalHeaders(const std::vector<std::string>& signed_headers,
                             const net::HttpHeaders& headers) {
  std::string out;
  for (const std::string& name : signed_headers) {
    out.append(name).push_back(':');
    bool first = true;
    for (const auto& [k, v] : headers) {
      if (!EqualsIgnoreCase(k, name)) continue;
      if (!first) out.push_back(',');
      out.append(TrimAll(v));
      first = false;
    }
    out.push_back('\n');
  }
  return out;
}

std::string JoinSigned(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) {
    if (!out.empty()) out.push_back(';');
    out.append(n);
  }
  return out;
}

std::string CanonicalRequest(std::string_view method, std::string_view canonical_uri,
                             std::string_view canonical_query, std::string_view canonical_headers,
                             std::string_view signed_headers, std::string_view payload_hash) {
  std::string out;
  out.reserve(256 + canonical_headers.size() + canonical_query.size() + canonical_uri.size());
  out.append(method).push_back('\n');
  out.append(canonical_uri).push_back('\n');
  out.append(canonical_query).push_back('\n');
  out.append(canonical_headers).push_back('\n');
  out.append(signed_headers).push_back('\n');
  out.append(payload_hash);
  return out;
}

std::string StringToSign(std::string_view amz_date, std::string_view scope,
                         std::string_view canonical_request) {
  std::string out;
  out.append(kAlgorithm).push_back('\n');
  out.append(amz_date).push_back('\n');
  out.append(scope).push_back('\n');
  out.append(Sha256Hex(canonical_request));
  return out;
}

// ---- Verification ----

// Everything parsed out of the Authorization header or the presigned query, before the secret is
// looked up.
struct SignedRequest {
  bool presigned = false;
  std::string access_key;
  std::string credential_date;  // YYYYMMDD
  std::string region;
  std::vector<std::string> signed_headers;  // lower-case, as listed
  std::string signature;                    // as provided
  std::string amz_date;                     // YYYYMMDDTHHMMSSZ
  int64_t request_time = 0;
  int64_t expires = 0;  // presigned only
  std::string payload_hash;
  PayloadMode payload = PayloadMode::kUnsigned;
};

// Prefixes of the malformed-credential messages, per auth kind.
std::string_view MalformedPrefix(bool presigned) {
  return presigned ? "Error parsing the X-Amz-Credential parameter; "
                   : "The authorization header is malformed; ";
}
std::string_view MalformedCode(bool presigned) {
  return presigned ? "AuthorizationQueryParametersError" : "AuthorizationHeaderMalformed";
}

// Parses "AKID/YYYYMMDD/REGION/s3/aws4_request" into `req`.
std::optional<AuthFailure> ParseCredential(std::string_view credential, const SigV4Options& options,
                                           SignedRequest* req) {
  const std::string prefix(MalformedPrefix(req->presigned));
  const std::string code(MalformedCode(req->presigned));
  std::vector<std::string_view> parts = Split(credential, '/');
  if (parts.size() != 5 || parts[0].empty() || parts[1].size() != 8 || !IsDigits(parts[1]) ||
      parts[2].empty()) {
    return Fail(code, prefix +
                          "the Credential is mal-formed; expecting "
                          "\"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".");
  }
  if (!options.region.empty() && parts[2] != options.region) {
    return Fail(code,
                prefix + "the region '" + std::string(parts[2]) + "' is wrong; expecting '" +
                    options.region + "'",
                {{"Region", options.region}});
  }
  if (parts[3] != kService) {
    return Fail(code, prefix + "incorrect service \"" + std::string(parts[3]) +
                          "\". This endpoint belongs to \"s3\".");
  }
  if (parts[4] != kTerminal) {
    return Fail(code, prefix + "incorrect terminal \"" + std::string(parts[4]) +
                          "\". This endpoint uses \"aws4_request\".");
  }
  req->access_key = std::string(parts[0]);
  req->credential_date = std::string(parts[1]);
  req->region = std::string(parts[2]);
  return std::nullopt;
}

std::vector<std::string> ParseSignedHeaders(std::string_view list) {
  std::vector<std::string> out;
  for (std::string_view name : Split(list, ';')) {
    name = Trim(name);
    if (!name.empty()) out.push_back(ToLower(name));
  }
  return out;
}

AuthFailure UnsupportedMechanism() {
  return Fail("InvalidRequest",
              "The authorization mechanism you have provided is not supported. Please use "
              "AWS4-HMAC-SHA256.");
}

// Classifies an x-amz-content-sha256 value.
std::optional<AuthFailure> ClassifyPayload(std::string_view value, SignedRequest* req) {
  req->payload_hash = std::string(value);
  if (value.size() == 64 &&
      std::all_of(value.begin(), value.end(), [](char c) { return HexValue(c) >= 0; })) {
    req->payload = PayloadMode::kSignedSha256;
  } else if (value == kUnsignedPayload) {
    req->payload = PayloadMode::kUnsigned;
  } else if (value == "STREAMING-AWS4-HMAC-SHA256-PAYLOAD") {
    req->payload = PayloadMode::kStreamingSigned;
  } else if (value == "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER") {
    req->payload = PayloadMode::kStreamingSignedTrailer;
  } else if (value == "STREAMING-UNSIGNED-PAYLOAD-TRAILER") {
    req->payload = PayloadMode::kStreamingUnsignedTrailer;
  } else if (value == "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD" ||
             value == "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER") {
    return Fail("NotImplemented", "SigV4a (ECDSA) streaming payloads are not supported.");
  } else {
    return Fail(
        "InvalidArgument",
        "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, "
        "STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, "
        "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, "
        "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD, "
        "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER or a valid sha256 value.",
        {{"ArgumentName", std::string(kContentSha256)}, {"ArgumentValue", std::string(value)}});
  }
  return std::nullopt;
}

// Parses the Authorization header form into `req`.
std::optional<AuthFailure> ParseHeaderAuth(std::string_view authorization,
                                           const net::HttpHeaders& headers,
                                           const SigV4Options& options, SignedRequest* req) {
  authorization = Trim(authorization);
  size_t space = authorization.find(' ');
  std::string_view algorithm = authorization.substr(0, space);
  if (algorithm != kAlgorithm) {
    if (algorithm == "AWS" || algorithm == "AWS4-ECDSA-P256-SHA256") return UnsupportedMechanism();
    return Fail("InvalidArgument", "Unsupported Authorization Type",
                {{"ArgumentName", "Authorization"}, {"ArgumentValue", std::string(algorithm)}});
  }
  std::optional<std::string_view> credential, signed_headers, signature;
  std::string_view rest = space == std::string_view::npos ? "" : authorization.substr(space + 1);
  for (std::string_view part : Split(rest, ',')) {
    part = Trim(part);
    size_t eq = part.find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view key = part.substr(0, eq);
    std::string_view value = part.substr(eq + 1);
    if (key == "Credential") credential = value;
    if (key == "SignedHeaders") signed_headers = value;
    if (key == "Signature") signature = value;
  }
  if (!credential || !signed_headers || !signature || signature->empty()) {
    return Fail("AuthorizationHeaderMalformed",
                "The authorization header is malformed; the authorization header requires three "
                "components: Credential, SignedHeaders, and Signature.");
  }
  if (auto f = ParseCredential(*credential, options, req)) return f;
  req->signed_headers = ParseSignedHeaders(*signed_headers);
  req->signature = std::string(*signature);

  // The request time: x-amz-date wins over Date.
  if (auto amz = net::FindHeader(headers, "x-amz-date")) {
    auto t = ParseAmzDate(Trim(*amz));
    if (!t) return NoValidDate();
    req->request_time = *t;
  } else if (auto date = net::FindHeader(headers, "date")) {
    auto t = ParseHttpDate(Trim(*date));
    if (!t) return NoValidDate();
    req->request_time = static_cast<int64_t>(*t / 1000000);
  } else {
    return NoValidDate();
  }
  req->amz_date = FormatAmzDate(req->request_time);
  if (req->amz_date.compare(0, 8, req->credential_date) != 0) {
    return Fail("AuthorizationHeaderMalformed",
                "The authorization header is malformed; Invalid credential date. Date is not the "
                "same as X-Amz-Date.");
  }
  auto content_sha = net::FindHeader(headers, kContentSha256);
  if (!content_sha) {
    return Fail("InvalidRequest", "Missing required header for this request: x-amz-content-sha256");
  }
  return ClassifyPayload(Trim(*content_sha), req);
}

std::optional<std::string_view> QueryParam(
    const std::vector<std::pair<std::string, std::string>>& params, std::string_view key) {
  for (const auto& [k, v] : params) {
    if (k == key) return std::string_view(v);
  }
  return std::nullopt;
}

AuthFailure QueryError(std::string message) {
  return Fail("AuthorizationQueryParametersError", std::move(message));
}

// Parses X-Amz-Expires into `req`.
std::optional<AuthFailure> ParseExpires(std::string_view expires, const SigV4Options& options,
                                        SignedRequest* req) {
  bool negative = !expires.empty() && expires.front() == '-';
  std::string_view digits = negative ? expires.substr(1) : expires;
  if (!IsDigits(digits) || digits.size() > 12) {
    return QueryError("X-Amz-Expires should be a number");
  }
  if (negative) return QueryError("X-Amz-Expires must be non-negative");
  req->expires = ToInt(digits);
  if (req->expires > options.max_presign_expires) {
    if (options.max_presign_expires == 7 * 24 * 3600) {
      return QueryError("X-Amz-Expires must be less than a week (in seconds) that is 604800");
    }
    return QueryError("X-Amz-Expires must be at most " +
                      std::to_string(options.max_presign_expires) + " seconds");
  }
  return std::nullopt;
}

// Parses the presigned query form into `req`.
std::optional<AuthFailure> ParseQueryAuth(
    const std::vector<std::pair<std::string, std::string>>& params, const net::HttpHeaders& headers,
    const SigV4Options& options, SignedRequest* req) {
  req->presigned = true;
  auto algorithm = QueryParam(params, "X-Amz-Algorithm");
  auto credential = QueryParam(params, "X-Amz-Credential");
  auto signature = QueryParam(params, "X-Amz-Signature");
  auto date = QueryParam(params, "X-Amz-Date");
  auto signed_headers = QueryParam(params, "X-Amz-SignedHeaders");
  auto expires = QueryParam(params, "X-Amz-Expires");
  if (!algorithm && !credential && !signature) return UnsupportedMechanism();  // SigV2 query
  if (!algorithm || !credential || !signature || !date || !signed_headers || !expires) {
    return QueryError(
        "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, "
        "X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.");
  }
  if (*algorithm != kAlgorithm) {
    return QueryError("X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"");
  }
  if (auto f = ParseCredential(*credential, options, req)) return f;
  auto t = ParseAmzDate(*date);
  if (!t) {
    return QueryError("X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"");
  }
  req->request_time = *t;
  req->amz_date = std::string(*date);
  if (req->amz_date.compare(0, 8, req->credential_date) != 0) {
    return QueryError("Invalid credential date \"" + req->credential_date +
                      "\". This date is not the same as X-Amz-Date: \"" +
                      req->amz_date.substr(0, 8) + "\".");
  }
  if (auto f = ParseExpires(*expires, options, req)) return f;
  req->signed_headers = ParseSignedHeaders(*signed_headers);
  req->signature = std::string(*signature);
  // A presigned request signs its payload only when the sender adds x-amz-content-sha256.
  if (auto content_sha = net::FindHeader(headers, kContentSha256)) {
    return ClassifyPayload(Trim(*content_sha), req);
  }
  req->payload_hash = std::string(kUnsignedPayload);
  req->payload = PayloadMode::kUnsigned;
  return std::nullopt;
}

// S3 refuses requests whose host, or any x-amz-* header but x-amz-content-sha256, is unsigned.
std::optional<AuthFailure> CheckHeadersSigned(const SignedRequest& req,
                                              const net::HttpHeaders& headers) {
  auto is_signed = [&](std::string_view name) {
    return std::find(req.signed_headers.begin(), req.signed_headers.end(), name) !=
           req.signed_headers.end();
  };
  std::vector<std::string> unsigned_headers;
  if (!is_signed("host")) unsigned_headers.push_back("host");
  for (const auto& [k, v] : headers) {
    std::string name = ToLower(k);
    if (name.rfind("x-amz-", 0) != 0 || name == kContentSha256 || is_signed(name)) continue;
    if (std::find(unsigned_headers.begin(), unsigned_headers.end(), name) ==
        unsigned_headers.end()) {
      unsigned_headers.push_back(name);
    }
  }
  if (unsigned_headers.empty()) return std::nullopt;
  std::string list;
  for (const std::string& n : unsigned_headers) list += (list.empty() ? "" : ", ") + n;
  return Fail("AccessDenied", "There were headers present in the request which were not signed",
              {{"HeadersNotSigned", list}});
}

std::optional<AuthFailure> CheckTime(const SignedRequest& req, int64_t now,
                                     const SigV4Options& options) {
  if (req.presigned) {
    if (req.request_time - now > options.max_skew_seconds) {
      return Fail("AccessDenied", "Request is not valid yet");
    }
    if (now > req.request_time + req.expires) {
      return Fail("AccessDenied", "Request has expired",
                  {{"X-Amz-Expires", std::to_string(req.expires)},
                   {"Expires", FormatIsoExtended(req.request_time + req.expires)},
                   {"ServerTime", FormatIsoExtended(now)}});
    }
    return std::nullopt;
  }
  int64_t skew = now > req.request_time ? now - req.request_time : req.request_time - now;
  if (skew > options.max_skew_seconds) {
    return Fail("RequestTimeTooSkewed",
                "The difference between the request time and the current time is too large.",
                {{"RequestTime", req.amz_date},
                 {"ServerTime", FormatIsoExtended(now)},
                 {"MaxAllowedSkewMilliseconds", std::to_string(options.max_skew_seconds * 1000)}});
  }
  return std::nullopt;
}

bool SignatureEquals(std::string_view expected_hex, std::string_view provided) {
  return ConstantTimeEquals(expected_hex, ToLower(provided));
}

// Recomputes the signature of `req` and compares it, trying the legacy reading of '+' in the query
// when the standard one fails.
std::optional<AuthFailure> CheckSignature(std::string_view method, std::string_view path,
                                          std::string_view query, const net::HttpHeaders& headers,
                                          const SignedRequest& req, const std::string& key) {
  const std::string scope = Scope(req.credential_date, req.region);
  const std::string uri = CanonicalUri(path);
  const std::string canonical_headers = CanonicalHeaders(req.signed_headers, headers);
  const std::string signed_list = JoinSigned(req.signed_headers);
  std::string first_creq, first_sts;
  for (bool plus_is_space : {true, false}) {
    if (!plus_is_space && query.find('+') == std::string_view::npos) break;
    std::string creq =
        CanonicalRequest(method, uri, CanonicalQuery(query, req.presigned, plus_is_space),
                         canonical_headers, signed_list, req.payload_hash);
    std::string sts = StringToSign(req.amz_date, scope, creq);
    if (SignatureEquals(Hex(HmacSha256(key, sts)), req.signature)) return std::nullopt;
    if (plus_is_space) {
      first_creq = std::move(creq);
      first_sts = std::move(sts);
    }
  }
  return Fail("SignatureDoesNotMatch",
              "The request signature we calculated does not match the signature you provided. "
              "Check your key and signing method.",
              {{"AWSAccessKeyId", req.access_key},
               {"StringToSign", first_sts},
               {"SignatureProvided", req.signature},
               {"CanonicalRequest", first_creq}});
}

bool HasQueryAuth(const std::vector<std::pair<std::string, std::string>>& params) {
  for (const auto& [k, v] : params) {
    if (k == "X-Amz-Algorithm" || k == "X-Amz-Credential" || k == "X-Amz-Signature" ||
        k == "AWSAccessKeyId" || k == "Signature") {
      return true;
    }
  }
  return false;
}

}  // namespace

// ---- Public building blocks ----

std::string UriEncode(std::string_view data, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(data.size() + data.size() / 2);
  for (char ch : data) {
    unsigned char c = static_cast<unsigned char>(ch);
    bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '.' || c == '_' || c == '~' || (keep_slash && c == '/');
    if (unreserved) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string CanonicalUri(std::string_view raw_path) {
  if (raw_path.empty()) return "/";
  return UriEncode(PercentDecode(raw_path, /*plus_is_space=*/false), /*keep_slash=*/true);
}

std::string CanonicalQuery(std::string_view raw_query, bool drop_signature, bool plus_is_space) {
  std::vector<std::pair<std::string, std::string>> params;
  if (!raw_query.empty()) {
    for (std::string_view piece : Split(raw_query, '&')) {
      if (piece.empty()) continue;
      size_t eq = piece.find('=');
      std::string key = PercentDecode(piece.substr(0, eq), plus_is_space);
      std::string value =
          eq == std::string_view::npos ? "" : PercentDecode(piece.substr(eq + 1), plus_is_space);
      if (drop_signature && key == "X-Amz-Signature") continue;
      params.emplace_back(UriEncode(key, false), UriEncode(value, false));
    }
  }
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& [k, v] : params) {
    if (!out.empty()) out.push_back('&');
    out.append(k).push_back('=');
    out.append(v);
  }
  return out;
}

std::string HmacSha256(std::string_view key, std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), md, &md_len);
  return std::string(reinterpret_cast<const char*>(md), md_len);
}

std::string Sha256Hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  EVP_Digest(data.data(), data.size(), md, &md_len, EVP_sha256(), nullptr);
  return HexEncode(ByteSpan(md, md_len));
}

std::string DeriveSigningKey(std::string_view secret, std::string_view date,
                             std::string_view region, std::string_view service) {
  std::string k_secret = "AWS4";
  k_secret.append(secret);
  std::string k_date = HmacSha256(k_secret, date);
  std::string k_region = HmacSha256(k_date, region);
  std::string k_service = HmacSha256(k_region, service);
  OPENSSL_cleanse(k_secret.data(), k_secret.size());
  return HmacSha256(k_service, kTerminal);
}

std::string FormatAmzDate(int64_t unix_seconds) {
  Civil c = CivilFromUnix(unix_seconds);
  char buf[128];
  std::snprintf(buf, sizeof(buf), "%04lld%02lld%02lldT%02lld%02lld%02lldZ",
                static_cast<long long>(c.year), static_cast<long long>(c.month),
                static_cast<long long>(c.day), static_cast<long long>(c.hour),
                static_cast<long long>(c.minute), static_cast<long long>(c.second));
  return buf;
}

std::optional<int64_t> ParseAmzDate(std::string_view s) {
  if (s.size() != 16 || s[8] != 'T' || s[15] != 'Z' || !IsDigits(s.substr(0, 8)) ||
      !IsDigits(s.substr(9, 6))) {
    return std::nullopt;
  }
  return UnixFromCivil(Civil{ToInt(s.substr(0, 4)), ToInt(s.substr(4, 2)), ToInt(s.substr(6, 2)),
                             ToInt(s.substr(9, 2)), ToInt(s.substr(11, 2)),
                             ToInt(s.substr(13, 2))});
}

// ---- Verification ----

bool IsAnonymous(std::string_view query, const net::HttpHeaders& headers) {
  if (net::FindHeader(headers, "authorization")) return false;
  return !HasQueryAuth(ParseQuery(query));
}

std::variant<AuthResult, AuthFailure> VerifySigV4(std::string_view method, std::string_view path,
                                                  std::string_view query,
                                                  const net::HttpHeaders& headers,
                                                  const SecretLookup& secrets, int64_t now_unix,
                                                  const SigV4Options& options) {
  const auto params = ParseQuery(query);
  const auto authorization = net::FindHeader(headers, "authorization");
  SignedRequest req;
  if (authorization && HasQueryAuth(params)) return OneAuthMechanismOnly();
  if (authorization) {
    if (auto f = ParseHeaderAuth(*authorization, headers, options, &req)) return *f;
  } else {
    if (auto f = ParseQueryAuth(params, headers, options, &req)) return *f;
  }
  if (auto f = CheckHeadersSigned(req, headers)) return *f;
  std::optional<std::string> secret = secrets ? secrets(req.access_key) : std::nullopt;
  if (!secret) {
    return Fail("InvalidAccessKeyId",
                "The AWS Access Key Id you provided does not exist in our records.",
                {{"AWSAccessKeyId", req.access_key}});
  }
  if (auto f = CheckTime(req, now_unix, options)) return *f;
  std::string key = DeriveSigningKey(*secret, req.credential_date, req.region, kService);
  OPENSSL_cleanse(secret->data(), secret->size());
  if (auto f = CheckSignature(method, path, query, headers, req, key)) return *f;

  AuthResult result;
  result.access_key = req.access_key;
  result.presigned = req.presigned;
  result.payload = req.payload;
  if (req.payload == PayloadMode::kSignedSha256) result.payload_sha256 = ToLower(req.payload_hash);
  result.request_time = req.request_time;
  result.streaming.signing_key = std::move(key);
  result.streaming.amz_date = req.amz_date;
  result.streaming.scope = Scope(req.credential_date, req.region);
  result.streaming.seed_signature = ToLower(req.signature);
  return result;
}

// ---- Signing ----

std::string PresignQuery(std::string_view method, std::string_view host, std::string_view path,
                         std::string_view access_key, std::string_view secret,
                         std::string_view region, int64_t now_unix, int64_t expires_seconds,
                         std::string_view extra_query) {
  const std::string amz_date = FormatAmzDate(now_unix);
  const std::string date = amz_date.substr(0, 8);
  const std::string scope = Scope(date, region);
  std::string query(extra_query);
  if (!query.empty()) query.push_back('&');
  query.append("X-Amz-Algorithm=").append(kAlgorithm);
  query.append("&X-Amz-Credential=")
      .append(UriEncode(std::string(access_key) + "/" + scope, false));
  query.append("&X-Amz-Date=").append(amz_date);
  query.append("&X-Amz-Expires=").append(std::to_string(expires_seconds));
  query.append("&X-Amz-SignedHeaders=host");
  const std::string creq =
      CanonicalRequest(method, CanonicalUri(path), CanonicalQuery(query, false),
                       "host:" + TrimAll(host) + "\n", "host", kUnsignedPayload);
  const std::string key = DeriveSigningKey(secret, date, region, kService);
  query.append("&X-Amz-Signature=")
      .append(Hex(HmacSha256(key, StringToSign(amz_date, scope, creq))));
  return query;
}

std::string SignAuthorization(std::string_view method, std::string_view path,
                              std::string_view query, const net::HttpHeaders& headers,
                              std::string_view access_key, std::string_view secret,
                              std::string_view region) {
  std::vector<std::string> names;
  for (const auto& [k, v] : headers) names.push_back(ToLower(k));
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  std::string amz_date(Trim(net::FindHeader(headers, "x-amz-date").value_or("")));
  if (amz_date.empty()) {
    auto t = ParseHttpDate(Trim(net::FindHeader(headers, "date").value_or("")));
    amz_date = FormatAmzDate(static_cast<int64_t>(t.value_or(0) / 1000000));
  }
  const std::string payload(Trim(net::FindHeader(headers, kContentSha256).value_or("")));
  const std::string date = amz_date.substr(0, 8);
  const std::string scope = Scope(date, region);
  const std::string creq =
      CanonicalRequest(method, CanonicalUri(path), CanonicalQuery(query, false),
                       CanonicalHeaders(names, headers), JoinSigned(names), payload);
  const std::string key = DeriveSigningKey(secret, date, region, kService);
  return std::string(kAlgorithm) + " Credential=" + std::string(access_key) + "/" + scope +
         ", SignedHeaders=" + JoinSigned(names) +
         ", Signature=" + Hex(HmacSha256(key, StringToSign(amz_date, scope, creq)));
}

}  // namespace cairn::s3
