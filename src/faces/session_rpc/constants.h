// Constants and namespace rules of the Session storage RPC (specs/session-storage-rpc.md §2.4,
// §4.2), as found in the upstream storage server 2.6.2.
//
// Everything here is constexpr; times are integer milliseconds (the protocol's unit).
//
// Thread safety: constants and pure functions only.
#ifndef CAIRN_FACES_SESSION_RPC_CONSTANTS_H_
#define CAIRN_FACES_SESSION_RPC_CONSTANTS_H_

#include <cstddef>
#include <cstdint>

namespace cairn::session_rpc {

// ---- Sizes (§2.3, §4.2) ----

// Largest decoded `data` of a store, and the longest base64 text accepted for it (76800 is a
// multiple of 3, so its base64 form carries no padding).
inline constexpr size_t kMaxMessageBytes = 76'800;
inline constexpr size_t kMaxMessageBase64Chars = kMaxMessageBytes / 3 * 4;  // 102 400
// Largest POST body; beyond it the answer is 413 "Request body too large".
inline constexpr size_t kMaxRequestBodyBytes = 10 * 1024 * 1024;
// A message hash: 32-byte BLAKE2b digest as unpadded standard base64.
inline constexpr size_t kMessageHashBytes = 32;
inline constexpr size_t kMessageHashChars = 43;
// Account pubkey: 1 prefix byte + 32 key bytes = 66 hex characters (64 on testnet: prefix 05
// implied).
inline constexpr size_t kAccountKeyBytes = 32;
inline constexpr size_t kAccountIdHexChars = 66;
// Subaccount token: prefix, flags, 2 reserved bytes, 32-byte Ed25519 key (§2.6); 48 base64
// characters (no padding) or 72 hex characters in JSON.
inline constexpr size_t kSubaccountTokenBytes = 36;
inline constexpr size_t kSubaccountTokenBase64Chars = 48;
inline constexpr size_t kSubaccountTokenHexChars = 72;
// Ed25519 signatures in JSON: 86 base64 characters, or 88 ending in "==".
inline constexpr size_t kSignatureBytes = 64;

// ---- Times, in milliseconds (§4.2) ----

inline constexpr int64_t kSecondMs = 1'000;
inline constexpr int64_t kDayMs = 24 * 3'600 * kSecondMs;
inline constexpr int64_t kTtlMinMs = 10 * kSecondMs;
// Longest TTL on store to a public-inbox namespace (n % 10 == 0).
inline constexpr int64_t kTtlMaxPublicMs = 14 * kDayMs;  // 1 209 600 000
// Longest TTL on store to any other namespace, and the cap `expire` clamps to.
inline constexpr int64_t kTtlMaxPrivateMs = 30 * kDayMs;  // 2 592 000 000
// store: `timestamp` <= now + 10 s and expiry >= now - 10 s.
inline constexpr int64_t kStoreToleranceMs = 10 * kSecondMs;
// Signature timestamps: within now ± 60 s (± 70 s for swarm-forwarded copies).
inline constexpr int64_t kSignatureToleranceMs = 60 * kSecondMs;
inline constexpr int64_t kSignatureToleranceForwardedMs = 70 * kSecondMs;
// delete_before: `before` <= now + 60 s. expire / expire_all: new expiry >= now - 60 s.
inline constexpr int64_t kDeleteBeforeFutureMs = 60 * kSecondMs;
inline constexpr int64_t kExpirePastToleranceMs = 60 * kSecondMs;
// Timestamps below this (one million seconds, in ms) were almost certainly sent in seconds.
inline constexpr int64_t kMinTimestampMs = 1'000'000'000;
inline constexpr int64_t kExpiredCleanupPeriodMs = 10 * kSecondMs;
inline constexpr int64_t kSwarmForwardTimeoutMs = 5 * kSecondMs;

// ---- Retrieve paging (§3.2) ----

inline constexpr int64_t kRetrieveMaxSize = 7'800'000;
inline constexpr int64_t kRetrieveDefaultSize = kRetrieveMaxSize / 5;  // 1 560 000
// Size accounting per returned message: overhead + hash length + data bytes * 4 / 3.
inline constexpr int64_t kRetrieveMessageOverhead = 100;

// ---- Counts ----

inline constexpr size_t kBatchRequestMax = 20;        // batch / sequence subrequests, 1 ... 20
inline constexpr size_t kMaxRevokedSubaccounts = 50;  // per account, and per revoke request
// Deepest JSON nesting accepted in a request body (cairn's own bound, not upstream's: it keeps
// recursion in ifelse parsing and JSON serialisation bounded). Session clients nest about 6 deep.
inline constexpr int kMaxJsonDepth = 128;

// ---- Namespaces (§2.4) ----

inline constexpr int kNamespaceMin = -32768;
inline constexpr int kNamespaceMax = 32767;
inline constexpr int16_t kLegacyClosedGroupNamespace = -10;

// n % 10 == 0: anyone may store without a signature.
constexpr bool IsPublicInboxNamespace(int16_t n) { return n % 10 == 0; }
// n < 0 and -n % 20 == 1 (-1, -21, -41 ...): one message per account, readable without auth.
constexpr bool IsPublicOutboxNamespace(int16_t n) { return n < 0 && (-int{n}) % 20 == 1; }
// Namespaces retrieve may read without a signature: -10 and the public outboxes.
constexpr bool IsNoAuthRetrieveNamespace(int16_t n) {
  return n == kLegacyClosedGroupNamespace || IsPublicOutboxNamespace(n);
}
// n < 0 and -n % 100 == 11 (-11, -111 ...): revoked subaccounts may still retrieve here.
constexpr bool IsUnrevocableNamespace(int16_t n) { return n < 0 && (-int{n}) % 100 == 11; }

// ---- Subaccount permission flags (token byte 1, §2.6) ----

inline constexpr uint8_t kSubaccountRead = 0x01;
inline constexpr uint8_t kSubaccountWrite = 0x02;
inline constexpr uint8_t kSubaccountDelete = 0x04;
inline constexpr uint8_t kSubaccountAnyPrefix = 0x08;

}  // namespace cairn::session_rpc

#endif  // CAIRN_FACES_SESSION_RPC_CONSTANTS_H_
