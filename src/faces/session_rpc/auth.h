// Authentication and the clock/TTL checks of the Session storage RPC
// (specs/session-storage-rpc.md §2.5, §2.6, §3.x): the exact bytes each method signs, Ed25519
// verification with libsodium, the account key rules (05 Session IDs through `pubkey_ed25519`,
// every other prefix directly), subaccount tokens, and CheckRequest, which runs everything a
// parsed request must pass before the model is called, in upstream's order and with upstream's
// status codes and texts.
//
// Not here: the wrong-swarm answer (421), which the handler gives before calling CheckRequest,
// and the revocation list itself, which the mailbox model keeps (CheckRequest asks it through
// the RevocationList interface).
//
// Thread safety: every function is pure apart from calling `RevocationList::IsRevoked`, which
// must be safe to call from the calling thread. libsodium is initialised on first use
// (sodium_init is idempotent and thread-safe).
#ifndef CAIRN_FACES_SESSION_RPC_AUTH_H_
#define CAIRN_FACES_SESSION_RPC_AUTH_H_

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "faces/session_rpc/rpc_request.h"
#include "faces/session_rpc/types.h"

namespace cairn::session_rpc {

// ---- What requests sign (§2.5, §3.x): ASCII concatenations, no separators, integers in base 10
// without padding or '+', namespaces as NamespaceSignatureString ("" for 0), message hashes as
// their 43-character text, subaccount tokens as their 36 raw bytes. ----

// "store" || NS || sig_timestamp
std::string StoreSignedBytes(int16_t ns, int64_t sig_timestamp);
// "retrieve" || NS || timestamp
std::string RetrieveSignedBytes(int16_t ns, int64_t timestamp);
// "delete" || messages[0] || ... (request order)
std::string DeleteSignedBytes(const std::vector<std::string>& messages);
// "delete_all" || NS || timestamp   (NS may be "all")
std::string DeleteAllSignedBytes(const NamespaceSelector& ns, int64_t timestamp);
// "delete_before" || NS || before
std::string DeleteBeforeSignedBytes(const NamespaceSelector& ns, int64_t before);
// "expire_all" || NS || expiry
std::string ExpireAllSignedBytes(const NamespaceSelector& ns, int64_t expiry);
// "expire" || ("shorten" | "extend" | "") || expiries[0] || ... || messages[0] || ...
// (the requested, unclamped expiries).
std::string ExpireSignedBytes(bool shorten, bool extend, const std::vector<int64_t>& expiries,
                              const std::vector<std::string>& messages);
// "get_expiries" || timestamp || messages[0] || ...
std::string GetExpiriesSignedBytes(int64_t timestamp, const std::vector<std::string>& messages);
// "revoke_subaccount" || timestamp || token[0] bytes || ...   (resp. "unrevoke_subaccount")
std::string RevokeSubaccountSignedBytes(int64_t timestamp,
                                        const std::vector<SubaccountToken>& tokens);
std::string UnrevokeSubaccountSignedBytes(int64_t timestamp,
                                          const std::vector<SubaccountToken>& tokens);

// The bytes `request`'s signature covers, or nullopt for a request that is not signed (a store
// without signature, an unauthenticated retrieve, get_swarm, info, oxend_request).
std::optional<std::string> SignedBytes(const SubRequest& request);

// ---- What the node signs in its per-node results (§3.x); `account_hex` is AccountId::Hex().
// Callers pass hash lists already in the order the spec gives (request order, or sorted). ----

// store: the message hash itself.
inline std::string StoreResultSignedBytes(std::string_view hash) { return std::string(hash); }
// delete: account_hex || requested hashes (request order) || deleted hashes (sorted).
std::string DeleteResultSignedBytes(std::string_view account_hex,
                                    const std::vector<std::string>& requested,
                                    const std::vector<std::string>& deleted_sorted);
// delete_all (time = timestamp), delete_before (before), expire_all (expiry):
// account_hex || time || affected hashes sorted ascending (across namespaces for "all").
std::string NamespaceWideResultSignedBytes(std::string_view account_hex, int64_t time,
                                           const std::vector<std::string>& affected_sorted);
// expire: account_hex || applied expiries (the one clamped expiry, or the expiries of `updated`
// for an array request) || requested hashes (request order) || updated hashes (sorted) || for
// each unchanged entry in hash order: hash || decimal expiry.
std::string ExpireResultSignedBytes(std::string_view account_hex,
                                    const std::vector<int64_t>& applied_expiries,
                                    const std::vector<std::string>& requested,
                                    const std::vector<std::string>& updated_sorted,
                                    const std::map<std::string, int64_t>& unchanged);
// revoke_subaccount / unrevoke_subaccount: account_hex || timestamp || token bytes...
std::string RevocationResultSignedBytes(std::string_view account_hex, int64_t timestamp,
                                        const std::vector<SubaccountToken>& tokens);

// ---- Ed25519 (libsodium) ----

// crypto_sign_verify_detached: true when `signature` is valid for `message` under `key`.
bool VerifyEd25519(const Ed25519PublicKey& key, std::string_view message,
                   const Ed25519Signature& signature);
// crypto_sign_detached with a 64-byte libsodium secret key (seed || public key).
Ed25519Signature SignEd25519(const std::array<uint8_t, 64>& secret_key, std::string_view message);
// crypto_sign_ed25519_pk_to_curve25519 (u = (1 + y) / (1 - y)). Errors: kInvalidArgument for a
// key libsodium refuses (not a point, small order).
Result<Ed25519PublicKey> Ed25519ToX25519(const Ed25519PublicKey& ed25519);

// ---- Verification ----

// The subaccount revocation list, kept by the storage model. Implementations must be safe to
// call concurrently if CheckRequest is.
class RevocationList {
 public:
  virtual ~RevocationList() = default;
  // True when `token` is revoked for `account`.
  virtual bool IsRevoked(const AccountId& account, const SubaccountToken& token) const = 0;
};

// Whether `auth.signature` over `signed_bytes` authenticates a request for `account` (§2.5,
// §2.6):
//  - the owner key is `pubkey_ed25519` for an 05 account that gives one (which must convert to
//    the account's X25519 key), else the account's 32 key bytes;
//  - with a subaccount: not revoked (unless `skip_revocation_check`; `revocations` may be null
//    for "none revoked"), token prefix == account prefix or AnyPrefix, every `required_flags`
//    bit set, `subaccount_sig` valid over the token under the owner key; the request signature
//    is then checked against the token's key instead of the owner key.
// False when auth.signature is absent.
bool VerifyRequestSignature(const AccountId& account, const RequestAuth& auth,
                            std::string_view signed_bytes, uint8_t required_flags,
                            bool skip_revocation_check, const RevocationList* revocations);

struct CheckOptions {
  int64_t now_ms = 0;  // the server clock, ms since the epoch
  // The window of delete_all's timestamp (± this) and expire_all's lower bound (now - this):
  // upstream widens these two, and only these, to kSignatureToleranceForwardedMs for
  // swarm-forwarded copies. Every other signature window is fixed at ± kSignatureToleranceMs.
  int64_t signature_tolerance_ms = kSignatureToleranceMs;
  const RevocationList* revocations = nullptr;  // null: nothing is revoked
};

// Runs the checks §3.x puts between parsing and the model, in upstream order; nullopt means
// the request may proceed. Answers:
//  store: 403 "Provided expiry/TTL is not valid." (TTL outside 10 s ... 14 days public inbox /
//         30 days otherwise); 406 "Timestamp error: check your clock"; non-public-inbox only:
//         401 "store: signature required to store to namespace <n>", 406 "store signature
//         timestamp too far from current time", 401 "store signature verification failed"
//         (subaccount: Write, Write+Delete for a public outbox);
//  retrieve: 401 "retrieve: request signature required"; 406 "retrieve timestamp too far from
//         current time"; 401 "retrieve signature verification failed" (Read; revocation not
//         checked in unrevocable namespaces);
//  delete: 401 "delete_msgs signature verification failed" (Delete);
//  delete_all: 406 "delete_all timestamp too far from current time", 401 "delete_all signature
//         verification failed" (Delete);
//  delete_before: 401 "delete_before timestamp too far in the future" (before > now + 60 s),
//         401 "delete_before signature verification failed" (Delete);
//  expire_all: 406 "expire_all timestamp should be >= current time" (expiry < now - 60 s),
//         401 "expire_all signature verification failed" (Delete);
//  expire: 401 "expire: timestamp should be >= current time" (any expiry < now - 60 s), 401
//         "expire: signature verification failed" (Write), 400 "expire: shorten parameter cannot
//         be used with this subaccount token (missing delete access)";
//  get_expiries: 406 "get_expiries timestamp too far from current time", 401 "get_expiries
//         signature verification failed" (Read);
//  revoke_subaccount / unrevoke_subaccount: 406 "<method> timestamp too far from current time",
//         401 "<method> signature verification failed" (owner key only);
//  get_swarm, info, oxend_request: always nullopt.
// Multi-expiry `expire` is always allowed (upstream's 403 before its hardfork does not apply).
std::optional<RpcError> CheckRequest(const SubRequest& request, const CheckOptions& options);

// What a checked `expire` does (§3.7): each requested expiry clamped to at most
// now + kTtlMaxPrivateMs ...
std::vector<int64_t> ClampedExpiries(const ExpireRequest& request, int64_t now_ms);
// ... and whether it may only extend: `extend`, or a subaccount without the Delete flag (which
// upstream turns into extend-only rather than refusing).
bool ExpireExtendOnly(const ExpireRequest& request);

}  // namespace cairn::session_rpc

#endif  // CAIRN_FACES_SESSION_RPC_AUTH_H_
