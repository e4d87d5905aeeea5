// SessionApi: the read-only Session routes of cairnd's API port (api_port, beside /health and
// /metrics), for operators and `cairn session info|stats`:
//
//   GET /api/v1/session/info   this node: cairnd's version, the Session RPC port, bind address,
//                              URL (https:// with TLS, and the certificate's fingerprint) and
//                              threads, the sweep interval, the storage server version and
//                              hardfork the face reports, the node's Ed25519 key, its X25519 form
//                              and .snode address, the key file.
//   GET /api/v1/session/stats  Mailbox::Stats(): accounts, messages and data bytes per namespace
//                              and in total, expired messages not yet swept, and the scan's time.
//
// Answers are JSON (application/json; documents in docs/session_rpc.md). Before cairnd is ready
// both answer 503 `starting`; with the Session RPC face off (rpc_port = 0) info answers
// {"enabled": false, "version": ...} and stats 404. A stats request walks every message
// (Mailbox::Stats) on the API thread that received it, so one scan runs at a time: a request that
// arrives during a scan gets 503 at once instead of tying up a second thread.
//
// Thread safety: the routes run concurrently on the API server's threads. Enable() or Disable()
// is called once, before the routes can see the Session face's objects, and the objects passed
// to Enable() must outlive the routes' use of them (the daemon stops the API server first).
#ifndef CAIRN_APPS_CAIRND_SESSION_API_H_
#define CAIRN_APPS_CAIRND_SESSION_API_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>

#include "core/result.h"
#include "models/mailbox/mailbox.h"
#include "net/http.h"

namespace cairn::core {
class Env;
}

namespace cairn::cairnd {

// What /api/v1/session/info reports about the running face.
struct SessionNodeInfo {
  std::string bind;       // the RPC listener's address
  uint16_t rpc_port = 0;  // the bound port
  std::string public_ip;  // the IP get_swarm announces
  unsigned rpc_threads = 0;
  unsigned sweep_interval_s = 0;  // 0: never swept
  std::string pubkey_ed25519;     // 64 hex digits
  std::string pubkey_x25519;      // 64 hex digits
  std::string snode_address;      // z-base-32 of the Ed25519 key + ".snode"
  std::string key_file;
  bool tls = false;             // the port speaks HTTPS (rpc_url is https://)
  std::string tls_cert_sha256;  // the certificate's SHA-256 fingerprint when tls
};

using MailboxStatsFn = std::function<Result<mailbox::MailboxStats>()>;

class SessionApi {
 public:
  // `env` (the clock that times the scan) must outlive the SessionApi.
  explicit SessionApi(core::Env* env) : env_(env) {}
  SessionApi(const SessionApi&) = delete;
  SessionApi& operator=(const SessionApi&) = delete;

  // Adds GET /api/v1/session/info and /api/v1/session/stats. `router` must not outlive this.
  void RegisterRoutes(net::HttpRouter* router);
  // The face is up: info describes it, stats come from `stats` (Mailbox::Stats).
  void Enable(SessionNodeInfo info, MailboxStatsFn stats);
  // The face is off (rpc_port = 0).
  void Disable();

  // The JSON documents, compact with sorted keys.
  static std::string InfoJson(const SessionNodeInfo* info);  // nullptr: the face is off
  static std::string StatsJson(const mailbox::MailboxStats& stats, double scan_ms);

 private:
  enum class State { kStarting, kDisabled, kEnabled };

  void ServeInfo(net::HttpResponse* response) const;
  void ServeStats(net::HttpResponse* response);

  core::Env* const env_;
  // info_ and stats_ are written once, before state_ becomes kEnabled (release); readers load
  // state_ (acquire) first.
  std::atomic<State> state_{State::kStarting};
  SessionNodeInfo info_;
  MailboxStatsFn stats_;
  std::mutex scan_mutex_;  // held while a stats scan runs
};

}  // namespace cairn::cairnd

#endif  // CAIRN_APPS_CAIRND_SESSION_API_H_
