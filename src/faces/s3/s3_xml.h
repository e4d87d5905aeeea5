// S3 XML documents for the S3 face: response encoders, request parsers, and the HTTP time and URL
// helpers they need.
//
// Encoders return complete documents: `<?xml version="1.0" encoding="UTF-8"?>` and a root element
// in S3's namespace (kS3XmlNamespace), with S3's element names and order (taken from the Amazon S3
// API reference examples). Text is escaped by AppendXmlText (s3_errors.h), so a CR in a key
// survives as &#13;. Keys that hold characters XML 1.0 cannot carry at all (other controls) are
// only safe with encoding-type=url, as with S3. Inputs are the objects model's types where they
// fit, and plain structs below where the model has none.
//
// Parsers (CompleteMultipartUpload, Delete, CreateBucketConfiguration) take an untrusted body,
// never crash or allocate without bound, and answer with the S3Error that S3 would send. Before
// pugixml sees the body it is checked: at most kMaxXmlRequestBytes (else
// MaxMessageLengthExceeded), valid UTF-8 (any encoding declaration is ignored), no control
// characters, no DOCTYPE or other markup declaration (so no entity expansion of any kind), only
// the five predefined entities and character references to XML characters, and a bounded
// number of elements (else MalformedXML). Element names are matched without their namespace
// prefix, and a namespace is not required; unknown elements are ignored.
//
// Thread safety: all functions are pure and may be called concurrently.
#ifndef CAIRN_FACES_S3_S3_XML_H_
#define CAIRN_FACES_S3_S3_XML_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "faces/s3/s3_errors.h"
#include "models/objects/object_store.h"

namespace cairn::s3 {

inline constexpr std::string_view kS3XmlNamespace = "http://s3.amazonaws.com/doc/2006-03-01/";
// The largest request body the parsers accept. Callers should refuse a larger Content-Length
// (MaxMessageLengthExceeded) before reading the body.
inline constexpr size_t kMaxXmlRequestBytes = 8 << 20;
inline constexpr size_t kMaxDeleteKeys = 1000;
inline constexpr uint32_t kMaxPartNumber = 10000;

// ---------------------------------------------------------------------------------------------
// Time and URL helpers.

// "2026-11-25T01:02:03.004Z" (UTC, milliseconds truncated), as S3 writes LastModified,
// CreationDate and Initiated.
std::string FormatIso8601Millis(uint64_t micros);

// RFC 7231 IMF-fixdate, e.g. "Wed, 25 Nov 2026 01:02:03 GMT" (Last-Modified, Date headers).
std::string FormatHttpDate(uint64_t micros);

// Parses an HTTP-date (If-Modified-Since, If-Unmodified-Since) in any of RFC 7231's three forms:
// IMF-fixdate "Sun, 06 Nov 1994 08:49:37 GMT", RFC 850 "Sunday, 06-Nov-94 08:49:37 GMT" and
// asctime "Sun Nov  6 08:49:37 1994". Surrounding whitespace is allowed; names are
// case-sensitive; the weekday must be a valid name but is not checked against the date; a
// leap second (60) is read as 59. An RFC 850 two-digit year is placed in the 100-year window
// [now - 49, now + 50] years around `now_micros` (RFC 7231 section 7.1.1.1), or in 1970..2069
// when `now_micros` is 0. Returns microseconds since the Unix epoch, or nullopt for anything
// else, including dates before 1970.
std::optional<uint64_t> ParseHttpDate(std::string_view s, uint64_t now_micros = 0);

// Percent-encodes every byte except the unreserved A-Z a-z 0-9 - _ . ~ (and '/' when
// `keep_slash`) as %XX with upper-case hex. With keep_slash=false this is SigV4's UriEncode of a
// query component; with keep_slash=true, of a path, and the encoding used for encoding-type=url
// listings (S3 also leaves '/' there; a space is %20, which every SDK decodes, where S3 writes
// '+').
std::string UrlEncodeS3(std::string_view s, bool keep_slash);

// Decodes %XX escapes (either case). Returns nullopt for '%' not followed by two hex digits.
// '+' becomes a space only when `plus_as_space`: pass true for query-string names and values
// (S3 reads them as application/x-www-form-urlencoded, so "prefix=a+b" lists "a b"; SDKs send a
// literal '+' as %2B), false for the request path, where '+' is a literal '+'. The result is
// bytes; check IsValidUtf8 where text is required (keys, prefixes).
std::optional<std::string> UrlDecode(std::string_view s, bool plus_as_space = false);

// Whether `s` is well-formed UTF-8 (no overlong forms, surrogates, or code points > U+10FFFF).
bool IsValidUtf8(std::string_view s);

// `etag` in double quotes, as S3 sends ETags; an already quoted ETag is returned unchanged.
std::string QuoteETag(std::string_view etag);

// ---------------------------------------------------------------------------------------------
// ListObjectsV2 continuation tokens and ListObjects (v1) markers.

// An opaque token (base64url, no padding, of a version byte and `start_after`) for
// NextContinuationToken. `start_after` is objects::ListResult::next_start_after.
std::string EncodeContinuationToken(std::string_view start_after);

// The start_after a token from EncodeContinuationToken stands for. Errors: InvalidArgument
// (ArgumentName continuation-token) for anything that is not such a token.
S3Result<std::string> DecodeContinuationToken(std::string_view token);

// The objects::ListOptions::start_after for a v1 `marker`. S3 returns a common prefix as
// NextMarker; listing after it must skip every key under that prefix, so a marker that is a
// common prefix for (`prefix`, `delimiter`) becomes marker + "\xff" (greater than every UTF-8
// key that starts with it, as the objects model does itself). Any other marker is returned
// unchanged.
std::string StartAfterForMarker(std::string_view marker, std::string_view prefix,
                                std::string_view delimiter);

// ---------------------------------------------------------------------------------------------
// Response encoders.

struct Owner {
  std::string id;
  std::string display_name;
};

// ListBuckets: ListAllMyBucketsResult{Owner{ID, DisplayName}, Buckets{Bucket{Name,
// CreationDate}}}, buckets in the given order.
std::string ListAllMyBucketsXml(const Owner& owner,
                                const std::vector<objects::BucketInfo>& buckets);

// The request side of a listing, echoed in the response.
struct ListObjectsParams {
  std::string bucket;
  std::string prefix;
  std::string delimiter;  // empty: none (the Delimiter element is then omitted)
  uint32_t max_keys = 1000;
  bool url_encoding = false;  // encoding-type=url
  // Written as Contents/Owner when set: always for v1 (as S3 does), for v2 with fetch-owner=true.
  std::optional<Owner> owner;
  std::string marker;              // v1 only
  std::string continuation_token;  // v2 only: as the client sent it; omitted when empty
  std::string start_after;         // v2 only: omitted when empty
};

// ListObjects (v1): ListBucketResult{Name, Prefix, Marker, NextMarker?, MaxKeys, Delimiter?,
// EncodingType?, IsTruncated, Contents*{Key, LastModified, ETag, Size, Owner?, StorageClass},
// CommonPrefixes*{Prefix}}. NextMarker is written, as by S3, only when the result is truncated
// and a delimiter was given: the last key or common prefix returned (turn it back into a
// start_after with StartAfterForMarker). Without a delimiter a client continues from the last
// Key. With url_encoding, Prefix, Marker, NextMarker, Delimiter, Key and CommonPrefixes/Prefix
// are UrlEncodeS3(.., keep_slash=true).
std::string ListObjectsV1Xml(const ListObjectsParams& p, const objects::ListResult& r);

// ListObjectsV2: ListBucketResult{Name, Prefix, StartAfter?, ContinuationToken?,
// NextContinuationToken?, KeyCount, MaxKeys, Delimiter?, EncodingType?, IsTruncated, Contents*,
// CommonPrefixes*}. KeyCount counts keys and common prefixes; NextContinuationToken (when
// truncated) is EncodeContinuationToken(r.next_start_after). With url_encoding, Prefix,
// StartAfter, Delimiter, Key and CommonPrefixes/Prefix are encoded (the tokens need not be).
std::string ListObjectsV2Xml(const ListObjectsParams& p, const objects::ListResult& r);

// CopyObject: CopyObjectResult{LastModified, ETag}. `etag` with or without quotes.
std::string CopyObjectResultXml(std::string_view etag, uint64_t mtime_micros);
// UploadPartCopy: CopyPartResult{LastModified, ETag}.
std::string CopyPartResultXml(std::string_view etag, uint64_t mtime_micros);

// CreateMultipartUpload: InitiateMultipartUploadResult{Bucket, Key, UploadId}.
std::string InitiateMultipartUploadResultXml(std::string_view bucket, std::string_view key,
                                             std::string_view upload_id);

// CompleteMultipartUpload: CompleteMultipartUploadResult{Location, Bucket, Key, ETag}.
// `location` is the object's URL, e.g. "http://host/bucket/key" (the caller knows the host).
// Note: S3 may send this document with status 200 after a long wait and then fail; an error
// after the headers are sent goes in the body as an Error document (ErrorXml), status still 200.
std::string CompleteMultipartUploadResultXml(std::string_view location, std::string_view bucket,
                                             std::string_view key, std::string_view etag);

struct ListPartsParams {
  std::string bucket;
  std::string key;
  std::string upload_id;
  Owner owner;                      // written as both Initiator and Owner
  uint32_t part_number_marker = 0;  // list parts with numbers greater than this
  uint32_t max_parts = 1000;        // at most this many (S3 caps the request at 1000)
  // Written as LastModified of parts whose PartInfo::mtime_micros is 0 (parts recorded before
  // part times were kept), e.g. the upload's start; otherwise such parts have no LastModified.
  std::optional<uint64_t> parts_last_modified_micros;
};

// ListParts: ListPartsResult{Bucket, Key, UploadId, Initiator{ID, DisplayName}, Owner{ID,
// DisplayName}, StorageClass, PartNumberMarker, NextPartNumberMarker?, MaxParts, IsTruncated,
// Part*{PartNumber, LastModified?, ETag, Size}}. This encoder also paginates: from `all_parts`
// (ObjectStore::ListParts, ascending) it lists those after part_number_marker, at most
// max_parts, sets IsTruncated when more remain, and writes NextPartNumberMarker as the last
// part listed (omitted when none is).
std::string ListPartsResultXml(const ListPartsParams& p,
                               const std::vector<objects::ObjectStore::PartInfo>& all_parts);

// One in-progress multipart upload (the objects model has no such listing yet).
struct UploadSummary {
  std::string key;
  std::string upload_id;
  uint64_t initiated_micros = 0;
};

// The request side and paging state of ListMultipartUploads, echoed in the response.
struct ListUploadsParams {
  std::string bucket;
  std::string key_marker;
  std::string upload_id_marker;
  std::string next_key_marker;        // written even when empty, as S3 does
  std::string next_upload_id_marker;  // written even when empty
  std::string prefix;
  std::string delimiter;  // omitted when empty
  uint32_t max_uploads = 1000;
  bool truncated = false;
  bool url_encoding = false;  // encodes KeyMarker, NextKeyMarker, Prefix, Delimiter, Key, Prefix
  Owner owner;                // written as both Initiator and Owner of every upload
};

// ListMultipartUploads: ListMultipartUploadsResult{Bucket, KeyMarker, UploadIdMarker,
// NextKeyMarker, NextUploadIdMarker, Delimiter?, Prefix, EncodingType?, MaxUploads,
// IsTruncated, Upload*{Key, UploadId, Initiator, Owner, StorageClass, Initiated},
// CommonPrefixes*{Prefix}}, uploads and prefixes in the order given.
std::string ListMultipartUploadsResultXml(const ListUploadsParams& p,
                                          const std::vector<UploadSummary>& uploads,
                                          const std::vector<std::string>& common_prefixes);

// The outcome of deleting one key of a DeleteObjects request.
struct DeleteOutcome {
  std::string key;
  std::string error_code;     // empty: deleted
  std::string error_message;  // empty: DefaultMessage(error_code)
};

// DeleteObjects: DeleteResult{Deleted*{Key} | Error*{Key, Code, Message}}, in the given order;
// with `quiet`, only the Error elements (S3's quiet mode).
std::string DeleteResultXml(bool quiet, const std::vector<DeleteOutcome>& outcomes);

// GetBucketAcl / GetObjectAcl: AccessControlPolicy{Owner, AccessControlList{Grant{Grantee
// (CanonicalUser: the owner), FULL_CONTROL}, and with `public_read` Grant{Grantee (Group
// AllUsers), READ}}}, the canned ACLs private and public-read.
std::string AccessControlPolicyXml(const Owner& owner, bool public_read);

// GetBucketLocation: LocationConstraint holding `region`, or empty for "us-east-1" or an empty
// region, as S3 does.
std::string LocationConstraintXml(std::string_view region);

// ---------------------------------------------------------------------------------------------
// Request parsers.

// CompleteMultipartUpload{Part+{PartNumber, ETag, Checksum*?}} -> (part number, ETag without
// quotes or surrounding whitespace) in request order, ready for ObjectStore::CompleteMultipart.
// Errors: MissingRequestBodyError (empty body); MaxMessageLengthExceeded; MalformedXML (not
// well-formed, wrong root, no Part, a Part without exactly one PartNumber and one ETag, a
// PartNumber that is not a decimal number, more than kMaxPartNumber parts); InvalidArgument
// (part number outside 1..10000); InvalidPart (empty ETag); InvalidPartOrder (part numbers not
// strictly ascending).
S3Result<std::vector<std::pair<uint32_t, std::string>>> ParseCompleteMultipartUpload(
    std::string_view body);

struct DeleteRequest {
  bool quiet = false;
  std::vector<std::string> keys;  // as sent: unescaped, whitespace kept, maybe empty
};

// Delete{Quiet?, Object+{Key, VersionId?, ...}}. Errors: MissingRequestBodyError (empty body);
// MaxMessageLengthExceeded; MalformedXML (not well-formed, wrong root, no Object or more than
// kMaxDeleteKeys, an Object without exactly one Key, Quiet not true/false). Keys are not
// validated here (an empty or over-long key is the caller's per-key Error).
S3Result<DeleteRequest> ParseDeleteObjects(std::string_view body);

// CreateBucketConfiguration{LocationConstraint?} -> the location constraint, trimmed; empty for
// an empty body or no LocationConstraint. Checking the region is the caller's
// (InvalidLocationConstraint). Errors: MaxMessageLengthExceeded (over 64 KiB); MalformedXML.
S3Result<std::string> ParseCreateBucketConfiguration(std::string_view body);

}  // namespace cairn::s3

#endif  // CAIRN_FACES_S3_S3_XML_H_
