// `cairn session info|stats [--api URL] [--json] [--timeout S]`: asks a running cairnd's API port
// for its Session storage RPC face (GET /api/v1/session/info and /api/v1/session/stats, served by
// apps/cairnd/session_api.h; documents in docs/session_rpc.md) and prints a table, or with --json
// the JSON document as served.
//   info   cairnd's version, the RPC URL, threads and sweep interval, the protocol version and
//          hardfork reported, the node's Ed25519 / X25519 keys, .snode address and key file.
//   stats  accounts, messages and data bytes per namespace (Session's namespaces named) and in
//          total, expired messages not yet swept. cairnd walks every message to answer.
// Exit status: 0 printed; 1 cairnd unreachable or slow, an error answer (the face disabled, a
// scan already running, ...), or a document that does not parse; 2 a malformed --api URL.
#ifndef CAIRN_CLI_SESSION_COMMAND_H_
#define CAIRN_CLI_SESSION_COMMAND_H_

#include <cstdio>
#include <string>
#include <string_view>

#include "core/result.h"

namespace cairn::cli {

enum class SessionView { kInfo, kStats };

struct SessionCliOptions {
  std::string api = "http://127.0.0.1:9100";  // "host:port" is taken as http://host:port
  bool json = false;
  unsigned timeout_s = 60;  // a stats scan of a large store takes a while
};

// Fetches the view and prints it to `out`; errors go to `err`. Returns the exit status.
int RunSession(SessionView view, const SessionCliOptions& options, std::FILE* out, std::FILE* err);

// The tables, from the served JSON documents. Errors: kInvalidArgument (not JSON, or a field
// they show is missing or of the wrong type).
Result<std::string> FormatSessionInfo(std::string_view json);
Result<std::string> FormatSessionStats(std::string_view json);

// Session's name for a namespace (specs/session-storage-rpc.md §2.4: "direct messages" for 0,
// "contacts" for 3, ...), or "" for one without.
std::string_view SessionNamespaceName(int ns);

}  // namespace cairn::cli

#endif  // CAIRN_CLI_SESSION_COMMAND_H_
