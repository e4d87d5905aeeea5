// Text encodings of binary values in the Session storage RPC's JSON (§2.3): standard base64
// (alphabet A-Z a-z 0-9 + /) with or without '=' padding, and hex.
//
// The base64 acceptance rule is upstream's (oxenc::is_base64): every character from the standard
// alphabet, '=' allowed only as 1 or 2 trailing characters that pad the text to a multiple of 4,
// and never a length of 4n+1. Decoding ignores the unused low bits of the last character (so
// "aGVsbG8=" and "aGVsbG9=" both decode to "hello"), as upstream does.
//
// Thread safety: pure functions.
#ifndef CAIRN_FACES_SESSION_RPC_ENCODING_H_
#define CAIRN_FACES_SESSION_RPC_ENCODING_H_

#include <string>
#include <string_view>

#include "core/bytes.h"
#include "core/result.h"

namespace cairn::session_rpc {

// Standard base64 of `bytes` with '=' padding (the form of `data` and signatures in responses).
std::string Base64Encode(ByteSpan bytes);
inline std::string Base64Encode(std::string_view bytes) { return Base64Encode(AsBytes(bytes)); }
// Standard base64 without padding (the form of message hashes).
std::string Base64EncodeUnpadded(ByteSpan bytes);

// True when `text` is acceptable base64 (see the file comment). "" is valid (no bytes).
bool IsBase64(std::string_view text);

// Decodes `text`. Errors: kInvalidArgument when !IsBase64(text).
Result<std::string> Base64Decode(std::string_view text);

// True when `text` is only hex digits (either case) and of even length.
bool IsHex(std::string_view text);

}  // namespace cairn::session_rpc

#endif  // CAIRN_FACES_SESSION_RPC_ENCODING_H_
