// RpcExecutor: runs Session storage RPC requests against the mailbox model and encodes the
// answers of specs/session-storage-rpc.md §3 (no HTTP: session_rpc_face.h puts it on a port).
//
// Execute(body) is the whole pipeline for one `POST /storage_rpc/v1` body: ParseRequestBody
// (rpc_request.h), then for each (sub)request CheckRequest (auth.h: clocks, TTLs, signatures,
// subaccounts with the mailbox's revocation list), the mailbox call, and the JSON answer:
//  - every successful answer but get_expiries carries `t` (the server clock in ms when the
//    request was checked) and `hf` ([19, 3], kHardfork);
//  - the recursive methods (store, delete, delete_all, delete_before, expire_all, expire,
//    revoke_subaccount, unrevoke_subaccount) answer in the §3.0 shape
//    {"swarm": {"<node ed25519 hex>": {...per-node result, `signature` by this node...}}, "t",
//    "hf"}; cairn is one node, so the map has this node's entry only. A storage failure makes
//    that entry {"failed": true, "query_failure": true} and, every member having failed, the
//    status 500 with the same JSON body. `delete` with `required` and nothing deleted is 404
//    with the JSON body;
//  - batch / sequence answer 200 {"results": [{"code", "body"}...]} (sequence stops after the
//    first non-2xx), ifelse 200 {"hf", "v", "height", "condition", "result"?};
//  - errors are plain text with the spec's status (RpcError); an unexpected exception is 500
//    "request failed".
// One node serves every pubkey: there is no 421, and get_swarm lists this node (NodeAddress) in
// swarm `swarm_id`. oxend_request has no blockchain behind it: 501.
//
// JSON keys come out sorted and compact (nlohmann's dump(), as upstream).
//
// Thread safety: Execute may be called concurrently; the mailbox serialises what it must.
#ifndef CAIRN_FACES_SESSION_RPC_RPC_EXECUTOR_H_
#define CAIRN_FACES_SESSION_RPC_RPC_EXECUTOR_H_

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "faces/session_rpc/node_identity.h"
#include "faces/session_rpc/rpc_request.h"

namespace cairn::core {
class Env;
class MetricsRegistry;
}  // namespace cairn::core
namespace cairn::mailbox {
class Mailbox;
}

namespace cairn::session_rpc {

// What cairn reports where upstream reports its blockchain state (§8.6): the hardfork, the
// storage server version it speaks, and a chain height (none: 0).
inline constexpr std::array<int64_t, 2> kHardfork = {19, 3};
inline constexpr std::array<int64_t, 3> kServerVersion = {2, 6, 2};
inline constexpr int64_t kChainHeight = 0;

// How get_swarm describes this node to clients.
struct NodeAddress {
  std::string ip = "127.0.0.1";
  uint16_t port_https = 22021;  // the RPC port (also sent as the string `port`)
  uint16_t port_omq = 0;        // cairn speaks no OxenMQ / QUIC: 0
};

struct RpcExecutorOptions {
  core::Env* env = nullptr;                  // the clock; must outlive the executor
  const NodeIdentity* identity = nullptr;    // signs per-node results; must outlive it
  NodeAddress address;                       // for get_swarm
  uint64_t swarm_id = 0;                     // the one swarm this node forms
  ParseOptions parse;                        // testnet pubkeys
  core::MetricsRegistry* metrics = nullptr;  // optional: subrequest counts
};

// A complete answer: HTTP status, and a JSON object or a plain-text body.
struct RpcReply {
  int status = 200;
  bool json = false;  // body is JSON (application/json), else plain text
  std::string body;
  // The top-level method ("store", "batch", ...), or "" when the body did not parse.
  std::string method;
};

class RpcExecutor {
 public:
  // `mailbox` must outlive the executor.
  RpcExecutor(mailbox::Mailbox* mailbox, RpcExecutorOptions options);
  ~RpcExecutor();
  RpcExecutor(const RpcExecutor&) = delete;
  RpcExecutor& operator=(const RpcExecutor&) = delete;

  // Parses and runs one request body. Never throws.
  RpcReply Execute(std::string_view body);

  class Runner;  // internal

 private:
  std::unique_ptr<Runner> runner_;
};

}  // namespace cairn::session_rpc

#endif  // CAIRN_FACES_SESSION_RPC_RPC_EXECUTOR_H_
