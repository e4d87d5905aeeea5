// Value types shared by the Session storage RPC protocol core: the error form of the protocol
// (HTTP status + plain-text body), account ids, namespaces, keys, signatures and subaccount
// tokens.
//
// Thread safety: value types; distinct objects may be used from distinct threads.
#ifndef CAIRN_FACES_SESSION_RPC_TYPES_H_
#define CAIRN_FACES_SESSION_RPC_TYPES_H_

#include <array>
#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>

#include "core/result.h"
#include "core/status.h"
#include "faces/session_rpc/constants.h"

namespace cairn::session_rpc {

// A failed request as the protocol reports it: an HTTP status code and the exact plain-text
// response body (no JSON envelope, §1.1). Inside batch/sequence the same pair becomes
// {"code": http_status, "body": text}.
struct RpcError {
  int http_status = 0;
  std::string text;

  friend bool operator==(const RpcError& a, const RpcError& b) {
    return a.http_status == b.http_status && a.text == b.text;
  }
};
std::ostream& operator<<(std::ostream& os, const RpcError& e);

// The one table from Status codes to the protocol's errors, for failures that come from below
// the face (the model, the engine): kInvalidArgument 400, kUnauthenticated 401,
// kPermissionDenied 403, kNotFound 404, kOutOfRange 406 (a time outside its window),
// kUnimplemented 501, kUnavailable 503, each with the Status message as text; anything else is
// 500 "request failed" (upstream's text: internal messages are not shown to clients).
// Precondition: !status.ok().
RpcError ErrorFromStatus(const Status& status);

using Ed25519PublicKey = std::array<uint8_t, 32>;
using Ed25519Signature = std::array<uint8_t, kSignatureBytes>;

// An account (mailbox owner): the prefix ("network") byte and the 32 key bytes. Prefix 05 is a
// Session ID whose key is X25519; every other prefix (03 groups, 15 blinded, ...) holds an
// Ed25519 key. The prefix is part of the identity: 05ab.. and 03ab.. are different accounts.
struct AccountId {
  uint8_t prefix = 0;
  std::array<uint8_t, kAccountKeyBytes> key{};

  // Parses 66 hex digits (either case). With `testnet`, 64 hex digits are accepted too and mean
  // prefix 05. Errors: kInvalidArgument.
  static Result<AccountId> FromHex(std::string_view hex, bool testnet = false);

  // 66 lower-case hex digits, prefix included (upstream's "pubkey_prefixed_hex").
  std::string Hex() const;
  // The 33 raw bytes: prefix then key.
  std::string Raw() const;

  friend bool operator==(const AccountId& a, const AccountId& b) = default;
};

// A namespace argument of delete_all / delete_before / expire_all: one namespace or "all".
struct NamespaceSelector {
  bool all = false;
  int16_t id = 0;  // meaningful when !all

  static NamespaceSelector All() { return {true, 0}; }
  static NamespaceSelector One(int16_t id) { return {false, id}; }
  friend bool operator==(const NamespaceSelector& a, const NamespaceSelector& b) = default;
};

// The namespace as it appears in signed strings (§2.4): "" for namespace 0 (explicit or not),
// otherwise the decimal value ("3", "-10"); "all" for NamespaceSelector::All().
std::string NamespaceSignatureString(int16_t ns);
std::string NamespaceSignatureString(const NamespaceSelector& ns);

// A subaccount token (§2.6): [0] network prefix, [1] permission flags (kSubaccount*), [2..3]
// reserved, [4..35] the subaccount's Ed25519 public key.
struct SubaccountToken {
  std::array<uint8_t, kSubaccountTokenBytes> bytes{};

  uint8_t prefix() const { return bytes[0]; }
  uint8_t flags() const { return bytes[1]; }
  Ed25519PublicKey pubkey() const;
  // True when every bit of `required` is set.
  bool Has(uint8_t required) const { return (flags() & required) == required; }
  // True when the token may act for an account with this prefix (same prefix, or AnyPrefix).
  bool PrefixAllowed(uint8_t account_prefix) const {
    return prefix() == account_prefix || Has(kSubaccountAnyPrefix);
  }
  std::string_view view() const {
    return std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  }

  friend bool operator==(const SubaccountToken& a, const SubaccountToken& b) = default;
};

// A subaccount token with the account owner's signature over its 36 bytes.
struct SignedSubaccount {
  SubaccountToken token;
  Ed25519Signature signature{};

  friend bool operator==(const SignedSubaccount& a, const SignedSubaccount& b) = default;
};

}  // namespace cairn::session_rpc

#endif  // CAIRN_FACES_SESSION_RPC_TYPES_H_
