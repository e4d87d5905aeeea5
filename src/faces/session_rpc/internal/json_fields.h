// Field readers for the JSON `params` of Session storage RPC requests, with upstream's type rules
// and error texts (oxenss rpc/client_rpc_endpoints.cpp, parse_field): absent and null read as
// nullopt; a value of the wrong JSON type fails with "Invalid value given for '<name>': expected
// <type>"; a non-object `params` reads as an empty object. Plus the decoders of signatures and
// subaccount tokens (§2.3, §2.6).
//
// Failures are thrown as ParseError, which rpc_request.cc catches in ParseRequestBody; nothing
// here is part of the module API.
//
// Thread safety: pure functions.
#ifndef CAIRN_FACES_SESSION_RPC_INTERNAL_JSON_FIELDS_H_
#define CAIRN_FACES_SESSION_RPC_INTERNAL_JSON_FIELDS_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "faces/session_rpc/types.h"

namespace cairn::session_rpc::internal {

// A parse failure carrying the detail that follows "invalid request: ".
struct ParseError {
  std::string detail;
};

[[noreturn]] void Fail(std::string detail);
// "Invalid value given for '<name>': expected <expected>".
[[noreturn]] void FailType(std::string_view name, std::string_view expected);
// "Required field '<name>' missing" unless `present`.
void Require(std::string_view name, bool present);

// "Cannot specify both '<first>' and '<second>'" when both are set.
template <typename A, typename B>
void RequireAtMostOne(std::string_view first, const A& a, std::string_view second, const B& b) {
  if (a && b) {
    Fail("Cannot specify both '" + std::string(first) + "' and '" + std::string(second) + "'");
  }
}

// The member `name` of `params`, or null when absent, null, or `params` is not an object.
const nlohmann::json* Find(const nlohmann::json& params, const char* name);
// The integer value of `v` (precondition: an integer); unsigned values beyond int64 saturate.
int64_t AsInt64(const nlohmann::json& v);

// Type names in the texts: "string", "boolean", "integer".
std::optional<std::string> OptString(const nlohmann::json& params, const char* name);
std::optional<bool> OptBool(const nlohmann::json& params, const char* name);
std::optional<int64_t> OptInt(const nlohmann::json& params, const char* name);
// A timestamp (§2.2): a non-negative JSON integer ("integer timestamp (in milliseconds)") of at
// least kMinTimestampMs ("Invalid timestamp for '<name>': timestamp must be in milliseconds").
std::optional<int64_t> OptTimestamp(const nlohmann::json& params, const char* name);
void CheckMilliseconds(std::string_view name, int64_t ms);
// A namespace: an integer ("16-bit integer") within -32768 ... 32767 ("value out of range").
std::optional<int16_t> OptNamespace(const nlohmann::json& params, const char* name);
// The same, or the string "all" ("integer or \"all\"").
std::optional<NamespaceSelector> OptNamespaceOrAll(const nlohmann::json& params, const char* name);
// A list of strings, or a single string as a list of one ("string array").
std::optional<std::vector<std::string>> OptStringList(const nlohmann::json& params,
                                                      const char* name);
// A list of integers or a single one ("integer array"); with `timestamps`, non-negative ones
// ("timestamp array") each checked by CheckMilliseconds.
std::optional<std::vector<int64_t>> OptIntList(const nlohmann::json& params, const char* name,
                                               bool timestamps);
// store's `timestamp` / `ttl` given as decimal strings (§2.2): nullopt unless a string; a string
// that is not exactly a decimal integer fails with "Invalid value given for '<name>': <JSON>".
std::optional<int64_t> OptStringifiedInt64(const nlohmann::json& params, const char* name);
std::optional<uint64_t> OptStringifiedUint64(const nlohmann::json& params, const char* name);

// An Ed25519 signature: 86 base64 characters, or 88 ending in "==". False when malformed.
bool DecodeSignature(std::string_view text, Ed25519Signature* out);
// A subaccount token: 48 base64 characters or 72 hex digits, 36 bytes either way.
bool DecodeToken(std::string_view text, SubaccountToken* out);

}  // namespace cairn::session_rpc::internal

#endif  // CAIRN_FACES_SESSION_RPC_INTERNAL_JSON_FIELDS_H_
