#include "faces/session_rpc/types.h"

#include <algorithm>
#include <string>

#include "core/bytes.h"

namespace cairn::session_rpc {

std::ostream& operator<<(std::ostream& os, const RpcError& e) {
  return os << e.http_status << " " << e.text;
}

RpcError ErrorFromStatus(const Status& status) {
  const std::string text(status.message());
  switch (status.code()) {
    case StatusCode::kInvalidArgument:
      return {400, text};
    case StatusCode::kUnauthenticated:
      return {401, text};
    case StatusCode::kPermissionDenied:
      return {403, text};
    case StatusCode::kNotFound:
      return {404, text};
    case StatusCode::kOutOfRange:
      return {406, text};
    case StatusCode::kUnimplemented:
      return {501, text};
    case StatusCode::kUnavailable:
      return {503, text};
    default:
      return {500, "request failed"};
  }
}

Result<AccountId> AccountId::FromHex(std::string_view hex, bool testnet) {
  const bool full = hex.size() == kAccountIdHexChars;
  const bool implied_05 = testnet && hex.size() == kAccountIdHexChars - 2;
  std::string raw;
  if ((!full && !implied_05) || !HexDecode(hex, &raw)) {
    return InvalidArgumentError("Pubkey must be 66 hex digits (33 bytes) long");
  }
  if (implied_05) raw.insert(raw.begin(), '\x05');
  AccountId id;
  id.prefix = static_cast<uint8_t>(raw[0]);
  std::copy(raw.begin() + 1, raw.end(), id.key.begin());
  return id;
}

std::string AccountId::Hex() const { return HexEncode(AsBytes(Raw())); }

std::string AccountId::Raw() const {
  std::string raw(1 + key.size(), '\0');
  raw[0] = static_cast<char>(prefix);
  std::copy(key.begin(), key.end(), raw.begin() + 1);
  return raw;
}

std::string NamespaceSignatureString(int16_t ns) { return ns == 0 ? "" : std::to_string(ns); }

std::string NamespaceSignatureString(const NamespaceSelector& ns) {
  return ns.all ? "all" : NamespaceSignatureString(ns.id);
}

Ed25519PublicKey SubaccountToken::pubkey() const {
  Ed25519PublicKey key;
  std::copy(bytes.begin() + 4, bytes.end(), key.begin());
  return key;
}

}  // namespace cairn::session_rpc
