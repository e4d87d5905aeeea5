// The S3 face's error table: S3 error codes, their HTTP statuses and default messages, and the
// REST error document.
//
// This is the one place that knows which HTTP status an S3 error code carries (STYLE.md: "each
// face maps codes to its protocol's error form in one table"). The statuses are those of Amazon
// S3's "Error responses / List of error codes" reference; the messages are our own wording of
// the same meaning. Handlers build an S3Error with MakeError() (adding `extra` elements where S3
// sends them, e.g. BucketName for NoSuchBucket, Key for NoSuchKey, UploadId for NoSuchUpload,
// ArgumentName/ArgumentValue for InvalidArgument) and send HttpStatusFor(code) with ErrorXml().
//
// The error document has no XML namespace, as S3 sends it:
//   <?xml version="1.0" encoding="UTF-8"?>
//   <Error><Code>..</Code><Message>..</Message>[extra elements, by name]
//          [<Resource>..</Resource>]<RequestId>..</RequestId>[<HostId>..</HostId>]</Error>
// A 304 NotModified (ErrorHasBody() false) and any HEAD response carry no body at all.
//
// Thread safety: all functions are pure and may be called concurrently; S3Error and S3Result
// are values.
#ifndef CAIRN_FACES_S3_S3_ERRORS_H_
#define CAIRN_FACES_S3_S3_ERRORS_H_

#include <cstddef>
#include <cstdlib>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace cairn::s3 {

struct S3Error {
  std::string code;      // e.g. "NoSuchKey"
  std::string message;   // human-readable
  std::string resource;  // e.g. "/bucket/key"; omitted from the XML when empty
  // Extra child elements some errors carry (BucketName, Key, UploadId, ArgumentName,
  // ArgumentValue, Condition, ...), written after Message in name order. Names must be valid
  // XML element names (the caller's constants); values are escaped.
  std::map<std::string, std::string> extra;
};

// The HTTP status S3 sends with `code` (e.g. 404 for "NoSuchKey"); 500 for an unknown code.
int HttpStatusFor(std::string_view code);

// Our default message for `code`; empty for an unknown code.
std::string_view DefaultMessage(std::string_view code);

// Whether `code` is in the table.
bool IsKnownErrorCode(std::string_view code);

// False for codes whose response must have no body (NotModified, 304). Independently of this,
// a response to HEAD never has a body.
bool ErrorHasBody(std::string_view code);

// An S3Error with `message` or, when it is empty, DefaultMessage(code).
S3Error MakeError(std::string code, std::string message = "", std::string resource = "");

// The REST error document for `e` (see the file comment). `host_id` (x-amz-id-2) is written
// only when non-empty. Text is XML-escaped; bytes that XML 1.0 cannot carry (controls other
// than tab and newline) are written as character references.
std::string ErrorXml(const S3Error& e, std::string_view request_id, std::string_view host_id = "");

// Appends `text` to `out` as XML 1.0 character data (also safe inside a double- or single-quoted
// attribute value): & < > " ' become entities, CR and the other control characters except tab
// and LF become character references (so that a parser's end-of-line handling keeps a CR), and a
// byte that is not part of well-formed UTF-8 becomes U+FFFD, so the document stays well-formed
// whatever the input. Shared with s3_xml.cc.
void AppendXmlText(std::string* out, std::string_view text);

// S3Result<T>: a T or the S3Error to send instead, for functions (request parsers) whose failures
// are S3 errors rather than canonical Status codes. Accessing the wrong side aborts (a bug).
template <typename T>
class [[nodiscard]] S3Result {
 public:
  S3Result(T value) : value_(std::move(value)) {}        // NOLINT: implicit by design
  S3Result(S3Error error) : error_(std::move(error)) {}  // NOLINT

  bool ok() const { return value_.has_value(); }
  const T& value() const& {
    if (!ok()) std::abort();
    return *value_;
  }
  T& value() & {
    if (!ok()) std::abort();
    return *value_;
  }
  T&& value() && {
    if (!ok()) std::abort();
    return std::move(*value_);
  }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }
  // Precondition: !ok().
  const S3Error& error() const {
    if (ok()) std::abort();
    return error_;
  }

 private:
  std::optional<T> value_;
  S3Error error_;
};

namespace internal {
// The length (1 to 4) of the well-formed UTF-8 sequence at s[i], or 0 if there is none there.
// Precondition: i < s.size().
size_t Utf8SequenceLength(std::string_view s, size_t i);
// The table, for tests: its size and the code of entry `i` (sorted by code).
size_t ErrorTableSize();
std::string_view ErrorTableCode(size_t i);
}  // namespace internal

}  // namespace cairn::s3

#endif  // CAIRN_FACES_S3_S3_ERRORS_H_
