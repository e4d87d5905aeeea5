#include "faces/session_rpc/internal/json_fields.h"

#include <algorithm>
#include <charconv>
#include <limits>

#include "core/bytes.h"
#include "faces/session_rpc/encoding.h"

namespace cairn::session_rpc::internal {

using nlohmann::json;

namespace {

// store's `timestamp` and `ttl` may also be decimal strings (backwards compatibility, §2.2).
// An unparsable string fails with "Invalid value given for '<name>': <the JSON string>".
template <typename T>
std::optional<T> Stringified(const json& params, const char* name) {
  const json* v = Find(params, name);
  if (!v || !v->is_string()) return std::nullopt;
  const std::string& s = v->get_ref<const std::string&>();
  T value{};
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size()) {
    Fail("Invalid value given for '" + std::string(name) + "': " + v->dump());
  }
  return value;
}

int16_t NamespaceValue(const char* name, const json& v) {
  const int64_t id = AsInt64(v);
  if (id < kNamespaceMin || id > kNamespaceMax) {
    Fail("Invalid value given for '" + std::string(name) + "': value out of range");
  }
  return static_cast<int16_t>(id);
}

}  // namespace

void Fail(std::string detail) { throw ParseError{std::move(detail)}; }

void FailType(std::string_view name, std::string_view expected) {
  Fail("Invalid value given for '" + std::string(name) + "': expected " + std::string(expected));
}

void Require(std::string_view name, bool present) {
  if (!present) Fail("Required field '" + std::string(name) + "' missing");
}

const json* Find(const json& params, const char* name) {
  if (!params.is_object()) return nullptr;
  auto it = params.find(name);
  if (it == params.end() || it->is_null()) return nullptr;
  return &*it;
}

// The integer value of `v` (precondition: an integer); unsigned values beyond int64 saturate.
int64_t AsInt64(const json& v) {
  if (v.is_number_unsigned()) {
    const uint64_t u = v.get<uint64_t>();
    return u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())
               ? std::numeric_limits<int64_t>::max()
               : static_cast<int64_t>(u);
  }
  return v.get<int64_t>();
}

std::optional<std::string> OptString(const json& params, const char* name) {
  const json* v = Find(params, name);
  if (!v) return std::nullopt;
  if (!v->is_string()) FailType(name, "string");
  return v->get<std::string>();
}

std::optional<bool> OptBool(const json& params, const char* name) {
  const json* v = Find(params, name);
  if (!v) return std::nullopt;
  if (!v->is_boolean()) FailType(name, "boolean");
  return v->get<bool>();
}

std::optional<int64_t> OptInt(const json& params, const char* name) {
  const json* v = Find(params, name);
  if (!v) return std::nullopt;
  if (!v->is_number_integer()) FailType(name, "integer");
  return AsInt64(*v);
}

void CheckMilliseconds(std::string_view name, int64_t ms) {
  if (ms < kMinTimestampMs) {
    Fail("Invalid timestamp for '" + std::string(name) + "': timestamp must be in milliseconds");
  }
}

// A timestamp: a non-negative JSON integer of at least kMinTimestampMs (§2.2).
std::optional<int64_t> OptTimestamp(const json& params, const char* name) {
  const json* v = Find(params, name);
  if (!v) return std::nullopt;
  if (!v->is_number_unsigned()) FailType(name, "integer timestamp (in milliseconds)");
  const int64_t ms = AsInt64(*v);
  CheckMilliseconds(name, ms);
  return ms;
}

std::optional<int16_t> OptNamespace(const json& params, const char* name) {
  const json* v = Find(params, name);
  if (!v) return std::nullopt;
  if (!v->is_number_integer()) FailType(name, "16-bit integer");
  return NamespaceValue(name, *v);
}

std::optional<NamespaceSelector> OptNamespaceOrAll(const json& params, const char* name) {
  const json* v = Find(params, name);
  if (!v) return std::nullopt;
  if (v->is_number_integer()) return NamespaceSelector::One(NamespaceValue(name, *v));
  if (v->is_string() && v->get_ref<const std::string&>() == "all") return NamespaceSelector::All();
  FailType(name, "integer or \"all\"");
}

// A list of strings, or a single string (a list of one).
std::optional<std::vector<std::string>> OptStringList(const json& params, const char* name) {
  const json* v = Find(params, name);
  if (!v) return std::nullopt;
  if (v->is_string()) return std::vector<std::string>{v->get<std::string>()};
  if (!v->is_array()) FailType(name, "string array");
  std::vector<std::string> out;
  out.reserve(v->size());
  for (const json& e : *v) {
    if (!e.is_string()) FailType(name, "string array");
    out.push_back(e.get<std::string>());
  }
  return out;
}

// A list of JSON integers (non-negative ones when `timestamps`), or a single one.
std::optional<std::vector<int64_t>> OptIntList(const json& params, const char* name,
                                               bool timestamps) {
  const json* v = Find(params, name);
  if (!v) return std::nullopt;
  const auto right_type = [timestamps](const json& e) {
    return timestamps ? e.is_number_unsigned() : e.is_number_integer();
  };
  const char* expected = timestamps ? "timestamp array" : "integer array";
  std::vector<int64_t> out;
  if (right_type(*v)) {
    out.push_back(AsInt64(*v));
  } else if (v->is_array()) {
    for (const json& e : *v) {
      if (!right_type(e)) FailType(name, expected);
      out.push_back(AsInt64(e));
    }
  } else {
    FailType(name, expected);
  }
  if (timestamps) {
    for (int64_t ms : out) CheckMilliseconds(name, ms);
  }
  return out;
}

std::optional<int64_t> OptStringifiedInt64(const json& params, const char* name) {
  return Stringified<int64_t>(params, name);
}

std::optional<uint64_t> OptStringifiedUint64(const json& params, const char* name) {
  return Stringified<uint64_t>(params, name);
}

// An Ed25519 signature: 86 base64 characters, or 88 ending in "==" (§2.3).
bool DecodeSignature(std::string_view text, Ed25519Signature* out) {
  const bool shape = text.size() == 86 || (text.size() == 88 && text.substr(86) == "==");
  if (!shape || !IsBase64(text)) return false;
  Result<std::string> raw = Base64Decode(text);
  if (!raw.ok() || raw->size() != out->size()) return false;
  std::copy(raw->begin(), raw->end(), out->begin());
  return true;
}

// A subaccount token: 48 base64 characters or 72 hex digits, 36 bytes either way.
bool DecodeToken(std::string_view text, SubaccountToken* out) {
  std::string raw;
  if (text.size() == kSubaccountTokenBase64Chars && IsBase64(text)) {
    Result<std::string> decoded = Base64Decode(text);
    if (!decoded.ok()) return false;
    raw = std::move(*decoded);
  } else if (text.size() != kSubaccountTokenHexChars || !HexDecode(text, &raw)) {
    return false;
  }
  if (raw.size() != out->bytes.size()) return false;
  std::copy(raw.begin(), raw.end(), out->bytes.begin());
  return true;
}

}  // namespace cairn::session_rpc::internal
