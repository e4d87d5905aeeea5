// Fuzzes the S3 XML request parsers (faces/s3/s3_xml.h): CompleteMultipartUpload, Delete and
// CreateBucketConfiguration each get the whole input as a request body. Any body must give a
// result or one of the S3 errors the header documents, never a crash; a result must satisfy the
// header's postconditions (part numbers strictly ascending within 1..10000, ETags non-empty and
// trimmed, 1..1000 keys, a trimmed LocationConstraint, text that is valid UTF-8).
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include "faces/s3/s3_errors.h"
#include "faces/s3/s3_xml.h"

namespace {

#define FUZZ_CHECK(cond)           \
  do {                             \
    if (!(cond)) __builtin_trap(); \
  } while (0)

bool IsXmlSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

bool Trimmed(std::string_view s) {
  return s.empty() || (!IsXmlSpace(s.front()) && !IsXmlSpace(s.back()));
}

bool AllWhitespace(std::string_view s) {
  for (char c : s) {
    if (!IsXmlSpace(c)) return false;
  }
  return true;
}

bool OneOf(const std::string& code, std::initializer_list<std::string_view> codes) {
  for (std::string_view c : codes) {
    if (code == c) return true;
  }
  return false;
}

void CompleteMultipartUpload(std::string_view body) {
  auto r = cairn::s3::ParseCompleteMultipartUpload(body);
  if (!r.ok()) {
    const std::string& code = r.error().code;
    FUZZ_CHECK(OneOf(code, {"MissingRequestBodyError", "MaxMessageLengthExceeded", "MalformedXML",
                            "InvalidArgument", "InvalidPart", "InvalidPartOrder"}));
    FUZZ_CHECK((code == "MissingRequestBodyError") == AllWhitespace(body));
    return;
  }
  const auto& parts = *r;
  FUZZ_CHECK(!parts.empty() && parts.size() <= cairn::s3::kMaxPartNumber);
  uint32_t previous = 0;
  for (const auto& [number, etag] : parts) {
    FUZZ_CHECK(number >= 1 && number <= cairn::s3::kMaxPartNumber);
    FUZZ_CHECK(number > previous);
    previous = number;
    FUZZ_CHECK(!etag.empty() && Trimmed(etag));
    FUZZ_CHECK(cairn::s3::IsValidUtf8(etag));
  }
}

void DeleteObjects(std::string_view body) {
  auto r = cairn::s3::ParseDeleteObjects(body);
  if (!r.ok()) {
    const std::string& code = r.error().code;
    FUZZ_CHECK(
        OneOf(code, {"MissingRequestBodyError", "MaxMessageLengthExceeded", "MalformedXML"}));
    FUZZ_CHECK((code == "MissingRequestBodyError") == AllWhitespace(body));
    return;
  }
  FUZZ_CHECK(!r->keys.empty() && r->keys.size() <= cairn::s3::kMaxDeleteKeys);
  for (const std::string& key : r->keys) FUZZ_CHECK(cairn::s3::IsValidUtf8(key));
}

void CreateBucketConfiguration(std::string_view body) {
  auto r = cairn::s3::ParseCreateBucketConfiguration(body);
  if (!r.ok()) {
    FUZZ_CHECK(OneOf(r.error().code, {"MaxMessageLengthExceeded", "MalformedXML"}));
    FUZZ_CHECK(!AllWhitespace(body));
    return;
  }
  if (AllWhitespace(body)) FUZZ_CHECK(r->empty());
  FUZZ_CHECK(Trimmed(*r) && cairn::s3::IsValidUtf8(*r));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  CompleteMultipartUpload(body);
  DeleteObjects(body);
  CreateBucketConfiguration(body);
  return 0;
}
