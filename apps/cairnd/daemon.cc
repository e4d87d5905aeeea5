#include "apps/cairnd/daemon.h"

#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <limits>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/config.h"
#include "models/eventlog/signed_note.h"
#include "net/tls.h"

namespace cairn::cairnd {

namespace {
constexpr const char* kLockFile = "LOCK";
constexpr const char* kPlainText = "text/plain; charset=utf-8";

// rpc_tls_cert and rpc_tls_key come together, and exclude rpc_tls_self_signed = yes.
Status CheckRpcTlsOptions(const DaemonOptions& o) {
  if (o.rpc_tls_self_signed != "yes" && o.rpc_tls_self_signed != "no") {
    return InvalidArgumentError("rpc_tls_self_signed must be yes or no, not '" +
                                o.rpc_tls_self_signed + "'");
  }
  if (o.rpc_tls_cert.empty() != o.rpc_tls_key.empty()) {
    return InvalidArgumentError("rpc_tls_cert and rpc_tls_key must be set together");
  }
  if (!o.rpc_tls_cert.empty() && o.rpc_tls_self_signed == "yes") {
    return InvalidArgumentError(
        "rpc_tls_cert / rpc_tls_key and rpc_tls_self_signed = yes exclude each other");
  }
  return Status();
}

struct RpcTls {
  std::optional<net::TlsCredentials> credentials;  // nullopt: plain HTTP
  std::string fingerprint;                         // the certificate's SHA-256
};

// The Session RPC port's TLS: the configured files, or the self-signed pair in `session_dir`
// (for localhost and the announced IP; clients do not verify it, §1.1), or none. Logs which,
// with the certificate's fingerprint.
Result<RpcTls> RpcTlsCredentials(const DaemonOptions& o, core::Env* env,
                                 const std::string& session_dir, const std::string& public_ip) {
  net::TlsCredentials creds;
  std::string origin;
  if (!o.rpc_tls_cert.empty()) {
    CAIRN_ASSIGN_OR_RETURN(creds, net::LoadTlsCredentials(env, o.rpc_tls_cert, o.rpc_tls_key));
    origin = "certificate " + o.rpc_tls_cert + " (key " + o.rpc_tls_key + ")";
  } else if (o.rpc_tls_self_signed == "yes") {
    const std::string cert = core::JoinPath(session_dir, "tls-cert.pem");
    const std::string key = core::JoinPath(session_dir, "tls-key.pem");
    net::SelfSignedOptions so;
    so.common_name = "cairn session storage";
    if (std::find(so.hosts.begin(), so.hosts.end(), public_ip) == so.hosts.end()) {
      so.hosts.push_back(public_ip);
    }
    bool created = false;
    CAIRN_ASSIGN_OR_RETURN(creds, net::LoadOrCreateSelfSigned(env, cert, key, so, &created));
    origin = std::string("self-signed certificate ") + (created ? "generated into " : "from ") +
             cert + " (key " + key + ")";
  } else {
    spdlog::info(
        "session-rpc: plain HTTP (for HTTPS set rpc_tls_cert and rpc_tls_key, or "
        "rpc_tls_self_signed yes)");
    return RpcTls{};
  }
  RpcTls tls;
  CAIRN_ASSIGN_OR_RETURN(tls.fingerprint, net::CertificateFingerprintSha256(creds.certificate_pem));
  spdlog::info("session-rpc: HTTPS only, {}, SHA-256 {}", origin, tls.fingerprint);
  tls.credentials = std::move(creds);
  return tls;
}
}  // namespace

Daemon::Daemon(DaemonOptions options, core::Env* env) : options_(std::move(options)), env_(env) {}

Daemon::~Daemon() { Stop(); }

Status Daemon::OpenDataDir() {
  const std::string& dir = options_.data_dir;
  Status s = core::CreateDirs(env_, dir);
  if (!s.ok())
    return Status(s.code(), "data directory " + dir + " is unusable: " + std::string(s.message()));
  auto lock = env_->LockFile(core::JoinPath(dir, kLockFile));
  if (!lock.ok()) {
    if (lock.status().code() == StatusCode::kUnavailable) {
      return UnavailableError("data directory " + dir + " is locked by another cairnd process (" +
                              kLockFile + ")");
    }
    return Status(lock.status().code(), "data directory " + dir + " is unusable: " +
                                            std::string(lock.status().message()));
  }
  lock_ = std::move(lock).value();
  // Prove the directory is writable and syncable now rather than at the first client write.
  std::string probe = core::JoinPath(dir, ".write-probe");
  s = core::WriteFileAtomically(env_, probe, AsBytes("ok\n"));
  if (s.ok()) s = env_->DeleteFile(probe);
  if (!s.ok()) {
    return Status(s.code(),
                  "data directory " + dir + " is not writable: " + std::string(s.message()));
  }
  return Status();
}

void Daemon::RegisterApiRoutes(net::HttpRouter* router) {
  router->Handle("GET", "/health", [this](const net::HttpRequest&, net::HttpResponse* resp) {
    if (ready_) {
      resp->Set(200, kPlainText, "ok\n");
    } else {
      resp->Set(503, kPlainText, "starting\n");
    }
  });
  router->Handle("GET", "/metrics", [this](const net::HttpRequest&, net::HttpResponse* resp) {
    metrics_.GetGauge("cairn_uptime_seconds", "Seconds since cairnd started.")
        ->Set(static_cast<double>(env_->NowMicros() - start_micros_) / 1e6);
    resp->Set(200, "text/plain; version=0.0.4; charset=utf-8", metrics_.RenderPrometheus());
  });
  session_api_ = std::make_unique<SessionApi>(env_);
  session_api_->RegisterRoutes(router);
  if (log_api_) {
    eventlog_face::LogApi* api = log_api_.get();
    router->HandlePrefix(
        std::string(eventlog_face::kLogPathPrefix),
        [api](const net::HttpRequest& q, net::HttpResponse* r) { api->Handle(q, r); });
    router->Handle("GET", "/v1/log-follow", [this](const net::HttpRequest&, net::HttpResponse* r) {
      nlohmann::json list = nlohmann::json::array();
      for (const auto& f : log_followers_) {
        eventlog_face::FollowerState st = f->state();
        list.push_back({{"url", st.url},
                        {"stream", st.stream},
                        {"state", st.state},
                        {"error", st.error},
                        {"local_size", st.local_size},
                        {"peer_size", st.peer_size},
                        {"events_synced", st.events_synced},
                        {"refused", st.refused}});
      }
      r->Set(200, "application/json", nlohmann::json{{"followers", list}}.dump() + "\n");
    });
  }
  if (graph_api_) {
    graph_face::GraphApi* api = graph_api_.get();
    router->HandlePrefix(
        std::string(graph_face::kGraphPathPrefix),
        [api](const net::HttpRequest& q, net::HttpResponse* r) { api->Handle(q, r); });
  }
}

Status Daemon::StartApi() {
  if (options_.api_port == 0) {
    spdlog::info("api: disabled (api_port = 0)");
    return Status();
  }
  api_router_ = std::make_unique<net::HttpRouter>();
  RegisterApiRoutes(api_router_.get());
  net::HttpServerOptions http;
  http.address = options_.bind;
  http.port = options_.api_port;
  http.name = "api";
  http.metrics = &metrics_;
  // Event log appends: a JSON batch of up to max_batch_bytes (32 MiB) of events in base64.
  http.max_body_bytes = 48ull << 20;
  net::HttpRouter* router = api_router_.get();
  CAIRN_ASSIGN_OR_RETURN(
      api_server_,
      net::HttpServer::Start(
          runtime_.get(), http,
          [router](const net::HttpRequest& q, net::HttpResponse* r) { router->Dispatch(q, r); }));
  return Status();
}

Status Daemon::OpenEngine() {
  engine::ChunkStoreOptions o;
  o.env = env_;
  o.dir = core::JoinPath(options_.data_dir, "engine");
  if (!options_.master_key.empty()) o.master_key_hex = options_.master_key;
  CAIRN_RETURN_IF_ERROR(core::CreateDirs(env_, o.dir));
  CAIRN_ASSIGN_OR_RETURN(chunks_, engine::ChunkStore::Open(o));
  objects_ = std::make_unique<objects::ObjectStore>(chunks_.get(), env_);
  CAIRN_ASSIGN_OR_RETURN(engine::ChunkStoreStats stats, chunks_->Stats());
  spdlog::info("engine: {} chunks, {} plaintext bytes, {} bytes in segments", stats.chunks,
               stats.plain_bytes, stats.segment_bytes);
  if (options_.gc_interval > 0) gc_thread_ = std::thread([this] { GcLoop(); });
  return Status();
}

namespace {

// "<host name>/eventlog", keeping only characters an origin may hold.
std::string DefaultOriginPrefix() {
  char host[256] = {};
  std::string name;
  if (::gethostname(host, sizeof(host) - 1) == 0) {
    for (const char* p = host; *p != '\0'; ++p) {
      if (std::isalnum(static_cast<unsigned char>(*p)) || *p == '.' || *p == '-') name += *p;
    }
  }
  if (name.empty()) name = "cairn";
  return name + "/eventlog";
}

std::vector<std::string> SplitList(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find_first_of(",\n", start);
    if (end == std::string::npos) end = text.size();
    std::string item = text.substr(start, end - start);
    while (!item.empty() && std::isspace(static_cast<unsigned char>(item.back()))) item.pop_back();
    size_t first = item.find_first_not_of(" \t");
    if (first != std::string::npos) out.push_back(item.substr(first));
    start = end + 1;
  }
  return out;
}

}  // namespace

Status Daemon::OpenGraph() {
  graph::GraphOptions o;
  o.env = env_;
  o.dir = core::JoinPath(options_.data_dir, "graph");
  CAIRN_ASSIGN_OR_RETURN(graph_, graph::Graph::Open(o));
  const graph::GraphStats st = graph_->stats();
  spdlog::info("graph: {} nodes, {} edges in {} (read path {})", st.nodes, st.edges, o.dir,
               graph::ReadPathName(st.read_path));
  graph_api_ = std::make_unique<graph_face::GraphApi>(graph_.get(), graph_face::GraphApiOptions{});
  return Status();
}

Status Daemon::OpenEventLog() {
  eventlog::EventLogOptions o;
  o.env = env_;
  o.dir = core::JoinPath(options_.data_dir, "eventlog");
  o.origin_prefix =
      options_.log_origin_prefix.empty() ? DefaultOriginPrefix() : options_.log_origin_prefix;
  // The tree thread hashes; one helper spreads large commits (a follower's batches).
  o.hash_threads = std::thread::hardware_concurrency() > 2 ? 1 : 0;
  CAIRN_ASSIGN_OR_RETURN(event_log_, eventlog::EventLog::Open(o));
  const auto& rec = event_log_->recovery();
  spdlog::info("eventlog: {} streams, {} events in {} (origin {}/<stream>){}", rec.streams,
               rec.events, o.dir, o.origin_prefix,
               rec.truncated_bytes > 0
                   ? ", cut a torn tail of " + std::to_string(rec.truncated_bytes) + " bytes"
                   : std::string());
  eventlog_face::LogApiOptions ao;
  ao.max_event_bytes = o.max_event_bytes;
  log_api_ = std::make_unique<eventlog_face::LogApi>(event_log_.get(), ao);

  std::vector<eventlog::VerifierKey> keys;
  for (const std::string& text : SplitList(options_.log_follow_key)) {
    Result<eventlog::VerifierKey> key = eventlog::ParseVerifierKey(text);
    if (!key.ok()) {
      return InvalidArgumentError("log_follow_key \"" + text + "\": " + key.status().ToString());
    }
    keys.push_back(*key);
  }
  for (const std::string& spec : SplitList(options_.log_follow)) {
    CAIRN_ASSIGN_OR_RETURN(eventlog_face::FollowTarget target,
                           eventlog_face::ParseFollowTarget(spec));
    for (const auto& f : log_followers_) {
      if (f->state().stream == target.stream) {
        return InvalidArgumentError("log_follow: stream '" + target.stream + "' is followed twice");
      }
    }
    eventlog_face::LogFollowerOptions fo;
    fo.log = event_log_.get();
    fo.env = env_;
    fo.keys = keys;
    fo.pin_dir = core::JoinPath(o.dir, "peers");
    log_api_->SetReadOnly(target.stream, "followed from " + target.Url());
    spdlog::info("eventlog: following {} ({})", target.Url(),
                 keys.empty() ? "key trusted on first use, pinned in " + fo.pin_dir
                              : std::to_string(keys.size()) + " configured key(s)");
    log_followers_.push_back(std::make_unique<eventlog_face::LogFollower>(target, fo));
  }
  return Status();
}

void Daemon::GcLoop() {
  std::unique_lock<std::mutex> lock(gc_mutex_);
  for (;;) {
    if (gc_cv_.wait_for(lock, std::chrono::seconds(options_.gc_interval),
                        [this] { return stopping_; })) {
      return;
    }
    lock.unlock();
    Result<engine::GcStats> gc = chunks_->CollectGarbage();
    if (!gc.ok()) {
      spdlog::error("gc: {}", gc.status().ToString());
    } else if (gc->segments_deleted > 0 || gc->dead_chunks > 0) {
      spdlog::info("gc: {} dead chunks, {} moved, {} segments deleted, {} bytes reclaimed",
                   gc->dead_chunks, gc->moved_chunks, gc->segments_deleted, gc->bytes_reclaimed);
    }
    lock.lock();
  }
}

Result<s3::S3Credentials> Daemon::S3Credentials() {
  if (!options_.s3_access_key.empty() || !options_.s3_secret_key.empty()) {
    if (options_.s3_access_key.empty() || options_.s3_secret_key.empty()) {
      return InvalidArgumentError("s3_access_key and s3_secret_key must be set together");
    }
    return s3::S3Credentials{options_.s3_access_key, options_.s3_secret_key};
  }
  std::string path = core::JoinPath(options_.data_dir, "s3-credentials.toml");
  if (env_->FileExists(path)) {
    CAIRN_ASSIGN_OR_RETURN(core::Config config, core::Config::LoadFile(env_, path));
    CAIRN_RETURN_IF_ERROR(config.CheckKnownKeys({"access_key", "secret_key"}));
    CAIRN_ASSIGN_OR_RETURN(auto access, config.GetString("access_key"));
    CAIRN_ASSIGN_OR_RETURN(auto secret, config.GetString("secret_key"));
    if (!access || !secret || access->empty() || secret->empty()) {
      return InvalidArgumentError(path + ": needs access_key and secret_key");
    }
    spdlog::info("s3: credentials from {} (access key {})", path, *access);
    return s3::S3Credentials{*access, *secret};
  }
  // First start: a root key pair, shown once in the log and kept (0600) in the data directory.
  auto random = [this](size_t n, std::string_view alphabet) {
    std::string out(n, '\0');
    std::vector<uint8_t> raw(n);
    env_->RandomBytes(MutableByteSpan(raw.data(), raw.size()));
    for (size_t i = 0; i < n; ++i) out[i] = alphabet[raw[i] % alphabet.size()];
    return out;
  };
  // 32 and 64 symbols: the modulo is unbiased.
  s3::S3Credentials cred{
      "CAIRN" + random(15, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"),
      random(40, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")};
  std::string text =
      "# S3 root credentials generated by cairnd on first start.\n"
      "access_key = \"" +
      cred.access_key + "\"\nsecret_key = \"" + cred.secret_key + "\"\n";
  CAIRN_RETURN_IF_ERROR(core::WriteFileAtomically(env_, path, AsBytes(text), 0600));
  spdlog::warn("s3: no credentials configured; generated a root key pair into {} (access key {})",
               path, cred.access_key);
  return cred;
}

Status Daemon::StartS3() {
  if (options_.s3_port == 0) {
    spdlog::info("s3: disabled (port 0)");
    return Status();
  }
  CAIRN_ASSIGN_OR_RETURN(s3::S3Credentials cred, S3Credentials());
  CAIRN_ASSIGN_OR_RETURN(
      objects::AccessTokenKey tokens,
      objects::AccessTokenKey::LoadOrCreate(
          env_, core::JoinPath(options_.data_dir, "access-token.key"), /*create=*/true));
  access_tokens_.emplace(std::move(tokens));
  s3::S3FaceOptions o;
  o.region = options_.s3_region;
  o.credentials.push_back(cred);
  o.virtual_host_domains = {options_.s3_domain};
  o.env = env_;
  o.metrics = &metrics_;
  o.access_tokens = &*access_tokens_;
  s3_face_ = std::make_unique<s3::S3Face>(objects_.get(), o);
  net::HttpServerOptions http;
  http.address = options_.bind;
  http.port = options_.s3_port;
  http.name = "s3";
  http.metrics = &metrics_;
  // The face enforces S3's own size limits (and answers in S3's XML); this bound only covers
  // framing overhead on top of the largest part or object.
  http.max_body_bytes = 6ull << 40;
  s3::S3Face* face = s3_face_.get();
  CAIRN_ASSIGN_OR_RETURN(s3_server_, net::HttpServer::StartStreaming(
                                         runtime_.get(), http,
                                         [face](const net::HttpRequest& q, net::HttpResponse* r) {
                                           return face->Handle(q, r);
                                         }));
  return Status();
}

void Daemon::KvExpiryLoop() {
  // Active expiry: a slice of the keyspace ten times a second (expired keys are invisible at
  // once anyway; this reclaims the memory of those nobody reads again).
  std::unique_lock<std::mutex> lock(gc_mutex_);
  while (!gc_cv_.wait_for(lock, std::chrono::milliseconds(100), [this] { return stopping_; })) {
    lock.unlock();
    kv_->ExpireCycle(4096);
    lock.lock();
  }
}

namespace {

// "100mb", "2gb", "4096": Redis's memory units (kv::ParseMemorySize), or a clear error.
Result<uint64_t> ParseRedisBytes(const std::string& key, const std::string& text) {
  uint64_t bytes = 0;
  if (!kv::ParseMemorySize(text, &bytes)) {
    return InvalidArgumentError(key + ": expected bytes with an optional kb/mb/gb unit, got \"" +
                                text + "\"");
  }
  return bytes;
}

// "alice:pw1,bob:pw2" -> {(alice, pw1), (bob, pw2)}.
Result<std::vector<std::pair<std::string, std::string>>> ParseUsers(const std::string& text) {
  std::vector<std::pair<std::string, std::string>> users;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    std::string item = text.substr(start, end - start);
    size_t colon = item.find(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == item.size()) {
      return InvalidArgumentError("resp_users: expected user:password[,user:password...], got \"" +
                                  item + "\"");
    }
    users.emplace_back(item.substr(0, colon), item.substr(colon + 1));
    start = end + 1;
  }
  return users;
}

}  // namespace

Status Daemon::StartResp() {
  if (options_.resp_port == 0) {
    spdlog::info("resp: disabled (port 0)");
    return Status();
  }
  kv::KvOptions ko;
  ko.env = env_;
  {
    CAIRN_ASSIGN_OR_RETURN(ko.maxmemory, ParseRedisBytes("maxmemory", options_.maxmemory));
    if (!kv::ParseEvictionPolicy(options_.maxmemory_policy, &ko.eviction)) {
      return InvalidArgumentError(
          "maxmemory_policy must be noeviction, allkeys-lru or volatile-ttl, not '" +
          options_.maxmemory_policy + "'");
    }
  }
  kv_ = std::make_unique<kv::KvStore>(ko);
  pubsub_ = std::make_unique<kv::PubSub>();
  kv::KvPersistenceOptions po;
  po.env = env_;
  po.dir = core::JoinPath(options_.data_dir, "kv");
  if (options_.appendfsync == "always") {
    po.fsync = kv::FsyncPolicy::kAlways;
  } else if (options_.appendfsync == "everysec") {
    po.fsync = kv::FsyncPolicy::kEverySec;
  } else if (options_.appendfsync == "no") {
    po.fsync = kv::FsyncPolicy::kNo;
  } else {
    return InvalidArgumentError("appendfsync must be always, everysec or no, not '" +
                                options_.appendfsync + "'");
  }
  if (options_.appendonly != "yes" && options_.appendonly != "no") {
    return InvalidArgumentError("appendonly must be yes or no, not '" + options_.appendonly + "'");
  }
  po.log_writes = options_.appendonly == "yes";
  // The RESP face commits once per batch of pipelined commands, before it replies.
  po.defer_commit = true;
  // Snapshots (SAVE, BGSAVE, log rewrites) are written by a forked child: writes go on.
  po.fork_snapshot = true;
  CAIRN_ASSIGN_OR_RETURN(kv_persistence_, kv::KvPersistence::Open(po, kv_.get()));
  resp::RespServiceOptions so;
  so.requirepass = options_.requirepass;
  CAIRN_ASSIGN_OR_RETURN(so.users, ParseUsers(options_.resp_users));
  CAIRN_ASSIGN_OR_RETURN(so.max_bulk_bytes,
                         ParseRedisBytes("proto_max_bulk_len", options_.proto_max_bulk_len));
  so.env = env_;
  so.metrics = &metrics_;
  kv::KvPersistence* persistence = kv_persistence_.get();
  so.save = [persistence] { return persistence->Save(); };
  so.last_save_unix = [persistence] { return persistence->last_save_unix(); };
  so.persistence_error = [persistence] { return persistence->broken(); };
  so.commit = [persistence] { return persistence->Commit(); };
  // SHUTDOWN stops cairnd the way SIGTERM does (main() waits for it with sigwait).
  so.shutdown = [] { ::kill(::getpid(), SIGTERM); };
  so.appendfsync = options_.appendfsync;
  so.appendonly = po.log_writes;
  resp_service_ = std::make_unique<resp::RespService>(kv_.get(), pubsub_.get(), so);
  resp::RespServerOptions ro;
  ro.address = options_.bind;
  ro.port = options_.resp_port;
  ro.unix_socket = options_.resp_unix_socket;
  ro.limits.max_bulk_bytes = so.max_bulk_bytes;
  CAIRN_ASSIGN_OR_RETURN(resp_server_,
                         resp::RespServer::Start(runtime_.get(), resp_service_.get(), ro));
  kv_expiry_thread_ = std::thread([this] { KvExpiryLoop(); });
  if (po.log_writes) {
    spdlog::info("resp: KV log in {} (appendfsync {})", po.dir, options_.appendfsync);
  } else {
    spdlog::warn("resp: KV log off (appendonly no): only SAVE/BGSAVE snapshots in {} persist",
                 po.dir);
  }
  return Status();
}

Status Daemon::StartSessionRpc() {
  if (options_.rpc_port == 0) {
    spdlog::info("session-rpc: disabled (port 0)");
    if (session_api_) session_api_->Disable();
    return Status();
  }
  CAIRN_RETURN_IF_ERROR(CheckRpcTlsOptions(options_));
  CAIRN_ASSIGN_OR_RETURN(mailbox_, mailbox::Mailbox::Open(mailbox::MailboxOptions{
                                       .env = env_, .metadata = chunks_->metadata()}));
  // The node's Ed25519 identity: signs per-node results, announced by get_swarm.
  const std::string session_dir = core::JoinPath(options_.data_dir, "session");
  CAIRN_RETURN_IF_ERROR(core::CreateDirs(env_, session_dir));
  const std::string key_path = core::JoinPath(session_dir, "node-ed25519.key");
  bool created = false;
  CAIRN_ASSIGN_OR_RETURN(session_rpc::NodeIdentity identity,
                         session_rpc::NodeIdentity::LoadOrCreate(env_, key_path, true, &created));
  node_identity_.emplace(identity);
  spdlog::info("session-rpc: node key {} {} (ed25519 {})", created ? "generated into" : "from",
               key_path, node_identity_->PublicKeyHex());

  session_rpc::RpcExecutorOptions eo;
  eo.env = env_;
  eo.identity = &*node_identity_;
  eo.metrics = &metrics_;
  eo.address.port_https = options_.rpc_port;
  if (!options_.rpc_public_ip.empty()) {
    eo.address.ip = options_.rpc_public_ip;
  } else if (options_.bind == "0.0.0.0" || options_.bind == "::") {
    eo.address.ip = "127.0.0.1";
    spdlog::warn("session-rpc: bound to {}; get_swarm announces {} (set rpc_public_ip)",
                 options_.bind, eo.address.ip);
  } else {
    eo.address.ip = options_.bind;
  }
  rpc_executor_ = std::make_unique<session_rpc::RpcExecutor>(mailbox_.get(), eo);
  rpc_face_ = std::make_unique<session_rpc::SessionRpcFace>(
      rpc_executor_.get(), session_rpc::SessionRpcFaceOptions{env_, &metrics_});

  // Its own threads: a store blocks on a synced write, and many in flight share one group commit.
  unsigned threads = options_.rpc_threads;
  if (threads == 0) threads = std::max(8u, 2 * std::max(1u, std::thread::hardware_concurrency()));
  rpc_runtime_ = std::make_unique<net::Runtime>(threads);
  rpc_runtime_->Start();
  net::HttpServerOptions http;
  http.address = options_.bind;
  http.port = options_.rpc_port;
  http.name = "session-rpc";
  http.metrics = &metrics_;
  // The face answers oversized bodies itself (413 "Request body too large", §1.1); the server's
  // own bound must not get there first.
  http.max_body_bytes = std::numeric_limits<uint64_t>::max();
  CAIRN_ASSIGN_OR_RETURN(RpcTls tls, RpcTlsCredentials(options_, env_, session_dir, eo.address.ip));
  http.tls = std::move(tls.credentials);
  session_rpc::SessionRpcFace* face = rpc_face_.get();
  CAIRN_ASSIGN_OR_RETURN(rpc_server_, net::HttpServer::StartStreaming(
                                          rpc_runtime_.get(), http,
                                          [face](const net::HttpRequest& q, net::HttpResponse* r) {
                                            return face->Handle(q, r);
                                          }));
  if (options_.rpc_sweep_interval > 0) {
    mailbox_sweep_thread_ = std::thread([this] { MailboxSweepLoop(); });
  }
  if (session_api_) {
    SessionNodeInfo info;
    info.bind = options_.bind;
    info.rpc_port = rpc_server_->port();
    info.public_ip = eo.address.ip;
    info.rpc_threads = threads;
    info.sweep_interval_s = options_.rpc_sweep_interval;
    info.pubkey_ed25519 = node_identity_->PublicKeyHex();
    info.pubkey_x25519 = node_identity_->X25519Hex();
    info.snode_address = node_identity_->SnodeAddress();
    info.key_file = key_path;
    info.tls = rpc_server_->tls();
    info.tls_cert_sha256 = tls.fingerprint;
    mailbox::Mailbox* box = mailbox_.get();
    session_api_->Enable(std::move(info), [box] { return box->Stats(); });
  }
  spdlog::info("session-rpc: POST {}://{}:{}{} ({} threads, expired messages swept every {} s)",
               rpc_server_->tls() ? "https" : "http", options_.bind, rpc_server_->port(),
               session_rpc::kStorageRpcPath, threads, options_.rpc_sweep_interval);
  return Status();
}

void Daemon::MailboxSweepLoop() {
  core::Counter* removed = metrics_.GetCounter("cairn_mailbox_expired_removed_total",
                                               "Expired Session messages reclaimed by the sweep.");
  std::unique_lock<std::mutex> lock(gc_mutex_);
  while (!gc_cv_.wait_for(lock, std::chrono::seconds(options_.rpc_sweep_interval),
                          [this] { return stopping_; })) {
    lock.unlock();
    Result<uint64_t> n = mailbox_->RemoveExpired(mailbox_->NowMs());
    if (!n.ok()) {
      spdlog::error("session-rpc: expiry sweep: {}", n.status().ToString());
    } else if (*n > 0) {
      removed->Increment(*n);
      spdlog::debug("session-rpc: swept {} expired messages", *n);
    }
    lock.lock();
  }
}

Status Daemon::Start() {
  start_micros_ = env_->NowMicros();
  CAIRN_RETURN_IF_ERROR(OpenDataDir());
  spdlog::info("data directory {} opened and locked", options_.data_dir);
  metrics_
      .GetGauge("cairn_build_info", "Build information (value is always 1).",
                {{"version", CAIRN_VERSION}})
      ->Set(1);
  runtime_ = std::make_unique<net::Runtime>(options_.threads);
  runtime_->Start();
  spdlog::info("network runtime: {} threads", runtime_->size());
  CAIRN_RETURN_IF_ERROR(OpenEngine());
  CAIRN_RETURN_IF_ERROR(OpenEventLog());
  CAIRN_RETURN_IF_ERROR(OpenGraph());
  CAIRN_RETURN_IF_ERROR(StartApi());
  CAIRN_RETURN_IF_ERROR(StartS3());
  CAIRN_RETURN_IF_ERROR(StartResp());
  CAIRN_RETURN_IF_ERROR(StartSessionRpc());
  for (auto& f : log_followers_) f->Start();
  ready_ = true;
  spdlog::info("cairnd {} ready", CAIRN_VERSION);
  return Status();
}

void Daemon::Stop() {
  if (!runtime_ && !lock_ && !chunks_ && !event_log_ && !graph_) return;
  ready_ = false;
  for (auto& f : log_followers_) f->Stop();
  if (api_server_) api_server_->Stop();
  if (s3_server_) s3_server_->Stop();
  if (resp_server_) resp_server_->Stop();
  if (rpc_server_) rpc_server_->Stop();
  if (runtime_) runtime_->Stop();
  if (s3_runtime_) s3_runtime_->Stop();
  if (rpc_runtime_) rpc_runtime_->Stop();
  api_server_.reset();
  s3_server_.reset();
  resp_server_.reset();
  rpc_server_.reset();
  runtime_.reset();
  s3_runtime_.reset();
  rpc_runtime_.reset();
  {
    std::lock_guard<std::mutex> lock(gc_mutex_);
    stopping_ = true;
  }
  gc_cv_.notify_all();
  if (gc_thread_.joinable()) gc_thread_.join();
  if (kv_expiry_thread_.joinable()) kv_expiry_thread_.join();
  if (mailbox_sweep_thread_.joinable()) mailbox_sweep_thread_.join();
  s3_face_.reset();
  rpc_face_.reset();
  rpc_executor_.reset();
  mailbox_.reset();
  resp_service_.reset();
  if (kv_persistence_) {
    Status closed = kv_persistence_->Close();
    if (!closed.ok()) spdlog::error("kv: final sync failed: {}", closed.ToString());
  }
  kv_persistence_.reset();
  pubsub_.reset();
  kv_.reset();
  log_followers_.clear();
  log_api_.reset();
  if (event_log_) {
    Status closed = event_log_->Close();
    if (!closed.ok()) spdlog::error("eventlog: close failed: {}", closed.ToString());
  }
  event_log_.reset();
  graph_api_.reset();
  if (graph_) {
    Status closed = graph_->Close();
    if (!closed.ok()) spdlog::error("graph: close failed: {}", closed.ToString());
  }
  graph_.reset();
  objects_.reset();
  chunks_.reset();
  lock_.reset();
}

uint16_t Daemon::api_port() const { return api_server_ ? api_server_->port() : 0; }

uint16_t Daemon::s3_port() const { return s3_server_ ? s3_server_->port() : 0; }

uint16_t Daemon::resp_port() const { return resp_server_ ? resp_server_->port() : 0; }

uint16_t Daemon::rpc_port() const { return rpc_server_ ? rpc_server_->port() : 0; }

}  // namespace cairn::cairnd
