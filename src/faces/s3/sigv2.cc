#include "faces/s3/sigv2.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <initializer_list>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "faces/s3/aws_chunked.h"
#include "faces/s3/internal/sig_common.h"
#include "faces/s3/s3_xml.h"

namespace cairn::s3 {
namespace {

using sig_internal::ConstantTimeEquals;
using sig_internal::EqualsIgnoreCase;
using sig_internal::Fail;
using sig_internal::FormatIsoExtended;
using sig_internal::IsDigits;
using sig_internal::IsSpace;
using sig_internal::NoValidDate;
using sig_internal::OneAuthMechanismOnly;
using sig_internal::PercentDecode;
using sig_internal::Split;
using sig_internal::ToInt;
using sig_internal::ToLower;
using sig_internal::Trim;

// The query parameters that belong to CanonicalizedResource: the S3 documentation's list (acl ...
// website, delete, the response-* overrides) plus those the SDKs also sign (botocore's
// QSAOfInterest, the Java SDK's SIGNED_PARAMETERS, minio's resourceList). A parameter the client
// signs and we leave out (or the reverse) is a SignatureDoesNotMatch, so the union is the safe set.
constexpr std::string_view kSubResources[] = {
    "accelerate",
    "acl",
    "analytics",
    "cors",
    "defaultObjectAcl",
    "delete",
    "encryption",
    "intelligent-tiering",
    "inventory",
    "legal-hold",
    "lifecycle",
    "location",
    "logging",
    "metrics",
    "notification",
    "object-lock",
    "ownershipControls",
    "partNumber",
    "policy",
    "replication",
    "requestPayment",
    "response-cache-control",
    "response-content-disposition",
    "response-content-encoding",
    "response-content-language",
    "response-content-type",
    "response-expires",
    "restore",
    "retention",
    "select",
    "select-type",
    "storageClass",
    "tagging",
    "torrent",
    "uploadId",
    "uploads",
    "versionId",
    "versioning",
    "versions",
    "website",
};

bool IsSubResource(std::string_view name) {
  return std::find(std::begin(kSubResources), std::end(kSubResources), name) !=
         std::end(kSubResources);
}

bool IsAmzName(std::string_view name) {
  return name.size() >= 6 && EqualsIgnoreCase(name.substr(0, 6), "x-amz-");
}

// One query parameter: the name decoded, the value decoded ('+' stays '+', as botocore signs it)
// and whether a '=' was sent ("acl" and "acl=" canonicalise differently).
struct QueryParam {
  std::string name;
  std::string value;
  bool has_value = false;
};

std::vector<QueryParam> ParseV2Query(std::string_view raw_query) {
  std::vector<QueryParam> out;
  if (raw_query.empty()) return out;
  for (std::string_view piece : Split(raw_query, '&')) {
    if (piece.empty()) continue;
    size_t eq = piece.find('=');
    QueryParam p;
    p.name = PercentDecode(piece.substr(0, eq), /*plus_is_space=*/false);
    if (eq != std::string_view::npos) {
      p.value = PercentDecode(piece.substr(eq + 1), /*plus_is_space=*/false);
      p.has_value = true;
    }
    out.push_back(std::move(p));
  }
  return out;
}

const QueryParam* FindParam(const std::vector<QueryParam>& params, std::string_view name) {
  for (const QueryParam& p : params) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

bool HasAnyParam(const std::vector<QueryParam>& params,
                 std::initializer_list<std::string_view> names) {
  for (std::string_view n : names) {
    if (FindParam(params, n) != nullptr) return true;
  }
  return false;
}

// A header value as V2 signs it: trimmed, and line folding (CR/LF with the whitespace around it)
// replaced by one space.
std::string Unfold(std::string_view value) {
  value = Trim(value);
  std::string out;
  out.reserve(value.size());
  for (size_t i = 0; i < value.size(); ++i) {
    char c = value[i];
    if (c != '\r' && c != '\n') {
      out.push_back(c);
      continue;
    }
    while (!out.empty() && IsSpace(out.back())) out.pop_back();
    while (i + 1 < value.size() &&
           (value[i + 1] == '\r' || value[i + 1] == '\n' || IsSpace(value[i + 1]))) {
      ++i;
    }
    out.push_back(' ');
  }
  return out;
}

// "name:value\n" for every x-amz-* header (and, for query auth, x-amz-* query parameter), sorted
// by lower-cased name, repeated names joined with ',' in request order (headers first).
std::string CanonicalAmzHeaders(const net::HttpHeaders& headers,
                                const std::vector<QueryParam>* query_headers) {
  std::vector<std::pair<std::string, std::string>> amz;  // stable-sorted by name below
  for (const auto& [k, v] : headers) {
    if (IsAmzName(k)) amz.emplace_back(ToLower(k), Unfold(v));
  }
  if (query_headers != nullptr) {
    for (const QueryParam& p : *query_headers) {
      if (IsAmzName(p.name)) amz.emplace_back(ToLower(p.name), Unfold(p.value));
    }
  }
  std::stable_sort(amz.begin(), amz.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string out;
  for (size_t i = 0; i < amz.size(); ++i) {
    if (i > 0 && amz[i].first == amz[i - 1].first) {
      out.back() = ',';  // replaces the '\n' of the previous value
    } else {
      out.append(amz[i].first).push_back(':');
    }
    out.append(amz[i].second).push_back('\n');
  }
  return out;
}

// The sub-resource part of CanonicalizedResource: "" or "?name[=value]&...".
std::string CanonicalSubResources(const std::vector<QueryParam>& params) {
  std::vector<const QueryParam*> subs;
  for (const QueryParam& p : params) {
    if (IsSubResource(p.name)) subs.push_back(&p);
  }
  std::stable_sort(subs.begin(), subs.end(),
                   [](const QueryParam* a, const QueryParam* b) { return a->name < b->name; });
  std::string out;
  for (size_t i = 0; i < subs.size(); ++i) {
    out.push_back(i == 0 ? '?' : '&');
    out.append(subs[i]->name);
    if (subs[i]->has_value) out.append("=").append(subs[i]->value);
  }
  return out;
}

// The CanonicalizedResource readings to try, preferred first. A path-style request for a bucket
// alone ("/bkt") is signed as "/bkt/" by botocore (its authPath), the Java SDK and s3cmd, which is
// what S3 accepts; the literal "/bkt" of the documentation's rule is the second reading. Both name
// the same bucket, so accepting either widens nothing.
std::vector<std::string> CanonicalResources(std::string_view path,
                                            const std::vector<QueryParam>& params,
                                            std::string_view bucket_from_host) {
  if (path.empty()) path = "/";
  const std::string subs = CanonicalSubResources(params);
  std::string literal;
  if (!bucket_from_host.empty()) literal.append("/").append(bucket_from_host);
  literal.append(path);
  if (bucket_from_host.empty() && path.size() > 1 && path.find('/', 1) == std::string_view::npos) {
    return {std::string(path) + "/" + subs, literal + subs};
  }
  return {literal + subs};
}

std::string HeaderValue(const net::HttpHeaders& headers, std::string_view name) {
  return std::string(Trim(net::FindHeader(headers, name).value_or("")));
}

// Date / x-amz-date: any HTTP-date form, the RFC 1123 form with a numeric zone that S3's own
// examples use ("Tue, 27 Mar 2007 19:36:42 +0000"), or ISO 8601 basic (20130524T000000Z).
std::optional<int64_t> ParseRequestDate(std::string_view s) {
  s = Trim(s);
  if (auto t = ParseHttpDate(s)) return static_cast<int64_t>(*t / 1000000);
  const size_t n = s.size();
  if (n > 6 && s[n - 6] == ' ' && (s[n - 5] == '+' || s[n - 5] == '-') &&
      IsDigits(s.substr(n - 4))) {
    const int64_t hours = ToInt(s.substr(n - 4, 2));
    const int64_t minutes = ToInt(s.substr(n - 2, 2));
    if (hours > 23 || minutes > 59) return std::nullopt;
    auto t = ParseHttpDate(std::string(s.substr(0, n - 5)) + "GMT");
    if (!t) return std::nullopt;
    const int64_t offset = (hours * 3600 + minutes * 60) * (s[n - 5] == '+' ? 1 : -1);
    return static_cast<int64_t>(*t / 1000000) - offset;
  }
  return ParseAmzDate(s);
}

// Everything parsed out of the Authorization header or the query, before the secret is looked up.
struct SignedRequest {
  bool presigned = false;
  std::string access_key;
  std::string signature;   // base64, as provided (query: URL-decoded)
  std::string date_field;  // the StringToSign's Date position
  std::string raw_date;    // the date as sent (error details)
  int64_t request_time = 0;
};

std::optional<AuthFailure> ParseHeaderAuth(std::string_view authorization,
                                           const net::HttpHeaders& headers, SignedRequest* req) {
  std::string_view value = Trim(authorization);
  auto invalid = [&] {
    return Fail("InvalidArgument",
                "AWS authorization header is invalid.  Expected AwsAccessKeyId:signature",
                {{"ArgumentName", "Authorization"}, {"ArgumentValue", std::string(authorization)}});
  };
  if (!value.starts_with("AWS ")) {
    if (value == "AWS") return invalid();
    return Fail("InvalidArgument", "Unsupported Authorization Type",
                {{"ArgumentName", "Authorization"},
                 {"ArgumentValue", std::string(value.substr(0, value.find(' ')))}});
  }
  std::string_view credentials = Trim(value.substr(4));
  size_t colon = credentials.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == credentials.size()) {
    return invalid();
  }
  req->access_key = std::string(credentials.substr(0, colon));
  req->signature = std::string(credentials.substr(colon + 1));

  // x-amz-date wins over Date, and then leaves the Date position empty (it is signed among the
  // amz headers instead).
  if (auto amz = net::FindHeader(headers, "x-amz-date")) {
    req->raw_date = std::string(Trim(*amz));
  } else if (auto date = net::FindHeader(headers, "date")) {
    req->raw_date = std::string(Trim(*date));
    req->date_field = req->raw_date;
  } else {
    return NoValidDate();
  }
  auto t = ParseRequestDate(req->raw_date);
  if (!t) return NoValidDate();
  req->request_time = *t;
  return std::nullopt;
}

std::optional<AuthFailure> ParseQueryAuth(const std::vector<QueryParam>& params,
                                          SignedRequest* req) {
  req->presigned = true;
  const QueryParam* access_key = FindParam(params, "AWSAccessKeyId");
  const QueryParam* signature = FindParam(params, "Signature");
  const QueryParam* expires = FindParam(params, "Expires");
  if (access_key == nullptr || signature == nullptr || expires == nullptr ||
      access_key->value.empty() || signature->value.empty()) {
    return Fail("AccessDenied",
                "Query-string authentication requires the Signature, Expires and AWSAccessKeyId "
                "parameters");
  }
  if (!IsDigits(expires->value) || expires->value.size() > 15) {
    return Fail("AccessDenied", "Invalid date (should be seconds since epoch): " + expires->value);
  }
  req->access_key = access_key->value;
  req->signature = signature->value;
  req->date_field = expires->value;
  req->raw_date = expires->value;
  req->request_time = ToInt(expires->value);
  return std::nullopt;
}

std::optional<AuthFailure> CheckTime(const SignedRequest& req, int64_t now,
                                     const SigV4Options& options) {
  if (req.presigned) {
    if (now > req.request_time) {
      return Fail("AccessDenied", "Request has expired",
                  {{"Expires", FormatIsoExtended(req.request_time)},
                   {"ServerTime", FormatIsoExtended(now)}});
    }
    return std::nullopt;
  }
  int64_t skew = now > req.request_time ? now - req.request_time : req.request_time - now;
  if (skew > options.max_skew_seconds) {
    return Fail("RequestTimeTooSkewed",
                "The difference between the request time and the current time is too large.",
                {{"RequestTime", req.raw_date},
                 {"ServerTime", FormatIsoExtended(now)},
                 {"MaxAllowedSkewMilliseconds", std::to_string(options.max_skew_seconds * 1000)}});
  }
  return std::nullopt;
}

std::string StringToSign(std::string_view method, const net::HttpHeaders& headers,
                         std::string_view date_field, std::string_view amz_headers,
                         std::string_view resource) {
  std::string out;
  out.append(method).push_back('\n');
  out.append(HeaderValue(headers, "content-md5")).push_back('\n');
  out.append(HeaderValue(headers, "content-type")).push_back('\n');
  out.append(date_field).push_back('\n');
  out.append(amz_headers);
  out.append(resource);
  return out;
}

std::string HmacSha1Base64(std::string_view key, std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  HMAC(EVP_sha1(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), md, &md_len);
  return Base64Encode(std::string_view(reinterpret_cast<const char*>(md), md_len));
}

// "47 45 54 0a ...", as S3 writes StringToSignBytes.
std::string SpacedHex(std::string_view data) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(data.size() * 3);
  for (char ch : data) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (!out.empty()) out.push_back(' ');
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

}  // namespace

bool IsSigV2(std::string_view query, const net::HttpHeaders& headers) {
  if (auto authorization = net::FindHeader(headers, "authorization")) {
    std::string_view value = Trim(*authorization);
    return value == "AWS" || value.starts_with("AWS ");
  }
  const auto params = ParseV2Query(query);
  return HasAnyParam(params, {"AWSAccessKeyId", "Signature"}) &&
         !HasAnyParam(params, {"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature"});
}

std::variant<AuthResult, AuthFailure> VerifySigV2(std::string_view method, std::string_view path,
                                                  std::string_view query,
                                                  const net::HttpHeaders& headers,
                                                  std::string_view bucket_from_host,
                                                  const SecretLookup& secrets, int64_t now_unix,
                                                  const SigV4Options& options) {
  const auto params = ParseV2Query(query);
  const auto authorization = net::FindHeader(headers, "authorization");
  SignedRequest req;
  if (authorization) {
    if (HasAnyParam(params, {"AWSAccessKeyId", "Signature", "X-Amz-Algorithm", "X-Amz-Credential",
                             "X-Amz-Signature"})) {
      return OneAuthMechanismOnly();
    }
    if (auto f = ParseHeaderAuth(*authorization, headers, &req)) return *f;
  } else {
    if (auto f = ParseQueryAuth(params, &req)) return *f;
  }
  std::optional<std::string> secret = secrets ? secrets(req.access_key) : std::nullopt;
  if (!secret) {
    return Fail("InvalidAccessKeyId",
                "The AWS Access Key Id you provided does not exist in our records.",
                {{"AWSAccessKeyId", req.access_key}});
  }
  if (auto f = CheckTime(req, now_unix, options)) {
    OPENSSL_cleanse(secret->data(), secret->size());
    return *f;
  }
  const std::string amz_headers = CanonicalAmzHeaders(headers, req.presigned ? &params : nullptr);
  std::string first_string_to_sign;
  bool match = false;
  for (const std::string& resource : CanonicalResources(path, params, bucket_from_host)) {
    std::string string_to_sign =
        StringToSign(method, headers, req.date_field, amz_headers, resource);
    match = ConstantTimeEquals(HmacSha1Base64(*secret, string_to_sign), req.signature);
    if (match) break;
    if (first_string_to_sign.empty()) first_string_to_sign = std::move(string_to_sign);
  }
  OPENSSL_cleanse(secret->data(), secret->size());
  if (!match) {
    return Fail("SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided. "
                "Check your key and signing method.",
                {{"AWSAccessKeyId", req.access_key},
                 {"StringToSign", first_string_to_sign},
                 {"SignatureProvided", req.signature},
                 {"StringToSignBytes", SpacedHex(first_string_to_sign)}});
  }
  AuthResult result;
  result.access_key = std::move(req.access_key);
  result.presigned = req.presigned;
  result.payload = PayloadMode::kUnsigned;
  result.request_time = req.request_time;
  return result;
}

}  // namespace cairn::s3
