#include "faces/s3/sigv4.h"

#include <gtest/gtest.h>

#include <string>

#include "core/bytes.h"
#include "faces/s3/s3_xml.h"

namespace cairn::s3 {
namespace {

// The credentials and time of every worked example in the S3 SigV4 documentation.
constexpr std::string_view kAccessKey = "AKIAIOSFODNN7EXAMPLE";
constexpr std::string_view kSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
constexpr int64_t kExampleTime = 1369353600;  // 2013-05-24T00:00:00Z
constexpr std::string_view kEmptySha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
constexpr std::string_view kCredentialPrefix =
    "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,";

SecretLookup ExampleSecrets() {
  return [](std::string_view access_key) -> std::optional<std::string> {
    if (access_key == kAccessKey) return std::string(kSecret);
    return std::nullopt;
  };
}

std::string Auth(std::string_view signed_headers, std::string_view signature) {
  return std::string(kCredentialPrefix) + "SignedHeaders=" + std::string(signed_headers) +
         ",Signature=" + std::string(signature);
}

std::variant<AuthResult, AuthFailure> Verify(std::string_view method, std::string_view path,
                                             std::string_view query,
                                             const net::HttpHeaders& headers,
                                             int64_t now = kExampleTime,
                                             const SigV4Options& options = {}) {
  return VerifySigV4(method, path, query, headers, ExampleSecrets(), now, options);
}

// Asserts success and returns the result.
AuthResult ExpectOk(const std::variant<AuthResult, AuthFailure>& v) {
  if (const auto* f = std::get_if<AuthFailure>(&v)) {
    ADD_FAILURE() << "auth failed: " << f->code << ": " << f->message;
    return AuthResult{};
  }
  return std::get<AuthResult>(v);
}

// Asserts the failure code and returns the failure.
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

void SetHeader(net::HttpHeaders* headers, std::string_view name, std::string value) {
  for (auto& [k, v] : *headers) {
    if (k == name) {
      v = std::move(value);
      return;
    }
  }
  headers->emplace_back(std::string(name), std::move(value));
}

// ---- Building blocks ----

TEST(SigV4BuildingBlocks, HashesAndSigningKey) {
  EXPECT_EQ(Sha256Hex(""), kEmptySha256);
  EXPECT_EQ(Sha256Hex("Welcome to Amazon S3."),
            "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
  // The signing-key example of the AWS General Reference (IAM, 2015-08-30).
  EXPECT_EQ(HexEncode(AsBytes(DeriveSigningKey("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                                               "20150830", "us-east-1", "iam"))),
            "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9");
  // RFC 4231 test case 2.
  EXPECT_EQ(HexEncode(AsBytes(HmacSha256("Jefe", "what do ya want for nothing?"))),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(SigV4BuildingBlocks, Dates) {
  EXPECT_EQ(ParseAmzDate("20130524T000000Z"), kExampleTime);
  EXPECT_EQ(ParseHttpDate("Fri, 24 May 2013 00:00:00 GMT"), kExampleTime * 1000000);
  EXPECT_EQ(FormatAmzDate(kExampleTime), "20130524T000000Z");
  auto leap = ParseAmzDate("20240229T235959Z");
  ASSERT_TRUE(leap.has_value());
  EXPECT_EQ(FormatAmzDate(*leap), "20240229T235959Z");
  EXPECT_EQ(*leap + 1, ParseAmzDate("20240301T000000Z"));
  for (std::string_view bad : {"20131324T000000Z", "20130524T000000", "2013052AT000000Z",
                               "20130532T000000Z", "20130524T250000Z", ""}) {
    EXPECT_FALSE(ParseAmzDate(bad).has_value()) << bad;
  }
  EXPECT_FALSE(ParseHttpDate("Fri, 24 Mai 2013 00:00:00 GMT").has_value());
  EXPECT_FALSE(ParseHttpDate("20130524T000000Z").has_value());
}

TEST(SigV4BuildingBlocks, CanonicalUriDecodesThenEncodesOnce) {
  EXPECT_EQ(CanonicalUri(""), "/");
  EXPECT_EQ(CanonicalUri("/test.txt"), "/test.txt");
  // The PUT example's key: '$' sent raw or encoded canonicalises the same (no double encoding).
  EXPECT_EQ(CanonicalUri("/test$file.text"), "/test%24file.text");
  EXPECT_EQ(CanonicalUri("/test%24file.text"), "/test%24file.text");
  // Spaces, '+', '~' and UTF-8 as different clients send them.
  EXPECT_EQ(CanonicalUri("/b/a%20b"), "/b/a%20b");
  EXPECT_EQ(CanonicalUri("/b/a b"), "/b/a%20b");
  EXPECT_EQ(CanonicalUri("/b/a+b"), "/b/a%2Bb");
  EXPECT_EQ(CanonicalUri("/b/a%2Bb"), "/b/a%2Bb");
  EXPECT_EQ(CanonicalUri("/b/%7Euser"), "/b/~user");
  EXPECT_EQ(CanonicalUri("/b/~user"), "/b/~user");
  EXPECT_EQ(CanonicalUri("/b/caf%c3%a9"), "/b/caf%C3%A9");
  EXPECT_EQ(CanonicalUri("/b/caf\xc3\xa9"), "/b/caf%C3%A9");
  // S3 does not normalise the path.
  EXPECT_EQ(CanonicalUri("//b/./k/../x"), "//b/./k/../x");
  // A stray '%' is data.
  EXPECT_EQ(CanonicalUri("/b/100%"), "/b/100%25");
  EXPECT_EQ(CanonicalUri("/b/%zz"), "/b/%25zz");
}

TEST(SigV4BuildingBlocks, CanonicalQuery) {
  EXPECT_EQ(CanonicalQuery("", false), "");
  EXPECT_EQ(CanonicalQuery("max-keys=2&prefix=J", false), "max-keys=2&prefix=J");
  EXPECT_EQ(CanonicalQuery("prefix=J&max-keys=2", false), "max-keys=2&prefix=J");
  EXPECT_EQ(CanonicalQuery("lifecycle", false), "lifecycle=");
  EXPECT_EQ(CanonicalQuery("a=1&a=0", false), "a=0&a=1");
  EXPECT_EQ(CanonicalQuery("a=1&B=2", false), "B=2&a=1");  // byte order
  EXPECT_EQ(CanonicalQuery("&&a=b&", false), "a=b");
  EXPECT_EQ(CanonicalQuery("k=a/b&k2=%2f", false), "k=a%2Fb&k2=%2F");
  EXPECT_EQ(CanonicalQuery("prefix=a%20b~", false), "prefix=a%20b~");
  EXPECT_EQ(CanonicalQuery("prefix=a+b", false), "prefix=a%20b");
  EXPECT_EQ(CanonicalQuery("prefix=a+b", false, /*plus_is_space=*/false), "prefix=a%2Bb");
  EXPECT_EQ(CanonicalQuery("X-Amz-Signature=abc&a=b", true), "a=b");
  EXPECT_EQ(CanonicalQuery("X-Amz-Signature=abc&a=b", false), "X-Amz-Signature=abc&a=b");
}

TEST(SigV4BuildingBlocks, IsAnonymous) {
  EXPECT_TRUE(IsAnonymous("", {}));
  EXPECT_TRUE(IsAnonymous("prefix=x&list-type=2", {{"Host", "h"}}));
  EXPECT_FALSE(IsAnonymous("", {{"Authorization", "AWS4-HMAC-SHA256 ..."}}));
  EXPECT_FALSE(IsAnonymous("X-Amz-Credential=a", {}));
  EXPECT_FALSE(IsAnonymous("AWSAccessKeyId=a&Signature=b&Expires=1", {}));
}

// ---- The worked examples of "Signature Calculations for the Authorization Header" ----

TEST(SigV4Examples, GetObjectWithRange) {
  net::HttpHeaders headers = {
      {"Host", "examplebucket.s3.amazonaws.com"},
      {"Range", "bytes=0-9"},
      {"x-amz-content-sha256", std::string(kEmptySha256)},
      {"x-amz-date", "20130524T000000Z"},
      {"Authorization", Auth("host;range;x-amz-content-sha256;x-amz-date",
                             "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")}};
  AuthResult r = ExpectOk(Verify("GET", "/test.txt", "", headers));
  EXPECT_EQ(r.access_key, kAccessKey);
  EXPECT_FALSE(r.presigned);
  EXPECT_EQ(r.payload, PayloadMode::kSignedSha256);
  EXPECT_EQ(r.payload_sha256, kEmptySha256);
  EXPECT_EQ(r.request_time, kExampleTime);
  EXPECT_EQ(r.streaming.scope, "20130524/us-east-1/s3/aws4_request");

  // Our signer produces the same header.
  net::HttpHeaders unsigned_headers(headers.begin(), headers.end() - 1);
  EXPECT_EQ(
      SignAuthorization("GET", "/test.txt", "", unsigned_headers, kAccessKey, kSecret, "us-east-1"),
      "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
      "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
      "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");

  // Tampering with a signed header, the path, the query or the signature.
  net::HttpHeaders tampered = headers;
  SetHeader(&tampered, "Range", "bytes=0-99");
  AuthFailure f = ExpectFailure(Verify("GET", "/test.txt", "", tampered), "SignatureDoesNotMatch");
  EXPECT_NE(Detail(f, "CanonicalRequest").find("range:bytes=0-99"), std::string::npos);
  EXPECT_EQ(Detail(f, "AWSAccessKeyId"), kAccessKey);
  ExpectFailure(Verify("GET", "/test.txT", "", headers), "SignatureDoesNotMatch");
  ExpectFailure(Verify("GET", "/test.txt", "x=1", headers), "SignatureDoesNotMatch");
  ExpectFailure(Verify("HEAD", "/test.txt", "", headers), "SignatureDoesNotMatch");
  tampered = headers;
  SetHeader(&tampered, "Authorization",
            Auth("host;range;x-amz-content-sha256;x-amz-date",
                 "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb42"));
  ExpectFailure(Verify("GET", "/test.txt", "", tampered), "SignatureDoesNotMatch");
  // An upper-case rendering of the right signature is the same signature.
  SetHeader(&tampered, "Authorization",
            Auth("host;range;x-amz-content-sha256;x-amz-date",
                 "F0E8BDB87C964420E857BD35B5D6ED310BD44F0170ABA48DD91039C6036BDB41"));
  ExpectOk(Verify("GET", "/test.txt", "", tampered));
}

TEST(SigV4Examples, PutObject) {
  net::HttpHeaders headers = {
      {"Host", "examplebucket.s3.amazonaws.com"},
      {"Date", "Fri, 24 May 2013 00:00:00 GMT"},
      {"x-amz-date", "20130524T000000Z"},
      {"x-amz-storage-class", "REDUCED_REDUNDANCY"},
      {"x-amz-content-sha256", "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072"},
      {"Authorization", Auth("date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class",
                             "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd")}};
  // The key "test$file.text", as sent raw and as sent encoded.
  for (std::string_view path : {"/test$file.text", "/test%24file.text"}) {
    AuthResult r = ExpectOk(Verify("PUT", path, "", headers));
    EXPECT_EQ(r.payload, PayloadMode::kSignedSha256);
    EXPECT_EQ(r.payload_sha256, Sha256Hex("Welcome to Amazon S3."));
  }
  // A changed signed x-amz-* header.
  net::HttpHeaders tampered = headers;
  SetHeader(&tampered, "x-amz-storage-class", "STANDARD");
  ExpectFailure(Verify("PUT", "/test$file.text", "", tampered), "SignatureDoesNotMatch");
  // An x-amz-* header that was not signed.
  tampered = headers;
  tampered.emplace_back("x-amz-acl", "public-read");
  AuthFailure f = ExpectFailure(Verify("PUT", "/test$file.text", "", tampered), "AccessDenied");
  EXPECT_EQ(f.message, "There were headers present in the request which were not signed");
  EXPECT_EQ(Detail(f, "HeadersNotSigned"), "x-amz-acl");
  // Headers that are not x-amz-* may be added (S3 signs only what is listed).
  tampered = headers;
  tampered.emplace_back("User-Agent", "curl");
  tampered.emplace_back("x-amzn-trace-id", "t");
  ExpectOk(Verify("PUT", "/test$file.text", "", tampered));
}

TEST(SigV4Examples, GetBucketLifecycle) {
  net::HttpHeaders headers = {
      {"Host", "examplebucket.s3.amazonaws.com"},
      {"x-amz-date", "20130524T000000Z"},
      {"x-amz-content-sha256", std::string(kEmptySha256)},
      {"Authorization", Auth("host;x-amz-content-sha256;x-amz-date",
                             "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543")}};
  ExpectOk(Verify("GET", "/", "lifecycle", headers));
  ExpectOk(Verify("GET", "/", "lifecycle=", headers));
  ExpectFailure(Verify("GET", "/", "", headers), "SignatureDoesNotMatch");
  ExpectFailure(Verify("GET", "/", "lifecycle&x", headers), "SignatureDoesNotMatch");
}

TEST(SigV4Examples, ListObjects) {
  net::HttpHeaders headers = {
      {"Host", "examplebucket.s3.amazonaws.com"},
      {"x-amz-date", "20130524T000000Z"},
      {"x-amz-content-sha256", std::string(kEmptySha256)},
      {"Authorization", Auth("host;x-amz-content-sha256;x-amz-date",
                             "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7")}};
  ExpectOk(Verify("GET", "/", "max-keys=2&prefix=J", headers));
  ExpectOk(Verify("GET", "/", "prefix=J&max-keys=2", headers));  // order on the wire is free
  ExpectFailure(Verify("GET", "/", "max-keys=3&prefix=J", headers), "SignatureDoesNotMatch");
}

// The seed requests of the chunked-upload examples ("Transferring Payload in Multiple Chunks" and
// "Signature calculations for trailing headers").
TEST(SigV4Examples, ChunkedUploadSeedSignatures) {
  net::HttpHeaders headers = {
      {"Host", "s3.amazonaws.com"},
      {"x-amz-date", "20130524T000000Z"},
      {"x-amz-storage-class", "REDUCED_REDUNDANCY"},
      {"x-amz-content-sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"},
      {"Content-Encoding", "aws-chunked"},
      {"x-amz-decoded-content-length", "66560"},
      {"Content-Length", "66824"},
      {"Authorization", Auth("content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;"
                             "x-amz-decoded-content-length;x-amz-storage-class",
                             "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9")}};
  AuthResult r = ExpectOk(Verify("PUT", "/examplebucket/chunkObject.txt", "", headers));
  EXPECT_EQ(r.payload, PayloadMode::kStreamingSigned);
  EXPECT_EQ(r.streaming.seed_signature,
            "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9");
  EXPECT_EQ(r.streaming.amz_date, "20130524T000000Z");
  EXPECT_EQ(r.streaming.signing_key, DeriveSigningKey(kSecret, "20130524", "us-east-1", "s3"));

  net::HttpHeaders trailer = {
      {"Host", "s3.amazonaws.com"},
      {"x-amz-date", "20130524T000000Z"},
      {"x-amz-storage-class", "REDUCED_REDUNDANCY"},
      {"x-amz-content-sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"},
      {"Content-Encoding", "aws-chunked"},
      {"x-amz-decoded-content-length", "66560"},
      {"x-amz-trailer", "x-amz-checksum-crc32c"},
      {"Authorization", Auth("content-encoding;host;x-amz-content-sha256;x-amz-date;"
                             "x-amz-decoded-content-length;x-amz-storage-class;x-amz-trailer",
                             "106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e")}};
  r = ExpectOk(Verify("PUT", "/examplebucket/chunkObject.txt", "", trailer));
  EXPECT_EQ(r.payload, PayloadMode::kStreamingSignedTrailer);
  // The payload mode is signed: claiming another one breaks the signature.
  SetHeader(&trailer, "x-amz-content-sha256", "STREAMING-UNSIGNED-PAYLOAD-TRAILER");
  ExpectFailure(Verify("PUT", "/examplebucket/chunkObject.txt", "", trailer),
                "SignatureDoesNotMatch");
}

// ---- "Authenticating Requests: Using Query Parameters" ----

constexpr std::string_view kPresignedQuery =
    "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-"
    "1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders="
    "host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404";

TEST(SigV4Presigned, DocumentationExample) {
  EXPECT_EQ(PresignQuery("GET", "examplebucket.s3.amazonaws.com", "/test.txt", kAccessKey, kSecret,
                         "us-east-1", kExampleTime, 86400),
            kPresignedQuery);
  net::HttpHeaders headers = {{"Host", "examplebucket.s3.amazonaws.com"}};
  AuthResult r = ExpectOk(Verify("GET", "/test.txt", kPresignedQuery, headers, kExampleTime + 60));
  EXPECT_TRUE(r.presigned);
  EXPECT_EQ(r.payload, PayloadMode::kUnsigned);
  EXPECT_EQ(r.access_key, kAccessKey);
  // Valid up to and including the last second, expired after.
  ExpectOk(Verify("GET", "/test.txt", kPresignedQuery, headers, kExampleTime + 86400));
  AuthFailure f = ExpectFailure(
      Verify("GET", "/test.txt", kPresignedQuery, headers, kExampleTime + 86401), "AccessDenied");
  EXPECT_EQ(f.message, "Request has expired");
  EXPECT_EQ(Detail(f, "Expires"), "2013-05-25T00:00:00Z");
  f = ExpectFailure(Verify("GET", "/test.txt", kPresignedQuery, headers, kExampleTime - 3600),
                    "AccessDenied");
  EXPECT_EQ(f.message, "Request is not valid yet");
}

TEST(SigV4Presigned, Tampering) {
  net::HttpHeaders headers = {{"Host", "examplebucket.s3.amazonaws.com"}};
  const std::string query(kPresignedQuery);
  auto replace = [&](std::string_view from, std::string_view to) {
    std::string q = query;
    q.replace(q.find(from), from.size(), to);
    return q;
  };
  ExpectFailure(Verify("GET", "/test.txt", replace("X-Amz-Expires=86400", "X-Amz-Expires=86401"),
                       headers, kExampleTime),
                "SignatureDoesNotMatch");
  ExpectFailure(Verify("GET", "/test.txt", replace("aeeed9bb", "aeeed9bc"), headers, kExampleTime),
                "SignatureDoesNotMatch");
  ExpectFailure(Verify("GET", "/test.txu", query, headers, kExampleTime), "SignatureDoesNotMatch");
  ExpectFailure(Verify("PUT", "/test.txt", query, headers, kExampleTime), "SignatureDoesNotMatch");
  ExpectFailure(Verify("GET", "/test.txt", query + "&versionId=1", headers, kExampleTime),
                "SignatureDoesNotMatch");
  ExpectFailure(Verify("GET", "/test.txt", query, {{"Host", "other.example.com"}}, kExampleTime),
                "SignatureDoesNotMatch");
  // Headers the holder of the URL adds.
  AuthFailure f = ExpectFailure(
      Verify("GET", "/test.txt", query,
             {{"Host", "examplebucket.s3.amazonaws.com"}, {"X-Amz-Meta-Foo", "bar"}}, kExampleTime),
      "AccessDenied");
  EXPECT_EQ(Detail(f, "HeadersNotSigned"), "x-amz-meta-foo");
}

TEST(SigV4Presigned, ParameterErrors) {
  net::HttpHeaders headers = {{"Host", "examplebucket.s3.amazonaws.com"}};
  const std::string query(kPresignedQuery);
  auto without = [&](std::string_view param) {
    std::string q = query;
    size_t at = q.find(param);
    size_t end = q.find('&', at);
    q.erase(at, end == std::string::npos ? std::string::npos : end - at + 1);
    return q;
  };
  for (std::string_view p : {"X-Amz-Date=", "X-Amz-Expires=", "X-Amz-SignedHeaders="}) {
    ExpectFailure(Verify("GET", "/test.txt", without(p), headers),
                  "AuthorizationQueryParametersError");
  }
  auto with = [&](std::string_view from, std::string_view to) {
    std::string q = query;
    q.replace(q.find(from), from.size(), to);
    return q;
  };
  AuthFailure f = ExpectFailure(
      Verify("GET", "/test.txt", with("X-Amz-Expires=86400", "X-Amz-Expires=604801"), headers),
      "AuthorizationQueryParametersError");
  EXPECT_EQ(f.message, "X-Amz-Expires must be less than a week (in seconds) that is 604800");
  ExpectFailure(
      Verify("GET", "/test.txt", with("X-Amz-Expires=86400", "X-Amz-Expires=-1"), headers),
      "AuthorizationQueryParametersError");
  ExpectFailure(
      Verify("GET", "/test.txt", with("X-Amz-Expires=86400", "X-Amz-Expires=1d"), headers),
      "AuthorizationQueryParametersError");
  ExpectFailure(Verify("GET", "/test.txt", with("AWS4-HMAC-SHA256", "AWS4-HMAC-SHA1"), headers),
                "AuthorizationQueryParametersError");
  ExpectFailure(
      Verify("GET", "/test.txt", with("X-Amz-Date=20130524T", "X-Amz-Date=20130525T"), headers),
      "AuthorizationQueryParametersError");
  ExpectFailure(Verify("GET", "/test.txt", with("AKIAIOSFODNN7EXAMPLE", "AKIANOTKNOWN"), headers),
                "InvalidAccessKeyId");
  SigV4Options eu;
  eu.region = "eu-west-1";
  f = ExpectFailure(Verify("GET", "/test.txt", query, headers, kExampleTime, eu),
                    "AuthorizationQueryParametersError");
  EXPECT_EQ(Detail(f, "Region"), "eu-west-1");
  // Both mechanisms at once.
  ExpectFailure(Verify("GET", "/test.txt", query,
                       {{"Host", "examplebucket.s3.amazonaws.com"},
                        {"Authorization", Auth("host", std::string(64, '0'))}}),
                "InvalidArgument");
  // SigV2 query authentication.
  ExpectFailure(Verify("GET", "/test.txt",
                       "AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Expires=1&Signature=x", headers),
                "InvalidRequest");
}

TEST(SigV4Presigned, RoundTripsOfOurOwnUrls) {
  const int64_t now = kExampleTime + 12345;
  net::HttpHeaders headers = {{"Host", "localhost:9000"}};
  for (std::string_view path : {"/bucket/my%20file.txt", "/bucket/a/b/c%2Bd~e%C3%A9"}) {
    std::string q =
        PresignQuery("PUT", "localhost:9000", path, kAccessKey, kSecret, "us-east-1", now, 3600);
    AuthResult r = ExpectOk(Verify("PUT", path, q, headers, now + 10));
    EXPECT_TRUE(r.presigned);
    ExpectFailure(Verify("PUT", path, q, headers, now + 3601), "AccessDenied");
  }
  std::string q = PresignQuery("GET", "localhost:9000", "/bucket/k", kAccessKey, kSecret,
                               "us-east-1", now, 60, "versionId=v%2F1");
  EXPECT_EQ(q.rfind("versionId=v%2F1&X-Amz-Algorithm=", 0), 0u) << q;
  ExpectOk(Verify("GET", "/bucket/k", q, headers, now));
  // The payload hash of a presigned request is UNSIGNED-PAYLOAD unless x-amz-content-sha256 is
  // sent: a URL signed without it does not match a request that adds a hash.
  headers.emplace_back("x-amz-content-sha256", Sha256Hex("data"));
  ExpectFailure(Verify("GET", "/bucket/k", q, headers, now), "SignatureDoesNotMatch");
  headers.back().second = "UNSIGNED-PAYLOAD";
  EXPECT_EQ(ExpectOk(Verify("GET", "/bucket/k", q, headers, now)).payload, PayloadMode::kUnsigned);
}

// ---- Header auth: failures and client variations ----

// A GET signed by our signer at the example time.
net::HttpHeaders SignedGet(std::string_view path, std::string_view query,
                           net::HttpHeaders extra = {}) {
  net::HttpHeaders headers = {{"Host", "localhost:9000"},
                              {"x-amz-date", "20130524T000000Z"},
                              {"x-amz-content-sha256", std::string(kEmptySha256)}};
  headers.insert(headers.end(), extra.begin(), extra.end());
  headers.emplace_back("Authorization", SignAuthorization("GET", path, query, headers, kAccessKey,
                                                          kSecret, "us-east-1"));
  return headers;
}

TEST(SigV4HeaderAuth, AccessKeyAndSecret) {
  net::HttpHeaders headers = SignedGet("/b/k", "");
  ExpectOk(Verify("GET", "/b/k", "", headers));
  SecretLookup none = [](std::string_view) -> std::optional<std::string> { return std::nullopt; };
  AuthFailure f = ExpectFailure(VerifySigV4("GET", "/b/k", "", headers, none, kExampleTime),
                                "InvalidAccessKeyId");
  EXPECT_EQ(Detail(f, "AWSAccessKeyId"), kAccessKey);
  SecretLookup wrong = [](std::string_view) -> std::optional<std::string> { return "nope"; };
  ExpectFailure(VerifySigV4("GET", "/b/k", "", headers, wrong, kExampleTime),
                "SignatureDoesNotMatch");
}

TEST(SigV4HeaderAuth, ClockSkew) {
  net::HttpHeaders headers = SignedGet("/b/k", "");
  ExpectOk(Verify("GET", "/b/k", "", headers, kExampleTime + 15 * 60));
  ExpectOk(Verify("GET", "/b/k", "", headers, kExampleTime - 15 * 60));
  AuthFailure f = ExpectFailure(Verify("GET", "/b/k", "", headers, kExampleTime + 15 * 60 + 1),
                                "RequestTimeTooSkewed");
  EXPECT_EQ(Detail(f, "RequestTime"), "20130524T000000Z");
  EXPECT_EQ(Detail(f, "MaxAllowedSkewMilliseconds"), "900000");
  ExpectFailure(Verify("GET", "/b/k", "", headers, kExampleTime - 3600), "RequestTimeTooSkewed");
}

TEST(SigV4HeaderAuth, DateHeaderWhenNoXAmzDate) {
  net::HttpHeaders headers = {{"Host", "localhost:9000"},
                              {"Date", "Fri, 24 May 2013 00:00:00 GMT"},
                              {"x-amz-content-sha256", std::string(kEmptySha256)}};
  headers.emplace_back("Authorization", SignAuthorization("GET", "/b/k", "", headers, kAccessKey,
                                                          kSecret, "us-east-1"));
  AuthResult r = ExpectOk(Verify("GET", "/b/k", "", headers));
  EXPECT_EQ(r.streaming.amz_date, "20130524T000000Z");
  // x-amz-date wins over Date.
  net::HttpHeaders both = SignedGet("/b/k", "", {{"Date", "Sat, 01 Jan 2000 00:00:00 GMT"}});
  ExpectOk(Verify("GET", "/b/k", "", both));
  // No usable date at all.
  net::HttpHeaders bad = headers;
  SetHeader(&bad, "Date", "yesterday");
  AuthFailure f = ExpectFailure(Verify("GET", "/b/k", "", bad), "AccessDenied");
  EXPECT_EQ(f.message, "AWS authentication requires a valid Date or x-amz-date header");
}

TEST(SigV4HeaderAuth, MalformedAuthorization) {
  net::HttpHeaders base = {{"Host", "h"},
                           {"x-amz-date", "20130524T000000Z"},
                           {"x-amz-content-sha256", std::string(kEmptySha256)}};
  auto with_auth = [&](std::string value) {
    net::HttpHeaders h = base;
    h.emplace_back("Authorization", std::move(value));
    return Verify("GET", "/", "", h);
  };
  const std::string sig(64, 'a');
  ExpectFailure(with_auth("AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/"
                          "aws4_request, SignedHeaders=host"),
                "AuthorizationHeaderMalformed");
  ExpectFailure(with_auth("AWS4-HMAC-SHA256"), "AuthorizationHeaderMalformed");
  AuthFailure f = ExpectFailure(
      with_auth("AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3, "
                "SignedHeaders=host, Signature=" +
                sig),
      "AuthorizationHeaderMalformed");
  EXPECT_NE(f.message.find("the Credential is mal-formed"), std::string::npos);
  f = ExpectFailure(with_auth("AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/"
                              "iam/aws4_request, SignedHeaders=host, Signature=" +
                              sig),
                    "AuthorizationHeaderMalformed");
  EXPECT_NE(f.message.find("incorrect service \"iam\""), std::string::npos);
  f = ExpectFailure(with_auth("AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/"
                              "s3/aws5_request, SignedHeaders=host, Signature=" +
                              sig),
                    "AuthorizationHeaderMalformed");
  EXPECT_NE(f.message.find("incorrect terminal \"aws5_request\""), std::string::npos);
  f = ExpectFailure(with_auth("AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130525/us-east-1/"
                              "s3/aws4_request, SignedHeaders=host, Signature=" +
                              sig),
                    "AuthorizationHeaderMalformed");
  EXPECT_NE(f.message.find("Invalid credential date"), std::string::npos);
  SigV4Options eu;
  eu.region = "eu-west-1";
  net::HttpHeaders h = SignedGet("/", "");
  f = ExpectFailure(Verify("GET", "/", "", h, kExampleTime, eu), "AuthorizationHeaderMalformed");
  EXPECT_EQ(f.message,
            "The authorization header is malformed; the region 'us-east-1' is wrong; expecting "
            "'eu-west-1'");
  EXPECT_EQ(Detail(f, "Region"), "eu-west-1");
  SigV4Options any;
  any.region = "";
  ExpectOk(Verify("GET", "/", "", h, kExampleTime, any));
  // Other mechanisms.
  ExpectFailure(with_auth("AWS AKIAIOSFODNN7EXAMPLE:frJIUN8DYpKDtOLCwo//yllqDzg="),
                "InvalidRequest");
  ExpectFailure(with_auth("AWS4-ECDSA-P256-SHA256 Credential=x"), "InvalidRequest");
  ExpectFailure(with_auth("Bearer abc"), "InvalidArgument");
}

TEST(SigV4HeaderAuth, RequiredSignedHeaders) {
  net::HttpHeaders headers = SignedGet("/b/k", "");
  // Host must be signed.
  net::HttpHeaders no_host = {{"x-amz-date", "20130524T000000Z"},
                              {"x-amz-content-sha256", std::string(kEmptySha256)}};
  no_host.emplace_back("Authorization", SignAuthorization("GET", "/b/k", "", no_host, kAccessKey,
                                                          kSecret, "us-east-1"));
  no_host.emplace_back("Host", "localhost:9000");
  AuthFailure f = ExpectFailure(Verify("GET", "/b/k", "", no_host), "AccessDenied");
  EXPECT_EQ(Detail(f, "HeadersNotSigned"), "host");
  // x-amz-content-sha256 is required, and must be one of the known forms.
  net::HttpHeaders missing = {{"Host", "h"}, {"x-amz-date", "20130524T000000Z"}};
  missing.emplace_back("Authorization", SignAuthorization("GET", "/", "", missing, kAccessKey,
                                                          kSecret, "us-east-1"));
  ExpectFailure(Verify("GET", "/", "", missing), "InvalidRequest");
  for (auto [value, code] : std::initializer_list<std::pair<std::string_view, std::string_view>>{
           {"not-a-hash", "InvalidArgument"},
           {"STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD", "NotImplemented"}}) {
    net::HttpHeaders h = {{"Host", "h"},
                          {"x-amz-date", "20130524T000000Z"},
                          {"x-amz-content-sha256", std::string(value)}};
    h.emplace_back("Authorization",
                   SignAuthorization("PUT", "/", "", h, kAccessKey, kSecret, "us-east-1"));
    ExpectFailure(Verify("PUT", "/", "", h), code);
  }
  // UNSIGNED-PAYLOAD.
  net::HttpHeaders unsigned_payload = {{"Host", "h"},
                                       {"x-amz-date", "20130524T000000Z"},
                                       {"x-amz-content-sha256", "UNSIGNED-PAYLOAD"}};
  unsigned_payload.emplace_back(
      "Authorization",
      SignAuthorization("PUT", "/b/k", "", unsigned_payload, kAccessKey, kSecret, "us-east-1"));
  EXPECT_EQ(ExpectOk(Verify("PUT", "/b/k", "", unsigned_payload)).payload, PayloadMode::kUnsigned);
}

TEST(SigV4HeaderAuth, HeaderValueCanonicalisation) {
  net::HttpHeaders headers = SignedGet("/b/k", "", {{"x-amz-meta-note", "a b c"}});
  ExpectOk(Verify("GET", "/b/k", "", headers));
  // Surrounding and repeated spaces do not matter...
  SetHeader(&headers, "x-amz-meta-note", "  a   b \t c  ");
  ExpectOk(Verify("GET", "/b/k", "", headers));
  // ...the content does.
  SetHeader(&headers, "x-amz-meta-note", "a bc");
  ExpectFailure(Verify("GET", "/b/k", "", headers), "SignatureDoesNotMatch");
  // Repeated headers are joined with ',' in order; header name case is irrelevant.
  net::HttpHeaders repeated = SignedGet("/b/k", "", {{"X-Amz-Meta-M", "1"}, {"x-amz-meta-m", "2"}});
  ExpectOk(Verify("GET", "/b/k", "", repeated));
  std::swap(repeated[3].second, repeated[4].second);
  ExpectFailure(Verify("GET", "/b/k", "", repeated), "SignatureDoesNotMatch");
}

TEST(SigV4HeaderAuth, ClientPathEncodings) {
  // The key "a b~c+d/é": boto3 style (keeps '~') on the wire in s3cmd style (encodes '~'), raw
  // UTF-8, and lower-case escapes all canonicalise alike.
  net::HttpHeaders headers = SignedGet("/bucket/a%20b~c%2Bd/%C3%A9", "");
  for (std::string_view wire : {"/bucket/a%20b~c%2Bd/%C3%A9", "/bucket/a%20b%7Ec%2Bd/%C3%A9",
                                "/bucket/a%20b~c%2bd/%c3%a9", "/bucket/a b~c%2Bd/\xc3\xa9"}) {
    ExpectOk(Verify("GET", wire, "", headers));
  }
  ExpectFailure(Verify("GET", "/bucket/a%20b~c%20d/%C3%A9", "", headers), "SignatureDoesNotMatch");
}

TEST(SigV4HeaderAuth, PlusInQuery) {
  // Signed as a space, sent as '+' (form encoding).
  net::HttpHeaders space = SignedGet("/b", "prefix=a%20b");
  ExpectOk(Verify("GET", "/b", "prefix=a+b", space));
  ExpectOk(Verify("GET", "/b", "prefix=a%20b", space));
  // Legacy: signed as a literal '+', sent unencoded.
  net::HttpHeaders plus = SignedGet("/b", "prefix=a%2Bb");
  ExpectOk(Verify("GET", "/b", "prefix=a+b", plus));
  ExpectOk(Verify("GET", "/b", "prefix=a%2Bb", plus));
  ExpectFailure(Verify("GET", "/b", "prefix=a%2Bc", plus), "SignatureDoesNotMatch");
}

}  // namespace
}  // namespace cairn::s3
