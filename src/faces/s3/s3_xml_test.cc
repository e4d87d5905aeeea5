#include "faces/s3/s3_xml.h"

#include <gtest/gtest.h>
#include <time.h>

#include <pugixml.hpp>
#include <random>

#include "faces/s3/s3_errors.h"

namespace cairn::s3 {
namespace {

// ---- Helpers: every encoder's output is parsed back with pugixml.

constexpr uint64_t kSec = 1000000;
// RFC 7231's example date, Sun, 06 Nov 1994 08:49:37 GMT.
constexpr uint64_t kRfcExample = 784111777 * kSec;

uint64_t Micros(int y, int mo, int d, int h, int mi, int s) {
  struct tm tm = {};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  return static_cast<uint64_t>(timegm(&tm)) * kSec;
}

// Parses `xml`, checks the declaration and (when `ns`) S3's namespace on the root, and returns
// the root element.
pugi::xml_node Root(const std::string& xml, pugi::xml_document* doc, bool ns = true) {
  pugi::xml_parse_result res =
      doc->load_buffer(xml.data(), xml.size(),
                       pugi::parse_default | pugi::parse_declaration | pugi::parse_ws_pcdata_single,
                       pugi::encoding_utf8);
  EXPECT_TRUE(res) << res.description() << "\n" << xml;
  EXPECT_TRUE(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>")) << xml;
  pugi::xml_node decl = doc->first_child();
  EXPECT_EQ(decl.type(), pugi::node_declaration);
  EXPECT_STREQ(decl.attribute("version").value(), "1.0");
  EXPECT_STREQ(decl.attribute("encoding").value(), "UTF-8");
  pugi::xml_node root = doc->document_element();
  if (ns) {
    EXPECT_EQ(std::string_view(root.attribute("xmlns").value()), kS3XmlNamespace);
  } else {
    EXPECT_FALSE(root.attribute("xmlns"));
  }
  return root;
}

std::vector<std::string> Names(const pugi::xml_node& n) {
  std::vector<std::string> out;
  for (pugi::xml_node c : n.children()) {
    if (c.type() == pugi::node_element) out.push_back(c.name());
  }
  return out;
}

std::string Text(const pugi::xml_node& n, const char* child) { return n.child(child).text().get(); }

using V = std::vector<std::string>;

objects::ObjectInfo Obj(std::string key, uint64_t size, std::string etag, uint64_t mtime) {
  objects::ObjectInfo o;
  o.key = std::move(key);
  o.size = size;
  o.etag = std::move(etag);
  o.mtime_micros = mtime;
  return o;
}

// ---- The error table.

TEST(S3ErrorsTest, TableIsSortedAndUnique) {
  ASSERT_GT(internal::ErrorTableSize(), 50u);
  for (size_t i = 1; i < internal::ErrorTableSize(); ++i) {
    EXPECT_LT(internal::ErrorTableCode(i - 1), internal::ErrorTableCode(i));
  }
  for (size_t i = 0; i < internal::ErrorTableSize(); ++i) {
    std::string_view code = internal::ErrorTableCode(i);
    EXPECT_TRUE(IsKnownErrorCode(code)) << code;
    EXPECT_FALSE(DefaultMessage(code).empty()) << code;
  }
}

TEST(S3ErrorsTest, StatusesMatchS3) {
  const std::vector<std::pair<std::string, int>> expected = {
      {"AccessDenied", 403},
      {"AuthorizationHeaderMalformed", 400},
      {"AuthorizationQueryParametersError", 400},
      {"BadDigest", 400},
      {"BucketAlreadyExists", 409},
      {"BucketAlreadyOwnedByYou", 409},
      {"BucketNotEmpty", 409},
      {"ConditionalRequestConflict", 409},
      {"EntityTooLarge", 400},
      {"EntityTooSmall", 400},
      {"ExpiredToken", 400},
      {"IncompleteBody", 400},
      {"InternalError", 500},
      {"InvalidAccessKeyId", 403},
      {"InvalidArgument", 400},
      {"InvalidBucketName", 400},
      {"InvalidBucketState", 409},
      {"InvalidDigest", 400},
      {"InvalidLocationConstraint", 400},
      {"InvalidObjectState", 403},
      {"InvalidPart", 400},
      {"InvalidPartOrder", 400},
      {"InvalidRange", 416},
      {"InvalidRequest", 400},
      {"InvalidStorageClass", 400},
      {"InvalidURI", 400},
      {"KeyTooLongError", 400},
      {"MalformedXML", 400},
      {"MaxMessageLengthExceeded", 400},
      {"MetadataTooLarge", 400},
      {"MethodNotAllowed", 405},
      {"MissingContentLength", 411},
      {"MissingRequestBodyError", 400},
      {"MissingSecurityHeader", 400},
      {"NoSuchBucket", 404},
      {"NoSuchKey", 404},
      {"NoSuchUpload", 404},
      {"NoSuchVersion", 404},
      {"NotImplemented", 501},
      {"NotModified", 304},
      {"OperationAborted", 409},
      {"PermanentRedirect", 301},
      {"PreconditionFailed", 412},
      {"RequestTimeTooSkewed", 403},
      {"RequestTimeout", 400},
      {"ServiceUnavailable", 503},
      {"SignatureDoesNotMatch", 403},
      {"SlowDown", 503},
      {"TemporaryRedirect", 307},
      {"TooManyBuckets", 400},
      {"TooManyParts", 400},
      {"XAmzContentSHA256Mismatch", 400},
  };
  for (const auto& [code, status] : expected) {
    EXPECT_TRUE(IsKnownErrorCode(code)) << code;
    EXPECT_EQ(HttpStatusFor(code), status) << code;
  }
}

TEST(S3ErrorsTest, UnknownCodesAndBodies) {
  EXPECT_EQ(HttpStatusFor("NoSuchThing"), 500);
  EXPECT_EQ(HttpStatusFor(""), 500);
  EXPECT_TRUE(DefaultMessage("NoSuchThing").empty());
  EXPECT_FALSE(IsKnownErrorCode("nosuchkey"));  // codes are case-sensitive
  EXPECT_FALSE(ErrorHasBody("NotModified"));
  EXPECT_TRUE(ErrorHasBody("NoSuchKey"));
  EXPECT_TRUE(ErrorHasBody("Whatever"));
}

TEST(S3ErrorsTest, MakeErrorUsesDefaultMessage) {
  S3Error e = MakeError("NoSuchKey", "", "/b/k");
  EXPECT_EQ(e.code, "NoSuchKey");
  EXPECT_EQ(e.message, "The specified key does not exist.");
  EXPECT_EQ(e.resource, "/b/k");
  EXPECT_EQ(MakeError("NoSuchKey", "custom").message, "custom");
  EXPECT_EQ(MakeError("Unknown").message, "");
}

TEST(S3ErrorsTest, ErrorXmlRoundTrips) {
  S3Error e = MakeError("NoSuchKey", "", "/b/a<b>&\"c'\r\nd\x01");
  e.extra["Key"] = "a<b>&\"c'\r\nd";
  e.extra["BucketName"] = "b";
  std::string xml = ErrorXml(e, "REQ123", "HOST456");
  pugi::xml_document doc;
  pugi::xml_node root = Root(xml, &doc, /*ns=*/false);
  EXPECT_STREQ(root.name(), "Error");
  EXPECT_EQ(Names(root),
            (V{"Code", "Message", "BucketName", "Key", "Resource", "RequestId", "HostId"}));
  EXPECT_EQ(Text(root, "Code"), "NoSuchKey");
  EXPECT_EQ(Text(root, "Message"), "The specified key does not exist.");
  EXPECT_EQ(Text(root, "Key"), "a<b>&\"c'\r\nd");  // CR survives end-of-line handling
  EXPECT_EQ(Text(root, "BucketName"), "b");
  EXPECT_EQ(Text(root, "RequestId"), "REQ123");
  EXPECT_EQ(Text(root, "HostId"), "HOST456");
  EXPECT_NE(xml.find("&#13;"), std::string::npos);
  EXPECT_NE(xml.find("&#1;"), std::string::npos);

  // Resource and HostId are omitted when empty; RequestId is always there.
  pugi::xml_document doc2;
  EXPECT_EQ(Names(Root(ErrorXml(MakeError("SlowDown"), ""), &doc2, false)),
            (V{"Code", "Message", "RequestId"}));
}

TEST(S3ErrorsTest, XmlTextEscaping) {
  std::string out;
  AppendXmlText(&out, "a&b<c>d\"e'f\tg\nh\ri\x1f\x7f\xC3\xBC");
  EXPECT_EQ(out, "a&amp;b&lt;c&gt;d&quot;e&apos;f\tg\nh&#13;i&#31;\x7f\xC3\xBC");
  // Bytes that are not UTF-8 become U+FFFD, so the document stays well-formed.
  out.clear();
  AppendXmlText(&out, "a\xFF\xC3(\xED\xA0\x80z\xE2\x9C");
  EXPECT_EQ(out, "a\uFFFD\uFFFD(\uFFFD\uFFFD\uFFFDz\uFFFD\uFFFD");
  pugi::xml_document doc;
  pugi::xml_node root =
      Root(ErrorXml(MakeError("InvalidURI", "", "/b/\xFF\xFE"), "r"), &doc, /*ns=*/false);
  EXPECT_EQ(Text(root, "Resource"), "/b/\uFFFD\uFFFD");
}

TEST(S3ErrorsTest, S3ResultHoldsEitherSide) {
  S3Result<int> good(7);
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, 7);
  S3Result<int> bad(MakeError("InvalidArgument"));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, "InvalidArgument");
}

// ---- Time helpers.

TEST(S3TimeTest, Iso8601) {
  EXPECT_EQ(FormatIso8601Millis(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatIso8601Millis(Micros(2026, 11, 25, 1, 2, 3) + 4567), "2026-11-25T01:02:03.004Z");
  EXPECT_EQ(FormatIso8601Millis(Micros(2000, 2, 29, 23, 59, 59) + 999999),
            "2000-02-29T23:59:59.999Z");
  EXPECT_EQ(FormatIso8601Millis(Micros(2100, 3, 1, 0, 0, 0)), "2100-03-01T00:00:00.000Z");
}

TEST(S3TimeTest, FarFutureIsClamped) {
  EXPECT_EQ(FormatIso8601Millis(UINT64_MAX), "9999-12-31T23:59:59.999Z");
  EXPECT_EQ(FormatHttpDate(UINT64_MAX), "Fri, 31 Dec 9999 23:59:59 GMT");
}

TEST(S3TimeTest, HttpDateFormat) {
  EXPECT_EQ(FormatHttpDate(kRfcExample), "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_EQ(FormatHttpDate(Micros(2026, 11, 25, 1, 2, 3) + 999), "Wed, 25 Nov 2026 01:02:03 GMT");
  EXPECT_EQ(FormatHttpDate(0), "Thu, 01 Jan 1970 00:00:00 GMT");
}

TEST(S3TimeTest, ParsesTheThreeHttpDateForms) {
  EXPECT_EQ(ParseHttpDate("Sun, 06 Nov 1994 08:49:37 GMT"), kRfcExample);
  EXPECT_EQ(ParseHttpDate("Sunday, 06-Nov-94 08:49:37 GMT"), kRfcExample);
  EXPECT_EQ(ParseHttpDate("Sun Nov  6 08:49:37 1994"), kRfcExample);
  EXPECT_EQ(ParseHttpDate("  Sun, 06 Nov 1994 08:49:37 GMT\t"), kRfcExample);
  EXPECT_EQ(ParseHttpDate("Sun Nov 16 08:49:37 1994"), kRfcExample + 10 * 86400 * kSec);
  EXPECT_EQ(ParseHttpDate("Thu, 01 Jan 1970 00:00:00 GMT"), 0u);
  EXPECT_EQ(ParseHttpDate("Tue, 29 Feb 2000 12:00:00 GMT"), Micros(2000, 2, 29, 12, 0, 0));
  // A leap second reads as :59.
  EXPECT_EQ(ParseHttpDate("Sat, 31 Dec 2016 23:59:60 GMT"), Micros(2016, 12, 31, 23, 59, 59));
}

TEST(S3TimeTest, Rfc850TwoDigitYears) {
  // Without a clock: 1970..2069.
  EXPECT_EQ(ParseHttpDate("Thursday, 01-Jan-70 00:00:00 GMT"), 0u);
  EXPECT_EQ(ParseHttpDate("Sunday, 01-Jan-69 00:00:00 GMT"), Micros(2069, 1, 1, 0, 0, 0));
  // Around a clock in 2026: up to 50 years ahead, otherwise the past century.
  uint64_t now = Micros(2026, 6, 1, 0, 0, 0);
  EXPECT_EQ(ParseHttpDate("Wednesday, 01-Jan-76 00:00:00 GMT", now), Micros(2076, 1, 1, 0, 0, 0));
  EXPECT_EQ(ParseHttpDate("Saturday, 01-Jan-77 00:00:00 GMT", now), Micros(1977, 1, 1, 0, 0, 0));
  EXPECT_EQ(ParseHttpDate("Sunday, 06-Nov-94 08:49:37 GMT", now), kRfcExample);
  // Around 2090, "10" is 2110, not 80 years back.
  EXPECT_EQ(ParseHttpDate("Monday, 01-Jan-10 00:00:00 GMT", Micros(2090, 1, 1, 0, 0, 0)),
            Micros(2110, 1, 1, 0, 0, 0));
}

TEST(S3TimeTest, RejectsBadHttpDates) {
  for (const char* bad : {
           "",
           "garbage",
           "sun, 06 Nov 1994 08:49:37 GMT",   // names are case-sensitive
           "Sun, 06 nov 1994 08:49:37 GMT",   //
           "Sun, 06 Nov 1994 08:49:37 UTC",   // only GMT
           "Sun, 06 Nov 1994 08:49:37",       //
           "Sun, 6 Nov 1994 08:49:37 GMT",    // two-digit day
           "Sun, 06 Nov 94 08:49:37 GMT",     // four-digit year
           "Sun, 30 Feb 1994 08:49:37 GMT",   // no such day
           "Sun, 06 Nov 1994 24:00:00 GMT",   //
           "Sun, 06 Nov 1994 08:60:00 GMT",   //
           "Sun, 06 Nov 1994 08:49:61 GMT",   //
           "Wed, 31 Dec 1969 23:59:59 GMT",   // before the epoch
           "Sun, 06 Nov 1994 08:49:37 GMTx",  // trailing junk
           "Sun, 06 Nov 1994 08:49:37 GMT GMT",
           "Sun Nov 6 08:49:37 1994",           // asctime pads the day with a space
           "Sun,  06 Nov 1994 08:49:37 GMT",    //
           "Sunday, 06-Nov-1994 08:49:37 GMT",  //
           "Sund, 06 Nov 1994 08:49:37 GMT",    //
           "Sun, 0x Nov 1994 08:49:37 GMT",     //
           "Sun, -6 Nov 1994 08:49:37 GMT",
       }) {
    EXPECT_EQ(ParseHttpDate(bad), std::nullopt) << bad;
  }
}

TEST(S3TimeTest, HttpDateRoundTrips) {
  std::mt19937_64 rng(42);
  for (int i = 0; i < 2000; ++i) {
    uint64_t t = rng() % (Micros(9999, 12, 31, 23, 59, 59) + kSec);
    std::optional<uint64_t> back = ParseHttpDate(FormatHttpDate(t));
    ASSERT_TRUE(back.has_value()) << FormatHttpDate(t);
    EXPECT_EQ(*back, t / kSec * kSec) << FormatHttpDate(t);
  }
}

// ---- URL helpers.

TEST(S3UrlTest, EncodesLikeS3) {
  EXPECT_EQ(UrlEncodeS3("AZaz09-_.~", false), "AZaz09-_.~");
  EXPECT_EQ(UrlEncodeS3("a b+c/d", false), "a%20b%2Bc%2Fd");
  EXPECT_EQ(UrlEncodeS3("a b+c/d", true), "a%20b%2Bc/d");
  EXPECT_EQ(UrlEncodeS3("\xC3\xBC\xE2\x9C\x93", true), "%C3%BC%E2%9C%93");  // ü ✓
  EXPECT_EQ(UrlEncodeS3("%=&?#*!'()", false), "%25%3D%26%3F%23%2A%21%27%28%29");
  EXPECT_EQ(UrlEncodeS3(std::string("\0\x7f", 2), false), "%00%7F");
  EXPECT_EQ(UrlEncodeS3("", true), "");
}

TEST(S3UrlTest, Decodes) {
  EXPECT_EQ(UrlDecode("a%20b%2Bc%2fd"), "a b+c/d");
  EXPECT_EQ(UrlDecode("a+b"), "a+b");
  EXPECT_EQ(UrlDecode("a+b", /*plus_as_space=*/true), "a b");
  EXPECT_EQ(UrlDecode("a%2Bb", true), "a+b");
  EXPECT_EQ(UrlDecode("%C3%BC"), "\xC3\xBC");
  EXPECT_EQ(UrlDecode("%00"), std::string(1, '\0'));
  EXPECT_EQ(UrlDecode(""), "");
  for (const char* bad : {"%", "%2", "a%2", "%zz", "%2g", "%%", "abc%"}) {
    EXPECT_EQ(UrlDecode(bad), std::nullopt) << bad;
  }
  for (std::string s : {std::string("a b+c/d"), std::string("\xC3\xBC/x y"), std::string("%%%"),
                        std::string("\0\xff", 2)}) {
    EXPECT_EQ(UrlDecode(UrlEncodeS3(s, false)), s);
    EXPECT_EQ(UrlDecode(UrlEncodeS3(s, true), true), s);
  }
}

TEST(S3UrlTest, Utf8Validation) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain/ascii"));
  EXPECT_TRUE(IsValidUtf8("\xC3\xBC\xE2\x9C\x93\xF0\x9F\x98\x80"));
  EXPECT_TRUE(IsValidUtf8("\xF4\x8F\xBF\xBF"));  // U+10FFFF
  for (const char* bad :
       {"\xC0\x80", "\xC1\xBF", "\xE0\x80\x80", "\xED\xA0\x80", "\xF0\x80\x80\x80",
        "\xF4\x90\x80\x80", "\xF5\x80\x80\x80", "\xFF", "\x80", "\xC3", "\xE2\x9C", "a\xC3(b"}) {
    EXPECT_FALSE(IsValidUtf8(bad)) << bad;
  }
}

TEST(S3UrlTest, QuoteETag) {
  EXPECT_EQ(QuoteETag("abc"), "\"abc\"");
  EXPECT_EQ(QuoteETag("\"abc\""), "\"abc\"");
  EXPECT_EQ(QuoteETag(""), "\"\"");
}

// ---- Continuation tokens and markers.

TEST(S3ListTest, ContinuationTokensRoundTrip) {
  for (std::string s :
       {std::string(""), std::string("a"), std::string("photos/2006/"), std::string("dir/\xff"),
        std::string("\xC3\xBC key+/x"), std::string(1024, 'k')}) {
    std::string token = EncodeContinuationToken(s);
    EXPECT_EQ(token.find_first_of("+/= "), std::string::npos) << token;  // safe in a query
    S3Result<std::string> back = DecodeContinuationToken(token);
    ASSERT_TRUE(back.ok()) << token;
    EXPECT_EQ(*back, s);
  }
}

TEST(S3ListTest, BadContinuationTokens) {
  std::string not_utf8 = EncodeContinuationToken("a\xC3(");
  std::string version2 = EncodeContinuationToken("abc");
  version2[0] = 'B';  // first byte 0x05, not the version byte
  for (const std::string& bad :
       {std::string(""), std::string("!!!!"), std::string("a"), std::string("AQ=x"),
        std::string("a b"), not_utf8, version2, std::string(5000, 'A'), std::string("AR")}) {
    S3Result<std::string> r = DecodeContinuationToken(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, "InvalidArgument");
    EXPECT_EQ(r.error().extra.at("ArgumentName"), "continuation-token");
  }
}

TEST(S3ListTest, StartAfterForMarker) {
  EXPECT_EQ(StartAfterForMarker("photos/", "", "/"), "photos/\xff");
  EXPECT_EQ(StartAfterForMarker("a/b/", "a/", "/"), "a/b/\xff");
  EXPECT_EQ(StartAfterForMarker("a/b/c", "a/", "/"), "a/b/c");    // a key
  EXPECT_EQ(StartAfterForMarker("a/b/c/", "a/", "/"), "a/b/c/");  // not a prefix of this level
  EXPECT_EQ(StartAfterForMarker("photos/", "", ""), "photos/");
  EXPECT_EQ(StartAfterForMarker("x--", "", "--"), "x--\xff");
  EXPECT_EQ(StartAfterForMarker("", "", "/"), "");
  EXPECT_EQ(StartAfterForMarker("b/", "a/", "/"), "b/");
}

// ---- Encoders.

TEST(S3XmlEncodeTest, ListAllMyBuckets) {
  std::vector<objects::BucketInfo> buckets = {{"alpha", Micros(2020, 1, 2, 3, 4, 5)}, {"beta", 0}};
  std::string xml = ListAllMyBucketsXml({"owner-id", "owner"}, buckets);
  pugi::xml_document doc;
  pugi::xml_node root = Root(xml, &doc);
  EXPECT_STREQ(root.name(), "ListAllMyBucketsResult");
  EXPECT_EQ(Names(root), (V{"Owner", "Buckets"}));
  EXPECT_EQ(Names(root.child("Owner")), (V{"ID", "DisplayName"}));
  EXPECT_EQ(Text(root.child("Owner"), "ID"), "owner-id");
  EXPECT_EQ(Text(root.child("Owner"), "DisplayName"), "owner");
  EXPECT_EQ(Names(root.child("Buckets")), (V{"Bucket", "Bucket"}));
  pugi::xml_node b = root.child("Buckets").child("Bucket");
  EXPECT_EQ(Names(b), (V{"Name", "CreationDate"}));
  EXPECT_EQ(Text(b, "Name"), "alpha");
  EXPECT_EQ(Text(b, "CreationDate"), "2020-01-02T03:04:05.000Z");
  EXPECT_EQ(Text(b.next_sibling("Bucket"), "Name"), "beta");

  pugi::xml_document empty;
  EXPECT_EQ(Names(Root(ListAllMyBucketsXml({}, {}), &empty).child("Buckets")), V{});
}

TEST(S3XmlEncodeTest, ListObjectsV1) {
  objects::ListResult r;
  r.objects = {Obj("a.txt", 10, "abc", Micros(2021, 5, 6, 7, 8, 9)), Obj("b.txt", 0, "\"d\"", 0)};
  r.common_prefixes = {"c/"};
  r.truncated = true;
  r.next_start_after = "c/\xff";
  ListObjectsParams p;
  p.bucket = "bkt";
  p.prefix = "";
  p.delimiter = "/";
  p.max_keys = 3;
  p.marker = "0";
  p.owner = Owner{"id", "name"};
  pugi::xml_document doc;
  pugi::xml_node root = Root(ListObjectsV1Xml(p, r), &doc);
  EXPECT_STREQ(root.name(), "ListBucketResult");
  EXPECT_EQ(Names(root), (V{"Name", "Prefix", "Marker", "NextMarker", "MaxKeys", "Delimiter",
                            "IsTruncated", "Contents", "Contents", "CommonPrefixes"}));
  EXPECT_EQ(Text(root, "Name"), "bkt");
  EXPECT_EQ(Text(root, "Prefix"), "");
  EXPECT_EQ(Text(root, "Marker"), "0");
  EXPECT_EQ(Text(root, "NextMarker"), "c/");  // the common prefix came last
  EXPECT_EQ(Text(root, "MaxKeys"), "3");
  EXPECT_EQ(Text(root, "Delimiter"), "/");
  EXPECT_EQ(Text(root, "IsTruncated"), "true");
  pugi::xml_node c = root.child("Contents");
  EXPECT_EQ(Names(c), (V{"Key", "LastModified", "ETag", "Size", "Owner", "StorageClass"}));
  EXPECT_EQ(Text(c, "Key"), "a.txt");
  EXPECT_EQ(Text(c, "LastModified"), "2021-05-06T07:08:09.000Z");
  EXPECT_EQ(Text(c, "ETag"), "\"abc\"");
  EXPECT_EQ(Text(c, "Size"), "10");
  EXPECT_EQ(Text(c.child("Owner"), "ID"), "id");
  EXPECT_EQ(Text(c, "StorageClass"), "STANDARD");
  EXPECT_EQ(Text(c.next_sibling("Contents"), "ETag"), "\"d\"");  // already quoted
  EXPECT_EQ(Text(root.child("CommonPrefixes"), "Prefix"), "c/");

  // A key after the last prefix is the NextMarker.
  r.objects.push_back(Obj("d.txt", 1, "e", 0));
  pugi::xml_document doc2;
  EXPECT_EQ(Text(Root(ListObjectsV1Xml(p, r), &doc2), "NextMarker"), "d.txt");

  // No delimiter: no NextMarker (clients continue from the last Key) and no Delimiter.
  p.delimiter.clear();
  p.owner.reset();
  r.common_prefixes.clear();
  pugi::xml_document doc3;
  pugi::xml_node root3 = Root(ListObjectsV1Xml(p, r), &doc3);
  EXPECT_EQ(Names(root3), (V{"Name", "Prefix", "Marker", "MaxKeys", "IsTruncated", "Contents",
                             "Contents", "Contents"}));
  EXPECT_EQ(Names(root3.child("Contents")),
            (V{"Key", "LastModified", "ETag", "Size", "StorageClass"}));
}

TEST(S3XmlEncodeTest, ListObjectsV1UrlEncoding) {
  objects::ListResult r;
  r.objects = {Obj("dir/a b+c\xC3\xBC&.txt", 1, "x", 0)};
  r.common_prefixes = {"dir/sub dir/"};
  r.truncated = true;
  ListObjectsParams p;
  p.bucket = "bkt";
  p.prefix = "dir/ ";
  p.delimiter = "/";
  p.marker = "dir/m+";
  p.url_encoding = true;
  pugi::xml_document doc;
  pugi::xml_node root = Root(ListObjectsV1Xml(p, r), &doc);
  EXPECT_EQ(Names(root), (V{"Name", "Prefix", "Marker", "NextMarker", "MaxKeys", "Delimiter",
                            "EncodingType", "IsTruncated", "Contents", "CommonPrefixes"}));
  EXPECT_EQ(Text(root, "Prefix"), "dir/%20");
  EXPECT_EQ(Text(root, "Marker"), "dir/m%2B");
  EXPECT_EQ(Text(root, "NextMarker"), "dir/sub%20dir/");
  EXPECT_EQ(Text(root, "Delimiter"), "/");
  EXPECT_EQ(Text(root, "EncodingType"), "url");
  EXPECT_EQ(Text(root.child("Contents"), "Key"), "dir/a%20b%2Bc%C3%BC%26.txt");
  EXPECT_EQ(UrlDecode(Text(root.child("Contents"), "Key"), true), r.objects[0].key);
  EXPECT_EQ(Text(root.child("CommonPrefixes"), "Prefix"), "dir/sub%20dir/");
}

TEST(S3XmlEncodeTest, ListObjectsV2) {
  objects::ListResult r;
  r.objects = {Obj("k 1", 5, "e1", 0)};
  r.common_prefixes = {"p/", "q/"};
  r.truncated = true;
  r.next_start_after = "q/\xff";
  ListObjectsParams p;
  p.bucket = "bkt";
  p.prefix = "";
  p.delimiter = "/";
  p.max_keys = 3;
  p.continuation_token = "prev-token";
  p.start_after = "a b";
  pugi::xml_document doc;
  pugi::xml_node root = Root(ListObjectsV2Xml(p, r), &doc);
  EXPECT_EQ(Names(root), (V{"Name", "Prefix", "StartAfter", "ContinuationToken",
                            "NextContinuationToken", "KeyCount", "MaxKeys", "Delimiter",
                            "IsTruncated", "Contents", "CommonPrefixes", "CommonPrefixes"}));
  EXPECT_EQ(Text(root, "StartAfter"), "a b");
  EXPECT_EQ(Text(root, "ContinuationToken"), "prev-token");
  EXPECT_EQ(Text(root, "KeyCount"), "3");
  S3Result<std::string> next = DecodeContinuationToken(Text(root, "NextContinuationToken"));
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(*next, "q/\xff");
  EXPECT_EQ(Names(root.child("Contents")),
            (V{"Key", "LastModified", "ETag", "Size", "StorageClass"}));  // no fetch-owner
  EXPECT_EQ(Text(root.child("Contents"), "Key"), "k 1");

  // First page, not truncated, url-encoded, fetch-owner.
  r.truncated = false;
  r.next_start_after.clear();
  p.continuation_token.clear();
  p.start_after = "a b/";
  p.url_encoding = true;
  p.owner = Owner{"i", "n"};
  pugi::xml_document doc2;
  pugi::xml_node root2 = Root(ListObjectsV2Xml(p, r), &doc2);
  EXPECT_EQ(Names(root2),
            (V{"Name", "Prefix", "StartAfter", "KeyCount", "MaxKeys", "Delimiter", "EncodingType",
               "IsTruncated", "Contents", "CommonPrefixes", "CommonPrefixes"}));
  EXPECT_EQ(Text(root2, "StartAfter"), "a%20b/");
  EXPECT_EQ(Text(root2, "IsTruncated"), "false");
  EXPECT_EQ(Text(root2.child("Contents"), "Key"), "k%201");
  EXPECT_EQ(Names(root2.child("Contents")),
            (V{"Key", "LastModified", "ETag", "Size", "Owner", "StorageClass"}));
}

TEST(S3XmlEncodeTest, KeysWithXmlSpecialCharactersSurvive) {
  std::string key = "a<b>&c\"d'e\r\nf\tg\xC3\xBC";
  objects::ListResult r;
  r.objects = {Obj(key, 1, "x", 0)};
  ListObjectsParams p;
  p.bucket = "b";
  p.prefix = "a<";
  pugi::xml_document doc;
  pugi::xml_node root = Root(ListObjectsV2Xml(p, r), &doc);
  EXPECT_EQ(Text(root.child("Contents"), "Key"), key);
  EXPECT_EQ(Text(root, "Prefix"), "a<");
}

TEST(S3XmlEncodeTest, CopyResults) {
  uint64_t t = Micros(2022, 2, 3, 4, 5, 6) + 7000;
  pugi::xml_document doc;
  pugi::xml_node root = Root(CopyObjectResultXml("abc", t), &doc);
  EXPECT_STREQ(root.name(), "CopyObjectResult");
  EXPECT_EQ(Names(root), (V{"LastModified", "ETag"}));
  EXPECT_EQ(Text(root, "LastModified"), "2022-02-03T04:05:06.007Z");
  EXPECT_EQ(Text(root, "ETag"), "\"abc\"");
  pugi::xml_document doc2;
  pugi::xml_node root2 = Root(CopyPartResultXml("\"abc\"", t), &doc2);
  EXPECT_STREQ(root2.name(), "CopyPartResult");
  EXPECT_EQ(Names(root2), (V{"LastModified", "ETag"}));
  EXPECT_EQ(Text(root2, "ETag"), "\"abc\"");
}

TEST(S3XmlEncodeTest, InitiateAndComplete) {
  pugi::xml_document doc;
  pugi::xml_node root = Root(InitiateMultipartUploadResultXml("b", "k&", "u1"), &doc);
  EXPECT_STREQ(root.name(), "InitiateMultipartUploadResult");
  EXPECT_EQ(Names(root), (V{"Bucket", "Key", "UploadId"}));
  EXPECT_EQ(Text(root, "Key"), "k&");
  EXPECT_EQ(Text(root, "UploadId"), "u1");

  pugi::xml_document doc2;
  pugi::xml_node root2 =
      Root(CompleteMultipartUploadResultXml("http://h/b/k", "b", "k", "abc-3"), &doc2);
  EXPECT_STREQ(root2.name(), "CompleteMultipartUploadResult");
  EXPECT_EQ(Names(root2), (V{"Location", "Bucket", "Key", "ETag"}));
  EXPECT_EQ(Text(root2, "Location"), "http://h/b/k");
  EXPECT_EQ(Text(root2, "ETag"), "\"abc-3\"");
}

TEST(S3XmlEncodeTest, ListPartsPaginates) {
  std::vector<objects::ObjectStore::PartInfo> parts;
  for (uint32_t n : {1, 2, 3, 5, 8}) parts.push_back({n, "etag" + std::to_string(n), n * 100});
  ListPartsParams p;
  p.bucket = "b";
  p.key = "k";
  p.upload_id = "u";
  p.owner = {"id", "name"};
  p.part_number_marker = 1;
  p.max_parts = 2;
  p.parts_last_modified_micros = Micros(2023, 1, 1, 0, 0, 0);
  pugi::xml_document doc;
  pugi::xml_node root = Root(ListPartsResultXml(p, parts), &doc);
  EXPECT_STREQ(root.name(), "ListPartsResult");
  EXPECT_EQ(Names(root), (V{"Bucket", "Key", "UploadId", "Initiator", "Owner", "StorageClass",
                            "PartNumberMarker", "NextPartNumberMarker", "MaxParts", "IsTruncated",
                            "Part", "Part"}));
  EXPECT_EQ(Text(root, "PartNumberMarker"), "1");
  EXPECT_EQ(Text(root, "NextPartNumberMarker"), "3");
  EXPECT_EQ(Text(root, "MaxParts"), "2");
  EXPECT_EQ(Text(root, "IsTruncated"), "true");
  EXPECT_EQ(Text(root.child("Initiator"), "DisplayName"), "name");
  pugi::xml_node part = root.child("Part");
  EXPECT_EQ(Names(part), (V{"PartNumber", "LastModified", "ETag", "Size"}));
  EXPECT_EQ(Text(part, "PartNumber"), "2");
  EXPECT_EQ(Text(part, "LastModified"), "2023-01-01T00:00:00.000Z");
  EXPECT_EQ(Text(part, "ETag"), "\"etag2\"");
  EXPECT_EQ(Text(part, "Size"), "200");
  EXPECT_EQ(Text(part.next_sibling("Part"), "PartNumber"), "3");

  // The last page; no part time.
  p.part_number_marker = 3;
  p.max_parts = 1000;
  p.parts_last_modified_micros.reset();
  pugi::xml_document doc2;
  pugi::xml_node root2 = Root(ListPartsResultXml(p, parts), &doc2);
  EXPECT_EQ(Text(root2, "IsTruncated"), "false");
  EXPECT_EQ(Text(root2, "NextPartNumberMarker"), "8");
  EXPECT_EQ(Names(root2.child("Part")), (V{"PartNumber", "ETag", "Size"}));

  // Past the end: no parts, no NextPartNumberMarker.
  p.part_number_marker = 8;
  pugi::xml_document doc3;
  pugi::xml_node root3 = Root(ListPartsResultXml(p, parts), &doc3);
  EXPECT_FALSE(root3.child("NextPartNumberMarker"));
  EXPECT_FALSE(root3.child("Part"));
}

TEST(S3XmlEncodeTest, ListMultipartUploads) {
  ListUploadsParams p;
  p.bucket = "b";
  p.prefix = "";
  p.delimiter = "/";
  p.next_key_marker = "k2";
  p.next_upload_id_marker = "u2";
  p.max_uploads = 2;
  p.truncated = true;
  p.owner = {"id", "name"};
  std::vector<UploadSummary> uploads = {{"k1", "u1", Micros(2024, 4, 5, 6, 7, 8)}, {"k2", "u2", 0}};
  pugi::xml_document doc;
  pugi::xml_node root = Root(ListMultipartUploadsResultXml(p, uploads, {"photos/"}), &doc);
  EXPECT_STREQ(root.name(), "ListMultipartUploadsResult");
  EXPECT_EQ(Names(root), (V{"Bucket", "KeyMarker", "UploadIdMarker", "NextKeyMarker",
                            "NextUploadIdMarker", "Delimiter", "Prefix", "MaxUploads",
                            "IsTruncated", "Upload", "Upload", "CommonPrefixes"}));
  EXPECT_EQ(Text(root, "NextKeyMarker"), "k2");
  EXPECT_EQ(Text(root, "NextUploadIdMarker"), "u2");
  EXPECT_EQ(Text(root, "MaxUploads"), "2");
  EXPECT_EQ(Text(root, "IsTruncated"), "true");
  pugi::xml_node u = root.child("Upload");
  EXPECT_EQ(Names(u), (V{"Key", "UploadId", "Initiator", "Owner", "StorageClass", "Initiated"}));
  EXPECT_EQ(Text(u, "Key"), "k1");
  EXPECT_EQ(Text(u, "UploadId"), "u1");
  EXPECT_EQ(Text(u, "Initiated"), "2024-04-05T06:07:08.000Z");
  EXPECT_EQ(Text(root.child("CommonPrefixes"), "Prefix"), "photos/");

  p.url_encoding = true;
  p.delimiter.clear();
  pugi::xml_document doc2;
  pugi::xml_node root2 = Root(ListMultipartUploadsResultXml(p, {{"a b", "u", 0}}, {}), &doc2);
  EXPECT_EQ(Names(root2),
            (V{"Bucket", "KeyMarker", "UploadIdMarker", "NextKeyMarker", "NextUploadIdMarker",
               "Prefix", "EncodingType", "MaxUploads", "IsTruncated", "Upload"}));
  EXPECT_EQ(Text(root2.child("Upload"), "Key"), "a%20b");
}

TEST(S3XmlEncodeTest, DeleteResult) {
  std::vector<DeleteOutcome> outcomes = {
      {"a", "", ""}, {"b&", "AccessDenied", ""}, {"c", "", ""}, {"d", "InternalError", "boom"}};
  pugi::xml_document doc;
  pugi::xml_node root = Root(DeleteResultXml(false, outcomes), &doc);
  EXPECT_STREQ(root.name(), "DeleteResult");
  EXPECT_EQ(Names(root), (V{"Deleted", "Error", "Deleted", "Error"}));
  EXPECT_EQ(Names(root.child("Deleted")), V{"Key"});
  EXPECT_EQ(Text(root.child("Deleted"), "Key"), "a");
  pugi::xml_node err = root.child("Error");
  EXPECT_EQ(Names(err), (V{"Key", "Code", "Message"}));
  EXPECT_EQ(Text(err, "Key"), "b&");
  EXPECT_EQ(Text(err, "Code"), "AccessDenied");
  EXPECT_EQ(Text(err, "Message"), "Access Denied");
  EXPECT_EQ(Text(err.next_sibling("Error"), "Message"), "boom");

  pugi::xml_document doc2;
  EXPECT_EQ(Names(Root(DeleteResultXml(true, outcomes), &doc2)), (V{"Error", "Error"}));
  pugi::xml_document doc3;
  EXPECT_EQ(Names(Root(DeleteResultXml(true, {{"a", "", ""}}), &doc3)), V{});
}

TEST(S3XmlEncodeTest, LocationConstraint) {
  for (std::string_view region : {"", "us-east-1"}) {
    pugi::xml_document doc;
    pugi::xml_node root = Root(LocationConstraintXml(region), &doc);
    EXPECT_STREQ(root.name(), "LocationConstraint");
    EXPECT_STREQ(root.text().get(), "");
  }
  pugi::xml_document doc;
  pugi::xml_node root = Root(LocationConstraintXml("eu-west-1"), &doc);
  EXPECT_STREQ(root.name(), "LocationConstraint");
  EXPECT_STREQ(root.text().get(), "eu-west-1");
}

// ---- Parsers.

std::string CompleteBody(const std::string& parts) {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<CompleteMultipartUpload xmlns=\"" +
         std::string(kS3XmlNamespace) + "\">" + parts + "</CompleteMultipartUpload>";
}

std::string Part(const std::string& number, const std::string& etag) {
  return "<Part><PartNumber>" + number + "</PartNumber><ETag>" + etag + "</ETag></Part>";
}

std::string ErrorCode(const S3Result<std::vector<std::pair<uint32_t, std::string>>>& r) {
  return r.ok() ? "OK" : r.error().code;
}

TEST(S3XmlParseTest, CompleteMultipartUpload) {
  auto r = ParseCompleteMultipartUpload(
      CompleteBody(Part("1", "\"a1\"") + Part("2", "&quot;b2&quot;") + Part(" 3 ", "  \"c3\"\n ") +
                   Part("0010", "d4") +
                   "<Part>\n  <ETag>e5</ETag>\n  <ChecksumCRC32>AAAA</ChecksumCRC32>\n  "
                   "<PartNumber>10000</PartNumber>\n</Part>"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(*r, (std::vector<std::pair<uint32_t, std::string>>{
                    {1, "a1"}, {2, "b2"}, {3, "c3"}, {10, "d4"}, {10000, "e5"}}));

  // No namespace, a prefixed namespace, a UTF-8 BOM, and CDATA are all fine.
  for (std::string body : {
           "<CompleteMultipartUpload>" + Part("1", "x") + "</CompleteMultipartUpload>",
           "<s3:CompleteMultipartUpload xmlns:s3=\"" + std::string(kS3XmlNamespace) +
               "\"><s3:Part><s3:PartNumber>1</s3:PartNumber><s3:ETag>x</s3:ETag></s3:Part>"
               "</s3:CompleteMultipartUpload>",
           "\xEF\xBB\xBF" + CompleteBody(Part("1", "x")),
           CompleteBody(Part("1", "<![CDATA[\"x\"]]>")),
           CompleteBody("<!-- a comment -->" + Part("1", "x")),
       }) {
    auto ok = ParseCompleteMultipartUpload(body);
    ASSERT_TRUE(ok.ok()) << body << ": " << ok.error().message;
    EXPECT_EQ(*ok, (std::vector<std::pair<uint32_t, std::string>>{{1, "x"}})) << body;
  }
}

TEST(S3XmlParseTest, CompleteMultipartUploadErrors) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "MissingRequestBodyError"},
      {" \n ", "MissingRequestBodyError"},
      {"<CompleteMultipartUpload>", "MalformedXML"},
      {"not xml", "MalformedXML"},
      {CompleteBody(""), "MalformedXML"},
      {"<Complete>" + Part("1", "x") + "</Complete>", "MalformedXML"},
      {CompleteBody("<Part><PartNumber>1</PartNumber></Part>"), "MalformedXML"},
      {CompleteBody("<Part><ETag>x</ETag></Part>"), "MalformedXML"},
      {CompleteBody("<Part><PartNumber>1</PartNumber><PartNumber>2</PartNumber><ETag>x</ETag>"
                    "</Part>"),
       "MalformedXML"},
      {CompleteBody("<Part><PartNumber>1</PartNumber><ETag>x</ETag><ETag>y</ETag></Part>"),
       "MalformedXML"},
      {CompleteBody(Part("abc", "x")), "MalformedXML"},
      {CompleteBody(Part("-1", "x")), "MalformedXML"},
      {CompleteBody(Part("+1", "x")), "MalformedXML"},
      {CompleteBody(Part("1.5", "x")), "MalformedXML"},
      {CompleteBody(Part("", "x")), "MalformedXML"},
      {CompleteBody(Part("<a>1</a>", "x")), "MalformedXML"},
      {CompleteBody(Part("0", "x")), "InvalidArgument"},
      {CompleteBody(Part("10001", "x")), "InvalidArgument"},
      {CompleteBody(Part("99999999999999999999999", "x")), "InvalidArgument"},
      {CompleteBody(Part("1", "")), "InvalidPart"},
      {CompleteBody(Part("1", "\"\"")), "InvalidPart"},
      {CompleteBody(Part("2", "x") + Part("1", "y")), "InvalidPartOrder"},
      {CompleteBody(Part("1", "x") + Part("1", "y")), "InvalidPartOrder"},
  };
  for (const auto& [body, code] : cases) {
    EXPECT_EQ(ErrorCode(ParseCompleteMultipartUpload(body)), code) << body;
  }
  auto r = ParseCompleteMultipartUpload(CompleteBody(Part("0", "x")));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().extra.at("ArgumentName"), "partNumber");
  EXPECT_EQ(r.error().extra.at("ArgumentValue"), "0");
}

TEST(S3XmlParseTest, CompleteMultipartUploadLimits) {
  std::string parts;
  for (int i = 1; i <= 10000; ++i) parts += Part(std::to_string(i), "\"0123456789abcdef\"");
  auto r = ParseCompleteMultipartUpload(CompleteBody(parts));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->size(), 10000u);
  EXPECT_EQ(r->back(), (std::pair<uint32_t, std::string>{10000, "0123456789abcdef"}));

  EXPECT_EQ(ErrorCode(ParseCompleteMultipartUpload(CompleteBody(parts + Part("10000", "x")))),
            "MalformedXML");
  std::string huge = CompleteBody(Part("1", std::string(kMaxXmlRequestBytes, 'e')));
  EXPECT_EQ(ErrorCode(ParseCompleteMultipartUpload(huge)), "MaxMessageLengthExceeded");
}

TEST(S3XmlParseTest, DeleteObjects) {
  std::string body =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<Delete xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\n"
      "  <Quiet> TRUE </Quiet>\n"
      "  <Object><Key>plain.txt</Key></Object>\n"
      "  <Object><Key>a&amp;b&lt;c&gt;d&quot;e&apos;f</Key><VersionId>v1</VersionId></Object>\n"
      "  <Object><Key>cr&#13;lf&#x0A;tab&#9;</Key></Object>\n"
      "  <Object><Key> </Key></Object>\n"
      "  <Object><Key>  two  spaces  </Key></Object>\n"
      "  <Object><Key>\xC3\xBC/\xE2\x9C\x93 &#x1F600;</Key></Object>\n"
      "  <Object><Key><![CDATA[<raw>&]]>tail</Key></Object>\n"
      "  <Object><Key></Key></Object>\n"
      "  <Object><Key/></Object>\n"
      "</Delete>";
  S3Result<DeleteRequest> r = ParseDeleteObjects(body);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(r->quiet);
  EXPECT_EQ(r->keys, (V{"plain.txt", "a&b<c>d\"e'f", "cr\rlf\ntab\t", " ", "  two  spaces  ",
                        "\xC3\xBC/\xE2\x9C\x93 \xF0\x9F\x98\x80", "<raw>&tail", "", ""}));

  S3Result<DeleteRequest> loud =
      ParseDeleteObjects("<Delete><Object><Key>k</Key></Object></Delete>");
  ASSERT_TRUE(loud.ok());
  EXPECT_FALSE(loud->quiet);
  S3Result<DeleteRequest> f =
      ParseDeleteObjects("<Delete><Quiet>false</Quiet><Object><Key>k</Key></Object></Delete>");
  ASSERT_TRUE(f.ok());
  EXPECT_FALSE(f->quiet);
}

TEST(S3XmlParseTest, DeleteObjectsErrors) {
  std::string obj = "<Object><Key>k</Key></Object>";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "MissingRequestBodyError"},
      {"<Delete></Delete>", "MalformedXML"},
      {"<Delete><Quiet>true</Quiet></Delete>", "MalformedXML"},
      {"<Delete><Quiet>yes</Quiet>" + obj + "</Delete>", "MalformedXML"},
      {"<Delete><Quiet>true</Quiet><Quiet>true</Quiet>" + obj + "</Delete>", "MalformedXML"},
      {"<Delete><Object></Object></Delete>", "MalformedXML"},
      {"<Delete><Object><Key>a</Key><Key>b</Key></Object></Delete>", "MalformedXML"},
      {"<Delete><Object><Key><b>x</b></Key></Object></Delete>", "MalformedXML"},
      {"<Remove>" + obj + "</Remove>", "MalformedXML"},
      {"<Delete>" + obj, "MalformedXML"},
      {"<Delete>" + obj + "</Delete><Delete/>", "MalformedXML"},
  };
  for (const auto& [body, code] : cases) {
    S3Result<DeleteRequest> r = ParseDeleteObjects(body);
    EXPECT_EQ(r.ok() ? "OK" : r.error().code, code) << body;
  }
}

TEST(S3XmlParseTest, DeleteObjectsKeyLimit) {
  std::string objects;
  for (int i = 0; i < 1000; ++i) {
    objects += "<Object><Key>" + std::string(1024, 'a' + i % 26) + "</Key></Object>";
  }
  S3Result<DeleteRequest> r = ParseDeleteObjects("<Delete>" + objects + "</Delete>");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->keys.size(), 1000u);
  S3Result<DeleteRequest> over =
      ParseDeleteObjects("<Delete>" + objects + "<Object><Key>x</Key></Object></Delete>");
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.error().code, "MalformedXML");
}

TEST(S3XmlParseTest, CreateBucketConfiguration) {
  auto loc = [](std::string_view body) {
    S3Result<std::string> r = ParseCreateBucketConfiguration(body);
    return r.ok() ? *r : "error:" + r.error().code;
  };
  EXPECT_EQ(loc(""), "");
  EXPECT_EQ(loc("\n"), "");
  EXPECT_EQ(loc("<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
                "<LocationConstraint>eu-west-1</LocationConstraint></CreateBucketConfiguration>"),
            "eu-west-1");
  EXPECT_EQ(loc("<?xml version=\"1.0\"?>\n<CreateBucketConfiguration>\n  <LocationConstraint>\n"
                "    us-west-2 \n  </LocationConstraint>\n</CreateBucketConfiguration>"),
            "us-west-2");
  EXPECT_EQ(loc("<CreateBucketConfiguration/>"), "");
  EXPECT_EQ(loc("<CreateBucketConfiguration><LocationConstraint/></CreateBucketConfiguration>"),
            "");
  EXPECT_EQ(loc("<CreateBucketConfiguration><Bucket><Type>Directory</Type></Bucket>"
                "<LocationConstraint>r</LocationConstraint></CreateBucketConfiguration>"),
            "r");
  EXPECT_EQ(loc("<CreateBucket><LocationConstraint>r</LocationConstraint></CreateBucket>"),
            "error:MalformedXML");
  EXPECT_EQ(loc("<CreateBucketConfiguration><LocationConstraint>a</LocationConstraint>"
                "<LocationConstraint>b</LocationConstraint></CreateBucketConfiguration>"),
            "error:MalformedXML");
  EXPECT_EQ(loc("<CreateBucketConfiguration>"), "error:MalformedXML");
  EXPECT_EQ(
      loc("<CreateBucketConfiguration>" + std::string(70000, ' ') + "</CreateBucketConfiguration>"),
      "error:MaxMessageLengthExceeded");
}

// ---- Hostile input.

TEST(S3XmlHostileTest, PugixmlDoesNotExpandEntities) {
  // Even when pugixml is asked to keep the DOCTYPE, it expands no declared entity: the reference
  // stays as text. (The parsers reject DOCTYPE outright anyway; see below.)
  const char* laughs =
      "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">"
      "<!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">]>"
      "<lolz>&lol2;</lolz>";
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_string(laughs, pugi::parse_default | pugi::parse_doctype));
  EXPECT_STREQ(doc.child("lolz").text().get(), "&lol2;");
}

TEST(S3XmlHostileTest, RejectsDeclarationsEntitiesAndBadCharacters) {
  using namespace std::string_literals;
  std::string obj = "<Object><Key>k</Key></Object>";
  const std::vector<std::string> bodies = {
      // Billion laughs.
      "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol1 "
      "\"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">]><Delete><Object><Key>&lol1;"
      "</Key></Object></Delete>",
      // External entity (XXE).
      "<?xml version=\"1.0\"?><!DOCTYPE d [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
      "<Delete><Object><Key>&x;</Key></Object></Delete>",
      "<!DOCTYPE Delete><Delete>" + obj + "</Delete>",
      // An undeclared entity, a bare ampersand, references to non-characters.
      "<Delete><Object><Key>&lol;</Key></Object></Delete>",
      "<Delete><Object><Key>a & b</Key></Object></Delete>",
      "<Delete><Object><Key>a&#0;b</Key></Object></Delete>",
      "<Delete><Object><Key>a&#x0;b</Key></Object></Delete>",
      "<Delete><Object><Key>&#1;</Key></Object></Delete>",
      "<Delete><Object><Key>&#xD800;</Key></Object></Delete>",
      "<Delete><Object><Key>&#x110000;</Key></Object></Delete>",
      "<Delete><Object><Key>&#99999999999999;</Key></Object></Delete>",
      "<Delete><Object><Key>&#;</Key></Object></Delete>",
      "<Delete><Object><Key>&#x;</Key></Object></Delete>",
      "<Delete><Object><Key>&amp</Key></Object></Delete>",
      // Raw control characters, invalid UTF-8, UTF-16.
      "<Delete><Object><Key>a\0b</Key></Object></Delete>"s,
      "<Delete><Object><Key>a\x01</Key></Object></Delete>",
      "<Delete><Object><Key>a\xC3(</Key></Object></Delete>",
      "<Delete><Object><Key>\xFF</Key></Object></Delete>",
      "\xFF\xFE<\0D\0e\0l\0e\0t\0e\0/\0>\0"s,
      // Unterminated comment, CDATA, processing instruction.
      "<Delete>" + obj + "<!-- never ends</Delete>",
      "<Delete><Object><Key><![CDATA[x</Key></Object></Delete>",
      "<Delete>" + obj + "<?pi never ends</Delete>",
  };
  for (const std::string& body : bodies) {
    S3Result<DeleteRequest> r = ParseDeleteObjects(body);
    ASSERT_FALSE(r.ok()) << body;
    EXPECT_EQ(r.error().code, "MalformedXML") << body;
  }
}

TEST(S3XmlHostileTest, DeepNestingAndManyElements) {
  // Deeper than any stack would take recursively, within the element bound: parsed, no crash.
  std::string deep = "<CompleteMultipartUpload>";
  for (int i = 0; i < 70000; ++i) deep += "<a>";
  for (int i = 0; i < 70000; ++i) deep += "</a>";
  deep += "</CompleteMultipartUpload>";
  EXPECT_EQ(ErrorCode(ParseCompleteMultipartUpload(deep)), "MalformedXML");

  // Past the element bound: rejected before parsing.
  std::string many = "<Delete>";
  for (int i = 0; i < 20000; ++i) many += "<x/>";
  many += "</Delete>";
  S3Result<DeleteRequest> r = ParseDeleteObjects(many);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "MalformedXML");

  std::string deep_bucket = "<CreateBucketConfiguration>";
  for (int i = 0; i < 100; ++i) deep_bucket += "<a>";
  EXPECT_FALSE(ParseCreateBucketConfiguration(deep_bucket).ok());
}

TEST(S3XmlHostileTest, RandomMutationsNeverCrash) {
  const std::vector<std::string> seeds = {
      CompleteBody(Part("1", "\"a\"") + Part("2", "&quot;b&quot;")),
      "<Delete><Quiet>true</Quiet><Object><Key>a&amp;b</Key></Object>"
      "<Object><Key><![CDATA[x]]></Key><VersionId>v</VersionId></Object></Delete>",
      "<CreateBucketConfiguration><LocationConstraint>eu</LocationConstraint>"
      "</CreateBucketConfiguration>",
  };
  const std::string alphabet =
      "<>/&;#x!-[]?\"'= \r\n\t\x01\x80\xC3\xFF"
      "ADKOPQT0123456789";
  std::mt19937 rng(7);
  int accepted = 0;
  for (int i = 0; i < 6000; ++i) {
    std::string s = seeds[i % seeds.size()];
    int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits && !s.empty(); ++e) {
      size_t pos = rng() % s.size();
      switch (rng() % 4) {
        case 0:
          s[pos] = alphabet[rng() % alphabet.size()];
          break;
        case 1:
          s.insert(pos, 1, alphabet[rng() % alphabet.size()]);
          break;
        case 2:
          s.erase(pos, 1 + rng() % 8);
          break;
        default:
          s.resize(pos);
      }
    }
    auto c = ParseCompleteMultipartUpload(s);
    auto d = ParseDeleteObjects(s);
    auto b = ParseCreateBucketConfiguration(s);
    accepted += c.ok() + d.ok() + b.ok();
    for (const S3Error* e : {c.ok() ? nullptr : &c.error(), d.ok() ? nullptr : &d.error(),
                             b.ok() ? nullptr : &b.error()}) {
      if (e != nullptr) {
        EXPECT_TRUE(IsKnownErrorCode(e->code)) << e->code;
      }
    }
  }
  EXPECT_GT(accepted, 0);  // some mutations stay valid
}

}  // namespace
}  // namespace cairn::s3
