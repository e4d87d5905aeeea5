// Fuzzes the Session storage RPC request parser (faces/session_rpc/rpc_request.h) and the checks
// that run on what it accepts (faces/session_rpc/auth.h).
//
// Input: the POST body, as is (see fuzz/corpus/session_rpc/ for examples: the worked examples of
// the spec, §6).
//
// Checked: parsing never escapes with an exception (a 500 "request failed" would mean one was
// caught); a refusal is 400 with one of the protocol's texts, or 413; what is accepted honours
// the parser's contract (66-hex accounts, data within 76800 bytes, valid hashes where the spec
// asks for them, 1 ... 20 batch subrequests, expiry counts, at most 50 revocations, ifelse with a
// branch); CheckRequest answers only with the statuses the spec lists for it; the signed bytes
// and retrieve limits are well-formed.
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>

#include "faces/session_rpc/auth.h"
#include "faces/session_rpc/message_hash.h"
#include "faces/session_rpc/rpc_request.h"

namespace {

namespace rpc = cairn::session_rpc;

#define FUZZ_CHECK(cond)           \
  do {                             \
    if (!(cond)) __builtin_trap(); \
  } while (0)

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

void CheckRefusal(const rpc::RpcError& e) {
  if (e.http_status == 413) {
    FUZZ_CHECK(e.text == "Request body too large");
    return;
  }
  FUZZ_CHECK(e.http_status == 400);
  FUZZ_CHECK(e.text == "invalid json" || e.text == "invalid json: no `method` field" ||
             e.text == "invalid json: no `params` field" || StartsWith(e.text, "no method ") ||
             StartsWith(e.text, "invalid request: "));
}

void CheckAccount(const rpc::AccountId& id) {
  FUZZ_CHECK(id.Hex().size() == rpc::kAccountIdHexChars);
  FUZZ_CHECK(rpc::AccountId::FromHex(id.Hex()).value() == id);
}

void CheckHashes(const std::vector<std::string>& messages) {
  FUZZ_CHECK(!messages.empty());
  for (const std::string& m : messages) FUZZ_CHECK(rpc::IsValidMessageHash(m));
}

// The parser's promises about one accepted subrequest.
void CheckParsed(const rpc::SubRequest& sub) {
  std::visit(
      [](const auto& r) {
        using T = std::decay_t<decltype(r)>;
        if constexpr (!std::is_same_v<T, rpc::InfoRequest> &&
                      !std::is_same_v<T, rpc::OxendRequest>) {
          CheckAccount(r.pubkey);
        }
        if constexpr (std::is_same_v<T, rpc::StoreRequest>) {
          FUZZ_CHECK(r.data.size() <= rpc::kMaxMessageBytes);
          FUZZ_CHECK(r.sig_timestamp.has_value() == r.auth.signature.has_value());
          FUZZ_CHECK(rpc::IsValidMessageHash(rpc::ComputeMessageHash(r.pubkey, r.ns, r.data)));
        } else if constexpr (std::is_same_v<T, rpc::RetrieveRequest>) {
          FUZZ_CHECK(!r.authenticated || r.auth.signature.has_value());
          FUZZ_CHECK(!r.last_hash || r.last_hash->size() == rpc::kMessageHashChars);
          const rpc::RetrieveLimits limits = rpc::EffectiveRetrieveLimits(r);
          FUZZ_CHECK(limits.max_size >= 0 && limits.max_size <= rpc::kRetrieveMaxSize);
          FUZZ_CHECK(!limits.max_count || *limits.max_count >= 1);
        } else if constexpr (std::is_same_v<T, rpc::DeleteRequest>) {
          CheckHashes(r.messages);
        } else if constexpr (std::is_same_v<T, rpc::ExpireRequest>) {
          CheckHashes(r.messages);
          FUZZ_CHECK(r.expiries.size() == 1 || r.expiries.size() == r.messages.size());
          FUZZ_CHECK(!(r.shorten && r.extend));
        } else if constexpr (std::is_same_v<T, rpc::GetExpiriesRequest>) {
          FUZZ_CHECK(!r.messages.empty());
        } else if constexpr (std::is_same_v<T, rpc::RevokeSubaccountRequest>) {
          FUZZ_CHECK(r.tokens.size() <= rpc::kMaxRevokedSubaccounts);
          FUZZ_CHECK(!r.auth.subaccount);
        } else if constexpr (std::is_same_v<T, rpc::UnrevokeSubaccountRequest>) {
          FUZZ_CHECK(!r.auth.subaccount);
        } else if constexpr (std::is_same_v<T, rpc::OxendRequest>) {
          FUZZ_CHECK(r.endpoint == "get_service_nodes" || r.endpoint == "ons_resolve");
        }
        if constexpr (std::is_same_v<T, rpc::DeleteRequest> ||
                      std::is_same_v<T, rpc::DeleteAllRequest> ||
                      std::is_same_v<T, rpc::DeleteBeforeRequest> ||
                      std::is_same_v<T, rpc::ExpireAllRequest> ||
                      std::is_same_v<T, rpc::ExpireRequest> ||
                      std::is_same_v<T, rpc::GetExpiriesRequest> ||
                      std::is_same_v<T, rpc::RevokeSubaccountRequest> ||
                      std::is_same_v<T, rpc::UnrevokeSubaccountRequest>) {
          FUZZ_CHECK(r.auth.signature.has_value());
        }
        if constexpr (requires { r.auth.pubkey_ed25519; }) {
          FUZZ_CHECK(!r.auth.pubkey_ed25519 || r.pubkey.prefix == 0x05);
        }
      },
      sub);
}

// CheckRequest at a few clocks: only the statuses the spec gives may come back.
void CheckChecks(const rpc::SubRequest& sub) {
  for (int64_t now :
       {int64_t{0}, int64_t{1'700'000'000'000}, std::numeric_limits<int64_t>::max()}) {
    rpc::CheckOptions options;
    options.now_ms = now;
    const std::optional<rpc::RpcError> e = rpc::CheckRequest(sub, options);
    if (!e) continue;
    const int s = e->http_status;
    FUZZ_CHECK(s == 400 || s == 401 || s == 403 || s == 406);
    FUZZ_CHECK(s != 403 || rpc::MethodOf(sub) == rpc::Method::kStore);
    FUZZ_CHECK(s != 400 || rpc::MethodOf(sub) == rpc::Method::kExpire);
  }
  const std::optional<std::string> bytes = rpc::SignedBytes(sub);
  const rpc::Method m = rpc::MethodOf(sub);
  if (bytes) FUZZ_CHECK(StartsWith(*bytes, rpc::MethodName(m)));
}

void Walk(const rpc::Request& request, int depth) {
  FUZZ_CHECK(depth <= rpc::kMaxJsonDepth);
  if (const auto* sub = std::get_if<rpc::SubRequest>(&request.body)) {
    CheckParsed(*sub);
    CheckChecks(*sub);
    return;
  }
  const std::vector<rpc::SubRequest>* list = nullptr;
  if (const auto* b = std::get_if<rpc::BatchRequest>(&request.body)) list = &b->requests;
  if (const auto* s = std::get_if<rpc::SequenceRequest>(&request.body)) list = &s->requests;
  if (list) {
    FUZZ_CHECK(!list->empty() && list->size() <= rpc::kBatchRequestMax);
    for (const rpc::SubRequest& sub : *list) {
      CheckParsed(sub);
      CheckChecks(sub);
    }
    return;
  }
  const auto& ifelse = std::get<rpc::IfElseRequest>(request.body);
  FUZZ_CHECK(ifelse.then_request || ifelse.else_request);
  (void)ifelse.condition.Evaluate({19, 3}, {2, 6, 2}, 1'000'000);
  if (ifelse.then_request) Walk(*ifelse.then_request, depth + 1);
  if (ifelse.else_request) Walk(*ifelse.else_request, depth + 1);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  auto result = rpc::ParseRequestBody(body);
  if (const auto* e = std::get_if<rpc::RpcError>(&result)) {
    CheckRefusal(*e);
    return 0;
  }
  Walk(std::get<rpc::Request>(result), 0);
  return 0;
}
