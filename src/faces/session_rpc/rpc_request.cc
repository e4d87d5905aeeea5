#include "faces/session_rpc/rpc_request.h"

#include <algorithm>
#include <exception>
#include <limits>
#include <nlohmann/json.hpp>
#include <utility>

#include "faces/session_rpc/encoding.h"
#include "faces/session_rpc/internal/json_fields.h"
#include "faces/session_rpc/message_hash.h"

namespace cairn::session_rpc {
namespace {

using internal::CheckMilliseconds;
using internal::DecodeSignature;
using internal::DecodeToken;
using internal::Fail;
using internal::FailType;
using internal::Find;
using internal::OptBool;
using internal::OptInt;
using internal::OptIntList;
using internal::OptNamespace;
using internal::OptNamespaceOrAll;
using internal::OptString;
using internal::OptStringList;
using internal::OptTimestamp;
using internal::ParseError;
using internal::Require;
using internal::RequireAtMostOne;
using nlohmann::json;

// ---- Method names ----

struct MethodEntry {
  std::string_view name;
  Method method;
};
// The first entry of each method is its canonical name.
constexpr MethodEntry kMethods[] = {
    {"store", Method::kStore},
    {"retrieve", Method::kRetrieve},
    {"delete", Method::kDelete},
    {"delete_all", Method::kDeleteAll},
    {"delete_before", Method::kDeleteBefore},
    {"expire_all", Method::kExpireAll},
    {"expire", Method::kExpire},
    {"get_expiries", Method::kGetExpiries},
    {"get_swarm", Method::kGetSwarm},
    {"get_snodes_for_pubkey", Method::kGetSwarm},
    {"info", Method::kInfo},
    {"revoke_subaccount", Method::kRevokeSubaccount},
    {"unrevoke_subaccount", Method::kUnrevokeSubaccount},
    {"oxend_request", Method::kOxendRequest},
    {"batch", Method::kBatch},
    {"sequence", Method::kSequence},
    {"ifelse", Method::kIfElse},
};

bool IsMeta(Method m) {
  return m == Method::kBatch || m == Method::kSequence || m == Method::kIfElse;
}

// ---- Values ----

AccountId LoadPubkey(const std::optional<std::string>& hex, const ParseOptions& options) {
  Require("pubkey", hex.has_value());
  Result<AccountId> id = AccountId::FromHex(*hex, options.testnet);
  if (!id.ok()) Fail(std::string(id.status().message()));
  return *id;
}

// `pubkey` or its legacy alias `pubKey`: exactly one.
const std::optional<std::string>& PickPubkey(const std::optional<std::string>& pubkey,
                                             const std::optional<std::string>& pubKey) {
  RequireAtMostOne("pubkey", pubkey, "pubKey", pubKey);
  if (!pubkey && !pubKey) Fail("Required field 'pubkey' missing");
  return pubkey ? pubkey : pubKey;
}

// The fields every signed method reads (as strings, already type-checked by the caller).
struct AuthFields {
  std::optional<std::string> pubkey_ed25519;
  std::optional<std::string> signature;
  std::optional<std::string> subaccount;
  std::optional<std::string> subaccount_sig;
};

// upstream load_pk_signature: pubkey (required, valid), signature (required), pubkey_ed25519
// (05 accounts only, 64 hex digits), then the signature's format.
AccountId LoadSigned(const std::optional<std::string>& pubkey, const AuthFields& f,
                     const ParseOptions& options, RequestAuth* auth) {
  AccountId account = LoadPubkey(pubkey, options);
  Require("signature", f.signature.has_value());
  if (f.pubkey_ed25519) {
    if (account.prefix != 0x05) Fail("pubkey_ed25519 is only permitted for 05[...] pubkeys");
    const std::string& hex = *f.pubkey_ed25519;
    if (hex.size() != 64) Fail("Invalid pubkey_ed25519: expected 64 hex char or 32 byte pubkey");
    std::string raw;
    if (!HexDecode(hex, &raw)) Fail("invalid pubkey_ed25519: value is not hex");
    std::copy(raw.begin(), raw.end(), auth->pubkey_ed25519.emplace().begin());
  }
  if (!DecodeSignature(*f.signature, &auth->signature.emplace())) {
    Fail("invalid signature: expected base64 encoded Ed25519 signature");
  }
  return account;
}

// upstream load_subaccount: an absent or empty `subaccount` is no subaccount.
void LoadSubaccount(const AuthFields& f, RequestAuth* auth) {
  if (!f.subaccount || f.subaccount->empty()) return;
  if (!f.subaccount_sig) {
    Fail("invalid subaccount: subaccount_sig is required when using subaccount");
  }
  SignedSubaccount& sub = auth->subaccount.emplace();
  if (!DecodeToken(*f.subaccount, &sub.token)) {
    Fail("invalid subaccount: expected base64 or hex-encoded subaccount token");
  }
  if (!DecodeSignature(*f.subaccount_sig, &sub.signature)) {
    Fail("invalid subaccount signature: expected base64 encoded Ed25519 signature");
  }
}

// A non-empty list of valid message hashes (delete, expire).
std::vector<std::string> LoadHashes(std::optional<std::vector<std::string>> messages) {
  Require("messages", messages.has_value());
  if (messages->empty()) Fail("messages does not contain any message hashes");
  return std::move(*messages);
}

void CheckHashes(const std::vector<std::string>& messages) {
  for (const std::string& m : messages) {
    if (!IsValidMessageHash(m)) Fail("invalid message hash: " + m);
  }
}

std::vector<SubaccountToken> LoadTokens(const std::vector<std::string>& texts,
                                        std::string_view field) {
  std::vector<SubaccountToken> tokens(texts.size());
  for (size_t i = 0; i < texts.size(); ++i) {
    if (!DecodeToken(texts[i], &tokens[i])) {
      Fail("invalid " + std::string(field) + ": expected base64 or hex-encoded subaccount tag");
    }
  }
  return tokens;
}

// a + b, capped at the int64 maximum. Precondition: a >= 0 (a timestamp that passed
// CheckMilliseconds).
int64_t SaturatingAdd(int64_t a, uint64_t b) {
  const uint64_t room = static_cast<uint64_t>(std::numeric_limits<int64_t>::max() - a);
  return b > room ? std::numeric_limits<int64_t>::max() : a + static_cast<int64_t>(b);
}

// ---- Methods (each reads its fields in alphabetical order first, as upstream does, so the
// same field wins when several are wrong) ----

// store: `timestamp` may be an integer or a decimal string; `ttl` likewise (non-negative).
std::optional<int64_t> StoreTimestamp(const json& p) {
  if (auto s = internal::OptStringifiedInt64(p, "timestamp")) {
    CheckMilliseconds("timestamp", *s);
    return s;
  }
  return OptTimestamp(p, "timestamp");
}

std::optional<uint64_t> StoreTtl(const json& p) {
  if (auto s = internal::OptStringifiedUint64(p, "ttl")) return s;
  const json* v = Find(p, "ttl");
  if (!v) return std::nullopt;
  if (!v->is_number_unsigned()) FailType("ttl", "positive integer");
  return v->get<uint64_t>();
}

void LoadStoreData(const std::optional<std::string>& data, StoreRequest* r) {
  Require("data", data.has_value());
  if (!IsBase64(*data)) Fail("Invalid 'data' value: not base64 encoded");
  if (data->size() > kMaxMessageBase64Chars) {
    Fail("Message body exceeds maximum allowed length of " + std::to_string(kMaxMessageBytes) +
         " bytes");
  }
  r->data = std::move(Base64Decode(*data).value());
}

StoreRequest ParseStore(const json& p, const ParseOptions& o) {
  auto data = OptString(p, "data");
  auto expiry = OptTimestamp(p, "expiry");
  auto ns = OptNamespace(p, "namespace");
  auto pubKey = OptString(p, "pubKey");
  auto pubkey = OptString(p, "pubkey");
  AuthFields f;
  f.pubkey_ed25519 = OptString(p, "pubkey_ed25519");
  auto sig_ts = OptTimestamp(p, "sig_timestamp");
  f.signature = OptString(p, "signature");
  f.subaccount = OptString(p, "subaccount");
  f.subaccount_sig = OptString(p, "subaccount_sig");
  auto timestamp = StoreTimestamp(p);
  auto ttl = StoreTtl(p);

  StoreRequest r;
  Require("timestamp", timestamp.has_value());
  RequireAtMostOne("expiry", expiry, "ttl", ttl);
  if (!expiry && !ttl) Fail("Required field 'expiry' or 'ttl' missing");
  r.timestamp = *timestamp;
  r.expiry = expiry ? *expiry : SaturatingAdd(r.timestamp, *ttl);
  const auto& pk = PickPubkey(pubkey, pubKey);
  r.ns = ns.value_or(0);
  if (f.signature) {
    r.pubkey = LoadSigned(pk, f, o, &r.auth);
    LoadSubaccount(f, &r.auth);
    r.sig_timestamp = sig_ts.value_or(r.timestamp);
  } else {
    r.pubkey = LoadPubkey(pk, o);
  }
  LoadStoreData(data, &r);
  return r;
}

void LoadLastHash(std::optional<std::string> last_hash, std::optional<std::string> lastHash,
                  RetrieveRequest* r) {
  RequireAtMostOne("last_hash", last_hash, "lastHash", lastHash);
  if (lastHash) last_hash = std::move(lastHash);
  if (!last_hash || last_hash->empty()) return;  // "" means absent
  if (last_hash->size() != kMessageHashChars) {
    Fail("Invalid last_hash: expected base64 (43 chars)");
  }
  if (!IsBase64(*last_hash)) Fail("Invalid last_hash: not base64");
  r->last_hash = std::move(last_hash);
}

RetrieveRequest ParseRetrieve(const json& p, const ParseOptions& o) {
  auto lastHash = OptString(p, "lastHash");
  auto last_hash = OptString(p, "last_hash");
  auto max_count = OptInt(p, "max_count");
  auto max_size = OptInt(p, "max_size");
  auto ns = OptNamespace(p, "namespace");
  auto pubKey = OptString(p, "pubKey");
  auto pubkey = OptString(p, "pubkey");
  AuthFields f;
  f.pubkey_ed25519 = OptString(p, "pubkey_ed25519");
  f.signature = OptString(p, "signature");
  f.subaccount = OptString(p, "subaccount");
  f.subaccount_sig = OptString(p, "subaccount_sig");
  auto timestamp = OptTimestamp(p, "timestamp");

  RetrieveRequest r;
  const auto& pk = PickPubkey(pubkey, pubKey);
  if (f.pubkey_ed25519 || f.signature || timestamp || (ns && !IsNoAuthRetrieveNamespace(*ns))) {
    r.pubkey = LoadSigned(pk, f, o, &r.auth);
    LoadSubaccount(f, &r.auth);
    // Upstream reads a missing timestamp here (undefined behaviour); the spec asks for this.
    Require("timestamp", timestamp.has_value());
    r.timestamp = *timestamp;
    r.authenticated = true;
  } else {
    r.pubkey = LoadPubkey(pk, o);
  }
  r.ns = ns.value_or(0);
  LoadLastHash(std::move(last_hash), std::move(lastHash), &r);
  r.max_count = max_count;
  r.max_size = max_size;
  return r;
}

DeleteRequest ParseDelete(const json& p, const ParseOptions& o) {
  auto messages = OptStringList(p, "messages");
  auto pubkey = OptString(p, "pubkey");
  AuthFields f;
  f.pubkey_ed25519 = OptString(p, "pubkey_ed25519");
  auto required = OptBool(p, "required");
  f.signature = OptString(p, "signature");
  f.subaccount = OptString(p, "subaccount");
  f.subaccount_sig = OptString(p, "subaccount_sig");

  DeleteRequest r;
  r.pubkey = LoadSigned(pubkey, f, o, &r.auth);
  LoadSubaccount(f, &r.auth);
  r.messages = LoadHashes(std::move(messages));
  r.required = required.value_or(false);
  CheckHashes(r.messages);
  return r;
}

// delete_all / delete_before / expire_all share one shape: namespace-or-all, pubkey, auth, and
// one required time field (`time_name`) read at its alphabetical place.
struct NamespaceWide {
  AccountId pubkey;
  NamespaceSelector ns;
  int64_t time = 0;
  RequestAuth auth;
};

NamespaceWide ParseNamespaceWide(const json& p, const ParseOptions& o, const char* time_name) {
  const bool time_first = std::string_view(time_name) < "namespace";  // before, expiry
  std::optional<int64_t> time;
  if (time_first) time = OptTimestamp(p, time_name);
  auto ns = OptNamespaceOrAll(p, "namespace");
  auto pubkey = OptString(p, "pubkey");
  AuthFields f;
  f.pubkey_ed25519 = OptString(p, "pubkey_ed25519");
  f.signature = OptString(p, "signature");
  f.subaccount = OptString(p, "subaccount");
  f.subaccount_sig = OptString(p, "subaccount_sig");
  if (!time_first) time = OptTimestamp(p, time_name);  // timestamp

  NamespaceWide r;
  r.pubkey = LoadSigned(pubkey, f, o, &r.auth);
  LoadSubaccount(f, &r.auth);
  Require(time_name, time.has_value());
  r.time = *time;
  r.ns = ns.value_or(NamespaceSelector::One(0));
  return r;
}

ExpireRequest ParseExpire(const json& p, const ParseOptions& o) {
  auto expiry = OptIntList(p, "expiry", /*timestamps=*/true);
  auto extend = OptBool(p, "extend");
  auto messages = OptStringList(p, "messages");
  auto pubkey = OptString(p, "pubkey");
  AuthFields f;
  f.pubkey_ed25519 = OptString(p, "pubkey_ed25519");
  auto shorten = OptBool(p, "shorten");
  f.signature = OptString(p, "signature");
  f.subaccount = OptString(p, "subaccount");
  f.subaccount_sig = OptString(p, "subaccount_sig");

  ExpireRequest r;
  r.pubkey = LoadSigned(pubkey, f, o, &r.auth);
  LoadSubaccount(f, &r.auth);
  Require("expiry", expiry.has_value());
  if (expiry->empty()) Fail("'expiry' does not contain any expiration timestamps");
  r.expiries = std::move(*expiry);
  r.shorten = shorten.value_or(false);
  r.extend = extend.value_or(false);
  if (r.shorten && r.extend) Fail("cannot specify both 'shorten' and 'extend'");
  r.messages = LoadHashes(std::move(messages));
  if (r.expiries.size() > 1 && r.expiries.size() != r.messages.size()) {
    Fail("'expiry' must be a single expiry, or the same length as 'messages'");
  }
  CheckHashes(r.messages);
  return r;
}

GetExpiriesRequest ParseGetExpiries(const json& p, const ParseOptions& o) {
  auto messages = OptStringList(p, "messages");
  auto pubkey = OptString(p, "pubkey");
  AuthFields f;
  f.pubkey_ed25519 = OptString(p, "pubkey_ed25519");
  f.signature = OptString(p, "signature");
  f.subaccount = OptString(p, "subaccount");
  f.subaccount_sig = OptString(p, "subaccount_sig");
  auto timestamp = OptTimestamp(p, "timestamp");

  GetExpiriesRequest r;
  r.pubkey = LoadSigned(pubkey, f, o, &r.auth);
  LoadSubaccount(f, &r.auth);
  Require("timestamp", timestamp.has_value());
  r.timestamp = *timestamp;
  r.messages = LoadHashes(std::move(messages));  // no hash format check here (upstream)
  return r;
}

GetSwarmRequest ParseGetSwarm(const json& p, const ParseOptions& o) {
  auto pubKey = OptString(p, "pubKey");
  auto pubkey = OptString(p, "pubkey");
  return GetSwarmRequest{LoadPubkey(PickPubkey(pubkey, pubKey), o)};
}

template <typename T>
T ParseRevocation(const json& p, const ParseOptions& o, bool revoke) {
  // revoke: pubkey, pubkey_ed25519, revoke, signature, timestamp
  // unrevoke: pubkey, pubkey_ed25519, signature, timestamp, unrevoke
  const char* list_name = revoke ? "revoke" : "unrevoke";
  auto pubkey = OptString(p, "pubkey");
  AuthFields f;
  f.pubkey_ed25519 = OptString(p, "pubkey_ed25519");
  std::optional<std::vector<std::string>> list;
  if (revoke) list = OptStringList(p, list_name);
  f.signature = OptString(p, "signature");
  auto timestamp = OptTimestamp(p, "timestamp");
  if (!revoke) list = OptStringList(p, list_name);

  T r;
  r.pubkey = LoadSigned(pubkey, f, o, &r.auth);  // subaccounts are not read: owner key only
  if (!revoke) {
    Require("timestamp", timestamp.has_value());
  }
  Require(list_name, list.has_value());
  if (revoke && list->size() > kMaxRevokedSubaccounts) {
    Fail("invalid revoke: cannot revoke more than " + std::to_string(kMaxRevokedSubaccounts) +
         " subaccounts at once");
  }
  r.tokens = LoadTokens(*list, list_name);
  Require("timestamp", timestamp.has_value());
  r.timestamp = *timestamp;
  return r;
}

OxendRequest ParseOxend(const json& p) {
  auto endpoint = OptString(p, "endpoint");
  Require("endpoint", endpoint.has_value());
  if (*endpoint != "get_service_nodes" && *endpoint != "ons_resolve") {
    Fail("Invalid oxend endpoint '" + *endpoint + "'");
  }
  OxendRequest r;
  r.endpoint = std::move(*endpoint);
  // Upstream passes any non-null `params` value through to oxend.
  if (const json* params = Find(p, "params")) r.params_json = params->dump();
  return r;
}

SubRequest ParseSubRequest(Method m, const json& p, const ParseOptions& o) {
  switch (m) {
    case Method::kStore:
      return ParseStore(p, o);
    case Method::kRetrieve:
      return ParseRetrieve(p, o);
    case Method::kDelete:
      return ParseDelete(p, o);
    case Method::kDeleteAll: {
      NamespaceWide w = ParseNamespaceWide(p, o, "timestamp");
      return DeleteAllRequest{w.pubkey, w.ns, w.time, std::move(w.auth)};
    }
    case Method::kDeleteBefore: {
      NamespaceWide w = ParseNamespaceWide(p, o, "before");
      return DeleteBeforeRequest{w.pubkey, w.ns, w.time, std::move(w.auth)};
    }
    case Method::kExpireAll: {
      NamespaceWide w = ParseNamespaceWide(p, o, "expiry");
      return ExpireAllRequest{w.pubkey, w.ns, w.time, std::move(w.auth)};
    }
    case Method::kExpire:
      return ParseExpire(p, o);
    case Method::kGetExpiries:
      return ParseGetExpiries(p, o);
    case Method::kGetSwarm:
      return ParseGetSwarm(p, o);
    case Method::kInfo:
      return InfoRequest{};
    case Method::kRevokeSubaccount:
      return ParseRevocation<RevokeSubaccountRequest>(p, o, /*revoke=*/true);
    case Method::kUnrevokeSubaccount:
      return ParseRevocation<UnrevokeSubaccountRequest>(p, o, /*revoke=*/false);
    case Method::kOxendRequest:
      return ParseOxend(p);
    default:
      break;
  }
  Fail("internal: not a plain method");  // unreachable: meta methods go to ParseAny
}

// ---- Meta methods ----

Request ParseAny(Method m, const json& params, const ParseOptions& o);

std::vector<SubRequest> ParseSubRequests(const json& params, const ParseOptions& o) {
  const json* reqs =
      params.is_object() && params.contains("requests") ? &params["requests"] : nullptr;
  if (!reqs || !reqs->is_array() || reqs->empty()) {
    Fail("Invalid batch request: no valid \"requests\" field");
  }
  if (reqs->size() > kBatchRequestMax) Fail("Invalid batch request: subrequest limit exceeded");
  std::vector<SubRequest> out;
  out.reserve(reqs->size());
  for (const json& r : *reqs) {
    if (!r.is_object()) Fail("Invalid batch request: requests must be objects");
    auto mit = r.find("method");
    auto pit = r.find("params");
    if (mit == r.end() || pit == r.end() || !mit->is_string() || !pit->is_object()) {
      Fail("Invalid batch request: subrequests must have method/params keys");
    }
    const std::string& name = mit->get_ref<const std::string&>();
    const std::optional<Method> m = MethodFromName(name);
    if (!m) Fail("Invalid batch subrequest: invalid method \"" + name + "\"");
    if (IsMeta(*m)) {
      // Upstream parses the meta request before refusing it, so its own errors come first.
      (void)ParseAny(*m, *pit, o);
      Fail("Invalid batch subrequest: subrequests may not contain meta-requests");
    }
    out.push_back(ParseSubRequest(*m, *pit, o));
  }
  return out;
}

// Copies a version-like list into a fixed array, 0 for missing elements, extra ones ignored; an
// empty list is no bound.
template <size_t N>
std::optional<std::array<int64_t, N>> ToFixed(const std::optional<std::vector<int64_t>>& in) {
  if (!in || in->empty()) return std::nullopt;
  std::array<int64_t, N> out{};
  for (size_t i = 0; i < N && i < in->size(); ++i) out[i] = (*in)[i];
  return out;
}

IfElseCondition ParseCondition(const json& c) {
  IfElseCondition cond;
  cond.height_at_least = OptInt(c, "height_at_least");
  cond.height_before = OptInt(c, "height_before");
  cond.hf_at_least = ToFixed<2>(OptIntList(c, "hf_at_least", false));
  cond.hf_before = ToFixed<2>(OptIntList(c, "hf_before", false));
  cond.v_at_least = ToFixed<3>(OptIntList(c, "v_at_least", false));
  cond.v_before = ToFixed<3>(OptIntList(c, "v_before", false));
  if (!cond.height_at_least && !cond.height_before && !cond.hf_at_least && !cond.hf_before &&
      !cond.v_at_least && !cond.v_before) {
    Fail("Invalid ifelse request: must specify at least one \"if\" condition");
  }
  return cond;
}

std::unique_ptr<Request> ParseBranch(const json& params, const char* key, const ParseOptions& o) {
  auto it = params.find(key);
  if (it == params.end()) return nullptr;
  const std::string k(key);
  if (!it->is_object()) Fail("Invalid ifelse request: " + k + " must be an object");
  auto mit = it->find("method");
  auto pit = it->find("params");
  if (mit == it->end() || !mit->is_string() || pit == it->end()) {
    Fail("Invalid ifelse request: " + k + " must have method/params keys");
  }
  const std::string& name = mit->get_ref<const std::string&>();
  const std::optional<Method> m = MethodFromName(name);
  // Upstream names the key here ("then"/"else") instead of the method; cairn names the method.
  if (!m) Fail("Invalid ifelse request method \"" + name + "\"");
  return std::make_unique<Request>(ParseAny(*m, *pit, o));
}

IfElseRequest ParseIfElse(const json& params, const ParseOptions& o) {
  auto cit = params.find("if");
  if (cit == params.end() || !cit->is_object()) {
    Fail("Invalid ifelse request: no valid \"if\" field");
  }
  IfElseRequest r;
  r.condition = ParseCondition(*cit);
  r.then_request = ParseBranch(params, "then", o);
  r.else_request = ParseBranch(params, "else", o);
  if (!r.then_request && !r.else_request) {
    Fail("Invalid ifelse request: at least one of \"then\"/\"else\" required");
  }
  return r;
}

Request ParseAny(Method m, const json& params, const ParseOptions& o) {
  static const json kEmpty = json::object();
  // ifelse branches accept any `params` value; a non-object reads as {} (nlohmann find()).
  const json& p = params.is_object() ? params : kEmpty;
  switch (m) {
    case Method::kBatch:
      return Request{BatchRequest{ParseSubRequests(p, o)}};
    case Method::kSequence:
      return Request{SequenceRequest{ParseSubRequests(p, o)}};
    case Method::kIfElse:
      return Request{ParseIfElse(p, o)};
    default:
      return Request{ParseSubRequest(m, p, o)};
  }
}

// True when `body` nests arrays/objects deeper than `limit` (strings skipped). Run before the
// JSON parser so nothing downstream (ifelse recursion, dump()) recurses without bound.
bool TooDeep(std::string_view body, int limit) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < body.size(); ++i) {
    const char c = body[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > limit) return true;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return false;
}

RpcError BadRequest(std::string text) { return RpcError{400, std::move(text)}; }

}  // namespace

std::string_view MethodName(Method method) {
  for (const MethodEntry& e : kMethods) {
    if (e.method == method) return e.name;
  }
  return "";
}

std::optional<Method> MethodFromName(std::string_view name) {
  for (const MethodEntry& e : kMethods) {
    if (e.name == name) return e.method;
  }
  return std::nullopt;
}

Method MethodOf(const SubRequest& request) {
  static constexpr Method kBySubIndex[] = {
      Method::kStore,       Method::kRetrieve,         Method::kDelete,
      Method::kDeleteAll,   Method::kDeleteBefore,     Method::kExpireAll,
      Method::kExpire,      Method::kGetExpiries,      Method::kGetSwarm,
      Method::kInfo,        Method::kRevokeSubaccount, Method::kUnrevokeSubaccount,
      Method::kOxendRequest};
  static_assert(std::size(kBySubIndex) == std::variant_size_v<SubRequest>);
  return kBySubIndex[request.index()];
}

Method Request::method() const {
  switch (body.index()) {
    case 0:
      return MethodOf(std::get<SubRequest>(body));
    case 1:
      return Method::kBatch;
    case 2:
      return Method::kSequence;
    default:
      return Method::kIfElse;
  }
}

RetrieveLimits EffectiveRetrieveLimits(const RetrieveRequest& request) {
  std::optional<int64_t> count = request.max_count;
  std::optional<int64_t> size = request.max_size;
  if (count == 0) count.reset();
  if (size == 0) size.reset();
  if (!count && !size) size = -5;
  RetrieveLimits limits;
  if (size && *size < 0) {
    // -max_size overflows for INT64_MIN; any divisor beyond kRetrieveMaxSize gives 0 anyway.
    limits.max_size = *size < -kRetrieveMaxSize ? 0 : kRetrieveMaxSize / -*size;
  } else if (size && *size <= kRetrieveMaxSize) {
    limits.max_size = *size;
  } else {
    limits.max_size = kRetrieveMaxSize;
  }
  if (count) limits.max_count = std::max<int64_t>(*count, 1);
  return limits;
}

bool IfElseCondition::Evaluate(const std::array<int64_t, 2>& hf,
                               const std::array<int64_t, 3>& version, int64_t height) const {
  bool ok = true;
  if (hf_at_least) ok &= hf >= *hf_at_least;
  if (hf_before) ok &= hf < *hf_before;
  if (v_at_least) ok &= version >= *v_at_least;
  if (v_before) ok &= version < *v_before;
  if (height_at_least) ok &= height >= *height_at_least;
  if (height_before) ok &= height < *height_before;
  return ok;
}

std::variant<Request, RpcError> ParseRequestBody(std::string_view body,
                                                 const ParseOptions& options) {
  if (body.size() > kMaxRequestBodyBytes) return RpcError{413, "Request body too large"};
  try {
    if (TooDeep(body, kMaxJsonDepth)) return BadRequest("invalid json");
    const json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) return BadRequest("invalid json");
    const json* method = j.is_object() && j.contains("method") ? &j["method"] : nullptr;
    if (!method || !method->is_string()) return BadRequest("invalid json: no `method` field");
    const json* params = j.contains("params") ? &j["params"] : nullptr;
    if (!params || !params->is_object()) return BadRequest("invalid json: no `params` field");
    const std::string& name = method->get_ref<const std::string&>();
    const std::optional<Method> m = MethodFromName(name);
    if (!m) return BadRequest("no method " + name);
    return ParseAny(*m, *params, options);
  } catch (const ParseError& e) {
    return BadRequest("invalid request: " + e.detail);
  } catch (const std::exception&) {
    return RpcError{500, "request failed"};
  }
}

}  // namespace cairn::session_rpc
