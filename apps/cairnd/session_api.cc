#include "apps/cairnd/session_api.h"

#include <nlohmann/json.hpp>
#include <string_view>
#include <utility>

#include "core/env/env.h"
#include "faces/session_rpc/rpc_executor.h"
#include "faces/session_rpc/session_rpc_face.h"

namespace cairn::cairnd {

namespace {

using json = nlohmann::json;

constexpr const char* kJson = "application/json";
constexpr const char* kPlainText = "text/plain; charset=utf-8";
constexpr std::string_view kInfoPath = "/api/v1/session/info";
constexpr std::string_view kStatsPath = "/api/v1/session/stats";

json Counts(uint64_t accounts, uint64_t messages, uint64_t data_bytes) {
  return json{{"accounts", accounts}, {"messages", messages}, {"data_bytes", data_bytes}};
}

}  // namespace

std::string SessionApi::InfoJson(const SessionNodeInfo* info) {
  json j = {{"version", CAIRN_VERSION}, {"enabled", info != nullptr}};
  if (info == nullptr) return j.dump();
  const auto& v = session_rpc::kServerVersion;
  // IPv6 addresses go in brackets in a URL.
  const std::string host = info->public_ip.find(':') == std::string::npos
                               ? info->public_ip
                               : "[" + info->public_ip + "]";
  j["bind"] = info->bind;
  j["rpc_port"] = info->rpc_port;
  j["rpc_url"] = std::string(info->tls ? "https://" : "http://") + host + ":" +
                 std::to_string(info->rpc_port) + std::string(session_rpc::kStorageRpcPath);
  j["public_ip"] = info->public_ip;
  j["rpc_threads"] = info->rpc_threads;
  j["sweep_interval_s"] = info->sweep_interval_s;
  j["storage_server_version"] =
      std::to_string(v[0]) + "." + std::to_string(v[1]) + "." + std::to_string(v[2]);
  j["hf"] = session_rpc::kHardfork;
  j["pubkey_ed25519"] = info->pubkey_ed25519;
  j["pubkey_x25519"] = info->pubkey_x25519;
  j["snode_address"] = info->snode_address;
  j["key_file"] = info->key_file;
  j["tls"] = info->tls;
  j["tls_cert_sha256"] = info->tls_cert_sha256;
  return j.dump();
}

std::string SessionApi::StatsJson(const mailbox::MailboxStats& stats, double scan_ms) {
  json namespaces = json::array();
  for (const auto& [ns, c] : stats.namespaces) {
    json entry = Counts(c.accounts, c.messages, c.data_bytes);
    entry["namespace"] = ns;
    namespaces.push_back(std::move(entry));
  }
  json j = Counts(stats.accounts, stats.messages, stats.data_bytes);
  j["expired_pending"] = stats.expired_pending;
  j["namespaces"] = std::move(namespaces);
  j["scan_ms"] = static_cast<double>(static_cast<int64_t>(scan_ms * 1000)) / 1000;
  return j.dump();
}

void SessionApi::RegisterRoutes(net::HttpRouter* router) {
  router->Handle("GET", std::string(kInfoPath),
                 [this](const net::HttpRequest&, net::HttpResponse* r) { ServeInfo(r); });
  router->Handle("GET", std::string(kStatsPath),
                 [this](const net::HttpRequest&, net::HttpResponse* r) { ServeStats(r); });
}

void SessionApi::Enable(SessionNodeInfo info, MailboxStatsFn stats) {
  info_ = std::move(info);
  stats_ = std::move(stats);
  state_.store(State::kEnabled, std::memory_order_release);
}

void SessionApi::Disable() { state_.store(State::kDisabled, std::memory_order_release); }

void SessionApi::ServeInfo(net::HttpResponse* response) const {
  switch (state_.load(std::memory_order_acquire)) {
    case State::kStarting:
      return response->Set(503, kPlainText, "starting\n");
    case State::kDisabled:
      return response->Set(200, kJson, InfoJson(nullptr));
    case State::kEnabled:
      return response->Set(200, kJson, InfoJson(&info_));
  }
}

void SessionApi::ServeStats(net::HttpResponse* response) {
  switch (state_.load(std::memory_order_acquire)) {
    case State::kStarting:
      return response->Set(503, kPlainText, "starting\n");
    case State::kDisabled:
      return response->Set(404, kPlainText,
                           "the Session RPC face is disabled on this node (rpc_port = 0)\n");
    case State::kEnabled:
      break;
  }
  std::unique_lock<std::mutex> lock(scan_mutex_, std::try_to_lock);
  if (!lock.owns_lock()) {
    return response->Set(503, kPlainText, "a stats scan is already running; try again later\n");
  }
  const uint64_t start = env_->NowMicros();
  Result<mailbox::MailboxStats> stats = stats_();
  if (!stats.ok()) {
    return response->Set(500, kPlainText, "stats scan failed: " + stats.status().ToString() + "\n");
  }
  const double ms = static_cast<double>(env_->NowMicros() - start) / 1000;
  response->Set(200, kJson, StatsJson(*stats, ms));
}

}  // namespace cairn::cairnd
