// Text, time and comparison helpers shared by the SigV4 (sigv4.cc) and SigV2 (sigv2.cc)
// verifiers. Internal to cairn_face_s3: not a contract for other targets.
//
// Thread safety: every function is pure.
#ifndef CAIRN_FACES_S3_INTERNAL_SIG_COMMON_H_
#define CAIRN_FACES_S3_INTERNAL_SIG_COMMON_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "faces/s3/sigv4.h"

namespace cairn::s3::sig_internal {

AuthFailure Fail(std::string code, std::string message,
                 std::vector<std::pair<std::string, std::string>> details = {});

// AccessDenied: neither Date nor x-amz-date holds a valid date (header auth, both versions).
AuthFailure NoValidDate();

// InvalidArgument: the request carries both header and query authentication.
AuthFailure OneAuthMechanismOnly();

// ASCII-only case helpers (header names, parameter names).
std::string ToLower(std::string_view s);
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

// Space or tab.
bool IsSpace(char c);
// `s` without leading and trailing spaces and tabs.
std::string_view Trim(std::string_view s);

// True for a non-empty run of ASCII digits.
bool IsDigits(std::string_view s);
// The value of `digits` (precondition: IsDigits, and small enough not to overflow).
int64_t ToInt(std::string_view digits);
// 0-15 for a hex digit (either case), -1 otherwise.
int HexValue(char c);

// Decodes %XX escapes; an invalid escape is kept literally. '+' becomes a space only when
// `plus_is_space`.
std::string PercentDecode(std::string_view s, bool plus_is_space);
// Splits on every `sep` (empty pieces kept).
std::vector<std::string_view> Split(std::string_view s, char sep);
// Query parameters, names and values decoded ('+' as space), in wire order; empty pieces dropped,
// a name without '=' gets an empty value.
std::vector<std::pair<std::string, std::string>> ParseQuery(std::string_view raw_query);

// A broken-down UTC time.
struct Civil {
  int64_t year, month, day, hour, minute, second;
};
Civil CivilFromUnix(int64_t t);
// "2013-05-24T00:00:00Z", as S3 writes ServerTime and Expires in error details.
std::string FormatIsoExtended(int64_t t);

// Compares two signatures without a data-dependent early exit (the lengths are not secret).
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace cairn::s3::sig_internal

#endif  // CAIRN_FACES_S3_INTERNAL_SIG_COMMON_H_
