#include "faces/session_rpc/auth.h"

#include <sodium.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <mutex>
#include <type_traits>
#include <unordered_map>
#include <variant>

namespace cairn::session_rpc {
namespace {

void EnsureSodium() {
  // sodium_init() may be called repeatedly and from several threads; the static makes it once.
  static const bool initialised = sodium_init() >= 0;
  (void)initialised;
}

void AppendAll(std::string* out, const std::vector<std::string>& parts) {
  for (const std::string& p : parts) out->append(p);
}

void AppendTokens(std::string* out, const std::vector<SubaccountToken>& tokens) {
  for (const SubaccountToken& t : tokens) out->append(t.view());
}

// ---- Clock comparisons without overflow (the values come from clients) ----

uint64_t Distance(int64_t a, int64_t b) {
  return a >= b ? static_cast<uint64_t>(a) - static_cast<uint64_t>(b)
                : static_cast<uint64_t>(b) - static_cast<uint64_t>(a);
}
// a > b + limit
bool LaterThan(int64_t a, int64_t b, int64_t limit) {
  return a > b && Distance(a, b) > static_cast<uint64_t>(limit);
}
// a < b - limit
bool EarlierThan(int64_t a, int64_t b, int64_t limit) {
  return a < b && Distance(a, b) > static_cast<uint64_t>(limit);
}
bool OutsideWindow(int64_t t, int64_t now, int64_t tolerance) {
  return Distance(t, now) > static_cast<uint64_t>(tolerance);
}

// ---- Per-method checks ----

using MaybeError = std::optional<RpcError>;

MaybeError Unauthorized(std::string text) { return RpcError{401, std::move(text)}; }
MaybeError NotAcceptable(std::string text) { return RpcError{406, std::move(text)}; }

// The signature timestamp window (± `tolerance`), then the signature, with the "<method> ..."
// texts most methods share.
MaybeError CheckTimedSignature(std::string_view method, int64_t timestamp, int64_t tolerance,
                               const AccountId& account, const RequestAuth& auth,
                               std::string_view signed_bytes, uint8_t flags,
                               const CheckOptions& o) {
  const std::string m(method);
  if (OutsideWindow(timestamp, o.now_ms, tolerance)) {
    return NotAcceptable(m + " timestamp too far from current time");
  }
  if (!VerifyRequestSignature(account, auth, signed_bytes, flags, false, o.revocations)) {
    return Unauthorized(m + " signature verification failed");
  }
  return std::nullopt;
}

bool TtlValid(const StoreRequest& r) {
  if (r.expiry < r.timestamp) return false;
  const uint64_t ttl = Distance(r.expiry, r.timestamp);
  const int64_t max = IsPublicInboxNamespace(r.ns) ? kTtlMaxPublicMs : kTtlMaxPrivateMs;
  return ttl >= static_cast<uint64_t>(kTtlMinMs) && ttl <= static_cast<uint64_t>(max);
}

MaybeError Check(const StoreRequest& r, const CheckOptions& o) {
  if (!TtlValid(r)) return RpcError{403, "Provided expiry/TTL is not valid."};
  if (LaterThan(r.timestamp, o.now_ms, kStoreToleranceMs) ||
      EarlierThan(r.expiry, o.now_ms, kStoreToleranceMs)) {
    return NotAcceptable("Timestamp error: check your clock");
  }
  // Public inboxes take anyone's messages; a signature given there is not verified (upstream).
  if (IsPublicInboxNamespace(r.ns)) return std::nullopt;
  if (!r.auth.signature) {
    return Unauthorized("store: signature required to store to namespace " + std::to_string(r.ns));
  }
  const int64_t sig_ts = r.sig_timestamp.value_or(r.timestamp);
  if (OutsideWindow(sig_ts, o.now_ms, kSignatureToleranceMs)) {
    return NotAcceptable("store signature timestamp too far from current time");
  }
  uint8_t flags = kSubaccountWrite;
  // A store to a public outbox deletes the other messages there.
  if (IsPublicOutboxNamespace(r.ns)) flags |= kSubaccountDelete;
  if (!VerifyRequestSignature(r.pubkey, r.auth, StoreSignedBytes(r.ns, sig_ts), flags, false,
                              o.revocations)) {
    return Unauthorized("store signature verification failed");
  }
  return std::nullopt;
}

MaybeError Check(const RetrieveRequest& r, const CheckOptions& o) {
  if (!r.authenticated) {
    if (IsNoAuthRetrieveNamespace(r.ns)) return std::nullopt;
    return Unauthorized("retrieve: request signature required");
  }
  if (OutsideWindow(r.timestamp, o.now_ms, kSignatureToleranceMs)) {
    return NotAcceptable("retrieve timestamp too far from current time");
  }
  if (!VerifyRequestSignature(r.pubkey, r.auth, RetrieveSignedBytes(r.ns, r.timestamp),
                              kSubaccountRead, IsUnrevocableNamespace(r.ns), o.revocations)) {
    return Unauthorized("retrieve signature verification failed");
  }
  return std::nullopt;
}

MaybeError Check(const DeleteRequest& r, const CheckOptions& o) {
  if (!VerifyRequestSignature(r.pubkey, r.auth, DeleteSignedBytes(r.messages), kSubaccountDelete,
                              false, o.revocations)) {
    return Unauthorized("delete_msgs signature verification failed");
  }
  return std::nullopt;
}

MaybeError Check(const DeleteAllRequest& r, const CheckOptions& o) {
  // Upstream widens the window for swarm-forwarded copies here and in expire_all only.
  return CheckTimedSignature("delete_all", r.timestamp, o.signature_tolerance_ms, r.pubkey, r.auth,
                             DeleteAllSignedBytes(r.ns, r.timestamp), kSubaccountDelete, o);
}

MaybeError Check(const DeleteBeforeRequest& r, const CheckOptions& o) {
  // Upstream answers 401 here, not 406 (spec §8.4).
  if (LaterThan(r.before, o.now_ms, kDeleteBeforeFutureMs)) {
    return Unauthorized("delete_before timestamp too far in the future");
  }
  if (!VerifyRequestSignature(r.pubkey, r.auth, DeleteBeforeSignedBytes(r.ns, r.before),
                              kSubaccountDelete, false, o.revocations)) {
    return Unauthorized("delete_before signature verification failed");
  }
  return std::nullopt;
}

MaybeError Check(const ExpireAllRequest& r, const CheckOptions& o) {
  if (EarlierThan(r.expiry, o.now_ms, o.signature_tolerance_ms)) {
    return NotAcceptable("expire_all timestamp should be >= current time");
  }
  if (!VerifyRequestSignature(r.pubkey, r.auth, ExpireAllSignedBytes(r.ns, r.expiry),
                              kSubaccountDelete, false, o.revocations)) {
    return Unauthorized("expire_all signature verification failed");
  }
  return std::nullopt;
}

MaybeError Check(const ExpireRequest& r, const CheckOptions& o) {
  for (int64_t e : r.expiries) {
    // Upstream answers 401 here, not 406 (spec §8.4).
    if (EarlierThan(e, o.now_ms, kExpirePastToleranceMs)) {
      return Unauthorized("expire: timestamp should be >= current time");
    }
  }
  if (!VerifyRequestSignature(r.pubkey, r.auth,
                              ExpireSignedBytes(r.shorten, r.extend, r.expiries, r.messages),
                              kSubaccountWrite, false, o.revocations)) {
    return Unauthorized("expire: signature verification failed");
  }
  if (r.shorten && r.auth.subaccount && !r.auth.subaccount->token.Has(kSubaccountDelete)) {
    return RpcError{400,
                    "expire: shorten parameter cannot be used with this subaccount token "
                    "(missing delete access)"};
  }
  return std::nullopt;
}

MaybeError Check(const GetExpiriesRequest& r, const CheckOptions& o) {
  return CheckTimedSignature("get_expiries", r.timestamp, kSignatureToleranceMs, r.pubkey, r.auth,
                             GetExpiriesSignedBytes(r.timestamp, r.messages), kSubaccountRead, o);
}

// Owner key only: the request never carries a subaccount (the parser does not read one).
MaybeError Check(const RevokeSubaccountRequest& r, const CheckOptions& o) {
  return CheckTimedSignature("revoke_subaccount", r.timestamp, kSignatureToleranceMs, r.pubkey,
                             r.auth, RevokeSubaccountSignedBytes(r.timestamp, r.tokens), 0, o);
}

MaybeError Check(const UnrevokeSubaccountRequest& r, const CheckOptions& o) {
  return CheckTimedSignature("unrevoke_subaccount", r.timestamp, kSignatureToleranceMs, r.pubkey,
                             r.auth, UnrevokeSubaccountSignedBytes(r.timestamp, r.tokens), 0, o);
}

MaybeError Check(const GetSwarmRequest&, const CheckOptions&) { return std::nullopt; }
MaybeError Check(const InfoRequest&, const CheckOptions&) { return std::nullopt; }
MaybeError Check(const OxendRequest&, const CheckOptions&) { return std::nullopt; }

// Verifies the subaccount part of §2.6 (a)-(d) and returns the key the request signature must
// verify under, or nullopt.
std::optional<Ed25519PublicKey> SubaccountKey(const AccountId& account, const SignedSubaccount& s,
                                              const Ed25519PublicKey& owner_key,
                                              uint8_t required_flags, bool skip_revocation_check,
                                              const RevocationList* revocations) {
  if (!skip_revocation_check && revocations && revocations->IsRevoked(account, s.token)) {
    return std::nullopt;
  }
  if (!s.token.PrefixAllowed(account.prefix) || !s.token.Has(required_flags)) return std::nullopt;
  if (!VerifyEd25519(owner_key, s.token.view(), s.signature)) return std::nullopt;
  return s.token.pubkey();
}

}  // namespace

// ---- Signed bytes ----

std::string StoreSignedBytes(int16_t ns, int64_t sig_timestamp) {
  return "store" + NamespaceSignatureString(ns) + std::to_string(sig_timestamp);
}

std::string RetrieveSignedBytes(int16_t ns, int64_t timestamp) {
  return "retrieve" + NamespaceSignatureString(ns) + std::to_string(timestamp);
}

std::string DeleteSignedBytes(const std::vector<std::string>& messages) {
  std::string out = "delete";
  AppendAll(&out, messages);
  return out;
}

std::string DeleteAllSignedBytes(const NamespaceSelector& ns, int64_t timestamp) {
  return "delete_all" + NamespaceSignatureString(ns) + std::to_string(timestamp);
}

std::string DeleteBeforeSignedBytes(const NamespaceSelector& ns, int64_t before) {
  return "delete_before" + NamespaceSignatureString(ns) + std::to_string(before);
}

std::string ExpireAllSignedBytes(const NamespaceSelector& ns, int64_t expiry) {
  return "expire_all" + NamespaceSignatureString(ns) + std::to_string(expiry);
}

std::string ExpireSignedBytes(bool shorten, bool extend, const std::vector<int64_t>& expiries,
                              const std::vector<std::string>& messages) {
  std::string out = "expire";
  out += shorten ? "shorten" : extend ? "extend" : "";
  for (int64_t e : expiries) out += std::to_string(e);
  AppendAll(&out, messages);
  return out;
}

std::string GetExpiriesSignedBytes(int64_t timestamp, const std::vector<std::string>& messages) {
  std::string out = "get_expiries" + std::to_string(timestamp);
  AppendAll(&out, messages);
  return out;
}

std::string RevokeSubaccountSignedBytes(int64_t timestamp,
                                        const std::vector<SubaccountToken>& tokens) {
  std::string out = "revoke_subaccount" + std::to_string(timestamp);
  AppendTokens(&out, tokens);
  return out;
}

std::string UnrevokeSubaccountSignedBytes(int64_t timestamp,
                                          const std::vector<SubaccountToken>& tokens) {
  std::string out = "unrevoke_subaccount" + std::to_string(timestamp);
  AppendTokens(&out, tokens);
  return out;
}

std::optional<std::string> SignedBytes(const SubRequest& request) {
  return std::visit(
      [](const auto& r) -> std::optional<std::string> {
        using T = std::decay_t<decltype(r)>;
        if constexpr (std::is_same_v<T, StoreRequest>) {
          if (!r.auth.signature) return std::nullopt;
          return StoreSignedBytes(r.ns, r.sig_timestamp.value_or(r.timestamp));
        } else if constexpr (std::is_same_v<T, RetrieveRequest>) {
          if (!r.authenticated) return std::nullopt;
          return RetrieveSignedBytes(r.ns, r.timestamp);
        } else if constexpr (std::is_same_v<T, DeleteRequest>) {
          return DeleteSignedBytes(r.messages);
        } else if constexpr (std::is_same_v<T, DeleteAllRequest>) {
          return DeleteAllSignedBytes(r.ns, r.timestamp);
        } else if constexpr (std::is_same_v<T, DeleteBeforeRequest>) {
          return DeleteBeforeSignedBytes(r.ns, r.before);
        } else if constexpr (std::is_same_v<T, ExpireAllRequest>) {
          return ExpireAllSignedBytes(r.ns, r.expiry);
        } else if constexpr (std::is_same_v<T, ExpireRequest>) {
          return ExpireSignedBytes(r.shorten, r.extend, r.expiries, r.messages);
        } else if constexpr (std::is_same_v<T, GetExpiriesRequest>) {
          return GetExpiriesSignedBytes(r.timestamp, r.messages);
        } else if constexpr (std::is_same_v<T, RevokeSubaccountRequest>) {
          return RevokeSubaccountSignedBytes(r.timestamp, r.tokens);
        } else if constexpr (std::is_same_v<T, UnrevokeSubaccountRequest>) {
          return UnrevokeSubaccountSignedBytes(r.timestamp, r.tokens);
        } else {
          return std::nullopt;  // get_swarm, info, oxend_request
        }
      },
      request);
}

// ---- Node result bytes ----

std::string DeleteResultSignedBytes(std::string_view account_hex,
                                    const std::vector<std::string>& requested,
                                    const std::vector<std::string>& deleted_sorted) {
  std::string out(account_hex);
  AppendAll(&out, requested);
  AppendAll(&out, deleted_sorted);
  return out;
}

std::string NamespaceWideResultSignedBytes(std::string_view account_hex, int64_t time,
                                           const std::vector<std::string>& affected_sorted) {
  std::string out(account_hex);
  out += std::to_string(time);
  AppendAll(&out, affected_sorted);
  return out;
}

std::string ExpireResultSignedBytes(std::string_view account_hex,
                                    const std::vector<int64_t>& applied_expiries,
                                    const std::vector<std::string>& requested,
                                    const std::vector<std::string>& updated_sorted,
                                    const std::map<std::string, int64_t>& unchanged) {
  std::string out(account_hex);
  for (int64_t e : applied_expiries) out += std::to_string(e);
  AppendAll(&out, requested);
  AppendAll(&out, updated_sorted);
  for (const auto& [hash, expiry] : unchanged) out += hash + std::to_string(expiry);
  return out;
}

std::string RevocationResultSignedBytes(std::string_view account_hex, int64_t timestamp,
                                        const std::vector<SubaccountToken>& tokens) {
  std::string out(account_hex);
  out += std::to_string(timestamp);
  AppendTokens(&out, tokens);
  return out;
}

// ---- Ed25519 ----

bool VerifyEd25519(const Ed25519PublicKey& key, std::string_view message,
                   const Ed25519Signature& signature) {
  EnsureSodium();
  return crypto_sign_verify_detached(signature.data(),
                                     reinterpret_cast<const unsigned char*>(message.data()),
                                     message.size(), key.data()) == 0;
}

Ed25519Signature SignEd25519(const std::array<uint8_t, 64>& secret_key, std::string_view message) {
  EnsureSodium();
  Ed25519Signature sig{};
  crypto_sign_detached(sig.data(), nullptr, reinterpret_cast<const unsigned char*>(message.data()),
                       message.size(), secret_key.data());
  return sig;
}

Result<Ed25519PublicKey> Ed25519ToX25519(const Ed25519PublicKey& ed25519) {
  EnsureSodium();
  Ed25519PublicKey x25519{};
  if (crypto_sign_ed25519_pk_to_curve25519(x25519.data(), ed25519.data()) != 0) {
    return InvalidArgumentError("not a valid Ed25519 public key");
  }
  return x25519;
}

namespace {

// Ed25519ToX25519 costs about as much as the signature check itself (libsodium checks the point
// fully), and a Session client sends the same pubkey_ed25519 with every request: keep recent
// conversions. Sharded, each shard bounded (emptied when full).
class X25519Cache {
 public:
  Result<Ed25519PublicKey> Convert(const Ed25519PublicKey& ed25519) {
    Shard& s = shards_[ed25519[0] % kShards];
    {
      std::lock_guard<std::mutex> lock(s.mutex);
      auto it = s.map.find(ed25519);
      if (it != s.map.end()) return it->second;
    }
    Result<Ed25519PublicKey> x = Ed25519ToX25519(ed25519);
    if (!x.ok()) return x;
    std::lock_guard<std::mutex> lock(s.mutex);
    if (s.map.size() >= kPerShard) s.map.clear();
    s.map.emplace(ed25519, *x);
    return x;
  }

 private:
  static constexpr size_t kShards = 16;
  static constexpr size_t kPerShard = 8192;
  struct KeyHash {
    size_t operator()(const Ed25519PublicKey& k) const {
      size_t h;
      std::memcpy(&h, k.data() + 1, sizeof(h));
      return h;
    }
  };
  struct Shard {
    std::mutex mutex;
    std::unordered_map<Ed25519PublicKey, Ed25519PublicKey, KeyHash> map;
  };
  Shard shards_[kShards];
};

}  // namespace

bool VerifyRequestSignature(const AccountId& account, const RequestAuth& auth,
                            std::string_view signed_bytes, uint8_t required_flags,
                            bool skip_revocation_check, const RevocationList* revocations) {
  if (!auth.signature) return false;
  Ed25519PublicKey key = account.key;
  if (account.prefix == 0x05 && auth.pubkey_ed25519) {
    // The Ed25519 key must be the one the Session ID (an X25519 key) was derived from.
    static X25519Cache cache;
    Result<Ed25519PublicKey> x = cache.Convert(*auth.pubkey_ed25519);
    if (!x.ok() || *x != account.key) return false;
    key = *auth.pubkey_ed25519;
  }
  if (auth.subaccount) {
    std::optional<Ed25519PublicKey> sub = SubaccountKey(
        account, *auth.subaccount, key, required_flags, skip_revocation_check, revocations);
    if (!sub) return false;
    key = *sub;
  }
  return VerifyEd25519(key, signed_bytes, *auth.signature);
}

std::optional<RpcError> CheckRequest(const SubRequest& request, const CheckOptions& options) {
  return std::visit([&options](const auto& r) { return Check(r, options); }, request);
}

std::vector<int64_t> ClampedExpiries(const ExpireRequest& request, int64_t now_ms) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  const int64_t cap = now_ms > kMax - kTtlMaxPrivateMs ? kMax : now_ms + kTtlMaxPrivateMs;
  std::vector<int64_t> out;
  out.reserve(request.expiries.size());
  for (int64_t e : request.expiries) out.push_back(std::min(e, cap));
  return out;
}

bool ExpireExtendOnly(const ExpireRequest& request) {
  return request.extend ||
         (request.auth.subaccount && !request.auth.subaccount->token.Has(kSubaccountDelete));
}

}  // namespace cairn::session_rpc
