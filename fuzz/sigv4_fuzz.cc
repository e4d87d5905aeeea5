// Fuzzes SigV4 verification (faces/s3/sigv4.h) and the URL, date and token helpers the S3 face
// runs on raw request text (faces/s3/s3_xml.h).
//
// Input layout (see fuzz/corpus/sigv4/ for examples):
//   byte 0   bits 0-1: 0 or 3 verify the request as given; 1 sign it first with
//            SignAuthorization (when it has host, x-amz-date or date, and x-amz-content-sha256);
//            2 presign it first with PresignQuery (when it has host), the query kept as extra
//            parameters. bit 2: SigV4Options::region empty (any region).
//   then lines ending in '\n': method, path, query, then "name:value" headers up to an empty
//   line; the rest is the body (only given to PayloadVerifier).
//
// Nothing here may crash, and any verdict is fine: the input almost never carries a valid
// signature unless the harness signs it. Checked: failures use only the codes the header lists,
// success names the one known access key, and the helpers' round trips hold.
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "core/bytes.h"
#include "faces/s3/aws_chunked.h"
#include "faces/s3/s3_xml.h"
#include "faces/s3/sigv2.h"
#include "faces/s3/sigv4.h"
#include "net/http.h"

namespace {

namespace s3 = cairn::s3;

#define FUZZ_CHECK(cond)           \
  do {                             \
    if (!(cond)) __builtin_trap(); \
  } while (0)

// The AWS documentation's example credentials; the clock is their example date.
constexpr std::string_view kAccessKey = "AKIAIOSFODNN7EXAMPLE";
constexpr std::string_view kSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
constexpr int64_t kNow = 1369353600;  // 2013-05-24T00:00:00Z

struct Request {
  std::string method;
  std::string path;
  std::string query;
  cairn::net::HttpHeaders headers;
  std::string body;
};

// Takes the next line (without its '\n') off `rest`; the whole rest when it has no '\n'.
std::string_view NextLine(std::string_view* rest) {
  const size_t nl = rest->find('\n');
  std::string_view line = rest->substr(0, nl);
  rest->remove_prefix(nl == std::string_view::npos ? rest->size() : nl + 1);
  return line;
}

Request ParseInput(std::string_view text) {
  Request r;
  r.method = NextLine(&text);
  r.path = NextLine(&text);
  r.query = NextLine(&text);
  while (!text.empty()) {
    std::string_view line = NextLine(&text);
    if (line.empty()) break;
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) {
      r.headers.emplace_back(std::string(line), "");
    } else {
      r.headers.emplace_back(std::string(line.substr(0, colon)),
                             std::string(line.substr(colon + 1)));
    }
  }
  r.body = text;
  return r;
}

void RemoveHeader(cairn::net::HttpHeaders* headers, std::string_view name) {
  std::erase_if(*headers, [&](const auto& h) {
    if (h.first.size() != name.size()) return false;
    for (size_t i = 0; i < name.size(); ++i) {
      char c = h.first[i];
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      if (c != name[i]) return false;
    }
    return true;
  });
}

bool IsUnreserved(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

bool IsUpperHex(char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'); }

// Every byte is unreserved, one of `also`, or part of a %XX escape with upper-case hex.
bool WellEncoded(std::string_view s, std::string_view also) {
  for (size_t i = 0; i < s.size(); ++i) {
    if (IsUnreserved(s[i]) || also.find(s[i]) != std::string_view::npos) continue;
    if (s[i] != '%' || i + 2 >= s.size() || !IsUpperHex(s[i + 1]) || !IsUpperHex(s[i + 2])) {
      return false;
    }
    i += 2;
  }
  return true;
}

bool OneOf(const std::string& code, std::initializer_list<std::string_view> codes) {
  for (std::string_view c : codes) {
    if (code == c) return true;
  }
  return false;
}

// The helpers that see raw request text, with the round trips they promise.
void Helpers(std::string_view s) {
  FUZZ_CHECK(WellEncoded(s3::CanonicalUri(s), "/"));
  FUZZ_CHECK(WellEncoded(s3::CanonicalQuery(s, false), "=&"));
  FUZZ_CHECK(WellEncoded(s3::CanonicalQuery(s, true, false), "=&"));
  FUZZ_CHECK(WellEncoded(s3::UriEncode(s, false), ""));
  FUZZ_CHECK(s3::UriEncode(s, true) == s3::UrlEncodeS3(s, true));

  for (bool plus_as_space : {false, true}) {
    if (auto decoded = s3::UrlDecode(s, plus_as_space)) {
      FUZZ_CHECK(s3::UrlDecode(s3::UrlEncodeS3(*decoded, false), plus_as_space) == decoded);
    }
  }

  if (auto micros = s3::ParseHttpDate(s)) {
    FUZZ_CHECK(s3::ParseHttpDate(s3::FormatHttpDate(*micros)) == micros);
  }
  (void)s3::ParseHttpDate(s, uint64_t{kNow} * 1000000);
  if (auto t = s3::ParseAmzDate(s)) FUZZ_CHECK(s3::ParseAmzDate(s3::FormatAmzDate(*t)) == t);

  (void)s3::DecodeContinuationToken(s);
  if (s3::IsValidUtf8(s)) {
    auto back = s3::DecodeContinuationToken(s3::EncodeContinuationToken(s));
    FUZZ_CHECK(back.ok() && *back == s);
  }
}

void Verify(Request r, uint8_t flags) {
  const auto secrets = [](std::string_view access_key) -> std::optional<std::string> {
    if (access_key == kAccessKey) return std::string(kSecret);
    return std::nullopt;
  };
  s3::SigV4Options options;
  if (flags & 4) options.region.clear();

  const auto host = cairn::net::FindHeader(r.headers, "host");
  switch (flags & 3) {
    case 1:
      if (host && cairn::net::FindHeader(r.headers, "x-amz-content-sha256") &&
          (cairn::net::FindHeader(r.headers, "x-amz-date") ||
           cairn::net::FindHeader(r.headers, "date"))) {
        RemoveHeader(&r.headers, "authorization");
        std::string auth = s3::SignAuthorization(r.method, r.path, r.query, r.headers, kAccessKey,
                                                 kSecret, "us-east-1");
        r.headers.emplace_back("Authorization", std::move(auth));
      }
      break;
    case 2:
      if (host) {
        RemoveHeader(&r.headers, "authorization");
        r.query = s3::PresignQuery(r.method, *host, r.path, kAccessKey, kSecret, "us-east-1", kNow,
                                   3600, r.query);
      }
      break;
    default:
      break;
  }

  s3::AuthResult auth;
  if (s3::IsSigV2(r.query, r.headers)) {
    // Signature V2 (what S3Face::Dispatch routes there), with and without a virtual-host bucket.
    for (std::string_view host_bucket : {std::string_view(), std::string_view("bkt")}) {
      auto v2 = s3::VerifySigV2(r.method, r.path, r.query, r.headers, host_bucket, secrets, kNow,
                                options);
      if (auto* ok = std::get_if<s3::AuthResult>(&v2)) FUZZ_CHECK(ok->access_key == kAccessKey);
    }
  } else if (!s3::IsAnonymous(r.query, r.headers)) {
    auto result = s3::VerifySigV4(r.method, r.path, r.query, r.headers, secrets, kNow, options);
    if (auto* failure = std::get_if<s3::AuthFailure>(&result)) {
      FUZZ_CHECK(OneOf(failure->code,
                       {"InvalidRequest", "InvalidArgument", "AuthorizationHeaderMalformed",
                        "AuthorizationQueryParametersError", "AccessDenied", "InvalidAccessKeyId",
                        "RequestTimeTooSkewed", "SignatureDoesNotMatch", "NotImplemented"}));
    } else {
      auth = std::get<s3::AuthResult>(std::move(result));
      FUZZ_CHECK(auth.access_key == kAccessKey);
      FUZZ_CHECK(auth.streaming.signing_key.size() == 32);
    }
  }

  // The body checks read Content-MD5 and x-amz-checksum-* from the same headers.
  auto verifier = s3::PayloadVerifier::Make(r.headers, auth);
  if (auto* v = std::get_if<s3::PayloadVerifier>(&verifier)) {
    v->Update(cairn::AsBytes(r.body));
    (void)v->Finish();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  Request r = ParseInput(text);
  Helpers(r.path);
  Helpers(r.query);
  for (const auto& [name, value] : r.headers) Helpers(value);
  Verify(std::move(r), data[0]);
  return 0;
}
