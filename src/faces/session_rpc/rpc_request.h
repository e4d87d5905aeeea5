// Parsing of Session storage RPC requests: the JSON body of `POST /storage_rpc/v1`
// ({"method": M, "params": {...}}, specs/session-storage-rpc.md §1) into one typed struct per
// method of §3, with the meta methods batch / sequence / ifelse (§1.4) holding their parsed
// subrequests.
//
// Parsing checks everything that needs no clock, no key and no storage: JSON shape, field types,
// required fields, encodings (hex pubkeys, base64 data / signatures / hashes, subaccount tokens),
// ranges (namespace, batch size, data size), field combinations. Each failure is the exact
// answer upstream gives: HTTP 400 with the text "invalid json", "invalid json: no `method`
// field", "invalid json: no `params` field", "no method <name>" or "invalid request: <detail>"
// (413 "Request body too large" for a body over 10 MiB). Where two fields are wrong, the one
// reported is the one upstream reports (fields are type-checked in alphabetical order first,
// then required / semantic checks in each method's order). docs/session_rpc.md lists every text.
//
// Time windows, signatures and TTL rules are checked afterwards by CheckRequest (auth.h), since
// they need the server clock and come after the wrong-swarm (421) answer.
//
// Thread safety: pure functions; parsed requests are values (move-only where they own
// subrequests).
#ifndef CAIRN_FACES_SESSION_RPC_RPC_REQUEST_H_
#define CAIRN_FACES_SESSION_RPC_RPC_REQUEST_H_

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "faces/session_rpc/types.h"

namespace cairn::session_rpc {

enum class Method {
  kStore,
  kRetrieve,
  kDelete,
  kDeleteAll,
  kDeleteBefore,
  kExpireAll,
  kExpire,
  kGetExpiries,
  kGetSwarm,  // also reached as "get_snodes_for_pubkey"
  kInfo,
  kRevokeSubaccount,
  kUnrevokeSubaccount,
  kOxendRequest,
  kBatch,
  kSequence,
  kIfElse,
};

// The method's wire name ("store", "delete", "get_swarm", ...).
std::string_view MethodName(Method method);
// The method a wire name selects (aliases included), or nullopt for an unknown name.
std::optional<Method> MethodFromName(std::string_view name);

// The authentication parameters most methods carry (§2.5, §2.6). Which are required differs per
// method; CheckRequest (auth.h) decides what they prove.
struct RequestAuth {
  std::optional<Ed25519Signature> signature;
  // Only ever set for 05 accounts (other prefixes are refused at parse time).
  std::optional<Ed25519PublicKey> pubkey_ed25519;
  // Set when a non-empty `subaccount` was given (with its required `subaccount_sig`).
  std::optional<SignedSubaccount> subaccount;
};

// §3.1. `signature` (and so `sig_timestamp`) is optional at parse time: public-inbox namespaces
// need none, and upstream parses but does not verify one given there.
struct StoreRequest {
  AccountId pubkey;
  int16_t ns = 0;
  int64_t timestamp = 0;
  int64_t expiry = 0;  // `expiry`, or `timestamp + ttl` (saturating)
  std::string data;    // decoded bytes, at most kMaxMessageBytes
  // Set exactly when auth.signature is: `sig_timestamp`, defaulting to `timestamp`.
  std::optional<int64_t> sig_timestamp;
  RequestAuth auth;
};

// §3.2.
struct RetrieveRequest {
  AccountId pubkey;
  int16_t ns = 0;
  std::optional<std::string> last_hash;  // 43 base64 characters; "" and null mean absent
  std::optional<int64_t> max_count;
  std::optional<int64_t> max_size;
  // True when the request must be verified: any of pubkey_ed25519 / signature / timestamp was
  // given, or a namespace that is not a no-auth namespace was. Then auth.signature is set and
  // `timestamp` is meaningful.
  bool authenticated = false;
  int64_t timestamp = 0;
  RequestAuth auth;
};

// The size and count bounds of a retrieve after §3.2's normalisation: 0 means absent, neither
// given means max_size = -5, a negative max_size is kRetrieveMaxSize / -max_size, an absent or
// too large one is kRetrieveMaxSize, and a max_count below 1 is 1.
struct RetrieveLimits {
  std::optional<int64_t> max_count;
  int64_t max_size = kRetrieveMaxSize;
};
RetrieveLimits EffectiveRetrieveLimits(const RetrieveRequest& request);

// §3.3 ("delete"; upstream's delete_msgs). `messages` are valid hashes, in request order.
struct DeleteRequest {
  AccountId pubkey;
  std::vector<std::string> messages;
  bool required = false;
  RequestAuth auth;  // signature always set
};

// §3.4.
struct DeleteAllRequest {
  AccountId pubkey;
  NamespaceSelector ns;
  int64_t timestamp = 0;
  RequestAuth auth;  // signature always set
};

// §3.5.
struct DeleteBeforeRequest {
  AccountId pubkey;
  NamespaceSelector ns;
  int64_t before = 0;
  RequestAuth auth;  // signature always set
};

// §3.6.
struct ExpireAllRequest {
  AccountId pubkey;
  NamespaceSelector ns;
  int64_t expiry = 0;
  RequestAuth auth;  // signature always set
};

// §3.7 ("expire"; upstream's expire_msgs). `expiries` holds one value, or one per message (an
// array of one is the same as a single value); these are the requested, unclamped values that
// were signed.
struct ExpireRequest {
  AccountId pubkey;
  std::vector<std::string> messages;
  std::vector<int64_t> expiries;
  bool shorten = false;
  bool extend = false;  // never both
  RequestAuth auth;     // signature always set
};

// §3.8. `messages` are not checked to be hashes (upstream does not).
struct GetExpiriesRequest {
  AccountId pubkey;
  std::vector<std::string> messages;
  int64_t timestamp = 0;
  RequestAuth auth;  // signature always set
};

// §3.9 (also "get_snodes_for_pubkey"). No authentication.
struct GetSwarmRequest {
  AccountId pubkey;
};

// §3.10. Takes no parameters (any given are ignored).
struct InfoRequest {};

// §3.11. Owner key only: subaccount parameters are ignored (as upstream), auth.subaccount is
// never set. At most kMaxRevokedSubaccounts tokens for revoke.
struct RevokeSubaccountRequest {
  AccountId pubkey;
  std::vector<SubaccountToken> tokens;
  int64_t timestamp = 0;
  RequestAuth auth;  // signature always set
};
struct UnrevokeSubaccountRequest {
  AccountId pubkey;
  std::vector<SubaccountToken> tokens;
  int64_t timestamp = 0;
  RequestAuth auth;  // signature always set
};

// §3.12. `endpoint` is "get_service_nodes" or "ons_resolve"; `params_json` is the compact JSON
// text of `params` when one was given (not null).
struct OxendRequest {
  std::string endpoint;
  std::optional<std::string> params_json;
};

// The methods allowed inside batch and sequence (every one but the meta methods).
using SubRequest = std::variant<StoreRequest, RetrieveRequest, DeleteRequest, DeleteAllRequest,
                                DeleteBeforeRequest, ExpireAllRequest, ExpireRequest,
                                GetExpiriesRequest, GetSwarmRequest, InfoRequest,
                                RevokeSubaccountRequest, UnrevokeSubaccountRequest, OxendRequest>;

Method MethodOf(const SubRequest& request);

// §1.4: 1 ... kBatchRequestMax subrequests, all parsed before any runs.
struct BatchRequest {
  std::vector<SubRequest> requests;
};
// Same shape; run in order, stopping after the first non-2xx result.
struct SequenceRequest {
  std::vector<SubRequest> requests;
};

// The "if" of an ifelse: every given bound must hold. Missing list elements are 0 ([19] means
// [19, 0]); an empty list counts as not given. At least one bound is set.
struct IfElseCondition {
  std::optional<std::array<int64_t, 2>> hf_at_least;
  std::optional<std::array<int64_t, 2>> hf_before;
  std::optional<std::array<int64_t, 3>> v_at_least;
  std::optional<std::array<int64_t, 3>> v_before;
  std::optional<int64_t> height_at_least;
  std::optional<int64_t> height_before;

  // Whether the condition holds for a node at hardfork `hf`, storage server version `version`
  // and chain height `height` (lexicographic comparisons, as upstream).
  bool Evaluate(const std::array<int64_t, 2>& hf, const std::array<int64_t, 3>& version,
                int64_t height) const;
};

struct Request;

// §1.4 ifelse: `then_request` / `else_request` may be any method, meta methods included; at
// least one is set.
struct IfElseRequest {
  IfElseCondition condition;
  std::unique_ptr<Request> then_request;
  std::unique_ptr<Request> else_request;
};

// A parsed top-level request.
struct Request {
  std::variant<SubRequest, BatchRequest, SequenceRequest, IfElseRequest> body;

  Method method() const;
};

struct ParseOptions {
  // Testnet rules: a 64-hex-digit pubkey is accepted and means prefix 05.
  bool testnet = false;
};

// Parses a whole request body. On failure returns the RpcError to answer with (400, or 413 when
// body.size() > kMaxRequestBodyBytes). Never throws.
std::variant<Request, RpcError> ParseRequestBody(std::string_view body,
                                                 const ParseOptions& options = {});

}  // namespace cairn::session_rpc

#endif  // CAIRN_FACES_SESSION_RPC_RPC_REQUEST_H_
