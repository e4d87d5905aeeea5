// Daemon: cairnd's lifetime. Opens (creates, locks) the data directory, starts the network
// runtime and every configured listener, serves until Shutdown(), then stops in reverse order.
//
// The engine (chunk store + metadata) lives in DATA_DIR/engine; the objects model sits on it and
// the S3 face serves it. A background thread runs garbage collection every gc_interval seconds.
// The mailbox model uses the engine's metadata too and the Session storage RPC face serves it on
// rpc_port (its own runtime, since its handlers block on synced writes), with the node's Ed25519
// identity in DATA_DIR/session/node-ed25519.key (generated on first start) and a thread that
// reclaims expired messages every rpc_sweep_interval seconds; the port speaks HTTPS only when
// rpc_tls_cert / rpc_tls_key or rpc_tls_self_signed (DATA_DIR/session/tls-{cert,key}.pem,
// generated on first start) are set, plain HTTP otherwise. The API port also serves
// read-only Session routes (/api/v1/session/info and /stats, session_api.h).
// The event log model lives in DATA_DIR/eventlog and its face is served under /v1/log on the API
// port (faces/eventlog/log_api.h); one follower thread per log_follow entry mirrors a peer's
// stream (faces/eventlog/log_follower.h), with its state at GET /v1/log-follow.
//
// Thread safety: Open/Run/Shutdown from main(); Shutdown may also be called from a signal-handling
// thread.
#ifndef CAIRN_APPS_CAIRND_DAEMON_H_
#define CAIRN_APPS_CAIRND_DAEMON_H_

#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "apps/cairnd/options.h"
#include "apps/cairnd/session_api.h"
#include "core/env/env.h"
#include "core/metrics.h"
#include "engine/chunk_store.h"
#include "faces/eventlog/log_api.h"
#include "faces/eventlog/log_follower.h"
#include "faces/graph/graph_api.h"
#include "faces/resp/resp_server.h"
#include "faces/resp/resp_service.h"
#include "faces/s3/s3_face.h"
#include "faces/session_rpc/node_identity.h"
#include "faces/session_rpc/rpc_executor.h"
#include "faces/session_rpc/session_rpc_face.h"
#include "models/eventlog/event_log.h"
#include "models/graph/graph.h"
#include "models/kv/kv_persistence.h"
#include "models/kv/kv_store.h"
#include "models/kv/pubsub.h"
#include "models/mailbox/mailbox.h"
#include "models/objects/object_store.h"
#include "net/http_server.h"
#include "net/runtime.h"

namespace cairn::cairnd {

class Daemon {
 public:
  Daemon(DaemonOptions options, core::Env* env);
  ~Daemon();

  // Creates and locks the data directory and binds every listener.
  // Errors: kUnavailable "data directory ... is locked" when another cairnd holds it, or a port
  // in use; kFailedPrecondition / kPermissionDenied when the directory is unusable.
  Status Start();
  // Stops listeners and the runtime, releases the lock. Idempotent.
  void Stop();

  uint16_t api_port() const;
  uint16_t s3_port() const;
  uint16_t resp_port() const;
  uint16_t rpc_port() const;

 private:
  Status OpenDataDir();
  Status StartApi();
  Status OpenEngine();
  Status StartS3();
  Status StartResp();
  Status StartSessionRpc();
  // Opens DATA_DIR/eventlog and prepares the API face and the followers (started by Start).
  Status OpenEventLog();
  // Opens DATA_DIR/graph (model defaults) and prepares its API face.
  Status OpenGraph();
  // The configured S3 credentials, or the root pair kept in the data directory (generated on
  // first start).
  Result<s3::S3Credentials> S3Credentials();
  void RegisterApiRoutes(net::HttpRouter* router);
  void GcLoop();
  void KvExpiryLoop();
  void MailboxSweepLoop();

  DaemonOptions options_;
  core::Env* env_;
  core::MetricsRegistry metrics_;
  std::unique_ptr<core::FileLock> lock_;
  std::unique_ptr<net::Runtime> runtime_;
  std::unique_ptr<net::HttpRouter> api_router_;
  std::unique_ptr<net::HttpServer> api_server_;
  std::unique_ptr<SessionApi> session_api_;  // its routes are on api_router_
  std::unique_ptr<engine::ChunkStore> chunks_;
  std::unique_ptr<objects::ObjectStore> objects_;
  std::optional<objects::AccessTokenKey> access_tokens_;
  std::unique_ptr<s3::S3Face> s3_face_;
  std::unique_ptr<net::Runtime> s3_runtime_;
  std::unique_ptr<net::HttpServer> s3_server_;
  std::unique_ptr<kv::KvStore> kv_;
  std::unique_ptr<kv::PubSub> pubsub_;
  std::unique_ptr<kv::KvPersistence> kv_persistence_;
  std::unique_ptr<resp::RespService> resp_service_;
  std::unique_ptr<resp::RespServer> resp_server_;
  std::unique_ptr<mailbox::Mailbox> mailbox_;
  std::optional<session_rpc::NodeIdentity> node_identity_;
  std::unique_ptr<session_rpc::RpcExecutor> rpc_executor_;
  std::unique_ptr<session_rpc::SessionRpcFace> rpc_face_;
  std::unique_ptr<net::Runtime> rpc_runtime_;
  std::unique_ptr<net::HttpServer> rpc_server_;
  std::unique_ptr<eventlog::EventLog> event_log_;
  std::unique_ptr<eventlog_face::LogApi> log_api_;   // its routes are on api_router_
  std::unique_ptr<graph::Graph> graph_;              // DATA_DIR/graph
  std::unique_ptr<graph_face::GraphApi> graph_api_;  // its routes are on api_router_
  std::vector<std::unique_ptr<eventlog_face::LogFollower>> log_followers_;
  std::thread gc_thread_;
  std::thread kv_expiry_thread_;
  std::thread mailbox_sweep_thread_;
  std::mutex gc_mutex_;
  std::condition_variable gc_cv_;
  bool stopping_ = false;
  uint64_t start_micros_ = 0;
  bool ready_ = false;
};

}  // namespace cairn::cairnd

#endif  // CAIRN_APPS_CAIRND_DAEMON_H_
