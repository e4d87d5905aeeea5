#include "faces/session_rpc/rpc_executor.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <limits>
#include <nlohmann/json.hpp>
#include <type_traits>
#include <variant>
#include <vector>

#include "core/env/env.h"
#include "core/metrics.h"
#include "faces/session_rpc/auth.h"
#include "faces/session_rpc/encoding.h"
#include "faces/session_rpc/message_hash.h"
#include "models/mailbox/mailbox.h"

namespace cairn::session_rpc {

using json = nlohmann::json;

namespace {

// One answer while it is being built: a JSON object, or a string for a plain-text error. Inside
// batch / sequence / ifelse it becomes {"code": code, "body": body} as it is.
struct Reply {
  int code = 200;
  json body;

  static Reply Error(const RpcError& e) { return Reply{e.http_status, json(e.text)}; }
};

bool Is2xx(int code) { return code >= 200 && code < 300; }

mailbox::AccountId ToMailboxAccount(const AccountId& account) {
  mailbox::AccountId out;
  out[0] = account.prefix;
  std::copy(account.key.begin(), account.key.end(), out.begin() + 1);
  return out;
}

mailbox::NamespaceFilter ToFilter(const NamespaceSelector& ns) {
  return ns.all ? mailbox::kAllNamespaces : mailbox::NamespaceFilter(ns.id);
}

std::string Hex64(uint64_t v) {
  char buf[16];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v, 16);
  (void)ec;
  return std::string(buf, end);
}

// The subaccount revocation list CheckRequest consults, kept by the mailbox. A storage error
// counts as revoked: refusing a request is the safe side.
class MailboxRevocations final : public RevocationList {
 public:
  explicit MailboxRevocations(mailbox::Mailbox* mailbox) : mailbox_(mailbox) {}
  bool IsRevoked(const AccountId& account, const SubaccountToken& token) const override {
    Result<bool> r = mailbox_->IsSubaccountRevoked(ToMailboxAccount(account), token.view());
    if (!r.ok()) {
      spdlog::error("session-rpc: revocation lookup failed: {}", r.status().ToString());
      return true;
    }
    return *r;
  }

 private:
  mailbox::Mailbox* mailbox_;
};

// The hashes a namespace-wide method touched, as its result shows them: a sorted list for one
// namespace, {"<ns>": [sorted hashes]} for "all". *all_sorted gets every hash, sorted (what the
// node signs).
json NamespaceResult(const mailbox::HashesByNamespace& by_ns, const NamespaceSelector& ns,
                     std::vector<std::string>* all_sorted) {
  all_sorted->clear();
  json out = ns.all ? json::object() : json::array();
  for (const auto& [n, hashes] : by_ns) {
    if (!ns.all && n != ns.id) continue;
    std::vector<std::string> sorted = hashes;
    std::sort(sorted.begin(), sorted.end());
    all_sorted->insert(all_sorted->end(), sorted.begin(), sorted.end());
    if (ns.all) {
      out[std::to_string(n)] = sorted;
    } else {
      out = sorted;
    }
  }
  std::sort(all_sorted->begin(), all_sorted->end());
  return out;
}

}  // namespace

class RpcExecutor::Runner {
 public:
  Runner(mailbox::Mailbox* mailbox, RpcExecutorOptions options)
      : mailbox_(mailbox), options_(std::move(options)), revocations_(mailbox) {}

  RpcReply Execute(std::string_view body) {
    RpcReply reply;
    Reply r;
    try {
      std::variant<Request, RpcError> parsed = ParseRequestBody(body, options_.parse);
      if (auto* err = std::get_if<RpcError>(&parsed)) {
        r = Reply::Error(*err);
      } else {
        const Request& request = std::get<Request>(parsed);
        reply.method = std::string(MethodName(request.method()));
        r = Run(request);
      }
      reply.status = r.code;
      reply.json = !r.body.is_string();
      reply.body = reply.json ? Dump(r.body) : r.body.get<std::string>();
    } catch (const std::exception& e) {
      spdlog::error("session-rpc: request failed: {}", e.what());
      reply.status = 500;
      reply.json = false;
      reply.body = "request failed";
    }
    return reply;
  }

 private:
  static std::string Dump(const json& j) {
    // Texts come from parsed JSON (valid UTF-8), but never let an odd byte throw here.
    return j.dump(-1, ' ', false, json::error_handler_t::replace);
  }

  int64_t NowMs() const { return static_cast<int64_t>(options_.env->UnixMicros() / 1000); }

  static json Hardfork() { return json::array({kHardfork[0], kHardfork[1]}); }

  Reply Run(const Request& request) {
    return std::visit(
        [this](const auto& r) -> Reply {
          using T = std::decay_t<decltype(r)>;
          if constexpr (std::is_same_v<T, SubRequest>) {
            return RunSub(r);
          } else if constexpr (std::is_same_v<T, BatchRequest>) {
            return RunList(r.requests, /*stop_on_failure=*/false);
          } else if constexpr (std::is_same_v<T, SequenceRequest>) {
            return RunList(r.requests, /*stop_on_failure=*/true);
          } else {
            return RunIfElse(r);
          }
        },
        request.body);
  }

  // §1.4 batch (every subrequest) and sequence (in order, up to the first non-2xx one).
  Reply RunList(const std::vector<SubRequest>& requests, bool stop_on_failure) {
    json results = json::array();
    for (const SubRequest& sub : requests) {
      Reply r = RunSub(sub);
      CountSubrequest(MethodOf(sub), r.code);
      results.push_back(json{{"code", r.code}, {"body", std::move(r.body)}});
      if (stop_on_failure && !Is2xx(r.code)) break;
    }
    return Reply{200, json{{"results", std::move(results)}}};
  }

  Reply RunIfElse(const IfElseRequest& r) {
    const bool condition = r.condition.Evaluate(kHardfork, kServerVersion, kChainHeight);
    json out = {{"hf", Hardfork()},
                {"v", json::array({kServerVersion[0], kServerVersion[1], kServerVersion[2]})},
                {"height", kChainHeight},
                {"condition", condition}};
    const Request* branch = condition ? r.then_request.get() : r.else_request.get();
    if (branch != nullptr) {
      Reply sub = Run(*branch);
      if (branch->body.index() == 0) CountSubrequest(branch->method(), sub.code);
      out["result"] = json{{"code", sub.code}, {"body", std::move(sub.body)}};
    }
    return Reply{200, std::move(out)};
  }

  void CountSubrequest(Method method, int code) {
    if (options_.metrics == nullptr) return;
    options_.metrics
        ->GetCounter("cairn_session_rpc_subrequests_total",
                     "Session RPC requests run inside batch, sequence or ifelse, by method and "
                     "status.",
                     {{"method", std::string(MethodName(method))}, {"code", std::to_string(code)}})
        ->Increment();
  }

  // One plain request: the wrong-swarm answer (never: one node serves every pubkey), the
  // checks, then the method.
  Reply RunSub(const SubRequest& sub) {
    const int64_t now = NowMs();
    CheckOptions check;
    check.now_ms = now;
    check.revocations = &revocations_;
    if (std::optional<RpcError> err = CheckRequest(sub, check)) return Reply::Error(*err);
    return std::visit([this, now](const auto& r) { return Do(r, now); }, sub);
  }

  // ---- Recursive methods (§3.0) ----

  // This node's entry when the storage call failed.
  static json Failed(std::string_view method, const Status& status) {
    spdlog::error("session-rpc: {} failed: {}", method, status.ToString());
    return json{{"failed", true}, {"query_failure", true}};
  }

  // {"swarm": {me: mine}, "t", "hf"}, 500 when this (the only) member failed.
  Reply Recursive(json mine, int64_t now, int ok_code = 200) {
    const int code = mine.contains("failed") ? 500 : ok_code;
    json out = {{"swarm", json{{options_.identity->PublicKeyHex(), std::move(mine)}}},
                {"t", now},
                {"hf", Hardfork()}};
    return Reply{code, std::move(out)};
  }

  Reply Do(const StoreRequest& r, int64_t now) {
    const std::string hash = ComputeMessageHash(r.pubkey, r.ns, r.data);
    Result<mailbox::StoreResult> stored =
        mailbox_->Store(ToMailboxAccount(r.pubkey), r.ns, hash, r.timestamp, r.expiry, r.data);
    json mine;
    if (!stored.ok()) {
      mine = Failed("store", stored.status());
    } else {
      mine = {{"hash", hash},
              {"signature", options_.identity->SignBase64(StoreResultSignedBytes(hash))},
              {"expiry", stored->expiry_ms},
              {"t", now}};
      if (stored->already) mine["already"] = true;
    }
    Reply reply = Recursive(std::move(mine), now);
    reply.body["hash"] = hash;  // backwards compatibility (§3.1)
    return reply;
  }

  Reply Do(const RetrieveRequest& r, int64_t now) {
    const RetrieveLimits limits = EffectiveRetrieveLimits(r);
    mailbox::RetrieveLimits ml;
    ml.max_size = static_cast<uint64_t>(std::max<int64_t>(limits.max_size, 0));
    ml.max_count = limits.max_count ? static_cast<uint32_t>(std::min<int64_t>(
                                          *limits.max_count, std::numeric_limits<uint32_t>::max()))
                                    : 0;
    Result<mailbox::RetrieveResult> got =
        mailbox_->Retrieve(ToMailboxAccount(r.pubkey), r.ns, r.last_hash.value_or(""), ml);
    if (!got.ok()) return Reply::Error(ErrorFromStatus(got.status()));
    json messages = json::array();
    for (const mailbox::Message& m : got->messages) {
      messages.push_back(json{{"hash", m.hash},
                              {"timestamp", m.timestamp_ms},
                              {"expiration", m.expiry_ms},
                              {"data", Base64Encode(m.data)}});
    }
    return Reply{200, json{{"messages", std::move(messages)},
                           {"more", got->more},
                           {"t", now},
                           {"hf", Hardfork()}}};
  }

  Reply Do(const DeleteRequest& r, int64_t now) {
    Result<std::vector<std::string>> deleted =
        mailbox_->Delete(ToMailboxAccount(r.pubkey), r.messages);
    if (!deleted.ok()) return Recursive(Failed("delete", deleted.status()), now);
    std::vector<std::string> sorted = *deleted;
    std::sort(sorted.begin(), sorted.end());
    json mine = {{"deleted", sorted},
                 {"signature", options_.identity->SignBase64(
                                   DeleteResultSignedBytes(r.pubkey.Hex(), r.messages, sorted))}};
    // `required`: 404 (same body) when no member deleted anything.
    return Recursive(std::move(mine), now, r.required && sorted.empty() ? 404 : 200);
  }

  // delete_all, delete_before, expire_all: `key` names the result list.
  Reply NamespaceWide(std::string_view method, const Result<mailbox::HashesByNamespace>& result,
                      const AccountId& account, const NamespaceSelector& ns, int64_t time,
                      const char* key, int64_t now) {
    if (!result.ok()) return Recursive(Failed(method, result.status()), now);
    std::vector<std::string> all_sorted;
    json list = NamespaceResult(*result, ns, &all_sorted);
    json mine = {{key, std::move(list)},
                 {"signature", options_.identity->SignBase64(NamespaceWideResultSignedBytes(
                                   account.Hex(), time, all_sorted))}};
    return Recursive(std::move(mine), now);
  }

  Reply Do(const DeleteAllRequest& r, int64_t now) {
    return NamespaceWide("delete_all",
                         mailbox_->DeleteAll(ToMailboxAccount(r.pubkey), ToFilter(r.ns)), r.pubkey,
                         r.ns, r.timestamp, "deleted", now);
  }

  Reply Do(const DeleteBeforeRequest& r, int64_t now) {
    return NamespaceWide(
        "delete_before",
        mailbox_->DeleteBefore(ToMailboxAccount(r.pubkey), ToFilter(r.ns), r.before), r.pubkey,
        r.ns, r.before, "deleted", now);
  }

  Reply Do(const ExpireAllRequest& r, int64_t now) {
    return NamespaceWide("expire_all",
                         mailbox_->ExpireAll(ToMailboxAccount(r.pubkey), ToFilter(r.ns), r.expiry),
                         r.pubkey, r.ns, r.expiry, "updated", now);
  }

  Reply Do(const ExpireRequest& r, int64_t now) {
    const std::vector<int64_t> clamped = ClampedExpiries(r, now);
    const bool single = clamped.size() == 1;
    const mailbox::ExpireMode mode = r.shorten             ? mailbox::ExpireMode::kShorten
                                     : ExpireExtendOnly(r) ? mailbox::ExpireMode::kExtend
                                                           : mailbox::ExpireMode::kSet;
    std::vector<mailbox::ExpireTarget> targets;
    targets.reserve(r.messages.size());
    for (size_t i = 0; i < r.messages.size(); ++i) {
      targets.push_back({r.messages[i], single ? clamped[0] : clamped[i]});
    }
    Result<mailbox::ExpireResult> result =
        mailbox_->Expire(ToMailboxAccount(r.pubkey), targets, mode);
    if (!result.ok()) return Recursive(Failed("expire", result.status()), now);
    std::vector<std::string> updated;
    std::vector<int64_t> applied;
    for (const auto& [hash, expiry] : result->updated) {
      updated.push_back(hash);
      applied.push_back(expiry);
    }
    if (single) applied = {clamped[0]};
    json mine = {{"updated", updated}};
    mine["expiry"] = single ? json(clamped[0]) : json(applied);
    std::map<std::string, int64_t> unchanged;
    if (mode != mailbox::ExpireMode::kSet) {
      unchanged = result->unchanged;
      mine["unchanged"] = json::object();
      for (const auto& [hash, expiry] : unchanged) mine["unchanged"][hash] = expiry;
    }
    mine["signature"] = options_.identity->SignBase64(
        ExpireResultSignedBytes(r.pubkey.Hex(), applied, r.messages, updated, unchanged));
    return Recursive(std::move(mine), now);
  }

  static std::vector<std::string> TokenBytes(const std::vector<SubaccountToken>& tokens) {
    std::vector<std::string> out;
    for (const SubaccountToken& t : tokens) out.emplace_back(t.view());
    return out;
  }

  Reply Do(const RevokeSubaccountRequest& r, int64_t now) {
    Status s = mailbox_->RevokeSubaccounts(ToMailboxAccount(r.pubkey), TokenBytes(r.tokens));
    if (!s.ok()) return Recursive(Failed("revoke_subaccount", s), now);
    json mine = {{"signature", options_.identity->SignBase64(RevocationResultSignedBytes(
                                   r.pubkey.Hex(), r.timestamp, r.tokens))}};
    return Recursive(std::move(mine), now);
  }

  Reply Do(const UnrevokeSubaccountRequest& r, int64_t now) {
    Result<uint64_t> n =
        mailbox_->UnrevokeSubaccounts(ToMailboxAccount(r.pubkey), TokenBytes(r.tokens));
    if (!n.ok()) return Recursive(Failed("unrevoke_subaccount", n.status()), now);
    json mine = {{"count", *n},
                 {"signature", options_.identity->SignBase64(RevocationResultSignedBytes(
                                   r.pubkey.Hex(), r.timestamp, r.tokens))}};
    return Recursive(std::move(mine), now);
  }

  // ---- Plain methods ----

  Reply Do(const GetExpiriesRequest& r, int64_t) {
    Result<std::map<std::string, int64_t>> got =
        mailbox_->GetExpiries(ToMailboxAccount(r.pubkey), r.messages);
    if (!got.ok()) return Reply::Error(ErrorFromStatus(got.status()));
    json expiries = json::object();
    for (const auto& [hash, expiry] : *got) expiries[hash] = expiry;
    return Reply{200, json{{"expiries", std::move(expiries)}}};  // no t / hf (§1.3)
  }

  // This node as get_swarm (and a 421 body, were there one) lists it.
  json SelfEntry() const {
    const NodeAddress& a = options_.address;
    const std::string key = options_.identity->PublicKeyHex();
    return json{{"address", options_.identity->SnodeAddress()},
                {"pubkey_legacy", key},
                {"pubkey_x25519", options_.identity->X25519Hex()},
                {"pubkey_ed25519", key},
                {"port", std::to_string(a.port_https)},
                {"port_https", a.port_https},
                {"port_omq", a.port_omq},
                {"port_quic", a.port_omq},
                {"ip", a.ip}};
  }

  Reply Do(const GetSwarmRequest&, int64_t now) {
    return Reply{200, json{{"snodes", json::array({SelfEntry()})},
                           {"swarm", Hex64(options_.swarm_id)},
                           {"t", now},
                           {"hf", Hardfork()}}};
  }

  Reply Do(const InfoRequest&, int64_t now) {
    return Reply{200, json{{"version",
                            json::array({kServerVersion[0], kServerVersion[1], kServerVersion[2]})},
                           {"timestamp", now},
                           {"t", now},
                           {"hf", Hardfork()}}};
  }

  Reply Do(const OxendRequest& r, int64_t) {
    return Reply::Error(ErrorFromStatus(UnimplementedError(
        "oxend_request " + r.endpoint + " is not available: cairn has no oxend (blockchain)")));
  }

  mailbox::Mailbox* mailbox_;
  RpcExecutorOptions options_;
  MailboxRevocations revocations_;
};

RpcExecutor::RpcExecutor(mailbox::Mailbox* mailbox, RpcExecutorOptions options)
    : runner_(std::make_unique<Runner>(mailbox, std::move(options))) {}

RpcExecutor::~RpcExecutor() = default;

RpcReply RpcExecutor::Execute(std::string_view body) { return runner_->Execute(body); }

}  // namespace cairn::session_rpc
