#include "cli/session_command.h"

#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "net/http_client.h"

namespace cairn::cli {
namespace {

using json = nlohmann::json;

// "1023 B", "1.0 KiB", "19.5 MiB".
std::string HumanBytes(uint64_t n) {
  static const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  if (n < 1024) return std::to_string(n) + " B";
  double v = static_cast<double>(n);
  size_t unit = 0;
  while (v >= 1024 && unit + 1 < std::size(kUnits)) {
    v /= 1024;
    ++unit;
  }
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f %s", v, kUnits[unit]);
  return buf;
}

// The document's field `key` as T; kInvalidArgument when it is missing or of another type.
template <typename T>
Result<T> Field(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end()) return InvalidArgumentError(std::string("no \"") + key + "\" in the answer");
  try {
    return it->get<T>();
  } catch (const json::exception&) {
    return InvalidArgumentError(std::string("\"") + key + "\" has an unexpected type");
  }
}

Result<json> ParseObject(std::string_view text) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return InvalidArgumentError("the answer is not JSON");
  return j;
}

std::string Row(const std::string& label, uint64_t accounts, uint64_t messages, uint64_t bytes) {
  char buf[160];
  std::snprintf(buf, sizeof(buf), "%-30s %10" PRIu64 " %10" PRIu64 " %12s\n", label.c_str(),
                accounts, messages, HumanBytes(bytes).c_str());
  return buf;
}

std::string Line(const char* label, const std::string& value) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%-16s ", label);
  return buf + value + "\n";
}

// "http://host:port" from what the user gave (a bare "host:port" included), without a trailing
// slash.
std::string ApiBase(std::string api) {
  if (api.find("://") == std::string::npos) api = "http://" + api;
  while (!api.empty() && api.back() == '/') api.pop_back();
  return api;
}

}  // namespace

std::string_view SessionNamespaceName(int ns) {
  switch (ns) {
    case 0:
      return "direct messages";
    case -10:
      return "legacy closed groups";
    case 2:
      return "user profile";
    case 3:
      return "contacts";
    case 4:
      return "convo info volatile";
    case 5:
      return "user groups";
    case 11:
      return "group messages";
    case 12:
      return "group keys";
    case 13:
      return "group info";
    case 14:
      return "group members";
    default:
      return "";
  }
}

Result<std::string> FormatSessionInfo(std::string_view text) {
  CAIRN_ASSIGN_OR_RETURN(json j, ParseObject(text));
  CAIRN_ASSIGN_OR_RETURN(std::string version, Field<std::string>(j, "version"));
  CAIRN_ASSIGN_OR_RETURN(bool enabled, Field<bool>(j, "enabled"));
  std::string out = Line("cairnd", version);
  if (!enabled) return out + Line("Session RPC", "disabled (rpc_port = 0)");
  CAIRN_ASSIGN_OR_RETURN(std::string url, Field<std::string>(j, "rpc_url"));
  CAIRN_ASSIGN_OR_RETURN(std::string bind, Field<std::string>(j, "bind"));
  CAIRN_ASSIGN_OR_RETURN(uint64_t port, Field<uint64_t>(j, "rpc_port"));
  CAIRN_ASSIGN_OR_RETURN(uint64_t threads, Field<uint64_t>(j, "rpc_threads"));
  CAIRN_ASSIGN_OR_RETURN(uint64_t sweep, Field<uint64_t>(j, "sweep_interval_s"));
  CAIRN_ASSIGN_OR_RETURN(std::string server_version,
                         Field<std::string>(j, "storage_server_version"));
  CAIRN_ASSIGN_OR_RETURN(std::vector<int64_t> hf, Field<std::vector<int64_t>>(j, "hf"));
  CAIRN_ASSIGN_OR_RETURN(std::string ed25519, Field<std::string>(j, "pubkey_ed25519"));
  CAIRN_ASSIGN_OR_RETURN(std::string x25519, Field<std::string>(j, "pubkey_x25519"));
  CAIRN_ASSIGN_OR_RETURN(std::string address, Field<std::string>(j, "snode_address"));
  CAIRN_ASSIGN_OR_RETURN(std::string key_file, Field<std::string>(j, "key_file"));
  std::string hardfork;
  for (size_t i = 0; i < hf.size(); ++i) hardfork += (i ? "." : "") + std::to_string(hf[i]);
  out += Line("Session RPC", "POST " + url + " (listening on " + bind + ":" + std::to_string(port) +
                                 ", " + std::to_string(threads) + " threads)");
  out += Line("expiry sweep", sweep == 0 ? std::string("never (rpc_sweep_interval = 0)")
                                         : "every " + std::to_string(sweep) + " s");
  out += Line("protocol", "storage server " + server_version + ", hardfork " + hardfork);
  out += Line("node ed25519", ed25519);
  out += Line("node x25519", x25519);
  out += Line("snode address", address);
  out += Line("key file", key_file);
  return out;
}

Result<std::string> FormatSessionStats(std::string_view text) {
  CAIRN_ASSIGN_OR_RETURN(json j, ParseObject(text));
  CAIRN_ASSIGN_OR_RETURN(uint64_t accounts, Field<uint64_t>(j, "accounts"));
  CAIRN_ASSIGN_OR_RETURN(uint64_t messages, Field<uint64_t>(j, "messages"));
  CAIRN_ASSIGN_OR_RETURN(uint64_t bytes, Field<uint64_t>(j, "data_bytes"));
  CAIRN_ASSIGN_OR_RETURN(uint64_t expired, Field<uint64_t>(j, "expired_pending"));
  CAIRN_ASSIGN_OR_RETURN(json namespaces, Field<json>(j, "namespaces"));
  if (!namespaces.is_array()) return InvalidArgumentError("\"namespaces\" is not an array");
  char head[160];
  std::snprintf(head, sizeof(head), "%-30s %10s %10s %12s\n", "NAMESPACE", "ACCOUNTS", "MESSAGES",
                "DATA");
  std::string out = head;
  for (const json& entry : namespaces) {
    if (!entry.is_object()) return InvalidArgumentError("a namespace entry is not an object");
    CAIRN_ASSIGN_OR_RETURN(int64_t ns, Field<int64_t>(entry, "namespace"));
    CAIRN_ASSIGN_OR_RETURN(uint64_t a, Field<uint64_t>(entry, "accounts"));
    CAIRN_ASSIGN_OR_RETURN(uint64_t m, Field<uint64_t>(entry, "messages"));
    CAIRN_ASSIGN_OR_RETURN(uint64_t b, Field<uint64_t>(entry, "data_bytes"));
    std::string label = std::to_string(ns);
    std::string_view name = SessionNamespaceName(static_cast<int>(ns));
    if (!name.empty()) label += " (" + std::string(name) + ")";
    out += Row(label, a, m, b);
  }
  if (namespaces.empty()) out += "(no live messages)\n";
  out += Row("total", accounts, messages, bytes);
  out += "expired, not yet swept: " + std::to_string(expired) + " messages\n";
  return out;
}

int RunSession(SessionView view, const SessionCliOptions& options, std::FILE* out, std::FILE* err) {
  const char* name = view == SessionView::kInfo ? "info" : "stats";
  const std::string url = ApiBase(options.api) + "/api/v1/session/" + name;
  if (!net::ParseHttpUrl(url).ok()) {
    std::fprintf(err, "cairn session %s: --api '%s' is not an http://HOST:PORT address\n", name,
                 options.api.c_str());
    return 2;
  }
  net::HttpClientOptions http;
  http.timeout = std::chrono::seconds(options.timeout_s);
  Result<net::HttpClientResponse> got = net::HttpGet(url, http);
  if (!got.ok()) {
    std::fprintf(err, "cairn session %s: %s (is cairnd running with its API on %s?)\n", name,
                 std::string(got.status().message()).c_str(), ApiBase(options.api).c_str());
    return 1;
  }
  if (got->status != 200) {
    std::string body = got->body;
    while (!body.empty() && body.back() == '\n') body.pop_back();
    std::fprintf(err, "cairn session %s: %s answered %d: %s\n", name, url.c_str(), got->status,
                 body.c_str());
    return 1;
  }
  if (options.json) {
    std::fprintf(out, "%s\n", got->body.c_str());
    return 0;
  }
  Result<std::string> table =
      view == SessionView::kInfo ? FormatSessionInfo(got->body) : FormatSessionStats(got->body);
  if (!table.ok()) {
    std::fprintf(err, "cairn session %s: unexpected answer from %s: %s\n", name, url.c_str(),
                 std::string(table.status().message()).c_str());
    return 1;
  }
  std::fputs(table->c_str(), out);
  return 0;
}

}  // namespace cairn::cli
