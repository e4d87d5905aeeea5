#include "faces/s3/sigv2.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cctype>
#include <optional>
#include <string>
#include <vector>

#include "faces/s3/aws_chunked.h"

namespace cairn::s3 {
namespace {

// The credentials of every worked example in the S3 SigV2 documentation ("Signing and
// Authenticating REST Requests"). Its examples were signed for the bucket "johnsmith" (the page
// later renamed it to awsexamplebucket1 without re-signing), so that is the name used here.
constexpr std::string_view kAccessKey = "AKIAIOSFODNN7EXAMPLE";
constexpr std::string_view kSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

SecretLookup ExampleSecrets() {
  return [](std::string_view access_key) -> std::optional<std::string> {
    if (access_key == kAccessKey) return std::string(kSecret);
    return std::nullopt;
  };
}

std::variant<AuthResult, AuthFailure> Verify(std::string_view method, std::string_view path,
                                             std::string_view query,
                                             const net::HttpHeaders& headers,
                                             std::string_view bucket, int64_t now,
                                             const SigV4Options& options = {}) {
  return VerifySigV2(method, path, query, headers, bucket, ExampleSecrets(), now, options);
}

AuthResult ExpectOk(const std::variant<AuthResult, AuthFailure>& v) {
  if (const auto* f = std::get_if<AuthFailure>(&v)) {
    std::string sts;
    for (const auto& [k, d] : f->details) {
      if (k == "StringToSign") sts = d;
    }
    ADD_FAILURE() << "auth failed: " << f->code << ": " << f->message << "\nStringToSign:\n" << sts;
    return AuthResult{};
  }
  return std::get<AuthResult>(v);
}

AuthFailure ExpectFailure(const std::variant<AuthResult, AuthFailure>& v, std::string_view code) {
  if (std::holds_alternative<AuthResult>(v)) {
    ADD_FAILURE() << "expected " << code << ", auth succeeded";
    return AuthFailure{};
  }
  const AuthFailure& f = std::get<AuthFailure>(v);
  EXPECT_EQ(f.code, code) << f.message;
  return f;
}

std::string Detail(const AuthFailure& f, std::string_view name) {
  for (const auto& [k, v] : f.details) {
    if (k == name) return v;
  }
  return "<absent>";
}

// The test's own signer: Base64(HMAC-SHA1(secret, string_to_sign)), written apart from the
// verifier so that the round trips below check the canonicalisation against hand-written
// StringToSigns.
std::string Sign(std::string_view string_to_sign, std::string_view secret = kSecret) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  HMAC(EVP_sha1(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(string_to_sign.data()), string_to_sign.size(), md,
       &md_len);
  return Base64Encode(std::string_view(reinterpret_cast<const char*>(md), md_len));
}

std::string UrlEncodeAll(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char ch : s) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string AuthHeader(std::string_view signature) {
  return "AWS " + std::string(kAccessKey) + ":" + std::string(signature);
}

// ---- The worked examples of the S3 documentation, exact ----

struct DocExample {
  const char* name;
  const char* method;
  const char* path;
  const char* query;
  net::HttpHeaders headers;  // without Authorization
  const char* bucket_from_host;
  int64_t now;
  const char* string_to_sign;
  const char* signature;
};

std::vector<DocExample> DocExamples() {
  return {
      {"Object GET",
       "GET",
       "/photos/puppy.jpg",
       "",
       {{"Host", "johnsmith.s3.amazonaws.com"}, {"Date", "Tue, 27 Mar 2007 19:36:42 +0000"}},
       "johnsmith",
       1175024202,
       "GET\n\n\nTue, 27 Mar 2007 19:36:42 +0000\n/johnsmith/photos/puppy.jpg",
       "bWq2s1WEIj+Ydj0vQ697zp+IXMU="},
      {"Object PUT",
       "PUT",
       "/photos/puppy.jpg",
       "",
       {{"Content-Type", "image/jpeg"},
        {"Content-Length", "94328"},
        {"Host", "johnsmith.s3.amazonaws.com"},
        {"Date", "Tue, 27 Mar 2007 21:15:45 +0000"}},
       "johnsmith",
       1175030145,
       "PUT\n\nimage/jpeg\nTue, 27 Mar 2007 21:15:45 +0000\n/johnsmith/photos/puppy.jpg",
       "MyyxeRY7whkBe+bq8fHCL/2kKUg="},
      {"List",
       "GET",
       "/",
       "prefix=photos&max-keys=50&marker=puppy",
       {{"User-Agent", "Mozilla/5.0"},
        {"Host", "johnsmith.s3.amazonaws.com"},
        {"Date", "Tue, 27 Mar 2007 19:42:41 +0000"}},
       "johnsmith",
       1175024561,
       "GET\n\n\nTue, 27 Mar 2007 19:42:41 +0000\n/johnsmith/",
       "htDYFYduRNen8P9ZfE/s9SuKy0U="},
      {"Fetch",
       "GET",
       "/",
       "acl",
       {{"Host", "johnsmith.s3.amazonaws.com"}, {"Date", "Tue, 27 Mar 2007 19:44:46 +0000"}},
       "johnsmith",
       1175024686,
       "GET\n\n\nTue, 27 Mar 2007 19:44:46 +0000\n/johnsmith/?acl",
       "c2WLPFtWHVgbEmeEG93a4cG37dM="},
      {"Upload",
       "PUT",
       "/db-backup.dat.gz",
       "",
       {{"User-Agent", "curl/7.15.5"},
        {"Host", "static.johnsmith.net:8080"},
        {"Date", "Tue, 27 Mar 2007 21:06:08 +0000"},
        {"x-amz-acl", "public-read"},
        {"content-type", "application/x-download"},
        {"Content-MD5", "4gJE4saaMU4BqNR0kLY+lw=="},
        {"X-Amz-Meta-ReviewedBy", "joe@johnsmith.net"},
        {"X-Amz-Meta-ReviewedBy", "jane@johnsmith.net"},
        {"X-Amz-Meta-FileChecksum", "0x02661779"},
        {"X-Amz-Meta-ChecksumAlgorithm", "crc32"},
        {"Content-Disposition", "attachment; filename=database.dat"},
        {"Content-Encoding", "gzip"},
        {"Content-Length", "5913339"}},
       "static.johnsmith.net",
       1175029568,
       "PUT\n4gJE4saaMU4BqNR0kLY+lw==\napplication/x-download\nTue, 27 Mar 2007 21:06:08 +0000\n"
       "x-amz-acl:public-read\nx-amz-meta-checksumalgorithm:crc32\n"
       "x-amz-meta-filechecksum:0x02661779\n"
       "x-amz-meta-reviewedby:joe@johnsmith.net,jane@johnsmith.net\n"
       "/static.johnsmith.net/db-backup.dat.gz",
       "ilyl83RwaSoYIEdixDQcA4OnAnc="},
      {"List all my buckets",
       "GET",
       "/",
       "",
       {{"Host", "s3.amazonaws.com"}, {"Date", "Wed, 28 Mar 2007 01:29:59 +0000"}},
       "",
       1175045399,
       "GET\n\n\nWed, 28 Mar 2007 01:29:59 +0000\n/",
       "qGdzdERIC03wnaRNKh6OqZehG9s="},
      {"Unicode keys",
       "GET",
       "/dictionary/fran%C3%A7ais/pr%c3%a9f%c3%a8re",
       "",
       {{"Host", "s3.amazonaws.com"}, {"Date", "Wed, 28 Mar 2007 01:49:49 +0000"}},
       "",
       1175046589,
       "GET\n\n\nWed, 28 Mar 2007 01:49:49 +0000\n/dictionary/fran%C3%A7ais/pr%c3%a9f%c3%a8re",
       "DNEZGsoieTZ92F3bUfSPQcbGmlM="},
  };
}

TEST(SigV2DocExamples, HeaderAuthentication) {
  for (const DocExample& ex : DocExamples()) {
    SCOPED_TRACE(ex.name);
    EXPECT_EQ(Sign(ex.string_to_sign), ex.signature);
    net::HttpHeaders headers = ex.headers;
    headers.emplace_back("Authorization", AuthHeader(ex.signature));
    ASSERT_TRUE(IsSigV2(ex.query, headers));
    AuthResult r =
        ExpectOk(Verify(ex.method, ex.path, ex.query, headers, ex.bucket_from_host, ex.now));
    EXPECT_EQ(r.access_key, kAccessKey);
    EXPECT_FALSE(r.presigned);
    EXPECT_EQ(r.payload, PayloadMode::kUnsigned);
    EXPECT_EQ(r.request_time, ex.now);
    // The StringToSign we compute is the documented one, byte for byte.
    headers.back().second = AuthHeader("AAAAAAAAAAAAAAAAAAAAAAAAAAA=");
    AuthFailure f =
        ExpectFailure(Verify(ex.method, ex.path, ex.query, headers, ex.bucket_from_host, ex.now),
                      "SignatureDoesNotMatch");
    EXPECT_EQ(Detail(f, "StringToSign"), ex.string_to_sign);
    EXPECT_EQ(Detail(f, "AWSAccessKeyId"), kAccessKey);
  }
}

// The Delete example sends both Date (21:20:27) and x-amz-date (21:20:26). The page's text says
// that x-amz-date then leaves the Date position empty and is signed among the amz headers (what S3,
// boto and s3cmd do), but the example's StringToSign and signature put the x-amz-date value in the
// Date position with no amz header line: the example contradicts its own rule. We follow the rule,
// and check the example's StringToSign/signature pair with the request it does describe.
TEST(SigV2DocExamples, Delete) {
  constexpr std::string_view kDocStringToSign =
      "DELETE\n\n\nTue, 27 Mar 2007 21:20:26 +0000\n/johnsmith/photos/puppy.jpg";
  constexpr std::string_view kDocSignature = "lx3byBScXR6KzyMaifNkardMwNk=";
  constexpr int64_t kNow = 1175030426;
  EXPECT_EQ(Sign(kDocStringToSign), kDocSignature);
  // The documented pair, from a request dated by Date alone.
  net::HttpHeaders date_only = {{"User-Agent", "dotnet"},
                                {"Host", "s3.amazonaws.com"},
                                {"Date", "Tue, 27 Mar 2007 21:20:26 +0000"},
                                {"Authorization", AuthHeader(kDocSignature)}};
  ExpectOk(Verify("DELETE", "/johnsmith/photos/puppy.jpg", "", date_only, "", kNow));
  // The documented request, signed by the documented rule.
  const std::string rule_sts =
      "DELETE\n\n\n\nx-amz-date:Tue, 27 Mar 2007 21:20:26 +0000\n/johnsmith/photos/puppy.jpg";
  net::HttpHeaders both = {{"User-Agent", "dotnet"},
                           {"Host", "s3.amazonaws.com"},
                           {"Date", "Tue, 27 Mar 2007 21:20:27 +0000"},
                           {"x-amz-date", "Tue, 27 Mar 2007 21:20:26 +0000"},
                           {"Authorization", AuthHeader(Sign(rule_sts))}};
  AuthResult r = ExpectOk(Verify("DELETE", "/johnsmith/photos/puppy.jpg", "", both, "", kNow));
  EXPECT_EQ(r.request_time, kNow);  // x-amz-date, not Date
  both.back().second = AuthHeader(kDocSignature);
  AuthFailure f = ExpectFailure(Verify("DELETE", "/johnsmith/photos/puppy.jpg", "", both, "", kNow),
                                "SignatureDoesNotMatch");
  EXPECT_EQ(Detail(f, "StringToSign"), rule_sts);
}

TEST(SigV2DocExamples, QueryStringAuthentication) {
  constexpr std::string_view kQuery =
      "AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Signature=NpgCjnDzrM%2BWFzoENXmpNDUsSn8%3D&"
      "Expires=1175139620";
  constexpr int64_t kExpires = 1175139620;
  EXPECT_EQ(Sign("GET\n\n\n1175139620\n/johnsmith/photos/puppy.jpg"),
            "NpgCjnDzrM+WFzoENXmpNDUsSn8=");
  net::HttpHeaders headers = {{"Host", "johnsmith.s3.amazonaws.com"}};
  ASSERT_TRUE(IsSigV2(kQuery, headers));
  AuthResult r =
      ExpectOk(Verify("GET", "/photos/puppy.jpg", kQuery, headers, "johnsmith", kExpires - 3600));
  EXPECT_EQ(r.access_key, kAccessKey);
  EXPECT_TRUE(r.presigned);
  EXPECT_EQ(r.payload, PayloadMode::kUnsigned);
  EXPECT_EQ(r.request_time, kExpires);
  // Valid through the Expires second itself; a Date header plays no part.
  headers.emplace_back("Date", "Mon, 26 Mar 2007 19:37:58 +0000");
  ExpectOk(Verify("GET", "/photos/puppy.jpg", kQuery, headers, "johnsmith", kExpires));
  // A signature whose '+' was not URL-encoded still means '+'.
  ExpectOk(Verify("GET", "/photos/puppy.jpg",
                  "AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Signature=NpgCjnDzrM+WFzoENXmpNDUsSn8=&"
                  "Expires=1175139620",
                  headers, "johnsmith", kExpires));
  // Expired.
  AuthFailure f =
      ExpectFailure(Verify("GET", "/photos/puppy.jpg", kQuery, headers, "johnsmith", kExpires + 1),
                    "AccessDenied");
  EXPECT_EQ(f.message, "Request has expired");
  EXPECT_EQ(Detail(f, "Expires"), "2007-03-29T03:40:20Z");
  EXPECT_EQ(Detail(f, "ServerTime"), "2007-03-29T03:40:21Z");
  // Path-style: the bucket is in the path instead, same signature.
  ExpectOk(Verify("GET", "/johnsmith/photos/puppy.jpg", kQuery, {{"Host", "s3.amazonaws.com"}}, "",
                  kExpires));
}

// ---- Detection ----

TEST(SigV2, IsSigV2) {
  EXPECT_TRUE(IsSigV2("", {{"Authorization", "AWS a:b"}}));
  EXPECT_TRUE(IsSigV2("", {{"authorization", "  AWS a:b"}}));
  EXPECT_TRUE(IsSigV2("", {{"Authorization", "AWS"}}));
  EXPECT_FALSE(IsSigV2("", {{"Authorization", "AWS4-HMAC-SHA256 Credential=x"}}));
  EXPECT_FALSE(IsSigV2("", {{"Authorization", "AWSX a:b"}}));
  EXPECT_FALSE(IsSigV2("", {}));
  EXPECT_TRUE(IsSigV2("AWSAccessKeyId=a&Signature=b&Expires=1", {}));
  EXPECT_TRUE(IsSigV2("Signature=b", {}));
  EXPECT_FALSE(IsSigV2("X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=a", {}));
  EXPECT_FALSE(IsSigV2("AWSAccessKeyId=a&X-Amz-Signature=b", {}));
  // V4 header auth plus V2 query parameters is V4's "one mechanism only" error, not V2.
  EXPECT_FALSE(IsSigV2("Signature=b", {{"Authorization", "AWS4-HMAC-SHA256 Credential=x"}}));
  EXPECT_FALSE(IsSigV2("prefix=a&versionId=3", {}));
}

// ---- Round trips through the test's signer ----

constexpr int64_t kNow = 1700000000;  // 2023-11-14T22:13:20Z
constexpr std::string_view kNowDate = "Tue, 14 Nov 2023 22:13:20 GMT";

struct RoundTrip {
  const char* name;
  const char* method;
  const char* path;
  const char* query;
  net::HttpHeaders headers;  // Authorization is added
  const char* bucket_from_host;
  std::string string_to_sign;
};

TEST(SigV2, RoundTrips) {
  const std::string d = std::string(kNowDate);
  std::vector<RoundTrip> cases = {
      {"sub-resources sorted, values decoded, others left out",
       "GET",
       "/b/k",
       "versionId=3%2F4&response-content-type=text%2Fplain%3B%20charset%3Da%2Bb&prefix=x&"
       "response-cache-control=no-cache",
       {{"Date", d}},
       "",
       "GET\n\n\n" + d +
           "\n/b/k?response-cache-control=no-cache&response-content-type=text/plain; "
           "charset=a+b&versionId=3/4"},
      {"empty sub-resources: with and without '='",
       "POST",
       "/b/k",
       "uploads&acl=",
       {{"Date", d}},
       "",
       "POST\n\n\n" + d + "\n/b/k?acl=&uploads"},
      {"multipart part",
       "PUT",
       "/b/big",
       "partNumber=2&uploadId=abc%2Bdef",
       {{"Date", d}, {"Content-Type", "application/octet-stream"}},
       "",
       "PUT\n\napplication/octet-stream\n" + d + "\n/b/big?partNumber=2&uploadId=abc+def"},
      {"multi-object delete, virtual host",
       "POST",
       "/",
       "delete",
       {{"Date", d}, {"Content-MD5", "1B2M2Y8AsgTpgAmY7PhCfg=="}},
       "bkt",
       "POST\n1B2M2Y8AsgTpgAmY7PhCfg==\n\n" + d + "\n/bkt/?delete"},
      {"amz headers: case, order, repeats, trimming",
       "PUT",
       "/b/k%20space+plus",
       "",
       {{"Date", d},
        {"X-Amz-Meta-Zeta", "  z  "},
        {"x-amz-meta-alpha", "a  b"},
        {"X-AMZ-META-ALPHA", "c"},
        {"x-amz-acl", "private"}},
       "",
       "PUT\n\n\n" + d +
           "\nx-amz-acl:private\nx-amz-meta-alpha:a  b,c\nx-amz-meta-zeta:z\n/b/k%20space+plus"},
      {"x-amz-date in ISO 8601 basic form",
       "HEAD",
       "/b/k",
       "",
       {{"x-amz-date", "20231114T221320Z"}},
       "",
       "HEAD\n\n\n\nx-amz-date:20231114T221320Z\n/b/k"},
  };
  for (const RoundTrip& c : cases) {
    SCOPED_TRACE(c.name);
    net::HttpHeaders headers = c.headers;
    headers.emplace_back("Authorization", AuthHeader(Sign(c.string_to_sign)));
    AuthResult r = ExpectOk(Verify(c.method, c.path, c.query, headers, c.bucket_from_host, kNow));
    EXPECT_EQ(r.request_time, kNow);
  }
}

TEST(SigV2, BucketOnlyPathStyleResource) {
  const std::string d = std::string(kNowDate);
  auto signed_as = [&](std::string_view resource) {
    return net::HttpHeaders{
        {"Date", d},
        {"Authorization", AuthHeader(Sign("PUT\n\n\n" + d + "\n" + std::string(resource)))}};
  };
  // "/bkt" on the wire: botocore signs "/bkt/", the documentation's literal rule "/bkt".
  ExpectOk(Verify("PUT", "/bkt", "", signed_as("/bkt/"), "", kNow));
  ExpectOk(Verify("PUT", "/bkt", "", signed_as("/bkt"), "", kNow));
  ExpectOk(Verify("PUT", "/bkt", "acl", signed_as("/bkt/?acl"), "", kNow));
  ExpectOk(Verify("PUT", "/bkt", "acl", signed_as("/bkt?acl"), "", kNow));
  AuthFailure f = ExpectFailure(Verify("PUT", "/bkt", "", signed_as("/other/"), "", kNow),
                                "SignatureDoesNotMatch");
  EXPECT_EQ(Detail(f, "StringToSign"), "PUT\n\n\n" + d + "\n/bkt/");
  // Only that case: "/bkt/" and "/bkt/key" are signed as sent, and so is a virtual-host bucket.
  ExpectOk(Verify("PUT", "/bkt/", "", signed_as("/bkt/"), "", kNow));
  ExpectFailure(Verify("PUT", "/bkt/", "", signed_as("/bkt"), "", kNow), "SignatureDoesNotMatch");
  ExpectFailure(Verify("PUT", "/bkt/k", "", signed_as("/bkt/k/"), "", kNow),
                "SignatureDoesNotMatch");
  ExpectOk(Verify("PUT", "/", "", signed_as("/bkt/"), "bkt", kNow));
  ExpectFailure(Verify("PUT", "/k", "", signed_as("/bkt/k/"), "bkt", kNow),
                "SignatureDoesNotMatch");
}

TEST(SigV2, PresignedRoundTripWithQueryAmzHeaders) {
  // botocore moves the x-amz-* headers of a presigned request into its query; they stay signed.
  const std::string expires = std::to_string(kNow + 300);
  const std::string sts = "PUT\n\ntext/plain\n" + expires +
                          "\nx-amz-acl:public-read\nx-amz-meta-k:v w\n/b/k?uploadId=u";
  const std::string query =
      "uploadId=u&AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Signature=" + UrlEncodeAll(Sign(sts)) +
      "&content-type=text%2Fplain&x-amz-meta-k=v%20w&X-Amz-Acl=public-read"
      "&Expires=" +
      expires;
  net::HttpHeaders headers = {{"Content-Type", "text/plain"}};
  AuthResult r = ExpectOk(Verify("PUT", "/b/k", query, headers, "", kNow));
  EXPECT_TRUE(r.presigned);
  // The Content-Type position comes from the header, which must match what was signed.
  ExpectFailure(Verify("PUT", "/b/k", query, {{"Content-Type", "text/html"}}, "", kNow),
                "SignatureDoesNotMatch");
  ExpectFailure(Verify("PUT", "/b/k", query, {}, "", kNow), "SignatureDoesNotMatch");
  // Changing a signed query header breaks it.
  std::string changed = query;
  changed.replace(changed.find("v%20w"), 5, "v%20x");
  ExpectFailure(Verify("PUT", "/b/k", changed, headers, "", kNow), "SignatureDoesNotMatch");
}

// ---- Tampering ----

TEST(SigV2, Tampering) {
  const std::string d = std::string(kNowDate);
  const std::string sts =
      "PUT\nXrY7u+Ae7tCTyyK7j1rNww==\ntext/plain\n" + d + "\nx-amz-meta-a:1\n/bkt/k?versionId=7";
  const net::HttpHeaders good = {{"Date", d},
                                 {"Content-MD5", "XrY7u+Ae7tCTyyK7j1rNww=="},
                                 {"Content-Type", "text/plain"},
                                 {"x-amz-meta-a", "1"},
                                 {"Authorization", AuthHeader(Sign(sts))}};
  ExpectOk(Verify("PUT", "/k", "versionId=7", good, "bkt", kNow));
  // Parameters outside the signed sub-resources are not signed in V2 (as in S3).
  ExpectOk(Verify("PUT", "/k", "versionId=7&foo=bar", good, "bkt", kNow));

  auto mismatch = [&](std::string_view method, std::string_view path, std::string_view query,
                      const net::HttpHeaders& h, std::string_view bucket) {
    ExpectFailure(Verify(method, path, query, h, bucket, kNow), "SignatureDoesNotMatch");
  };
  mismatch("POST", "/k", "versionId=7", good, "bkt");
  mismatch("PUT", "/k2", "versionId=7", good, "bkt");
  mismatch("PUT", "/K", "versionId=7", good, "bkt");
  mismatch("PUT", "/k", "versionId=8", good, "bkt");
  mismatch("PUT", "/k", "", good, "bkt");
  mismatch("PUT", "/k", "versionId=7&acl", good, "bkt");
  mismatch("PUT", "/k", "versionId=7", good, "other");
  mismatch("PUT", "/k", "versionId=7", good, "");
  auto with = [&](std::string_view name, std::string value) {
    net::HttpHeaders h = good;
    bool found = false;
    for (auto& [k, v] : h) {
      if (k == name) {
        v = value;
        found = true;
      }
    }
    if (!found) h.insert(h.begin(), {std::string(name), std::move(value)});
    return h;
  };
  mismatch("PUT", "/k", "versionId=7", with("Content-MD5", "AAAAAAAAAAAAAAAAAAAAAA=="), "bkt");
  mismatch("PUT", "/k", "versionId=7", with("Content-Type", "text/html"), "bkt");
  mismatch("PUT", "/k", "versionId=7", with("x-amz-meta-a", "2"), "bkt");
  mismatch("PUT", "/k", "versionId=7", with("x-amz-acl", "public-read"), "bkt");
  mismatch("PUT", "/k", "versionId=7", with("Date", "Tue, 14 Nov 2023 22:13:21 GMT"), "bkt");
  // Base64 is case-sensitive; a truncated or padded signature fails too.
  std::string sig = Sign(sts);
  std::string flipped = sig;
  for (char& c : flipped) {
    if (std::isalpha(static_cast<unsigned char>(c))) {
      c = static_cast<char>(std::islower(static_cast<unsigned char>(c)) ? std::toupper(c)
                                                                        : std::tolower(c));
      break;
    }
  }
  mismatch("PUT", "/k", "versionId=7", with("Authorization", AuthHeader(flipped)), "bkt");
  mismatch("PUT", "/k", "versionId=7", with("Authorization", AuthHeader(sig.substr(1))), "bkt");
  mismatch("PUT", "/k", "versionId=7", with("Authorization", AuthHeader(sig + "=")), "bkt");
  // Another secret.
  net::HttpHeaders other_secret = with("Authorization", AuthHeader(Sign(sts, "not the secret")));
  AuthFailure f = ExpectFailure(Verify("PUT", "/k", "versionId=7", other_secret, "bkt", kNow),
                                "SignatureDoesNotMatch");
  EXPECT_EQ(Detail(f, "StringToSign"), sts);
  EXPECT_EQ(Detail(f, "SignatureProvided"), Sign(sts, "not the secret"));
  EXPECT_EQ(Detail(f, "StringToSignBytes").substr(0, 11), "50 55 54 0a");  // "PUT\n"
  for (const auto& [k, v] : f.details) EXPECT_EQ(v.find(kSecret), std::string::npos) << k;
}

// ---- Failures other than the signature ----

TEST(SigV2, TimeChecks) {
  const std::string sts = "GET\n\n\nTue, 14 Nov 2023 22:13:20 GMT\n/b/k";
  net::HttpHeaders headers = {{"Date", std::string(kNowDate)},
                              {"Authorization", AuthHeader(Sign(sts))}};
  ExpectOk(Verify("GET", "/b/k", "", headers, "", kNow + 15 * 60));
  ExpectOk(Verify("GET", "/b/k", "", headers, "", kNow - 15 * 60));
  AuthFailure f = ExpectFailure(Verify("GET", "/b/k", "", headers, "", kNow + 15 * 60 + 1),
                                "RequestTimeTooSkewed");
  EXPECT_EQ(Detail(f, "RequestTime"), kNowDate);
  EXPECT_EQ(Detail(f, "ServerTime"), "2023-11-14T22:28:21Z");
  EXPECT_EQ(Detail(f, "MaxAllowedSkewMilliseconds"), "900000");
  ExpectFailure(Verify("GET", "/b/k", "", headers, "", kNow - 15 * 60 - 1), "RequestTimeTooSkewed");
  SigV4Options strict;
  strict.max_skew_seconds = 10;
  ExpectFailure(Verify("GET", "/b/k", "", headers, "", kNow + 11, strict), "RequestTimeTooSkewed");
  // A numeric zone is honoured: 23:13:20 +0100 is 22:13:20 GMT.
  const std::string sts_zone = "GET\n\n\nTue, 14 Nov 2023 23:13:20 +0100\n/b/k";
  ExpectOk(Verify(
      "GET", "/b/k", "",
      {{"Date", "Tue, 14 Nov 2023 23:13:20 +0100"}, {"Authorization", AuthHeader(Sign(sts_zone))}},
      "", kNow));
  // x-amz-date is the time that counts; a stale Date beside it is ignored.
  const std::string sts_amz = "GET\n\n\n\nx-amz-date:" + std::string(kNowDate) + "\n/b/k";
  ExpectOk(Verify("GET", "/b/k", "",
                  {{"Date", "Mon, 01 Jan 2001 00:00:00 GMT"},
                   {"x-amz-date", std::string(kNowDate)},
                   {"Authorization", AuthHeader(Sign(sts_amz))}},
                  "", kNow));
  ExpectFailure(Verify("GET", "/b/k", "",
                       {{"Date", std::string(kNowDate)},
                        {"x-amz-date", "Mon, 01 Jan 2001 00:00:00 GMT"},
                        {"Authorization", AuthHeader(Sign(sts_amz))}},
                       "", kNow),
                "RequestTimeTooSkewed");
  // No date, or an unreadable one.
  f = ExpectFailure(Verify("GET", "/b/k", "", {{"Authorization", AuthHeader(Sign(sts))}}, "", kNow),
                    "AccessDenied");
  EXPECT_EQ(f.message, "AWS authentication requires a valid Date or x-amz-date header");
  ExpectFailure(Verify("GET", "/b/k", "",
                       {{"Date", "yesterday"}, {"Authorization", AuthHeader(Sign(sts))}}, "", kNow),
                "AccessDenied");
  ExpectFailure(Verify("GET", "/b/k", "",
                       {{"Date", std::string(kNowDate)},
                        {"x-amz-date", "soon"},
                        {"Authorization", AuthHeader(Sign(sts))}},
                       "", kNow),
                "AccessDenied");
}

TEST(SigV2, UnknownKeyAndMalformedRequests) {
  const std::string d = std::string(kNowDate);
  AuthFailure f = ExpectFailure(
      Verify("GET", "/", "", {{"Date", d}, {"Authorization", "AWS AKIDUNKNOWN:c2lnbmF0dXJl"}}, "",
             kNow),
      "InvalidAccessKeyId");
  EXPECT_EQ(Detail(f, "AWSAccessKeyId"), "AKIDUNKNOWN");
  f = ExpectFailure(
      Verify("GET", "/", "AWSAccessKeyId=AKIDUNKNOWN&Signature=x&Expires=1700000300", {}, "", kNow),
      "InvalidAccessKeyId");
  EXPECT_EQ(Detail(f, "AWSAccessKeyId"), "AKIDUNKNOWN");
  // Unknown key is reported before the time (as for V4).
  ExpectFailure(
      Verify("GET", "/", "AWSAccessKeyId=AKIDUNKNOWN&Signature=x&Expires=1", {}, "", kNow),
      "InvalidAccessKeyId");

  for (std::string_view bad : {"AWS", "AWS AKIAIOSFODNN7EXAMPLE", "AWS :sig", "AWS ak:"}) {
    SCOPED_TRACE(bad);
    f = ExpectFailure(
        Verify("GET", "/", "", {{"Date", d}, {"Authorization", std::string(bad)}}, "", kNow),
        "InvalidArgument");
    EXPECT_EQ(f.message, "AWS authorization header is invalid.  Expected AwsAccessKeyId:signature");
  }
  // Both mechanisms.
  ExpectFailure(Verify("GET", "/", "AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Signature=x&Expires=1",
                       {{"Date", d}, {"Authorization", "AWS AKIAIOSFODNN7EXAMPLE:x"}}, "", kNow),
                "InvalidArgument");
  ExpectFailure(Verify("GET", "/", "X-Amz-Signature=x",
                       {{"Date", d}, {"Authorization", "AWS AKIAIOSFODNN7EXAMPLE:x"}}, "", kNow),
                "InvalidArgument");
  // Incomplete or malformed query authentication.
  for (std::string_view q :
       {"AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Signature=x",
        "AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Expires=1700000300", "Signature=x&Expires=1700000300",
        "AWSAccessKeyId=&Signature=x&Expires=1700000300",
        "AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Signature=&Expires=1700000300"}) {
    SCOPED_TRACE(q);
    f = ExpectFailure(Verify("GET", "/", q, {}, "", kNow), "AccessDenied");
    EXPECT_EQ(f.message,
              "Query-string authentication requires the Signature, Expires and AWSAccessKeyId "
              "parameters");
  }
  for (std::string_view expires : {"abc", "-5", "1.5", "", "99999999999999999999"}) {
    SCOPED_TRACE(expires);
    f = ExpectFailure(
        Verify("GET", "/",
               "AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Signature=x&Expires=" + std::string(expires),
               {}, "", kNow),
        "AccessDenied");
    EXPECT_EQ(f.message, "Invalid date (should be seconds since epoch): " + std::string(expires));
  }
  // No secret lookup at all.
  ExpectFailure(VerifySigV2("GET", "/", "", {{"Date", d}, {"Authorization", "AWS a:b"}}, "",
                            SecretLookup(), kNow, {}),
                "InvalidAccessKeyId");
}

}  // namespace
}  // namespace cairn::s3
