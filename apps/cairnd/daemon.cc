#include "apps/cairnd/daemon.h"

#include <spdlog/spdlog.h>

#include <atomic>

namespace cairn::cairnd {

namespace {
constexpr const char* kLockFile = "LOCK";
constexpr const char* kPlainText = "text/plain; charset=utf-8";
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
  net::HttpRouter* router = api_router_.get();
  CAIRN_ASSIGN_OR_RETURN(
      api_server_,
      net::HttpServer::Start(
          runtime_.get(), http,
          [router](const net::HttpRequest& q, net::HttpResponse* r) { router->Dispatch(q, r); }));
  return Status();
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
  CAIRN_RETURN_IF_ERROR(StartApi());
  struct FaceStatus {
    const char* name;
    uint16_t port;
  };
  for (const FaceStatus& face :
       {FaceStatus{"s3", options_.s3_port}, FaceStatus{"resp", options_.resp_port},
        FaceStatus{"session-rpc", options_.rpc_port}}) {
    if (face.port == 0) {
      spdlog::info("{}: disabled (port 0)", face.name);
    } else {
      spdlog::warn("{}: face not implemented in this build yet; port {} left unbound", face.name,
                   face.port);
    }
  }
  ready_ = true;
  spdlog::info("cairnd {} ready", CAIRN_VERSION);
  return Status();
}

void Daemon::Stop() {
  if (!runtime_ && !lock_) return;
  ready_ = false;
  if (api_server_) api_server_->Stop();
  if (runtime_) runtime_->Stop();
  api_server_.reset();
  runtime_.reset();
  lock_.reset();
}

uint16_t Daemon::api_port() const { return api_server_ ? api_server_->port() : 0; }

}  // namespace cairn::cairnd
